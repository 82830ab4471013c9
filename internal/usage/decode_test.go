package usage

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/publicdata"
)

// fixtureDir is the folder of golden /v1/batch bodies sent by Segment's Go
// library, a public data set outside the repository; the test skips when it
// is absent (see package publicdata).
func fixtureDir(t testing.TB) string {
	t.Helper()
	return publicdata.Dir(t, "segment-go-fixtures")
}

var received = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	if got == nil && want == "" {
		return true
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("invalid JSON in test %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

const goLibContext = `{"library":{"name":"analytics-go","version":"3.0.0"}}`
const downloadProps = `{"application":"Segment Desktop","platform":"osx","version":"1.1.0"}`

var fixtureTime = time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC)

func TestFixturesDecode(t *testing.T) {
	t.Parallel()
	type want struct {
		typ                               Type
		messageID, userID, event, name    string
		groupID, previousID               string
		context, properties, integrations string
		original                          time.Time
		timestamp                         time.Time
	}
	track := want{typ: TypeTrack, messageID: "I'm unique", userID: "123456", event: "Download",
		properties: downloadProps, original: fixtureTime, timestamp: received}
	tests := []struct {
		file string
		want []want
	}{
		{"test-context-track.json", []want{func() want { w := track; w.context = `{"whatever":"here"}`; return w }()}},
		{"test-enqueue-alias.json", []want{{typ: TypeAlias, messageID: "I'm unique", userID: "B", previousID: "A", original: fixtureTime, timestamp: received}}},
		{"test-enqueue-group.json", []want{{typ: TypeGroup, messageID: "I'm unique", userID: "B", groupID: "A", original: fixtureTime, timestamp: received}}},
		{"test-enqueue-identify.json", []want{{typ: TypeIdentify, messageID: "I'm unique", userID: "B", original: fixtureTime, timestamp: received}}},
		{"test-enqueue-page.json", []want{{typ: TypePage, messageID: "I'm unique", userID: "B", name: "A", original: fixtureTime, timestamp: received}}},
		{"test-enqueue-screen.json", []want{{typ: TypeScreen, messageID: "I'm unique", userID: "B", name: "A", original: fixtureTime, timestamp: received}}},
		{"test-enqueue-track.json", []want{track}},
		{"test-integrations-track.json", []want{func() want {
			w := track
			w.integrations = `{"All":true,"Intercom":false,"Mixpanel":true}`
			return w
		}()}},
		{"test-interval-track.json", []want{track}},
		{"test-many-track.json", func() []want {
			var ws []want
			for _, v := range []string{"0", "1", "2"} {
				w := track
				w.properties = `{"application":"Segment Desktop","version":` + v + `}`
				ws = append(ws, w)
			}
			return ws
		}()},
		{"test-messageid-track.json", []want{func() want { w := track; w.messageID = "abc"; return w }()}},
		// timestamp (2015) is later than the library's sentAt (2009): the
		// corrected time would be six years after receipt, so it is clamped.
		{"test-timestamp-track.json", []want{func() want {
			w := track
			w.original = time.Date(2015, 7, 10, 23, 0, 0, 0, time.UTC)
			return w
		}()}},
	}
	files, _ := filepath.Glob(filepath.Join(fixtureDir(t), "*.json"))
	if len(files) != len(tests) {
		t.Errorf("%d fixture files, %d tested: every fixture must be covered", len(files), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			b, err := DecodeBatch(readFixture(t, tc.file), DecodeOptions{ReceivedAt: received})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Rejected) != 0 {
				t.Fatalf("rejected: %+v", b.Rejected)
			}
			if len(b.Messages) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(b.Messages), len(tc.want))
			}
			if !b.SentAt.Equal(fixtureTime) || b.WriteKey != "" || !sameJSON(t, b.Context, goLibContext) {
				t.Errorf("envelope: sentAt %v writeKey %q context %s", b.SentAt, b.WriteKey, b.Context)
			}
			for i, w := range tc.want {
				m := &b.Messages[i]
				got := want{m.Type, m.MessageID, m.UserID, m.Event, m.Name, m.GroupID, m.PreviousID,
					"", "", "", m.OriginalTimestamp, m.Timestamp}
				w2 := w
				w2.context, w2.properties, w2.integrations = "", "", ""
				if !reflect.DeepEqual(got, w2) {
					t.Errorf("message %d:\n got %+v\nwant %+v", i, got, w2)
				}
				if !sameJSON(t, m.Context, w.context) || !sameJSON(t, m.Properties, w.properties) ||
					!sameJSON(t, m.Integrations, w.integrations) {
					t.Errorf("message %d raw: context %s properties %s integrations %s", i, m.Context, m.Properties, m.Integrations)
				}
				if m.Index != i || !m.SentAt.Equal(fixtureTime) || !m.ReceivedAt.Equal(received) ||
					m.AnonymousID != "" || m.Traits != nil || m.MessageIDDerived {
					t.Errorf("message %d: %+v", i, m)
				}
				if !sameJSON(t, m.BatchContext, goLibContext) || !json.Valid(m.Raw) {
					t.Errorf("message %d: batch context %s raw %s", i, m.BatchContext, m.Raw)
				}
			}
		})
	}
}

// TestFixturesLand follows every fixture through routing: usage messages
// become events, group and alias calls links, and the three messages of
// test-many-track.json, which share one messageId, count once.
func TestFixturesLand(t *testing.T) {
	t.Parallel()
	cat := mustCatalog(t, FeatureConfig{Features: []FeatureDef{{Key: "download", Events: []string{"Download"}}}})
	dd, err := NewDedupe(DedupeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := fixtureDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no golden fixtures found in " + dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		b, err := DecodeBatch(readFixture(t, name), DecodeOptions{ReceivedAt: received})
		if err != nil {
			t.Fatal(name, err)
		}
		l, _ := NewLinker(LinkConfig{})
		l.AccountCreated("A", "acct-A", received)
		s := dd.Check("key-"+name, b.Messages, received)
		var fresh []Message
		for _, i := range s.Fresh {
			fresh = append(fresh, b.Messages[i])
		}
		r := l.Route("key-"+name, fresh, cat)
		switch {
		case name == "test-many-track.json":
			if len(s.Fresh) != 1 || len(s.Duplicates) != 2 || len(r.Events) != 1 {
				t.Errorf("%s: fresh %v duplicates %v events %d", name, s.Fresh, s.Duplicates, len(r.Events))
			}
		case strings.HasSuffix(name, "-track.json"):
			if len(r.Events) != 1 || r.Events[0].Name != "Download" || r.Events[0].User != "123456" ||
				!r.Events[0].Features.Has(0) || !r.Events[0].Time.Equal(received) {
				t.Errorf("%s: events %+v", name, r.Events)
			}
		case name == "test-enqueue-group.json":
			if len(r.Links) != 1 || r.Links[0] != (Link{Identity: "B", GroupID: "A", At: received, MessageID: "I'm unique"}) {
				t.Errorf("%s: links %+v", name, r.Links)
			}
			l.Commit(&r, received)
			if a, ok := l.Dir.Account("B"); !ok || a != "acct-A" {
				t.Errorf("%s: user B is in %q, want acct-A", name, a)
			}
		case name == "test-enqueue-alias.json":
			if len(r.Aliases) != 1 || r.Aliases[0].PreviousID != "A" || r.Aliases[0].UserID != "B" {
				t.Errorf("%s: aliases %+v", name, r.Aliases)
			}
		case name == "test-enqueue-page.json", name == "test-enqueue-screen.json":
			if len(r.Events) != 1 || r.Events[0].Name != "A" || r.Events[0].Account != "" {
				t.Errorf("%s: events %+v", name, r.Events)
			}
		case name == "test-enqueue-identify.json":
			if len(r.Events)+len(r.Links)+len(r.Contacts) != 0 {
				t.Errorf("%s: an identify without traits routes nothing: %+v", name, r)
			}
		default:
			t.Errorf("fixture %s has no expectation here", name)
		}
	}
}

func mustCatalog(t testing.TB, c FeatureConfig) *Catalog {
	t.Helper()
	cat, err := c.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// batchOf wraps message texts in a batch envelope.
func batchOf(msgs ...string) []byte {
	return []byte(`{"batch":[` + strings.Join(msgs, ",") + `],"sentAt":"2026-03-14T15:09:26Z"}`)
}

func TestBadMessages(t *testing.T) {
	t.Parallel()
	good := `{"type":"track","userId":"u1","event":"Good","messageId":"g"}`
	tests := []struct {
		name   string
		msg    string
		reason Reason
		detail string
	}{
		{"unknown type", `{"type":"purchase","userId":"u"}`, ReasonUnknownType, `unknown type "purchase"`},
		{"missing type", `{"userId":"u","event":"E"}`, ReasonMissingType, `missing "type"`},
		{"empty type", `{"type":"","userId":"u","event":"E"}`, ReasonMissingType, `missing "type"`},
		{"type not a string", `{"type":1,"userId":"u","event":"E"}`, ReasonBadField, `"type" must be a string`},
		{"no identity", `{"type":"track","event":"E"}`, ReasonMissingIdentity, `"userId" and "anonymousId"`},
		{"empty identity", `{"type":"page","userId":"","anonymousId":null}`, ReasonMissingIdentity, `"userId"`},
		{"track without event", `{"type":"track","userId":"u"}`, ReasonMissingEvent, `without "event"`},
		{"track with empty event", `{"type":"track","userId":"u","event":""}`, ReasonMissingEvent, `without "event"`},
		{"group without groupId", `{"type":"group","userId":"u"}`, ReasonMissingGroupID, `without "groupId"`},
		{"alias without previousId", `{"type":"alias","userId":"u"}`, ReasonMissingPrevious, `without "previousId"`},
		{"bad timestamp", `{"type":"track","userId":"u","event":"E","timestamp":"yesterday"}`, ReasonBadTimestamp, `"timestamp" "yesterday"`},
		{"bad sentAt", `{"type":"track","userId":"u","event":"E","sentAt":"2026-13-01T00:00:00Z"}`, ReasonBadTimestamp, `"sentAt"`},
		{"bad originalTimestamp", `{"type":"track","userId":"u","event":"E","originalTimestamp":"2026-02-30"}`, ReasonBadTimestamp, `"originalTimestamp"`},
		{"timestamp a number", `{"type":"track","userId":"u","event":"E","timestamp":1700000000}`, ReasonBadField, `"timestamp" must be a string`},
		{"properties an array", `{"type":"track","userId":"u","event":"E","properties":[1]}`, ReasonBadField, `"properties" must be an object, not an array`},
		{"traits a string", `{"type":"identify","userId":"u","traits":"x"}`, ReasonBadField, `"traits" must be an object`},
		{"context a number", `{"type":"identify","userId":"u","context":3}`, ReasonBadField, `"context" must be an object`},
		{"event an object", `{"type":"track","userId":"u","event":{}}`, ReasonBadField, `"event" must be a string`},
		{"userId an object", `{"type":"track","userId":{"id":1},"event":"E"}`, ReasonBadField, `"userId" must be a string or a number`},
		{"not an object", `42`, ReasonNotObject, "message is a number"},
		{"a string", `"track"`, ReasonNotObject, "message is a string"},
		{"null", `null`, ReasonNotObject, "message is null"},
		{"invalid UTF-8", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"caf\xe9\"}", ReasonInvalidUTF8, "not valid UTF-8"},
		{"messageId too long", `{"type":"track","userId":"u","event":"E","messageId":"` + strings.Repeat("x", MaxMessageIDBytes+1) + `"}`,
			ReasonMessageIDTooLong, "1025 bytes"},
		{"too large", `{"type":"track","userId":"u","event":"E","properties":{"pad":"` + strings.Repeat("x", MaxMessageBytes) + `"}}`,
			ReasonTooLarge, "the limit is 32768 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := DecodeBatch(batchOf(good, tc.msg, good), DecodeOptions{ReceivedAt: received})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Messages) != 2 || b.Messages[0].Index != 0 || b.Messages[1].Index != 2 ||
				b.Messages[1].Event != "Good" {
				t.Fatalf("good messages: %+v", b.Messages)
			}
			if len(b.Rejected) != 1 {
				t.Fatalf("rejected: %+v", b.Rejected)
			}
			r := b.Rejected[0]
			if r.Index != 1 || r.Reason != tc.reason || !strings.Contains(r.Detail, tc.detail) || r.Bytes != len(tc.msg) {
				t.Errorf("got %+v (detail %q), want index 1 reason %s detail containing %q", r, r.Detail, tc.reason, tc.detail)
			}
		})
	}
}

func TestRejectionKeepsWhatItCanRead(t *testing.T) {
	t.Parallel()
	b, err := DecodeBatch(batchOf(`{"type":"track","userId":"u","messageId":"m-1"}`), DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.Rejected[0]; r.MessageID != "m-1" || r.Type != "track" || b.Total() != 1 {
		t.Errorf("%+v", r)
	}
}

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		kind   error
		detail string
	}{
		{"empty", ``, ErrMalformedJSON, "unexpected end"},
		{"truncated", `{"batch":[{"type":"track"`, ErrMalformedJSON, "byte"},
		{"trailing comma", `{"batch":[],}`, ErrMalformedJSON, "expected a string key"},
		{"garbage after", `{"batch":[]} x`, ErrMalformedJSON, "after the top-level value"},
		{"bad message syntax", `{"batch":[{"type":"track",}]}`, ErrMalformedJSON, "byte 26: expected a string key"},
		{"single quotes", `{'batch':[]}`, ErrMalformedJSON, ""},
		{"bad escape", `{"batch":[],"writeKey":"a\q"}`, ErrMalformedJSON, "bad escape"},
		{"control char", "{\"batch\":[],\"writeKey\":\"a\nb\"}", ErrMalformedJSON, "control character"},
		{"bad number", `{"batch":[],"x":01}`, ErrMalformedJSON, ""},
		{"array body", `[{"type":"track"}]`, ErrNotObject, "an array"},
		{"string body", `"hello"`, ErrNotObject, "a string"},
		{"no batch", `{"sentAt":"2026-01-01T00:00:00Z"}`, ErrNoBatch, `no "batch"`},
		{"batch object", `{"batch":{"type":"track"}}`, ErrNoBatch, `"batch" is an object`},
		{"batch null", `{"batch":null}`, ErrNoBatch, `null`},
		{"bad sentAt", `{"batch":[],"sentAt":"now"}`, ErrBadEnvelope, `"sentAt" "now"`},
		{"sentAt number", `{"batch":[],"sentAt":5}`, ErrBadEnvelope, `"sentAt" must be`},
		{"context array", `{"batch":[],"context":[]}`, ErrBadEnvelope, `"context" is an array`},
		{"envelope bad UTF-8", "{\"batch\":[],\"writeKey\":\"\xff\"}", ErrMalformedJSON, "UTF-8"},
		{"deep", `{"batch":[],"x":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`, ErrMalformedJSON, "nested too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := DecodeBatch([]byte(tc.body), DecodeOptions{ReceivedAt: received})
			var be *BodyError
			if !errors.As(err, &be) || !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("got %v (%+v), want %v containing %q", err, b, tc.kind, tc.detail)
			}
		})
	}
}

func TestEmptyBatch(t *testing.T) {
	t.Parallel()
	b, err := DecodeBatch([]byte(` {"batch":[], "writeKey":"wk"} `), DecodeOptions{ReceivedAt: received})
	if err != nil || len(b.Messages) != 0 || b.WriteKey != "wk" {
		t.Fatalf("%v %+v", err, b)
	}
}

// padMessage builds a valid track message of exactly n bytes.
func padMessage(t *testing.T, n int) string {
	t.Helper()
	head, tail := `{"type":"track","userId":"u","event":"E","properties":{"pad":"`, `"}}`
	m := head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	if len(m) != n {
		t.Fatalf("built %d bytes, want %d", len(m), n)
	}
	return m
}

func TestMessageSizeLimitIsExact(t *testing.T) {
	t.Parallel()
	if MaxMessageBytes != 32768 || MaxBatchBytes != 512000 {
		t.Fatalf("limits changed: %d %d", MaxMessageBytes, MaxBatchBytes)
	}
	b, err := DecodeBatch(batchOf(padMessage(t, MaxMessageBytes), padMessage(t, MaxMessageBytes+1)), DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 1 || b.Messages[0].Index != 0 || len(b.Messages[0].Raw) != MaxMessageBytes {
		t.Errorf("a message of exactly %d bytes must pass: %d messages", MaxMessageBytes, len(b.Messages))
	}
	if len(b.Rejected) != 1 || b.Rejected[0].Index != 1 || b.Rejected[0].Reason != ReasonTooLarge ||
		b.Rejected[0].Bytes != MaxMessageBytes+1 {
		t.Errorf("a message of %d bytes must be refused: %+v", MaxMessageBytes+1, b.Rejected)
	}

	// Single-message endpoints: the body is the message.
	if _, err := DecodeMessage([]byte(padMessage(t, MaxMessageBytes)), TypeTrack, DecodeOptions{ReceivedAt: received}); err != nil {
		t.Errorf("single message of exactly the limit: %v", err)
	}
	if _, err := DecodeMessage([]byte(padMessage(t, MaxMessageBytes+1)), TypeTrack, DecodeOptions{ReceivedAt: received}); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("single message over the limit: %v", err)
	}
}

func TestBatchSizeLimitIsExact(t *testing.T) {
	t.Parallel()
	msgs := make([]string, 15)
	for i := range msgs {
		msgs[i] = padMessage(t, 32000)
	}
	base := batchOf(msgs...)
	exact := append(append([]byte{}, base...), strings.Repeat(" ", MaxBatchBytes-len(base))...)
	b, err := DecodeBatch(exact, DecodeOptions{ReceivedAt: received})
	if err != nil || len(b.Messages) != 15 {
		t.Fatalf("a body of exactly %d bytes must pass: %v", MaxBatchBytes, err)
	}
	_, err = DecodeBatch(append(exact, ' '), DecodeOptions{ReceivedAt: received})
	if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), "512001 bytes") {
		t.Fatalf("a body of %d bytes must be refused: %v", MaxBatchBytes+1, err)
	}
	// Limits can be lowered (or raised) per deployment.
	if _, err := DecodeBatch(exact, DecodeOptions{ReceivedAt: received, MaxBatchBytes: 1000}); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("custom limit: %v", err)
	}
}

func TestDecodeMessageEndpoints(t *testing.T) {
	t.Parallel()
	body := `{"userId":"019mr8mf4r","event":"Item Purchased","properties":{"revenue":14.99},
		"context":{"ip":"24.5.68.47","groupId":"acme"},"timestamp":"2012-12-02T00:30:12.984Z","writeKey":"YOUR_WRITE_KEY"}`
	b, err := DecodeMessage([]byte(body), TypeTrack, DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	m := b.Messages[0]
	if b.WriteKey != "YOUR_WRITE_KEY" || m.Type != TypeTrack || m.Event != "Item Purchased" || m.ContextGroupID != "acme" ||
		!m.Timestamp.Equal(time.Date(2012, 12, 2, 0, 30, 12, 984e6, time.UTC)) || !m.MessageIDDerived {
		t.Errorf("%+v", m)
	}
	// The endpoint decides the type, whatever the body says.
	b, err = DecodeMessage([]byte(`{"type":"identify","userId":"u","event":"E"}`), TypeTrack, DecodeOptions{ReceivedAt: received})
	if err != nil || b.Messages[0].Type != TypeTrack {
		t.Errorf("%v %+v", err, b)
	}
	// A bad message is a rejection, not an error: Segment answers 200.
	b, err = DecodeMessage([]byte(`{"userId":"u"}`), TypeGroup, DecodeOptions{ReceivedAt: received})
	if err != nil || len(b.Messages) != 0 || len(b.Rejected) != 1 || b.Rejected[0].Reason != ReasonMissingGroupID || b.Rejected[0].Type != "group" {
		t.Errorf("%v %+v", err, b)
	}
	for _, tc := range []struct {
		body string
		kind error
	}{{`[]`, ErrNotObject}, {`{"userId":`, ErrMalformedJSON}} {
		if _, err := DecodeMessage([]byte(tc.body), TypeTrack, DecodeOptions{ReceivedAt: received}); !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v", tc.body, err)
		}
	}
}

func TestDecodeFieldForms(t *testing.T) {
	t.Parallel()
	b, err := DecodeBatch([]byte(`{
		"writeKey": "wk",
		"context": {"groupId": "g-batch", "device": {"type": "phone"}},
		"integrations": {"All": false},
		"batch": [
			{"type":"identify","userId":12345,"anonymousId":"anon-1","traits":{"email":"a@b.c"},"messageId":"m1"},
			{"type":"track","anonymousId":"anon-2","event":"caf\u00e9 \ud83d\ude00 \"q\"","messageId":"m2","context":{"groupId":"g-own","ip":"1.2.3.4"},
			 "properties":null,"extra":{"deep":[1,2,{"x":true}]}},
			{"type":"page","userId":"u","name":null,"category":"Docs","properties":{"path":"/a"},"messageId":"m3"}
		]}`), DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 3 {
		t.Fatalf("%+v", b.Rejected)
	}
	m0, m1, m2 := b.Messages[0], b.Messages[1], b.Messages[2]
	if m0.UserID != "12345" || m0.AnonymousID != "anon-1" || !sameJSON(t, m0.Traits, `{"email":"a@b.c"}`) || m0.ContextGroupID != "g-batch" {
		t.Errorf("m0 %+v", m0)
	}
	if m1.Event != "café 😀 \"q\"" || m1.ContextGroupID != "g-own" || m1.Properties != nil || m1.Identity() != "anon-2" {
		t.Errorf("m1 %+v", m1)
	}
	if m2.Name != "" || m2.Category != "Docs" || !m2.Timestamp.Equal(received) {
		t.Errorf("m2 %+v", m2)
	}
	if !sameJSON(t, m1.MergedContext(), `{"groupId":"g-own","ip":"1.2.3.4","device":{"type":"phone"}}`) {
		t.Errorf("merged context %s", m1.MergedContext())
	}
	if !sameJSON(t, m0.MergedContext(), `{"groupId":"g-batch","device":{"type":"phone"}}`) {
		t.Errorf("merged context without own %s", m0.MergedContext())
	}
	if !sameJSON(t, b.Integrations, `{"All":false}`) || b.WriteKey != "wk" {
		t.Errorf("envelope %+v", b)
	}
}

func TestDecodeDoesNotAliasBody(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "test-context-track.json")
	b, err := DecodeBatch(body, DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'X'
	}
	m := b.Messages[0]
	if m.Event != "Download" || !sameJSON(t, m.Properties, downloadProps) {
		t.Errorf("decoded message changed with the body: %+v", m)
	}
	// Appending to a raw field must not write into its neighbours.
	_ = append(m.Context, "garbage"...)
	if !sameJSON(t, m.Raw, string(m.Raw)) || !json.Valid(m.Raw) {
		t.Errorf("raw damaged: %s", m.Raw)
	}
}

// TestRetainedBody: with the body handed over, raw fields slice it, but
// string fields are still the decoder's own.
func TestRetainedBody(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "test-context-track.json")
	b, err := DecodeBatch(body, DecodeOptions{ReceivedAt: received, Retain: true})
	if err != nil {
		t.Fatal(err)
	}
	m := b.Messages[0]
	if len(m.Raw) == 0 || &m.Raw[0] != &body[bytes.Index(body, m.Raw)] {
		t.Fatal("Raw does not slice the retained body")
	}
	for i := range body {
		body[i] = 'X'
	}
	if m.Event != "Download" || m.UserID != "123456" || m.MessageID != "I'm unique" {
		t.Errorf("strings alias the body: %+v", m)
	}
}

func TestDerivedMessageID(t *testing.T) {
	t.Parallel()
	msg := `{"type":"track","userId":"u","event":"E","timestamp":"2026-01-01T00:00:00Z"}`
	a, _ := DecodeBatch(batchOf(msg), DecodeOptions{ReceivedAt: received})
	b, _ := DecodeBatch(batchOf(msg), DecodeOptions{ReceivedAt: received.Add(time.Hour)})
	c, _ := DecodeBatch(batchOf(strings.Replace(msg, `"E"`, `"F"`, 1)), DecodeOptions{ReceivedAt: received})
	ida, idb, idc := a.Messages[0].MessageID, b.Messages[0].MessageID, c.Messages[0].MessageID
	if ida != idb || ida == idc || !strings.HasPrefix(ida, "tend-") || len(ida) != 37 {
		t.Errorf("derived ids: a retry must get the same id, another message another: %q %q %q", ida, idb, idc)
	}
}

func TestDecodeBatchIntoReuses(t *testing.T) {
	t.Parallel()
	var b Batch
	for i := 0; i < 3; i++ {
		if err := DecodeBatchInto(&b, readFixture(t, "test-many-track.json"), DecodeOptions{ReceivedAt: received}); err != nil {
			t.Fatal(err)
		}
		if len(b.Messages) != 3 || len(b.Rejected) != 0 {
			t.Fatalf("round %d: %d messages", i, len(b.Messages))
		}
	}
}

func TestDecodeNeedsReceivedAt(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic without ReceivedAt")
		}
	}()
	_, _ = DecodeBatch([]byte(`{"batch":[]}`), DecodeOptions{})
}

// FuzzDecodeBatch holds the decoder to encoding/json: a body encoding/json
// finds invalid is always a malformed-JSON error; a valid one never is
// (short of bad UTF-8 in the envelope); and nothing panics.
func FuzzDecodeBatch(f *testing.F) {
	if dir, err := publicdata.Find("segment-go-fixtures"); err == nil { // seeds when present; the fuzzing runs without them
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Add([]byte(`{"batch":[{"type":"track","userId":1,"event":"e\u00e9","properties":{"a":[1.5e3,-0,true,null]}}]}`))
	f.Add([]byte(`{"batch":[1,"x",{}],"context":{"groupId":7}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := DecodeBatch(body, DecodeOptions{ReceivedAt: received})
		valid := json.Valid(body)
		if !valid && !errors.Is(err, ErrMalformedJSON) && !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("invalid JSON accepted: %v", err)
		}
		if valid && errors.Is(err, ErrMalformedJSON) && !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("valid JSON refused: %v", err)
		}
		if err == nil {
			for _, m := range b.Messages {
				if !json.Valid(m.Raw) || m.MessageID == "" || m.Identity() == "" || m.Timestamp.IsZero() {
					t.Fatalf("bad message %+v", m)
				}
			}
		}
		// Handing the body over changes where raw bytes live, nothing else.
		kept := append([]byte(nil), body...)
		b2, err2 := DecodeBatch(kept, DecodeOptions{ReceivedAt: received, Retain: true})
		if (err == nil) != (err2 == nil) || err == nil && !reflect.DeepEqual(b, b2) {
			t.Fatalf("Retain changed the result: %v / %v", err, err2)
		}
		// The single-message path obeys the same syntax rules.
		_, err = DecodeMessage(body, TypeTrack, DecodeOptions{ReceivedAt: received})
		if !valid && !errors.Is(err, ErrMalformedJSON) && !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("single: invalid JSON accepted: %v", err)
		}
		if valid && errors.Is(err, ErrMalformedJSON) {
			t.Fatalf("single: valid JSON refused: %v", err)
		}
	})
}

// TestDecodeAgreesWithEncodingJSON compares every decoded field with what
// encoding/json reads from the same realistic batches.
func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	type ref struct {
		Type, MessageID, UserID, AnonymousID, Event, Name, Category, GroupID string
		Context                                                              struct{ GroupID string }
		Properties, Traits, Integrations                                     json.RawMessage
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for round := 0; round < 20; round++ {
		body := realisticBatch(rng, 50)
		if round%2 == 1 { // escapes of every kind in names and ids
			body = bytes.ReplaceAll(body, []byte(`"Report Created"`), []byte(`"R\u00e9port \"Cr\u00e9\u00e9\" \ud83d\udcca\t\/"`))
			body = bytes.ReplaceAll(body, []byte(`"userId":"user_0`), []byte(`"userId":"us\u0065r_0`))
		}
		var env struct{ Batch []ref }
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		for _, retain := range []bool{false, true} {
			b, err := DecodeBatch(body, DecodeOptions{ReceivedAt: received, Retain: retain})
			if err != nil || len(b.Messages) != len(env.Batch) {
				t.Fatalf("round %d: %v, %d messages", round, err, len(b.Messages))
			}
			for i, want := range env.Batch {
				m := b.Messages[i]
				got := ref{Type: m.Type.String(), MessageID: m.MessageID, UserID: m.UserID, AnonymousID: m.AnonymousID,
					Event: m.Event, Name: m.Name, Category: m.Category, GroupID: m.GroupID}
				got.Context.GroupID = m.ContextGroupID
				w := want
				w.Properties, w.Traits, w.Integrations = nil, nil, nil
				if !reflect.DeepEqual(got, w) {
					t.Fatalf("round %d message %d:\n got %+v\nwant %+v", round, i, got, w)
				}
				if !sameJSON(t, m.Properties, string(want.Properties)) || !sameJSON(t, m.Traits, string(want.Traits)) ||
					!sameJSON(t, m.Integrations, string(want.Integrations)) {
					t.Fatalf("round %d message %d: raw fields differ", round, i)
				}
			}
		}
	}
}
