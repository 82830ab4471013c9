package rules

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/tendhq/tend/internal/health"
)

// A condition is an expr expression over one account: its fields (tier,
// touch_model, lifecycle, industry, region, currency, name, mrr in major
// units, days_to_renewal, tenure_days, days_since_nps, attributes), every metric of the
// health catalogue by name (usage.trend, nps.latest, pulse …) and its
// health (health.score, health.colour, health.previous_score,
// health.previous_colour). It is compiled once and type-checked: every
// name must exist and the result must be a boolean. A condition that reads
// a number that is missing (a metric with no data, a score not computed)
// is false. The common operators run as Go closures built from expr's
// checked tree; anything else runs on expr's VM.

// Number and string variables besides the metrics, which take the first
// numeric slots (by health.MetricID).
var (
	numVars = []string{"mrr", "days_to_renewal", "tenure_days", "health.score", "health.previous_score", "days_since_nps"}
	strVars = []string{"tier", "touch_model", "lifecycle", "industry", "region", "currency", "name", "health.colour", "health.previous_colour"}
)

var numMetrics = len(health.Catalogue())

const (
	strTier = iota
	strTouch
	strLifecycle
	strIndustry
	strRegion
	strCurrency
	strName
	strColour
	strPrevColour
)

// Numeric slots after the metrics.
func slotMRR() int       { return numMetrics }
func slotRenewal() int   { return numMetrics + 1 }
func slotTenure() int    { return numMetrics + 2 }
func slotScore() int     { return numMetrics + 3 }
func slotPrevScore() int { return numMetrics + 4 }
func slotSinceNPS() int  { return numMetrics + 5 }

// frame is one account's variables, filled once per evaluation.
type frame struct {
	num   []float64
	has   uint64 // bit i: num[i] is present
	str   [9]string
	attrs map[string]any
}

type varRef struct {
	num  bool
	slot int
	path []int // field index path in condEnv
}

var condEnv, condVars = buildEnv()

// buildEnv is the struct type conditions are checked (and on the VM run)
// against, and where each variable is in it.
func buildEnv() (reflect.Type, map[string]varRef) {
	vars := map[string]varRef{}
	type v struct {
		name string
		ref  varRef
	}
	var all []v
	for _, m := range health.Catalogue() {
		all = append(all, v{m.Name, varRef{num: true, slot: int(m.ID)}})
	}
	for i, n := range numVars {
		all = append(all, v{n, varRef{num: true, slot: numMetrics + i}})
	}
	for i, n := range strVars {
		all = append(all, v{n, varRef{slot: i}})
	}
	var groups []string
	members := map[string][]v{}
	var top []v
	for _, x := range all {
		p, _, ok := strings.Cut(x.name, ".")
		if !ok {
			top = append(top, x)
			continue
		}
		if members[p] == nil {
			groups = append(groups, p)
		}
		members[p] = append(members[p], x)
	}
	typ := func(x v) reflect.Type {
		if x.ref.num {
			return reflect.TypeFor[float64]()
		}
		return reflect.TypeFor[string]()
	}
	var fields []reflect.StructField
	for i, g := range groups {
		var sub []reflect.StructField
		for j, x := range members[g] {
			_, last, _ := strings.Cut(x.name, ".")
			sub = append(sub, reflect.StructField{Name: fmt.Sprintf("F%d", j), Type: typ(x), Tag: reflect.StructTag(`expr:"` + last + `"`)})
			x.ref.path = []int{i, j}
			vars[x.name] = x.ref
		}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("G%d", i), Type: reflect.StructOf(sub), Tag: reflect.StructTag(`expr:"` + g + `"`)})
	}
	for _, x := range top {
		x.ref.path = []int{len(fields)}
		vars[x.name] = x.ref
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("T%d", len(fields)), Type: typ(x), Tag: reflect.StructTag(`expr:"` + x.name + `"`)})
	}
	fields = append(fields, reflect.StructField{Name: "Attributes", Type: reflect.TypeFor[map[string]any](), Tag: `expr:"attributes"`})
	return reflect.StructOf(fields), vars
}

// Variables lists every name a condition may read, sorted as declared:
// the metrics, then the other numbers, then the strings.
func Variables() []string {
	var out []string
	for _, m := range health.Catalogue() {
		out = append(out, m.Name)
	}
	out = append(out, numVars...)
	out = append(out, strVars...)
	return append(out, "attributes")
}

type condition struct {
	src  string
	need uint64 // numeric slots read
	fn   func(*frame) bool
	prog *vm.Program
	refs []string // the variables it reads, for the trace
}

// exprError is a condition that does not compile, at a 1-based line and
// 0-based column (in runes).
type exprError struct {
	line, col int
	msg       string
}

func (e *exprError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

func compileCondition(src string) (c *condition, err error) {
	defer func() {
		if e := recover(); e != nil { // expr must not take a save down
			c, err = nil, &exprError{line: 1, msg: fmt.Sprintf("the condition could not be compiled: %v", e)}
		}
	}()
	prog, err := expr.Compile(src, expr.Env(reflect.New(condEnv).Elem().Interface()), expr.AsBool(), expr.Optimize(false))
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			msg, col := fe.Message, fe.Column
			if (strings.HasPrefix(msg, "type struct {") && strings.Contains(msg, "has no field")) || strings.HasPrefix(msg, "unknown name") {
				// The message names a reflect type the author never
				// wrote, at the member: name the whole name, at its start.
				var name string
				name, col = nameAt(src, fe.Line, fe.Column)
				msg = fmt.Sprintf("unknown name %q", name)
			}
			return nil, &exprError{line: fe.Line, col: col, msg: boolMsg(msg)}
		}
		return nil, &exprError{line: 1, msg: boolMsg(err.Error())}
	}
	c = &condition{src: src, prog: prog}
	root := prog.Node()
	seen := map[string]bool{}
	ast.Walk(&root, visitor(func(n ast.Node) {
		if name, ref, ok := varOf(n); ok {
			if ref.num {
				c.need |= 1 << ref.slot
			}
			if !seen[name] {
				seen[name] = true
				c.refs = append(c.refs, name)
			}
		}
	}))
	c.fn, _ = boolClosure(root)
	return c, nil
}

type visitor func(ast.Node)

func (f visitor) Visit(n *ast.Node) { f(*n) }

func boolMsg(msg string) string {
	if strings.Contains(msg, "expected bool") {
		return "the condition must be true or false: " + msg
	}
	return msg
}

// nameAt is the dotted name around column col of line line of src, and
// the column it starts at.
func nameAt(src string, line, col int) (string, int) {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return "", col
	}
	r := []rune(lines[line-1])
	col = max(0, min(col, len(r)))
	in := func(c rune) bool {
		return c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	}
	from, to := col, col
	for from > 0 && in(r[from-1]) {
		from--
	}
	for to < len(r) && in(r[to]) {
		to++
	}
	return string(r[from:to]), from
}

// varOf is the variable a node names, if any.
func varOf(n ast.Node) (string, varRef, bool) {
	var name string
	switch n := n.(type) {
	case *ast.IdentifierNode:
		name = n.Value
	case *ast.MemberNode:
		id, ok1 := n.Node.(*ast.IdentifierNode)
		prop, ok2 := n.Property.(*ast.StringNode)
		if !ok1 || !ok2 || n.Optional || n.Method {
			return "", varRef{}, false
		}
		name = id.Value + "." + prop.Value
	default:
		return "", varRef{}, false
	}
	r, ok := condVars[name]
	return name, r, ok
}

// holds reports whether the condition is true for f; false when a number
// it reads is missing.
func (c *condition) holds(f *frame) bool {
	if f.has&c.need != c.need {
		return false
	}
	if c.fn != nil {
		return c.fn(f)
	}
	env := reflect.New(condEnv).Elem()
	for _, r := range condVars {
		fv := env.FieldByIndex(r.path)
		if r.num {
			fv.SetFloat(f.num[r.slot])
		} else {
			fv.SetString(f.str[r.slot])
		}
	}
	env.FieldByName("Attributes").Set(reflect.ValueOf(f.attrs))
	out, err := expr.Run(c.prog, env.Interface())
	b, _ := out.(bool)
	return err == nil && b
}

type (
	numFn  = func(*frame) float64
	strFn  = func(*frame) string
	boolFn = func(*frame) bool
)

func numClosure(n ast.Node) (numFn, bool) {
	if _, r, ok := varOf(n); ok {
		if !r.num {
			return nil, false
		}
		s := r.slot
		return func(f *frame) float64 { return f.num[s] }, true
	}
	switch n := n.(type) {
	case *ast.IntegerNode:
		c := float64(n.Value)
		return func(*frame) float64 { return c }, true
	case *ast.FloatNode:
		c := n.Value
		return func(*frame) float64 { return c }, true
	case *ast.UnaryNode:
		a, ok := numClosure(n.Node)
		if ok && n.Operator == "-" {
			return func(f *frame) float64 { return -a(f) }, true
		}
		if ok && n.Operator == "+" {
			return a, true
		}
	case *ast.BinaryNode:
		a, ok1 := numClosure(n.Left)
		b, ok2 := numClosure(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "+":
			return func(f *frame) float64 { return a(f) + b(f) }, true
		case "-":
			return func(f *frame) float64 { return a(f) - b(f) }, true
		case "*":
			return func(f *frame) float64 { return a(f) * b(f) }, true
		case "/":
			return func(f *frame) float64 { return a(f) / b(f) }, true
		}
	case *ast.BuiltinNode:
		if n.Name == "abs" && len(n.Arguments) == 1 {
			if a, ok := numClosure(n.Arguments[0]); ok {
				return func(f *frame) float64 { return math.Abs(a(f)) }, true
			}
		}
	}
	return nil, false
}

func strClosure(n ast.Node) (strFn, bool) {
	if _, r, ok := varOf(n); ok {
		if r.num {
			return nil, false
		}
		s := r.slot
		return func(f *frame) string { return f.str[s] }, true
	}
	if s, ok := n.(*ast.StringNode); ok {
		c := s.Value
		return func(*frame) string { return c }, true
	}
	return nil, false
}

func boolClosure(n ast.Node) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		c := n.Value
		return func(*frame) bool { return c }, true
	case *ast.UnaryNode:
		if a, ok := boolClosure(n.Node); ok && (n.Operator == "not" || n.Operator == "!") {
			return func(f *frame) bool { return !a(f) }, true
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "and", "&&", "or", "||":
			a, ok1 := boolClosure(n.Left)
			b, ok2 := boolClosure(n.Right)
			if !ok1 || !ok2 {
				return nil, false
			}
			if n.Operator == "and" || n.Operator == "&&" {
				return func(f *frame) bool { return a(f) && b(f) }, true
			}
			return func(f *frame) bool { return a(f) || b(f) }, true
		case "in", "not in":
			get, ok1 := strClosure(n.Left)
			arr, ok2 := n.Right.(*ast.ArrayNode)
			if !ok1 || !ok2 {
				return nil, false
			}
			var set []string
			for _, e := range arr.Nodes {
				s, ok := e.(*ast.StringNode)
				if !ok {
					return nil, false
				}
				set = append(set, s.Value)
			}
			neg := n.Operator == "not in"
			return func(f *frame) bool {
				v := get(f)
				for _, s := range set {
					if s == v {
						return !neg
					}
				}
				return neg
			}, true
		case "==", "!=":
			if a, ok1 := strClosure(n.Left); ok1 {
				if b, ok2 := strClosure(n.Right); ok2 {
					eq := n.Operator == "=="
					return func(f *frame) bool { return (a(f) == b(f)) == eq }, true
				}
			}
		}
		a, ok1 := numClosure(n.Left)
		b, ok2 := numClosure(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "<":
			return func(f *frame) bool { return a(f) < b(f) }, true
		case "<=":
			return func(f *frame) bool { return a(f) <= b(f) }, true
		case ">":
			return func(f *frame) bool { return a(f) > b(f) }, true
		case ">=":
			return func(f *frame) bool { return a(f) >= b(f) }, true
		case "==":
			return func(f *frame) bool { return a(f) == b(f) }, true
		case "!=":
			return func(f *frame) bool { return a(f) != b(f) }, true
		}
	}
	return nil, false
}
