package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// FuzzDecodeObject feeds arbitrary bytes to the API's body decoder, as a
// POST, PUT or PATCH body for an account. Whatever comes in, the decoder
// neither panics nor fails with anything but a 400 in the API's shape; and
// a body it accepts survives every later step of a merge patch (re-read
// generically, merged, re-encoded, decoded again), which is where nesting
// just under the JSON decoder's own limit once became a 500.
//
// Run as a test it checks the seeds; `go test -fuzz FuzzDecodeObject
// ./internal/api/` explores (CI runs it for a bounded time).
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		`{"name":"Acme","employees":12,"attributes":{"seats":3}}`,
		`{"name":"Acme","customer_since":"2024-01-01","csm_email":"a@b.test"}`,
		`{"name":1,"employees":"x","nmae":"y"}`,
		`{"attributes":{"a":{"b":[1,2,{"c":null}]}}}`,
		`[{"name":"Acme"}]`,
		`{"name":"A"} {"name":"B"}`,
		`{"name":"\u0000"}`,
		`{"name":"` + strings.Repeat("[{", 40) + `"}`,
		`{"attributes":` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}`,
		`{"employees":1e400}`,
		`{"mrr":9223372036854775808}`,
		"",
		"{",
		`{"name":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	info := infoOf(reflect.TypeFor[customer.Account]())
	f.Fuzz(func(t *testing.T, body []byte) {
		var a customer.Account
		err := decodeObject(body, &a, info, decodeOptions{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Message == "" {
				t.Fatalf("decodeObject(%q) = %v, want a 400 *Error", body, err)
			}
			return
		}
		// Accepted: the merge patch's later steps must accept it too.
		patch, err := parseGeneric(body)
		if err != nil {
			t.Fatalf("accepted body %q cannot be re-read: %v", body, err)
		}
		doc, err := toGeneric(customer.Account{ID: 1, Name: "Stored"})
		if err != nil {
			t.Fatal(err)
		}
		merged, err := json.Marshal(mergePatch(doc, patch))
		if err != nil {
			t.Fatalf("merging accepted body %q: %v", body, err)
		}
		var b customer.Account
		if err := decodeObject(merged, &b, info, decodeOptions{noPositions: true}); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				t.Fatalf("decoding the merge of accepted body %q: %v", body, err)
			}
		}
	})
}

// FuzzParseQuery feeds arbitrary query strings to a list's parser: it
// never panics, and refuses what it refuses with a 400 naming a parameter.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"name=Acme&mrr[gte]=100&sort=-mrr&limit=25&cursor=abc",
		"q=" + strings.Repeat("x", 201),
		"attributes.seats[gt]=3&region[ne]=EMEA&region[ne]=APAC",
		"mrr[like]=1&[gt]=1&sort=colour&limit=-5",
		"q=%00&sort=&limit=",
		"%zz=1",
	} {
		f.Add(s)
	}
	spec := store.Spec{Name: "things", HasAttributes: true, Fields: []store.Field{
		{Name: "id", Kind: store.KindInt, Sortable: true},
		{Name: "name", Kind: store.KindText, Sortable: true},
		{Name: "mrr", Kind: store.KindMoney, Sortable: true},
		{Name: "region", Kind: store.KindText},
	}}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // the server answers an unreadable query before here
		}
		q, err := parseQuery(v, spec)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || len(e.Fields) == 0 {
				t.Fatalf("parseQuery(%q) = %v, want a 400 naming a parameter", raw, err)
			}
			return
		}
		if n := len([]rune(q.Search)); n > store.MaxSearchLen {
			t.Fatalf("parseQuery(%q) accepted a search of %d characters", raw, n)
		}
	})
}
