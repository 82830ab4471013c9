package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Snapshot writes a consistent copy of the database file at src to dst
// with VACUUM INTO, on a connection of its own: it reads one snapshot of
// the WAL database while Tend keeps writing, and the copy is compacted and
// self-contained (no WAL beside it). dst must not exist.
func Snapshot(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("snapshot: %s already exists", dst)
	}
	db, err := sql.Open("sqlite", dsn(src, "&_pragma=query_only(0)"))
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("snapshot of %s: %w", src, err)
	}
	return nil
}

// Inspect reads a database file without changing it: its schema version
// and the number of rows in each of its tables (Tend's and the job
// queue's). It is how a backup's manifest is made and a restore checked.
func Inspect(ctx context.Context, path string) (schema int, rows map[string]int64, err error) {
	if _, err := os.Stat(path); err != nil {
		return 0, nil, fmt.Errorf("inspect: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer tx.Rollback()
	list, err := tx.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
	if err != nil {
		return 0, nil, fmt.Errorf("%s is not a readable database: %w", path, err)
	}
	var names []string
	for list.Next() {
		var n string
		if err := list.Scan(&n); err != nil {
			list.Close()
			return 0, nil, err
		}
		names = append(names, n)
	}
	if err := list.Close(); err != nil {
		return 0, nil, err
	}
	if err := list.Err(); err != nil {
		return 0, nil, err
	}
	rows = make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return 0, nil, fmt.Errorf("count %s: %w", n, err)
		}
		rows[n] = c
	}
	if _, ok := rows["schema_version"]; ok {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&schema); err != nil {
			return 0, nil, fmt.Errorf("schema version of %s: %w", path, err)
		}
	}
	return schema, rows, nil
}

// Newest is the newest schema version this binary knows: the number of
// its last migration.
func Newest() (int, error) {
	ents, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	newest := 0
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return 0, errors.New("migration " + e.Name() + " has no number")
		}
		newest = max(newest, v)
	}
	return newest, nil
}
