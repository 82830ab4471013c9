package automation

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/store"
)

// SinkStore is what StoreSink uses of the store.
type SinkStore interface {
	ApplyIntents(ctx context.Context, today civil.Date, pool string, intents []cta.Intent) (store.Applied, error)
	Playbooks(ctx context.Context) ([]store.PlaybookInfo, error)
	SetPulse(ctx context.Context, p *store.Pulse) error
	Accounts() store.Collection[customer.Account]
}

// StoreSink applies rules' actions to the store: CTA intents through the
// work list (store.Work.ApplyIntents, which decides each with cta.Apply),
// pulses and fields on the account. Tags are kept in the audit only:
// accounts have no tags yet.
type StoreSink struct {
	St SinkStore
	// Pool owns the CTAs of tech-touch accounts ("": cta.DefaultPool).
	Pool string
	// Today is the day intents are applied as of (nil: civil.Today).
	Today func() civil.Date
	// Applied adds up what ApplyIntents did over the sink's life.
	Applied store.Applied
}

func (s *StoreSink) today() civil.Date {
	if s.Today != nil {
		return s.Today()
	}
	return civil.Today()
}

// ApplyIntents applies the intents in one transaction. A playbook no one
// knows (a rule's warning when it was saved) is dropped from its intent,
// which opens its CTA without tasks, rather than refusing the batch.
func (s *StoreSink) ApplyIntents(ctx context.Context, intents []cta.Intent) error {
	pbs, err := s.St.Playbooks(ctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(pbs))
	for _, p := range pbs {
		known[p.Name] = true
	}
	for i := range intents {
		if intents[i].Playbook != "" && !known[intents[i].Playbook] {
			intents[i].Playbook = ""
		}
	}
	a, err := s.St.ApplyIntents(ctx, s.today(), s.Pool, intents)
	if err != nil {
		return err
	}
	s.Applied.Created += a.Created
	s.Applied.Updated += a.Updated
	s.Applied.Reopened += a.Reopened
	s.Applied.Closed += a.Closed
	s.Applied.Unchanged += a.Unchanged
	s.Applied.Skipped += a.Skipped
	return nil
}

// ApplyEffects sets pulses and fields; tags are left to the audit.
func (s *StoreSink) ApplyEffects(ctx context.Context, effects []rules.Effect) error {
	for _, e := range effects {
		switch e.Kind {
		case "set_pulse":
			p := store.Pulse{AccountID: e.AccountID, Colour: e.Value, Reason: e.Reason, ExpiresOn: s.today().AddDays(e.Days)}
			if err := s.St.SetPulse(ctx, &p); err != nil {
				return fmt.Errorf("rule %s: pulse of account %d: %w", e.Rule, e.AccountID, err)
			}
		case "set_field":
			a, err := s.St.Accounts().Get(ctx, e.AccountID)
			if err != nil {
				return fmt.Errorf("rule %s: account %d: %w", e.Rule, e.AccountID, err)
			}
			switch e.Field {
			case "tier":
				a.Tier = e.Value
			case "touch_model":
				a.TouchModel = e.Value
			case "lifecycle":
				a.Lifecycle = e.Value
			case "industry":
				a.Industry = e.Value
			case "region":
				a.Region = e.Value
			case "csm":
				a.CSMID, a.CSMEmail = 0, e.Value
			case "name":
				a.Name = e.Value
			default:
				return fmt.Errorf("rule %s: field %q cannot be set", e.Rule, e.Field)
			}
			if err := s.St.Accounts().Update(ctx, &a); err != nil {
				return fmt.Errorf("rule %s: set %s of account %d: %w", e.Rule, e.Field, e.AccountID, err)
			}
		}
	}
	return nil
}
