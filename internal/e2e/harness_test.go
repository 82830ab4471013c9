package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The harness's own tests: a browser test is only worth its green if the
// harness sees what goes wrong in the browser, so each problem it watches
// for is provoked here on a small page of our own.

// harnessSite serves the pages the harness tests provoke problems with.
func harnessSite(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	page := func(csp, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if csp != "" {
				w.Header().Set("Content-Security-Policy", csp)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>harness</title><link rel=icon href=data:,><main id=main>" + body + "</main>"))
		}
	}
	tendCSP := "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	mux.HandleFunc("GET /inline-script", page(tendCSP, `<p>hi</p><script>document.title = "ran"</script>`))
	mux.HandleFunc("GET /inline-style", page(tendCSP, `<p style="color: red">hi</p>`))
	mux.HandleFunc("GET /missing-image", page(tendCSP, `<img src="/nothing.png" alt="">`))
	mux.HandleFunc("GET /console-error", page("", `<script>console.error("boom", 42)</script>`))
	mux.HandleFunc("GET /exception", page("", `<script>throw new Error("kaboom")</script>`))
	mux.HandleFunc("GET /clean", page(tendCSP, `<p>nothing wrong here</p>`))
	mux.HandleFunc("GET /export", page(tendCSP, `<a id="dl" href="/export.csv">Export</a>`))
	mux.HandleFunc("GET /export.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="accounts.csv"`)
		w.Write([]byte("external_id,name\nacc-1,Acme\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHarnessSeesProblems(t *testing.T) {
	t.Parallel()
	startChromium(t)
	base := harnessSite(t)
	for _, c := range []struct{ path, want string }{
		{"/inline-script", "Content Security Policy"},
		{"/inline-style", "Content Security Policy"},
		{"/missing-image", "HTTP 404 for " + base + "/nothing.png"},
		{"/console-error", "console.error: boom 42"},
		{"/exception", "kaboom"},
	} {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			t.Parallel()
			tb := openTab(t, base)
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(base+c.path)); err != nil {
				t.Fatal(err)
			}
			// Read the problems a step would fail on. Events may trail the
			// load, so wait for them, with a deadline; each round trip to the
			// tab lets the events before it through.
			var got []string
			found := func() bool {
				return slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, c.want) })
			}
			for deadline := time.Now().Add(stepTimeout); !found() && time.Now().Before(deadline); {
				if _, err := chromedp.Run(tb.ctx, chromedp.Title()); err != nil {
					t.Fatal(err)
				}
				got = append(got, tb.takeProblems()...)
			}
			if !found() {
				t.Errorf("%s: the harness reported %q, want a problem mentioning %q", c.path, got, c.want)
			}
			tb.expectProblems(".") // the page is broken on purpose: let the rest of its problems pass
			tb.takeProblems()
		})
	}
}

// TestHarnessCleanPage checks that a page with nothing wrong passes: the
// harness finds no problem in a page that follows Tend's CSP.
func TestHarnessCleanPage(t *testing.T) {
	t.Parallel()
	startChromium(t)
	base := harnessSite(t)
	tb := openTab(t, base)
	tb.open("/clean")
	if got := tb.text("main p"); got != "nothing wrong here" {
		t.Errorf("the clean page reads %q", got)
	}
}

// TestHarnessDownloads checks the helper an export test uses: a click on a
// link that downloads a file gives its name and its bytes.
func TestHarnessDownloads(t *testing.T) {
	t.Parallel()
	startChromium(t)
	base := harnessSite(t)
	tb := openTab(t, base)
	tb.open("/export")
	name, body := tb.download("export the accounts", chromedp.Click(chromedp.CSS("#dl")))
	if name != "accounts.csv" || string(body) != "external_id,name\nacc-1,Acme\n" {
		t.Errorf("downloaded %q: %q", name, body)
	}
}

// TestHarnessSignsInAndOut runs signIn and signOut against a stand-in that
// keeps the sign-in contract (see signin_test.go), so the helpers are known
// to work before Tend's own sign-in is there to drive them.
func TestHarnessSignsInAndOut(t *testing.T) {
	t.Parallel()
	startChromium(t)
	const email, password = "ann@tend.example", "correct horse battery"
	csp := "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	write := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>stand-in</title><link rel=icon href=data:,>" + body))
	}
	signedIn := func(r *http.Request) bool {
		c, err := r.Cookie("session")
		return err == nil && c.Value == "ok"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		write(w, `<main id=main><form method=post action="/signin">
			<input name=email type=email><input name=password type=password>
			<button type=submit>Sign in</button></form></main>`)
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("email") != email || r.FormValue("password") != password {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "ok", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/accounts", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /signout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Path: "/", MaxAge: -1})
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {
		if !signedIn(r) {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		write(w, `<header><form method=post action="/signout"><button>Sign out</button></form></header>
			<main id=main><h1>Accounts</h1></main>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tb := openTab(t, srv.URL)
	if !serves(t, srv.URL+"/signin") {
		t.Fatal("the stand-in's sign-in page is not detected")
	}
	tb.signIn(email, password)
	if p := tb.path(); p != "/accounts" {
		t.Errorf("signed in on %s, want /accounts", p)
	}
	tb.signOut()
}
