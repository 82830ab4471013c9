package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tendhq/tend/internal/validate"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane). A hash records its own parameters, so raising these later still
// verifies old hashes and NeedsRehash upgrades them at the next sign-in.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password length limits. Long passphrases are welcome; the upper bound only
// keeps hashing cheap enough not to be a denial of service.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// CheckPasswordRules reports a password that is too short or too long, as
// a validation error on field.
func CheckPasswordRules(field, pw string) error {
	var errs validate.Errors
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		errs.Add(field, "too_short", "must be at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		errs.Add(field, "too_long", "must be at most %d bytes", MaxPasswordLen)
	}
	return errs.Err()
}

// HashPassword returns the argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules("password", pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// errBadHash is returned for a stored hash Tend cannot read.
var errBadHash = errors.New("auth: unreadable password hash")

type phc struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func parsePHC(h string) (phc, error) {
	var p phc
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, errBadHash
	}
	var err error
	enc := base64.RawStdEncoding
	if p.salt, err = enc.DecodeString(parts[4]); err != nil {
		return p, errBadHash
	}
	if p.key, err = enc.DecodeString(parts[5]); err != nil || len(p.key) == 0 {
		return p, errBadHash
	}
	if p.memory == 0 || p.time == 0 || p.threads == 0 || p.memory > 1<<22 || p.time > 64 {
		return p, errBadHash
	}
	return p, nil
}

// VerifyPassword reports whether pw matches hash, in constant time. An
// empty or unreadable hash (a user who never set a password) matches
// nothing.
func VerifyPassword(hash, pw string) bool {
	p, err := parsePHC(hash)
	if err != nil || len(pw) > MaxPasswordLen {
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

// NeedsRehash reports whether hash was made with weaker parameters than
// today's, so that a successful sign-in should store a fresh one.
func NeedsRehash(hash string) bool {
	p, err := parsePHC(hash)
	return err != nil || p.memory < argonMemory || p.time < argonTime || len(p.key) < argonKeyLen
}

// dummyHash is verified against when the user does not exist, so that a
// wrong email takes as long as a wrong password and timing does not reveal
// which emails have accounts.
var dummyHash = func() string {
	h, err := HashPassword("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	return h
}()

// BurnPasswordCheck spends the time one VerifyPassword takes.
func BurnPasswordCheck(pw string) { VerifyPassword(dummyHash, pw) }

// NewPassword returns a random one-time password: 20 characters from an
// alphabet without look-alikes, about 110 bits.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// Whether a user can sign in, as the admin page and `tend user list` show it.
const (
	SignInActive     = "active"   // has a password of their own
	SignInOneTime    = "one_time" // has a one-time password to replace
	SignInNoPassword = "none"     // no password yet: cannot sign in
	SignInDisabled   = "disabled" // disabled: cannot sign in
)

// SignInState is a user's sign-in state from what the store holds.
func SignInState(disabled bool, hash string, mustChange bool) string {
	switch {
	case disabled:
		return SignInDisabled
	case hash == "":
		return SignInNoPassword
	case mustChange:
		return SignInOneTime
	}
	return SignInActive
}
