package usage

import (
	"reflect"
	"testing"
	"time"
)

func decode(t *testing.T, body string) []Message {
	t.Helper()
	b, err := DecodeBatch([]byte(body), DecodeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Rejected) > 0 {
		t.Fatalf("rejected %+v", b.Rejected)
	}
	return b.Messages
}

func TestRouteGroupLinksWholeBatch(t *testing.T) {
	t.Parallel()
	l, _ := NewLinker(LinkConfig{})
	l.AccountCreated("prod-42", "crm-acme", received)
	// The track comes before the group call in the batch; both are attributed.
	msgs := decode(t, `{"batch":[
		{"type":"track","userId":"u1","event":"Report Created","messageId":"1","timestamp":"2026-03-14T15:00:00Z"},
		{"type":"group","userId":"u1","groupId":"prod-42","messageId":"2","timestamp":"2026-03-14T14:00:00Z"},
		{"type":"page","userId":"u2","name":"Home","messageId":"3"},
		{"type":"track","userId":"u2","event":"X","messageId":"4","context":{"groupId":"prod-42"}},
		{"type":"identify","userId":"u1","traits":{"email":"kim@acme.test","firstName":"Kim","lastName":"Lee","title":"CTO"},"messageId":"5"}
	]}`)
	r := l.Route("wk", msgs, testCatalog(t))
	if len(r.Events) != 3 || r.Events[0].Account != "crm-acme" || r.Events[1].Account != "" || r.Events[2].Account != "crm-acme" {
		t.Fatalf("events %+v", r.Events)
	}
	if !r.Events[0].Features.Has(0) {
		t.Errorf("features not classified: %+v", r.Events[0])
	}
	if len(r.Links) != 1 || len(r.Contacts) != 1 {
		t.Fatalf("%+v", r)
	}
	if c := r.Contacts[0]; c.Account != "crm-acme" || c.Traits != (ContactTraits{Email: "kim@acme.test", Name: "Kim Lee", Title: "CTO"}) {
		t.Errorf("contact %+v", c)
	}
	// Route changed nothing.
	if _, ok := l.Dir.Account("u1"); ok {
		t.Error("Route changed the directory")
	}
	rel := l.Commit(&r, received)
	if a, _ := l.Dir.Account("u1"); a != "crm-acme" || len(rel.Events) != 0 {
		t.Errorf("after commit: %q %+v", a, rel)
	}
	if l.PendingEvents().Len() != 1 {
		t.Errorf("u2's page should wait: %d held", l.PendingEvents().Len())
	}
	// u2 joins the group: its held page is released, attributed.
	r2 := l.Route("wk", decode(t, `{"batch":[{"type":"group","userId":"u2","groupId":"prod-42","messageId":"6"}]}`), nil)
	rel = l.Commit(&r2, received)
	if len(rel.Events) != 1 || rel.Events[0].Name != "Home" || rel.Events[0].Account != "crm-acme" || l.PendingEvents().Len() != 0 {
		t.Errorf("released %+v", rel)
	}
}

func TestLinkerAccountCreatedLater(t *testing.T) {
	t.Parallel()
	l, _ := NewLinker(LinkConfig{})
	r := l.Route("wk", decode(t, `{"batch":[
		{"type":"group","userId":"u","groupId":"g","messageId":"1"},
		{"type":"track","userId":"u","event":"E","messageId":"2"},
		{"type":"identify","userId":"u","traits":{"email":"u@x.test"},"messageId":"3"}]}`), nil)
	if r.Events[0].Account != "" || r.Contacts[0].Account != "" {
		t.Fatalf("no account has product_id g yet: %+v", r)
	}
	if rel := l.Commit(&r, received); len(rel.Events) != 0 {
		t.Fatalf("%+v", rel)
	}
	rel := l.AccountCreated("g", "acct-g", received)
	if len(rel.Events) != 1 || rel.Events[0].Account != "acct-g" || len(rel.Contacts) != 1 || rel.Contacts[0].Account != "acct-g" {
		t.Errorf("released %+v", rel)
	}
}

func TestLinkLaterGroupCallWins(t *testing.T) {
	t.Parallel()
	d := NewDirectory()
	d.SetAccount("g1", "a1")
	d.SetAccount("g2", "a2")
	if !d.Link("u", "g2", t0.Add(time.Hour)) {
		t.Fatal("first link")
	}
	if d.Link("u", "g1", t0) { // older call arriving late
		t.Error("an older group call replaced a newer one")
	}
	if a, _ := d.Account("u"); a != "a2" {
		t.Errorf("account %q", a)
	}
	if !d.Link("u", "g1", t0.Add(2*time.Hour)) {
		t.Error("a newer group call did not move the user")
	}
	if ids := d.SetAccount("g2", "a2"); len(ids) != 0 {
		t.Errorf("u left g2 but is still listed: %v", ids)
	}
	if ids := d.SetAccount("g1", "a1"); !reflect.DeepEqual(ids, []string{"u"}) {
		t.Errorf("members of g1 %v", ids)
	}
}

func TestAliasCarriesHeldEvents(t *testing.T) {
	t.Parallel()
	l, _ := NewLinker(LinkConfig{})
	l.AccountCreated("g", "acct", received)
	r := l.Route("wk", decode(t, `{"batch":[{"type":"page","anonymousId":"anon-1","name":"Pricing","messageId":"1"}]}`), nil)
	l.Commit(&r, received)
	r = l.Route("wk", decode(t, `{"batch":[{"type":"alias","previousId":"anon-1","userId":"u","messageId":"2"}]}`), nil)
	l.Commit(&r, received)
	if l.PendingEvents().Len() != 1 || l.PendingEvents().Identities()[0] != "u" {
		t.Fatalf("alias did not move held events to u: %v", l.PendingEvents().Identities())
	}
	r = l.Route("wk", decode(t, `{"batch":[{"type":"group","userId":"u","groupId":"g","messageId":"3"}]}`), nil)
	rel := l.Commit(&r, received)
	if len(rel.Events) != 1 || rel.Events[0].User != "anon-1" || !rel.Events[0].Anonymous || rel.Events[0].Account != "acct" {
		t.Errorf("released %+v", rel)
	}
}

func TestIgnoreContextGroupID(t *testing.T) {
	t.Parallel()
	l, err := NewLinker(LinkConfig{IgnoreContextGroupID: true, MatchField: MatchExternalID})
	if err != nil {
		t.Fatal(err)
	}
	l.AccountCreated("acme", "acme", received)
	r := l.Route("wk", decode(t, `{"batch":[{"type":"track","userId":"u","event":"E","context":{"groupId":"acme"}}]}`), nil)
	if r.Events[0].Account != "" {
		t.Errorf("context.groupId used although turned off")
	}
	if _, err := NewLinker(LinkConfig{MatchField: "email"}); err == nil {
		t.Error("bad match field accepted")
	}
	if (LinkConfig{}).Field() != MatchProductID {
		t.Error("default match field")
	}
}

func TestHoldAfterRestart(t *testing.T) {
	t.Parallel()
	l, _ := NewLinker(LinkConfig{})
	l.AccountCreated("g", "acct", received)
	l.Dir.Link("u1", "g", t0)
	rel := l.Hold([]Event{{MessageID: "1", User: "u1"}, {MessageID: "2", User: "u2"}}, received)
	if len(rel.Events) != 1 || rel.Events[0].MessageID != "1" || rel.Events[0].Account != "acct" || l.PendingEvents().Len() != 1 {
		t.Errorf("%+v", rel)
	}
}

func TestTraitsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ContactTraits
	}{
		{`{"email":" a@b.c ","name":"Ann Bee","title":"VP","phone":"+1 555"}`, ContactTraits{"a@b.c", "Ann Bee", "VP", "+1 555"}},
		{`{"firstName":"Ann","lastName":"Bee"}`, ContactTraits{Name: "Ann Bee"}},
		{`{"first_name":"Ann"}`, ContactTraits{Name: "Ann"}},
		{`{"name":"Full","firstName":"Ann"}`, ContactTraits{Name: "Full"}},
		{`{"email":42,"name":null,"plan":"pro","address":{"city":"x"}}`, ContactTraits{}},
		{``, ContactTraits{}},
	}
	for _, tc := range tests {
		if got := TraitsOf([]byte(tc.in)); got != tc.want {
			t.Errorf("TraitsOf(%s) = %+v", tc.in, got)
		}
	}
}

func TestDecideContact(t *testing.T) {
	t.Parallel()
	kim := ExistingContact{ID: 1, ExternalID: "u1", AccountExternalID: "acme", Email: "kim@acme.test", Name: "Kim", Title: "CTO"}
	noID := ExistingContact{ID: 2, AccountExternalID: "acme", Email: "Lee@Acme.test", Name: "Lee"}
	otherLee := ExistingContact{ID: 3, AccountExternalID: "globex", Email: "lee@acme.test", Name: "Lee G"}
	tests := []struct {
		name  string
		u     ContactUpdate
		cands []ExistingContact
		want  ContactDecision
	}{
		{"update by external id, only what changed",
			ContactUpdate{UserID: "u1", Account: "acme", Traits: ContactTraits{Email: "KIM@acme.test", Name: "Kim Park", Title: "CTO"}},
			[]ExistingContact{kim}, ContactDecision{Action: ContactUpdateExisting, ContactID: 1, Set: ContactTraits{Name: "Kim Park"}}},
		{"up to date",
			ContactUpdate{UserID: "u1", Account: "acme", Traits: ContactTraits{Title: "CTO"}},
			[]ExistingContact{kim}, ContactDecision{Action: ContactNothing, ContactID: 1}},
		{"match by email sets the external id",
			ContactUpdate{UserID: "u9", Account: "acme", Traits: ContactTraits{Email: "lee@acme.test", Title: "PM"}},
			[]ExistingContact{otherLee, noID}, ContactDecision{Action: ContactUpdateExisting, ContactID: 2, ExternalID: "u9", Set: ContactTraits{Title: "PM"}}},
		{"email in two accounts, user unlinked",
			ContactUpdate{UserID: "u9", Traits: ContactTraits{Email: "lee@acme.test"}},
			[]ExistingContact{noID, otherLee}, ContactDecision{Action: ContactAmbiguous}},
		{"create",
			ContactUpdate{UserID: "u7", Account: "acme", Traits: ContactTraits{Email: "new@acme.test", Name: "New"}},
			nil, ContactDecision{Action: ContactCreate, Account: "acme", ExternalID: "u7", Set: ContactTraits{Email: "new@acme.test", Name: "New"}}},
		{"hold without an account",
			ContactUpdate{UserID: "u7", Traits: ContactTraits{Email: "new@acme.test"}},
			nil, ContactDecision{Action: ContactHold}},
		{"anonymous cannot create",
			ContactUpdate{AnonymousID: "a", Account: "acme", Traits: ContactTraits{Email: "new@acme.test"}},
			nil, ContactDecision{Action: ContactNothing}},
		{"nothing to create with",
			ContactUpdate{UserID: "u7", Account: "acme", Traits: ContactTraits{Title: "CEO"}},
			nil, ContactDecision{Action: ContactNothing}},
	}
	for _, tc := range tests {
		got := DecideContact(tc.u, tc.cands)
		if got.Why == "" {
			t.Errorf("%s: no explanation", tc.name)
		}
		got.Why = ""
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// TestOnlyInserted: a retry the store did not insert has no effect, so its
// events are neither counted nor held twice.
func TestOnlyInserted(t *testing.T) {
	t.Parallel()
	l, _ := NewLinker(LinkConfig{})
	body := `{"batch":[
		{"type":"group","userId":"u","groupId":"g","messageId":"1"},
		{"type":"track","userId":"v","event":"E","messageId":"2"},
		{"type":"identify","userId":"v","traits":{"email":"v@x.test"},"messageId":"3"},
		{"type":"alias","previousId":"a","userId":"v","messageId":"4"}]}`
	r := l.Route("wk", decode(t, body), nil)
	if r.Events[0].Source != "wk" {
		t.Errorf("source %q", r.Events[0].Source)
	}
	l.Commit(&r, received)
	retry := l.Route("wk", decode(t, body), nil)
	retry.Only(func(string) bool { return false }) // the store inserted nothing
	if len(retry.Events)+len(retry.Links)+len(retry.Aliases)+len(retry.Contacts) != 0 {
		t.Fatalf("%+v", retry)
	}
	l.Commit(&retry, received)
	if n := l.PendingEvents().Len(); n != 1 {
		t.Errorf("%d events held, want 1", n)
	}
	part := l.Route("wk", decode(t, body), nil)
	part.Only(func(id string) bool { return id == "2" })
	if len(part.Events) != 1 || len(part.Links)+len(part.Aliases)+len(part.Contacts) != 0 {
		t.Errorf("%+v", part)
	}
}
