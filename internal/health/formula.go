package health

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// A formula is an expr expression over metrics (usage.mau / 10,
// max(nps.latest, nps.average) …), compiled once and type-checked against
// the catalogue: every name must be a metric and the result a number. It is
// missing when any metric it reads is missing, or when it is not a finite
// number (a division by zero). The common arithmetic, comparison, logic,
// ternary and min/max/abs/floor/ceil/round are evaluated by Go closures
// built from expr's checked tree, without the VM; anything else runs on
// expr's VM.
type formula struct {
	src  string
	need uint64 // metrics read
	fn   func(*Values) float64
	prog *vm.Program // for what the closures do not cover
}

// formulaEnv is the struct type formulas are checked and (on the VM) run
// against: one nested struct per metric prefix (usage, nps …), fields
// tagged with the metric's last name part, plus top-level metrics (pulse).
var formulaEnv, formulaFields = buildFormulaEnv()

// buildFormulaEnv returns the env type and, per metric, the field index
// path in it.
func buildFormulaEnv() (reflect.Type, [numMetrics][]int) {
	var prefixes []string
	members := map[string][]MetricID{}
	var top []MetricID
	for _, m := range catalogue {
		p, _, ok := strings.Cut(m.Name, ".")
		if !ok {
			top = append(top, m.ID)
			continue
		}
		if members[p] == nil {
			prefixes = append(prefixes, p)
		}
		members[p] = append(members[p], m.ID)
	}
	f64 := reflect.TypeFor[float64]()
	var idx [numMetrics][]int
	var fields []reflect.StructField
	for i, p := range prefixes {
		var sub []reflect.StructField
		for j, id := range members[p] {
			_, last, _ := strings.Cut(catalogue[id].Name, ".")
			sub = append(sub, reflect.StructField{Name: fmt.Sprintf("M%d", id), Type: f64, Tag: reflect.StructTag(`expr:"` + last + `"`)})
			idx[id] = []int{i, j}
		}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("G%d", i), Type: reflect.StructOf(sub), Tag: reflect.StructTag(`expr:"` + p + `"`)})
	}
	for _, id := range top {
		idx[id] = []int{len(fields)}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("M%d", id), Type: f64, Tag: reflect.StructTag(`expr:"` + catalogue[id].Name + `"`)})
	}
	return reflect.StructOf(fields), idx
}

// FormulaError is a formula that does not compile, at a 1-based line and
// 0-based column (in runes) of its source.
type FormulaError struct {
	Line, Column int
	Message      string
}

func (e *FormulaError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// compileFormula compiles and checks src.
func compileFormula(src string) (*formula, error) {
	prog, err := expr.Compile(src, expr.Env(reflect.New(formulaEnv).Elem().Interface()), expr.AsFloat64(), expr.Optimize(false))
	if err != nil {
		return nil, exprError(src, err)
	}
	f := &formula{src: src, prog: prog}
	root := prog.Node()
	ast.Walk(&root, refs{&f.need})
	f.fn, _ = numClosure(root)
	return f, nil
}

func exprError(src string, err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		// "type struct { M0 float64 … } has no field bogus" names a
		// reflect type the author never wrote: name the metric instead.
		if strings.HasPrefix(msg, "type struct {") && strings.Contains(msg, "has no field") {
			msg = "unknown metric " + strconv.Quote(nameAt(src, fe.Line, fe.Column))
		}
		return &FormulaError{Line: fe.Line, Column: fe.Column, Message: msg}
	}
	return &FormulaError{Line: 1, Message: err.Error()}
}

// nameAt is the dotted name around the 0-based column col of line line
// (1-based) of src.
func nameAt(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	r := []rune(lines[line-1])
	if col > len(r) {
		col = len(r)
	}
	in := func(c rune) bool { return c == '.' || c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) }
	from, to := col, col
	for from > 0 && in(r[from-1]) {
		from--
	}
	for to < len(r) && in(r[to]) {
		to++
	}
	return string(r[from:to])
}

// eval is the formula's value for v, and false when it is missing.
func (f *formula) eval(v *Values) (float64, bool) {
	if v.has&f.need != f.need {
		return 0, false
	}
	var x float64
	if f.fn != nil {
		x = f.fn(v)
	} else {
		env := reflect.New(formulaEnv).Elem()
		for id := range numMetrics {
			env.FieldByIndex(formulaFields[id]).SetFloat(v.v[id])
		}
		out, err := expr.Run(f.prog, env.Interface())
		if err != nil {
			return 0, false
		}
		switch o := out.(type) {
		case float64:
			x = o
		case int:
			x = float64(o)
		default:
			return 0, false
		}
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// metricRef is the metric a node names (usage.mau, pulse), if any.
func metricRef(n ast.Node) (MetricID, bool) {
	var name string
	switch n := n.(type) {
	case *ast.IdentifierNode:
		name = n.Value
	case *ast.MemberNode:
		id, ok1 := n.Node.(*ast.IdentifierNode)
		prop, ok2 := n.Property.(*ast.StringNode)
		if !ok1 || !ok2 || n.Optional || n.Method {
			return 0, false
		}
		name = id.Value + "." + prop.Value
	default:
		return 0, false
	}
	m, ok := MetricByName(name)
	return m.ID, ok
}

type refs struct{ need *uint64 }

func (r refs) Visit(n *ast.Node) {
	if id, ok := metricRef(*n); ok {
		*r.need |= 1 << id
	}
}

type numFn = func(*Values) float64
type boolFn = func(*Values) bool

// numClosure builds a Go closure computing a number-typed node, and false
// when the node uses something the closures do not cover.
func numClosure(n ast.Node) (numFn, bool) {
	if id, ok := metricRef(n); ok {
		return func(v *Values) float64 { return v.v[id] }, true
	}
	switch n := n.(type) {
	case *ast.IntegerNode:
		c := float64(n.Value)
		return func(*Values) float64 { return c }, true
	case *ast.FloatNode:
		c := n.Value
		return func(*Values) float64 { return c }, true
	case *ast.UnaryNode:
		a, ok := numClosure(n.Node)
		switch {
		case !ok:
		case n.Operator == "-":
			return func(v *Values) float64 { return -a(v) }, true
		case n.Operator == "+":
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
			return func(v *Values) float64 { return a(v) + b(v) }, true
		case "-":
			return func(v *Values) float64 { return a(v) - b(v) }, true
		case "*":
			return func(v *Values) float64 { return a(v) * b(v) }, true
		case "/":
			return func(v *Values) float64 { return a(v) / b(v) }, true
		case "**", "^":
			return func(v *Values) float64 { return math.Pow(a(v), b(v)) }, true
		}
	case *ast.ConditionalNode:
		c, ok1 := boolClosure(n.Cond)
		a, ok2 := numClosure(n.Exp1)
		b, ok3 := numClosure(n.Exp2)
		if ok1 && ok2 && ok3 {
			return func(v *Values) float64 {
				if c(v) {
					return a(v)
				}
				return b(v)
			}, true
		}
	case *ast.BuiltinNode:
		args := make([]numFn, len(n.Arguments))
		for i, arg := range n.Arguments {
			f, ok := numClosure(arg)
			if !ok {
				return nil, false
			}
			args[i] = f
		}
		one := map[string]func(float64) float64{"abs": math.Abs, "floor": math.Floor, "ceil": math.Ceil, "round": math.Round}
		if f, ok := one[n.Name]; ok && len(args) == 1 {
			a := args[0]
			return func(v *Values) float64 { return f(a(v)) }, true
		}
		if (n.Name == "min" || n.Name == "max") && len(args) >= 1 {
			pick := math.Min
			if n.Name == "max" {
				pick = math.Max
			}
			return func(v *Values) float64 {
				x := args[0](v)
				for _, a := range args[1:] {
					x = pick(x, a(v))
				}
				return x
			}, true
		}
	}
	return nil, false
}

// boolClosure is numClosure for bool-typed nodes.
func boolClosure(n ast.Node) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		c := n.Value
		return func(*Values) bool { return c }, true
	case *ast.UnaryNode:
		if a, ok := boolClosure(n.Node); ok && (n.Operator == "not" || n.Operator == "!") {
			return func(v *Values) bool { return !a(v) }, true
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
				return func(v *Values) bool { return a(v) && b(v) }, true
			}
			return func(v *Values) bool { return a(v) || b(v) }, true
		}
		a, ok1 := numClosure(n.Left)
		b, ok2 := numClosure(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "<":
			return func(v *Values) bool { return a(v) < b(v) }, true
		case "<=":
			return func(v *Values) bool { return a(v) <= b(v) }, true
		case ">":
			return func(v *Values) bool { return a(v) > b(v) }, true
		case ">=":
			return func(v *Values) bool { return a(v) >= b(v) }, true
		case "==":
			return func(v *Values) bool { return a(v) == b(v) }, true
		case "!=":
			return func(v *Values) bool { return a(v) != b(v) }, true
		}
	}
	return nil, false
}
