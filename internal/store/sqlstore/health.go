package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Health scores, pulses and scorecards (store.Health; migration 0008).
// None of these writes moves the figures cache's change counter: no
// figure is computed from them (see store.Health).

// scoreChunk is how many scores one statement writes: 8 parameters each,
// well under both engines' limits.
const scoreChunk = 500

// PutHealthScores writes current scores and history points.
func (db *DB) PutHealthScores(ctx context.Context, scores []store.HealthScore) error {
	if len(scores) == 0 {
		return nil
	}
	rows, err := checkScores(scores)
	if err != nil {
		return err
	}
	// One score (a rescore) runs statements prepared once per DB, before
	// the transaction takes SQLite's one writing connection: parsing them
	// was a third of a rescore.
	var one []*sql.Stmt
	if len(rows) == 1 {
		for _, q := range append([]string{db.D.rebind(fmt.Sprintf(currentScoresSQL, "?"))}, db.scoreSQL(1)...) {
			st, err := db.writeStmt(ctx, q)
			if err != nil {
				return fmt.Errorf("put health scores: %w", err)
			}
			one = append(one, st)
		}
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prepared := map[int][]*sql.Stmt{}
	if one != nil {
		prepared[-1] = []*sql.Stmt{tx.StmtContext(ctx, one[0])}
		prepared[1] = []*sql.Stmt{tx.StmtContext(ctx, one[1]), tx.StmtContext(ctx, one[2])}
	}
	defer func() {
		for _, sts := range prepared {
			for _, st := range sts {
				if st != nil {
					st.Close()
				}
			}
		}
	}()
	for start := 0; start < len(rows); start += scoreChunk {
		if err := db.putScores(ctx, tx, rows[start:min(start+scoreChunk, len(rows))], prepared); err != nil {
			tx.Rollback()
			if kind, _ := db.D.Constraint(err); kind == "foreign" {
				return db.missingAccounts(ctx, rows)
			}
			return fmt.Errorf("put health scores: %w", err)
		}
	}
	return tx.Commit()
}

// scoreRow is a checked score in the form the statements take.
type scoreRow struct {
	s      *store.HealthScore
	at     any
	day    any
	score  any
	detail string
}

// checkScores normalises the scores (the day defaults to ScoredAt's, the
// detail to {}), keeps the last of several for one account, and reports
// every bad one by its index.
func checkScores(scores []store.HealthScore) ([]scoreRow, error) {
	var errs validate.Errors
	last := make(map[int64]int, len(scores))
	for i := range scores {
		s := &scores[i]
		field := func(f string) string { return "scores[" + strconv.Itoa(i) + "]." + f }
		if s.AccountID <= 0 {
			errs.Add(field("account_id"), "required", "is required")
		}
		if s.ScoredAt.IsZero() {
			errs.Add(field("scored_at"), "required", "is required")
		}
		if s.Scorecard == "" {
			errs.Add(field("scorecard"), "required", "is required")
		}
		switch {
		case s.Score == nil && s.Colour != store.ColourNone:
			errs.Add(field("colour"), "invalid", "a score with not enough data has no colour, not %q", s.Colour)
		case s.Score != nil && !slices.Contains([]string{store.ColourRed, store.ColourYellow, store.ColourGreen}, s.Colour):
			errs.Add(field("colour"), "invalid", "%q is not red, yellow or green", s.Colour)
		}
		if s.Score != nil && (math.IsNaN(*s.Score) || *s.Score < 0 || *s.Score > 100) {
			errs.Add(field("score"), "invalid", "%v is not between 0 and 100", *s.Score)
		}
		if len(s.Detail) > 0 && !json.Valid(s.Detail) {
			errs.Add(field("detail"), "invalid", "is not JSON")
		}
		last[s.AccountID] = i
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	out := make([]scoreRow, 0, len(last))
	for i := range scores {
		s := &scores[i]
		if last[s.AccountID] != i {
			continue
		}
		s.ScoredAt = s.ScoredAt.UTC().Truncate(time.Microsecond)
		if s.Day.IsZero() {
			s.Day = civil.Of(s.ScoredAt)
		}
		r := scoreRow{s: s, detail: "{}"}
		r.day, _ = s.Day.Value()
		if s.Score != nil {
			r.score = *s.Score
		}
		if len(s.Detail) > 0 {
			r.detail = string(s.Detail)
		}
		out = append(out, r)
	}
	return out, nil
}

// putScores writes one chunk: adds a history point for each score unless
// the account's current score is of the same day with the same result (a
// repeat adds nothing: the day's point stands), and upserts the current
// scores — unless a newer score is already stored (a slower replica's
// result). Which scores are repeats is decided here from the current rows,
// read by key. Statements are prepared once per call and size (parsing a
// 500-row statement costs as much as running it).
func (db *DB) putScores(ctx context.Context, tx *sql.Tx, rows []scoreRow, prepared map[int][]*sql.Stmt) error {
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r.s.AccountID
	}
	type current struct {
		at        time.Time
		day       civil.Date
		score     sql.NullFloat64
		colour    string
		scorecard string
		version   int64
	}
	cur := make(map[int64]current, len(rows))
	var q querier = tx
	if st := prepared[-1]; len(rows) == 1 && st != nil {
		q = stmtQuerier{st[0]}
	}
	err := db.inChunks(ctx, q, ids, currentScoresSQL, func(r *sql.Rows) error {
		var (
			id int64
			c  current
		)
		if err := r.Scan(&id, timeScan{&c.at}, dayScan{&c.day}, &c.score, &c.colour, &c.scorecard, intScan{&c.version}); err != nil {
			return err
		}
		cur[id] = c
		return nil
	})
	if err != nil {
		return err
	}
	hist := make([]scoreRow, 0, len(rows))
	for _, r := range rows {
		c, ok := cur[r.s.AccountID]
		same := ok && c.day == r.s.Day && c.score.Valid == (r.s.Score != nil) && (!c.score.Valid || c.score.Float64 == *r.s.Score) &&
			c.colour == r.s.Colour && c.scorecard == r.s.Scorecard && c.version == int64(r.s.Version) && !c.at.After(r.s.ScoredAt)
		if !same {
			hist = append(hist, r)
		}
	}
	if err := db.execScores(ctx, tx, hist, 0, prepared); err != nil {
		return err
	}
	return db.execScores(ctx, tx, rows, 1, prepared)
}

// currentScoresSQL reads what putScores compares of the current scores.
const currentScoresSQL = "SELECT account_id, scored_at, day, score, colour, scorecard, scorecard_version FROM health_scores WHERE account_id IN (%s)"

// stmtQuerier runs one prepared statement whatever the text it is given
// (the text it was prepared from).
type stmtQuerier struct{ st *sql.Stmt }

func (s stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

// execScores runs statement which of scoreSQL (0 history, 1 current) over
// rows, prepared once per call for each size.
func (db *DB) execScores(ctx context.Context, tx *sql.Tx, rows []scoreRow, which int, prepared map[int][]*sql.Stmt) error {
	if len(rows) == 0 {
		return nil
	}
	sts := prepared[len(rows)]
	if sts == nil {
		sts = make([]*sql.Stmt, 2)
		prepared[len(rows)] = sts
	}
	if sts[which] == nil {
		st, err := tx.PrepareContext(ctx, db.scoreSQL(len(rows))[which])
		if err != nil {
			return err
		}
		sts[which] = st
	}
	args := make([]any, 0, 8*len(rows))
	for _, r := range rows {
		args = append(args, r.s.AccountID, db.D.TimeArg(r.s.ScoredAt), r.day, r.s.Scorecard, int64(r.s.Version), r.score, r.s.Colour, r.detail)
	}
	_, err := sts[which].ExecContext(ctx, args...)
	return err
}

// scoreSQL is putScores' two statements for n scores: the history
// points and the current scores.
func (db *DB) scoreSQL(n int) []string {
	p := db.D.Param
	var v strings.Builder
	v.WriteString("VALUES ")
	for i := range n {
		if i > 0 {
			v.WriteString(", ")
		}
		v.WriteString("(" + p("bigint") + ", " + p("timestamptz") + ", " + p("date") + ", " + p("text") + ", " + p("integer") + ", " + p("double precision") + ", " + p("text") + ", " + p("json") + ")")
	}
	const cols = "(account_id, at, day, scorecard, scorecard_version, score, colour, detail)"
	return []string{
		db.D.rebind("INSERT INTO health_history " + cols + " " + v.String() + ` ON CONFLICT (account_id, at) DO UPDATE SET day = excluded.day, scorecard = excluded.scorecard,
			scorecard_version = excluded.scorecard_version, score = excluded.score, colour = excluded.colour, detail = excluded.detail`),
		db.D.rebind("INSERT INTO health_scores (account_id, scored_at, day, scorecard, scorecard_version, score, colour, detail) " + v.String() + ` ON CONFLICT (account_id) DO UPDATE SET
			scored_at = excluded.scored_at, day = excluded.day, scorecard = excluded.scorecard, scorecard_version = excluded.scorecard_version,
			score = excluded.score, colour = excluded.colour, detail = excluded.detail
			WHERE health_scores.day < excluded.day OR (health_scores.day = excluded.day AND health_scores.scored_at <= excluded.scored_at)`),
	}
}

// missingAccounts names the scores whose accounts do not exist.
func (db *DB) missingAccounts(ctx context.Context, rows []scoreRow) error {
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r.s.AccountID
	}
	found := map[int64]bool{}
	err := db.inChunks(ctx, db.R, ids, "SELECT id FROM accounts WHERE id IN (%s)", func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		found[id] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("put health scores: %w", err)
	}
	var errs validate.Errors
	for _, r := range rows {
		if !found[r.s.AccountID] {
			errs.Add("account_id", "not_found", "no account with id %d", r.s.AccountID)
		}
	}
	if errs == nil {
		return fmt.Errorf("put health scores: an account was deleted while scores were written")
	}
	return errs
}

const scoreCols = "account_id, scored_at, day, scorecard, scorecard_version, score, colour, detail"

func scanScore(sc interface{ Scan(...any) error }) (store.HealthScore, error) {
	var (
		s     store.HealthScore
		score sql.NullFloat64
		ver   int64
	)
	err := sc.Scan(&s.AccountID, timeScan{&s.ScoredAt}, &s.Day, &s.Scorecard, intScan{&ver}, &score, &s.Colour, bytesScan{&s.Detail})
	s.Version = int(ver)
	if score.Valid {
		s.Score = &score.Float64
	}
	return s, err
}

// bytesScan copies a text or binary column.
type bytesScan struct{ p *[]byte }

func (s bytesScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = nil
	case string:
		*s.p = []byte(v)
	case []byte:
		*s.p = slices.Clone(v)
	default:
		return fmt.Errorf("cannot scan %T into bytes", src)
	}
	return nil
}

// HealthScore reads one account's current score.
func (db *DB) HealthScore(ctx context.Context, accountID int64) (store.HealthScore, error) {
	s, err := scanScore(db.queryRow(ctx, "SELECT "+scoreCols+" FROM health_scores WHERE account_id = ?", accountID))
	if err == sql.ErrNoRows {
		return s, fmt.Errorf("health score of account %d: %w", accountID, store.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("health score of account %d: %w", accountID, err)
	}
	return s, nil
}

// HealthScores reads the current scores of a page of accounts.
func (db *DB) HealthScores(ctx context.Context, accountIDs []int64) (map[int64]store.HealthScore, error) {
	ids := make([]any, len(accountIDs))
	for i, id := range accountIDs {
		ids[i] = id
	}
	out := make(map[int64]store.HealthScore, len(ids))
	err := db.inChunks(ctx, db.R, ids, "SELECT "+scoreCols+" FROM health_scores WHERE account_id IN (%s)", func(r *sql.Rows) error {
		s, err := scanScore(r)
		out[s.AccountID] = s
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("health scores: %w", err)
	}
	return out, nil
}

// HealthHistory reads an account's points between two days.
func (db *DB) HealthHistory(ctx context.Context, accountID int64, from, to civil.Date) ([]store.HealthScore, error) {
	if from.IsZero() {
		from = civil.Date{Year: 1, Month: 1, Day: 1}
	}
	if to.IsZero() {
		to = civil.Date{Year: 9999, Month: 12, Day: 31}
	}
	f, _ := from.Value()
	t, _ := to.Value()
	return db.history(ctx, "WHERE account_id = ? AND day BETWEEN "+db.D.Param("date")+" AND "+db.D.Param("date")+" ORDER BY at", accountID, f, t)
}

// HealthScoresOn reads each account's last point of a day.
func (db *DB) HealthScoresOn(ctx context.Context, day civil.Date) ([]store.HealthScore, error) {
	d, _ := day.Value()
	all, err := db.history(ctx, "WHERE day = "+db.D.Param("date")+" ORDER BY account_id, at", d)
	if err != nil {
		return nil, err
	}
	// Keep the last point of each account.
	out := all[:0]
	for i, s := range all {
		if i+1 < len(all) && all[i+1].AccountID == s.AccountID {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

func (db *DB) history(ctx context.Context, where string, args ...any) ([]store.HealthScore, error) {
	rows, err := db.R.QueryContext(ctx, db.D.rebind("SELECT account_id, at, day, scorecard, scorecard_version, score, colour, detail FROM health_history "+where), args...)
	if err != nil {
		return nil, fmt.Errorf("health history: %w", err)
	}
	defer rows.Close()
	var out []store.HealthScore
	for rows.Next() {
		s, err := scanScore(rows)
		if err != nil {
			return nil, fmt.Errorf("health history: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// HealthScoresAsOf reads a page of accounts' points as of a day: for each,
// the latest day on or before it (a backfilled day may have been scored
// after later ones), then that day's latest point.
func (db *DB) HealthScoresAsOf(ctx context.Context, accountIDs []int64, day civil.Date) (map[int64]store.HealthScore, error) {
	// The day is written into the statement (inChunks binds only the
	// ids): it is digits and dashes, and compares as a date on both
	// engines.
	q := "SELECT account_id, at, day, scorecard, scorecard_version, score, colour, detail FROM health_history x" +
		" WHERE x.account_id IN (%s) AND x.day = (SELECT MAX(y.day) FROM health_history y WHERE y.account_id = x.account_id AND y.day <= '" + day.String() + "')" +
		" AND x.at = (SELECT MAX(z.at) FROM health_history z WHERE z.account_id = x.account_id AND z.day = x.day)"
	out := make(map[int64]store.HealthScore, len(accountIDs))
	err := db.inChunks(ctx, db.R, idArgs(accountIDs), q, func(r *sql.Rows) error {
		s, err := scanScore(r)
		out[s.AccountID] = s
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("health scores as of %s: %w", day, err)
	}
	return out, nil
}

// HealthDistribution counts accounts by colour and currency.
func (db *DB) HealthDistribution(ctx context.Context) ([]store.HealthBucket, error) {
	out, err := db.healthDistribution(ctx)
	return out, db.sumErr(err, "MRR of accounts by health colour")
}

func (db *DB) healthDistribution(ctx context.Context) ([]store.HealthBucket, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT COALESCE(h.colour, '`+store.Unscored+`'), a.currency, COUNT(*), CAST(COALESCE(SUM(a.mrr), 0) AS BIGINT), `+
		countCustomers("a")+`, CAST(COALESCE(SUM(CASE WHEN `+isCustomer("a")+` THEN a.mrr ELSE 0 END), 0) AS BIGINT)
		FROM accounts a LEFT JOIN health_scores h ON h.account_id = a.id GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("health distribution: %w", err)
	}
	defer rows.Close()
	var out []store.HealthBucket
	for rows.Next() {
		var (
			b              store.HealthBucket
			n, mrr, cn, cm int64
		)
		if err := rows.Scan(&b.Colour, &b.Currency, intScan{&n}, intScan{&mrr}, intScan{&cn}, intScan{&cm}); err != nil {
			return nil, fmt.Errorf("health distribution: %w", err)
		}
		b.Accounts, b.MRR, b.Customers, b.CustomerMRR = int(n), mrr, int(cn), cm
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetPulse stores a pulse.
func (db *DB) SetPulse(ctx context.Context, p *store.Pulse) error {
	var errs validate.Errors
	p.Reason = strings.TrimSpace(p.Reason)
	p.Colour = strings.ToLower(strings.TrimSpace(p.Colour))
	if p.AccountID <= 0 {
		errs.Add("account_id", "required", "is required")
	}
	errs.OneOf("colour", p.Colour, []string{store.ColourRed, store.ColourYellow, store.ColourGreen})
	errs.MaxLen("reason", p.Reason, 2000)
	now := time.Now().UTC().Truncate(time.Microsecond)
	switch {
	case p.ExpiresOn.IsZero():
		errs.Add("expires_on", "required", "is required")
	case !civil.Of(now).Before(p.ExpiresOn):
		errs.Add("expires_on", "invalid", "must be after today (%s)", civil.Of(now))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	var setBy any
	if p.SetBy != 0 {
		setBy = p.SetBy
	}
	exp, _ := p.ExpiresOn.Value()
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set pulse: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, db.D.rebind("INSERT INTO health_pulses (account_id, colour, reason, set_by, set_at, expires_on) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
		p.AccountID, p.Colour, p.Reason, setBy, db.D.TimeArg(now), exp).Scan(&p.ID)
	if err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return validate.Errors{{Field: "account_id", Code: "not_found", Message: fmt.Sprintf("no account with id %d, or no user with id %d", p.AccountID, p.SetBy)}}
		}
		return fmt.Errorf("set pulse: %w", err)
	}
	if err := db.markDirty(ctx, tx, []int64{p.AccountID}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set pulse: %w", err)
	}
	db.dirtied()
	p.SetAt = now
	return nil
}

// Pulses lists an account's pulses, newest first.
func (db *DB) Pulses(ctx context.Context, accountID int64) ([]store.Pulse, error) {
	rows, err := db.R.QueryContext(ctx, db.D.rebind(`SELECT p.id, p.account_id, p.colour, p.reason, p.set_by, u.email, p.set_at, p.expires_on
		FROM health_pulses p LEFT JOIN users u ON u.id = p.set_by WHERE p.account_id = ? ORDER BY p.set_at DESC, p.id DESC`), accountID)
	if err != nil {
		return nil, fmt.Errorf("pulses: %w", err)
	}
	defer rows.Close()
	var out []store.Pulse
	for rows.Next() {
		var p store.Pulse
		if err := rows.Scan(&p.ID, &p.AccountID, &p.Colour, &p.Reason, intScan{&p.SetBy}, strScan{&p.SetByEmail}, timeScan{&p.SetAt}, &p.ExpiresOn); err != nil {
			return nil, fmt.Errorf("pulses: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveScorecard stores the next version of a scorecard and activates it.
func (db *DB) SaveScorecard(ctx context.Context, c *store.Scorecard) error {
	var errs validate.Errors
	c.Name = strings.TrimSpace(c.Name)
	c.Note = strings.TrimSpace(c.Note)
	errs.Required("name", c.Name)
	errs.MaxLen("name", c.Name, 200)
	errs.Required("yaml", strings.TrimSpace(c.YAML))
	errs.MaxLen("note", c.Note, 2000)
	if err := errs.Err(); err != nil {
		return err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int64
	if err := tx.QueryRowContext(ctx, db.D.rebind("SELECT COALESCE(MAX(version), 0) FROM health_scorecards WHERE name = ?"), c.Name).Scan(&v); err != nil {
		return fmt.Errorf("save scorecard %q: %w", c.Name, err)
	}
	if _, err := tx.ExecContext(ctx, db.D.rebind("UPDATE health_scorecards SET active = FALSE WHERE name = ? AND active"), c.Name); err != nil {
		return fmt.Errorf("save scorecard %q: %w", c.Name, err)
	}
	var by any
	if c.CreatedBy != 0 {
		by = c.CreatedBy
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = tx.QueryRowContext(ctx, db.D.rebind("INSERT INTO health_scorecards (name, version, yaml, note, active, created_by, created_at) VALUES (?, ?, ?, ?, TRUE, ?, ?) RETURNING id"),
		c.Name, v+1, c.YAML, c.Note, by, db.D.TimeArg(now)).Scan(&c.ID)
	if err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return validate.Errors{{Field: "created_by", Code: "not_found", Message: fmt.Sprintf("no user with id %d", c.CreatedBy)}}
		}
		return fmt.Errorf("save scorecard %q: %w", c.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save scorecard %q: %w", c.Name, err)
	}
	c.Version, c.CreatedAt, c.Active = int(v+1), now, true
	return nil
}

// RetireScorecard deactivates a scorecard.
func (db *DB) RetireScorecard(ctx context.Context, name string) error {
	res, err := db.exec(ctx, "UPDATE health_scorecards SET active = FALSE WHERE name = ? AND active", strings.TrimSpace(name))
	if err != nil {
		return fmt.Errorf("retire scorecard %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("active scorecard %q: %w", name, store.ErrNotFound)
	}
	return nil
}

const scorecardSQL = `SELECT c.id, c.name, c.version, c.yaml, c.note, c.active, c.created_by, u.email, c.created_at
	FROM health_scorecards c LEFT JOIN users u ON u.id = c.created_by `

// ActiveScorecards lists the active version of each scorecard.
func (db *DB) ActiveScorecards(ctx context.Context) ([]store.Scorecard, error) {
	return db.scorecards(ctx, "WHERE c.active ORDER BY c.name")
}

// ScorecardVersions lists a scorecard's versions, newest first.
func (db *DB) ScorecardVersions(ctx context.Context, name string) ([]store.Scorecard, error) {
	return db.scorecards(ctx, "WHERE c.name = ? ORDER BY c.version DESC", strings.TrimSpace(name))
}

func (db *DB) scorecards(ctx context.Context, where string, args ...any) ([]store.Scorecard, error) {
	st, err := db.readStmt(ctx, db.D.rebind(scorecardSQL+where)) // read on every rescore
	if err != nil {
		return nil, fmt.Errorf("scorecards: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("scorecards: %w", err)
	}
	defer rows.Close()
	out := []store.Scorecard{}
	for rows.Next() {
		var (
			c   store.Scorecard
			ver int64
		)
		if err := rows.Scan(&c.ID, &c.Name, intScan{&ver}, &c.YAML, &c.Note, boolScan{&c.Active}, intScan{&c.CreatedBy}, strScan{&c.ByEmail}, timeScan{&c.CreatedAt}); err != nil {
			return nil, fmt.Errorf("scorecards: %w", err)
		}
		c.Version = int(ver)
		out = append(out, c)
	}
	return out, rows.Err()
}
