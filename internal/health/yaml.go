package health

import (
	"bytes"
	"cmp"
	_ "embed"
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

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML is the scorecard set Tend ships with, as YAML.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default is the scorecard set Tend ships with, compiled.
func Default() *Set {
	s, err := Parse(defaultYAML)
	if err != nil {
		panic("health: the default scorecard is invalid: " + err.Error())
	}
	return s
}

// Parse reads a scorecard set from YAML and compiles it. Its error is
// Problems, each at the 1-based line and column of the YAML it is about
// (inside a formula or condition: of the offending token).
func Parse(src []byte) (*Set, error) {
	// Lines end in LF for the positions reported: a browser's textarea
	// and Windows editors send CRLF, which go-yaml's positions count as two
	// line ends.
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	var s Set
	if f, err := parser.ParseBytes(src, 0); err == nil && len(f.Docs) > 0 {
		// Every unknown key at once; the decoder would stop at the first.
		var ps Problems
		unknownKeys(f.Docs[0].Body, reflect.TypeFor[Set](), &ps)
		if len(ps) > 0 {
			return nil, ps
		}
	}
	if err := decode(src, &s); err != nil {
		p := Problem{Message: err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			p.Message = ye.GetMessage()
			if t := ye.GetToken(); t != nil && t.Position != nil {
				p.Line, p.Column = t.Position.Line, t.Position.Column
			}
		}
		return nil, Problems{p}
	}
	err := s.Compile()
	var ps Problems
	if !errors.As(err, &ps) {
		return &s, err
	}
	f, perr := parser.ParseBytes(src, 0)
	if perr != nil {
		return nil, ps
	}
	lines := strings.Split(string(src), "\n")
	for i := range ps {
		ps[i].Line, ps[i].Column = position(f, lines, &ps[i])
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column)) })
	return nil, ps
}

// decode reads src into s. go-yaml v1.19.2 panics on some malformed
// input (a nil sequence behind a tag, found by FuzzParse); that is
// reported as a problem rather than taking the caller down.
func decode(src []byte, s *Set) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("invalid YAML (the YAML reader failed: %v)", e)
		}
	}()
	return yaml.UnmarshalWithOptions(src, s, yaml.DisallowUnknownField())
}

// unknownKeys reports every mapping key under n that the type t it
// decodes into does not have.
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
		if t == reflect.TypeFor[Missing]() {
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
		if f.IsExported() && tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// position is where p is in the YAML: the node at its path, or the
// nearest enclosing one that exists; plus the offset inside a formula.
func position(f *ast.File, lines []string, p *Problem) (int, int) {
	path := p.Path
	for path != "" {
		yp, err := yaml.PathString("$." + path)
		if err == nil {
			if n, err := yp.FilterFile(f); err == nil && n != nil {
				return offset(n, lines, p)
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
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
	if p.offLine == 0 {
		return line, col
	}
	if lit, ok := n.(*ast.LiteralNode); ok {
		// A block scalar's text starts on the line after its indicator,
		// indented as its first line is.
		first := lit.Start.Position.Line // 0-based index of the first text line
		if first < len(lines) {
			indent := len(lines[first]) - len(strings.TrimLeft(lines[first], " "))
			return first + p.offLine, indent + 1 + p.offCol
		}
		return line, col
	}
	if p.offLine > 1 { // a plain scalar folded over lines: its line only
		return line + p.offLine - 1, 1
	}
	if t.Type == token.SingleQuoteType || t.Type == token.DoubleQuoteType {
		col++
	}
	return line, col + p.offCol
}

// YAML writes s as YAML that Parse reads back to the same set.
func (s *Set) YAML() ([]byte, error) {
	return yaml.MarshalWithOptions(s, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}
