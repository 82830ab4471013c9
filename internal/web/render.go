package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what the layout needs from every page's data: the title in the
// browser tab and which nav section is current.
type Page struct {
	Title   string
	Section string // "accounts", …; highlights the nav link
	// Me is the signed-in principal (zero on the sign-in page); render
	// fills it, so handlers need not.
	Me auth.Principal
}

// views holds one parsed template set per page, each the layout plus the
// shared partials plus the page's own file.
type views struct {
	pages map[string]*template.Template
}

// mustParseViews parses the embedded templates; a broken template is a
// programming error caught by any test, so it panics.
func mustParseViews() *views {
	base := template.Must(template.New("").Funcs(funcs()).ParseFS(templateFS, "templates/layout/*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, n := range names {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
		v.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return v
}

// render executes the named page into a buffer first, so a template error
// becomes a clean error page rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	if p, ok := auth.FromContext(r.Context()); ok {
		data = withMe(data, p)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// withMe returns a copy of a page's data (a struct embedding Page) with
// Page.Me set to p; other data is returned as it is.
func withMe(data any, p auth.Principal) any {
	v := reflect.ValueOf(data)
	if v.Kind() != reflect.Struct {
		return data
	}
	f, ok := v.Type().FieldByName("Page")
	if !ok || f.Type != reflect.TypeFor[Page]() || len(f.Index) != 1 {
		return data
	}
	cp := reflect.New(v.Type()).Elem()
	cp.Set(v)
	cp.Field(f.Index[0]).FieldByName("Me").Set(reflect.ValueOf(p))
	return cp.Interface()
}

// formField is what a form input template needs.
type formField struct {
	Name, Label, Auto, Value, Error string
}

// formInput makes a formField with a value: name, label, input type ("" for
// text), value and the error message for name, if any.
func formInput(name, label, typ, value string, errs map[string]string) formField {
	return formField{Name: name, Label: label, Auto: typ, Value: value, Error: errs[name]}
}

// fieldOf makes a formField for templates: name, label, autocomplete and
// the error message for name, if any.
func fieldOf(name, label, auto string, errs map[string]string) formField {
	return formField{Name: name, Label: label, Auto: auto, Error: errs[name]}
}

// staticVersion is a short hash of the embedded static files, added to
// their URLs so browsers may cache them for long and still see a new
// release at once.
var staticVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}()

// staticHandler serves the embedded static files under /static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == staticVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

// funcs are the helpers templates may call. They format; they never
// decide what to show.
func funcs() template.FuncMap {
	return template.FuncMap{
		"fieldOf":   fieldOf,
		"formInput": formInput,
		"money":     money.Display,
		"moneyR":    moneyRound,
		"moneyS":    moneyShort,
		"plural":    plural,
		"date":      displayDate,
		"isoDate":   func(d civil.Date) string { return d.String() },
		"when":      displayTime,
		"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"label":     label,
		"touch":     touchLabel,
		"relDays":   relDays,
		"number":    thousands,
		"static":    func(name string) string { return "/static/" + name + "?v=" + staticVersion },
		"tenure":    tenure,
		"neg":       func(n int) int { return -n },
		"dict":      dict,
		"lower":     strings.ToLower,
	}
}

// displayDate writes a day for people: "Mar 4, 2025", or "—" for none.
func displayDate(d civil.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.Time().Format("Jan 2, 2006")
}

// displayTime writes a moment for people, in UTC until users have zones.
func displayTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("Jan 2, 2006")
}

// relDays says how far away a day n days from today is: "today",
// "in 3 days", "5 days ago".
func relDays(n int) string {
	switch {
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	case n == -1:
		return "yesterday"
	case n > 0:
		return "in " + thousands(n) + " days"
	default:
		return thousands(-n) + " days ago"
	}
}

// tenure writes a span of days roughly, as people say it: "3 years",
// "1 year, 4 months", "5 months", "12 days".
func tenure(days int) string {
	if days < 0 {
		return ""
	}
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return thousands(n) + " " + unit + "s"
	}
	months := days * 12 / 365
	switch {
	case days < 31:
		return plural(days, "day")
	case months < 12:
		return plural(max(months, 1), "month")
	case months%12 == 0:
		return plural(months/12, "year")
	default:
		return plural(months/12, "year") + ", " + plural(months%12, "month")
	}
}

// labels are the words people use for Tend's stored codes, where turning
// underscores into spaces is not enough.
var labels = map[string]string{
	"at_risk":     "At risk",
	"would_renew": "Renewal intent",
	"qbr":         "QBR",
	"ebr":         "EBR",
	"onsite":      "On-site visit",
	"nps":         "NPS",
	"csat":        "CSAT",
	"ces":         "CES",
	"past_due":    "Past due",
	"canceled":    "Cancelled",
	"ae":          "AE",
	"csm":         "CSM",
	"read_only":   "Read-only",
}

// touchLabel names a touch model: "high" → "High touch".
func touchLabel(code string) string {
	if code == "" {
		return ""
	}
	return label(code) + " touch"
}

// label turns a stored code such as "economic_buyer" into words for
// people: "Economic buyer".
func label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// thousands writes n with comma separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moneyRound writes an amount in whole units of its currency, rounded
// half away from zero: "$5,012" for 501,150 cents.
func moneyRound(v int64, currency string) string {
	p := int64(1)
	for range money.Exponent(currency) {
		p *= 10
	}
	half := p / 2
	if v < 0 {
		half = -half
	}
	whole := (v + half) / p * p
	s := money.Display(whole, currency)
	if i := strings.LastIndexByte(s, '.'); i >= 0 && p > 1 {
		end := i + 1
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		s = s[:i] + s[end:]
	}
	return s
}

// moneyShort writes an amount compactly for charts and headline figures:
// "$4.2M", "$850K", "$12M", "$950", "1.2M JPY". One decimal is kept below
// ten (thousand, million, billion), none above.
func moneyShort(v int64, currency string) string {
	p := int64(1)
	for range money.Exponent(currency) {
		p *= 10
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	units := float64(v) / float64(p)
	sizes, suffixes := []float64{1, 1e3, 1e6, 1e9}, []string{"", "K", "M", "B"}
	i := 0
	for i+1 < len(sizes) && units >= sizes[i+1] {
		i++
	}
	if i+1 < len(sizes) && math.Round(units/sizes[i]) >= 1000 {
		i++ // 999,999.99 is "1M", not "1000K"
	}
	n := strconv.FormatFloat(math.Round(units), 'f', 0, 64)
	if i > 0 {
		n = shortNumber(units/sizes[i]) + suffixes[i]
	}
	switch currency {
	case "USD":
		return sign + "$" + n
	case "EUR":
		return sign + "€" + n
	case "GBP":
		return sign + "£" + n
	}
	return sign + n + " " + currency
}

// shortNumber writes x with one decimal below 10 and none from 10 up,
// dropping a trailing ".0": 4.25 → "4.3", 4.0 → "4", 12.6 → "13".
func shortNumber(x float64) string {
	if math.Round(x*10)/10 < 10 {
		return strings.TrimSuffix(strconv.FormatFloat(math.Round(x*10)/10, 'f', 1, 64), ".0")
	}
	return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
}

// dict makes a map of its key, value arguments, so a template can pass
// several values to another ("dict" "T" .Table "ID" "x").
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
