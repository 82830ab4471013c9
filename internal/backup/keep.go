package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Scheduled backups are named tend-YYYYMMDDTHHMMSSZ.tend, so that names
// sort by time.
const (
	scheduledPrefix = "tend-"
	scheduledSuffix = ".tend"
)

// Name is the file in dir of a scheduled backup made at t.
func Name(dir string, t time.Time) string {
	return filepath.Join(dir, scheduledPrefix+t.UTC().Format("20060102T150405Z")+scheduledSuffix)
}

// Prune deletes all but the newest keep scheduled backups in dir (other
// files are left alone) and returns the paths it deleted.
func Prune(dir string, keep int) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		stamp, ok := strings.CutPrefix(n, scheduledPrefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		stamp, ok = strings.CutSuffix(stamp, scheduledSuffix)
		if _, err := time.Parse("20060102T150405Z", stamp); !ok || err != nil {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	var gone []string
	for len(names) > max(keep, 1) {
		p := filepath.Join(dir, names[0])
		if err := os.Remove(p); err != nil {
			return gone, fmt.Errorf("prune old backups: %w", err)
		}
		gone = append(gone, p)
		names = names[1:]
	}
	return gone, nil
}
