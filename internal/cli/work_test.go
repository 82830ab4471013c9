package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestWork: `tend migrate` makes the queue's tables; `tend work` elects
// itself leader, queues the usage prune and works it, and stops cleanly on
// its context's end.
func TestWork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := sqlite.OpenWriter(context.Background(), filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	testWork(t, dir, nil, jobs.Where{SQLite: w})
}

// TestWorkPostgres is TestWork on PostgreSQL, where web and workers may
// run on different machines.
func TestWorkPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t)
	testWork(t, t.TempDir(), []string{"--database-url", url}, jobs.Where{PostgresURL: url})
}

func testWork(t *testing.T, dir string, flags []string, where jobs.Where) {
	if _, _, err := run(t, dir, append(flags, "migrate")...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := New()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--data-dir", dir, "--log-level", "warn", "work"}, flags...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	q, err := jobs.Open(ctx, where, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		counts, err := q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Other periodic jobs (the health rescore sweep) run beside it.
		if slices.Contains(counts, jobs.Count{Kind: "usage_prune", State: "completed", N: 1}) {
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
