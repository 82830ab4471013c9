package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
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
