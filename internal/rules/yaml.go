package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"reflect"

	"github.com/goccy/go-yaml"

	"github.com/tendhq/tend/internal/yamldoc"
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
	src = yamldoc.Normalise(src)
	f, perr := yamldoc.ParseFile(src)
	if perr == nil {
		if ps := yamldoc.UnknownKeys(f, reflect.TypeFor[Set]()); len(ps) > 0 {
			return nil, ps
		}
	}
	var s Set
	if err := yamldoc.Decode(src, &s); err != nil {
		return nil, err
	}
	err := s.Compile()
	var ps Problems
	if !errors.As(err, &ps) {
		return &s, err
	}
	if perr == nil {
		yamldoc.Locate(f, src, ps)
	}
	return nil, ps
}

// Locate fills the line and column of problems about s's YAML src (the
// warnings of CheckPlaybooks).
func Locate(src []byte, ps Problems) {
	src = yamldoc.Normalise(src)
	if f, err := yamldoc.ParseFile(src); err == nil {
		yamldoc.Locate(f, src, ps)
	}
}

// YAML writes s as YAML that Parse reads back to the same set.
func (s *Set) YAML() ([]byte, error) {
	return yaml.MarshalWithOptions(s, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}
