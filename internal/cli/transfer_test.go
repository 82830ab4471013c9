package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/publicdata"
)

// run runs tend with args against a data directory and returns what it
// wrote and the error Main would turn into an exit code.
func run(t *testing.T, dataDir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := New()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"--data-dir", dataDir, "--log-level", "warn"}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func ravenFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(publicdata.Dir(t, "ravenstack"), "ravenstack_"+name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportExitCodes runs the documented RavenStack recipe, then a
// broken file (exit code 2, one line per bad row, an errors file), then an
// export that imports back with nothing created.
func TestImportExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	// A dry run on a fresh directory writes nothing, not even a database.
	out, _, err := run(t, data, "import", "accounts", ravenFile(t, "accounts"), "--dry-run",
		"--map", "referral_source=attributes.referral_source,seats=attributes.seats:number,is_trial=attributes.is_trial:boolean,churn_flag=attributes.churn_flag:boolean")
	if err != nil || !strings.Contains(out, "500 rows, 500 valid, 0 rejected; nothing written") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "tend.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created the database (%v)", err)
	}

	out, errOut, err := run(t, data, "import", "accounts", ravenFile(t, "accounts"),
		"--map", "referral_source=attributes.referral_source,seats=attributes.seats:number,is_trial=attributes.is_trial:boolean,churn_flag=attributes.churn_flag:boolean")
	if err != nil || !strings.Contains(out, "500 created, 0 updated, 0 rejected") {
		t.Fatalf("accounts: %v\n%s%s", err, out, errOut)
	}

	b, err := os.ReadFile(ravenFile(t, "subscriptions"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\r\n")
	lines[2] = strings.Replace(lines[2], ",833,", ",8x3,", 1)                                       // S-0f6f44's MRR
	lines[3] = strings.Replace(lines[3], "2024-11-25", "2024-11-31", 1)                             // S-51c0d1's start
	lines[4] = strings.Replace(lines[4], ",FALSE,FALSE,FALSE,TRUE,", ",FALSE,FALSE,FALSE,nope,", 1) // S-f81687's churn flag is ignored
	broken := filepath.Join(dir, "subs.csv")
	if err := os.WriteFile(broken, []byte(strings.Join(lines, "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	errorsFile := filepath.Join(dir, "rejected.csv")
	out, errOut, err = run(t, data, "import", "subscription", broken, "--map", "account_id=account_external_id",
		"--set", "product=RavenStack", "--errors-file", errorsFile, "--show-errors", "1")
	var ex exitError
	if !asExit(err, &ex) || ex.code != 2 || ex.msg != "2 of 5000 rows rejected" {
		t.Fatalf("broken file: err %v, want exit code 2\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "4998 created, 0 updated, 2 rejected, 13 with warnings") {
		t.Errorf("summary: %s", out)
	}
	for _, want := range []string{
		`line 3, column "mrr_amount": "8x3" is not an amount`,
		"… and 1 more rejected rows in " + errorsFile,
		`warning: columns not imported: "upgrade_flag" (no matching field)`,
		`warning: line 171, column "end_date": ends on the day it starts (2024-12-31): it carries no revenue, so retention leaves it out`,
		"… and 12 more rows with warnings",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	f, err := os.Open(errorsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0][:4], ",") != "line,error,subscription_id,account_id" ||
		recs[2][0] != "4" || recs[2][1] != `column "start_date": "2024-11-31" is not a date (want YYYY-MM-DD)` || recs[2][2] != "S-51c0d1" {
		t.Errorf("errors file: %q", recs)
	}

	exported := filepath.Join(dir, "out", "subs.csv")
	if err := os.Mkdir(filepath.Dir(exported), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := run(t, data, "export", "subscriptions", "-o", exported); err != nil || !strings.Contains(errOut, "exported 4998 subscriptions") {
		t.Fatalf("export: %v %s", err, errOut)
	}
	out, errOut, err = run(t, data, "import", "subscriptions", exported)
	if err != nil || !strings.Contains(out, "0 created, 4998 updated, 0 rejected") {
		t.Errorf("re-import of the export: %v\n%s%s", err, out, errOut)
	}

	_, _, err = run(t, data, "import", "opportunities", exported)
	if err == nil || !strings.Contains(err.Error(), "users, accounts, contacts") {
		t.Errorf("unknown object: %v", err)
	}
	_, _, err = run(t, data, "import", "accounts", filepath.Join(dir, "x.xlsx"))
	if err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("unknown format: %v", err)
	}
}

// tend export --safe-formulas guards text cells a spreadsheet would run;
// without it the export is the exact text that imports back.
func TestExportSafeFormulas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	in := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(in, []byte("external_id,name,industry\nA1,=1+1,@SUM(A1)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := run(t, data, "import", "accounts", in); err != nil || !strings.Contains(out, "1 created") {
		t.Fatalf("import: %v %s%s", err, out, errOut)
	}
	plain, _, err := run(t, data, "export", "accounts")
	if err != nil || !strings.Contains(plain, ",=1+1,,,@SUM(A1),") {
		t.Errorf("plain export: %v\n%s", err, plain)
	}
	safe, _, err := run(t, data, "export", "accounts", "--safe-formulas")
	if err != nil || !strings.Contains(safe, ",'=1+1,,,'@SUM(A1),") {
		t.Errorf("export --safe-formulas: %v\n%s", err, safe)
	}
}
