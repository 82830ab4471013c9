package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

func usageCatalog(t *testing.T) *usage.Catalog {
	t.Helper()
	cat, err := usage.FeatureConfig{Features: []usage.FeatureDef{
		{Key: "reports", Events: []string{"Report *"}, HighValue: true},
		{Key: "dashboards", Events: []string{"page:Dashboard*"}},
	}}.Compile()
	must(t, err)
	return cat
}

// commitBody decodes body, routes it with l and commits it through st as
// the committer does, returning the commit.
func commitBody(t *testing.T, st store.Store, l *usage.Linker, cat *usage.Catalog, key int64, body string, now time.Time, rel usage.Released) (*store.UsageCommit, usage.Released) {
	t.Helper()
	b, err := usage.DecodeBatch([]byte(body), usage.DecodeOptions{ReceivedAt: now})
	must(t, err)
	src := strconv.FormatInt(key, 10)
	c := &store.UsageCommit{Now: now, Catalog: cat, Released: rel,
		Sources: []store.UsageSource{{WriteKeyID: key, Messages: b.Messages, Routing: l.Route(src, b.Messages, cat)}}}
	must(t, st.CommitUsage(ctx, c))
	return c, l.Commit(&c.Sources[0].Routing, now)
}

// testUsage: write keys by hash and revoked; messages inserted once per
// (write key, messageId) with only inserted ones counted; rollups, links,
// held events attributed once, contacts from identify, the log, account
// usage read back, rebuild equal to incremental, and pruning — the same on
// both engines.
func testUsage(t *testing.T, st store.Store) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	k, secret := auth.NewWriteKey("web app", now)
	must(t, st.CreateWriteKey(ctx, &k))
	got, err := st.WriteKeyByHash(ctx, auth.HashSecret(secret))
	must(t, err)
	if got.ID != k.ID || got.Name != "web app" || !got.Live() {
		t.Fatalf("write key by hash: %+v", got)
	}
	if _, err := st.WriteKeyByHash(ctx, auth.HashSecret("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown write key: %v", err)
	}
	if err := st.CreateWriteKey(ctx, &auth.WriteKey{Name: " ", Hash: []byte{1}}); err == nil {
		t.Fatal("a write key without a name was accepted")
	}

	acme := &customer.Account{ExternalID: "crm-1", ProductID: "g-acme", Name: "Acme"}
	must(t, st.Accounts().Create(ctx, acme))
	must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: acme.ID, Product: "p", Quantity: 10, MRR: 1000, Currency: "USD",
		StartOn: d("2026-01-01"), EndOn: d("2027-01-01"), Status: customer.SubActive}))
	groups, err := st.GroupAccounts(ctx, usage.MatchProductID, time.Time{})
	must(t, err)
	if len(groups) != 1 || groups[0].GroupID != "g-acme" || groups[0].AccountID != acme.ID {
		t.Fatalf("group accounts: %+v", groups)
	}
	acct := strconv.FormatInt(acme.ID, 10)

	cat := usageCatalog(t)
	l, err := usage.NewLinker(usage.LinkConfig{})
	must(t, err)
	for _, g := range groups {
		l.AccountCreated(g.GroupID, strconv.FormatInt(g.AccountID, 10), now)
	}
	// u1 sends a track before anyone knows its group: stored, held.
	c, rel := commitBody(t, st, l, cat, k.ID, `{"batch":[
		{"type":"track","messageId":"m1","userId":"u1","event":"Report Created","timestamp":"2026-11-20T10:00:00Z"},
		{"type":"track","messageId":"m2","anonymousId":"a1","event":"Report Viewed","context":{"groupId":"g-acme"},"timestamp":"2026-11-20T10:01:00Z"}]}`, now, usage.Released{})
	if c.Inserted != 2 || len(rel.Events) != 0 {
		t.Fatalf("first commit: inserted %d, released %d", c.Inserted, len(rel.Events))
	}
	tot, err := st.UsageTotals(ctx)
	must(t, err)
	if tot.Messages != 2 || tot.Unattributed != 1 || tot.RolledUp != 1 {
		t.Fatalf("after first commit: %+v", tot)
	}
	held, err := st.HeldEvents(ctx, now.Add(-time.Hour), 10, cat)
	must(t, err)
	if len(held) != 1 || held[0].MessageID != "m1" || held[0].Features.Len() != 1 {
		t.Fatalf("held events: %+v", held)
	}

	// The group call arrives, with a retry of m1 and an identify: m1 is not
	// inserted again; the link releases the held m1.
	c, rel = commitBody(t, st, l, cat, k.ID, `{"batch":[
		{"type":"group","messageId":"m3","userId":"u1","groupId":"g-acme","timestamp":"2026-11-20T10:02:00Z"},
		{"type":"track","messageId":"m1","userId":"u1","event":"Report Created","timestamp":"2026-11-20T10:00:00Z"},
		{"type":"identify","messageId":"m4","userId":"u1","traits":{"email":"ann@acme.test","name":"Ann","title":"CTO"},"timestamp":"2026-11-20T10:03:00Z"}]}`, now, usage.Released{})
	if c.Inserted != 2 || !c.Sources[0].Inserted["m3"] || c.Sources[0].Inserted["m1"] {
		t.Fatalf("second commit: inserted %d %v", c.Inserted, c.Sources[0].Inserted)
	}
	if len(rel.Events) != 1 || rel.Events[0].MessageID != "m1" || rel.Events[0].Account != acct {
		t.Fatalf("released: %+v", rel.Events)
	}
	// The group call in the same batch gives the identify its account.
	if c.ContactsCreated != 1 {
		t.Fatalf("contacts created by the identify: %d", c.ContactsCreated)
	}
	// The next commit attributes m1; giving the same release twice counts
	// it once.
	c, _ = commitBody(t, st, l, cat, k.ID, `{"batch":[
		{"type":"page","messageId":"m5","userId":"u1","name":"Dashboard","timestamp":"2026-11-19T09:00:00Z"}]}`, now, rel)
	if c.Attributed != 1 || c.ContactsCreated != 0 {
		t.Fatalf("third commit: attributed %d, contacts created %d", c.Attributed, c.ContactsCreated)
	}
	c, _ = commitBody(t, st, l, cat, k.ID, `{"batch":[]}`, now, rel)
	if c.Attributed != 0 || c.ContactsCreated != 0 {
		t.Fatalf("release repeated: attributed %d, contacts %d", c.Attributed, c.ContactsCreated)
	}
	ann, err := st.Contacts().GetByExternalID(ctx, "u1")
	must(t, err)
	if ann.AccountID != acme.ID || ann.Email != "ann@acme.test" || ann.Title != "CTO" {
		t.Fatalf("contact from identify: %+v", ann)
	}
	// A later identify updates it, never blanks it.
	c, _ = commitBody(t, st, l, cat, k.ID, `{"batch":[
		{"type":"identify","messageId":"m6","userId":"u1","traits":{"title":"CEO"},"timestamp":"2026-11-20T11:00:00Z"}]}`, now, usage.Released{})
	ann, err = st.Contacts().GetByExternalID(ctx, "u1")
	must(t, err)
	if c.ContactsUpdated != 1 || ann.Title != "CEO" || ann.Name != "Ann" {
		t.Fatalf("contact update: %d %+v", c.ContactsUpdated, ann)
	}

	links, _, err := st.UsageLinks(ctx)
	must(t, err)
	if len(links) != 1 || links[0].Identity != "u1" || links[0].GroupID != "g-acme" {
		t.Fatalf("links: %+v", links)
	}
	tot, err = st.UsageTotals(ctx)
	must(t, err)
	if tot.Messages != 6 || tot.Unattributed != 0 || tot.RolledUp != 3 {
		t.Fatalf("totals: %+v", tot)
	}

	day := usage.DayOf(now)
	au, err := st.AccountUsage(ctx, acme.ID, day-60, day, cat)
	must(t, err)
	ad := au.Adoption(cat, day, 0)
	seats, err := st.AccountSeats(ctx, acme.ID)
	must(t, err)
	if seats != 10 {
		t.Fatalf("seats: %d", seats)
	}
	ad = au.Adoption(cat, day, seats)
	if ad.Events != 3 || ad.MAU != 1 || ad.DAU != 1 || ad.FeaturesUsed != 2 || ad.HighValueUsers != 1 {
		t.Fatalf("adoption: %+v", ad)
	}
	if f, _ := ad.SeatUtilisation.Float(); f != 0.1 {
		t.Fatalf("seat utilisation: %v", ad.SeatUtilisation)
	}
	if du := au.Days[day]; du == nil || du.Events != 2 || du.AnonymousEvents != 1 || du.Users["u1"] == nil || du.Users["u1"].Features.Len() != 1 {
		t.Fatalf("day row: %+v", au.Days[day])
	}

	// Rebuild gives the same rows.
	rs, err := st.RebuildUsage(ctx, cat, usage.MatchProductID)
	must(t, err)
	if rs.Events != 3 || rs.Accounts != 1 {
		t.Fatalf("rebuild: %+v", rs)
	}
	au2, err := st.AccountUsage(ctx, acme.ID, day-60, day, cat)
	must(t, err)
	if a, b := au2.Adoption(cat, day, seats), ad; a.Events != b.Events || a.MAU != b.MAU || a.FeaturesUsed != b.FeaturesUsed || a.HighValueUsers != b.HighValueUsers {
		t.Fatalf("rebuild differs: %+v vs %+v", a, b)
	}

	// The log, newest first, filtered by reason.
	must(t, st.CommitUsage(ctx, &store.UsageCommit{Now: now, Catalog: cat, Log: []store.LogEntry{
		{At: now, WriteKeyID: k.ID, MessageID: "x1", Type: "track", Index: 3, Reason: "missing_event", Detail: "a track needs event"},
		{At: now, WriteKeyID: k.ID, MessageID: "m1", Type: "track", Reason: "duplicate", Detail: "already received"},
	}}))
	log, err := st.IngestionLog(ctx, store.LogQuery{})
	must(t, err)
	if len(log) != 2 || log[0].Reason != "duplicate" || log[1].Index != 3 || log[1].WriteKeyID != k.ID {
		t.Fatalf("log: %+v", log)
	}
	log, err = st.IngestionLog(ctx, store.LogQuery{Reason: "missing_event"})
	must(t, err)
	if len(log) != 1 || log[0].Detail != "a track needs event" {
		t.Fatalf("log by reason: %+v", log)
	}

	// Settings.
	if _, err := st.UsageSetting(ctx, "features"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset setting: %v", err)
	}
	must(t, st.SetUsageSetting(ctx, "features", `{"features":[]}`, now))
	must(t, st.SetUsageSetting(ctx, "features", `{"features":[1]}`, now))
	if v, err := st.UsageSetting(ctx, "features"); err != nil || v != `{"features":[1]}` {
		t.Fatalf("setting: %q %v", v, err)
	}

	// Revoking; keys listed newest first.
	must(t, st.RevokeWriteKey(ctx, k.ID, now))
	must(t, st.RevokeWriteKey(ctx, k.ID, now.Add(time.Hour)))
	keys, err := st.WriteKeys(ctx)
	must(t, err)
	if len(keys) != 1 || keys[0].RevokedAt == nil || !keys[0].RevokedAt.Equal(now) || keys[0].LastUsedAt == nil {
		t.Fatalf("write keys: %+v", keys)
	}
	if err := st.RevokeWriteKey(ctx, 999, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}

	// Pruning: raw first, then rows; the log separately.
	ps, err := st.PruneUsage(ctx, now.Add(time.Second), time.Time{}, time.Time{})
	must(t, err)
	if ps.RawCleared != 6 || ps.MessagesDeleted != 0 {
		t.Fatalf("prune raw: %+v", ps)
	}
	ps, err = st.PruneUsage(ctx, time.Time{}, now.Add(time.Second), now.Add(time.Second))
	must(t, err)
	if ps.MessagesDeleted != 6 || ps.LogDeleted != 2 {
		t.Fatalf("prune rows: %+v", ps)
	}
}
