package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// typeInfo describes a struct type as JSON: its fields by JSON name, in
// declaration order. Decoding, read-only handling and the OpenAPI schemas
// all read it, so they cannot disagree.
type typeInfo struct {
	t      reflect.Type
	fields []fieldInfo
	byName map[string]int
}

// fieldInfo is one JSON field of a struct.
type fieldInfo struct {
	name      string
	index     []int
	typ       reflect.Type
	omitEmpty bool
	goName    string
}

var typeInfos sync.Map // reflect.Type → *typeInfo

// infoOf returns the typeInfo of struct type t.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{t: t, byName: map[string]int{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := ti.byName[name]; dup {
				continue
			}
			ti.byName[name] = len(ti.fields)
			ti.fields = append(ti.fields, fieldInfo{name: name, index: idx, typ: f.Type,
				omitEmpty: strings.Contains(opts, "omitempty"), goName: f.Name})
		}
	}
	walk(t, nil)
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// field returns the named JSON field.
func (ti *typeInfo) field(name string) (fieldInfo, bool) {
	i, ok := ti.byName[name]
	if !ok {
		return fieldInfo{}, false
	}
	return ti.fields[i], true
}

// names lists the JSON field names.
func (ti *typeInfo) names() []string {
	out := make([]string, len(ti.fields))
	for i, f := range ti.fields {
		out[i] = f.name
	}
	return out
}

// readBody reads the whole request body (already limited by wrap).
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, badRequest(CodeInvalidJSON, "reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, badRequest(CodeEmptyBody, "the request body is empty; send a JSON object")
	}
	return b, nil
}

// position turns a byte offset in body into a line and column.
func position(body []byte, off int64) *Position {
	if off < 0 {
		off = 0
	}
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	before := body[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return &Position{Line: line, Column: 1 + utf8.RuneCount(before[lineStart:]), Offset: off}
}

// member is one name/value pair of a JSON object, with where its value starts.
type member struct {
	name     string
	raw      json.RawMessage
	keyStart int64 // where its name starts
	start    int64 // where its value starts
}

// skipSpaceAndComma returns the offset of the next token at or after off.
func skipSpaceAndComma(body []byte, off int64) int64 {
	for off < int64(len(body)) && strings.IndexByte(" \t\r\n,", body[off]) >= 0 {
		off++
	}
	return off
}

// splitObject reads body as exactly one JSON object and returns its
// members. Syntax errors are reported with their position.
func splitObject(body []byte) ([]member, error) {
	if err := checkDepth(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(body, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		start := int64(len(body) - len(bytes.TrimLeft(body, " \t\r\n")))
		e := badRequest(CodeInvalidJSON, "the request body must be a JSON object, got %s", jsonKindOf(body[start:]))
		e.Position = position(body, start)
		e.Message += " at " + e.Position.String()
		return nil, e
	}
	var ms []member
	for dec.More() {
		keyStart := skipSpaceAndComma(body, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(body, dec, err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(body, dec, err)
		}
		end := dec.InputOffset()
		ms = append(ms, member{name: name, raw: raw, keyStart: keyStart, start: end - int64(len(raw))})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, syntaxError(body, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		rest := bytes.TrimLeft(body[off:], " \t\r\n")
		off = int64(len(body) - len(rest))
		e := badRequest(CodeInvalidJSON, "unexpected data after the JSON object")
		e.Position = position(body, off)
		e.Message += " at " + e.Position.String()
		return nil, e
	}
	return ms, nil
}

// MaxDepth is how deeply objects and arrays may nest in a request body
// (the body itself is level 1). No Tend object needs more than a few
// levels; the bound keeps every later step — the decoder's own limit of
// 10,000, a merge patch re-encoded one level deeper — from failing on
// input that passed this one.
const MaxDepth = 64

// checkDepth reports a body whose objects and arrays nest deeper than
// MaxDepth, with the position where it went too deep. Brackets inside
// strings do not count; malformed JSON is left to the decoder to report.
func checkDepth(body []byte) error {
	depth, inString, escaped := 0, false, false
	for i, c := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				pos := position(body, int64(i))
				e := badRequest(CodeInvalidJSON, "the JSON is nested deeper than %d levels at %s", MaxDepth, pos)
				e.Position = pos
				return e
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// syntaxError turns a decoder error into a 400 that says what and where.
// The streaming decoder's offsets are not reliable, so the body is parsed
// again in one piece to find the first error exactly.
func syntaxError(body []byte, dec *json.Decoder, err error) error {
	off, what := dec.InputOffset(), err.Error()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		off, what = int64(len(body)), "unexpected end of JSON input"
	}
	var se *json.SyntaxError
	if errors.As(json.Unmarshal(body, new(any)), &se) {
		// Offset counts the offending byte, except at the end of input.
		off, what = se.Offset-1, se.Error()
		if se.Offset >= int64(len(body)) && strings.Contains(what, "end of JSON input") {
			off = int64(len(body))
		}
	}
	pos := position(body, off)
	e := badRequest(CodeInvalidJSON, "malformed JSON at %s: %s", pos, what)
	e.Position = pos
	return e
}

// decodeOptions change how decodeObject reports problems.
type decodeOptions struct {
	// noPositions leaves positions out, for documents the client did not
	// write byte for byte (a merge-patched object).
	noPositions bool
	// ignore names read-only members the object's responses carry besides
	// its stored fields (an account's health): accepted and dropped, so a
	// GET body can be PUT back.
	ignore []string
}

// decodeObject reads body, a JSON object, into dst (a pointer to a struct
// described by ti). Every member is checked: unknown names and values of
// the wrong type are all reported at once, each with its field name and
// position, as a 400.
func decodeObject(body []byte, dst any, ti *typeInfo, opt decodeOptions) error {
	ms, err := splitObject(body)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(dst).Elem()
	var fields validate.Errors
	var first *Error
	note := func(code, field, msg, hint string, start int64) {
		var pos *Position
		if !opt.noPositions {
			pos = position(body, start)
			msg += " at " + pos.String()
		}
		msg += hint
		fields = append(fields, validate.FieldError{Field: field, Code: code, Message: msg})
		if first == nil {
			first = &Error{Status: http.StatusBadRequest, Code: code, Position: pos}
		}
	}
	for _, m := range ms {
		f, ok := ti.field(m.name)
		if !ok && slices.Contains(opt.ignore, m.name) {
			continue
		}
		if !ok {
			note(CodeUnknownField, m.name, fmt.Sprintf("unknown field %q", m.name),
				"; known fields: "+strings.Join(ti.names(), ", "), m.keyStart)
			continue
		}
		fv := v.FieldByIndex(f.index)
		if err := json.Unmarshal(m.raw, fv.Addr().Interface()); err != nil {
			note(CodeInvalidType, m.name, valueProblem(m.name, f.typ, m.raw, err), "", m.start)
		}
	}
	if first == nil {
		return nil
	}
	first.Fields = fields
	first.Message = fields[0].Message
	if len(fields) > 1 {
		first.Message = fmt.Sprintf("%s (and %d more, see fields)", first.Message, len(fields)-1)
	}
	return first
}

// valueProblem explains why raw could not be read into a field of type t.
func valueProblem(name string, t reflect.Type, raw json.RawMessage, err error) string {
	got := jsonKindOf(raw)
	want := describeType(t)
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("wrong type for field %q: got %s, want %s", name, got, want)
	}
	// A custom decoder (dates, timestamps) refused the value.
	if got != "string" && got != "null" && (t == timeType || t == dateType) {
		return fmt.Sprintf("wrong type for field %q: got %s, want %s", name, got, want)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("invalid value for field %q: %s is not an RFC 3339 timestamp (want e.g. \"2024-03-01T14:00:00Z\")", name, raw)
	}
	return fmt.Sprintf("invalid value for field %q: %v", name, err)
}

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[civil.Date]()
)

// jsonKindOf names the kind of JSON value raw starts with, quoting short
// numbers so "got number 1.5, want integer" reads well.
func jsonKindOf(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		if len(raw) <= 24 {
			return "number " + string(raw)
		}
		return "number"
	}
}

// describeType says which JSON a Go type accepts, for error messages.
func describeType(t reflect.Type) string {
	switch t {
	case timeType:
		return "string (RFC 3339 timestamp)"
	case dateType:
		return "string (date YYYY-MM-DD) or null"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem()) + " or null"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array of " + plural(describeType(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Interface:
		return "any JSON value"
	}
	return t.String()
}

func plural(s string) string {
	word, rest, _ := strings.Cut(s, " ")
	if rest != "" {
		rest = " " + rest
	}
	return word + "s" + rest
}

// zeroFields sets the named JSON fields of the struct dst points to to
// their zero values: read-only fields given in input are ignored.
func zeroFields(dst any, ti *typeInfo, names []string) {
	v := reflect.ValueOf(dst).Elem()
	for _, n := range names {
		if f, ok := ti.field(n); ok {
			fv := v.FieldByIndex(f.index)
			fv.Set(reflect.Zero(fv.Type()))
		}
	}
}

// mergePatch applies an RFC 7396 JSON merge patch to target and returns
// the result: objects merge member by member, null removes a member, and
// anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// toGeneric marshals v and reads it back as maps, slices and json.Number,
// the form mergePatch works on.
func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseGeneric(b)
}

// parseGeneric reads JSON keeping numbers exact.
func parseGeneric(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
