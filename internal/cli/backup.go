package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/backup"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// pgBackupHelp is what the backup commands say to a PostgreSQL user.
const pgBackupHelp = "with PostgreSQL, back up with pg_dump -Fc and restore with pg_restore (docs/operations.md shows how)"

func backupCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent, compressed copy of the embedded database to FILE, while Tend runs",
		Long: `Write a backup of the embedded database (tend.db in the data directory) to
FILE: a gzip-compressed tar of manifest.json (Tend's and the schema's
version, the time, the rows in each table, the database's SHA-256) and
tend.db. The copy is one consistent snapshot taken with SQLite's VACUUM
INTO; 'tend serve' can keep running and writing meanwhile. FILE appears
only when it is complete. Restore it with 'tend restore FILE'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.cfg.DatabaseURL != "" {
				return errors.New("tend backup copies the embedded database; " + pgBackupHelp)
			}
			ctx, file := cmd.Context(), args[0]
			start := time.Now()
			m, err := e.writeBackup(ctx, file)
			if err != nil {
				return err
			}
			rows := m.Rows
			var total int64
			for _, n := range rows {
				total += n
			}
			size := int64(0)
			if fi, err := os.Stat(file); err == nil {
				size = fi.Size()
			}
			fmt.Fprintf(e.out, "Backed up %s (schema %d, %d rows in %d tables, %s) to %s (%s) in %s.\n",
				e.sqlitePath(), m.Schema, total, len(rows), mib(m.Bytes), file, mib(size), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

// writeBackup writes a backup of the embedded database to file: a
// snapshot beside it, counted, then archived with its manifest.
func (e *env) writeBackup(ctx context.Context, file string) (backup.Manifest, error) {
	src := e.sqlitePath()
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return backup.Manifest{}, e.noDatabase()
	}
	snap := file + ".db.tmp"
	_ = os.Remove(snap) // left by a backup that crashed
	if err := sqlite.Snapshot(ctx, src, snap); err != nil {
		return backup.Manifest{}, err
	}
	defer os.Remove(snap)
	schema, rows, err := sqlite.Inspect(ctx, snap)
	if err != nil {
		return backup.Manifest{}, err
	}
	if schema == 0 {
		return backup.Manifest{}, e.noDatabase()
	}
	return backup.Create(file, snap, backup.Manifest{
		Tend: thisBuild().Version, Engine: "sqlite", Schema: schema,
		Created: time.Now().UTC().Truncate(time.Second), Rows: rows,
	})
}

// scheduledBackup is the backup job's work (tend serve --backup-dir): a
// backup named by the time into the directory, then all but the newest
// --backup-keep deleted.
func (e *env) scheduledBackup(ctx context.Context) error {
	dir := e.cfg.BackupDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	start := time.Now()
	file := backup.Name(dir, start)
	m, err := e.writeBackup(ctx, file)
	if err != nil {
		return err
	}
	gone, err := backup.Prune(dir, e.cfg.BackupKeep)
	e.log.Info("scheduled backup written", "file", file, "schema", m.Schema, "database_bytes", m.Bytes,
		"took", time.Since(start).Round(time.Millisecond), "deleted_old", len(gone))
	return err
}

func restoreCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup made by 'tend backup' into an empty data directory",
		Long: `Restore the backup FILE (made by 'tend backup') into the data directory,
which must be empty (or not exist yet). The backup is refused, and nothing
is left behind, when it is damaged (cut short, altered: its SHA-256 does
not match), when its schema is newer than this Tend knows, or when the
restored database's row counts differ from the manifest's. An older
schema is brought up to date.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.cfg.DatabaseURL != "" {
				return errors.New("tend restore writes the embedded database; " + pgBackupHelp)
			}
			ctx, file := cmd.Context(), args[0]
			start := time.Now()
			if err := emptyDir(e.cfg.DataDir); err != nil {
				return err
			}
			newest, err := sqlite.Newest()
			if err != nil {
				return err
			}
			dst := e.sqlitePath()
			tmp := dst + ".restoring"
			m, err := backup.Restore(file, tmp, func(m backup.Manifest) error {
				if m.Engine != "sqlite" {
					return fmt.Errorf("%s is a backup of the %s engine; tend restore writes the embedded one", file, m.Engine)
				}
				if m.Schema > newest {
					return fmt.Errorf("%s holds schema version %d, newer than this Tend (%s) knows (%d); restore it with Tend %s or later",
						file, m.Schema, thisBuild().Version, newest, m.Tend)
				}
				return nil
			})
			if err != nil {
				return err
			}
			defer os.Remove(tmp)
			schema, rows, err := sqlite.Inspect(ctx, tmp)
			if err != nil {
				return err
			}
			if err := sameRows(schema, rows, m); err != nil {
				return fmt.Errorf("restore of %s refused: %w", file, err)
			}
			if err := os.Rename(tmp, dst); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			st, err := e.openStore(ctx, true)
			if err != nil {
				return fmt.Errorf("the restored database does not open: %w", err)
			}
			defer st.Close()
			n, err := st.Accounts().Count(ctx, store.Query{})
			if err != nil {
				return err
			}
			if int64(n) != m.Rows["accounts"] {
				return fmt.Errorf("the restored database shows %d accounts, the manifest says %d", n, m.Rows["accounts"])
			}
			var total int64
			for _, c := range rows {
				total += c
			}
			fmt.Fprintf(e.out, "Restored %s (made %s by Tend %s, schema %d) into %s: %d rows in %d tables, all as the manifest counts them, in %s.\n",
				file, m.Created.Format(time.RFC3339), m.Tend, m.Schema, dst, total, len(rows), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

// sameRows checks a restored database against its manifest, table by
// table, naming every difference.
func sameRows(schema int, rows map[string]int64, m backup.Manifest) error {
	var diffs []string
	if schema != m.Schema {
		diffs = append(diffs, fmt.Sprintf("schema version %d, the manifest says %d", schema, m.Schema))
	}
	for t, want := range m.Rows {
		got, ok := rows[t]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("table %s is missing (the manifest counts %d rows)", t, want))
		case got != want:
			diffs = append(diffs, fmt.Sprintf("table %s has %d rows, the manifest says %d", t, got, want))
		}
	}
	for t := range rows {
		if _, ok := m.Rows[t]; !ok {
			diffs = append(diffs, fmt.Sprintf("table %s is not in the manifest", t))
		}
	}
	if diffs == nil {
		return nil
	}
	slices.Sort(diffs)
	return errors.New(strings.Join(diffs, "; "))
}

// emptyDir makes dir if it does not exist and refuses one that holds
// anything, naming what.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if len(ents) == 0 {
		return nil
	}
	var names []string
	for i, en := range ents {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ents)-5))
			break
		}
		names = append(names, en.Name())
	}
	return fmt.Errorf("the data directory %s is not empty (it holds %s); restore into an empty one (--data-dir or TEND_DATA_DIR), so nothing there is overwritten",
		dir, strings.Join(names, ", "))
}

// mib writes a byte count in MiB, or KiB when small.
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
