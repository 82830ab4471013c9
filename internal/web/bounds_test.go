package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/store/sqlstore"
)

// The forecast form refuses an amount past the largest Tend holds, naming
// the field, rather than store a number every sum would overflow on.
func TestForecastAmountBounded(t *testing.T) {
	t.Parallel()
	h, st := retentionUIAs(t, "admin")
	acme, err := st.Accounts().GetByExternalID(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	path := "/accounts/" + itoa64(acme.ID) + "/forecast"
	for _, amt := range []string{"92233720368547758.07", "1000000000000.01"} {
		code, body, _ := post(t, h, path, url.Values{"forecast": {"renew"}, "due_on": {"2026-01-01"}, "expected": {amt}})
		if code != 422 || !strings.Contains(body, `id="fc-expected-error"`) || !strings.Contains(body, "largest amount") {
			t.Errorf("expected=%s: %d", amt, code)
		}
	}
}

// Pages that add up MRR over amounts stored before amounts were bounded
// say so (422, naming what was summed), not 500 "integer overflow".
func TestOverflowingAmountsAreNamed(t *testing.T) {
	t.Parallel()
	h, st := retentionUIAs(t, "admin")
	if _, err := st.(*sqlstore.DB).W.Exec("UPDATE accounts SET mrr = 4611686018427387904"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard", "/portfolio", "/accounts"} {
		code, body, _ := get(t, h, path)
		if code != 422 || !strings.Contains(body, "add up to more than Tend can count") || !strings.Contains(body, "MRR") {
			t.Errorf("GET %s over overflowing amounts: %d\n%.500s", path, code, body)
		}
	}
}
