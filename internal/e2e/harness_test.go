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
