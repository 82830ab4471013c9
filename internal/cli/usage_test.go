package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/auth"
)

// TestWriteKeyAndUsageCommands: a write key is printed once and listed by
// its hint, revoked by id; features are refused with every problem, then
// saved; import events and rebuild report what they did.
func TestWriteKeyAndUsageCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	out, errOut, err := run(t, data, "writekey", "create", "Web app")
	secret := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(secret, auth.WriteKeyPrefix) || !strings.Contains(errOut, "shown once") {
		t.Fatalf("create: %v %q %q", err, out, errOut)
	}
	out, _, err = run(t, data, "writekey", "list")
	if err != nil || !strings.Contains(out, secret[:len(auth.WriteKeyPrefix)+6]+"…") || strings.Contains(out, secret) || !strings.Contains(out, "live") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if _, _, err := run(t, data, "writekey", "revoke", "x"); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Fatalf("revoke x: %v", err)
	}
	if _, _, err := run(t, data, "writekey", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	if out, _, _ = run(t, data, "writekey", "list"); !strings.Contains(out, "revoked") {
		t.Fatalf("after revoke:\n%s", out)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"features":[{"key":"A b","events":[]},{"key":"ok","events":["x"]}]}`), 0o600)
	_, errOut, err = run(t, data, "usage", "features", bad)
	if err == nil || !strings.Contains(errOut, `features[0] ("A b") key`) || !strings.Contains(errOut, "events") {
		t.Fatalf("bad features: %v\n%s", err, errOut)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"features":[{"key":"saves","events":["Saved"],"high_value":true}]}`), 0o600)
	if out, _, err = run(t, data, "usage", "features", good); err != nil || !strings.Contains(out, "1 features saved") {
		t.Fatalf("good features: %v %s", err, out)
	}
	if out, _, _ = run(t, data, "usage", "features"); !strings.Contains(out, "saves") {
		t.Fatalf("features listed:\n%s", out)
	}

	acc := filepath.Join(dir, "acc.csv")
	os.WriteFile(acc, []byte("external_id,product_id,name\na1,g1,Acme\n"), 0o600)
	if _, _, err := run(t, data, "import", "accounts", acc); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(dir, "ev.jsonl")
	os.WriteFile(ev, []byte(`{"type":"track","userId":"u","event":"Saved","messageId":"1","context":{"groupId":"g1"},"timestamp":"2026-11-01T00:00:00Z"}
{"type":"track","userId":"u","messageId":"2"}
`), 0o600)
	out, _, err = run(t, data, "import", "events", ev)
	if !strings.Contains(out, "1 created, 0 updated, 1 rejected") || err == nil || !strings.Contains(out+err.Error(), "1 of 2 rows rejected") {
		t.Fatalf("import events: %v\n%s", err, out)
	}
	if out, _, err = run(t, data, "usage", "rebuild"); err != nil || !strings.Contains(out, "1 events over 1 accounts") {
		t.Fatalf("rebuild: %v %s", err, out)
	}
	out, _, err = run(t, data, "usage", "account", "a1", "--as-of", "2026-11-10")
	if err != nil || !strings.Contains(out, "MAU 1") || !strings.Contains(out, "1 of 1 features") || !strings.Contains(out, "saves") {
		t.Fatalf("usage account: %v\n%s", err, out)
	}
	if _, _, err := run(t, data, "usage", "account", "nobody"); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("unknown account: %v", err)
	}
}
