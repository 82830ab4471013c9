package auth

import (
	"strings"
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// WriteKeyPrefix starts every write key Tend makes, so that secret
// scanners and people can recognise one.
const WriteKeyPrefix = "tendwk_"

// WriteKey lets a product send usage to the Segment-compatible ingestion
// endpoints (/v1/...) and nothing else. It is sent as the HTTP basic-auth
// user (or "writeKey" in the body); like an API token only its SHA-256
// (HashSecret) is stored, and Hint is enough of it to recognise it.
type WriteKey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	Hash       []byte     `json:"-"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// NewWriteKey returns a write key named name and its secret, to be shown
// once.
func NewWriteKey(name string, now time.Time) (WriteKey, string) {
	secret, hash := newSecret(WriteKeyPrefix)
	return WriteKey{Name: name, Hint: secret[:len(WriteKeyPrefix)+6], Hash: hash, CreatedAt: now}, secret
}

// Check normalises k and reports every problem with its name.
func (k *WriteKey) Check() error {
	var errs validate.Errors
	k.Name = strings.TrimSpace(k.Name)
	errs.Required("name", k.Name)
	errs.MaxLen("name", k.Name, 100)
	if len(k.Hash) == 0 {
		errs.Add("hash", "required", "a write key needs the hash of its secret")
	}
	return errs.Err()
}

// Live reports whether k may still be used.
func (k WriteKey) Live() bool { return k.RevokedAt == nil }
