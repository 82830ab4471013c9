package retention

import (
	"context"
	"sync"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// Cache keeps the last book built from one store, and gives it again while
// nothing it is built from has changed: it asks the store for its
// RetentionStamp (counts and latest write times of the subscriptions,
// accounts and exchange rates — one cheap statement) and rebuilds when the
// stamp or the as-of day differs. Writes are thus seen on the next read,
// from any process sharing the database; there is no other invalidation
// to keep in step. A revenue.Book is read-only once built, so one book
// serves concurrent requests. The zero Cache is ready to use.
type Cache struct {
	build sync.Mutex // one rebuild at a time; the others wait for it
	mu    sync.Mutex // guards the fields below
	st    store.Store
	asOf  civil.Date
	stamp string
	book  *revenue.Book
	list  []customer.Account
	// builds counts the books built, for tests.
	builds int
}

// Load is the book of st as of asOf, as Load builds it, reusing the
// cached one when st's stamp has not moved. The accounts returned are
// shared: callers must not change them.
func (c *Cache) Load(ctx context.Context, st store.Store, asOf civil.Date) (*revenue.Book, []customer.Account, error) {
	stamp, err := st.RetentionStamp(ctx)
	if err != nil {
		return nil, nil, err
	}
	if b, l, ok := c.hit(st, asOf, stamp); ok {
		return b, l, nil
	}
	c.build.Lock()
	defer c.build.Unlock()
	if b, l, ok := c.hit(st, asOf, stamp); ok { // built while we waited
		return b, l, nil
	}
	// The stamp was read before the rows: a write landing during the
	// load moves the stamp again, so the next read rebuilds.
	book, list, err := Load(ctx, st, asOf)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	c.st, c.asOf, c.stamp, c.book, c.list = st, asOf, stamp, book, list
	c.builds++
	c.mu.Unlock()
	return book, list, nil
}

func (c *Cache) hit(st store.Store, asOf civil.Date, stamp string) (*revenue.Book, []customer.Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.book != nil && c.st == st && c.asOf == asOf && c.stamp == stamp {
		return c.book, c.list, true
	}
	return nil, nil, false
}

// Builds is how many books the cache has built.
func (c *Cache) Builds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds
}
