package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Sign-in storage: store.Access over the tables of the 0003 migrations.

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.W.ExecContext(ctx, db.D.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.R.QueryRowContext(ctx, db.D.rebind(q), args...)
}

// timeOrNull is the stored form of an optional time.
func (db *DB) timeOrNull(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return db.D.TimeArg(*t)
}

// Password returns the user with email, its password hash and whether the
// password must be changed.
func (db *DB) Password(ctx context.Context, email string) (customer.User, string, bool, error) {
	var (
		id         int64
		hash       string
		mustChange bool
	)
	err := db.queryRow(ctx, "SELECT id, password_hash, must_change_password FROM users WHERE email = ?",
		strings.ToLower(strings.TrimSpace(email))).Scan(intScan{&id}, strScan{&hash}, boolScan{&mustChange})
	if errors.Is(err, sql.ErrNoRows) {
		return customer.User{}, "", false, fmt.Errorf("user %q: %w", email, store.ErrNotFound)
	}
	if err != nil {
		return customer.User{}, "", false, fmt.Errorf("read password: %w", err)
	}
	u, err := db.users.Get(ctx, id)
	return u, hash, mustChange, err
}

// SetPassword stores the hash and ends the user's other sessions, in one
// transaction.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, keep []byte) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, db.D.rebind("UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?"),
		hash, mustChange, db.D.TimeArg(time.Now()), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w", userID, store.ErrNotFound)
	}
	q, args := "DELETE FROM sessions WHERE user_id = ?", []any{userID}
	if keep != nil {
		q, args = q+" AND hash <> ?", append(args, keep)
	}
	if _, err := tx.ExecContext(ctx, db.D.rebind(q), args...); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return tx.Commit()
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.Hash, s.UserID, db.D.TimeArg(s.CreatedAt), db.D.TimeArg(s.LastSeenAt),
		db.D.TimeArg(s.ExpiresAt), s.IP, s.UserAgent)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the unexpired session with hash, and its user.
func (db *DB) Session(ctx context.Context, hash []byte, now time.Time) (auth.Session, customer.User, error) {
	s := auth.Session{Hash: hash}
	err := db.queryRow(ctx, `SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, u.must_change_password
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ? AND s.expires_at > ?`, hash, db.D.TimeArg(now)).
		Scan(intScan{&s.UserID}, timeScan{&s.CreatedAt}, timeScan{&s.LastSeenAt}, timeScan{&s.ExpiresAt}, strScan{&s.IP}, strScan{&s.UserAgent},
			boolScan{&s.MustChangePassword})
	if errors.Is(err, sql.ErrNoRows) {
		return s, customer.User{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return s, customer.User{}, fmt.Errorf("read session: %w", err)
	}
	u, err := db.users.Get(ctx, s.UserID)
	return s, u, err
}

// TouchSession records a request and the new expiry.
func (db *DB) TouchSession(ctx context.Context, hash []byte, now, expires time.Time) error {
	_, err := db.exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?",
		db.D.TimeArg(now), db.D.TimeArg(expires), hash)
	return err
}

// DeleteSession ends one session, and sweeps sessions that have expired.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE hash = ? OR expires_at < ?", hash, db.D.TimeArg(time.Now()))
	return err
}

// DeleteSessions ends every session of a user.
func (db *DB) DeleteSessions(ctx context.Context, userID int64) error {
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

// CreateToken stores t.
func (db *DB) CreateToken(ctx context.Context, t *auth.Token) error {
	if err := t.Check(); err != nil {
		return err
	}
	u, err := db.users.Get(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return validate.Errors{{Field: "user_id", Code: "not_found", Message: fmt.Sprintf("no user with id %d", t.UserID)}}
	}
	if err != nil {
		return err
	}
	var createdBy any
	if t.CreatedBy > 0 {
		createdBy = t.CreatedBy
	}
	err = db.W.QueryRowContext(ctx, db.D.rebind(`INSERT INTO api_tokens (name, user_id, scope, hint, hash, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), t.Name, t.UserID, t.Scope, t.Hint, t.Hash, createdBy,
		db.D.TimeArg(t.CreatedAt), db.timeOrNull(t.ExpiresAt)).Scan(intScan{&t.ID})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	t.UserEmail = u.Email
	return nil
}

const tokenColumns = `t.id, t.name, t.user_id, u.email, t.scope, t.hint, t.hash, t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (auth.Token, error) {
	var (
		t                      auth.Token
		expires, used, revoked time.Time
	)
	err := sc.Scan(intScan{&t.ID}, strScan{&t.Name}, intScan{&t.UserID}, strScan{&t.UserEmail}, strScan{&t.Scope}, strScan{&t.Hint},
		&t.Hash, intScan{&t.CreatedBy}, timeScan{&t.CreatedAt}, timeScan{&expires}, timeScan{&used}, timeScan{&revoked})
	opt := func(v time.Time) *time.Time {
		if v.IsZero() {
			return nil
		}
		return &v
	}
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = opt(expires), opt(used), opt(revoked)
	return t, err
}

// Tokens lists every token, newest first.
func (db *DB) Tokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := db.R.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TokenByHash returns the token with hash and its user.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (auth.Token, customer.User, error) {
	t, err := scanToken(db.queryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, customer.User{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return t, customer.User{}, fmt.Errorf("read token: %w", err)
	}
	u, err := db.users.Get(ctx, t.UserID)
	return t, u, err
}

// TouchToken records a use of the token.
func (db *DB) TouchToken(ctx context.Context, id int64, now time.Time) error {
	_, err := db.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", db.D.TimeArg(now), id)
	return err
}

// RevokeToken revokes a token; the first revocation time is kept.
func (db *DB) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	r, err := db.exec(ctx, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", db.D.TimeArg(now), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// SavedViews lists a user's views of page by name.
func (db *DB) SavedViews(ctx context.Context, userID int64, page string) ([]store.SavedView, error) {
	rows, err := db.R.QueryContext(ctx, db.D.rebind(`SELECT id, user_id, page, name, query, created_at FROM saved_views
		WHERE user_id = ? AND page = ? ORDER BY `+db.D.LowerText("name")+`, id`), userID, page)
	if err != nil {
		return nil, fmt.Errorf("list saved views: %w", err)
	}
	defer rows.Close()
	var out []store.SavedView
	for rows.Next() {
		var v store.SavedView
		if err := rows.Scan(intScan{&v.ID}, intScan{&v.UserID}, strScan{&v.Page}, strScan{&v.Name}, strScan{&v.Query}, timeScan{&v.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list saved views: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveView stores v, replacing a view of the same name.
func (db *DB) SaveView(ctx context.Context, v *store.SavedView) error {
	var errs validate.Errors
	v.Name, v.Page = strings.TrimSpace(v.Name), strings.TrimSpace(v.Page)
	errs.Required("name", v.Name)
	errs.MaxLen("name", v.Name, 80)
	errs.Required("page", v.Page)
	errs.MaxLen("query", v.Query, 4000)
	if err := errs.Err(); err != nil {
		return err
	}
	v.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	err := db.W.QueryRowContext(ctx, db.D.rebind(`INSERT INTO saved_views (user_id, page, name, query, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, page, name) DO UPDATE SET query = excluded.query RETURNING id`),
		v.UserID, v.Page, v.Name, v.Query, db.D.TimeArg(v.CreatedAt)).Scan(intScan{&v.ID})
	if err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return validate.Errors{{Field: "user_id", Code: "not_found", Message: fmt.Sprintf("no user with id %d", v.UserID)}}
		}
		return fmt.Errorf("save view: %w", err)
	}
	return nil
}

// DeleteView deletes the user's view id.
func (db *DB) DeleteView(ctx context.Context, userID, id int64) error {
	r, err := db.exec(ctx, "DELETE FROM saved_views WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("saved view %d: %w", id, store.ErrNotFound)
	}
	return nil
}
