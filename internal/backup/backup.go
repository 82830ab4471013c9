// Package backup is Tend's backup file: a gzip-compressed tar holding
// manifest.json (what the backup is: Tend's and the schema's version,
// when, the rows of each table, the database's size and SHA-256) and then
// tend.db, a consistent copy of the embedded database. It knows nothing of
// SQL: the store makes the copy and counts its rows.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Format names the file layout in every manifest; a reader refuses any
// other.
const Format = "tend-backup/1"

// Entry names inside the archive, in the order they are written.
const (
	ManifestEntry = "manifest.json"
	DatabaseEntry = "tend.db"
)

// Manifest describes a backup. Create fills Format, Bytes and SHA256.
type Manifest struct {
	Format  string           `json:"format"`
	Tend    string           `json:"tend_version"`
	Engine  string           `json:"engine"`
	Schema  int              `json:"schema_version"`
	Created time.Time        `json:"created"`
	Bytes   int64            `json:"database_bytes"`
	SHA256  string           `json:"database_sha256"`
	Rows    map[string]int64 `json:"rows"`
}

// Create writes the backup of the database file db, described by m, to
// path. It writes path+".tmp", syncs it and renames it into place, so a
// crash never leaves a partial backup under path.
func Create(path, db string, m Manifest) (Manifest, error) {
	sum, n, err := hashFile(db)
	if err != nil {
		return m, err
	}
	m.Format, m.Bytes, m.SHA256 = Format, n, sum
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	err = writeArchive(f, db, head, m)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return m, fmt.Errorf("backup to %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return m, nil
}

func writeArchive(w io.Writer, db string, head []byte, m Manifest) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: ManifestEntry, Mode: 0o600, Size: int64(len(head)), ModTime: m.Created, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if _, err := tw.Write(head); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: DatabaseEntry, Mode: 0o600, Size: m.Bytes, ModTime: m.Created, Format: tar.FormatPAX}); err != nil {
		return err
	}
	src, err := os.Open(db)
	if err != nil {
		return err
	}
	defer src.Close()
	if n, err := io.Copy(tw, src); err != nil {
		return err
	} else if n != m.Bytes {
		return fmt.Errorf("%s changed while it was being written (%d bytes, then %d)", db, m.Bytes, n)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// ErrDamaged is wrapped by every error that says a backup file is not a
// whole, unaltered Tend backup.
var ErrDamaged = errors.New("damaged backup")

func damaged(path, format string, args ...any) error {
	return fmt.Errorf("%s is not a whole Tend backup (%w): %s", path, ErrDamaged, fmt.Sprintf(format, args...))
}

// Restore reads the backup at path: its manifest, which check may refuse
// before anything is written, then the database, written to dst (which
// must not exist) and checked against the manifest's size and SHA-256. On
// any error dst is removed.
func Restore(path, dst string, check func(Manifest) error) (Manifest, error) {
	var m Manifest
	f, err := os.Open(path)
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return m, damaged(path, "not gzip-compressed: %v", err)
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil || h.Name != ManifestEntry {
		return m, damaged(path, "it does not begin with %s (%v)", ManifestEntry, err)
	}
	head, err := io.ReadAll(io.LimitReader(tr, 1<<20))
	if err != nil {
		return m, damaged(path, "reading %s: %v", ManifestEntry, err)
	}
	if err := json.Unmarshal(head, &m); err != nil {
		return m, damaged(path, "%s: %v", ManifestEntry, err)
	}
	if m.Format != Format {
		return m, damaged(path, "format %q, this Tend reads %q", m.Format, Format)
	}
	if err := check(m); err != nil {
		return m, err
	}
	h, err = tr.Next()
	if err != nil || h.Name != DatabaseEntry {
		return m, damaged(path, "no %s after the manifest (%v)", DatabaseEntry, err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	err = func() error {
		sum := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, sum), tr)
		if err != nil {
			return damaged(path, "%s cut short after %d of %d bytes: %v", DatabaseEntry, n, m.Bytes, err)
		}
		if n != m.Bytes {
			return damaged(path, "%s has %d bytes, the manifest says %d", DatabaseEntry, n, m.Bytes)
		}
		if got := hex.EncodeToString(sum.Sum(nil)); got != m.SHA256 {
			return damaged(path, "%s checksum mismatch: SHA-256 %s, the manifest says %s", DatabaseEntry, got, m.SHA256)
		}
		// Read to the end, so gzip checks its own CRC and length.
		if _, err := tr.Next(); err != io.EOF {
			return damaged(path, "unexpected content after %s (%v)", DatabaseEntry, err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return damaged(path, "the compressed stream ends badly: %v", err)
		}
		if err := out.Sync(); err != nil {
			return err
		}
		return out.Close()
	}()
	if err != nil {
		out.Close()
		os.Remove(dst)
		return m, err
	}
	return m, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// syncDir makes a rename in dir durable; where that is not possible
// (some platforms), the rename stands as the OS left it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
