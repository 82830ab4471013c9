package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Reserved list parameters; every other query parameter is a filter.
const (
	paramSearch = "q"
	paramSort   = "sort"
	paramCursor = "cursor"
	paramLimit  = "limit"
)

// Page sizes a list accepts.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// attributePrefix starts filters on accounts' custom attributes.
const attributePrefix = "attributes."

// parseQuery reads a list request's query string against the collection's
// spec: `field=v` and `field[op]=v` filters, `q`, `sort`, `cursor` and
// `limit`. Every problem is reported at once as a 400.
func parseQuery(v url.Values, spec store.Spec) (store.Query, error) {
	var q store.Query
	var errs validate.Errors
	for _, key := range sortedKeys(v) {
		vals := v[key]
		switch key {
		case paramSearch:
			q.Search = strings.TrimSpace(vals[len(vals)-1])
			if n := utf8.RuneCountInString(q.Search); n > store.MaxSearchLen {
				errs.Add(paramSearch, "too_long", "the search must be at most %d characters (got %d)", store.MaxSearchLen, n)
			}
			continue
		case paramCursor:
			q.Cursor = vals[len(vals)-1]
			continue
		case paramLimit:
			n, err := strconv.Atoi(strings.TrimSpace(vals[len(vals)-1]))
			if err != nil || n < 1 || n > maxLimit {
				errs.Add(paramLimit, "invalid", "limit must be an integer from 1 to %d (got %q)", maxLimit, vals[len(vals)-1])
			}
			q.Limit = n
			continue
		case paramSort:
			if len(vals) > 1 {
				errs.Add(paramSort, "invalid", "give sort once (one field, \"-\" in front for descending)")
			}
			s := strings.TrimSpace(vals[0])
			name := strings.TrimPrefix(s, "-")
			if f, ok := spec.Field(name); !ok || !f.Sortable {
				errs.Add(paramSort, "invalid", "cannot sort %s by %q; sortable fields: %s", spec.Name, name, strings.Join(sortable(spec), ", "))
			}
			q.Sort = s
			continue
		}
		name, op, ok := splitFilter(key)
		if !ok {
			errs.Add(key, "invalid", "bad filter %q: write field=value or field[op]=value", key)
			continue
		}
		if !slices.Contains(store.Ops, op) {
			errs.Add(key, "invalid", "unknown filter operator %q; operators: %s", op, opList())
			continue
		}
		if !filterable(spec, name) {
			hint := ""
			if spec.HasAttributes {
				hint = ", or attributes.<key>"
			}
			errs.Add(key, "unknown", "%s cannot be filtered by %q; filterable fields: %s%s", spec.Name, name, strings.Join(fieldNames(spec), ", "), hint)
			continue
		}
		for _, val := range vals {
			q.Filters = append(q.Filters, store.Filter{Field: name, Op: op, Value: val})
		}
	}
	if len(errs) > 0 {
		return q, &Error{Status: http.StatusBadRequest, Code: CodeInvalidQuery,
			Message: "invalid query: " + errs.Error(), Fields: errs}
	}
	return q, nil
}

// splitFilter splits "mrr[gt]" into ("mrr", gt); a bare name is eq.
func splitFilter(key string) (name string, op store.Op, ok bool) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		return key, store.Eq, key != ""
	}
	if i == 0 || !strings.HasSuffix(key, "]") {
		return "", "", false
	}
	return key[:i], store.Op(key[i+1 : len(key)-1]), true
}

// filterable reports whether the collection can be filtered by name.
func filterable(spec store.Spec, name string) bool {
	if _, ok := spec.Field(name); ok {
		return true
	}
	return spec.HasAttributes && strings.HasPrefix(name, attributePrefix) && len(name) > len(attributePrefix)
}

func fieldNames(spec store.Spec) []string {
	out := make([]string, len(spec.Fields))
	for i, f := range spec.Fields {
		out[i] = f.Name
	}
	return out
}

func sortable(spec store.Spec) []string {
	var out []string
	for _, f := range spec.Fields {
		if f.Sortable {
			out = append(out, f.Name)
		}
	}
	return out
}

func opList() string {
	s := make([]string, len(store.Ops))
	for i, o := range store.Ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// listError turns a store's complaint about a query (a bad filter value or
// cursor) into a 400: the query, not a stored object, is at fault.
func listError(err error) error {
	if errs, ok := validate.As(err); ok {
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidQuery,
			Message: "invalid query: " + errs.Error(), Fields: errs}
	}
	return err
}
