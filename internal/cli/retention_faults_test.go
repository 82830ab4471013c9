package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name → content into dir and returns the paths by name.
func writeFiles(t *testing.T, dir string, files map[string]string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// mustRun runs tend and fails the test on an error.
func mustRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, dir, args...)
	if err != nil {
		t.Fatalf("tend %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out + errOut
}

// TestPastAsOfInventsNoChurn imports an annual subscription that ended
// before today and closes the books on a day it was still paying: the
// import stores it as ended, but on that day nothing churned.
func TestPastAsOfInventsNoChurn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFiles(t, t.TempDir(), map[string]string{
		"a.csv": "external_id,name\nB0,Annual\n",
		"s.csv": "external_id,account_id,product,start_date,end_date,mrr\nb0,B0,P,2025-01-01,2026-01-01,50\n",
	})
	mustRun(t, dir, "import", "accounts", f["a.csv"])
	mustRun(t, dir, "import", "subscriptions", f["s.csv"], "--map", "account_id=account_external_id")
	out := mustRun(t, dir, "metrics", "retention", "--period", "2025-06", "--as-of", "2025-06-30", "--format", "csv")
	if !strings.Contains(out, "2025-06,all,all,USD,50.00,0.00,0.00,0.00,0.00,0.00,50.00,1,1,1.0000,1.0000,0.0000") {
		t.Errorf("June 2025 as of 2025-06-30 should keep $50 and GRR 100%%:\n%s", out)
	}
}

// TestCohortsByFirstPayment: an account that signed up in January but first
// paid in March is in March's cohort, so January's revenue retention is
// 125% (A: 400 → 500), not 175% (A and B: 400 → 700). The CLI shows as
// many cohorts by default as the web page (24).
func TestCohortsByFirstPayment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFiles(t, t.TempDir(), map[string]string{
		"a.csv": "external_id,name,customer_since\nA,Alpha,2025-01-10\nB,Beta,2025-01-15\n",
		"s.csv": "external_id,account_external_id,product,start_date,end_date,mrr\n" +
			"a1,A,P,2025-01-10,2025-03-01,400\na2,A,P,2025-03-01,2026-03-01,500\nb1,B,P,2025-03-05,2026-03-05,200\n",
	})
	mustRun(t, dir, "import", "accounts", f["a.csv"])
	mustRun(t, dir, "import", "subscriptions", f["s.csv"])
	out := mustRun(t, dir, "metrics", "cohorts", "--as-of", "2025-04-30")
	var jan, mar string
	for _, line := range strings.Split(out, "\n") {
		switch fields := strings.Fields(line); {
		case len(fields) > 0 && fields[0] == "2025-01":
			jan = line
		case len(fields) > 0 && fields[0] == "2025-03":
			mar = line
		}
	}
	if strings.Join(strings.Fields(jan), " ") != "2025-01 1 100.0% 100.0% 125.0% 125.0%" ||
		strings.Join(strings.Fields(mar), " ") != "2025-03 1 100.0% 100.0%" {
		t.Errorf("cohorts:\n%s", out)
	}
	if !strings.Contains(out, "first payment") || !strings.Contains(out, " M23") {
		t.Errorf("the table should say how cohorts are formed and show 24 months:\n%s", out)
	}
}

// TestPeriodAfterAsOf: a period that starts after --as-of is refused
// rather than measured as GRR and NRR of 100%.
func TestPeriodAfterAsOf(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	for _, args := range [][]string{
		{"metrics", "retention", "--period", "2025-Q4", "--as-of", "2025-08-15"},
		{"metrics", "churn", "--period", "2025-10", "--as-of", "2025-08-15"},
	} {
		_, _, err := run(t, dir, args...)
		if err == nil || !strings.Contains(err.Error(), "--period") || !strings.Contains(err.Error(), "after the as-of day 2025-08-15") {
			t.Errorf("%v: err = %v, want --period refused", args, err)
		}
	}
	if _, _, err := run(t, dir, "metrics", "retention", "--period", "2025-Q3", "--as-of", "2025-08-15"); err != nil {
		t.Errorf("a period running at as-of is measured to date: %v", err)
	}
}

// TestSkippedRowsShown: a subscription that ends on the day it starts is
// reported at import and named under every retention report, and the JSON
// says which rows were left out and what unit its amounts are in.
func TestSkippedRowsShown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFiles(t, t.TempDir(), map[string]string{
		"a.csv": "external_id,name\nA,Alpha\n",
		"s.csv": "external_id,account_external_id,product,start_date,end_date,mrr\n" +
			"s1,A,P,2025-01-01,2026-01-01,100\ns2,A,Q,2025-03-01,2025-03-01,40\n",
	})
	mustRun(t, dir, "import", "accounts", f["a.csv"])
	out := mustRun(t, dir, "import", "subscriptions", f["s.csv"])
	if !strings.Contains(out, `warning: line 3, column "end_date": ends on the day it starts (2025-03-01)`) || !strings.Contains(out, "1 with warnings") {
		t.Errorf("import does not say so:\n%s", out)
	}
	const note = "Subscriptions left out of every figure: 1 ending on the day they start."
	for _, cmd := range [][]string{{"retention", "--period", "2025-Q1"}, {"churn", "--period", "2025-Q1"}, {"pipeline"}, {"cohorts"}} {
		out := mustRun(t, dir, append(append([]string{"metrics"}, cmd...), "--as-of", "2025-06-30")...)
		if !strings.Contains(out, note) {
			t.Errorf("metrics %s lacks the note:\n%s", cmd[0], out)
		}
	}
	out = mustRun(t, dir, "metrics", "retention", "--period", "2025-Q1", "--as-of", "2025-06-30", "--format", "json")
	for _, want := range []string{`"amounts_in": "cents"`, `"zero_length": 1`, `"last": "2025-03-31"`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
}

// TestChurnLabels: tend metrics churn names reasons as people read them.
func TestChurnLabels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFiles(t, t.TempDir(), map[string]string{
		"a.csv": "external_id,name\nA,Alpha\nB,Beta\n",
		"s.csv": "external_id,account_external_id,product,start_date,end_date,mrr\n" +
			"s1,A,P,2024-01-01,2025-02-01,100\ns2,B,P,2024-01-01,2025-02-01,50\n",
		"c.csv": "account_external_id,churned_on,reason\nA,2025-01-20,M&A\nB,2025-01-25,poor adoption\n",
	})
	mustRun(t, dir, "import", "accounts", f["a.csv"])
	mustRun(t, dir, "import", "subscriptions", f["s.csv"])
	mustRun(t, dir, "import", "churn", f["c.csv"])
	out := mustRun(t, dir, "metrics", "churn", "--period", "2025-Q1", "--as-of", "2025-06-30")
	for _, want := range []string{"M&A", "Poor adoption"} {
		if !strings.Contains(out, want) {
			t.Errorf("churn lacks %q:\n%s", want, out)
		}
	}
	for _, raw := range []string{"m_and_a", "poor_adoption"} {
		if strings.Contains(out, raw) {
			t.Errorf("churn prints the raw key %q:\n%s", raw, out)
		}
	}
}

// TestEventsReimportCountsDuplicates: importing the same events file again
// says how many events were already stored.
func TestEventsReimportCountsDuplicates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFiles(t, t.TempDir(), map[string]string{
		"e.jsonl": `{"type":"track","userId":"u1","event":"Saved","messageId":"m1","timestamp":"2026-01-02T10:00:00Z"}
{"type":"track","userId":"u1","event":"Opened","messageId":"m2","timestamp":"2026-01-02T11:00:00Z"}
`,
	})
	if out := mustRun(t, dir, "import", "events", f["e.jsonl"]); !strings.Contains(out, "2 created, 0 updated, 0 rejected (") {
		t.Fatalf("first import:\n%s", out)
	}
	if out := mustRun(t, dir, "import", "events", f["e.jsonl"]); !strings.Contains(out, "0 created, 0 updated, 0 rejected, 2 duplicates skipped") {
		t.Errorf("re-import:\n%s", out)
	}
}
