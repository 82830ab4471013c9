package usage

import (
	"iter"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxFeatures bounds a feature catalog so that a FeatureSet is four machine
// words and every event can carry its features without allocating.
const MaxFeatures = 256

// FeatureID is a feature's position in its Catalog. It is only meaningful
// with that catalog: store feature keys, not ids, and rebuild rollups when
// the definitions change.
type FeatureID uint8

// FeatureSet is a set of FeatureIDs, a 256-bit bitmap.
type FeatureSet [MaxFeatures / 64]uint64

// Add puts id in the set.
func (s *FeatureSet) Add(id FeatureID) { s[id>>6] |= 1 << (id & 63) }

// Has reports whether id is in the set.
func (s FeatureSet) Has(id FeatureID) bool { return s[id>>6]&(1<<(id&63)) != 0 }

// Len is the number of features in the set.
func (s FeatureSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// Empty reports whether the set has no feature.
func (s FeatureSet) Empty() bool { return s == FeatureSet{} }

// Union is the features in s or o.
func (s FeatureSet) Union(o FeatureSet) FeatureSet {
	for i := range s {
		s[i] |= o[i]
	}
	return s
}

// Intersect is the features in both s and o.
func (s FeatureSet) Intersect(o FeatureSet) FeatureSet {
	for i := range s {
		s[i] &= o[i]
	}
	return s
}

// All yields the ids in the set in increasing order.
func (s FeatureSet) All() iter.Seq[FeatureID] {
	return func(yield func(FeatureID) bool) {
		for i, w := range s {
			for w != 0 {
				b := bits.TrailingZeros64(w)
				if !yield(FeatureID(i*64 + b)) {
					return
				}
				w &= w - 1
			}
		}
	}
}

// FeatureDef is one feature as an administrator configures it.
type FeatureDef struct {
	// Key is the feature's stable identifier: lower-case letters, digits,
	// '_', '-' and '.', at most 64 bytes. Stored rollups refer to it.
	Key string `json:"key"`
	// Name is shown in the UI; it defaults to Key.
	Name string `json:"name,omitempty"`
	// Events are the event names that count as using the feature. Each is an
	// exact name or a glob ('*' any run of characters, '?' one character,
	// '\' escapes the next one), compared without regard to ASCII case. A
	// pattern matches track events; prefix it with "page:" or "screen:" to
	// match page or screen names instead ("track:" is allowed, and needed for
	// a track event whose own name starts with "page:").
	Events []string `json:"events"`
	// HighValue marks the features whose use signals depth of adoption.
	HighValue bool `json:"high_value,omitempty"`
}

// FeatureConfig is the feature definition an administrator edits.
type FeatureConfig struct {
	// Features are the definitions; a feature's position is its FeatureID.
	Features []FeatureDef `json:"features"`
}

// ConfigError is one problem in a FeatureConfig, located exactly.
type ConfigError struct {
	// Entry is the index of the offending feature in Features.
	Entry int
	// Key is that feature's key as written (may be empty).
	Key string
	// Field is "key", "name", "events" or "events[i]".
	Field string
	// Problem says what is wrong.
	Problem string
}

// Error locates the problem: features[2] ("reports") events[1]: is empty.
func (e ConfigError) Error() string {
	s := "features[" + strconv.Itoa(e.Entry) + "]"
	if e.Key != "" {
		s += " (" + strconv.Quote(e.Key) + ")"
	}
	return s + " " + e.Field + ": " + e.Problem
}

// ConfigErrors is every problem found in a FeatureConfig.
type ConfigErrors []ConfigError

// Error joins every problem with "; ".
func (es ConfigErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Feature is one compiled feature of a Catalog.
type Feature struct {
	ID        FeatureID // position in the catalog
	Key       string    // stable key, as configured
	Name      string    // display name (Key when none was given)
	HighValue bool      // counts toward depth
	Events    []string  // the patterns, trimmed, as configured
}

// Catalog is a compiled, immutable FeatureConfig: it classifies event names
// into features. It is safe for concurrent use.
type Catalog struct {
	features  []Feature
	byKey     map[string]FeatureID
	exact     map[string]FeatureSet // kind byte + ASCII-folded name
	globs     []globRule
	highValue FeatureSet
	all       FeatureSet
}

type globRule struct {
	kind    Type
	pattern string // ASCII-folded
	id      FeatureID
}

// Compile checks the configuration and builds its Catalog. The error, when
// not nil, is a ConfigErrors naming every wrong entry and field.
func (c FeatureConfig) Compile() (*Catalog, error) {
	var errs ConfigErrors
	add := func(i int, key, field, problem string) {
		errs = append(errs, ConfigError{Entry: i, Key: key, Field: field, Problem: problem})
	}
	cat := &Catalog{byKey: map[string]FeatureID{}, exact: map[string]FeatureSet{}}
	if len(c.Features) > MaxFeatures {
		add(MaxFeatures, c.Features[MaxFeatures].Key, "key",
			"too many features: at most "+strconv.Itoa(MaxFeatures)+" may be defined")
	}
	firstKey := map[string]int{}
	for i, def := range c.Features {
		if i >= MaxFeatures {
			break
		}
		key := strings.TrimSpace(def.Key)
		switch {
		case key == "":
			add(i, def.Key, "key", "is required")
		case len(key) > 64:
			add(i, def.Key, "key", "is longer than 64 bytes")
		case !validKey(key):
			add(i, def.Key, "key", "may hold only a-z, 0-9, '_', '-' and '.', starting with a letter or digit")
		default:
			if j, dup := firstKey[key]; dup {
				add(i, def.Key, "key", "repeats the key of features["+strconv.Itoa(j)+"]")
			} else {
				firstKey[key] = i
			}
		}
		name := strings.TrimSpace(def.Name)
		if name == "" {
			name = key
		}
		if len(name) > 200 {
			add(i, def.Key, "name", "is longer than 200 bytes")
		}
		if len(def.Events) == 0 {
			add(i, def.Key, "events", "needs at least one event name or pattern")
		}
		id := FeatureID(i)
		f := Feature{ID: id, Key: key, Name: name, HighValue: def.HighValue}
		seen := map[string]int{}
		for j, raw := range def.Events {
			field := "events[" + strconv.Itoa(j) + "]"
			p := strings.TrimSpace(raw)
			kind, glob := splitPattern(p)
			switch problem := checkGlob(glob); {
			case p == "":
				add(i, def.Key, field, "is empty")
				continue
			case problem != "":
				add(i, def.Key, field, problem)
				continue
			case len(p) > 256:
				add(i, def.Key, field, "is longer than 256 bytes")
				continue
			}
			folded := string(rune('0'+kind)) + foldASCII(glob)
			if k, dup := seen[folded]; dup {
				add(i, def.Key, field, "repeats events["+strconv.Itoa(k)+"]")
				continue
			}
			seen[folded] = j
			f.Events = append(f.Events, p)
			if lit, ok := literal(glob); ok {
				k := string(rune('0'+kind)) + foldASCII(lit)
				s := cat.exact[k]
				s.Add(id)
				cat.exact[k] = s
			} else {
				cat.globs = append(cat.globs, globRule{kind: kind, pattern: foldASCII(glob), id: id})
			}
		}
		cat.features = append(cat.features, f)
		cat.byKey[key] = id
		cat.all.Add(id)
		if def.HighValue {
			cat.highValue.Add(id)
		}
	}
	if errs != nil {
		return nil, errs
	}
	return cat, nil
}

func validKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '_' || c == '-' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

// splitPattern separates an optional "track:", "page:" or "screen:" prefix.
func splitPattern(p string) (Type, string) {
	switch {
	case strings.HasPrefix(p, "page:"):
		return TypePage, p[len("page:"):]
	case strings.HasPrefix(p, "screen:"):
		return TypeScreen, p[len("screen:"):]
	case strings.HasPrefix(p, "track:"):
		return TypeTrack, p[len("track:"):]
	}
	return TypeTrack, p
}

func checkGlob(g string) string {
	if g == "" {
		return "has nothing after its prefix"
	}
	if !utf8.ValidString(g) {
		return "is not valid UTF-8"
	}
	n := 0
	for i := len(g) - 1; i >= 0 && g[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		return `ends with a lone '\'`
	}
	return ""
}

// literal returns the unescaped text of a glob without wildcards.
func literal(g string) (string, bool) {
	if !strings.ContainsAny(g, `*?\`) {
		return g, true
	}
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		switch g[i] {
		case '*', '?':
			return "", false
		case '\\':
			i++
		}
		b.WriteByte(g[i])
	}
	return b.String(), true
}

func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// globMatch matches name against a folded glob, folding name's ASCII letters
// as it goes. '*' backtracks to the last star only, which is linear enough
// for event names.
func globMatch(p, name string) bool {
	pi, ni := 0, 0
	starP, starN := -1, 0
	for ni < len(name) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starN = pi, ni
				pi++
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(name[ni:])
				pi++
				ni += w
				continue
			case '\\':
				if pi+1 < len(p) && p[pi+1] == lower(name[ni]) {
					pi += 2
					ni++
					continue
				}
			default:
				if p[pi] == lower(name[ni]) {
					pi++
					ni++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		pi, ni = starP+1, starN
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// Classify is the set of features an event of type t named name counts
// toward. Identify, group and alias messages count toward none.
func (c *Catalog) Classify(t Type, name string) FeatureSet {
	var s FeatureSet
	if c == nil || !t.IsUsage() {
		return s
	}
	var buf [128]byte
	if len(name)+1 <= len(buf) {
		buf[0] = byte('0' + t)
		for i := 0; i < len(name); i++ {
			buf[i+1] = lower(name[i])
		}
		s = c.exact[string(buf[:len(name)+1])] // no allocation for the lookup
	} else {
		s = c.exact[string(rune('0'+t))+foldASCII(name)]
	}
	for _, g := range c.globs {
		if g.kind == t && !s.Has(g.id) && globMatch(g.pattern, name) {
			s.Add(g.id)
		}
	}
	return s
}

// Len is the number of features defined.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.features)
}

// Features lists the features in id order. The slice must not be modified.
func (c *Catalog) Features() []Feature {
	if c == nil {
		return nil
	}
	return c.features
}

// Feature returns the feature with the given id.
func (c *Catalog) Feature(id FeatureID) Feature { return c.features[id] }

// Lookup finds a feature by key.
func (c *Catalog) Lookup(key string) (Feature, bool) {
	if c == nil {
		return Feature{}, false
	}
	id, ok := c.byKey[key]
	if !ok {
		return Feature{}, false
	}
	return c.features[id], true
}

// HighValue is the set of high-value features.
func (c *Catalog) HighValue() FeatureSet {
	if c == nil {
		return FeatureSet{}
	}
	return c.highValue
}

// All is the set of every defined feature.
func (c *Catalog) All() FeatureSet {
	if c == nil {
		return FeatureSet{}
	}
	return c.all
}
