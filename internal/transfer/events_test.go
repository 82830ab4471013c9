package transfer_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/publicdata"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/transfer"
)

// eventsRig starts an ingestion service on st once its accounts exist
// (the service reads groups at start, then every 2 s).
func eventsRig(t *testing.T, st store.Store) *ingest.Service {
	t.Helper()
	svc, err := ingest.New(context.Background(), st, slog.New(slog.NewTextHandler(io.Discard, nil)), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// TestImportEventsJSONLines: good lines land, bad ones are reported by line
// with the reason, and a re-import adds nothing.
func TestImportEventsJSONLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: "a", ProductID: "g1", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	svc := eventsRig(t, st)
	file := `{"type":"group","userId":"u1","groupId":"g1","messageId":"m0","timestamp":"2026-01-01T00:00:00Z"}
{"type":"track","userId":"u1","event":"Saved","messageId":"m1","timestamp":"2026-01-02T10:00:00Z","receivedAt":"2026-01-02T10:00:01Z"}

{"type":"track","userId":"u1","messageId":"m2"}
{"type":"track", nope}
{"type":"page","userId":"u1","name":"Home","messageId":"m3","timestamp":"2026-01-02T11:00:00Z"}
`
	opts := transfer.Options{Format: "jsonl"}
	rep, err := transfer.ImportEvents(ctx, st, svc, strings.NewReader(file), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 5 || rep.Created != 3 || rep.Rejected != 2 || rep.Duplicates != 0 {
		t.Fatalf("report: %+v", rep)
	}
	if r := rep.Rejects[0]; r.Line != 4 || !strings.Contains(r.Error(), "missing_event") {
		t.Fatalf("first reject: %v", r)
	}
	if r := rep.Rejects[1]; r.Line != 5 || !strings.Contains(r.Error(), "malformed JSON") {
		t.Fatalf("second reject: %v", r)
	}
	tot, _ := st.UsageTotals(ctx)
	if tot.RolledUp != 2 {
		t.Fatalf("rolled up %d events, want 2 (the group call links u1)", tot.RolledUp)
	}
	rep, err = transfer.ImportEvents(ctx, st, svc, strings.NewReader(file), opts)
	if err != nil || rep.Created != 0 || rep.Duplicates != 3 {
		t.Fatalf("re-import: %+v %v, want 0 created and 3 duplicates", rep, err)
	}
	if tot2, _ := st.UsageTotals(ctx); tot2 != tot {
		t.Fatalf("re-import changed the totals: %+v → %+v", tot, tot2)
	}
}

// TestImportRavenStackFeatureUsage: the RavenStack feature_usage file (its
// first 1,000 rows) imports with a mapping, attributed through each row's
// subscription; count repeats the event; unknown subscriptions are
// reported by line and column.
func TestImportRavenStackFeatureUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	svc := eventsRig(t, st)
	f, err := os.Open(filepath.Join(publicdata.Dir(t, "ravenstack"), "ravenstack_feature_usage.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head strings.Builder
	sc := bufio.NewScanner(f)
	subs := map[string]bool{}
	var want int
	for i := 0; i <= 1000 && sc.Scan(); i++ {
		line := sc.Text()
		head.WriteString(line + "\n")
		if i == 0 {
			continue
		}
		cells := strings.Split(line, ",")
		subs[cells[1]] = true
		n := 0
		for _, c := range cells[4] {
			n = n*10 + int(c-'0')
		}
		want += n
	}
	head.WriteString("U-bad,S-nobody,2024-01-01,feature_1,1,10,0,False\n")
	a := &customer.Account{ExternalID: "A-1", Name: "Raven"}
	if err := st.Accounts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	for s := range subs {
		if err := st.Subscriptions().Create(ctx, &customer.Subscription{ExternalID: s, AccountID: a.ID, Product: "RavenStack", Currency: "USD", Status: customer.SubActive,
			StartOn: civil.Date{Year: 2023, Month: 1, Day: 1}, EndOn: civil.Date{Year: 2026, Month: 1, Day: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	opts := transfer.Options{Format: "csv", Map: []string{"usage_id=message_id,subscription_id=subscription,usage_date=timestamp,feature_name=event,usage_count=count"}}
	rep, err := transfer.ImportEvents(ctx, st, svc, strings.NewReader(head.String()), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 1001 || rep.Rejected != 1 || rep.Created != want {
		t.Fatalf("report: rows %d, rejected %d, created %d (want %d)", rep.Rows, rep.Rejected, rep.Created, want)
	}
	if msg := rep.Rejects[0].Error(); rep.Rejects[0].Line != 1002 || !strings.Contains(msg, `column "subscription_id"`) || !strings.Contains(msg, "S-nobody") {
		t.Fatalf("reject: %s", msg)
	}
	if tot, _ := st.UsageTotals(ctx); tot.RolledUp != int64(want) || tot.Unattributed != 0 {
		t.Fatalf("totals: %+v, want %d rolled up", tot, want)
	}
	// A mapping without a message id is refused before any row.
	if _, err := transfer.ImportEvents(ctx, st, svc, strings.NewReader(head.String()), transfer.Options{Format: "csv", Map: []string{"feature_name=event"}}); err == nil || !strings.Contains(err.Error(), "message_id") {
		t.Fatalf("no message id column: %v", err)
	}
}
