package rules

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

// DefaultYAML is the rule set Tend ships with, as YAML.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Default is the rule set Tend ships with, compiled.
func Default() *Set {
	s, err := Parse(defaultYAML)
	if err != nil {
		panic("rules: the default rule set is invalid: " + err.Error())
	}
	return s
}

// Parse reads a rule set from YAML and compiles it. Its error is Problems,
// each at the 1-based line and column of the YAML it is about (inside a
// condition or a template: of the offending token).
func Parse(src []byte) (*Set, error) {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	f, perr := parseFile(src)
	if perr == nil && len(f.Docs) > 0 {
		var ps Problems
		unknownKeys(f.Docs[0].Body, reflect.TypeFor[Set](), &ps)
		if len(ps) > 0 {
			return nil, ps
		}
	}
	var s Set
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
	if perr == nil {
		s.locate(f, src, ps)
	}
	return nil, ps
}

// Locate fills the line and column of problems about s's YAML src (the
// warnings of CheckPlaybooks).
func Locate(src []byte, ps Problems) {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	if f, err := parseFile(src); err == nil {
		(*Set)(nil).locate(f, src, ps)
	}
}

func (*Set) locate(f *ast.File, src []byte, ps Problems) {
	lines := strings.Split(string(src), "\n")
	for i := range ps {
		ps[i].Line, ps[i].Column = position(f, lines, &ps[i])
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// parseFile and decode turn a panic of the YAML reader on malformed input
// into an error.
func parseFile(src []byte) (f *ast.File, err error) {
	defer func() {
		if e := recover(); e != nil {
			f, err = nil, fmt.Errorf("invalid YAML: %v", e)
		}
	}()
	return parser.ParseBytes(src, 0)
}

func decode(src []byte, s *Set) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("invalid YAML (the YAML reader failed: %v)", e)
		}
	}()
	return yaml.UnmarshalWithOptions(src, s, yaml.DisallowUnknownField())
}

// unknownKeys reports every mapping key under n that the type t it
// decodes into does not have, all at once (the decoder stops at the first).
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

// position is where p is in the YAML: the node at its path, or the
// nearest enclosing one that exists; plus the offset inside the value.
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
		p.offLine, p.off = 0, 0 // the enclosing node: no offset inside it
	}
	return 1, 1
}

func offset(n ast.Node, lines []string, p *Problem) (int, int) {
	t := n.GetToken()
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		t = m.Values[0].Key.GetToken()
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
		first := lit.Start.Position.Line // 0-based index of the first text line
		if first < len(lines) {
			indent := len(lines[first]) - len(strings.TrimLeft(lines[first], " "))
			return first + p.offLine, indent + 1 + p.off
		}
		return line, col
	}
	if p.offLine > 1 {
		return line + p.offLine - 1, 1
	}
	if t.Type == token.SingleQuoteType || t.Type == token.DoubleQuoteType {
		col++
	}
	return line, col + p.off
}

// YAML writes s as YAML that Parse reads back to the same set.
func (s *Set) YAML() ([]byte, error) {
	return yaml.MarshalWithOptions(s, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}
