// Package usage is the pure core of product-usage ingestion: Segment-spec
// messages in, account adoption metrics out, with no I/O.
//
// The flow of one ingest request through it; the I/O parts (the HTTP
// handler, the store, the group-commit loop) live elsewhere:
//
//	b, err := usage.DecodeBatch(body, usage.DecodeOptions{ReceivedAt: now, Retain: true}) // err: 400
//	s := dedupe.Check(writeKey, b.Messages, now)     // retries already committed
//	// group-commit loop, one goroutine, owns linker and builder:
//	r := linker.Route(writeKey, fresh, catalog)      // events, links, contacts; no state changed
//	tx: insert messages ON CONFLICT (write_key, message_id) DO NOTHING RETURNING message_id
//	    r.Only(inserted)                             // a retry has no effect at all
//	    builder.AddAll(r.Events); store links, contact decisions
//	    upsert builder.Take() rows; commit           // one fsync for the whole group
//	dedupe.Remember(now, s.Keys...)                  // only after the commit
//	rel := linker.Commit(&r, now)                    // learn links, release held events
//	// answer 2xx; rel.Events are attributed by the next commit
//
// Rollups are sums and unions over events (Delta, Rollup, Rebuild), so each
// commit adds the rows of its newly inserted events to the stored ones, in
// any order, and a rebuild gives the same totals. Adoption reads metrics
// back from an account's days. docs/usage.md states the rules and the
// contract the storage layer must meet.
package usage
