package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/retention/retentiontest"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// seededDir is a data directory whose database holds the retention fixture.
func seededDir(t *testing.T, euro bool) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	retentiontest.Seed(t, st)
	if euro {
		retentiontest.AddEuro(t, st)
	}
	return dir
}

func TestMetricsRetention(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	args := []string{"metrics", "retention", "--period", "2025-Q3", "--as-of", "2025-12-31"}

	out, _, err := run(t, dir, append(args, "--by", "tier")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Retention 2025-Q3 (2025-07-01 to 2025-09-30), by tier, as of 2025-12-31, in USD",
		"TIER", "GRR", "Enterprise", "$1,000.00", "$500.00", "$1,500.00", "100.0%", "150.0%", "—",
		"SMB", "$2,000.00", "-$2,000.00", "$300.00", "0.0%"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, _, err = run(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"all", "$3,000.00", "$1,800.00", "33.3%", "50.0%", "0.40×", "$900.00", "2→2"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, _, err = run(t, dir, append(args, "--format", "csv", "--by", "tier")...)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("csv (%v):\n%s", err, out)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ent := rows[1]
	if ent[col["slice"]] != "Enterprise" || ent[col["start"]] != "1000.00" || ent[col["grr"]] != "1.0000" ||
		ent[col["nrr"]] != "1.5000" || ent[col["quick_ratio"]] != "" || ent[col["arpa"]] != "1500.00" {
		t.Errorf("Enterprise row %v", ent)
	}

	out, _, err = run(t, dir, append(args, "--format", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Slices []struct {
			End    int64 `json:"end"`
			Ratios struct {
				GRR *float64 `json:"grr"`
			} `json:"ratios"`
		} `json:"slices"`
		Definitions map[string]string `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Slices) != 1 || rep.Slices[0].End != 180000 || rep.Slices[0].Ratios.GRR == nil ||
		*rep.Slices[0].Ratios.GRR != 1.0/3 || rep.Definitions["nrr"] == "" {
		t.Errorf("json %+v", rep)
	}
}

func TestMetricsRetentionErrors(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--period", "2025-Q5"}, "--period"},
		{[]string{"--period", "2025-Q3", "--by", "colour"}, "--by"},
		{[]string{"--as-of", "soon"}, "--as-of"},
		{[]string{"--format", "xml"}, "--format"},
	} {
		_, _, err := run(t, dir, append([]string{"metrics", "retention"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one naming %s", c.args, err, c.want)
		}
	}
	_, _, err := run(t, seededDir(t, true), "metrics", "retention", "--period", "2025-Q3", "--as-of", "2025-12-31")
	if err == nil || !strings.Contains(err.Error(), "EUR") {
		t.Errorf("EUR subscription: err = %v", err)
	}
}

// TestRatesCommands sets, lists, refuses and deletes exchange rates.
func TestRatesCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{[]string{"migrate"}, "schema version", false}, // rates list reads: it makes no database
		{[]string{"rates", "list"}, "no exchange rates", false},
		{[]string{"rates", "set", "eur", "1.0845"}, "1 EUR = 1.0845 USD", false},
		{[]string{"rates", "set", "EUR", "lots"}, "not a rate", true},
		{[]string{"rates", "set", "EURO", "1"}, "ISO 4217", true},
		{[]string{"rates", "list"}, "EUR       1.0845", false},
		{[]string{"rates", "delete", "EUR"}, "deleted the exchange rate for EUR", false},
		{[]string{"rates", "delete", "EUR"}, "no exchange rate for EUR", true},
	} {
		out, err := runIn(t, dir, "", tc.args...)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%v: err %v", tc.args, err)
		}
		if err != nil {
			out += err.Error()
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("%v: %q lacks %q", tc.args, out, tc.want)
		}
	}
}

// TestMetricsRetentionOpen lists the accounts behind a number: SMB's churn
// in 2025-Q3 is Bolt's $2,000.
func TestMetricsRetentionOpen(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	args := []string{"metrics", "retention", "--period", "2025-Q3", "--as-of", "2025-12-31", "--by", "tier", "--slice", "SMB", "--open", "churn"}
	out, _, err := run(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"churn of tier=SMB, 2025-Q3", "$2,000.00 in 1", "Bolt", "CHURNED ON", "2025-09-01", "No reason recorded", "CSM"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Cove") {
		t.Errorf("Cove did not churn:\n%s", out)
	}
	if slices.Contains(strings.Fields(out), "COUNT") {
		t.Errorf("a count column that reads 1 on every row:\n%s", out)
	}
	out, _, err = run(t, dir, append(args, "--format", "csv")...)
	if err != nil || !strings.Contains(out, ",Bolt,bolt,,2000.00,USD,1,2025-09-01,unknown,") {
		t.Errorf("csv %v:\n%s", err, out)
	}
	if _, _, err := run(t, dir, "metrics", "retention", "--as-of", "2025-12-31", "--open", "everything"); err == nil || !strings.Contains(err.Error(), "--open") {
		t.Errorf("bad component: %v", err)
	}
}

// TestMetricsReports: churn, pipeline and cohorts print the same reports
// the API answers (compared as JSON), and tables a person can read.
func TestMetricsReports(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	day, _ := civil.Parse("2025-12-31")
	book, accounts, err := retention.Load(ctx, st, day)
	if err != nil {
		t.Fatal(err)
	}
	records, err := retention.ChurnRecords(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := retention.Outlook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	q3, _ := revenue.ParsePeriod("2025-Q3")
	churn, err := retention.Churn(book, accounts, records, q3, "tier")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, tc := range []struct {
		args []string
		want any
	}{
		{[]string{"churn", "--period", "2025-Q3", "--by", "tier"}, churn},
		{[]string{"pipeline", "--months", "4"}, retention.PipelineFor(book, calls, 4)},
		{[]string{"cohorts", "--months", "12"}, retention.CohortsFor(book, 12)},
	} {
		args := append(append([]string{"metrics"}, tc.args...), "--as-of", "2025-12-31")
		out, _, err := run(t, dir, append(args, "--format", "json")...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		want, _ := json.MarshalIndent(tc.want, "", "  ")
		if strings.TrimSpace(out) != string(want) {
			t.Errorf("%v --format json differs from the report:\n%s\nwant\n%s", tc.args, out, want)
		}
		if out, _, err := run(t, dir, args...); err != nil || !strings.Contains(out, "2025-12-31") {
			t.Errorf("%v as a table: %v\n%s", tc.args, err, out)
		}
	}
	if _, _, err := run(t, dir, "metrics", "churn", "--by", "colour"); err == nil || !strings.Contains(err.Error(), "--by") {
		t.Errorf("a bad --by: %v", err)
	}
	if _, _, err := run(t, dir, "metrics", "pipeline", "--months", "0"); err == nil {
		t.Error("--months 0 was accepted")
	}
}
