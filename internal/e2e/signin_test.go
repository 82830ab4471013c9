package e2e

import (
	"strings"

	"github.com/chromedp/chromedp"
)

// The sign-in contract these helpers drive: GET /signin shows
// form[action="/signin"] with input[name=email], input[name=password] and
// a submit button, and a successful sign-in lands on a page whose header
// has the sign-out form, form[action="/signout"] (a POST). Signing out
// lands back on the sign-in page, and the pages then send a visitor there.
// Tests call them only when app.hasSignIn: before sign-in exists, Tend's
// pages are open and the tests run without a session.

const (
	signInForm    = `form[action="/signin"]`
	signOutButton = `form[action="/signout"] button`
)

// signIn signs the tab in through the sign-in page, as a person would.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.open("/signin")
	tb.do("fill in the sign-in form",
		chromedp.SendKeys(chromedp.CSS(signInForm+` input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(signInForm+` input[name=password]`), password),
	)
	tb.follow("sign in as "+email, chromedp.Click(chromedp.CSS(signInForm+` button[type=submit]`)))
	if p := tb.path(); strings.HasPrefix(p, "/signin") {
		tb.t.Fatalf("sign in as %s: still on %s: %q", email, p, tb.text("main"))
	}
	tb.do("see the sign-out button after signing in", chromedp.WaitVisible(chromedp.CSS(signOutButton)))
}

// signOut signs the tab out with the header's sign-out button and checks
// that the accounts are then out of reach.
func (tb *tab) signOut() {
	tb.t.Helper()
	tb.follow("sign out", chromedp.Click(chromedp.CSS(signOutButton)))
	tb.do("see the sign-in form after signing out", chromedp.WaitVisible(chromedp.CSS(signInForm)))
	tb.follow("open /accounts after signing out", chromedp.Navigate(tb.base+"/accounts"))
	if p := tb.path(); !strings.HasPrefix(p, "/signin") {
		tb.t.Fatalf("after signing out, /accounts showed %s instead of the sign-in page", p)
	}
}
