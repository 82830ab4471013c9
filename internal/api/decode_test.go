package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// The examples of RFC 7396, appendix A.
func TestMergePatchRFC7396(t *testing.T) {
	t.Parallel()
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, c := range cases {
		target, err := parseGeneric([]byte(c.target))
		if err != nil {
			t.Fatal(err)
		}
		patch, err := parseGeneric([]byte(c.patch))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(mergePatch(target, patch))
		want, _ := parseGeneric([]byte(c.want))
		wantJSON, _ := json.Marshal(want)
		if string(got) != string(wantJSON) {
			t.Errorf("merge %s with %s = %s, want %s", c.target, c.patch, got, wantJSON)
		}
	}
}

func TestMergePatchKeepsLargeIntegers(t *testing.T) {
	t.Parallel()
	target, _ := toGeneric(customer.Account{MRR: 1<<62 + 1, Name: "x"})
	patch, _ := parseGeneric([]byte(`{"name":"y"}`))
	b, _ := json.Marshal(mergePatch(target, patch))
	var a customer.Account
	if err := json.Unmarshal(b, &a); err != nil || a.MRR != 1<<62+1 || a.Name != "y" {
		t.Errorf("got %+v, %v", a, err)
	}
}

func TestPosition(t *testing.T) {
	t.Parallel()
	body := []byte("{\n  \"naïve\": x\n}")
	cases := []struct {
		off        int64
		line, col  int
		wantOffset int64
	}{
		{0, 1, 1, 0},
		{2, 2, 1, 2},
		{13, 2, 11, 13}, // after "naïve": the ï is two bytes, one column
		{999, 3, 2, 17},
	}
	for _, c := range cases {
		p := position(body, c.off)
		if p.Line != c.line || p.Column != c.col || p.Offset != c.wantOffset {
			t.Errorf("position(%d) = %+v, want line %d col %d offset %d", c.off, p, c.line, c.col, c.wantOffset)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	t.Parallel()
	info := infoOf(reflect.TypeFor[customer.Ticket]())
	cases := []struct {
		body   string
		code   string   // "" for success
		fields []string // fields named, in order
		msg    string   // substring of the message
	}{
		{`{"subject":"x","csat":3,"first_response_minutes":null}`, "", nil, ""},
		{` {"subject":"x"} ` + "\n", "", nil, ""},
		{`{"csat":"3"}`, CodeInvalidType, []string{"csat"}, `got string, want integer or null`},
		{`{"escalated":"yes"}`, CodeInvalidType, []string{"escalated"}, `got string, want boolean`},
		{`{"opened_at":5}`, CodeInvalidType, []string{"opened_at"}, `got number 5, want string (RFC 3339 timestamp)`},
		{`{"opened_at":"2024-02-30T00:00:00Z"}`, CodeInvalidType, []string{"opened_at"}, `RFC 3339`},
		{`{"subject":{}}`, CodeInvalidType, []string{"subject"}, `got object, want string`},
		{`{"Subject":"x"}`, CodeUnknownField, []string{"Subject"}, `unknown field "Subject"`},
		{`{"a":1,"csat":true,"b":2}`, CodeUnknownField, []string{"a", "csat", "b"}, `and 2 more`},
		{`"x"`, CodeInvalidJSON, nil, "got string"},
		{`null`, CodeInvalidJSON, nil, "got null"},
		{`{"subject":"x",}`, CodeInvalidJSON, nil, "line 1, column 16"},
		{`{"subject":"x"`, CodeInvalidJSON, nil, "unexpected end of JSON input"},
		{`{"subject":"x"}]`, CodeInvalidJSON, nil, "unexpected data after the JSON object"},
		{"{\"subject\":\"\xff\"}", "", nil, ""}, // invalid UTF-8 is replaced, as encoding/json does
	}
	for _, c := range cases {
		var tk customer.Ticket
		err := decodeObject([]byte(c.body), &tk, info, decodeOptions{})
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.body, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want a %s error", c.body, err, c.code)
			continue
		}
		if e.Code != c.code || e.Status != 400 || !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: got %s %q, want %s containing %q", c.body, e.Code, e.Message, c.code, c.msg)
		}
		var names []string
		for _, f := range e.Fields {
			names = append(names, f.Field)
		}
		if !reflect.DeepEqual(names, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.body, names, c.fields)
		}
		if e.Position == nil {
			t.Errorf("%s: no position", c.body)
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	spec := store.Spec{Name: "things", HasAttributes: true, Fields: []store.Field{
		{Name: "id", Kind: store.KindInt, Sortable: true},
		{Name: "name", Kind: store.KindText, Sortable: true},
		{Name: "mrr", Kind: store.KindMoney, Sortable: true},
		{Name: "region", Kind: store.KindText},
	}}
	q, err := parseQuery(map[string][]string{
		"name":             {"Acme"},
		"mrr[gte]":         {"100"},
		"mrr[lt]":          {"900"},
		"attributes.seats": {"3"},
		"region[ne]":       {"EMEA", "APAC"},
		"q":                {"  acme "},
		"sort":             {"-mrr"},
		"cursor":           {"abc"},
		"limit":            {"25"},
		"attributes.x[gt]": {"1"},
	}, spec)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Query{
		Filters: []store.Filter{
			{Field: "attributes.seats", Op: store.Eq, Value: "3"},
			{Field: "attributes.x", Op: store.Gt, Value: "1"},
			{Field: "mrr", Op: store.Gte, Value: "100"},
			{Field: "mrr", Op: store.Lt, Value: "900"},
			{Field: "name", Op: store.Eq, Value: "Acme"},
			{Field: "region", Op: store.Ne, Value: "EMEA"},
			{Field: "region", Op: store.Ne, Value: "APAC"},
		},
		Search: "acme", Sort: "-mrr", Cursor: "abc", Limit: 25,
	}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("got  %+v\nwant %+v", q, want)
	}

	bad := []struct {
		key, val, field string
	}{
		{"colour", "red", "colour"},
		{"mrr[like]", "1", "mrr[like]"},
		{"mrr[gt", "1", "mrr[gt"},
		{"[gt]", "1", "[gt]"},
		{"sort", "region", "sort"}, // filterable but not sortable
		{"sort", "-colour", "sort"},
		{"limit", "1001", "limit"},
		{"limit", "-5", "limit"},
		{"attributes.", "1", "attributes."},
	}
	for _, b := range bad {
		_, err := parseQuery(map[string][]string{b.key: {b.val}}, spec)
		var e *Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code != CodeInvalidQuery || len(e.Fields) != 1 || e.Fields[0].Field != b.field {
			t.Errorf("%s=%s: got %v, want a 400 naming %s", b.key, b.val, err, b.field)
		}
	}
	spec.HasAttributes = false
	if _, err := parseQuery(map[string][]string{"attributes.seats": {"1"}}, spec); err == nil {
		t.Error("attribute filters need a collection with attributes")
	}
}
