// Package yamldoc reads the YAML documents people write for Tend (the
// health scorecards, the automation rules) so that every problem is told at
// the line and column it is about: it parses and decodes without letting the
// YAML reader's panics through, reports every unknown key at once (the
// decoder stops at the first), and places a problem found in the decoded
// value — named by its path, e.g. rules[0].trigger.metric — back in the
// YAML, inside the value when the problem is about one of its tokens.
package yamldoc

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problem is one thing wrong with a document, at its 1-based line and
// column once Locate has placed it.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
	// InnerLine and InnerCol are a position inside the value at Path (a
	// formula's, a condition's, a template's): a 1-based line, 0 for none,
	// and a column offset added to the value's own.
	InnerLine int `json:"-"`
	InnerCol  int `json:"-"`
}

func (p Problem) String() string {
	s := p.Message
	if p.Path != "" {
		s = p.Path + ": " + s
	}
	if p.Line > 0 {
		s = fmt.Sprintf("%d:%d: %s", p.Line, p.Column, s)
	}
	return s
}

// Problems is every problem found in a document; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Normalise makes every line end in LF, for the positions reported: a
// browser's textarea and Windows editors send CRLF, which the YAML reader's
// positions count as two line ends.
func Normalise(src []byte) []byte { return bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")) }

// ParseFile reads src's syntax tree; a panic of the YAML reader on
// malformed input is an error.
func ParseFile(src []byte) (f *ast.File, err error) {
	defer func() {
		if e := recover(); e != nil {
			f, err = nil, fmt.Errorf("invalid YAML: %v", e)
		}
	}()
	return parser.ParseBytes(src, 0)
}

// Decode reads src into v, refusing keys v does not have. go-yaml v1.19.2
// panics on some malformed input (a nil sequence behind a tag, found by
// fuzzing); that is a Problem rather than taking the caller down. A
// refusal is Problems with the one problem the decoder met, at its place.
func Decode(src []byte, v any) error {
	err := decode(src, v)
	if err == nil {
		return nil
	}
	p := Problem{Message: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = ye.GetMessage()
		if t := ye.GetToken(); t != nil && t.Position != nil {
			p.Line, p.Column = t.Position.Line, t.Position.Column
		}
	}
	return Problems{p}
}

func decode(src []byte, v any) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("invalid YAML (the YAML reader failed: %v)", e)
		}
	}()
	return yaml.UnmarshalWithOptions(src, v, yaml.DisallowUnknownField())
}

// UnknownKeys is every mapping key in f's first document that the type t
// it decodes into does not have (by yaml tag), each at its place. A type
// that decodes itself (UnmarshalYAML) is not looked into.
func UnknownKeys(f *ast.File, t reflect.Type) Problems {
	if f == nil || len(f.Docs) == 0 {
		return nil
	}
	var ps Problems
	unknownKeys(f.Docs[0].Body, t, &ps)
	return ps
}

var selfDecoding = reflect.TypeFor[yaml.InterfaceUnmarshaler]()

func unknownKeys(n ast.Node, t reflect.Type, ps *Problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for _, v := range seq.Values {
				unknownKeys(v, t.Elem(), ps)
			}
		}
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(selfDecoding) {
			return
		}
		var pairs []*ast.MappingValueNode
		switch m := n.(type) {
		case *ast.MappingNode:
			pairs = m.Values
		case *ast.MappingValueNode:
			pairs = []*ast.MappingValueNode{m}
		}
		for _, kv := range pairs {
			key := kv.Key.GetToken()
			if key == nil {
				continue
			}
			f, ok := fieldByTag(t, key.Value)
			if !ok {
				p := Problem{Message: fmt.Sprintf("unknown key %q", key.Value)}
				if key.Position != nil {
					p.Line, p.Column = key.Position.Line, key.Position.Column
				}
				*ps = append(*ps, p)
				continue
			}
			unknownKeys(kv.Value, f.Type, ps)
		}
	}
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && tag == name && tag != "-" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// Locate places each problem of ps at the line and column of the YAML its
// path names in f, parsed from src (the nearest enclosing node when the
// path does not exist, e.g. a missing key), and sorts them by place.
func Locate(f *ast.File, src []byte, ps Problems) {
	lines := strings.Split(string(src), "\n")
	for i := range ps {
		ps[i].Line, ps[i].Column = position(f, lines, &ps[i])
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

func position(f *ast.File, lines []string, p *Problem) (int, int) {
	path := p.Path
	for path != "" {
		if yp, err := yaml.PathString("$." + path); err == nil {
			if n, err := yp.FilterFile(f); err == nil && n != nil {
				return offset(n, lines, p)
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
		p.InnerLine, p.InnerCol = 0, 0 // the enclosing node: no position inside it
	}
	return 1, 1
}

func offset(n ast.Node, lines []string, p *Problem) (int, int) {
	t := n.GetToken()
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		t = m.Values[0].Key.GetToken() // a missing key: the mapping's first
	}
	if m, ok := n.(*ast.MappingValueNode); ok {
		t = m.Key.GetToken()
	}
	if t == nil || t.Position == nil {
		return 1, 1
	}
	line, col := t.Position.Line, t.Position.Column
	if p.InnerLine == 0 {
		return line, col
	}
	if lit, ok := n.(*ast.LiteralNode); ok {
		// A block scalar's text starts on the line after its indicator,
		// indented as its first line is.
		first := lit.Start.Position.Line // 0-based index of the first text line
		if first < len(lines) {
			indent := len(lines[first]) - len(strings.TrimLeft(lines[first], " "))
			return first + p.InnerLine, indent + 1 + p.InnerCol
		}
		return line, col
	}
	if p.InnerLine > 1 { // a plain scalar folded over lines: its line only
		return line + p.InnerLine - 1, 1
	}
	if t.Type == token.SingleQuoteType || t.Type == token.DoubleQuoteType {
		col++
	}
	return line, col + p.InnerCol
}
