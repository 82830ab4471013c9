package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// enums lists the allowed values of fields, by type, as the customer
// package defines them.
var enums = map[reflect.Type]map[string][]string{
	reflect.TypeFor[customer.Account]():        {"lifecycle": customer.Stages, "touch_model": customer.TouchModels},
	reflect.TypeFor[customer.Contact]():        {"roles": customer.ContactRoles, "status": {customer.ContactActive, customer.ContactLeft}},
	reflect.TypeFor[customer.Subscription]():   {"status": customer.SubStatuses, "billing_period": customer.BillingPeriods},
	reflect.TypeFor[customer.Ticket]():         {"priority": customer.TicketPriorities, "status": customer.TicketStatuses},
	reflect.TypeFor[customer.SurveyResponse](): {"kind": customer.SurveyKinds},
	reflect.TypeFor[customer.Activity]():       {"kind": customer.ActivityKinds},
	reflect.TypeFor[customer.User]():           {"role": customer.Roles},
	reflect.TypeFor[customer.AttributeDef]():   {"type": customer.AttributeTypes},
}

// alternatives names, per type, required fields that another field can
// stand in for (Check says "name is required (or give an email)").
// Reference pairs (account_id or account_external_id) are found from the
// field names.
var alternatives = map[reflect.Type]map[string]string{
	reflect.TypeFor[customer.Contact]():  {"name": "email"},
	reflect.TypeFor[customer.Activity](): {"body": "subject"},
}

// kindSchemas gives the JSON schema of a filter value of each store kind.
var kindSchemas = map[string]map[string]any{
	store.KindText:   {"type": "string"},
	store.KindInt:    {"type": "integer"},
	store.KindFloat:  {"type": "number"},
	store.KindBool:   {"type": "boolean"},
	store.KindDate:   {"type": "string", "format": "date"},
	store.KindTime:   {"type": "string", "format": "date-time"},
	store.KindMoney:  {"type": "integer", "description": "integer minor units (cents)"},
	store.KindStrSet: {"type": "string", "description": "matches when the list contains the value"},
}

// listParams are the query parameters of a list of res: one deepObject
// filter per filterable field, then q, sort, cursor and limit.
func listParams(res *resource) []param {
	var ps []param
	for _, f := range res.spec.Fields {
		vs, ok := kindSchemas[f.Kind]
		if !ok {
			vs = map[string]any{"type": "string"}
		}
		kind := f.Kind
		if len(f.Values) > 0 {
			// Its own filter schema: the shared one of its kind takes any value.
			vs, kind = map[string]any{"type": "string", "enum": f.Values}, f.Name
		}
		ps = append(ps, param{
			Name: f.Name,
			Desc: fmt.Sprintf("Filter on %s (%s): `%s=v` or `%s[op]=v` with op one of %s. Repeat to combine (all must match).",
				f.Name, f.Kind, f.Name, f.Name, opList()),
			Schema: vs,
			Filter: kind,
		})
	}
	var sorts []string
	for _, f := range sortable(res.spec) {
		sorts = append(sorts, f, "-"+f)
	}
	search := "Free-text search, case-insensitive"
	if len(res.spec.SearchOver) > 0 {
		search += ", over " + strings.Join(res.spec.SearchOver, ", ")
	}
	ps = append(ps,
		param{Name: paramSearch, Desc: search, Schema: map[string]any{"type": "string"}},
		param{Name: paramSort, Desc: "Field to sort by, with - in front for descending. Default: id.",
			Schema: map[string]any{"type": "string", "enum": sorts}},
		param{Name: paramCursor, Desc: "next_cursor from the previous page.", Schema: map[string]any{"type": "string"}},
		param{Name: paramLimit, Desc: "Page size.", Schema: map[string]any{"type": "integer",
			"minimum": 1, "maximum": maxLimit, "default": defaultLimit}},
	)
	return ps
}

// listNotes describes listing res.
func listNotes(res *resource) string {
	s := "Pages are ordered by `sort` and continue with `cursor=<next_cursor>`; next_cursor is empty on the last page."
	if res.spec.HasAttributes {
		s += " Custom attributes filter as `attributes.<key>=v` or `attributes.<key>[op]=v`."
	}
	return s
}

// camel turns "survey response" or "accounts" into "SurveyResponse",
// "Accounts".
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// article puts "a" or "an" before a noun.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// errorResponses are the shared error responses, by status.
var errorResponses = map[int]struct{ name, desc string }{
	http.StatusBadRequest:            {"BadRequest", "Malformed JSON, a field of the wrong type, an unknown field, a bad id or a bad query"},
	http.StatusNotFound:              {"NotFound", "No such object"},
	http.StatusConflict:              {"Conflict", "Another object already has this unique value (see fields)"},
	http.StatusRequestEntityTooLarge: {"TooLarge", "The body is larger than 1 MiB"},
	http.StatusUnprocessableEntity:   {"Unprocessable", "The object breaks a rule; fields lists every problem"},
	http.StatusUnauthorized:          {"Unauthenticated", "No API token (or session), or one that is unknown, revoked, expired or whose user is disabled"},
	http.StatusForbidden:             {"Forbidden", "The token's scope or its user's role does not allow this (message says why)"},
	http.StatusInternalServerError:   {"Internal", "Something went wrong on the server; the log has it under request_id"},
}

// generator builds the document's components as operations refer to them.
type generator struct {
	schemas map[string]any
	params  map[string]any
	specs   map[reflect.Type]store.Spec
	ro      map[reflect.Type][]string
	extra   map[reflect.Type][]extraField
}

func ref(kind, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + kind + "/" + name}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// buildOpenAPI generates the OpenAPI 3.1 document from the route table and
// the Go types it names.
func buildOpenAPI(routes []route) ([]byte, error) {
	g := &generator{schemas: map[string]any{}, params: map[string]any{}, specs: map[reflect.Type]store.Spec{}, ro: map[reflect.Type][]string{}, extra: map[reflect.Type][]extraField{}}
	for _, rt := range routes {
		if rt.Op.res != nil {
			g.specs[rt.Op.res.typ] = rt.Op.res.spec
			g.ro[rt.Op.res.typ] = rt.Op.res.readOnly
			g.extra[rt.Op.res.typ] = rt.Op.res.extra
		}
	}
	paths := map[string]map[string]any{}
	ids := map[string]string{}
	var tags []string
	for _, rt := range routes {
		op := rt.Op
		where := rt.Method + " " + rt.Path
		if op.ID == "" {
			return nil, fmt.Errorf("%s has no operation id", where)
		}
		if prev, dup := ids[op.ID]; dup {
			return nil, fmt.Errorf("operation id %s is used by %s and %s", op.ID, prev, where)
		}
		ids[op.ID] = where
		item := paths[rt.Path]
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		m := strings.ToLower(rt.Method)
		if _, dup := item[m]; dup {
			return nil, fmt.Errorf("%s is listed twice", where)
		}
		o, err := g.operation(rt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		item[m] = o
		if !slices.Contains(tags, op.Tag) {
			tags = append(tags, op.Tag)
		}
	}
	responses := map[string]any{}
	for _, e := range errorResponses {
		responses[e.name] = map[string]any{
			"description": e.desc,
			"content":     map[string]any{"application/json": map[string]any{"schema": ref("schemas", "ErrorResponse")}},
		}
	}
	g.errorSchemas()
	var tagList []map[string]any
	for _, t := range tags {
		tagList = append(tagList, map[string]any{"name": t})
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Tend API",
			"version": "1",
			"summary": "Tend's Customer 360: accounts, contacts, subscriptions, invoices, tickets, surveys, activities and users.",
			"description": "Money is integer minor units (cents) with a currency; times are RFC 3339 in UTC; dates are YYYY-MM-DD. " +
				"Errors are {\"error\": {code, message, fields, request_id}}. Every collection can be upserted by external id " +
				"(users by email) with PUT …/external/{external_id}, which makes re-imports idempotent.",
		},
		"tags":  tagList,
		"paths": paths,
		"components": map[string]any{
			"schemas":    g.schemas,
			"parameters": g.params,
			"responses":  responses,
			"securitySchemes": map[string]any{"token": map[string]any{
				"type": "http", "scheme": "bearer",
				"description": "An API token (tend_…), created by an administrator under Admin → API tokens. " +
					"A read token can only read; a write token can do what its user's role allows.",
			}},
		},
		"security": []any{map[string]any{"token": []string{}}},
	}
	return json.Marshal(doc)
}

// operation documents one route.
func (g *generator) operation(rt route) (map[string]any, error) {
	op := rt.Op
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		name := m[1]
		p := map[string]any{"name": name, "in": "path", "required": true}
		switch name {
		case "id":
			p["schema"] = map[string]any{"type": "integer", "format": "int64", "minimum": 1}
		case "external_id":
			p["schema"] = map[string]any{"type": "string", "minLength": 1}
			key := "external id"
			if op.res != nil && op.res.spec.Key != "external_id" {
				key = op.res.spec.Key
			}
			p["description"] = "The object's " + key + " (URL-escaped)."
		case "key":
			p["schema"] = map[string]any{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
		default:
			return nil, fmt.Errorf("path parameter {%s} has no schema", name)
		}
		params = append(params, p)
	}
	for _, q := range op.Query {
		p := map[string]any{"name": q.Name, "in": "query", "description": q.Desc, "schema": q.Schema}
		if q.Filter != "" {
			p["style"], p["explode"] = "deepObject", true
			p["schema"] = ref("schemas", g.filterSchema(q.Filter, q.Schema))
		}
		if op.res != nil {
			// Lists of a collection share their parameters.
			key := op.res.name + "." + strings.NewReplacer("[", "_", "]", "").Replace(q.Name)
			g.params[key] = p
			params = append(params, ref("parameters", key))
			continue
		}
		params = append(params, p)
	}
	o := map[string]any{"operationId": op.ID, "summary": op.Summary, "tags": []string{op.Tag}}
	if op.Notes != "" {
		o["description"] = op.Notes
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if op.Body != nil {
		var schema map[string]any
		ct := "application/json"
		if op.Body.MergePatch {
			schema = ref("schemas", g.patchSchema(op.Body.Type))
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/merge-patch+json": map[string]any{"schema": schema},
				ct:                             map[string]any{"schema": schema},
			}}
		} else {
			schema = g.schemaFor(op.Body.Type)
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": schema}}}
		}
	}
	responses := map[string]any{}
	for _, r := range op.OK {
		desc := r.Desc
		if desc == "" {
			desc = http.StatusText(r.Status)
		}
		resp := map[string]any{"description": desc}
		if r.Type != nil {
			var schema map[string]any
			if r.List {
				schema = ref("schemas", g.listSchema(r.Type))
			} else {
				schema = g.schemaFor(r.Type)
			}
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
		}
		if r.Location {
			resp["headers"] = map[string]any{"Location": map[string]any{
				"description": "URL of the new object", "schema": map[string]any{"type": "string"}}}
		}
		responses[strconv.Itoa(r.Status)] = resp
	}
	if len(responses) == 0 {
		return nil, fmt.Errorf("no success response")
	}
	fails := slices.Clone(op.Fails)
	if op.Public {
		o["security"] = []any{}
	} else {
		fails = append(fails, http.StatusUnauthorized)
		if rt.Method != http.MethodGet {
			fails = append(fails, http.StatusForbidden)
		}
	}
	for _, st := range append(fails, http.StatusInternalServerError) {
		e, ok := errorResponses[st]
		if !ok {
			return nil, fmt.Errorf("no shared response for status %d", st)
		}
		responses[strconv.Itoa(st)] = ref("responses", e.name)
	}
	o["responses"] = responses
	return o, nil
}

// schemaFor returns the JSON schema of t, as a $ref for named structs.
func (g *generator) schemaFor(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case dateType:
		return map[string]any{"type": []string{"string", "null"}, "format": "date"}
	case ratioType:
		// revenue.Ratio marshals as a number, or null when undefined.
		return map[string]any{"type": []string{"number", "null"}}
	case periodType:
		return periodSchema()
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schemaFor(t.Elem())
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
			return s
		}
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32:
		return map[string]any{"type": "number", "format": "float"}
	case reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": []string{"array", "null"}, "items": g.schemaFor(t.Elem())}
	case reflect.Map:
		s := map[string]any{"type": []string{"object", "null"}}
		if t.Elem().Kind() != reflect.Interface {
			s["additionalProperties"] = g.schemaFor(t.Elem())
		}
		return s
	case reflect.Struct:
		return ref("schemas", g.structSchema(t))
	}
	return map[string]any{} // any JSON value
}

// structSchema adds the object schema of struct t and returns its name.
func (g *generator) structSchema(t reflect.Type) string {
	name := t.Name()
	if _, done := g.schemas[name]; done {
		return name
	}
	g.schemas[name] = nil // in progress
	info := infoOf(t)
	spec := g.specs[t]
	readOnly := g.ro[t]
	defaults, required := checkedDefaults(t)
	pairs := refPairs(info)
	props := map[string]any{}
	for _, f := range info.fields {
		s := g.schemaFor(f.typ)
		var notes []string
		if vals, ok := enums[t][f.name]; ok {
			target := s
			if items, ok := s["items"].(map[string]any); ok {
				target = items
			}
			if _, hasDefault := defaults[f.name]; !hasDefault && !slices.Contains(required, f.name) && f.typ.Kind() == reflect.String {
				vals = append(slices.Clone(vals), "") // optional: empty means none
			}
			target["enum"] = vals
			notes = append(notes, "Input is case-insensitive; spaces and dashes become underscores.")
		}
		if d, ok := defaults[f.name]; ok {
			s["default"] = d
		}
		if slices.Contains(readOnly, f.name) {
			s["readOnly"] = true
			if !slices.Contains(alwaysReadOnly, f.name) {
				notes = append(notes, "Derived by Tend; ignored on input.")
			}
		}
		if slices.Contains(spec.Money, f.name) {
			notes = append(notes, "Money, in integer minor units (cents) of the currency.")
		}
		if partner, ok := pairs[f.name]; ok && f.typ.Kind() == reflect.Int64 {
			notes = append(notes, "Tend's id; or give "+partner+" instead.")
		}
		if len(notes) > 0 {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}}
			}
			s["description"] = strings.Join(notes, " ")
		}
		props[f.name] = s
	}
	for _, e := range g.extra[t] {
		props[e.name] = map[string]any{"allOf": []any{g.schemaFor(e.typ)}, "readOnly": true, "description": e.doc}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		alt := alternatives[t]
		var plain []string
		var groups []any
		for _, r := range required {
			other, ok := alt[r]
			if !ok {
				other, ok = pairs[r]
			}
			if ok {
				groups = append(groups, map[string]any{"anyOf": []any{
					map[string]any{"required": []string{r}}, map[string]any{"required": []string{other}}}})
			} else {
				plain = append(plain, r)
			}
		}
		if len(plain) > 0 {
			schema["required"] = plain
		}
		if len(groups) > 0 {
			schema["allOf"] = groups
		}
	}
	g.schemas[name] = schema
	return name
}

// filterSchema adds the schema of a field[op]=value filter on a field of
// kind, whose values have schema vs, and returns its name.
func (g *generator) filterSchema(kind string, vs map[string]any) string {
	name := camel(strings.NewReplacer("[]", " set").Replace(kind)) + "Filter"
	if _, done := g.schemas[name]; done {
		return name
	}
	props := map[string]any{}
	for _, op := range store.Ops {
		props[string(op)] = vs
	}
	g.schemas[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false,
		"description": "Comparisons with a " + kind + " field; `field=v` is short for `field[eq]=v`."}
	return name
}

// patchSchema adds the merge-patch form of t: every field optional and
// nullable (null clears it).
func (g *generator) patchSchema(t reflect.Type) string {
	base := g.structSchema(t)
	name := base + "Patch"
	if _, done := g.schemas[name]; done {
		return name
	}
	props := map[string]any{}
	for k, v := range g.schemas[base].(map[string]any)["properties"].(map[string]any) {
		props[k] = map[string]any{"anyOf": []any{v, map[string]any{"type": "null"}}}
	}
	g.schemas[name] = map[string]any{
		"type":        "object",
		"description": "A JSON merge patch (RFC 7396) of " + article(base) + ": given fields replace, null clears, absent fields stay.",
		"properties":  props,
	}
	return name
}

// listSchema adds a page of t and returns its name.
func (g *generator) listSchema(t reflect.Type) string {
	base := g.structSchema(t)
	name := base + "List"
	if _, done := g.schemas[name]; done {
		return name
	}
	props := map[string]any{"items": map[string]any{"type": "array", "items": ref("schemas", base)}}
	required := []string{"items"}
	if _, paged := g.specs[t]; paged {
		props["next_cursor"] = map[string]any{"type": "string",
			"description": "Pass as cursor to get the next page; empty on the last page."}
		required = append(required, "next_cursor")
	}
	g.schemas[name] = map[string]any{"type": "object", "properties": props, "required": required}
	return name
}

// errorSchemas adds the error body's schemas.
func (g *generator) errorSchemas() {
	str := map[string]any{"type": "string"}
	g.schemas["FieldError"] = map[string]any{
		"type":     "object",
		"required": []string{"field", "code", "message"},
		"properties": map[string]any{
			"field":   map[string]any{"type": "string", "description": "The field, or query parameter, at fault."},
			"code":    map[string]any{"type": "string", "description": "required, invalid, unknown, too_long, out_of_range, not_found, conflict, invalid_type, unknown_field…"},
			"message": str,
		},
	}
	g.schemas["Error"] = map[string]any{
		"type":     "object",
		"required": []string{"code", "message"},
		"properties": map[string]any{
			"code": map[string]any{"type": "string", "enum": []string{CodeInvalidJSON, CodeInvalidType, CodeUnknownField,
				CodeEmptyBody, CodeInvalidID, CodeInvalidQuery, CodeValidation, CodeNotFound, CodeMethodNotAllowed,
				CodeConflict, CodeTooLarge, CodeUnauthenticated, CodeForbidden, CodeInternal}},
			"message":    str,
			"fields":     map[string]any{"type": "array", "items": ref("schemas", "FieldError")},
			"request_id": map[string]any{"type": "string", "description": "Identifies the request in the server log."},
			"position": map[string]any{
				"type":        "object",
				"description": "Where in the body malformed JSON was found.",
				"properties": map[string]any{
					"line":   map[string]any{"type": "integer"},
					"column": map[string]any{"type": "integer"},
					"offset": map[string]any{"type": "integer", "description": "0-based byte offset"},
				},
			},
		},
	}
	g.schemas["ErrorResponse"] = map[string]any{
		"type":       "object",
		"required":   []string{"error"},
		"properties": map[string]any{"error": ref("schemas", "Error")},
	}
}

// checker is a customer type's own validation.
type checker interface{ Check() error }

// checkedDefaults runs Check on a zero t and reads back what it filled in
// (the defaults) and which fields it says are required, so the schema
// cannot drift from the validation.
func checkedDefaults(t reflect.Type) (defaults map[string]any, required []string) {
	v := reflect.New(t)
	c, ok := v.Interface().(checker)
	if !ok {
		return nil, nil
	}
	err := c.Check()
	info := infoOf(t)
	defaults = map[string]any{}
	for _, f := range info.fields {
		fv := v.Elem().FieldByIndex(f.index)
		if f.typ.Kind() == reflect.String && fv.String() != "" {
			defaults[f.name] = fv.String()
		}
	}
	// AttributeDef's key comes from the path, so it is not required in a body.
	if _, hasID := info.field("id"); !hasID {
		return defaults, nil
	}
	if errs, ok := validate.As(err); ok {
		for _, fe := range errs {
			if fe.Code == "required" && !slices.Contains(required, fe.Field) {
				required = append(required, fe.Field)
			}
		}
	}
	return defaults, required
}
