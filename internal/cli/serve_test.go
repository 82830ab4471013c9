package cli

import (
	"strings"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.0.0.2:1": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.5:80": false, "example.com:80": false, "8080": false,
	} {
		if got := isLoopback(addr); got != ok {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, ok)
		}
	}
}

func TestMigrateConfigVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _, err := run(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "migrated sqlite database to schema version") {
		t.Fatalf("first migrate: %q %v", out, err)
	}
	out, _, err = run(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q %v", out, err)
	}
	out, _, err = run(t, dir, "config", "--database-url", "postgres://tend:hunter2@db/tend")
	if err != nil || strings.Contains(out, "hunter2") || !strings.Contains(out, "tend:********@db") {
		t.Fatalf("config shows secrets or fails: %q %v", out, err)
	}
	out, _, err = run(t, dir, "version")
	if err != nil || !strings.HasPrefix(out, "tend ") {
		t.Fatalf("version: %q %v", out, err)
	}
}
