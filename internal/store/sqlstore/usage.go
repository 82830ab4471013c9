package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
	"github.com/tendhq/tend/internal/validate"
)

// Product usage: store.Usage over the tables of the 0007 migrations. The
// contract is docs/usage.md's: a message is inserted once per (write key,
// messageId) and only inserted messages have effects; rollup rows are
// added in key order so concurrent writers lock in the same order.

// CreateWriteKey stores k.
func (db *DB) CreateWriteKey(ctx context.Context, k *auth.WriteKey) error {
	if err := k.Check(); err != nil {
		return err
	}
	var createdBy any
	if k.CreatedBy > 0 {
		createdBy = k.CreatedBy
	}
	err := db.W.QueryRowContext(ctx, db.D.rebind(`INSERT INTO write_keys (name, hint, hash, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), k.Name, k.Hint, k.Hash, createdBy, db.D.TimeArg(k.CreatedAt)).Scan(intScan{&k.ID})
	if err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return validate.Errors{{Field: "created_by", Code: "not_found", Message: fmt.Sprintf("no user with id %d", k.CreatedBy)}}
		}
		return fmt.Errorf("create write key: %w", err)
	}
	return nil
}

const writeKeyColumns = "id, name, hint, hash, created_by, created_at, last_used_at, revoked_at"

func scanWriteKey(sc interface{ Scan(...any) error }) (auth.WriteKey, error) {
	var (
		k             auth.WriteKey
		used, revoked time.Time
	)
	err := sc.Scan(intScan{&k.ID}, strScan{&k.Name}, strScan{&k.Hint}, &k.Hash, intScan{&k.CreatedBy},
		timeScan{&k.CreatedAt}, timeScan{&used}, timeScan{&revoked})
	if !used.IsZero() {
		k.LastUsedAt = &used
	}
	if !revoked.IsZero() {
		k.RevokedAt = &revoked
	}
	return k, err
}

// WriteKeys lists every write key, newest first.
func (db *DB) WriteKeys(ctx context.Context) ([]auth.WriteKey, error) {
	rows, err := db.R.QueryContext(ctx, "SELECT "+writeKeyColumns+" FROM write_keys ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("list write keys: %w", err)
	}
	defer rows.Close()
	var out []auth.WriteKey
	for rows.Next() {
		k, err := scanWriteKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list write keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// WriteKeyByHash finds a write key by the hash of its secret.
func (db *DB) WriteKeyByHash(ctx context.Context, hash []byte) (auth.WriteKey, error) {
	k, err := scanWriteKey(db.queryRow(ctx, "SELECT "+writeKeyColumns+" FROM write_keys WHERE hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("write key: %w", store.ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("read write key: %w", err)
	}
	return k, nil
}

// RevokeWriteKey revokes a write key; the first revocation time is kept.
func (db *DB) RevokeWriteKey(ctx context.Context, id int64, now time.Time) error {
	r, err := db.exec(ctx, "UPDATE write_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", db.D.TimeArg(now), id)
	if err != nil {
		return fmt.Errorf("revoke write key: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("write key %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// bulk runs "prefix VALUES (…), (…) suffix" over n rows of cols columns,
// fill appending row i's values to a; each (optional) reads the rows a
// RETURNING suffix gives back. Chunks have power-of-two sizes, so a table
// needs at most a dozen distinct statements, each prepared once per
// process (parsing a statement of thousands of placeholders costs as much
// as running it).
func (db *DB) bulk(ctx context.Context, tx *sql.Tx, sp *bulkSpec, n int,
	fill func(i int, a []any) []any, each func(*sql.Rows) error) error {
	cols := sp.cols
	per := sp.maxRows()
	args := make([]any, 0, min(n, per)*cols)
	for start := 0; start < n; {
		size := per
		for size > n-start {
			size /= 2
		}
		args = args[:0]
		for i := start; i < start+size; i++ {
			args = fill(i, args)
		}
		start += size
		stmt, err := db.bulkStmt(ctx, tx, sp, size)
		if err != nil {
			return err
		}
		if each == nil {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// bulkSpec is one multi-row statement: "prefix VALUES (…), … suffix".
type bulkSpec struct {
	prefix string
	cols   int
	suffix string
}

func (sp *bulkSpec) maxRows() int {
	per := 1
	for per*2*sp.cols <= 4000 {
		per *= 2
	}
	return per
}

func (sp *bulkSpec) text(d *Dialect, size int) string {
	var b strings.Builder
	row := "(?" + strings.Repeat(", ?", sp.cols-1) + ")"
	b.WriteString(sp.prefix)
	b.WriteString(" VALUES ")
	for i := range size {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" ")
	b.WriteString(sp.suffix)
	return d.rebind(b.String())
}

type stmtKey struct {
	sp   *bulkSpec
	size int
}

// prepareBulk prepares every size of every bulk statement once, outside
// any transaction (SQLite has one writer connection: a transaction holds
// it, so nothing else could prepare then).
func (db *DB) prepareBulk(ctx context.Context) error {
	if _, ok := db.stmts.Load(stmtKey{&messagesSpec, 1}); ok {
		return nil
	}
	for _, sp := range bulkSpecs {
		for size := 1; size <= sp.maxRows(); size *= 2 {
			st, err := db.W.PrepareContext(ctx, sp.text(db.D, size))
			if err != nil {
				return fmt.Errorf("prepare usage statements: %w", err)
			}
			if _, loaded := db.stmts.LoadOrStore(stmtKey{sp, size}, st); loaded {
				st.Close()
			}
		}
	}
	return nil
}

// bulkStmt is the statement of size rows, for tx.
func (db *DB) bulkStmt(ctx context.Context, tx *sql.Tx, sp *bulkSpec, size int) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(stmtKey{sp, size}); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, sp.text(db.D, size))
}

var (
	messagesSpec = bulkSpec{"INSERT INTO usage_messages (write_key_id, message_id, type, identity, anonymous, name, account_id, at, received_at, raw)", 10,
		"ON CONFLICT (write_key_id, message_id) DO NOTHING RETURNING message_id"}
	linksSpec = bulkSpec{"INSERT INTO usage_links (identity, group_id, at, message_id)", 4,
		`ON CONFLICT (identity) DO UPDATE SET group_id = excluded.group_id, at = excluded.at, message_id = excluded.message_id
		WHERE excluded.at > usage_links.at`}
	aliasesSpec = bulkSpec{"INSERT INTO usage_aliases (previous_id, user_id, at)", 3, "ON CONFLICT (previous_id, user_id) DO NOTHING"}
	daysSpec    = bulkSpec{"INSERT INTO usage_days (account_id, day, events, anonymous_events)", 4,
		`ON CONFLICT (account_id, day) DO UPDATE SET events = usage_days.events + excluded.events,
		anonymous_events = usage_days.anonymous_events + excluded.anonymous_events`}
	namesSpec = bulkSpec{"INSERT INTO usage_names (account_id, day, type, name, events)", 5,
		"ON CONFLICT (account_id, day, type, name) DO UPDATE SET events = usage_names.events + excluded.events"}
	featuresSpec = bulkSpec{"INSERT INTO usage_features (account_id, day, feature, events)", 4,
		"ON CONFLICT (account_id, day, feature) DO UPDATE SET events = usage_features.events + excluded.events"}
	userDaysSpec = bulkSpec{"INSERT INTO usage_user_days (account_id, day, user_id, events, f0, f1, f2, f3)", 8,
		`ON CONFLICT (account_id, day, user_id) DO UPDATE SET events = usage_user_days.events + excluded.events,
		f0 = usage_user_days.f0 | excluded.f0, f1 = usage_user_days.f1 | excluded.f1,
		f2 = usage_user_days.f2 | excluded.f2, f3 = usage_user_days.f3 | excluded.f3`}
	logSpec   = bulkSpec{"INSERT INTO usage_log (at, write_key_id, message_id, type, position, reason, detail, bytes)", 8, ""}
	bulkSpecs = []*bulkSpec{&messagesSpec, &linksSpec, &aliasesSpec, &daysSpec, &namesSpec, &featuresSpec, &userDaysSpec, &logSpec}
)

// accountArg is the stored form of an account named in the usage core
// (its id in decimal): NULL when none.
func accountArg(a string) any {
	if a == "" {
		return nil
	}
	id, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return nil
	}
	return id
}

func messageName(m *usage.Message) string {
	switch m.Type {
	case usage.TypeTrack:
		return m.Event
	case usage.TypePage, usage.TypeScreen:
		return m.Name
	case usage.TypeGroup:
		return m.GroupID
	case usage.TypeAlias:
		return m.PreviousID
	}
	return ""
}

// CommitUsage writes one group commit in one transaction.
func (db *DB) CommitUsage(ctx context.Context, c *store.UsageCommit) error {
	if err := db.prepareBulk(ctx); err != nil {
		return err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit usage: %w", err)
	}
	defer tx.Rollback()
	b := usage.NewDeltaBuilder()
	received := db.D.TimeArg(c.Now)
	var (
		links    []usage.Link
		aliases  []usage.AliasLink
		contacts []usage.ContactUpdate
		keys     []int64
	)
	for si := range c.Sources {
		s := &c.Sources[si]
		keys = append(keys, s.WriteKeyID)
		account := make(map[string]string, len(s.Routing.Events))
		for _, e := range s.Routing.Events {
			if e.Account != "" {
				account[e.MessageID] = e.Account
			}
		}
		s.Inserted = make(map[string]bool, len(s.Messages))
		err := db.bulk(ctx, tx, &messagesSpec, len(s.Messages),
			func(i int, a []any) []any {
				m := &s.Messages[i]
				var raw any
				if len(m.Raw) > 0 {
					raw = []byte(m.Raw)
				}
				return append(a, s.WriteKeyID, m.MessageID, int(m.Type), m.Identity(), m.UserID == "",
					messageName(m), accountArg(account[m.MessageID]), db.D.TimeArg(m.Timestamp), received, raw)
			},
			func(rows *sql.Rows) error {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				s.Inserted[id] = true
				return nil
			})
		if err != nil {
			return fmt.Errorf("insert usage messages: %w", err)
		}
		c.Inserted += len(s.Inserted)
		s.Routing.Only(func(id string) bool { return s.Inserted[id] })
		b.AddAll(s.Routing.Events)
		links = append(links, s.Routing.Links...)
		aliases = append(aliases, s.Routing.Aliases...)
		contacts = append(contacts, s.Routing.Contacts...)
	}
	// Released events: set the account only where there is none yet, and
	// roll up only the rows that changed, so a release seen twice counts once.
	for i := range c.Released.Events {
		e := &c.Released.Events[i]
		src, err := strconv.ParseInt(e.Source, 10, 64)
		if err != nil {
			return fmt.Errorf("attribute held event: source %q is not a write key id", e.Source)
		}
		r, err := tx.ExecContext(ctx, db.D.rebind("UPDATE usage_messages SET account_id = ? WHERE write_key_id = ? AND message_id = ? AND account_id IS NULL"),
			accountArg(e.Account), src, e.MessageID)
		if err != nil {
			return fmt.Errorf("attribute held event: %w", err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			c.Attributed++
			b.Add(e)
		}
	}
	if err := db.writeLinks(ctx, tx, links, aliases); err != nil {
		return err
	}
	contacts = append(contacts, c.Released.Contacts...)
	var dirty []int64 // accounts whose health inputs this commit changes
	if err := db.applyContacts(ctx, tx, c, contacts, &dirty); err != nil {
		return err
	}
	delta := b.Take()
	if err := db.writeDelta(ctx, tx, delta, c.Catalog); err != nil {
		return err
	}
	for _, r := range delta.Days {
		if id, ok := accountArg(r.Account).(int64); ok {
			dirty = append(dirty, id)
		}
	}
	if err := db.markDirty(ctx, tx, dirty); err != nil {
		return err
	}
	if err := db.writeLog(ctx, tx, c.Log); err != nil {
		return err
	}
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		if _, err := tx.ExecContext(ctx, db.D.rebind("UPDATE write_keys SET last_used_at = ? WHERE id = ?"), received, k); err != nil {
			return fmt.Errorf("touch write keys: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit usage: %w", err)
	}
	if len(dirty) > 0 {
		db.dirtied()
	}
	return nil
}

func (db *DB) writeLinks(ctx context.Context, tx *sql.Tx, links []usage.Link, aliases []usage.AliasLink) error {
	// One row per identity per statement: the latest call wins.
	latest := map[string]int{}
	var keep []usage.Link
	for _, l := range links {
		if i, ok := latest[l.Identity]; ok {
			if l.At.After(keep[i].At) {
				keep[i] = l
			}
			continue
		}
		latest[l.Identity] = len(keep)
		keep = append(keep, l)
	}
	err := db.bulk(ctx, tx, &linksSpec, len(keep),
		func(i int, a []any) []any {
			l := &keep[i]
			return append(a, l.Identity, l.GroupID, db.D.TimeArg(l.At), l.MessageID)
		}, nil)
	if err != nil {
		return fmt.Errorf("write usage links: %w", err)
	}
	type pair struct{ p, u string }
	seen := map[pair]bool{}
	var as []usage.AliasLink
	for _, a := range aliases {
		if k := (pair{a.PreviousID, a.UserID}); !seen[k] && a.PreviousID != "" && a.UserID != "" {
			seen[k] = true
			as = append(as, a)
		}
	}
	err = db.bulk(ctx, tx, &aliasesSpec, len(as),
		func(i int, a []any) []any { return append(a, as[i].PreviousID, as[i].UserID, db.D.TimeArg(as[i].At)) }, nil)
	if err != nil {
		return fmt.Errorf("write usage aliases: %w", err)
	}
	return nil
}

func (db *DB) writeDelta(ctx context.Context, tx *sql.Tx, d usage.Delta, cat *usage.Catalog) error {
	err := db.bulk(ctx, tx, &daysSpec, len(d.Days),
		func(i int, a []any) []any {
			r := &d.Days[i]
			return append(a, accountArg(r.Account), int64(r.Day), r.Events, r.AnonymousEvents)
		}, nil)
	if err != nil {
		return fmt.Errorf("roll up days: %w", err)
	}
	err = db.bulk(ctx, tx, &namesSpec, len(d.Names),
		func(i int, a []any) []any {
			r := &d.Names[i]
			return append(a, accountArg(r.Account), int64(r.Day), int(r.Type), r.Name, r.Events)
		}, nil)
	if err != nil {
		return fmt.Errorf("roll up names: %w", err)
	}
	// Only features of cat (an event classified with an older catalog
	// could name one it no longer has).
	feats := slices.DeleteFunc(d.Features, func(r usage.FeatureRow) bool { return int(r.Feature) >= cat.Len() })
	err = db.bulk(ctx, tx, &featuresSpec, len(feats),
		func(i int, a []any) []any {
			r := &feats[i]
			return append(a, accountArg(r.Account), int64(r.Day), cat.Feature(r.Feature).Key, r.Events)
		}, nil)
	if err != nil {
		return fmt.Errorf("roll up features: %w", err)
	}
	err = db.bulk(ctx, tx, &userDaysSpec, len(d.Users),
		func(i int, a []any) []any {
			r := &d.Users[i]
			return append(a, accountArg(r.Account), int64(r.Day), r.User, r.Events,
				int64(r.Features[0]), int64(r.Features[1]), int64(r.Features[2]), int64(r.Features[3]))
		}, nil)
	if err != nil {
		return fmt.Errorf("roll up users: %w", err)
	}
	return nil
}

func (db *DB) writeLog(ctx context.Context, tx *sql.Tx, log []store.LogEntry) error {
	err := db.bulk(ctx, tx, &logSpec, len(log),
		func(i int, a []any) []any {
			e := &log[i]
			var wk any
			if e.WriteKeyID > 0 {
				wk = e.WriteKeyID
			}
			return append(a, db.D.TimeArg(e.At), wk, clip(e.MessageID, 1024), clip(e.Type, 64), e.Index, clip(e.Reason, 64), clip(e.Detail, 1000), e.Bytes)
		}, nil)
	if err != nil {
		return fmt.Errorf("write ingestion log: %w", err)
	}
	return nil
}

// clip shortens s to at most n bytes of valid UTF-8 without NUL
// characters (which PostgreSQL cannot store in text).
func clip(s string, n int) string {
	s = noNUL(s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func noNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// applyContacts decides and applies identify calls: candidates are read in
// one query per chunk (by external id and by email), decisions applied in
// order so later calls see earlier ones.
func (db *DB) applyContacts(ctx context.Context, tx *sql.Tx, c *store.UsageCommit, ups []usage.ContactUpdate, created *[]int64) error {
	if len(ups) == 0 {
		return nil
	}
	var ids, emails []any
	for _, u := range ups {
		if u.UserID != "" {
			ids = append(ids, u.UserID)
		}
		if e := u.Traits.Email; e != "" {
			emails = append(emails, e)
			if l := strings.ToLower(e); l != e {
				emails = append(emails, l)
			}
		}
	}
	cands := map[int64]*usage.ExistingContact{}
	read := func(rows *sql.Rows) error {
		var (
			x       usage.ExistingContact
			account int64
		)
		if err := rows.Scan(intScan{&x.ID}, strScan{&x.ExternalID}, intScan{&account}, strScan{&x.Email}, strScan{&x.Name}, strScan{&x.Title}, strScan{&x.Phone}); err != nil {
			return err
		}
		x.AccountExternalID = strconv.FormatInt(account, 10)
		cands[x.ID] = &x
		return nil
	}
	const cols = "SELECT id, external_id, account_id, email, name, title, phone FROM contacts WHERE "
	if err := db.inChunks(ctx, tx, ids, cols+"external_id IN (%s)", read); err != nil {
		return fmt.Errorf("find contacts: %w", err)
	}
	if err := db.inChunks(ctx, tx, emails, cols+"email IN (%s)", read); err != nil {
		return fmt.Errorf("find contacts: %w", err)
	}
	now := db.D.TimeArg(c.Now)
	logIt := func(u usage.ContactUpdate, reason, detail string) {
		c.Log = append(c.Log, store.LogEntry{At: c.Now, MessageID: u.MessageID, Type: "identify", Reason: reason, Detail: detail})
	}
	for _, u := range ups {
		u.Traits = usage.ContactTraits{Email: noNUL(u.Traits.Email), Name: noNUL(u.Traits.Name), Title: noNUL(u.Traits.Title), Phone: noNUL(u.Traits.Phone)}
		var list []usage.ExistingContact
		for _, x := range cands {
			if (u.UserID != "" && x.ExternalID == u.UserID) || (u.Traits.Email != "" && strings.EqualFold(x.Email, u.Traits.Email)) {
				list = append(list, *x)
			}
		}
		slices.SortFunc(list, func(a, b usage.ExistingContact) int { return int(a.ID - b.ID) })
		d := usage.DecideContact(u, list)
		switch d.Action {
		case usage.ContactAmbiguous:
			logIt(u, "contact_ambiguous", d.Why)
		case usage.ContactUpdateExisting:
			x := cands[d.ContactID]
			next := customer.Contact{AccountID: 1, Name: x.Name, Email: x.Email}
			if d.Set.Name != "" {
				next.Name = d.Set.Name
			}
			if d.Set.Email != "" {
				next.Email = d.Set.Email
			}
			if err := next.Check(); err != nil {
				logIt(u, "contact_invalid", err.Error())
				continue
			}
			_, err := tx.ExecContext(ctx, db.D.rebind(`UPDATE contacts SET email = COALESCE(NULLIF(?, ''), email), name = COALESCE(NULLIF(?, ''), name),
				title = COALESCE(NULLIF(?, ''), title), phone = COALESCE(NULLIF(?, ''), phone),
				external_id = COALESCE(external_id, NULLIF(?, '')), updated_at = ? WHERE id = ?`),
				d.Set.Email, d.Set.Name, d.Set.Title, d.Set.Phone, d.ExternalID, now, d.ContactID)
			if err != nil {
				if kind, _ := db.D.Constraint(err); kind == "unique" {
					logIt(u, "contact_conflict", "another contact already has external id "+strconv.Quote(d.ExternalID))
					continue
				}
				return fmt.Errorf("update contact from identify: %w", err)
			}
			c.ContactsUpdated++
			if d.Set.Email != "" {
				x.Email = d.Set.Email
			}
			if d.Set.Name != "" {
				x.Name = d.Set.Name
			}
			if d.Set.Title != "" {
				x.Title = d.Set.Title
			}
			if d.Set.Phone != "" {
				x.Phone = d.Set.Phone
			}
			if x.ExternalID == "" {
				x.ExternalID = d.ExternalID
			}
		case usage.ContactCreate:
			account, _ := accountArg(d.Account).(int64)
			k := customer.Contact{AccountID: account, ExternalID: d.ExternalID, Name: d.Set.Name, Email: d.Set.Email, Title: d.Set.Title, Phone: d.Set.Phone}
			if err := k.Check(); err != nil {
				logIt(u, "contact_invalid", err.Error())
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx, db.D.rebind(`INSERT INTO contacts (external_id, account_id, name, email, title, phone, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (external_id) DO NOTHING RETURNING id`),
				k.ExternalID, k.AccountID, k.Name, k.Email, k.Title, k.Phone, now, now).Scan(intScan{&id})
			if errors.Is(err, sql.ErrNoRows) {
				continue // created meanwhile under the same userId
			}
			if err != nil {
				if kind, _ := db.D.Constraint(err); kind == "foreign" {
					logIt(u, "contact_invalid", "the account "+d.Account+" no longer exists")
					continue
				}
				return fmt.Errorf("create contact from identify: %w", err)
			}
			c.ContactsCreated++
			*created = append(*created, k.AccountID)
			cands[id] = &usage.ExistingContact{ID: id, ExternalID: k.ExternalID, AccountExternalID: d.Account,
				Email: k.Email, Name: k.Name, Title: k.Title, Phone: k.Phone}
		}
	}
	return nil
}

// GroupAccounts lists accounts by their match field.
func (db *DB) GroupAccounts(ctx context.Context, field usage.MatchField, since time.Time) ([]store.GroupAccount, error) {
	switch field {
	case usage.MatchProductID, usage.MatchExternalID, usage.MatchBillingID:
	default:
		return nil, fmt.Errorf("group accounts: unknown match field %q", field)
	}
	q, args := "SELECT "+string(field)+", id FROM accounts WHERE "+string(field)+" IS NOT NULL AND "+string(field)+" <> ''", []any{}
	if !since.IsZero() {
		q, args = q+" AND updated_at >= ?", append(args, db.D.TimeArg(since))
	}
	rows, err := db.R.QueryContext(ctx, db.D.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("group accounts: %w", err)
	}
	defer rows.Close()
	var out []store.GroupAccount
	for rows.Next() {
		var g store.GroupAccount
		if err := rows.Scan(strScan{&g.GroupID}, intScan{&g.AccountID}); err != nil {
			return nil, fmt.Errorf("group accounts: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// UsageLinks lists the stored links, and the aliases by time.
func (db *DB) UsageLinks(ctx context.Context) ([]usage.Link, []usage.AliasLink, error) {
	var links []usage.Link
	rows, err := db.R.QueryContext(ctx, "SELECT identity, group_id, at, message_id FROM usage_links")
	if err != nil {
		return nil, nil, fmt.Errorf("usage links: %w", err)
	}
	for rows.Next() {
		var l usage.Link
		if err := rows.Scan(strScan{&l.Identity}, strScan{&l.GroupID}, timeScan{&l.At}, strScan{&l.MessageID}); err != nil {
			rows.Close()
			return nil, nil, err
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var aliases []usage.AliasLink
	rows, err = db.R.QueryContext(ctx, "SELECT previous_id, user_id, at FROM usage_aliases ORDER BY at")
	if err != nil {
		return nil, nil, fmt.Errorf("usage aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a usage.AliasLink
		if err := rows.Scan(strScan{&a.PreviousID}, strScan{&a.UserID}, timeScan{&a.At}); err != nil {
			return nil, nil, err
		}
		aliases = append(aliases, a)
	}
	return links, aliases, rows.Err()
}

const usageTypes = "(1, 4, 5)" // track, page, screen: usage.Type.IsUsage

func scanEvent(rows *sql.Rows, cat *usage.Catalog, withAccount bool) (usage.Event, error) {
	var (
		e         usage.Event
		src, typ  int64
		account   int64
		anonymous bool
	)
	dst := []any{intScan{&src}, strScan{&e.MessageID}, intScan{&typ}, strScan{&e.User}, boolScan{&anonymous}, strScan{&e.Name}, timeScan{&e.Time}}
	if withAccount {
		dst = append(dst, intScan{&account})
	}
	if err := rows.Scan(dst...); err != nil {
		return e, err
	}
	e.Source, e.Type, e.Anonymous = strconv.FormatInt(src, 10), usage.Type(typ), anonymous
	if account > 0 {
		e.Account = strconv.FormatInt(account, 10)
	}
	e.Features = cat.Classify(e.Type, e.Name)
	return e, nil
}

// HeldEvents lists unattributed usage events received since then.
func (db *DB) HeldEvents(ctx context.Context, since time.Time, limit int, cat *usage.Catalog) ([]usage.Event, error) {
	rows, err := db.R.QueryContext(ctx, db.D.rebind(`SELECT write_key_id, message_id, type, identity, anonymous, name, at
		FROM usage_messages WHERE account_id IS NULL AND type IN `+usageTypes+` AND received_at >= ? ORDER BY received_at DESC LIMIT ?`), db.D.TimeArg(since), limit)
	if err != nil {
		return nil, fmt.Errorf("held events: %w", err)
	}
	defer rows.Close()
	var out []usage.Event
	for rows.Next() {
		e, err := scanEvent(rows, cat, false)
		if err != nil {
			return nil, fmt.Errorf("held events: %w", err)
		}
		out = append(out, e)
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// AccountUsage reads an account's rollup rows for from..to.
func (db *DB) AccountUsage(ctx context.Context, accountID int64, from, to usage.Day, cat *usage.Catalog) (*usage.AccountUsage, error) {
	a := &usage.AccountUsage{Account: strconv.FormatInt(accountID, 10), Days: map[usage.Day]*usage.DayUsage{}}
	day := func(d int64) *usage.DayUsage {
		du := a.Days[usage.Day(d)]
		if du == nil {
			du = &usage.DayUsage{ByName: map[usage.NameKey]int64{}, Features: map[usage.FeatureID]int64{}, Users: map[string]*usage.UserDay{}}
			a.Days[usage.Day(d)] = du
		}
		return du
	}
	query := func(q string, each func(rows *sql.Rows) error) error {
		// Prepared once per store: read on every rescore.
		st, err := db.readStmt(ctx, db.D.rebind(q+" WHERE account_id = ? AND day BETWEEN ? AND ?"))
		if err != nil {
			return fmt.Errorf("account usage: %w", err)
		}
		rows, err := st.QueryContext(ctx, accountID, int64(from), int64(to))
		if err != nil {
			return fmt.Errorf("account usage: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return fmt.Errorf("account usage: %w", err)
			}
		}
		return rows.Err()
	}
	err := query("SELECT day, events, anonymous_events FROM usage_days", func(rows *sql.Rows) error {
		var d, ev, an int64
		if err := rows.Scan(&d, &ev, &an); err != nil {
			return err
		}
		du := day(d)
		du.Events, du.AnonymousEvents = ev, an
		return nil
	})
	if err == nil {
		err = query("SELECT day, type, name, events FROM usage_names", func(rows *sql.Rows) error {
			var d, typ, ev int64
			var name string
			if err := rows.Scan(&d, &typ, strScan{&name}, &ev); err != nil {
				return err
			}
			day(d).ByName[usage.NameKey{Type: usage.Type(typ), Name: name}] = ev
			return nil
		})
	}
	if err == nil {
		err = query("SELECT day, feature, events FROM usage_features", func(rows *sql.Rows) error {
			var d, ev int64
			var key string
			if err := rows.Scan(&d, strScan{&key}, &ev); err != nil {
				return err
			}
			if f, ok := cat.Lookup(key); ok {
				day(d).Features[f.ID] = ev
			}
			return nil
		})
	}
	if err == nil {
		err = query("SELECT day, user_id, events, f0, f1, f2, f3 FROM usage_user_days", func(rows *sql.Rows) error {
			var d, ev, f0, f1, f2, f3 int64
			var user string
			if err := rows.Scan(&d, strScan{&user}, &ev, &f0, &f1, &f2, &f3); err != nil {
				return err
			}
			day(d).Users[user] = &usage.UserDay{Events: ev, Features: usage.FeatureSet{uint64(f0), uint64(f1), uint64(f2), uint64(f3)}}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// EachAccountUsage streams every account's rollups for from..to.
func (db *DB) EachAccountUsage(ctx context.Context, from, to usage.Day, cat *usage.Catalog, each func(int64, *usage.AccountUsage) error) error {
	return db.eachAccountUsage(ctx, nil, from, to, cat, each)
}

// eachAccountUsage is EachAccountUsage over every account, or only those
// of ids if any.
func (db *DB) eachAccountUsage(ctx context.Context, ids []int64, from, to usage.Day, cat *usage.Catalog, each func(int64, *usage.AccountUsage) error) error {
	// One cursor per rollup table, each ordered by account; an account's
	// rows are taken from each in turn. A cursor's current row is scanned
	// once to learn its account, and again (Rows.Scan may be repeated)
	// into the shared variables just before it is used.
	type cursor struct {
		rows *sql.Rows
		acct int64
		ok   bool
	}
	var (
		d, ev, an, typ, f0, f1, f2, f3 int64
		name, key, user                string
	)
	specs := []struct {
		q    string
		dst  []any
		into func(du *usage.DayUsage)
	}{
		{"SELECT account_id, day, events, anonymous_events FROM usage_days", []any{&d, &ev, &an},
			func(du *usage.DayUsage) { du.Events, du.AnonymousEvents = ev, an }},
		{"SELECT account_id, day, type, name, events FROM usage_names", []any{&d, &typ, strScan{&name}, &ev},
			func(du *usage.DayUsage) { du.ByName[usage.NameKey{Type: usage.Type(typ), Name: name}] = ev }},
		{"SELECT account_id, day, feature, events FROM usage_features", []any{&d, strScan{&key}, &ev},
			func(du *usage.DayUsage) {
				if f, ok := cat.Lookup(key); ok {
					du.Features[f.ID] = ev
				}
			}},
		{"SELECT account_id, day, user_id, events, f0, f1, f2, f3 FROM usage_user_days", []any{&d, strScan{&user}, &ev, &f0, &f1, &f2, &f3},
			func(du *usage.DayUsage) {
				du.Users[user] = &usage.UserDay{Events: ev, Features: usage.FeatureSet{uint64(f0), uint64(f1), uint64(f2), uint64(f3)}}
			}},
	}
	release, err := db.scanSlots(ctx, int64(len(specs)))
	if err != nil {
		return fmt.Errorf("account usage: %w", err)
	}
	defer release()
	// Where one connection reads several results at once (SQLite), the
	// scans share one read transaction, as the health facts' do: a
	// connection each would let two merges hold the read pool between them.
	var q querier = db.R
	if db.D.OneConnScans {
		tx, err := db.R.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("account usage: %w", err)
		}
		defer tx.Rollback()
		q = tx
	}
	cs := make([]*cursor, len(specs))
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.rows.Close()
			}
		}
	}()
	// advance moves cursor i to its next row and reads its account.
	advance := func(i int) error {
		c := cs[i]
		c.ok = c.rows.Next()
		if !c.ok {
			return c.rows.Err()
		}
		return c.rows.Scan(append([]any{&c.acct}, specs[i].dst...)...)
	}
	where, args := " WHERE day BETWEEN ? AND ?", []any{int64(from), int64(to)}
	if len(ids) > 0 {
		where += " AND account_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	for i, sp := range specs {
		rows, err := q.QueryContext(ctx, db.D.rebind(sp.q+where+" ORDER BY account_id"), args...)
		if err != nil {
			return fmt.Errorf("account usage: %w", err)
		}
		cs[i] = &cursor{rows: rows}
		if err := advance(i); err != nil {
			return fmt.Errorf("account usage: %w", err)
		}
	}
	for {
		cur := int64(-1)
		for _, c := range cs {
			if c.ok && (cur < 0 || c.acct < cur) {
				cur = c.acct
			}
		}
		if cur < 0 {
			return nil
		}
		a := &usage.AccountUsage{Account: strconv.FormatInt(cur, 10), Days: map[usage.Day]*usage.DayUsage{}}
		for i, c := range cs {
			for c.ok && c.acct == cur {
				if err := c.rows.Scan(append([]any{&c.acct}, specs[i].dst...)...); err != nil {
					return fmt.Errorf("account usage: %w", err)
				}
				du := a.Days[usage.Day(d)]
				if du == nil {
					du = &usage.DayUsage{ByName: map[usage.NameKey]int64{}, Features: map[usage.FeatureID]int64{}, Users: map[string]*usage.UserDay{}}
					a.Days[usage.Day(d)] = du
				}
				specs[i].into(du)
				if err := advance(i); err != nil {
					return fmt.Errorf("account usage: %w", err)
				}
			}
		}
		if err := each(cur, a); err != nil {
			return err
		}
	}
}

// Seats sums live, paid subscriptions' quantity per account.
func (db *DB) Seats(ctx context.Context) (map[int64]int, error) {
	live := "'" + strings.Join(customer.LiveStatuses, "', '") + "'"
	rows, err := db.R.QueryContext(ctx, "SELECT account_id, SUM(quantity) FROM subscriptions WHERE NOT trial AND status IN ("+live+") GROUP BY account_id")
	if err != nil {
		return nil, fmt.Errorf("seats: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(intScan{&id}, intScan{&n}); err != nil {
			return nil, fmt.Errorf("seats: %w", err)
		}
		out[id] = int(n)
	}
	return out, rows.Err()
}

// AccountSeats sums the quantity of the account's live, paid subscriptions.
func (db *DB) AccountSeats(ctx context.Context, accountID int64) (int, error) {
	live := "'" + strings.Join(customer.LiveStatuses, "', '") + "'"
	var n int64
	st, err := db.readStmt(ctx, db.D.rebind("SELECT COALESCE(SUM(quantity), 0) FROM subscriptions WHERE account_id = ? AND NOT trial AND status IN ("+live+")"))
	if err == nil {
		err = st.QueryRowContext(ctx, accountID).Scan(intScan{&n})
	}
	if err != nil {
		return 0, fmt.Errorf("account seats: %w", err)
	}
	return int(n), nil
}

// UsageTotals counts stored usage.
func (db *DB) UsageTotals(ctx context.Context) (store.UsageTotals, error) {
	var t store.UsageTotals
	err := db.R.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM usage_messages),
		(SELECT count(*) FROM usage_messages WHERE account_id IS NULL AND type IN `+usageTypes+`),
		(SELECT COALESCE(SUM(events), 0) FROM usage_days), (SELECT count(*) FROM usage_log)`).
		Scan(intScan{&t.Messages}, intScan{&t.Unattributed}, intScan{&t.RolledUp}, intScan{&t.LogEntries})
	if err != nil {
		return t, fmt.Errorf("usage totals: %w", err)
	}
	return t, nil
}

// RebuildUsage recomputes the rollups from the stored messages.
func (db *DB) RebuildUsage(ctx context.Context, cat *usage.Catalog, field usage.MatchField) (store.RebuildStats, error) {
	var st store.RebuildStats
	switch field {
	case usage.MatchProductID, usage.MatchExternalID, usage.MatchBillingID:
	default:
		return st, fmt.Errorf("rebuild usage: unknown match field %q", field)
	}
	if err := db.prepareBulk(ctx); err != nil {
		return st, err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	// Attribute what links now allow.
	if _, err := tx.ExecContext(ctx, `UPDATE usage_messages SET account_id = (SELECT a.id FROM usage_links l JOIN accounts a ON a.`+string(field)+` = l.group_id
		WHERE l.identity = usage_messages.identity) WHERE account_id IS NULL AND type IN `+usageTypes); err != nil {
		return st, fmt.Errorf("rebuild usage: attribute: %w", err)
	}
	for _, t := range []string{"usage_days", "usage_names", "usage_features", "usage_user_days"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return st, fmt.Errorf("rebuild usage: clear %s: %w", t, err)
		}
	}
	b := usage.NewDeltaBuilder()
	rows, err := tx.QueryContext(ctx, `SELECT write_key_id, message_id, type, identity, anonymous, name, at, account_id
		FROM usage_messages WHERE account_id IS NOT NULL AND type IN `+usageTypes)
	if err != nil {
		return st, fmt.Errorf("rebuild usage: %w", err)
	}
	accounts := map[string]bool{}
	for rows.Next() {
		e, err := scanEvent(rows, cat, true)
		if err != nil {
			rows.Close()
			return st, fmt.Errorf("rebuild usage: %w", err)
		}
		accounts[e.Account] = true
		b.Add(&e)
		st.Events++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.Accounts = len(accounts)
	if err := db.writeDelta(ctx, tx, b.Take(), cat); err != nil {
		return st, err
	}
	return st, tx.Commit()
}

// pruneBatch is how many rows one statement of PruneUsage touches: each
// batch is its own short transaction, so ingestion's commits interleave
// with a large prune instead of waiting behind one giant delete.
const pruneBatch = 5000

// PruneUsage applies the retention periods, in batches of about pruneBatch
// rows (rows sharing the boundary's timestamp go in the same batch).
func (db *DB) PruneUsage(ctx context.Context, rawBefore, rowsBefore, logBefore time.Time) (store.PruneStats, error) {
	var st store.PruneStats
	// run repeats q (rows older than a bound) until a batch comes short:
	// the bound is the pruneBatch-th oldest matching row's time, capped at
	// the cut-off.
	run := func(n *int64, table, col, cond, q string, cut time.Time) error {
		if cut.IsZero() {
			return nil
		}
		for {
			var bound any
			err := db.W.QueryRowContext(ctx, db.D.rebind("SELECT "+col+" FROM "+table+" WHERE "+col+" < ?"+cond+
				" ORDER BY "+col+" LIMIT 1 OFFSET "+strconv.Itoa(pruneBatch-1)), db.D.TimeArg(cut)).Scan(&bound)
			last := errors.Is(err, sql.ErrNoRows)
			if err != nil && !last {
				return fmt.Errorf("prune usage: %s: %w", table, err)
			}
			op, arg := "<=", bound
			if last {
				op, arg = "<", db.D.TimeArg(cut)
			}
			r, err := db.exec(ctx, fmt.Sprintf(q, col+" "+op+" ?"+cond), arg)
			if err != nil {
				return fmt.Errorf("prune usage: %s: %w", table, err)
			}
			k, _ := r.RowsAffected()
			*n += k
			if last || k == 0 {
				return nil
			}
		}
	}
	if err := run(&st.RawCleared, "usage_messages", "received_at", " AND raw IS NOT NULL", "UPDATE usage_messages SET raw = NULL WHERE %s", rawBefore); err != nil {
		return st, err
	}
	if err := run(&st.MessagesDeleted, "usage_messages", "received_at", "", "DELETE FROM usage_messages WHERE %s", rowsBefore); err != nil {
		return st, err
	}
	return st, run(&st.LogDeleted, "usage_log", "at", "", "DELETE FROM usage_log WHERE %s", logBefore)
}

// IngestionLog lists log entries, newest first.
func (db *DB) IngestionLog(ctx context.Context, q store.LogQuery) ([]store.LogEntry, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	where, args := []string{"1 = 1"}, []any{}
	if q.Before > 0 {
		where, args = append(where, "id < ?"), append(args, q.Before)
	}
	if q.Reason != "" {
		where, args = append(where, "reason = ?"), append(args, q.Reason)
	}
	rows, err := db.R.QueryContext(ctx, db.D.rebind(`SELECT id, at, write_key_id, message_id, type, position, reason, detail, bytes
		FROM usage_log WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+strconv.Itoa(q.Limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("ingestion log: %w", err)
	}
	defer rows.Close()
	var out []store.LogEntry
	for rows.Next() {
		var (
			e       store.LogEntry
			idx, sz int64
		)
		if err := rows.Scan(intScan{&e.ID}, timeScan{&e.At}, intScan{&e.WriteKeyID}, strScan{&e.MessageID}, strScan{&e.Type},
			intScan{&idx}, strScan{&e.Reason}, strScan{&e.Detail}, intScan{&sz}); err != nil {
			return nil, fmt.Errorf("ingestion log: %w", err)
		}
		e.Index, e.Bytes = int(idx), int(sz)
		out = append(out, e)
	}
	return out, rows.Err()
}

// UsageSetting reads a usage setting.
func (db *DB) UsageSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, "SELECT value FROM usage_settings WHERE key = ?", key).Scan(strScan{&v})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("usage setting %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("usage setting %q: %w", key, err)
	}
	return v, nil
}

// SetUsageSetting writes a usage setting.
func (db *DB) SetUsageSetting(ctx context.Context, key, value string, now time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO usage_settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, db.D.TimeArg(now))
	if err != nil {
		return fmt.Errorf("set usage setting %q: %w", key, err)
	}
	return nil
}
