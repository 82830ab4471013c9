package storetest

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// testDirty: writes to an account's inputs mark it for rescoring in their
// own transaction; a claim leases marks to one caller; a mark arriving
// during a claim survives the claim's end; the bulk facts reader reads the
// accounts listed.
func testDirty(t *testing.T, st store.Store) {
	dt, ok := st.(store.Dirty)
	if !ok {
		t.Fatalf("%T does not keep the accounts to rescore (store.Dirty)", st)
	}
	marked := func() []int64 {
		t.Helper()
		got, err := dt.ClaimDirty(ctx, 100, time.Minute)
		must(t, err)
		must(t, dt.DoneDirty(ctx, got))
		ids := []int64{}
		for _, d := range got {
			ids = append(ids, d.AccountID)
		}
		return ids
	}
	want := func(what string, want ...int64) {
		t.Helper()
		slices.Sort(want)
		if got := marked(); !slices.Equal(got, want) {
			t.Fatalf("after %s: marked %v, want %v", what, got, want)
		}
	}
	a := seedAccount(t, st, "a-1", "Acme")
	b := seedAccount(t, st, "b-1", "Beta")
	_ = seedAccount(t, st, "c-1", "Gamma")
	want("creating accounts", a.ID, b.ID, a.ID+2)
	want("nothing", []int64{}...)

	tk := customer.Ticket{AccountID: a.ID, Subject: "Broken", Priority: "high", Status: "open", OpenedAt: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	must(t, st.Tickets().Create(ctx, &tk))
	want("a ticket", a.ID)
	tk.AccountID, tk.AccountExternalID = b.ID, ""
	must(t, st.Tickets().Update(ctx, &tk))
	want("moving the ticket", a.ID, b.ID)
	must(t, st.Tickets().Delete(ctx, tk.ID))
	want("deleting the ticket", b.ID)
	load(t, st.Invoices(), []customer.Invoice{{ExternalID: "i-1", AccountID: b.ID, IssuedOn: d("2026-05-01"), DueOn: d("2026-05-31"), Amount: 100}})
	want("importing an invoice", b.ID)
	b.Name = "Beta Ltd"
	must(t, st.Accounts().Update(ctx, &b))
	want("editing an account", b.ID)
	must(t, st.SetPulse(ctx, &store.Pulse{AccountID: a.ID, Colour: "red", Reason: "quiet", ExpiresOn: civil.Today().AddDays(7)}))
	want("a pulse", a.ID)
	must(t, st.Users().Create(ctx, &customer.User{Email: "u@example.com", Name: "U", Role: customer.RoleCSM}))
	want("adding a user")

	// Usage rolled up for an account marks it, in the commit.
	a.ProductID = "g-acme"
	must(t, st.Accounts().Update(ctx, &a))
	want("setting the product id", a.ID)
	now := time.Now().UTC()
	k, _ := auth.NewWriteKey("web", now)
	must(t, st.CreateWriteKey(ctx, &k))
	l, err := usage.NewLinker(usage.LinkConfig{})
	must(t, err)
	l.AccountCreated("g-acme", strconv.FormatInt(a.ID, 10), now)
	commitBody(t, st, l, usageCatalog(t), k.ID, `{"batch":[
		{"type":"track","messageId":"m1","anonymousId":"x","event":"Report Viewed","context":{"groupId":"g-acme"},"timestamp":"`+now.Format(time.RFC3339)+`"}]}`, now, usage.Released{})
	want("a usage event", a.ID)

	// A claim is one caller's: another claim skips it until it ends.
	must(t, dt.MarkDirty(ctx, []int64{a.ID, b.ID}))
	first, err := dt.ClaimDirty(ctx, 1, time.Minute)
	must(t, err)
	if len(first) != 1 {
		t.Fatalf("claimed %v, want one account", first)
	}
	second, err := dt.ClaimDirty(ctx, 10, time.Minute)
	must(t, err)
	if len(second) != 1 || second[0].AccountID == first[0].AccountID {
		t.Fatalf("second claim took %v while the first held %v", second, first)
	}
	if m, err := dt.Marked(ctx, []int64{b.ID, a.ID, a.ID + 2}); err != nil || !slices.Equal(m, []int64{a.ID, b.ID}) {
		t.Fatalf("marked: %v, %v; want %v", m, err, []int64{a.ID, b.ID})
	}
	n, oldest, err := dt.DirtyCount(ctx)
	must(t, err)
	if n != 2 || oldest.IsZero() || time.Since(oldest) > time.Minute {
		t.Fatalf("dirty count: %d, oldest %v", n, oldest)
	}
	// Marked again while claimed: still marked once the claim ends.
	must(t, dt.MarkDirty(ctx, []int64{first[0].AccountID}))
	must(t, dt.DoneDirty(ctx, first))
	must(t, dt.DoneDirty(ctx, second))
	want("a mark during a claim", first[0].AccountID)

	// An expired lease is taken again (a rescore that crashed).
	must(t, dt.MarkDirty(ctx, []int64{a.ID}))
	_, err = dt.ClaimDirty(ctx, 10, -time.Second)
	must(t, err)
	want("a lease that ran out", a.ID)

	var got []int64
	must(t, dt.EachHealthFactsOf(ctx, []int64{b.ID, 999999, a.ID, b.ID}, healthAsOf, func(f *health.Facts) error {
		got = append(got, f.AccountID)
		return nil
	}))
	if !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Fatalf("facts of %v, want %v", got, []int64{a.ID, b.ID})
	}
}

// testRecomputes: a recompute's progress is stored and read back as the
// latest; none yet is ErrNotFound.
func testRecomputes(t *testing.T, st store.Store) {
	rs, ok := st.(store.Recomputes)
	if !ok {
		t.Fatalf("%T keeps no recompute log (store.Recomputes)", st)
	}
	if _, err := rs.LatestRecompute(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("latest recompute of none: %v", err)
	}
	first := store.Recompute{Version: 1, Total: 10}
	must(t, rs.StartRecompute(ctx, &first))
	first.Scored, first.Written, first.FinishedAt = 10, 10, time.Now().UTC().Truncate(time.Microsecond)
	must(t, rs.UpdateRecompute(ctx, &first))
	r := store.Recompute{Version: 2, Total: 10}
	must(t, rs.StartRecompute(ctx, &r))
	r.Scored = 4
	must(t, rs.UpdateRecompute(ctx, &r))
	got, err := rs.LatestRecompute(ctx)
	must(t, err)
	if got.ID != r.ID || got.Version != 2 || got.Total != 10 || got.Scored != 4 || got.Written != 0 || !got.Running() ||
		!got.StartedAt.Equal(r.StartedAt) || !got.UpdatedAt.Equal(r.UpdatedAt) {
		t.Fatalf("latest recompute: %+v, want %+v", got, r)
	}
	r.Error, r.FinishedAt = "disk full", time.Now().UTC().Truncate(time.Microsecond)
	must(t, rs.UpdateRecompute(ctx, &r))
	if got, _ := rs.LatestRecompute(ctx); got.Running() || got.Error != "disk full" || !got.FinishedAt.Equal(r.FinishedAt) {
		t.Fatalf("finished recompute: %+v", got)
	}
}
