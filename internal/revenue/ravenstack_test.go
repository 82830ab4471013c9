package revenue

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/publicdata"
)

// readCSV reads a RavenStack table (CRLF line endings) into records keyed
// by column name. The test skips when the data set is absent.
func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(publicdata.Dir(t, "ravenstack"), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestRavenStack reads the RavenStack subscriptions as an importer would
// and derives monthly MRR and movements. The rules the data forces are in
// docs/revenue.md: its rows are concurrent subscriptions of one product
// (they overlap and add up), blank end dates are open-ended, zero-length
// rows are skipped, and its trials are zero-MRR rows.
func TestRavenStack(t *testing.T) {
	t.Parallel()
	ids := map[string]int64{}
	var subs []customer.Subscription
	var trials, blankEnd int
	asOf := civil.Date{Year: 2024, Month: time.December, Day: 31} // the data's last day
	for _, r := range readCSV(t, "ravenstack_subscriptions.csv") {
		id, ok := ids[r["account_id"]]
		if !ok {
			id = int64(len(ids) + 1)
			ids[r["account_id"]] = id
		}
		dollars, err := strconv.ParseInt(r["mrr_amount"], 10, 64)
		if err != nil {
			t.Fatalf("%s: mrr %q", r["subscription_id"], r["mrr_amount"])
		}
		if arr, _ := strconv.ParseInt(r["arr_amount"], 10, 64); arr != 12*dollars {
			t.Errorf("%s: ARR %d is not 12 × MRR %d", r["subscription_id"], arr, dollars)
		}
		start, err1 := civil.Parse(r["start_date"])
		end, err2 := civil.Parse(r["end_date"])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: dates %q %q", r["subscription_id"], r["start_date"], r["end_date"])
		}
		s := customer.Subscription{ExternalID: r["subscription_id"], AccountID: id, Product: "RavenStack", Plan: r["plan_tier"],
			MRR: dollars * 100, Currency: "USD", BillingPeriod: r["billing_frequency"], StartOn: start, EndOn: end,
			Trial: r["is_trial"] == "TRUE", Status: customer.SubActive}
		if !end.IsZero() && !end.After(asOf) {
			s.Status = customer.SubEnded
		}
		if s.Trial {
			trials++
			if s.MRR != 0 {
				t.Errorf("%s: a trial with MRR %d", s.ExternalID, s.MRR)
			}
		}
		if end.IsZero() {
			blankEnd++
		}
		subs = append(subs, s)
	}
	if len(subs) != 5000 || len(ids) != 500 {
		t.Fatalf("%d rows of %d accounts, want 5000 of 500", len(subs), len(ids))
	}
	b, err := Build(subs, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	sk := b.Skipped()
	t.Logf("%d rows: %d trials (all zero MRR), %d open-ended, skipped %+v", len(subs), trials, blankEnd, sk)
	if sk.Trials != trials || sk.ZeroLength != 13 || sk.ZeroMRR != 0 {
		t.Errorf("skipped %+v", sk)
	}

	months := Months(civil.Date{Year: 2023, Month: time.January, Day: 1}, 24)
	ms := b.Metrics(months)
	if len(ms) != 24 {
		t.Fatalf("%d months", len(ms))
	}
	var moves [6]int
	for _, m := range ms {
		if m.Start+m.Net() != m.End {
			t.Errorf("%s: identity fails %+v", m.Period.Name, m)
		}
		if m.End != b.TotalMRR(m.Period.Last()) {
			t.Errorf("%s: ending MRR %d, total %d", m.Period.Name, m.End, b.TotalMRR(m.Period.Last()))
		}
		for _, k := range Kinds {
			moves[k] += m.Movements.Of(k)
		}
	}
	last := ms[len(ms)-1]
	t.Logf("MRR end of 2023-06 $%d, 2023-12 $%d, 2024-06 $%d, 2024-12 $%d; %d paying accounts at the end",
		ms[5].End/100, ms[11].End/100, ms[17].End/100, last.End/100, last.CustomersEnd)
	t.Logf("movements over 24 months: new %d, expansion %d, contraction %d, churn %d, reactivation %d",
		moves[New], moves[Expansion], moves[Contraction], moves[Churn], moves[Reactivation])
	year := b.Metrics([]Period{Year(2024)})[0]
	t.Logf("2024: GRR %s, NRR %s, logo churn %s, quick ratio %s", year.GRR().Percent(), year.NRR().Percent(), year.LogoChurn().Percent(), year.QuickRatio())
	if last.End == 0 || moves[New] < 400 || moves[Expansion] == 0 || moves[Contraction] == 0 {
		t.Errorf("implausible: end %d, moves %v", last.End, moves)
	}
	// Ending a subscription while others run is contraction, not churn:
	// 486 rows end, far fewer accounts churn.
	if moves[Churn] >= 486 {
		t.Errorf("%d churns from 486 ended rows", moves[Churn])
	}

	// Read as versions (each row replaces the previous one), the same data
	// tells a different story; docs/revenue.md compares the two.
	vb, err := Build(Supersede(subs), Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	vms := vb.Metrics(months)
	var vmoves [6]int
	for _, m := range vms {
		if m.Start+m.Net() != m.End {
			t.Errorf("versions %s: identity fails %+v", m.Period.Name, m)
		}
		for _, k := range Kinds {
			vmoves[k] += m.Movements.Of(k)
		}
	}
	vyear := vb.Metrics([]Period{Year(2024)})[0]
	t.Logf("as versions: MRR end of 2023-06 $%d, 2023-12 $%d, 2024-06 $%d, 2024-12 $%d; %d paying accounts",
		vms[5].End/100, vms[11].End/100, vms[17].End/100, vms[23].End/100, vms[23].CustomersEnd)
	t.Logf("as versions: new %d, expansion %d, contraction %d, churn %d, reactivation %d; 2024 GRR %s, NRR %s, logo churn %s",
		vmoves[New], vmoves[Expansion], vmoves[Contraction], vmoves[Churn], vmoves[Reactivation], vyear.GRR().Percent(), vyear.NRR().Percent(), vyear.LogoChurn().Percent())
	if vms[23].End >= last.End {
		t.Errorf("versions should not add up: %d ≥ %d", vms[23].End, last.End)
	}

	// Their churn events as churn records (reason codes mapped to the
	// taxonomy): how many of the ledger's churns have a reason on file.
	var records []ChurnRecord
	codes := map[string]Reason{"pricing": ReasonPrice, "features": ReasonProductFit, "budget": ReasonBudget,
		"competitor": ReasonCompetitor, "support": ReasonOther, "unknown": ReasonOther}
	for _, r := range readCSV(t, "ravenstack_churn_events.csv") {
		id, ok := ids[r["account_id"]]
		if !ok {
			t.Errorf("churn event for unknown account %s", r["account_id"])
			continue
		}
		dd, err := civil.Parse(r["churn_date"])
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, ChurnRecord{AccountID: id, Date: dd, Reason: codes[r["reason_code"]], Controllable: true})
	}
	an := AnalyseChurn("all", b.ChurnEvents(Period{Name: "all", From: months[0].From, To: months[23].To}, records))
	var unknown int
	for _, rs := range an.Reasons {
		if rs.Reason == ReasonUnknown {
			unknown = rs.Count
		}
	}
	t.Logf("%d churn records; the ledger's %d churns: %d explained by a record within %d days", len(records), an.Count, an.Count-unknown, RecordWindow)
}
