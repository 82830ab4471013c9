// Package ingest is Tend's Segment-compatible ingestion service: the HTTP
// Tracking API (POST /v1/batch, /v1/track, /v1/identify, /v1/group,
// /v1/page, /v1/screen, /v1/alias) authenticated by write key, in front of
// one committer goroutine that groups many requests into one transaction
// (group commit). A request is answered 200 only after its messages are
// committed. The rules are in docs/usage.md; the pure work (decoding,
// dedupe, linking, rollups) is package usage's.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	// Link configures attribution (match field, held events' limits).
	Link usage.LinkConfig
	// Dedupe configures the in-memory retry filter (window ≥ 24 h).
	Dedupe usage.DedupeOptions
	// MaxBatchBytes and MaxMessageBytes override Segment's limits.
	MaxBatchBytes, MaxMessageBytes int
	// QueueRequests bounds the requests waiting for the committer; past it
	// requests are answered 503 with Retry-After. Default 4096.
	QueueRequests int
	// CommitMessages is the most messages one transaction takes. Default
	// 20,000.
	CommitMessages int
	// Writers is how many transactions may run at once: 1 on SQLite (one
	// writer connection), 4 on PostgreSQL by default.
	Writers int
	// RawRetention is how long a message's raw JSON is kept (default 90
	// days); Retention how long the message rows are kept (default 400
	// days, never less than the dedupe window); LogRetention how long the
	// ingestion log is kept (default 30 days). Negative: forever.
	RawRetention, Retention, LogRetention time.Duration
	// RefreshEvery is how often accounts are re-read for new match-field
	// values (default 2 s).
	RefreshEvery time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.QueueRequests <= 0 {
		o.QueueRequests = 4096
	}
	if o.CommitMessages <= 0 {
		o.CommitMessages = 20_000
	}
	if o.RawRetention == 0 {
		o.RawRetention = 90 * 24 * time.Hour
	}
	if o.Retention == 0 {
		o.Retention = 400 * 24 * time.Hour
	}
	window := max(o.Dedupe.Window, usage.MinDedupeWindow)
	if o.Retention > 0 && o.Retention < window {
		o.Retention = window
	}
	if o.LogRetention == 0 {
		o.LogRetention = 30 * 24 * time.Hour
	}
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service ingests usage. Start it with New; Close drains it.
type Service struct {
	st      store.Store
	log     *slog.Logger
	opt     Options
	cat     *usage.Catalog
	catText string // the features setting cat was compiled from
	linker  *usage.Linker
	dedupe  *usage.Dedupe
	keys    *keyCache
	queue   chan *request
	stop    chan struct{}
	stopped chan struct{}
	closing sync.Once

	// Owned by the committer goroutine:
	released  usage.Released
	dropLog   []store.LogEntry
	refreshed time.Time

	mu    sync.Mutex
	stats Stats
}

// Stats count what the service did since it started.
type Stats struct {
	Requests, Messages, Inserted, Duplicates, Rejected int64
	Commits, CommitErrors, Attributed                  int64
	// CommitTime is the wall time spent in the store's transactions.
	CommitTime time.Duration
}

// request is one HTTP request (or import chunk) waiting for a commit.
type request struct {
	key  int64
	msgs []usage.Message
	dk   []usage.DedupeKey
	log  []store.LogEntry
	// accounts attributes messages directly (imports that name the
	// account): messageId → account key.
	accounts map[string]string
	done     chan error
}

// New loads what the service needs from the store (features, the
// directory of groups and links, events held for a link) and starts the
// committer.
func New(ctx context.Context, st store.Store, log *slog.Logger, opt Options) (*Service, error) {
	opt = opt.withDefaults()
	if opt.Writers <= 0 {
		opt.Writers = 1
		if st.Engine() == "postgres" {
			opt.Writers = 4
		}
	}
	l, err := usage.NewLinker(opt.Link)
	if err != nil {
		return nil, err
	}
	d, err := usage.NewDedupe(opt.Dedupe)
	if err != nil {
		return nil, err
	}
	s := &Service{st: st, log: log, opt: opt, linker: l, dedupe: d, keys: newKeyCache(st, opt.Now),
		queue: make(chan *request, opt.QueueRequests), stop: make(chan struct{}), stopped: make(chan struct{})}
	drop := func(identity, what, id string, cause usage.DropCause) {
		s.dropLog = append(s.dropLog, store.LogEntry{At: s.opt.Now(), MessageID: id, Type: what, Reason: "held_dropped",
			Detail: fmt.Sprintf("stopped waiting for %q to be linked to an account (%s); the event stays stored without an account until `tend usage rebuild`", identity, cause)})
	}
	l.PendingEvents().OnDrop = func(id string, e usage.Event, c usage.DropCause) { drop(id, e.Type.String(), e.MessageID, c) }
	l.PendingContacts().OnDrop = func(id string, u usage.ContactUpdate, c usage.DropCause) { drop(id, "identify", u.MessageID, c) }
	if err := s.reloadCatalog(ctx); err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	go s.loop()
	return s, nil
}

// reloadCatalog compiles the feature definitions when they changed (an
// administrator saved new ones); events are classified with them from the
// next commit.
func (s *Service) reloadCatalog(ctx context.Context) error {
	v, err := s.st.UsageSetting(ctx, adoption.FeaturesSetting)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if s.cat != nil && v == s.catText {
		return nil
	}
	cat, err := adoption.LoadCatalog(ctx, s.st)
	if err != nil {
		return err
	}
	s.cat, s.catText = cat, v
	return nil
}

// load fills the directory and holds the events waiting for a link.
func (s *Service) load(ctx context.Context) error {
	now := s.opt.Now()
	if err := s.refreshAccounts(ctx, now); err != nil {
		return err
	}
	links, aliases, err := s.st.UsageLinks(ctx)
	if err != nil {
		return err
	}
	for _, k := range links {
		s.linker.Dir.Link(k.Identity, k.GroupID, k.At)
	}
	for _, a := range aliases {
		if _, ok := s.linker.Dir.GroupOf(a.UserID); !ok {
			if g, ok := s.linker.Dir.GroupOf(a.PreviousID); ok {
				s.linker.Dir.Link(a.UserID, g, a.At)
			}
		}
	}
	lim := s.linker.PendingEvents().Limits()
	held, err := s.st.HeldEvents(ctx, now.Add(-lim.MaxAge), lim.Total, s.cat)
	if err != nil {
		return err
	}
	s.addReleased(s.linker.Hold(held, now))
	return nil
}

// refreshAccounts reads accounts whose match field changed since the last
// read, telling the linker.
func (s *Service) refreshAccounts(ctx context.Context, now time.Time) error {
	since := s.refreshed
	if !since.IsZero() {
		since = since.Add(-5 * time.Second) // clocks of other writers, commit delays
	}
	groups, err := s.st.GroupAccounts(ctx, s.opt.Link.Field(), since)
	if err != nil {
		return err
	}
	for _, g := range groups {
		id := strconv.FormatInt(g.AccountID, 10)
		if old, ok := s.linker.Dir.AccountOfGroup(g.GroupID); ok && old == id {
			continue
		}
		s.addReleased(s.linker.AccountCreated(g.GroupID, id, now))
	}
	s.refreshed = now
	return nil
}

func (s *Service) addReleased(r usage.Released) {
	s.released.Events = append(s.released.Events, r.Events...)
	s.released.Contacts = append(s.released.Contacts, r.Contacts...)
}

// Stats reports counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close stops taking requests, commits what is queued and stops the
// committer. Call it after the HTTP server has finished its requests.
func (s *Service) Close() {
	s.closing.Do(func() { close(s.stop) })
	<-s.stopped
}

// ErrClosed answers requests that arrive while the service shuts down.
var ErrClosed = errors.New("ingestion is shutting down")

// ErrBusy answers requests when the queue is full.
var ErrBusy = errors.New("ingestion queue is full")

// Submit queues messages that came in with write key keyID (their dedupe
// keys dk, from usage.Dedupe.Check, and log entries for what was refused)
// and waits until they are committed. It is how the HTTP handler and the
// bulk importer write.
func (s *Service) Submit(ctx context.Context, keyID int64, msgs []usage.Message, dk []usage.DedupeKey, log []store.LogEntry) error {
	return s.submit(&request{key: keyID, msgs: msgs, dk: dk, log: log, done: make(chan error, 1)})
}

// SubmitAttributed is Submit for imports that name each event's account
// themselves: accounts maps messageId → account key (the account's id in
// decimal; adoption.AccountKey); those events skip linking.
func (s *Service) SubmitAttributed(ctx context.Context, keyID int64, msgs []usage.Message, accounts map[string]string) error {
	return s.submit(&request{key: keyID, msgs: msgs, accounts: accounts, done: make(chan error, 1)})
}

func (s *Service) submit(r *request) error {
	for {
		select {
		case <-s.stop:
			return ErrClosed
		default:
		}
		select {
		case s.queue <- r:
		default:
			if r.accounts == nil {
				return ErrBusy
			}
			time.Sleep(10 * time.Millisecond) // an import waits its turn
			continue
		}
		break
	}
	select {
	case err := <-r.done:
		return err
	case <-s.stopped:
		// The committer drains the queue before stopping.
		select {
		case err := <-r.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// Screen checks a decoded batch against the dedupe cache: it returns the
// fresh messages and their keys, and log entries for the rejected and the
// repeated ones.
func (s *Service) Screen(keyID int64, b *usage.Batch, now time.Time) ([]usage.Message, []usage.DedupeKey, []store.LogEntry) {
	var log []store.LogEntry
	for _, r := range b.Rejected {
		log = append(log, store.LogEntry{At: now, WriteKeyID: keyID, MessageID: r.MessageID, Type: r.Type, Index: r.Index,
			Reason: string(r.Reason), Detail: r.Detail, Bytes: r.Bytes})
	}
	// PostgreSQL cannot store a NUL character in text: refuse such a
	// message here rather than fail the transaction it would share.
	if slices.ContainsFunc(b.Messages, hasNUL) {
		kept := b.Messages[:0:0]
		for j := range b.Messages {
			m := &b.Messages[j]
			if hasNUL(*m) {
				log = append(log, store.LogEntry{At: now, WriteKeyID: keyID, MessageID: strings.ToValidUTF8(strings.ReplaceAll(m.MessageID, "\x00", ""), ""),
					Type: m.Type.String(), Index: m.Index, Reason: string(usage.ReasonBadField),
					Detail: "an id or name contains a NUL character (\\u0000), which Tend cannot store", Bytes: len(m.Raw)})
				continue
			}
			kept = append(kept, *m)
		}
		b.Messages = kept
	}
	sc := s.dedupe.Check(strconv.FormatInt(keyID, 10), b.Messages, now)
	msgs := b.Messages
	if len(sc.Duplicates) > 0 {
		msgs = make([]usage.Message, 0, len(sc.Fresh))
		for _, i := range sc.Fresh {
			msgs = append(msgs, b.Messages[i])
		}
		for _, i := range sc.Duplicates {
			m := &b.Messages[i]
			log = append(log, duplicate(keyID, m, now))
		}
	}
	s.mu.Lock()
	s.stats.Requests++
	s.stats.Messages += int64(b.Total())
	s.stats.Rejected += int64(len(b.Rejected))
	s.stats.Duplicates += int64(len(sc.Duplicates))
	s.mu.Unlock()
	return msgs, sc.Keys, log
}

func hasNUL(m usage.Message) bool {
	for _, f := range [...]string{m.MessageID, m.UserID, m.AnonymousID, m.Event, m.Name, m.GroupID, m.PreviousID, m.ContextGroupID} {
		if strings.IndexByte(f, 0) >= 0 {
			return true
		}
	}
	return false
}

func duplicate(keyID int64, m *usage.Message, now time.Time) store.LogEntry {
	return store.LogEntry{At: now, WriteKeyID: keyID, MessageID: m.MessageID, Type: m.Type.String(), Index: m.Index,
		Reason: "duplicate", Detail: "a message with this messageId was already received from this write key; not counted again", Bytes: len(m.Raw)}
}

// loop is the committer: it takes every request queued, prepares one
// transaction of them (routing them through the Linker, which only it
// touches), hands it to a writer, and once the writer is done answers the
// requests and tells the Linker. With one writer (SQLite: one writer
// connection) requests queue while a transaction runs and the next one
// takes them all; with several (PostgreSQL) up to Writers transactions run
// at once.
func (s *Service) loop() {
	defer close(s.stopped)
	tick := time.NewTicker(s.opt.RefreshEvery)
	defer tick.Stop()
	n := s.opt.Writers
	work := make(chan *pass)
	done := make(chan *pass, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				s.write(p)
				done <- p
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	busy := 0
	settle := func(p *pass) {
		busy--
		if err := s.finish(p); err != nil && len(p.reqs) > 1 {
			for _, r := range p.reqs {
				s.commitOnce([]*request{r})
			}
		}
	}
	for {
		var queue <-chan *request
		if busy < n {
			queue = s.queue
		}
		select {
		case first := <-queue:
			busy++
			work <- s.prepare(s.gather(first))
		case p := <-done:
			settle(p)
		case <-tick.C:
			s.housekeeping(busy == 0)
		case <-s.stop:
			for busy > 0 {
				settle(<-done)
			}
			for {
				select {
				case r := <-s.queue:
					s.commit(s.gather(r))
				default:
					if len(s.released.Events)+len(s.released.Contacts)+len(s.dropLog) > 0 {
						s.commit(nil)
					}
					return
				}
			}
		}
	}
}

// gather takes first and whatever else is queued, up to CommitMessages.
func (s *Service) gather(first *request) []*request {
	reqs := []*request{first}
	n := len(first.msgs)
	for n < s.opt.CommitMessages {
		select {
		case r := <-s.queue:
			reqs = append(reqs, r)
			n += len(r.msgs)
			continue
		default:
		}
		break
	}
	return reqs
}

// housekeeping re-reads accounts and feature definitions, and when idle
// commits what links released (under load that rides with the next
// transaction). Both reads refresh this process's own memory (the
// linker's directory, the compiled catalogue), so every replica that
// ingests does them; the retention, a write for the whole cluster, is a
// job (package jobs) calling Prune.
func (s *Service) housekeeping(idle bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.opt.Now()
	if err := s.refreshAccounts(ctx, now); err != nil {
		s.log.Error("usage: reading accounts for attribution", "err", err)
	}
	if err := s.reloadCatalog(ctx); err != nil {
		s.log.Error("usage: reading the feature definitions", "err", err)
	}
	if idle && len(s.released.Events)+len(s.released.Contacts)+len(s.dropLog) > 0 {
		s.commit(nil)
	}
}

// PruneStore is what Prune needs of the store.
type PruneStore interface {
	PruneUsage(ctx context.Context, rawBefore, rowsBefore, logBefore time.Time) (store.PruneStats, error)
}

// Prune applies opt's retention periods (defaults filled in, the message
// retention never shorter than the dedupe window) as of now.
func Prune(ctx context.Context, st PruneStore, opt Options, now time.Time) (store.PruneStats, error) {
	opt = opt.withDefaults()
	before := func(d time.Duration) time.Time {
		if d < 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	ps, err := st.PruneUsage(ctx, before(opt.RawRetention), before(opt.Retention), before(opt.LogRetention))
	if err != nil {
		return ps, fmt.Errorf("usage retention: %w", err)
	}
	return ps, nil
}

// commit writes reqs (and what links released) in one transaction and
// answers each request. If a transaction of several requests fails, each
// is tried alone, so one request the database refuses cannot fail the
// others it was grouped with (nor keep failing them on every retry).
func (s *Service) commit(reqs []*request) {
	if err := s.commitOnce(reqs); err != nil && len(reqs) > 1 {
		for _, r := range reqs {
			s.commitOnce([]*request{r})
		}
	}
}

// commitOnce is one transaction, run here; on failure it answers
// nothing (unless it held a single request) and changes nothing.
func (s *Service) commitOnce(reqs []*request) error {
	p := s.prepare(reqs)
	s.write(p)
	return s.finish(p)
}

// pass is one transaction on its way: the requests, the commit built from
// them, and its outcome.
type pass struct {
	reqs  []*request
	c     *store.UsageCommit
	keys  []usage.DedupeKey
	drops []store.LogEntry
	now   time.Time
	err   error
}

// prepare builds the commit of reqs, taking what links released and the
// drop log with it (given back if it fails).
func (s *Service) prepare(reqs []*request) *pass {
	now := s.opt.Now()
	// Held events were classified when they arrived; the catalog may have
	// changed since.
	for i := range s.released.Events {
		e := &s.released.Events[i]
		e.Features = s.cat.Classify(e.Type, e.Name)
	}
	p := &pass{reqs: reqs, now: now, drops: s.dropLog,
		c: &store.UsageCommit{Now: now, Catalog: s.cat, Released: s.released}}
	s.released, s.dropLog = usage.Released{}, nil
	c := p.c
	bySource := map[int64]int{}
	seen := map[int64]map[string]bool{}
	override := map[int64]map[string]string{}
	for _, r := range reqs {
		c.Log = append(c.Log, r.log...)
		p.keys = append(p.keys, r.dk...)
		i, ok := bySource[r.key]
		if !ok {
			i = len(c.Sources)
			bySource[r.key] = i
			c.Sources = append(c.Sources, store.UsageSource{WriteKeyID: r.key})
			seen[r.key] = map[string]bool{}
		}
		if r.accounts != nil {
			if override[r.key] == nil {
				override[r.key] = map[string]string{}
			}
			for id, a := range r.accounts {
				override[r.key][id] = a
			}
		}
		src := &c.Sources[i]
		for j := range r.msgs {
			m := &r.msgs[j]
			if seen[r.key][m.MessageID] {
				// The same message in two requests of one commit (a retry
				// racing the original): one row, counted once.
				c.Log = append(c.Log, duplicate(r.key, m, now))
				continue
			}
			seen[r.key][m.MessageID] = true
			src.Messages = append(src.Messages, *m)
		}
	}
	for i := range c.Sources {
		src := &c.Sources[i]
		src.Routing = s.linker.Route(strconv.FormatInt(src.WriteKeyID, 10), src.Messages, s.cat)
		if o := override[src.WriteKeyID]; o != nil {
			for j := range src.Routing.Events {
				if a, ok := o[src.Routing.Events[j].MessageID]; ok {
					src.Routing.Events[j].Account = a
				}
			}
		}
	}
	c.Log = append(c.Log, p.drops...)
	return p
}

// write runs the transaction (in a writer goroutine: it touches nothing
// but the store and the counters).
func (s *Service) write(p *pass) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	began := time.Now()
	p.err = s.st.CommitUsage(ctx, p.c)
	took := time.Since(began)
	cancel()
	s.mu.Lock()
	s.stats.Commits++
	s.stats.CommitTime += took
	if p.err != nil {
		s.stats.CommitErrors++
	} else {
		s.stats.Inserted += int64(p.c.Inserted)
		s.stats.Attributed += int64(p.c.Attributed)
	}
	s.mu.Unlock()
}

// finish answers a pass's requests and tells the Linker; a failed pass
// gives back what it took and answers only if it held one request (the
// caller retries the others one by one).
func (s *Service) finish(p *pass) error {
	if err := p.err; err != nil {
		s.released.Events = append(p.c.Released.Events, s.released.Events...)
		s.released.Contacts = append(p.c.Released.Contacts, s.released.Contacts...)
		s.dropLog = append(p.drops, s.dropLog...)
		if len(p.reqs) > 1 {
			s.log.Warn("usage: group commit failed; committing its requests one by one", "err", err, "requests", len(p.reqs))
			return err
		}
		s.log.Error("usage: commit failed; answered 503, the sender will retry", "err", err, "requests", len(p.reqs))
		for _, r := range p.reqs {
			r.done <- fmt.Errorf("%w: %v", errCommit, err)
		}
		return err
	}
	s.dedupe.Remember(p.now, p.keys...)
	for i := range p.c.Sources {
		s.addReleased(s.linker.Commit(&p.c.Sources[i].Routing, p.now))
	}
	for _, r := range p.reqs {
		r.done <- nil
	}
	return nil
}

var errCommit = errors.New("could not store the messages")
