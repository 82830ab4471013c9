package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// TokenPrefix starts every API token, so that secret scanners and people
// can recognise one.
const TokenPrefix = "tend_"

// Session is a signed-in browser. The cookie holds a random secret; the
// store keeps only its SHA-256 (Hash), so a copy of the database signs
// nobody in.
type Session struct {
	Hash       []byte
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
	// MustChangePassword is read with the session: its user signed in
	// with a one-time password and must choose their own before going on.
	MustChangePassword bool
}

// Session lifetimes: a session ends after IdleTimeout without a request or
// at MaxSessionAge whatever happens.
const (
	IdleTimeout   = 12 * time.Hour
	MaxSessionAge = 14 * 24 * time.Hour
	// touchEvery is how stale LastSeenAt may be before a request writes it.
	touchEvery = time.Minute
)

// NewSession returns a session for user starting at now, and the secret
// to put in the cookie.
func NewSession(userID int64, now time.Time, ip, userAgent string) (Session, string) {
	secret, hash := newSecret("")
	return Session{Hash: hash, UserID: userID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(IdleTimeout), IP: ip, UserAgent: clip(userAgent, 300)}, secret
}

// Live reports whether s is still valid at now.
func (s Session) Live(now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.CreatedAt.Add(MaxSessionAge))
}

// Touch reports whether a request at now should extend s, and the new
// expiry: the idle timeout from now, but never past the maximum age.
func (s Session) Touch(now time.Time) (bool, time.Time) {
	if now.Sub(s.LastSeenAt) < touchEvery {
		return false, s.ExpiresAt
	}
	exp := now.Add(IdleTimeout)
	if limit := s.CreatedAt.Add(MaxSessionAge); exp.After(limit) {
		exp = limit
	}
	return true, exp
}

// Token is an API token. Like a session, only its hash is stored; Hint is
// its first characters, enough to recognise it in a list.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Scope      string     `json:"scope"`
	Hint       string     `json:"hint"`
	Hash       []byte     `json:"-"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Check normalises t and reports every problem with its name and scope.
func (t *Token) Check() error {
	var errs validate.Errors
	t.Name = strings.TrimSpace(t.Name)
	errs.Required("name", t.Name)
	errs.MaxLen("name", t.Name, 100)
	errs.OneOf("scope", t.Scope, Scopes)
	if t.UserID <= 0 {
		errs.Add("user_id", "required", "choose the user the token acts for")
	}
	return errs.Err()
}

// Live reports whether t may be used at now.
func (t Token) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// NewToken returns a token for user with scope, and its secret, to be
// shown once.
func NewToken(name string, userID int64, scope string, now time.Time) (Token, string) {
	secret, hash := newSecret(TokenPrefix)
	return Token{Name: name, UserID: userID, Scope: scope, Hint: secret[:len(TokenPrefix)+6],
		Hash: hash, CreatedAt: now}, secret
}

// HashSecret is how a session or token secret is looked up: its SHA-256.
// The secrets are 256 random bits, so a fast hash is enough.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeToken reports whether s has the shape of an API token.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}

func newSecret(prefix string) (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

func randIntn(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
