package transfer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// Exports never carry a NUL byte (one stored before input refused them is
// replaced), and with SafeFormulas a text cell a spreadsheet would run as
// a formula starts with an apostrophe instead; amounts are left alone.
func TestExportCells(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	a := customer.Account{Name: "=HYPERLINK(\"http://evil.example\")", Industry: "+SUM(A1)", Region: "@here",
		Attributes: nil}
	if err := st.Accounts().Create(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.W.ExecContext(ctx, "UPDATE accounts SET tier = 'go' || char(0) || 'ld'"); err != nil {
		t.Fatal(err)
	}
	if err := st.Invoices().Create(ctx, &customer.Invoice{AccountID: a.ID, Number: "-1", Amount: -1250, DueOn: mustDate(t, "2026-01-01")}); err != nil {
		t.Fatal(err)
	}
	accounts, _ := Lookup("accounts")
	invoices, _ := Lookup("invoices")
	for _, safe := range []bool{false, true} {
		var buf bytes.Buffer
		if _, err := accounts.Export(ctx, st, &buf, ExportOptions{SafeFormulas: safe}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.ContainsRune(out, 0) || !strings.Contains(out, "go\uFFFDld") {
			t.Errorf("safe=%v: NUL written raw or not replaced:\n%q", safe, out)
		}
		for _, v := range []string{`"=HYPERLINK(""http://evil.example"")"`, "+SUM(A1)", "@here"} {
			guarded := strings.Contains(out, ",'"+strings.TrimPrefix(v, `"`)) || strings.Contains(out, `"'`+strings.TrimPrefix(v, `"`))
			if safe != guarded {
				t.Errorf("safe=%v: cell %s guarded %v:\n%s", safe, v, guarded, out)
			}
		}
		buf.Reset()
		if _, err := invoices.Export(ctx, st, &buf, ExportOptions{SafeFormulas: safe}); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); !strings.Contains(out, ",-12.50,") || strings.Contains(out, "'-12.50") {
			t.Errorf("safe=%v: an amount was changed:\n%s", safe, out)
		}
		if safe && !strings.Contains(buf.String(), ",'-1,") {
			t.Errorf("safe: a text cell starting with - is not guarded:\n%s", buf.String())
		}
	}
}

func mustDate(t *testing.T, s string) civil.Date {
	t.Helper()
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
