package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestSearchIndexKeepsLike: on SQLite the account search goes through a
// trigram index first; it must find exactly what the plain LIKE finds —
// case-insensitive for ASCII letters only, %, _ and quotes literal —
// before and after accounts are renamed and deleted.
func TestSearchIndexKeepsLike(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t)
	names := []string{`O"Brien Ltd`, "Ünïcode GmbH", "ünïcode gmbh", "100% Juice", "a_b Corp", "ab Corp", "ACME Widgets",
		"acme tools", "Zürich Rück", `Quote "" Inc`, "Ωmega Labs"}
	var accounts []customer.Account
	for i, n := range names {
		accounts = append(accounts, customer.Account{Name: n, ExternalID: "ext-" + string(rune('a'+i)) + "-Key"})
	}
	if err := store.ImportAll(ctx, db.Accounts(), accounts); err != nil {
		t.Fatal(err)
	}
	asciiLower := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, s)
	}
	check := func(when string) {
		t.Helper()
		all, err := db.Accounts().List(ctx, store.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`o"b`, `O"BRIEN`, "ÜNÏ", "Ünï", "ünï", "nïc", "100%", "0% J", "a_b", "_b c", "acme", "ACM", "ab",
			"CORP", "ZÜR", "zür", `"" i`, `"`, "Ωme", "ωme", "-KEY", "ext-c", "nothing here", "Rück", "rÜck"} {
			var want []string
			for _, a := range all.Items {
				if strings.Contains(asciiLower(a.Name), asciiLower(q)) || strings.Contains(asciiLower(a.ExternalID), asciiLower(q)) {
					want = append(want, a.Name)
				}
			}
			page, err := db.Accounts().List(ctx, store.Query{Search: q, Sort: "name", Limit: 1000})
			if err != nil {
				t.Fatalf("%s: search %q: %v", when, q, err)
			}
			var got []string
			for _, a := range page.Items {
				got = append(got, a.Name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: search %q found %q, want %q", when, q, got, want)
			}
			n, err := db.Accounts().Count(ctx, store.Query{Search: q})
			if err != nil || n != len(want) {
				t.Errorf("%s: count of %q = %d, %v; want %d", when, q, n, err, len(want))
			}
		}
	}
	check("after import")
	a, err := db.Accounts().GetByExternalID(ctx, "ext-g-Key")
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "Renamed Holdings"
	if err := db.Accounts().Update(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Accounts().Upsert(ctx, &customer.Account{ExternalID: "ext-h-Key", Name: "Upserted Acme"}); err != nil {
		t.Fatal(err)
	}
	b, err := db.Accounts().GetByExternalID(ctx, "ext-a-Key")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Accounts().Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	check("after rename, upsert and delete")
	if n, _ := db.Accounts().Count(ctx, store.Query{Search: "ACME wid"}); n != 0 {
		t.Errorf("the renamed account is still found by its old name")
	}
	if n, _ := db.Accounts().Count(ctx, store.Query{Search: "renamed hold"}); n != 1 {
		t.Errorf("the renamed account is not found by its new name")
	}
}
