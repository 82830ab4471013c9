package transfer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
)

// TestSubscriptionAmounts: a subscriptions file gives MRR, ARR or the price
// of each billing period, and the stored MRR is the monthly amount in every
// case; what cannot be read for sure is refused or warned about, by line
// and column, never stored as zero.
func TestSubscriptionAmounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t)
	wantCounts(t, importReader(t, st, "accounts", strings.NewReader("external_id,name\nA,Acme\n"), Options{Format: CSV}), 1, 0, 0)
	for _, tc := range []struct {
		name, file string
		mrr        map[string]int64 // external id → stored MRR
		rejects    []string         // each reject, as printed
		warnings   []string         // each warning, as printed
	}{
		{name: "arr only: MRR = ARR ÷ 12",
			file: "external_id,account_external_id,product,start_date,end_date,arr\n" +
				"s1,A,P,2025-01-01,2026-01-01,1200\ns2,A,P,2025-01-01,2026-01-01,100.06\n",
			mrr: map[string]int64{"s1": 10000, "s2": 834}}, // 10006 ÷ 12 = 833.83 → 834
		{name: "ARR Amount column beside a consistent mrr (RavenStack's shape)",
			file: "external_id,account_external_id,product,start_date,mrr_amount,arr_amount,billing_frequency\n" +
				"s3,A,P,2025-01-01,50,600,annual\n",
			mrr: map[string]int64{"s3": 5000}},
		{name: "amount is the price per billing period",
			file: "external_id,account_external_id,product,start_date,end_date,amount,billing_period\n" +
				"s4,A,P,2025-01-01,2026-01-01,600,annual\ns5,A,P,2025-01-01,2025-04-01,300,quarterly\n" +
				"s6,A,P,2025-01-01,2025-02-01,75,monthly\ns7,A,P,2025-01-01,2028-01-01,3600,multi_year\n",
			mrr: map[string]int64{"s4": 5000, "s5": 10000, "s6": 7500, "s7": 10000}},
		{name: "mrr with an annual billing period: imported as given, with a warning",
			file: "external_id,account_external_id,product,start_date,end_date,mrr,billing_period\n" +
				"s8,A,P,2025-01-01,2026-01-01,600,annual\n",
			mrr:      map[string]int64{"s8": 60000},
			warnings: []string{`line 2, column "mrr": read as the monthly amount of a subscription billed annual; if 600.00 is the price per billing period, map the column to amount (tend divides it by the period's months)`}},
		{name: "mrr and a disagreeing amount are refused",
			file: "external_id,account_external_id,product,start_date,end_date,mrr,amount,billing_period\n" +
				"s9,A,P,2025-01-01,2026-01-01,600,600,annual\n",
			rejects: []string{`line 2, column "mrr": 600.00 is not amount ÷ 12 (annual) = 50.00: give one of them`}},
		{name: "multi_year amount without a whole-month term is refused",
			file: "external_id,account_external_id,product,start_date,amount,billing_period\n" +
				"s10,A,P,2025-01-01,3600,multi_year\n",
			rejects: []string{`line 2, column "amount": a multi_year amount is spread over the term's whole months: give start_on and an end_on a whole number of months later, or give mrr`}},
		{name: "a row ending on its start day imports, with a warning",
			file: "external_id,account_external_id,product,start_date,end_date,mrr\n" +
				"s11,A,P,2025-03-01,2025-03-01,50\n",
			mrr:      map[string]int64{"s11": 5000},
			warnings: []string{`line 2, column "end_date": ends on the day it starts (2025-03-01): it carries no revenue, so retention leaves it out`}},
		{name: "no revenue column at all: imported, with a warning",
			file: "external_id,account_external_id,product,start_date,end_date,revenue\n" +
				"s13,A,P,2025-01-01,2026-01-01,100\n",
			mrr:      map[string]int64{"s13": 0},
			warnings: []string{`line 2: the file has no mrr, arr or amount column: imported with zero MRR, so retention leaves it out`}},
		{name: "ended with no end date is refused",
			file: "external_id,account_external_id,product,start_date,mrr,status\n" +
				"s12,A,P,2025-03-01,50,ended\n",
			rejects: []string{`line 2, field "end_on": is required when status is ended: the first day not paid for`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := importReader(t, st, "subscriptions", strings.NewReader(tc.file), Options{Format: CSV})
			var rejects, warnings []string
			for _, r := range rep.Rejects {
				rejects = append(rejects, r.Error())
			}
			for _, w := range rep.Warnings {
				warnings = append(warnings, w.String())
			}
			if strings.Join(rejects, "\n") != strings.Join(tc.rejects, "\n") || rep.Rejected != len(tc.rejects) {
				t.Errorf("rejects\n got %q\nwant %q", rejects, tc.rejects)
			}
			if strings.Join(warnings, "\n") != strings.Join(tc.warnings, "\n") || rep.Warned != len(tc.warnings) {
				t.Errorf("warnings\n got %q\nwant %q", warnings, tc.warnings)
			}
			for ext, want := range tc.mrr {
				s, err := st.Subscriptions().GetByExternalID(ctx, ext)
				if err != nil {
					t.Fatalf("%s: %v", ext, err)
				}
				if s.MRR != want {
					t.Errorf("%s: MRR %d, want %d", ext, s.MRR, want)
				}
			}
		})
	}
	// The annual row imported again, as it is or through an export, is not
	// warned about again: its amount is the one stored. (The row ending on
	// its start day still is.)
	rep := importReader(t, st, "subscriptions", strings.NewReader("external_id,account_external_id,product,start_date,end_date,mrr,billing_period\n"+
		"s8,A,P,2025-01-01,2026-01-01,600,annual\n"), Options{Format: CSV})
	wantCounts(t, rep, 0, 1, 0)
	if rep.Warned != 0 {
		t.Errorf("re-import warned: %v", rep.Warnings)
	}
	var exported bytes.Buffer
	o, _ := Lookup("subscriptions")
	if _, err := o.Export(ctx, st, &exported, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	rep = importReader(t, st, "subscriptions", &exported, Options{Format: CSV})
	if rep.Created != 0 || rep.Rejected != 0 || rep.Warned != 1 || !strings.Contains(rep.Warnings[0].String(), "ends on the day it starts") {
		t.Errorf("export imported back: %+v", rep)
	}
	// A re-import of an arr-only file into existing rows derives again.
	rep = importReader(t, st, "subscriptions", strings.NewReader("external_id,arr\ns1,2400\n"), Options{Format: CSV})
	wantCounts(t, rep, 0, 1, 0)
	if s, _ := st.Subscriptions().GetByExternalID(ctx, "s1"); s.MRR != 20000 || s.Status != customer.SubEnded && s.Status != customer.SubActive {
		t.Errorf("s1 after an arr update: %+v", s)
	}
}

// TestMoneyFieldsFromTheStore: the importer reads as money exactly the
// fields the store keeps as money (store.Spec.Money), so a renewal call's
// expected MRR of 1200.50 imports as 120050 cents rather than being refused
// as "not a Tend id".
func TestMoneyFieldsFromTheStore(t *testing.T) {
	t.Parallel()
	for _, o := range Objects() {
		var money []string
		for _, f := range o.fields.list {
			if f.kind == kindMoney {
				money = append(money, f.name)
			}
		}
		if want := storeSpecs()[o.Name].Money; strings.Join(money, ",") != strings.Join(want, ",") {
			t.Errorf("%s: importer's money fields %v, store's %v", o.Name, money, want)
		}
	}
	ctx := context.Background()
	st := openSQLite(t)
	wantCounts(t, importReader(t, st, "accounts", strings.NewReader("external_id,name\nA,Acme\n"), Options{Format: CSV}), 1, 0, 0)
	rep := importReader(t, st, "renewal_calls", strings.NewReader("external_id,account_external_id,due_on,forecast,expected\nr1,A,2026-01-01,renew,1200.50\n"), Options{Format: CSV})
	wantCounts(t, rep, 1, 0, 0)
	rc, err := st.RenewalCalls().GetByExternalID(ctx, "r1")
	if err != nil || rc.Expected != 120050 {
		t.Fatalf("renewal call %+v %v, want expected 120050", rc, err)
	}
	var out strings.Builder
	o, _ := Lookup("renewal_calls")
	if _, err := o.Export(ctx, st, &out, ExportOptions{}); err != nil || !strings.Contains(out.String(), ",1200.50,") {
		t.Errorf("export %v:\n%s", err, out.String())
	}
}
