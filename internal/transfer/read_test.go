package transfer

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readAll(t *testing.T, src source) []record {
	t.Helper()
	var out []record
	for {
		rec, err := src.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// TestCSVSource checks the shapes spreadsheets save: a byte order mark,
// CRLF, quoted fields with commas and line breaks, blank lines, padded
// headers, trailing empty cells; and that every record knows the physical
// line it starts on.
func TestCSVSource(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbf id , name ,note\r\n" +
		"1,plain,x\r\n" +
		"2,\"Acme, Inc.\",\"two\r\nline\r\nnote\"\r\n" +
		"\r\n" +
		"3,after,blank\r\n" +
		"4,trailing,commas,,\r\n" +
		"5,short\r\n" +
		"6,long,x,y\r\n" +
		"7,\"quote \"\"inside\"\"\",z"
	src, err := newSource(strings.NewReader(in), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := src.header(); !reflect.DeepEqual(got, []string{"id", "name", "note"}) {
		t.Fatalf("header %q", got)
	}
	recs := readAll(t, src)
	type row struct {
		line  int
		name  string
		error string
	}
	want := []row{{2, "plain", ""}, {3, "Acme, Inc.", ""}, {7, "after", ""}, {8, "trailing", ""},
		{9, "", "has 2 fields but the header has 3"}, {10, "", "has 4 fields"}, {11, `quote "inside"`, ""}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		r := recs[i]
		if r.line != w.line {
			t.Errorf("record %d: line %d, want %d", i, r.line, w.line)
		}
		if w.error != "" {
			if r.err == nil || !strings.Contains(r.err.Error(), w.error) {
				t.Errorf("record %d: error %v, want %q", i, r.err, w.error)
			}
			continue
		}
		if r.err != nil {
			t.Errorf("record %d: %v", i, r.err)
			continue
		}
		if r.cells[1].text != w.name {
			t.Errorf("record %d: name %q, want %q", i, r.cells[1].text, w.name)
		}
	}
	if recs[1].cells[2].text != "two\nline\nnote" {
		t.Errorf("embedded newlines: %q", recs[1].cells[2].text)
	}
	if got := src.read(); got != int64(len(in)) {
		t.Errorf("read %d bytes, want %d", got, len(in))
	}
}

// TestQuoteMistakes: a bad quote rejects its row, with a line number and a
// hint, and the rows after it are still read.
func TestQuoteMistakes(t *testing.T) {
	t.Parallel()
	in := "id,name\n1,ok\n2,12\" screen\n3,\"closed\"junk\n4,fine\n5,\"oops\n6,swallowed\n7,too\n"
	src, err := newSource(strings.NewReader(in), "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	want := []struct {
		line int
		err  string
	}{{2, ""}, {3, "does not start with one"}, {4, "stray"}, {5, ""}, {6, "never closed: it runs on to line 8"}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		r := recs[i]
		if r.line != w.line || (w.err == "") != (r.err == nil) || r.err != nil && !strings.Contains(r.err.Error(), w.err) {
			t.Errorf("record %d: line %d err %v, want line %d err %q", i, r.line, r.err, w.line, w.err)
		}
	}
}

func TestTSVSource(t *testing.T) {
	t.Parallel()
	src, err := newSource(strings.NewReader("name\tindustry\nAcme, Inc.\tFinTech\n"), "tsv")
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	if len(recs) != 1 || recs[0].cells[0].text != "Acme, Inc." || recs[0].cells[1].text != "FinTech" {
		t.Errorf("records %+v", recs)
	}
}

func TestEmptyCSV(t *testing.T) {
	t.Parallel()
	if _, err := newSource(strings.NewReader("\xef\xbb\xbf"), "csv"); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("err = %v, want the file is empty", err)
	}
}

func TestJSONSource(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbf{\"name\":\"Acme\",\"employees\":12,\"attributes\":{\"seats\":3,\"vip\":true},\"roles\":[\"a\",\"b\"],\"gone\":null}\r\n" +
		"\n" +
		"{not json}\n" +
		"{\"x\":{\"nested\":1}}\n" +
		"{\"name\":\"last\"}"
	src, err := newSource(strings.NewReader(in), "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	r := recs[0]
	if r.line != 1 || r.err != nil {
		t.Fatalf("first record: line %d, err %v", r.line, r.err)
	}
	got := map[string]cell{}
	for i, n := range r.names {
		got[n] = r.cells[i]
	}
	want := map[string]cell{
		"name": {text: "Acme"}, "employees": {text: "12", jsonNum: true},
		"attributes.seats": {text: "3", jsonNum: true}, "attributes.vip": {text: "true"},
		"roles": {isList: true, list: []string{"a", "b"}}, "gone": {},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells\n got %+v\nwant %+v", got, want)
	}
	if recs[1].line != 3 || recs[1].err == nil || !strings.Contains(recs[1].err.Error(), "not a JSON object") {
		t.Errorf("bad JSON: line %d, err %v", recs[1].line, recs[1].err)
	}
	if recs[2].line != 4 || recs[2].err == nil || !strings.Contains(recs[2].err.Error(), "nested object") {
		t.Errorf("nested: line %d, err %v", recs[2].line, recs[2].err)
	}
	if recs[3].line != 5 || recs[3].cells[0].text != "last" {
		t.Errorf("last line without newline: %+v", recs[3])
	}
}

func TestJSONArrayRefused(t *testing.T) {
	t.Parallel()
	src, _ := newSource(strings.NewReader("[{\"name\":\"a\"}]\n"), "json")
	if _, err := src.next(); err == nil || !strings.Contains(err.Error(), "JSON array") {
		t.Errorf("err = %v, want a hint about JSON lines", err)
	}
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"a.csv": CSV, "A.CSV": CSV, "b.jsonl": JSONLines, "c.ndjson": JSONLines, "d.json": JSONLines, "e.tsv": "tsv"} {
		if got, err := FormatOf(name); err != nil || got != want {
			t.Errorf("FormatOf(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := FormatOf("x.xlsx"); err == nil {
		t.Error("FormatOf(x.xlsx) succeeded")
	}
}

// TestDryRun runs the whole pipeline without a store: conversion, Check,
// and precise messages for bad rows.
func TestDryRun(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbfsubscription_id,account_id,start_date,end_date,plan_tier,seats,mrr_amount,is_trial,billing_frequency,notes\r\n" +
		"S-1,A-1,2024-01-01,,Pro,3,\"1,200.50\",FALSE,monthly,\"multi\r\nline\"\r\n" +
		"S-2,A-1,2024-01-01,,Pro,3,12x,FALSE,monthly,\r\n" +
		"S-3,A-1,not a date,,Pro,3,10,maybe,monthly,\r\n" +
		"S-4,,2024-01-01,,Pro,3,10,TRUE,monthly,\r\n" +
		"S-5,A-1,2024-02-01,2024-01-01,Pro,3,10,TRUE,fortnightly,\r\n"
	o, _ := Lookup("subscriptions")
	var seen []Reject
	rep, err := o.Import(context.Background(), nil, strings.NewReader(in), Options{
		Format: "csv", DryRun: true,
		Map:      []string{"account_id=account_external_id"},
		Set:      []string{"product=RavenStack"},
		OnReject: func(r Reject) error { seen = append(seen, r); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 5 || rep.Valid != 1 || rep.Rejected != 4 {
		t.Errorf("rows %d valid %d rejected %d, want 5 1 4", rep.Rows, rep.Valid, rep.Rejected)
	}
	want := []string{
		`line 4, column "mrr_amount": "12x" is not an amount`,
		`line 5, column "start_date": "not a date" is not a date (want YYYY-MM-DD); column "is_trial": "maybe" is not a boolean (want true/false, yes/no or 1/0)`,
		`line 6, column "account_id": is required (or give account_external_id)`,
		`line 7, column "billing_frequency": "fortnightly" is not one of monthly, quarterly, annual, multi_year; column "end_date": 2024-01-01 is before start_on 2024-02-01`,
	}
	if len(seen) != len(want) {
		t.Fatalf("%d rejects, want %d: %v", len(seen), len(want), seen)
	}
	for i, w := range want {
		if got := seen[i].Error(); got != w {
			t.Errorf("reject %d:\n got %s\nwant %s", i, got, w)
		}
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0].Column != "notes" {
		t.Errorf("ignored %+v, want notes", rep.Ignored)
	}
	if !reflect.DeepEqual(seen[0].Record[:3], []string{"S-2", "A-1", "2024-01-01"}) {
		t.Errorf("record %q", seen[0].Record)
	}
}

func TestUnusedMap(t *testing.T) {
	t.Parallel()
	o, _ := Lookup("accounts")
	_, err := o.Import(context.Background(), nil, strings.NewReader("name\nAcme\n"), Options{Format: "csv", DryRun: true, Map: []string{"Nmae=name"}})
	if err == nil || !strings.Contains(err.Error(), `"Nmae"`) {
		t.Errorf("err = %v, want a complaint about Nmae", err)
	}
}

func TestRejectError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r    Reject
		want string
	}{
		{Reject{Line: 14, Problems: []Problem{{`column "mrr_amount"`, `"12,3x" is not an amount`}}}, `line 14, column "mrr_amount": "12,3x" is not an amount`},
		{Reject{Line: 3, Problems: []Problem{{"", "has 2 fields"}}}, `line 3: has 2 fields`},
		{Reject{Line: 5, Problems: []Problem{{`column "a"`, "x"}, {`field "b"`, "y"}}}, `line 5, column "a": x; field "b": y`},
	} {
		if got := tt.r.Error(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestBar(t *testing.T) {
	t.Parallel()
	b := NewBar(io.Discard)
	got := b.line(Progress{Rows: 500, Bytes: 50, Size: 100, Elapsed: 2e9})
	if !strings.Contains(got, " 50%") || !strings.Contains(got, "500 rows") || !strings.Contains(got, "250 rows/s") || !strings.Contains(got, "[###############---------------]") {
		t.Errorf("line = %q", got)
	}
	if got := b.line(Progress{Rows: 10, Elapsed: 1e9}); got != "10 rows  10 rows/s" {
		t.Errorf("line without size = %q", got)
	}
}
