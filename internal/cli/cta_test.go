package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store/sqlite"
)

func TestCTACommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ada := customer.User{Email: "ada@tend.test", Role: customer.RoleCSM}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Users().Create(ctx, &ada))
	acme := customer.Account{ExternalID: "acme", Name: "Acme", TouchModel: "high", CSMEmail: ada.Email}
	must(st.Accounts().Create(ctx, &acme))
	today := civil.Today()
	for _, c := range []cta.CTA{
		{AccountID: acme.ID, Type: cta.Risk, Reason: "Champion left", Priority: cta.Urgent, Due: today.AddDays(-2)},
		{AccountID: acme.ID, Type: cta.Renewal, Reason: "Renewal in 90 days", Priority: cta.Low, Due: today.AddDays(20)},
	} {
		must(st.OpenCTA(ctx, &c, today, "", 0))
		if c.Type == cta.Renewal {
			_, err := st.EditCTAs(ctx, []int64{c.ID}, cta.Edit{Status: cta.Closed, Outcome: cta.Achieved}, today)
			must(err)
		}
	}
	st.Close()

	out, _, err := run(t, dir, "cta", "list", "--owner", "ada@tend.test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Champion left") || !strings.Contains(out, "(overdue)") || strings.Contains(out, "Renewal in 90") {
		t.Errorf("cta list:\n%s", out)
	}
	out, _, err = run(t, dir, "cta", "list", "--status", "closed", "--type", "renewal")
	if err != nil || !strings.Contains(out, "Renewal in 90 days") || strings.Contains(out, "Champion") {
		t.Errorf("cta list --status closed: %v\n%s", err, out)
	}
	if _, _, err := run(t, dir, "cta", "list", "--type", "gossip"); err == nil || !strings.Contains(err.Error(), "type") {
		t.Errorf("a bad type: %v", err)
	}
	out, _, err = run(t, dir, "cta", "report")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 opened, 1 closed", "1 open now, 1 overdue", "renewal", "achieved", "risk CTAs' accounts: 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, dir, "cta", "report", "--from", "2026-13-01"); err == nil {
		t.Error("a bad --from was taken")
	}
}

func TestPlaybookCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := run(t, dir, "migrate"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, dir, "cta", "playbook", "export", "qbr-due")
	if err != nil || !strings.Contains(out, "name: qbr-due") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	edited := strings.Replace(out, "title: QBR due", "title: QBR due, our way", 1)
	file := filepath.Join(dir, "qbr.yaml")
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, dir, "cta", "playbook", "apply", file); err != nil || !strings.Contains(out, "saved playbook qbr-due") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, _, _ = run(t, dir, "cta", "playbook", "list")
	if !strings.Contains(out, "QBR due, our way") || !strings.Contains(out, "edited") || !strings.Contains(out, "promoter-reference") {
		t.Errorf("list:\n%s", out)
	}
	if err := os.WriteFile(file, []byte("name: qbr-due\ntitle: x\ntype: risk\ntasks:\n  - title: a\n    due_dayz: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, dir, "cta", "playbook", "apply", file); err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("bad YAML: %v", err)
	}
	if _, _, err := run(t, dir, "cta", "playbook", "reset", "qbr-due"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = run(t, dir, "cta", "playbook", "export", "qbr-due")
	if strings.Contains(out, "our way") {
		t.Error("reset kept the edit")
	}
}
