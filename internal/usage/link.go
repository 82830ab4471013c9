package usage

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// MatchField is the account field a Segment groupId is matched against.
type MatchField string

// The account fields a groupId can name.
const (
	// MatchProductID matches accounts by product_id, their id in product
	// telemetry: the default.
	MatchProductID MatchField = "product_id"
	// MatchExternalID matches accounts by external_id (the CRM id), for
	// products that send the CRM id as groupId.
	MatchExternalID MatchField = "external_id"
	// MatchBillingID matches accounts by billing_id.
	MatchBillingID MatchField = "billing_id"
)

// LinkConfig configures how messages are attributed to accounts.
type LinkConfig struct {
	// MatchField is the account field groupIds are matched against; the
	// storage layer loads the Directory's groups from it. Default
	// MatchProductID.
	MatchField MatchField
	// IgnoreContextGroupID turns off attributing a track, page or screen
	// call to the account named by its context.groupId (Segment's field for
	// B2B attribution of non-group calls). By default it is used.
	IgnoreContextGroupID bool
	// Pending bounds the events and traits held for identities without an
	// account.
	Pending PendingLimits
}

// Check reports a configuration mistake, naming the field.
func (c LinkConfig) Check() error {
	switch c.MatchField {
	case "", MatchProductID, MatchExternalID, MatchBillingID:
		return nil
	}
	return errors.New(`usage: link match field ` + quoteShort(string(c.MatchField)) +
		` is not one of "product_id", "external_id", "billing_id"`)
}

// Field is the match field with its default applied.
func (c LinkConfig) Field() MatchField {
	if c.MatchField == "" {
		return MatchProductID
	}
	return c.MatchField
}

// Link is a user (or anonymous visitor) joining a group, from a group call.
type Link struct {
	Identity  string    // the userId (or anonymousId) joining
	GroupID   string    // the Segment groupId joined
	At        time.Time // the group call's event time: a later call wins
	MessageID string    // the group call, for the ingestion log
}

// AliasLink is an alias call: PreviousID and UserID are the same person.
type AliasLink struct {
	PreviousID string    // the former identity (often an anonymousId)
	UserID     string    // the identity it becomes
	At         time.Time // the alias call's event time
	MessageID  string    // the alias call, for the ingestion log
}

// ContactUpdate is what an identify call says about a person, with the
// account they belong to when known.
type ContactUpdate struct {
	// UserID is the identify call's userId (empty for anonymous identifies,
	// which can update a contact found by email but not create one).
	UserID string
	// AnonymousID is the identify call's anonymousId.
	AnonymousID string
	// Account is the account external id the user is linked to; empty when
	// not yet known.
	Account   string
	Traits    ContactTraits // what the call says about the person
	At        time.Time     // the identify call's event time
	MessageID string        // the identify call, for the ingestion log
}

type userLink struct {
	group string
	at    time.Time
}

// Directory is the in-memory view of who belongs to which account: groupId
// → account (loaded from accounts by the configured MatchField) and
// identity → groupId (from group calls). Holding users by group, not by
// account, lets an account created after its users' group calls pick them
// up. It is not safe for concurrent use.
type Directory struct {
	groups  map[string]string              // groupId → account external id
	users   map[string]userLink            // identity → group
	members map[string]map[string]struct{} // groupId → identities
}

// NewDirectory makes an empty Directory.
func NewDirectory() *Directory {
	return &Directory{groups: map[string]string{}, users: map[string]userLink{},
		members: map[string]map[string]struct{}{}}
}

// SetAccount records that groupID names account (its external id), and
// returns the identities linked to that group, whose held items may now be
// attributed.
func (d *Directory) SetAccount(groupID, account string) []string {
	if groupID == "" {
		return nil
	}
	if account == "" {
		delete(d.groups, groupID)
		return nil
	}
	d.groups[groupID] = account
	out := make([]string, 0, len(d.members[groupID]))
	for id := range d.members[groupID] {
		out = append(out, id)
	}
	return out
}

// AccountOfGroup is the account groupID names.
func (d *Directory) AccountOfGroup(groupID string) (string, bool) {
	a, ok := d.groups[groupID]
	return a, ok
}

// Link records identity's group call at at. An older call than the one
// already recorded is ignored, so the outcome does not depend on arrival
// order. It reports whether the link changed.
func (d *Directory) Link(identity, groupID string, at time.Time) bool {
	if identity == "" || groupID == "" {
		return false
	}
	old, had := d.users[identity]
	if had && (old.at.After(at) || old.group == groupID) {
		if old.group == groupID && at.After(old.at) {
			d.users[identity] = userLink{groupID, at}
		}
		return false
	}
	if had {
		delete(d.members[old.group], identity)
		if len(d.members[old.group]) == 0 {
			delete(d.members, old.group)
		}
	}
	d.users[identity] = userLink{groupID, at}
	m := d.members[groupID]
	if m == nil {
		m = map[string]struct{}{}
		d.members[groupID] = m
	}
	m[identity] = struct{}{}
	return true
}

// GroupOf is the group identity is linked to.
func (d *Directory) GroupOf(identity string) (string, bool) {
	l, ok := d.users[identity]
	return l.group, ok
}

// Account is the account an identity belongs to, through its group.
func (d *Directory) Account(identity string) (string, bool) {
	l, ok := d.users[identity]
	if !ok {
		return "", false
	}
	a, ok := d.groups[l.group]
	return a, ok
}

// Linker attributes usage to accounts: it routes each batch (a pure
// decision), and once the batch is durably committed it learns the batch's
// links and releases what was waiting for them. Events of identities not
// yet linked wait in a bounded Pending. It is not safe for concurrent use:
// one owner (the group-commit loop) drives it.
type Linker struct {
	cfg LinkConfig
	// Dir is who belongs where; the storage layer fills it at start (groups
	// from accounts by MatchField, users from stored links).
	Dir      *Directory
	events   *Pending[Event]
	contacts *Pending[ContactUpdate]
}

// NewLinker makes a Linker with an empty Directory.
func NewLinker(cfg LinkConfig) (*Linker, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return &Linker{cfg: cfg, Dir: NewDirectory(),
		events:   NewPending[Event](cfg.Pending),
		contacts: NewPending[ContactUpdate](cfg.Pending)}, nil
}

// Config is the linker's configuration.
func (l *Linker) Config() LinkConfig { return l.cfg }

// PendingEvents is the structure holding events that wait for a link.
func (l *Linker) PendingEvents() *Pending[Event] { return l.events }

// PendingContacts is the structure holding identify traits that wait for a
// link before a contact can be created.
func (l *Linker) PendingContacts() *Pending[ContactUpdate] { return l.contacts }

// Routing is what one batch means for storage, decided without changing any
// state: usage events (attributed or not), links, aliases and contact
// updates. The storage layer commits it as a whole; then Linker.Commit.
type Routing struct {
	// Events are the usage messages as Events; Account is empty for those
	// that must wait for a link (store them anyway: they are acknowledged).
	Events []Event
	// Links are the batch's group calls.
	Links []Link
	// Aliases are the batch's alias calls.
	Aliases []AliasLink
	// Contacts are the batch's identify calls with traits.
	Contacts []ContactUpdate
}

// Route decides where each message of a batch that came in through source
// (the write key or its id) goes. Links made by group and alias calls
// anywhere in the batch apply to the whole batch (libraries flush group and
// track calls together, in any order). Nothing is changed: the batch may
// still fail to commit.
func (l *Linker) Route(source string, msgs []Message, cat *Catalog) Routing {
	r := Routing{Events: make([]Event, 0, len(msgs))}
	var local map[string]userLink // this batch's links, over the Directory
	link := func(identity, group string, at time.Time) {
		if identity == "" {
			return
		}
		if local == nil {
			local = map[string]userLink{}
		}
		if old, ok := local[identity]; ok && old.at.After(at) {
			return
		}
		if old, ok := l.Dir.users[identity]; ok && old.at.After(at) {
			return
		}
		local[identity] = userLink{group, at}
	}
	for i := range msgs {
		m := &msgs[i]
		switch m.Type {
		case TypeGroup:
			for _, id := range [2]string{m.UserID, m.AnonymousID} {
				if id != "" {
					r.Links = append(r.Links, Link{Identity: id, GroupID: m.GroupID, At: m.Timestamp, MessageID: m.MessageID})
					link(id, m.GroupID, m.Timestamp)
				}
			}
		case TypeAlias:
			r.Aliases = append(r.Aliases, AliasLink{PreviousID: m.PreviousID, UserID: m.Identity(), At: m.Timestamp, MessageID: m.MessageID})
		}
	}
	// An alias lends the previous identity's group to a user without one.
	for _, a := range r.Aliases {
		if g, ok := l.groupOf(local, a.UserID); !ok {
			if g, ok = l.groupOf(local, a.PreviousID); ok {
				link(a.UserID, g, a.At)
			}
		}
	}
	account := func(m *Message) string {
		if !l.cfg.IgnoreContextGroupID && m.ContextGroupID != "" {
			if a, ok := l.Dir.groups[m.ContextGroupID]; ok {
				return a
			}
		}
		for _, id := range [2]string{m.UserID, m.AnonymousID} {
			if g, ok := l.groupOf(local, id); ok {
				if a, ok := l.Dir.groups[g]; ok {
					return a
				}
			}
		}
		return ""
	}
	for i := range msgs {
		m := &msgs[i]
		switch {
		case m.Type.IsUsage():
			e, _ := NewEvent(m, cat)
			e.Source = source
			e.Account = account(m)
			r.Events = append(r.Events, e)
		case m.Type == TypeIdentify:
			t := TraitsOf(m.Traits)
			if t.Empty() {
				continue
			}
			r.Contacts = append(r.Contacts, ContactUpdate{UserID: m.UserID, AnonymousID: m.AnonymousID,
				Account: account(m), Traits: t, At: m.Timestamp, MessageID: m.MessageID})
		}
	}
	return r
}

// Only keeps the parts of r whose message was actually inserted: the store
// inserts with ON CONFLICT (write_key, message_id) DO NOTHING, and a retry
// that got past the in-memory Dedupe must have no effect at all. Call it
// with the inserted message ids before building the Delta and before
// Linker.Commit.
func (r *Routing) Only(inserted func(messageID string) bool) {
	r.Events = slices.DeleteFunc(r.Events, func(e Event) bool { return !inserted(e.MessageID) })
	r.Links = slices.DeleteFunc(r.Links, func(k Link) bool { return !inserted(k.MessageID) })
	r.Aliases = slices.DeleteFunc(r.Aliases, func(a AliasLink) bool { return !inserted(a.MessageID) })
	r.Contacts = slices.DeleteFunc(r.Contacts, func(c ContactUpdate) bool { return !inserted(c.MessageID) })
}

func (l *Linker) groupOf(local map[string]userLink, id string) (string, bool) {
	if id == "" {
		return "", false
	}
	if u, ok := local[id]; ok {
		return u.group, true
	}
	return l.Dir.GroupOf(id)
}

// Released is what became attributable when links arrived.
type Released struct {
	// Events are held events, now with Account set: set the account of
	// their stored rows, keyed by (Source, MessageID), where it is still
	// empty, and add to the rollups only the rows that changed, so a
	// release seen twice counts once.
	Events []Event
	// Contacts are held identify traits, now with Account set: decide them
	// with DecideContact.
	Contacts []ContactUpdate
}

// Commit is called once r has been durably stored, at now (Tend's clock).
// It records r's links and aliases, holds r's unattributed events and
// contact updates, and returns everything held that can now be attributed.
func (l *Linker) Commit(r *Routing, now time.Time) Released {
	var touched []string
	for _, k := range r.Links {
		if l.Dir.Link(k.Identity, k.GroupID, k.At) {
			touched = append(touched, k.Identity)
		}
	}
	for _, a := range r.Aliases {
		if _, ok := l.Dir.GroupOf(a.UserID); !ok {
			if g, ok := l.Dir.GroupOf(a.PreviousID); ok && l.Dir.Link(a.UserID, g, a.At) {
				touched = append(touched, a.UserID)
			}
		}
		l.events.Rekey(a.PreviousID, a.UserID, now)
		l.contacts.Rekey(a.PreviousID, a.UserID, now)
		touched = append(touched, a.UserID)
	}
	for _, e := range r.Events {
		if e.Account == "" {
			l.events.Add(e.User, now, e)
			// Another batch may have linked the user since Route ran.
			if _, ok := l.Dir.Account(e.User); ok {
				touched = append(touched, e.User)
			}
		}
	}
	for _, c := range r.Contacts {
		if c.Account == "" {
			id := c.UserID
			if id == "" {
				id = c.AnonymousID
			}
			l.contacts.Add(id, now, c)
		}
	}
	return l.release(touched, now)
}

// AccountCreated tells the Linker that groupID now names account (an
// account was created or its match field changed) and returns what was
// waiting for it.
func (l *Linker) AccountCreated(groupID, account string, now time.Time) Released {
	return l.release(l.Dir.SetAccount(groupID, account), now)
}

// Hold puts stored but unattributed events (reloaded after a restart) back
// under watch, and returns at once those whose identity already resolves.
func (l *Linker) Hold(events []Event, now time.Time) Released {
	var touched []string
	for _, e := range events {
		l.events.Add(e.User, now, e)
		touched = append(touched, e.User)
	}
	return l.release(touched, now)
}

func (l *Linker) release(identities []string, now time.Time) Released {
	var out Released
	for _, id := range identities {
		acct, ok := l.Dir.Account(id)
		if !ok {
			continue
		}
		for _, e := range l.events.Release(id, now) {
			e.Account = acct
			out.Events = append(out.Events, e)
		}
		for _, c := range l.contacts.Release(id, now) {
			c.Account = acct
			out.Contacts = append(out.Contacts, c)
		}
	}
	return out
}

// ContactTraits are the identify traits Tend copies onto a contact.
type ContactTraits struct {
	Email string // traits.email
	Name  string // traits.name, else first and last name joined
	Title string // traits.title
	Phone string // traits.phone
}

// Empty reports whether no trait Tend uses was given.
func (t ContactTraits) Empty() bool { return t == ContactTraits{} }

// TraitsOf reads the contact traits of an identify call's traits object:
// email, name (else firstName + lastName, or first_name + last_name), title
// and phone, trimmed. Non-string values are ignored.
func TraitsOf(traits []byte) ContactTraits {
	var t ContactTraits
	if len(traits) == 0 {
		return t
	}
	var first, last string
	sc := scanner{s: traits}
	sc.object(func(k []byte) bool {
		var dst *string
		switch string(k) {
		case "email":
			dst = &t.Email
		case "name":
			dst = &t.Name
		case "title":
			dst = &t.Title
		case "phone":
			dst = &t.Phone
		case "firstName", "first_name":
			dst = &first
		case "lastName", "last_name":
			dst = &last
		default:
			return sc.skip()
		}
		if sc.peek() != '"' {
			return sc.skip()
		}
		v, ok := sc.text()
		*dst = strings.TrimSpace(v)
		return ok
	})
	if t.Name == "" {
		t.Name = strings.TrimSpace(first + " " + last)
	}
	return t
}

// ExistingContact is a stored contact the storage layer found as a possible
// match for an identify call: those whose external id is the userId, and
// those whose email is the traits' email.
type ExistingContact struct {
	ID                int64  // the contact's id in the store
	ExternalID        string // its external id (the userId, once linked)
	AccountExternalID string // its account
	Email             string // its current fields, to write only changes
	Name              string
	Title             string
	Phone             string
}

// ContactAction is what to do with an identify call's traits.
type ContactAction uint8

// The contact actions.
const (
	// ContactNothing: nothing to write (already up to date, or no usable
	// traits).
	ContactNothing ContactAction = iota
	// ContactUpdateExisting: set Set's non-empty fields (and ExternalID
	// when given) on contact ContactID.
	ContactUpdateExisting
	// ContactCreate: create a contact in Account.
	ContactCreate
	// ContactHold: no match, and the user has no account yet; hold the
	// update until a link arrives.
	ContactHold
	// ContactAmbiguous: several contacts in different accounts share the
	// email and the user has no account to choose between them.
	ContactAmbiguous
)

// ContactDecision is the outcome of DecideContact.
type ContactDecision struct {
	// Action is what to do.
	Action ContactAction
	// ContactID is the contact to update (ContactUpdateExisting).
	ContactID int64
	// Account is where to create the contact (ContactCreate).
	Account string
	// ExternalID is the userId to set as the contact's external id: on
	// create, or on update when the matched contact had none.
	ExternalID string
	// Set holds the fields to write; empty fields are left alone, so an
	// identify call never blanks a contact.
	Set ContactTraits
	// Why explains the decision for the ingestion log.
	Why string
}

// DecideContact decides what an identify call does to contacts:
//
//  1. a contact whose external id is the userId is updated (preferring one
//     in the user's account);
//  2. else a contact with the same email (ignoring case) is updated — in the
//     user's account if it is known, else the only one with that email;
//     its external id is set to the userId when it had none;
//  3. else, with the user's account known, a userId and an email or name,
//     a contact is created;
//  4. else, with no account yet, the update is held for the link.
//
// Only traits that differ and are non-empty are written.
func DecideContact(u ContactUpdate, candidates []ExistingContact) ContactDecision {
	pick := func(match func(*ExistingContact) bool) (best *ExistingContact, n int, accounts int) {
		seen := map[string]bool{}
		for i := range candidates {
			c := &candidates[i]
			if !match(c) {
				continue
			}
			n++
			if !seen[c.AccountExternalID] {
				seen[c.AccountExternalID] = true
				accounts++
			}
			if best == nil || (u.Account != "" && c.AccountExternalID == u.Account && best.AccountExternalID != u.Account) {
				best = c
			}
		}
		return best, n, accounts
	}
	if u.UserID != "" {
		if c, _, _ := pick(func(c *ExistingContact) bool { return c.ExternalID == u.UserID }); c != nil {
			return update(c, u, "contact's external id is the userId")
		}
	}
	if u.Traits.Email != "" {
		c, _, accounts := pick(func(c *ExistingContact) bool {
			return strings.EqualFold(c.Email, u.Traits.Email) &&
				(u.Account == "" || c.AccountExternalID == u.Account)
		})
		switch {
		case c != nil && u.Account == "" && accounts > 1:
			return ContactDecision{Action: ContactAmbiguous,
				Why: "several accounts have a contact with this email and the user is not linked to an account"}
		case c != nil:
			return update(c, u, "contact has the same email")
		}
	}
	switch {
	case u.Account == "":
		return ContactDecision{Action: ContactHold, Why: "no matching contact and the user is not linked to an account yet"}
	case u.UserID == "":
		return ContactDecision{Action: ContactNothing, Why: "an anonymous identify can update a contact found by email, not create one"}
	case u.Traits.Email == "" && u.Traits.Name == "":
		return ContactDecision{Action: ContactNothing, Why: "no email or name to create a contact with"}
	}
	return ContactDecision{Action: ContactCreate, Account: u.Account, ExternalID: u.UserID, Set: u.Traits,
		Why: "no contact matches the userId or email"}
}

func update(c *ExistingContact, u ContactUpdate, why string) ContactDecision {
	d := ContactDecision{Action: ContactUpdateExisting, ContactID: c.ID, Why: why}
	t := u.Traits
	if t.Email != "" && !strings.EqualFold(t.Email, c.Email) {
		d.Set.Email = t.Email
	}
	if t.Name != "" && t.Name != c.Name {
		d.Set.Name = t.Name
	}
	if t.Title != "" && t.Title != c.Title {
		d.Set.Title = t.Title
	}
	if t.Phone != "" && t.Phone != c.Phone {
		d.Set.Phone = t.Phone
	}
	if c.ExternalID == "" && u.UserID != "" {
		d.ExternalID = u.UserID
	}
	if d.Set.Empty() && d.ExternalID == "" {
		d.Action = ContactNothing
		d.Why = why + "; it is up to date"
	}
	return d
}
