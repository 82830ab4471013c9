package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample(t *testing.T) (dir, file string, m Manifest) {
	t.Helper()
	dir = t.TempDir()
	db := filepath.Join(dir, "src.db")
	body := bytes.Repeat([]byte("tend backup sample page "), 20000)
	if err := os.WriteFile(db, body, 0o600); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "b.tgz")
	m, err := Create(file, db, Manifest{Tend: "test", Engine: "sqlite", Schema: 3, Created: time.Unix(1800000000, 0).UTC(), Rows: map[string]int64{"accounts": 7}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the temporary file is left: %v", err)
	}
	return dir, file, m
}

func accept(Manifest) error { return nil }

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir, file, m := sample(t)
	dst := filepath.Join(dir, "out.db")
	got, err := Restore(file, dst, accept)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != m.SHA256 || got.Bytes != m.Bytes || got.Rows["accounts"] != 7 || got.Schema != 3 || !got.Created.Equal(m.Created) {
		t.Fatalf("manifest read back as %+v, written %+v", got, m)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "src.db"))
	b, _ := os.ReadFile(dst)
	if !bytes.Equal(a, b) {
		t.Fatal("the restored bytes differ")
	}
}

func TestCheckRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	dir, file, _ := sample(t)
	dst := filepath.Join(dir, "out.db")
	no := errors.New("too new")
	if _, err := Restore(file, dst, func(Manifest) error { return no }); !errors.Is(err, no) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused restore wrote %s", dst)
	}
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	dir, file, _ := sample(t)
	whole, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(whole) / 3, len(whole) / 2, len(whole) - 9, len(whole) - 1} {
		cut := filepath.Join(dir, "cut.tgz")
		if err := os.WriteFile(cut, whole[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "out.db")
		if _, err := Restore(cut, dst, accept); !errors.Is(err, ErrDamaged) {
			t.Errorf("cut at %d of %d bytes: got %v, want a damaged backup", n, len(whole), err)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cut at %d: %s left behind", n, dst)
		}
	}
}

// TestChecksumMismatch alters the database inside an otherwise well-formed
// archive.
func TestChecksumMismatch(t *testing.T) {
	t.Parallel()
	dir, file, _ := sample(t)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name == DatabaseEntry {
			b[len(b)/2] ^= 1
		}
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	f.Close()
	bad := filepath.Join(dir, "bad.tgz")
	if err := os.WriteFile(bad, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Restore(bad, filepath.Join(dir, "out.db"), accept)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("got %v", err)
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := os.WriteFile(Name(dir, t0.AddDate(0, 0, i)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, other := range []string{"notes.txt", "tend-latest.tend", "tend-20261130T020000Z.tend.tmp"} {
		os.WriteFile(filepath.Join(dir, other), nil, 0o600)
	}
	gone, err := Prune(dir, 3)
	if err != nil || len(gone) != 2 || gone[0] != Name(dir, t0) || gone[1] != Name(dir, t0.AddDate(0, 0, 1)) {
		t.Fatalf("pruned %v, %v", gone, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 6 {
		t.Errorf("left %d files, want 3 backups and 3 others", len(ents))
	}
}
