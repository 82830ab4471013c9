package health

import (
	"github.com/expr-lang/expr/ast"
)

// condClosure builds a Go closure for a scorecard's Applies condition over
// a Profile — string fields compared with == or != to literals or tested
// with `in [...]`, mrr compared with numbers, and/or/not — and false for
// anything else, which then runs on expr's VM.
func condClosure(n ast.Node) (func(*Profile) bool, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		c := n.Value
		return func(*Profile) bool { return c }, true
	case *ast.UnaryNode:
		if a, ok := condClosure(n.Node); ok && (n.Operator == "not" || n.Operator == "!") {
			return func(p *Profile) bool { return !a(p) }, true
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "and", "&&", "or", "||":
			a, ok1 := condClosure(n.Left)
			b, ok2 := condClosure(n.Right)
			if !ok1 || !ok2 {
				return nil, false
			}
			if n.Operator == "and" || n.Operator == "&&" {
				return func(p *Profile) bool { return a(p) && b(p) }, true
			}
			return func(p *Profile) bool { return a(p) || b(p) }, true
		case "==", "!=":
			get, ok1 := profileString(n.Left)
			lit, ok2 := n.Right.(*ast.StringNode)
			if !ok1 || !ok2 {
				return nil, false
			}
			want, eq := lit.Value, n.Operator == "=="
			return func(p *Profile) bool { return (get(p) == want) == eq }, true
		case "in", "not in":
			get, ok1 := profileString(n.Left)
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
			return func(p *Profile) bool {
				v := get(p)
				for _, s := range set {
					if s == v {
						return !neg
					}
				}
				return neg
			}, true
		case "<", "<=", ">", ">=":
			id, ok1 := n.Left.(*ast.IdentifierNode)
			var c float64
			switch r := n.Right.(type) {
			case *ast.IntegerNode:
				c = float64(r.Value)
			case *ast.FloatNode:
				c = r.Value
			default:
				return nil, false
			}
			if !ok1 || id.Value != "mrr" {
				return nil, false
			}
			switch n.Operator {
			case "<":
				return func(p *Profile) bool { return p.MRR < c }, true
			case "<=":
				return func(p *Profile) bool { return p.MRR <= c }, true
			case ">":
				return func(p *Profile) bool { return p.MRR > c }, true
			default:
				return func(p *Profile) bool { return p.MRR >= c }, true
			}
		}
	}
	return nil, false
}

func profileString(n ast.Node) (func(*Profile) string, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return nil, false
	}
	switch id.Value {
	case "tier":
		return func(p *Profile) string { return p.Tier }, true
	case "touch_model":
		return func(p *Profile) string { return p.TouchModel }, true
	case "lifecycle":
		return func(p *Profile) string { return p.Lifecycle }, true
	case "industry":
		return func(p *Profile) string { return p.Industry }, true
	case "region":
		return func(p *Profile) string { return p.Region }, true
	case "currency":
		return func(p *Profile) string { return p.Currency }, true
	}
	return nil, false
}
