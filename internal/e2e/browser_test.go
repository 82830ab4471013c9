package e2e

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// SkipMessage is printed when the browser tests do not run.
const SkipMessage = "browser tests SKIPPED: no Chromium found (install Debian's chromium package, or set TEND_CHROMIUM=/path/to/chromium)"

// stepTimeout bounds each step of a test: one navigation, one form, one wait.
const stepTimeout = 15 * time.Second

// Window sizes the tests and screenshots use.
const (
	laptopWidth, laptopHeight = 1440, 900
	phoneWidth, phoneHeight   = 390, 844
)

// chromium is the one browser process every test opens its tabs in.
var chromium struct {
	once   sync.Once
	ctx    context.Context // its first tab; the tests' tabs are its children
	stop   func()
	err    error
	output lockedWriter // what Chromium printed, for a failed start
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chromium.stop != nil {
		chromium.stop()
	}
	os.Exit(code)
}

// findChromium returns the browser to drive: $TEND_CHROMIUM or $CHROMIUM
// if set, else Debian's /usr/bin/chromium, else one on the PATH.
func findChromium() (string, error) {
	for _, env := range []string{"TEND_CHROMIUM", "CHROMIUM"} {
		if p := os.Getenv(env); p != "" {
			if _, err := exec.LookPath(p); err != nil {
				return "", fmt.Errorf("%s=%s: %w", env, p, err)
			}
			return p, nil
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium in /usr/bin or on the PATH")
}

// startChromium starts the shared browser the first time a test needs it.
// Without a browser the test is skipped, or fails when
// TEND_REQUIRE_BROWSER=1.
func startChromium(t *testing.T) {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		if os.Getenv("TEND_REQUIRE_BROWSER") == "1" {
			t.Fatalf("TEND_REQUIRE_BROWSER=1 but there is no browser: %v", err)
		}
		t.Skipf("%s (%v)", SkipMessage, err)
	}
	chromium.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.WindowSize(laptopWidth, laptopHeight),
			chromedp.DisableGPU,
			chromedp.Flag("lang", "en-US"),
			chromedp.Flag("force-device-scale-factor", "1"),
			chromedp.CombinedOutput(&chromium.output),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run its sandbox as root
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		chromium.stop = func() { cancel(); cancelAlloc() }
		// The first run starts the browser and binds its life to ctx, so it
		// gets no deadline; the watchdog below bounds it instead.
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cancel()
			}
		}()
		chromium.err = chromedp.Do(ctx)
		close(done)
		chromium.ctx = ctx
	})
	if chromium.err != nil {
		t.Fatalf("start %s: %v\n%s", path, chromium.err, chromium.output.String())
	}
}

// lockedWriter is a buffer that Chromium's output goroutine and a failing
// test can share.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// tab is one browser tab of one test, in a browser context of its own (its
// own cookies, so parallel tests never share a session), pointed at one
// Tend. It records what a person would see go wrong that the page itself
// does not show: console errors, uncaught exceptions, CSP violations and
// failed requests.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string // Tend's URL, without a trailing slash

	mu       sync.Mutex
	requests map[network.RequestID]string // URL of each request, for failures
	problems []string                     // not yet reported
	seen     []string                     // every problem, for the artifacts
	allow    []*regexp.Regexp             // problems a test expects
}

// openTab opens a tab on base and closes it when the test ends. A test
// that fails leaves a screenshot and the page's HTML behind (see
// saveArtifacts).
func openTab(t *testing.T, base string) *tab {
	t.Helper()
	startChromium(t)
	tb := &tab{t: t, base: strings.TrimSuffix(base, "/"), requests: map[network.RequestID]string{}}
	ctx, cancel := chromedp.NewContext(chromium.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb.ctx = ctx
	tb.resize(laptopWidth, laptopHeight, false)
	t.Cleanup(func() { // runs before cancel: cleanups run last first
		if !t.Failed() {
			tb.checkProblems("at the end of the test")
		}
		if t.Failed() {
			tb.saveArtifacts()
		}
	})
	return tb
}

// listen runs in the tab's event loop, in the order Chromium sends events;
// it must return at once and send no command.
func (tb *tab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, remoteText(a))
			}
			problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		problem = fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text)
	case *log.EventEntryAdded:
		// CSP violations arrive here with source "security"; so do
		// resources that failed to load, as "network".
		e := ev.Entry
		if e.Level == log.EntryLevelError || e.Source == log.EntrySourceSecurity {
			problem = fmt.Sprintf("browser log (%s, %s): %s %s", e.Source, e.Level, e.Text, e.URL)
		}
	case *network.EventRequestWillBeSent:
		tb.mu.Lock()
		tb.requests[ev.RequestID] = ev.Request.URL
		tb.mu.Unlock()
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			problem = fmt.Sprintf("HTTP %d for %s", ev.Response.Status, ev.Response.URL)
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			tb.mu.Lock()
			u := tb.requests[ev.RequestID]
			tb.mu.Unlock()
			problem = fmt.Sprintf("request failed: %s: %s %s", u, ev.ErrorText, ev.BlockedReason)
		}
	}
	if problem == "" {
		return
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.seen = append(tb.seen, problem)
	for _, re := range tb.allow {
		if re.MatchString(problem) {
			return
		}
	}
	tb.problems = append(tb.problems, problem)
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	}
	return o.Description
}

// expectProblems lets problems matching pattern pass: for a test that
// provokes them on purpose.
func (tb *tab) expectProblems(pattern string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allow = append(tb.allow, regexp.MustCompile(pattern))
}

// takeProblems returns the problems recorded since the last call.
func (tb *tab) takeProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// checkProblems fails the test if the browser reported a problem.
func (tb *tab) checkProblems(when string) {
	tb.t.Helper()
	if p := tb.takeProblems(); len(p) > 0 {
		tb.t.Errorf("the browser reported problems %s:\n  %s", when, strings.Join(p, "\n  "))
	}
}

// do runs one step — named by what, for the failure message — within
// stepTimeout, then fails the test on any problem the browser reported.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	tb.checkProblems("while trying to " + what)
}

// run runs one action that returns a value, as tab.do does.
func run[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	tb.checkProblems("while trying to " + what)
	return v
}

// open loads path and fails unless Tend answered 200 and the page's main
// content is there.
func (tb *tab) open(path string) {
	tb.t.Helper()
	resp := run(tb, "open "+path, chromedp.NavigateResponse(tb.base+path))
	if resp.Status != 200 {
		tb.t.Fatalf("open %s: HTTP %d", path, resp.Status)
	}
	tb.do("see the page at "+path, chromedp.WaitVisible(chromedp.CSS("main#main")))
}

// follow runs steps that lead to another page (a click on a link, a form
// submitted) and waits for it to load; it fails unless that page is a 200.
func (tb *tab) follow(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.followStatus(what, 200, steps...)
}

// followStatus is follow for a page that must answer status: 422 for a
// form Tend refuses, say. The browser's report of that status is expected.
func (tb *tab) followStatus(what string, status int64, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if status != 200 {
		tb.expectProblems(fmt.Sprintf(`HTTP %d for |status of %d`, status, status))
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != status {
		tb.t.Fatalf("%s: landed on %s with HTTP %d, want %d", what, resp.URL, resp.Status, status)
	}
	tb.checkProblems("while trying to " + what)
}

// path is the path and query of the page the tab shows.
func (tb *tab) path() string {
	tb.t.Helper()
	loc := run(tb, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

// text is the visible text of the first element matching sel, trimmed and
// with runs of white space made one space.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return squash(run(tb, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// texts is the text of every element matching sel, as text gives it; none
// is an empty slice, not an error.
func (tb *tab) texts(sel string) []string {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	out := run(tb, "read every "+sel, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+string(q)+`), e => e.textContent)`))
	for i := range out {
		out[i] = squash(out[i])
	}
	return out
}

// count is how many elements match sel.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	return run(tb, "count "+sel, chromedp.Evaluate[int](`document.querySelectorAll(`+string(q)+`).length`))
}

// visible reports whether the first element matching sel is laid out and
// shown (false when there is none).
func (tb *tab) visible(sel string) bool {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	return run(tb, "look for "+sel, chromedp.Evaluate[bool](
		`(e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")(document.querySelector(`+string(q)+`))`))
}

var spaces = regexp.MustCompile(`\s+`)

func squash(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// resize sets the viewport; phone also turns on mobile emulation (the
// narrow layout, touch) at a phone's two device pixels per CSS pixel.
func (tb *tab) resize(width, height int64, phone bool) {
	tb.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	tb.do(fmt.Sprintf("set the window to %d×%d", width, height), chromedp.EmulateViewport(width, height, opts...))
}

// screenshot saves a PNG of the page the tab shows as NAME.png in
// $TEND_SCREENSHOTS; without that variable it does nothing. It takes the
// whole page, down to three screens' height at most (an account's full
// timeline would make a very tall picture), with a 256-colour palette to
// keep the files in the repository small (see shrink).
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("TEND_SCREENSHOTS")
	if dir == "" {
		return
	}
	size := run(tb, "measure the page", chromedp.Evaluate[[]float64](
		`[document.documentElement.clientWidth, document.documentElement.scrollHeight, window.innerHeight]`))
	clip := &page.Viewport{Width: size[0], Height: min(size[1], 3*size[2]), Scale: 1}
	shot := run(tb, "take a screenshot", chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, Clip: clip, CaptureBeyondViewport: new(true), FromSurface: new(true),
		})
		return r.Data, err
	}))
	shot = shrink(tb.t, shot)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, shot, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s: %.0f×%.0f CSS px, %d KB", p, clip.Width, clip.Height, len(shot)/1024)
}

// shrink re-encodes a screenshot with a palette of its 256 most common
// colours, each pixel taking the nearest: a page of flat colours and
// anti-aliased text barely changes, and the file is a third the size.
func shrink(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	r := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	common := slices.SortedFunc(maps.Keys(counts), func(a, b color.RGBA) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a.R, b.R), cmp.Compare(a.G, b.G), cmp.Compare(a.B, b.B), cmp.Compare(a.A, b.A))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range common[:min(256, len(common))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	nearest := map[color.RGBA]uint8{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := nearest[c]
			if !ok {
				i = uint8(pal.Index(c))
				nearest[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return buf.Bytes()
}

// download runs steps that start a download (a click on an export link),
// waits for it to finish and returns the file's suggested name and its
// contents.
func (tb *tab) download(what string, steps ...chromedp.Action[chromedp.Void]) (name string, body []byte) {
	tb.t.Helper()
	dir := tb.t.TempDir()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	id := chromedp.FromContext(tb.ctx).BrowserContextID
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: id,
		DownloadPath: dir, EventsEnabled: new(true),
	}); err != nil {
		tb.t.Fatalf("%s: allow downloads: %v", what, err)
	}
	begun := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	var guid string
	for ev, err := range begun {
		if err != nil {
			tb.t.Fatalf("%s: no download began: %v", what, err)
		}
		if strings.HasPrefix(ev.URL, tb.base+"/") {
			guid, name = ev.GUID, ev.SuggestedFilename
			break
		}
	}
	for ev, err := range progress {
		if err != nil {
			tb.t.Fatalf("%s: the download of %s did not finish: %v", what, name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			tb.t.Fatalf("%s: the download of %s was canceled", what, name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	body, err := os.ReadFile(filepath.Join(dir, guid)) // allowAndName names it by its GUID
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	tb.checkProblems("while trying to " + what)
	return name, body
}

// saveArtifacts keeps what a person needs to see why a test failed: a
// screenshot, the page's HTML, its address and every problem the browser
// reported, in $TEND_E2E_ARTIFACTS or a new temporary directory.
func (tb *tab) saveArtifacts() {
	dir := os.Getenv("TEND_E2E_ARTIFACTS")
	if dir == "" {
		d, err := os.MkdirTemp("", "tend-e2e-")
		if err != nil {
			tb.t.Logf("artifacts: %v", err)
			return
		}
		dir = d
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name())
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	var saved []string
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := filepath.Join(dir, name+".png")
		if os.WriteFile(p, png, 0o644) == nil {
			saved = append(saved, p)
		}
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	tb.mu.Lock()
	report := fmt.Sprintf("<!-- %s at %s\n     browser problems:\n     %s\n-->\n%s", tb.t.Name(), loc,
		strings.ReplaceAll(strings.Join(tb.seen, "\n     "), "--", "- -"), html)
	tb.mu.Unlock()
	p := filepath.Join(dir, name+".html")
	if os.WriteFile(p, []byte(report), 0o644) == nil {
		saved = append(saved, p)
	}
	tb.t.Logf("the page when %s failed (%s): %s", tb.t.Name(), loc, strings.Join(saved, ", "))
}
