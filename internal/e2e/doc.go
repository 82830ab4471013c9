// Package e2e holds Tend's end-to-end tests: they start Tend in-process on
// a fresh SQLite database with the demo company, open it in a real headless
// Chromium (driven over the DevTools protocol with chromedp) and use it as a
// person would — search the accounts, open one, read its 360 and timeline,
// look at the dashboard, and sign in and out once sign-in exists.
//
// The package has no code outside its tests. The tests look for Chromium
// at $TEND_CHROMIUM, $CHROMIUM, /usr/bin/chromium or on the PATH; without
// one they skip, saying so, unless TEND_REQUIRE_BROWSER=1 (as in CI), when
// they fail instead. Every step has its own timeout and waits for elements,
// never for a fixed time. A console error, an uncaught exception, a
// Content-Security-Policy violation or a failed request fails the test. A
// failing test leaves a screenshot and the page's HTML in a directory
// named in its log ($TEND_E2E_ARTIFACTS, or a fresh temporary one).
//
// With TEND_SCREENSHOTS=DIR the tests also save full-page PNGs of the main
// pages into DIR (`make screenshots` writes docs/screenshots), using the
// full-size demo company so that they show what `make run` shows.
package e2e
