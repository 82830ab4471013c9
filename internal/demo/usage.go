package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Product usage of the demo company, consistent with its story: usage
// fades in the months before an account churns (from the day its warning
// signs began) and in accounts at risk now, stops while an account is
// gone, and climbs in the weeks before an account expands.

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

var (
	coreEvents      = []string{"Task Created", "Task Completed", "Task Commented", "Project Created", "Workflow Started", "Workflow Completed", "Integration Connected", "Project Archived"}
	coreWeights     = []float64{30, 25, 12, 5, 8, 6, 1, 1}
	insightsEvents  = []string{"Dashboard Viewed", "Dashboard Created", "Report Exported"}
	automateEvents  = []string{"Automation Triggered", "Automation Edited"}
	maxUsersPerDemo = 6
)

// Usage invents the product usage of c's accounts over the days days
// ending c.Today. It is pure and deterministic.
func Usage(c *Company, days int) []UsageEvent {
	people := map[string][]string{}
	for _, p := range c.Contacts {
		if p.Status == customer.ContactActive && p.ExternalID != "" && len(people[p.AccountExternalID]) < maxUsersPerDemo {
			people[p.AccountExternalID] = append(people[p.AccountExternalID], p.ExternalID)
		}
	}
	type line struct {
		insights, automate bool
		firstStart         civil.Date
		expands            []civil.Date
	}
	lines := map[string]*line{}
	for _, s := range c.Subscriptions {
		l := lines[s.AccountExternalID]
		if l == nil {
			l = &line{firstStart: s.StartOn}
			lines[s.AccountExternalID] = l
		}
		if s.StartOn.Before(l.firstStart) {
			l.firstStart = s.StartOn
		}
		switch s.Product {
		case "Insights":
			l.insights = true
		case "Automate":
			l.automate = true
		}
	}
	for _, s := range c.Subscriptions {
		if l := lines[s.AccountExternalID]; s.StartOn.Time().After(l.firstStart.Time()) && !s.Trial {
			l.expands = append(l.expands, s.StartOn)
		}
	}
	from := c.Today.AddDays(-days + 1)
	var out []UsageEvent
	for i, a := range c.Accounts {
		t := c.Truth[i]
		users := people[a.ExternalID]
		l := lines[a.ExternalID]
		if len(users) == 0 || l == nil {
			continue
		}
		r := newRNG(c.Seed, 7_000_000+uint64(i))
		base := r.uniform(0.3, 0.7)
		n := 0
		for d := from; !c.Today.Before(d); d = d.AddDays(1) {
			if d.Before(l.firstStart) {
				continue
			}
			gone := !t.ChurnedOn.IsZero() && !d.Before(t.ChurnedOn) && (t.ReactivatedOn.IsZero() || d.Before(t.ReactivatedOn))
			if gone {
				continue
			}
			f := 1.0
			if !t.RiskFrom.IsZero() && !d.Before(t.RiskFrom) && (t.Fate == FateChurned || t.Fate == FateAtRisk) {
				end := c.Today
				if t.Fate == FateChurned {
					end = t.ChurnedOn
				}
				span := max(1, end.DaysSince(t.RiskFrom))
				f = 1 - 0.8*min(1, float64(d.DaysSince(t.RiskFrom))/float64(span))
			}
			for _, e := range l.expands {
				// Rising over the 45 days before an expansion.
				if until := e.DaysSince(d); until >= 0 && until <= 45 {
					f *= 1 + 0.6*float64(45-until)/45
				}
			}
			for _, u := range users {
				if !r.chance(min(0.95, base*f)) {
					continue
				}
				for k := r.between(1, 2); k > 0; k-- {
					ev := coreEvents[r.weighted(coreWeights)]
					switch {
					case l.insights && r.chance(0.25):
						ev = pick(r, insightsEvents)
					case l.automate && r.chance(0.2):
						ev = pick(r, automateEvents)
					}
					n++
					out = append(out, UsageEvent{MessageID: "demo-" + a.ExternalID + "-" + strconv.Itoa(n), AccountExternalID: a.ExternalID,
						UserID: u, Event: ev, At: r.at(d)})
				}
			}
		}
	}
	return out
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
	src := strconv.FormatInt(k.ID, 10)
	evs := Usage(c, days)
	const chunk = 5000
	for lo := 0; lo < len(evs); lo += chunk {
		part := evs[lo:min(lo+chunk, len(evs))]
		s := store.UsageSource{WriteKeyID: k.ID}
		for _, e := range part {
			raw, _ := json.Marshal(map[string]any{"type": "track", "messageId": e.MessageID, "userId": e.UserID, "event": e.Event,
				"timestamp": e.At.Format(time.RFC3339Nano)})
			m := usage.Message{Type: usage.TypeTrack, MessageID: e.MessageID, UserID: e.UserID, Event: e.Event,
				Timestamp: e.At, OriginalTimestamp: e.At, ReceivedAt: now, Raw: raw}
			s.Messages = append(s.Messages, m)
			ev, _ := usage.NewEvent(&m, cat)
			ev.Source = src
			if id, ok := ids[e.AccountExternalID]; ok {
				ev.Account = strconv.FormatInt(id, 10)
			}
			s.Routing.Events = append(s.Routing.Events, ev)
		}
		if err := st.CommitUsage(ctx, &store.UsageCommit{Now: now, Catalog: cat, Sources: []store.UsageSource{s}}); err != nil {
			return lo, fmt.Errorf("demo usage: %w", err)
		}
	}
	return len(evs), nil
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
