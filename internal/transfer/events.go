package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Importing product usage (`tend import events FILE`): Segment-format
// JSON lines (as Segment and warehouses export them), or CSV with a column
// mapping. Every line goes through the same decoder as the HTTP endpoints,
// and is written through the ingestion committer (EventSink), so dedupe by
// messageId, linking and rollups are the same as for live usage.

// EventSink is where imported messages go: ingest.Service.
type EventSink interface {
	SubmitAttributed(ctx context.Context, keyID int64, msgs []usage.Message, accounts map[string]string) error
}

// ImportSourceName names the write key imported messages are stored
// under. It is created revoked: it keys stored messages (so a re-import is
// deduplicated) but can never be used to send over HTTP.
const ImportSourceName = "tend import"

// EventTargets are the fields a CSV column can be mapped to.
var EventTargets = []string{"message_id", "type", "event", "name", "user_id", "anonymous_id", "group_id",
	"account", "subscription", "timestamp", "count", "properties.<key>", "-"}

// ImportEvents imports usage events from in. In CSV, columns named like a
// target (message_id, messageId, event, timestamp, user_id, userId…) map
// to it, --map col=target overrides, --set target=value fixes one, and the
// other columns become properties. "account" and "subscription" name the
// account by its (or its subscription's) external id; "count" repeats the
// event (ids get #1, #2 …). Without a user the events are anonymous: they
// count toward events and features but not active users.
func ImportEvents(ctx context.Context, st store.Store, sink EventSink, in io.Reader, opts Options) (Report, error) {
	start := time.Now()
	rep := Report{Object: "events", DryRun: opts.DryRun}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	keep := opts.KeepRejects
	if keep == 0 {
		keep = 20
	}
	var keyID int64
	var before store.UsageTotals
	if !opts.DryRun {
		var err error
		if keyID, err = importKey(ctx, st); err != nil {
			return rep, err
		}
		if before, err = st.UsageTotals(ctx); err != nil {
			return rep, err
		}
	}
	var (
		msgs     []usage.Message
		accounts = map[string]string{}
		accepted int
		sent     int // messages handed to the sink
	)
	reject := func(line int, names, raw []string, probs ...Problem) error {
		rep.Rejected++
		r := Reject{Line: line, Problems: probs, Names: names, Record: raw}
		if keep > 0 && len(rep.Rejects) < keep {
			rep.Rejects = append(rep.Rejects, r)
		}
		if opts.OnReject != nil {
			return opts.OnReject(r)
		}
		return nil
	}
	// One batch is written while the next is read and decoded.
	type chunk struct {
		msgs     []usage.Message
		accounts map[string]string
	}
	chunks := make(chan chunk, 1)
	written := make(chan error, 1)
	go func() {
		var first error
		for c := range chunks {
			if first == nil && !opts.DryRun {
				first = sink.SubmitAttributed(ctx, keyID, c.msgs, c.accounts)
			}
		}
		written <- first
	}()
	closed := false
	wait := func() error {
		if closed {
			return nil
		}
		closed = true
		close(chunks)
		return <-written
	}
	defer wait()
	flush := func(force bool) error {
		if len(msgs) == 0 || (!force && len(msgs) < opts.BatchSize) {
			return nil
		}
		sent += len(msgs)
		chunks <- chunk{msgs, accounts}
		msgs, accounts = nil, map[string]string{}
		return nil
	}
	cnt := &counter{r: in}
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{Rows: rep.Rows, Bytes: cnt.n, Size: opts.Size, Elapsed: time.Since(start)})
		}
	}
	now := time.Now().UTC()
	decode := func(obj []byte) (*usage.Message, error) {
		body := make([]byte, 0, len(obj)+12)
		body = append(append(append(body, `{"batch":[`...), obj...), "]}"...)
		b, err := usage.DecodeBatch(body, usage.DecodeOptions{ReceivedAt: now, TrustReceivedAt: true, MaxBatchBytes: len(body) + 1})
		if errors.Is(err, usage.ErrMalformedJSON) {
			// The decoder's byte offset is into the wrapped body; say it
			// about the line instead.
			var x json.RawMessage
			if jerr := json.Unmarshal(obj, &x); jerr != nil {
				return nil, fmt.Errorf("malformed JSON: %v", jerr)
			}
		}
		if err != nil {
			return nil, err
		}
		if len(b.Rejected) > 0 {
			r := b.Rejected[0]
			return nil, fmt.Errorf("%s (%s)", r.Detail, r.Reason)
		}
		return &b.Messages[0], nil
	}

	switch strings.ToLower(opts.Format) {
	case JSONLines, "ndjson", "json":
		br := bufio.NewReaderSize(cnt, 1<<20)
		for line := 1; ; line++ {
			b, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(b)) > 0 {
				rep.Rows++
				m, derr := decode(bytes.TrimSpace(b))
				if derr != nil {
					if e := reject(line, []string{"record"}, []string{string(bytes.TrimSpace(b))}, Problem{Message: derr.Error()}); e != nil {
						return rep, e
					}
				} else {
					msgs = append(msgs, *m)
					accepted++
				}
				if err := flush(false); err != nil {
					return rep, err
				}
				if rep.Rows%10000 == 0 {
					progress()
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return rep, fmt.Errorf("reading the file: %w", err)
			}
		}
	case CSV, TSV:
		src, err := newCSVSource(bufio.NewReaderSize(cnt, 1<<20), cnt, strings.EqualFold(opts.Format, TSV))
		if err != nil {
			return rep, err
		}
		cm, err := newEventMapping(src.header(), opts.Map, opts.Set)
		if err != nil {
			return rep, err
		}
		rep.Ignored = cm.ignored
		resolve := newAccountResolver(st)
		for {
			rec, err := src.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return rep, err
			}
			rep.Rows++
			if rec.err != nil {
				if e := reject(rec.line, rec.names, rec.raw, Problem{Message: rec.err.Error()}); e != nil {
					return rep, e
				}
				continue
			}
			objs, account, probs := cm.row(ctx, rec.raw, resolve)
			var got []usage.Message
			for _, o := range objs {
				m, derr := decode(o)
				if derr != nil {
					probs = append(probs, Problem{Message: derr.Error()})
					break
				}
				got = append(got, *m)
			}
			if len(probs) > 0 {
				if e := reject(rec.line, rec.names, rec.raw, probs...); e != nil {
					return rep, e
				}
				continue
			}
			for _, m := range got {
				if account != "" {
					accounts[m.MessageID] = account
				}
				msgs = append(msgs, m)
			}
			accepted++
			if err := flush(false); err != nil {
				return rep, err
			}
			if rep.Rows%10000 == 0 {
				progress()
			}
		}
	default:
		return rep, fmt.Errorf("format %q is not csv, tsv or jsonl", opts.Format)
	}
	if err := flush(true); err != nil {
		return rep, err
	}
	if err := wait(); err != nil {
		return rep, err
	}
	progress()
	if opts.DryRun {
		rep.Valid = accepted
	} else {
		after, err := st.UsageTotals(ctx)
		if err != nil {
			return rep, err
		}
		rep.Created = int(after.Messages - before.Messages)
		rep.Updated = 0 // messages already stored (same messageId) are left as they are
		rep.Duplicates = max(0, sent-rep.Created)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// importKey finds or creates the revoked write key imports store under.
func importKey(ctx context.Context, st store.Store) (int64, error) {
	keys, err := st.WriteKeys(ctx)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if k.Name == ImportSourceName {
			return k.ID, nil
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	k, _ := auth.NewWriteKey(ImportSourceName, now) // the secret is thrown away
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		return 0, err
	}
	return k.ID, st.RevokeWriteKey(ctx, k.ID, now)
}

// eventMapping turns CSV rows into Segment messages.
type eventMapping struct {
	head    []string
	target  []string          // per column: a target, "properties.<key>", or "-"
	set     map[string]string // target → fixed value
	ignored []Ignored
}

var eventSynonyms = map[string]string{
	"messageid": "message_id", "id": "message_id", "type": "type", "event": "event", "eventname": "event",
	"name": "name", "userid": "user_id", "anonymousid": "anonymous_id", "groupid": "group_id",
	"timestamp": "timestamp", "time": "timestamp", "count": "count",
}

func validEventTarget(t string) bool {
	if strings.HasPrefix(t, "properties.") && len(t) > len("properties.") {
		return true
	}
	for _, x := range EventTargets {
		if x == t && x != "properties.<key>" {
			return true
		}
	}
	return false
}

func newEventMapping(head, maps, sets []string) (*eventMapping, error) {
	m := &eventMapping{head: head, target: make([]string, len(head)), set: map[string]string{}}
	explicit := map[string]string{}
	for _, spec := range maps {
		for _, part := range strings.Split(spec, ",") {
			col, t, ok := strings.Cut(part, "=")
			col, t = strings.TrimSpace(col), strings.TrimSpace(t)
			if !ok || col == "" || t == "" {
				return nil, fmt.Errorf("--map %q: want column=target", part)
			}
			if !validEventTarget(t) {
				return nil, fmt.Errorf("--map %s=%s: %q is not one of %s", col, t, t, strings.Join(EventTargets, ", "))
			}
			explicit[norm(col)] = t
		}
	}
	for _, spec := range sets {
		t, v, ok := strings.Cut(spec, "=")
		t = strings.TrimSpace(t)
		if !ok || !validEventTarget(t) || t == "-" {
			return nil, fmt.Errorf("--set %q: want target=value with target one of %s", spec, strings.Join(EventTargets, ", "))
		}
		m.set[t] = v
	}
	seen := map[string]string{}
	for i, h := range head {
		t, ok := explicit[norm(h)]
		if !ok {
			t, ok = eventSynonyms[norm(h)]
		}
		if !ok {
			t = "properties." + h
		}
		if t != "-" && !strings.HasPrefix(t, "properties.") {
			if prev, dup := seen[t]; dup {
				return nil, fmt.Errorf("columns %q and %q both map to %s: --map one of them elsewhere (or to -)", prev, h, t)
			}
			seen[t] = h
		}
		if t == "-" {
			m.ignored = append(m.ignored, Ignored{Column: h, Reason: "--map to -"})
		}
		m.target[i] = t
	}
	if _, ok := seen["message_id"]; !ok {
		return nil, errors.New("no column gives the message id: --map one to message_id (a re-import is deduplicated by it)")
	}
	_, hasEvent := seen["event"]
	_, hasName := seen["name"]
	if !hasEvent && !hasName && m.set["event"] == "" && m.set["name"] == "" {
		return nil, errors.New("no column gives the event name: --map one to event (or name for pages and screens)")
	}
	return m, nil
}

// row builds the JSON message(s) of one CSV row and the account it names.
func (m *eventMapping) row(ctx context.Context, cells []string, resolve *accountResolver) (objs [][]byte, account string, probs []Problem) {
	v := map[string]string{}
	props := map[string]any{}
	where := map[string]string{}
	for i, t := range m.target {
		if i >= len(cells) || t == "-" {
			continue
		}
		c := strings.TrimSpace(cells[i])
		if k, ok := strings.CutPrefix(t, "properties."); ok {
			if c != "" {
				props[k] = c
			}
			continue
		}
		v[t], where[t] = c, fmt.Sprintf("column %q", m.head[i])
	}
	for t, x := range m.set {
		if k, ok := strings.CutPrefix(t, "properties."); ok {
			props[k] = x
			continue
		}
		v[t], where[t] = x, "--set "+t
	}
	n := 1
	if c, ok := v["count"]; ok {
		var err error
		n, err = strconv.Atoi(c)
		if err != nil || n < 0 || n > 100_000 {
			return nil, "", []Problem{{Where: where["count"], Message: fmt.Sprintf("%q is not a count from 0 to 100000", c)}}
		}
	}
	for _, t := range []string{"account", "subscription"} {
		if x := v[t]; x != "" {
			a, err := resolve.lookup(ctx, t, x)
			if err != nil {
				return nil, "", []Problem{{Where: where[t], Message: err.Error()}}
			}
			account = a
		}
	}
	msg := map[string]any{"type": "track"}
	if t := v["type"]; t != "" {
		msg["type"] = t
	}
	for t, k := range map[string]string{"event": "event", "name": "name", "user_id": "userId", "anonymous_id": "anonymousId", "timestamp": "timestamp"} {
		if x := v[t]; x != "" {
			msg[k] = x
		}
	}
	if v["user_id"] == "" && v["anonymous_id"] == "" {
		msg["anonymousId"] = "import"
		if account != "" {
			msg["anonymousId"] = "import:" + account
		}
	}
	if g := v["group_id"]; g != "" {
		msg["context"] = map[string]any{"groupId": g}
	}
	if len(props) > 0 {
		msg["properties"] = props
	}
	id := v["message_id"]
	if id == "" {
		return nil, "", []Problem{{Where: where["message_id"], Message: "is empty: every event needs a message id"}}
	}
	for k := 1; k <= n; k++ {
		msg["messageId"] = id
		if _, counted := v["count"]; counted {
			msg["messageId"] = id + "#" + strconv.Itoa(k)
		}
		b, err := json.Marshal(msg)
		if err != nil {
			return nil, "", []Problem{{Message: err.Error()}}
		}
		objs = append(objs, b)
	}
	return objs, account, nil
}

// accountResolver finds accounts by their or a subscription's external id.
type accountResolver struct {
	st    store.Store
	cache map[string]string
}

func newAccountResolver(st store.Store) *accountResolver {
	return &accountResolver{st: st, cache: map[string]string{}}
}

func (r *accountResolver) lookup(ctx context.Context, kind, ext string) (string, error) {
	key := kind + "\x00" + ext
	if a, ok := r.cache[key]; ok {
		if a == "" {
			return "", fmt.Errorf("no %s has external id %q", kind, ext)
		}
		return a, nil
	}
	if r.st == nil {
		return "", fmt.Errorf("a dry run without a database cannot check %s %q", kind, ext)
	}
	var id int64
	var err error
	if kind == "account" {
		a, e := r.st.Accounts().GetByExternalID(ctx, ext)
		id, err = a.ID, e
	} else {
		s, e := r.st.Subscriptions().GetByExternalID(ctx, ext)
		id, err = s.AccountID, e
	}
	if errors.Is(err, store.ErrNotFound) {
		r.cache[key] = ""
		return "", fmt.Errorf("no %s has external id %q", kind, ext)
	}
	if err != nil {
		return "", err
	}
	a := strconv.FormatInt(id, 10)
	r.cache[key] = a
	return a, nil
}
