package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestWork: `tend migrate` makes the queue's tables; `tend work` elects
// itself leader, queues the usage prune and works it, and stops cleanly on
// its context's end.
func TestWork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := run(t, dir, "migrate"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := New()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"--data-dir", dir, "--log-level", "warn", "work"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	w, err := sqlite.OpenWriter(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	q, err := jobs.Open(ctx, jobs.Where{SQLite: w}, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		counts, err := q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) > 0 && counts[0] == (jobs.Count{Kind: "usage_prune", State: "completed", N: 1}) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("tend work ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed prune after 30 s: %+v\n%s", counts, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("tend work: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("tend work did not stop")
	}
}
