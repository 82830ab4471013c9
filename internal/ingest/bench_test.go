package ingest_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/usage"
)

// BenchmarkCommit measures the committer's path alone, without HTTP: route
// 2,000 decoded realistic messages and commit them in one transaction
// (durable), as one group commit does. msgs/s is the ceiling of ingestion
// on one engine with one committer.
func BenchmarkCommitSQLite(b *testing.B)   { benchCommit(b, sqlitetest.Open(b)) }
func BenchmarkCommitPostgres(b *testing.B) { benchCommit(b, pgtest.Open(b)) }

func benchCommit(b *testing.B, st store.Store) {
	const groups, per = 1000, 2000
	acc := make([]customer.Account, groups)
	for i := range acc {
		acc[i] = customer.Account{ExternalID: fmt.Sprint("b", i), ProductID: fmt.Sprint("org_", i), Name: fmt.Sprint("B ", i)}
	}
	if err := store.ImportAll(ctx, st.Accounts(), acc); err != nil {
		b.Fatal(err)
	}
	ga, err := st.GroupAccounts(ctx, usage.MatchProductID, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	l, _ := usage.NewLinker(usage.LinkConfig{})
	for _, g := range ga {
		l.AccountCreated(g.GroupID, strconv.FormatInt(g.AccountID, 10), time.Now())
	}
	p := ingest.NewPayloads(1, 20, per/20, groups)
	var buf []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var msgs []usage.Message
		for j := range 20 {
			buf = p.Fresh(buf[:0:0], i*20+j)
			bt, err := usage.DecodeBatch(buf, usage.DecodeOptions{ReceivedAt: time.Now(), Retain: true})
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, bt.Messages...)
		}
		b.StartTimer()
		c := &store.UsageCommit{Now: time.Now(), Sources: []store.UsageSource{{WriteKeyID: 1, Messages: msgs, Routing: l.Route("1", msgs, nil)}}}
		if err := st.CommitUsage(ctx, c); err != nil {
			b.Fatal(err)
		}
		l.Commit(&c.Sources[0].Routing, time.Now())
	}
	b.ReportMetric(float64(per*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
