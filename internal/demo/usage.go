package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Product usage of the demo company tells each account's story (story.go):
// utilisation ramps up after a start, falls before a churn and in accounts
// at risk now, dips in a scare or a false alarm, climbs before an expansion,
// and stops while an account is gone.

// usageStream numbers the accounts' usage random streams apart from
// everything else.
const usageStream = 7_000_000

// FeatureConfig is Lumora's feature catalog.
func FeatureConfig() usage.FeatureConfig {
	return usage.FeatureConfig{Features: []usage.FeatureDef{
		{Key: "projects", Name: "Projects", Events: []string{"Project Created", "Project Archived"}},
		{Key: "tasks", Name: "Tasks", Events: []string{"Task *"}},
		{Key: "workflows", Name: "Workflows", Events: []string{"Workflow *"}, HighValue: true},
		{Key: "dashboards", Name: "Dashboards (Insights)", Events: []string{"Dashboard *", "Report Exported"}, HighValue: true},
		{Key: "automations", Name: "Automations (Automate)", Events: []string{"Automation *"}, HighValue: true},
		{Key: "integrations", Name: "Integrations", Events: []string{"Integration Connected"}},
	}}
}

// UsageEvent is one product event the demo invents.
type UsageEvent struct {
	MessageID         string
	AccountExternalID string
	UserID            string // the contact's external id
	Event             string
	At                time.Time
}

// accountUsage is one account's users and visits, as Build made them.
type accountUsage struct {
	users  []string
	visits []visit
}

// Usage lists the product usage of c's accounts over the days days ending
// c.Today (at most UsageDays): one event per user per day they used
// Lumora. It is pure and deterministic.
func Usage(c *Company, days int) []UsageEvent {
	var out []UsageEvent
	eachUsage(c, days, func(e UsageEvent) { out = append(out, e) })
	return out
}

// eachUsage calls f with the events Usage lists, in account order, then
// by day.
func eachUsage(c *Company, days int, f func(UsageEvent)) {
	from := usage.DayOf(c.Today.AddDays(1 - min(days, UsageDays)).Time())
	for i, a := range c.Accounts {
		u := c.usage[i]
		for k, v := range u.visits {
			if v.day < from {
				continue
			}
			// A time of day that depends on the user and the day only.
			minute := (int(v.slot)*37 + int(v.day)*11 + k%5) % (9 * 60)
			f(UsageEvent{
				MessageID:         "demo-" + a.ExternalID + "-" + strconv.Itoa(int(v.day)) + "-" + strconv.Itoa(int(v.slot)),
				AccountExternalID: a.ExternalID,
				UserID:            u.users[v.slot],
				Event:             eventNames[v.event],
				At:                v.day.Time().Add(time.Duration(8*60+minute) * time.Minute),
			})
		}
	}
}

// LoadUsage writes the demo's feature catalog and days of its usage into
// st, attributed to the accounts Load wrote, under a revoked write key
// named "demo" (it keys the messages but cannot be used to send). It
// returns how many events it stored.
func LoadUsage(ctx context.Context, st store.Store, c *Company, days int) (int, error) {
	cfg := FeatureConfig()
	cat, err := cfg.Compile()
	if err != nil {
		return 0, err
	}
	b, _ := json.Marshal(cfg)
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.SetUsageSetting(ctx, "features", string(b), now); err != nil {
		return 0, err
	}
	ids := map[string]int64{}
	q := store.Query{Limit: 1000}
	for {
		page, err := st.Accounts().List(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, a := range page.Items {
			ids[a.ExternalID] = a.ID
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	k, err := demoKey(ctx, st, now)
	if err != nil {
		return 0, err
	}
	const chunk = 5000
	var (
		src   = store.UsageSource{WriteKeyID: k.ID}
		n     int
		fail  error
		flush = func() {
			if fail != nil || len(src.Messages) == 0 {
				return
			}
			if err := st.CommitUsage(ctx, &store.UsageCommit{Now: now, Catalog: cat, Sources: []store.UsageSource{src}}); err != nil {
				fail = fmt.Errorf("demo usage: %w", err)
			}
			n += len(src.Messages)
			src = store.UsageSource{WriteKeyID: k.ID, Messages: src.Messages[:0], Routing: usage.Routing{Events: src.Routing.Events[:0]}}
		}
	)
	srcID := strconv.FormatInt(k.ID, 10)
	features := map[string]usage.FeatureSet{}
	for _, name := range eventNames {
		features[name] = cat.Classify(usage.TypeTrack, name)
	}
	eachUsage(c, days, func(e UsageEvent) {
		src.Messages = append(src.Messages, usage.Message{Type: usage.TypeTrack, MessageID: e.MessageID, UserID: e.UserID, Event: e.Event,
			Timestamp: e.At, OriginalTimestamp: e.At, ReceivedAt: now})
		// What usage.NewEvent makes of the message, with the features
		// classified once per event name.
		ev := usage.Event{MessageID: e.MessageID, Type: usage.TypeTrack, User: e.UserID, Time: e.At, Name: e.Event,
			Features: features[e.Event], Source: srcID}
		if id, ok := ids[e.AccountExternalID]; ok {
			ev.Account = strconv.FormatInt(id, 10)
		}
		src.Routing.Events = append(src.Routing.Events, ev)
		if len(src.Messages) == chunk {
			flush()
		}
	})
	flush()
	return n, fail
}

// demoKey is the revoked write key demo usage is stored under, made once:
// loading the demo again stores nothing twice (same key, same messageIds).
func demoKey(ctx context.Context, st store.Store, now time.Time) (auth.WriteKey, error) {
	keys, err := st.WriteKeys(ctx)
	if err != nil {
		return auth.WriteKey{}, err
	}
	for _, k := range keys {
		if k.Name == "demo" && !k.Live() {
			return k, nil
		}
	}
	k, _ := auth.NewWriteKey("demo", now)
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		return k, err
	}
	return k, st.RevokeWriteKey(ctx, k.ID, now)
}
