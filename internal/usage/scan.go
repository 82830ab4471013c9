package usage

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds how deeply JSON values may nest, as encoding/json does, so a
// hostile body cannot make the decoder recurse without end.
const maxDepth = 10000

// syntaxError is a JSON syntax problem at a byte offset of the body.
type syntaxError struct {
	Offset int
	Msg    string
}

// Error says where the syntax broke and how.
func (e *syntaxError) Error() string {
	return "malformed JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// scanner walks JSON text, validating as it goes: any syntax error stops it
// (err is set and every method then fails). It allocates nothing itself;
// callers turn the few values they need into strings. Invalid UTF-8 inside
// strings is not a syntax error here; it sets badUTF8, which the message
// decoder turns into a per-message rejection.
type scanner struct {
	s       []byte
	i       int
	depth   int
	err     *syntaxError
	badUTF8 bool
}

// strClass marks the bytes that end the fast path of a string scan.
var strClass = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

func (sc *scanner) fail(msg string) bool {
	if sc.err == nil {
		sc.err = &syntaxError{Offset: sc.i, Msg: msg}
	}
	return false
}

// ws skips insignificant white space.
func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte, or 0 at the end.
func (sc *scanner) peek() byte {
	sc.ws()
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

// str scans a string starting at the opening quote and returns the bounds of
// its contents (between the quotes) and whether it holds escapes.
func (sc *scanner) str() (start, end int, escaped, ok bool) {
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		return 0, 0, false, sc.fail("expected a string")
	}
	sc.i++
	start = sc.i
	nonASCII := false
	s := sc.s
	for i := sc.i; ; {
		// fast path: plain bytes
		for i < len(s) && !strClass[s[i]] {
			i++
		}
		if i >= len(s) {
			sc.i = i
			return 0, 0, false, sc.fail("unterminated string")
		}
		c := s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			if nonASCII && !utf8.Valid(s[start:i]) {
				sc.badUTF8 = true
			}
			return start, i, escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(s) {
				sc.i = i
				return 0, 0, false, sc.fail("unterminated string")
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex4(s[i+2:i+6]) {
					sc.i = i
					return 0, 0, false, sc.fail(`bad \u escape in string`)
				}
				i += 6
			default:
				sc.i = i
				return 0, 0, false, sc.fail("bad escape in string")
			}
		case c < 0x20:
			sc.i = i
			return 0, 0, false, sc.fail("control character in string")
		default: // >= 0x80
			nonASCII = true
			i++
		}
	}
}

func isHex4(s []byte) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// text scans a string and returns its value as a new string.
func (sc *scanner) text() (string, bool) {
	start, end, escaped, ok := sc.str()
	if !ok {
		return "", false
	}
	if !escaped {
		return string(sc.s[start:end]), true
	}
	return string(unescape(sc.s[start:end])), true
}

// bytes scans a string and returns its value without allocating when it has
// no escapes (the result then aliases the input: use it at once).
func (sc *scanner) bytes() ([]byte, bool) {
	start, end, escaped, ok := sc.str()
	if !ok {
		return nil, false
	}
	if !escaped {
		return sc.s[start:end], true
	}
	return unescape(sc.s[start:end]), true
}

// unescape decodes the escapes of a validated JSON string body. Lone
// surrogates become U+FFFD, as encoding/json does.
func unescape(s []byte) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		switch s[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 := hex4(s[i+2 : i+6]); utf16.DecodeRune(r, r2) != utf8.RuneError {
						b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, s[i+1])
		}
		i += 2
	}
	return b
}

func hex4(s []byte) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number scans a JSON number and returns its bounds.
func (sc *scanner) number() (start, end int, ok bool) {
	s, i := sc.s, sc.i
	start = i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		sc.i = i
		return 0, 0, sc.fail("bad number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			sc.i = i
			return 0, 0, sc.fail("bad number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			sc.i = i
			return 0, 0, sc.fail("bad number")
		}
	}
	sc.i = i
	return start, i, true
}

// literal scans true, false or null.
func (sc *scanner) literal(word string) bool {
	if len(sc.s)-sc.i >= len(word) && string(sc.s[sc.i:sc.i+len(word)]) == word {
		sc.i += len(word)
		return true
	}
	return sc.fail("unexpected character")
}

// skip scans any value (after white space) and checks its syntax.
func (sc *scanner) skip() bool {
	switch sc.peek() {
	case '{':
		return sc.object(func([]byte) bool { return sc.skip() })
	case '[':
		return sc.array(func(int, int) bool { return sc.skip() })
	case '"':
		_, _, _, ok := sc.str()
		return ok
	case 't':
		return sc.literal("true")
	case 'f':
		return sc.literal("false")
	case 'n':
		return sc.literal("null")
	case 0:
		if sc.i >= len(sc.s) {
			return sc.fail("unexpected end of JSON")
		}
		return sc.fail("unexpected character")
	default:
		_, _, ok := sc.number()
		return ok
	}
}

// object scans an object at the current position, calling field for each key
// with the scanner placed before the value; field must consume the value.
// The key aliases the input (or a scratch copy when escaped): compare it,
// do not keep it.
func (sc *scanner) object(field func(key []byte) bool) bool {
	if sc.peek() != '{' {
		return sc.fail("expected an object")
	}
	sc.i++
	if sc.depth++; sc.depth > maxDepth {
		return sc.fail("nested too deeply")
	}
	if sc.peek() == '}' {
		sc.i++
		sc.depth--
		return true
	}
	for {
		if sc.peek() != '"' {
			return sc.fail("expected a string key")
		}
		key, ok := sc.bytes()
		if !ok {
			return false
		}
		if sc.peek() != ':' {
			return sc.fail("expected ':' after object key")
		}
		sc.i++
		sc.ws()
		if !field(key) {
			return false
		}
		switch sc.peek() {
		case ',':
			sc.i++
		case '}':
			sc.i++
			sc.depth--
			return true
		default:
			return sc.fail("expected ',' or '}' in object")
		}
	}
}

// array scans an array, calling elem with the index and the start offset of
// each element (white space skipped); elem must consume the element.
func (sc *scanner) array(elem func(i, start int) bool) bool {
	if sc.peek() != '[' {
		return sc.fail("expected an array")
	}
	sc.i++
	if sc.depth++; sc.depth > maxDepth {
		return sc.fail("nested too deeply")
	}
	if sc.peek() == ']' {
		sc.i++
		sc.depth--
		return true
	}
	for n := 0; ; n++ {
		sc.ws()
		if !elem(n, sc.i) {
			return false
		}
		switch sc.peek() {
		case ',':
			sc.i++
		case ']':
			sc.i++
			sc.depth--
			return true
		default:
			return sc.fail("expected ',' or ']' in array")
		}
	}
}

// end checks that nothing but white space follows the top-level value.
func (sc *scanner) end() bool {
	if sc.peek() != 0 || sc.i < len(sc.s) {
		return sc.fail("unexpected data after the top-level value")
	}
	return true
}
