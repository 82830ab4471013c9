package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Rule firings do not move the figures cache's change counter: no figure
// is computed from them.

// PutRuleFirings writes the audit of firings in one transaction.
func (db *DB) PutRuleFirings(ctx context.Context, fs []store.RuleFiring) error {
	if len(fs) == 0 {
		return nil
	}
	var errs validate.Errors
	for i := range fs {
		f := &fs[i]
		field := func(n string) string { return "firings[" + strconv.Itoa(i) + "]." + n }
		if f.AccountID <= 0 {
			errs.Add(field("account_id"), "required", "is required")
		}
		if strings.TrimSpace(f.Rule) == "" {
			errs.Add(field("rule"), "required", "is required")
		}
		if f.At.IsZero() {
			f.At = time.Now()
		}
		f.At = f.At.UTC().Truncate(time.Microsecond)
		for _, j := range []struct {
			name string
			v    *[]byte
		}{{"saw", &f.Saw}, {"did", &f.Did}} {
			if len(*j.v) == 0 {
				*j.v = []byte("{}")
			} else if !json.Valid(*j.v) {
				errs.Add(field(j.name), "invalid", "is not JSON")
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, db.D.rebind("INSERT INTO rule_firings (rule, rules_version, account_id, at, trigger_kind, saw, did) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"))
	if err != nil {
		return fmt.Errorf("put rule firings: %w", err)
	}
	defer st.Close()
	for i := range fs {
		f := &fs[i]
		if err := st.QueryRowContext(ctx, f.Rule, f.RulesVersion, f.AccountID, db.D.TimeArg(f.At), f.Trigger, string(f.Saw), string(f.Did)).Scan(&f.ID); err != nil {
			if kind, _ := db.D.Constraint(err); kind == "foreign" {
				return validate.Errors{{Field: "firings[" + strconv.Itoa(i) + "].account_id", Code: "not_found", Message: fmt.Sprintf("no account with id %d", f.AccountID)}}
			}
			return fmt.Errorf("put rule firings: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("put rule firings: %w", err)
	}
	return nil
}

// RuleFirings reads the audit newest first.
func (db *DB) RuleFirings(ctx context.Context, q store.RuleFiringQuery) ([]store.RuleFiring, error) {
	var (
		where []string
		args  []any
	)
	if q.AccountID != 0 {
		where, args = append(where, "account_id = ?"), append(args, q.AccountID)
	}
	if q.Rule != "" {
		where, args = append(where, "rule = ?"), append(args, q.Rule)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, db.D.TimeArg(q.Since.UTC().Truncate(time.Microsecond)))
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	s := "SELECT id, rule, rules_version, account_id, at, trigger_kind, saw, did FROM rule_firings"
	if len(where) > 0 {
		s += " WHERE " + strings.Join(where, " AND ")
	}
	s += " ORDER BY at DESC, id DESC LIMIT " + strconv.Itoa(q.Limit)
	rows, err := db.R.QueryContext(ctx, db.D.rebind(s), args...)
	if err != nil {
		return nil, fmt.Errorf("rule firings: %w", err)
	}
	defer rows.Close()
	var out []store.RuleFiring
	for rows.Next() {
		var (
			f        store.RuleFiring
			v        int64
			saw, did string
		)
		if err := rows.Scan(&f.ID, &f.Rule, intScan{&v}, &f.AccountID, timeScan{&f.At}, &f.Trigger, &saw, &did); err != nil {
			return nil, fmt.Errorf("rule firings: %w", err)
		}
		f.RulesVersion, f.Saw, f.Did = int(v), []byte(saw), []byte(did)
		out = append(out, f)
	}
	return out, rows.Err()
}

// PutRuleRun records a full evaluation.
func (db *DB) PutRuleRun(ctx context.Context, r *store.RuleRun) error {
	if r.Day.IsZero() {
		return validate.Errors{{Field: "day", Code: "required", Message: "is required"}}
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	r.StartedAt = r.StartedAt.UTC().Truncate(time.Microsecond)
	r.Took = r.Took.Truncate(time.Millisecond)
	day, _ := r.Day.Value()
	err := db.W.QueryRowContext(ctx, db.D.rebind("INSERT INTO rule_runs (day, rules_version, accounts, firings, started_at, took_ms) VALUES ("+db.D.Param("date")+", ?, ?, ?, ?, ?) RETURNING id"),
		day, r.RulesVersion, r.Accounts, r.Firings, db.D.TimeArg(r.StartedAt), r.Took.Milliseconds()).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("put rule run: %w", err)
	}
	return nil
}

// RuleRuns reads the latest full evaluations.
func (db *DB) RuleRuns(ctx context.Context, limit int) ([]store.RuleRun, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := db.R.QueryContext(ctx, "SELECT id, day, rules_version, accounts, firings, started_at, took_ms FROM rule_runs ORDER BY started_at DESC, id DESC LIMIT "+strconv.Itoa(limit))
	if err != nil {
		return nil, fmt.Errorf("rule runs: %w", err)
	}
	defer rows.Close()
	var out []store.RuleRun
	for rows.Next() {
		var (
			r                   store.RuleRun
			v, n, fired, tookMS int64
		)
		if err := rows.Scan(&r.ID, &r.Day, intScan{&v}, intScan{&n}, intScan{&fired}, timeScan{&r.StartedAt}, intScan{&tookMS}); err != nil {
			return nil, fmt.Errorf("rule runs: %w", err)
		}
		r.RulesVersion, r.Accounts, r.Firings, r.Took = int(v), int(n), int(fired), time.Duration(tookMS)*time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}
