package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/customer"
)

// TestEveryPageFits opens every page of Tend on a phone (390×844), a tablet
// (768×1024, where the top bar changes) and a laptop (1280×800) and fails
// when a page is wider than the screen, so that reading it needs sideways
// scrolling. It names the page and the element that sticks out furthest.
// Wide tables may scroll inside their own box; the page itself may not.
// Every link and button of the top bar must be shown whole: none hidden,
// none cut off by the screen's edge or by a box that scrolls.
//
// The pages are found as a person finds them: from the dashboard, every
// link an administrator can follow is opened, one page of each kind (an
// account's 360 once, not for each account). Then the forms are sent
// empty, to see their error states, and a CSM's and a leader's portfolio
// are opened. The test fails if a page the web UI routes was never
// reached, so a new page is checked from the day it is added.
func TestEveryPageFits(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	scoreAll(t, a)
	openDemoCTAs(t, a)
	routes := webRoutes(t)
	for _, screen := range []struct {
		name          string
		width, height int64
		phone         bool
	}{
		{"phone", phoneWidth, phoneHeight, true},
		{"tablet", 768, 1024, true},
		{"laptop", 1280, 800, false},
	} {
		t.Run(screen.name, func(t *testing.T) {
			t.Parallel()
			f := &fitter{a: a, width: screen.width, height: screen.height, phone: screen.phone, name: screen.name, seen: map[string]bool{}, cut: map[string]bool{}}

			// Signed out: the sign-in page, and its answer to a wrong password.
			out := f.tab(t)
			f.check(out, "/signin")
			f.submit(out, "/signin", signInForm, map[string]string{"email": "nobody@tend.example", "password": "not the password"})

			// An administrator reaches every page but the portfolios of
			// those who have a book.
			email, password := a.addUser(t, customer.RoleAdmin)
			tb := f.tab(t)
			tb.signIn(email, password)
			f.crawl(tb, "/dashboard", missingPage)

			// A page nothing links to yet: an account's usage on its own.
			account := f.first(`^/accounts/\d+$`)
			f.check(tb, account+"/usage")

			// Each form's answer when it is sent empty.
			f.submit(tb, "/accounts", `form[action="/accounts/views"]`, nil)
			f.submit(tb, account, "#log .log-form", nil)
			f.submit(tb, account, "#open-cta form", nil)
			f.submit(tb, "/cockpit", "form.bulk-form", nil)
			for _, p := range []string{account + "/edit", account + "/churn", account + "/forecast"} {
				f.submit(tb, p, "form.edit-form", nil)
			}
			f.submit(tb, "/admin/users", `form[action="/admin/users"]`, nil)
			f.submit(tb, "/admin/tokens", `form[action="/admin/tokens"]`, nil)
			f.submit(tb, "/admin/settings", `form.stack[action="/admin/settings/attributes"]`, nil)
			f.submit(tb, "/admin/ingestion", `form[action="/admin/ingestion/keys"]`, nil)
			f.submit(tb, "/admin/scorecards", `form[action="/admin/scorecards/preview#edit"]`, nil)
			f.submit(tb, "/admin/rules", `form[action="/admin/rules/dry-run#edit"]`, nil)
			f.submit(tb, "/settings/password", `form[action="/settings/password"]`, nil)
			// A token just made, with its secret shown once.
			f.submit(tb, "/admin/tokens", `form[action="/admin/tokens"]`, map[string]string{"name": "Nightly CRM sync from the data warehouse"})

			// The portfolio of a CSM with a book, and of a leader.
			csm, _ := a.busiestCSM()
			tb = f.tab(t)
			tb.signIn(csm, a.password(t, csm))
			f.open(tb, "/portfolio")
			f.measure(tb, "/portfolio of a CSM")
			email, password = a.addUser(t, customer.RoleLeader)
			tb = f.tab(t)
			tb.signIn(email, password)
			f.open(tb, "/portfolio")
			f.measure(tb, "/portfolio of a leader")

			var missed []string
			for _, r := range routes {
				if !slices.ContainsFunc(f.visited, r.MatchString) {
					missed = append(missed, r.String())
				}
			}
			if len(missed) > 0 {
				t.Errorf("no link led to these pages of the web UI, so their width was not checked: %s", strings.Join(missed, ", "))
			}
			t.Logf("%d pages checked at %d×%d", len(f.visited), f.width, f.height)
		})
	}
}

// missingPage is an address with no page, for the page that says so.
const missingPage = "/no-such-page"

// fitter checks pages at one screen size.
type fitter struct {
	a             *app
	name          string
	width, height int64
	phone         bool
	seen          map[string]bool // the kinds of page (see pageKind) already checked
	cut           map[string]bool // the top bar's faults already reported
	visited       []string        // the paths checked, with their queries
}

// tab opens a new tab at the fitter's screen size.
func (f *fitter) tab(t *testing.T) *tab {
	t.Helper()
	tb := openTab(t, f.a.URL)
	tb.resize(f.width, f.height, f.phone)
	return tb
}

// crawl checks the pages at start, then every page they link to, one of
// each kind, breadth first.
func (f *fitter) crawl(tb *tab, start ...string) {
	queue := slices.Clone(start)
	for _, p := range queue {
		f.seen[pageKind(p)] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, link := range f.check(tb, p) {
			if k := pageKind(link); !f.seen[k] {
				f.seen[k] = true
				queue = append(queue, link)
			}
		}
	}
}

// first is the first page checked whose path matches pattern.
func (f *fitter) first(pattern string) string {
	re := regexp.MustCompile(pattern)
	for _, p := range f.visited {
		if u, _ := url.Parse(p); re.MatchString(u.Path) {
			return u.Path
		}
	}
	panic("no page checked matches " + pattern)
}

// measure is what the script in check finds on a page.
type measure struct {
	Width  int      `json:"width"`  // the document's scrollWidth
	Inner  int      `json:"inner"`  // window.innerWidth
	Widest string   `json:"widest"` // the element sticking out furthest, as a CSS path
	Right  int      `json:"right"`  // its right edge
	Size   int      `json:"size"`   // its width
	Cut    []string `json:"cut"`    // the top bar's links and buttons not wholly shown
	Links  []string `json:"links"`  // the same-origin pages it links to
}

// fitScript is a function of the screen's width that measures the open
// page (window.innerWidth is no measure: a phone zooms out to show a page
// wider than itself). An element's right edge counts only as
// far as the boxes around it that clip or scroll let it show.
const fitScript = `(screen => {
	const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].map(c => "." + c).join("");
	const path = e => { const p = []; for (; e && e !== document.body; e = e.parentElement) p.unshift(name(e)); return p.join(" > "); };
	// inner: how far right the boxes an element is inside let what it
	// contains show. An absolutely positioned box is clipped only by the
	// boxes around its containing block, a fixed one by none.
	const inner = new Map([[document.body, Infinity]]);
	let widest = null, right = screen, size = 0;
	const cut = [];
	for (const e of document.body.querySelectorAll("*")) {
		const style = getComputedStyle(e);
		let outer = e.parentElement;
		if (style.position === "absolute") {
			while (outer !== document.body && getComputedStyle(outer).position === "static") outer = outer.parentElement;
		}
		const limit = style.position === "fixed" ? Infinity : inner.get(outer) ?? Infinity;
		const r = e.getBoundingClientRect();
		inner.set(e, style.overflowX === "visible" ? limit : Math.min(limit, r.right + window.scrollX));
		if (e.matches("header a, header button") && (r.width === 0 || r.right + window.scrollX > Math.min(limit, screen) + 0.5 || r.left < -0.5)) {
			cut.push((e.textContent.trim() || path(e)) + (r.width === 0 ? " (hidden)" : " (cut off)"));
		}
		if (r.width === 0) continue;
		const edge = Math.min(r.right + window.scrollX, limit);
		if (edge > right + 0.5) { widest = e; right = edge; size = r.width; }
	}
	const links = [];
	for (const a of document.querySelectorAll("a[href]")) {
		const u = new URL(a.getAttribute("href"), location.href);
		if (u.origin !== location.origin || a.hasAttribute("download") || u.pathname.startsWith("/static/") || u.pathname.endsWith(".csv")) continue;
		links.push(u.pathname + u.search);
	}
	return {width: document.documentElement.scrollWidth, inner: window.innerWidth,
		widest: widest ? path(widest) : "", right: Math.round(right), size: Math.round(size), cut, links};
})`

// check opens path, fails the test if the page is wider than the screen,
// and returns the pages it links to.
func (f *fitter) check(tb *tab, path string) []string {
	tb.t.Helper()
	f.open(tb, path)
	return f.measure(tb, path)
}

// open loads path: a 200, or the 404 of missingPage.
func (f *fitter) open(tb *tab, path string) {
	tb.t.Helper()
	want := int64(200)
	if path == missingPage {
		want = 404
		tb.expectProblems(`(HTTP 404 for|status of 404 .*) .*` + missingPage + `$`)
	}
	resp := run(tb, "open "+path, chromedp.NavigateResponse(tb.base+path))
	if resp.Status != want {
		tb.t.Fatalf("open %s: HTTP %d", path, resp.Status)
	}
	f.visited = append(f.visited, path) // measure adds where it led, if it redirected
}

// measure checks the page the tab shows, reached by what.
func (f *fitter) measure(tb *tab, what string) []string {
	tb.t.Helper()
	tb.do("see the page at "+what, chromedp.WaitVisible(chromedp.CSS("main#main")))
	at := tb.path()
	if u, _ := url.Parse(what); u == nil || u.RequestURI() != at {
		f.visited = append(f.visited, at)
	}
	m := run(tb, "measure "+at, chromedp.Evaluate[measure](fmt.Sprintf("%s(%d)", fitScript, f.width)))
	if m.Width > int(f.width) || m.Width > m.Inner {
		tb.t.Errorf("%s is %d px wide on a %d px screen; the widest element, %d px wide, reaches %d px: %s",
			at, m.Width, f.width, m.Size, m.Right, m.Widest)
	}
	if cut := strings.Join(m.Cut, ", "); cut != "" && !f.cut[cut] {
		f.cut[cut] = true // the top bar is the same on most pages: say it once
		tb.t.Errorf("%s: on a %d px screen the top bar does not wholly show %s", at, f.width, cut)
	}
	tb.screenshot(fmt.Sprintf("fit-%s-%s", f.name, slug(what)))
	return m.Links
}

// submit opens path, fills the form matching sel with values (its other
// text fields emptied) and sends it as the browser would without the
// checks the form's own markup asks for, then checks the page that
// answers: usually the form again, with its errors.
func (f *fitter) submit(tb *tab, path, sel string, values map[string]string) {
	tb.t.Helper()
	f.open(tb, path)
	q, _ := json.Marshal(sel)
	if values == nil {
		values = map[string]string{}
	}
	v, _ := json.Marshal(values)
	script := `((f, values) => {
		for (const e of f.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), textarea")) e.value = values[e.name] ?? "";
		HTMLFormElement.prototype.submit.call(f);
		return true;
	})(document.querySelector(` + string(q) + `), ` + string(v) + `)`
	action := run(tb, "read the form "+sel, chromedp.Evaluate[string](`new URL(document.querySelector(`+string(q)+`).action).pathname`))
	// A form refused answers 4xx, which the browser reports: expected here.
	u := regexp.QuoteMeta(tb.base + action)
	tb.expectProblems(`(HTTP 4\d\d for |status of 4\d\d .* )` + u + `(#.*)?$`)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](script)(ctx, t)
		return chromedp.Void{}, err
	}))
	if err != nil {
		tb.t.Fatalf("send the form %s on %s: %v", sel, path, err)
	}
	if resp.Status >= 500 {
		tb.t.Fatalf("send the form %s on %s: HTTP %d", sel, path, resp.Status)
	}
	f.measure(tb, fmt.Sprintf("%s after sending %s (HTTP %d)", path, sel, resp.Status))
}

var digits = regexp.MustCompile(`\d+`)

// pageKind is what makes two links the same kind of page for the crawl:
// the path with its ids made one, and which parameters the query sets.
// Each of retention's drill-downs (c) is a kind of its own, and so is each
// grouping (by) of the retention page.
func pageKind(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	var keys []string
	for k := range q {
		if k == "c" || k == "by" && !q.Has("c") {
			keys = append(keys, k+"="+q.Get(k))
		} else {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return digits.ReplaceAllString(u.Path, "N") + "?" + strings.Join(keys, "&")
}

// slug makes what a page was reached by into a file name.
func slug(s string) string {
	s = regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(s, "-")
	return strings.Trim(s, "-")[:min(len(strings.Trim(s, "-")), 80)]
}

// webRoutes are the pages the web UI serves — its GET routes, as
// internal/web/web.go lists them, less downloads and static files — each
// as a pattern a visited path must match.
func webRoutes(t *testing.T) []*regexp.Regexp {
	t.Helper()
	src, err := os.ReadFile("../web/web.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []*regexp.Regexp
	for _, m := range regexp.MustCompile(`mux\.Handle\("GET (/[^"]*)", s\.handle\(`).FindAllStringSubmatch(string(src), -1) {
		p := m[1]
		if strings.HasSuffix(p, ".csv") || p == "/" || p == "/{$}" { // the home page redirects to one of the others
			continue
		}
		p = strings.ReplaceAll(regexp.QuoteMeta(p), `\{\$\}`, "") // {$}: the path ends there
		p = regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(p, `[^/]+`)
		out = append(out, regexp.MustCompile(`^`+p+`(\?|$)`))
	}
	if len(out) < 10 {
		t.Fatalf("found %d pages in ../web/web.go; has the way routes are listed changed?", len(out))
	}
	return out
}
