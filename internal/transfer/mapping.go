package transfer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/tendhq/tend/internal/customer"
)

// How sure a column's match is; the surest column wins a field.
const (
	byMap      = iota // --map
	byName            // the field's own name, exactly as export writes it
	byLikeness        // a synonym or the name with case and punctuation ignored
)

// norm reduces a header to lowercase letters and digits, so "Account ID",
// "account_id" and "AccountId" compare equal.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// synonymsFor lists, by normalised header, the names other systems give
// the object's fields: common CRM, billing and support exports, and
// Salesforce's API names (Id, AccountId, NumberOfEmployees, ParentId…).
// A "field" starting with "-" means "recognised, deliberately not
// imported", and says why.
func synonymsFor(o Object) map[string]string {
	syn := map[string]string{}
	add := func(field string, headers ...string) {
		if _, ok := o.fields.get(field); !ok && !strings.HasPrefix(field, "-") && !o.derivedAmount(field) {
			return
		}
		for _, h := range headers {
			syn[norm(h)] = field
		}
	}
	if _, ok := o.fields.get("external_id"); ok {
		add("external_id", "Id", "External Key", "Record ID", "CRM ID", o.Singular+" id", o.Singular+" key")
	}
	if _, ok := o.fields.get("account_external_id"); ok {
		add("account_external_id", "AccountId", "Account", "Account Key", "Account Ref", "Company ID", "Customer ID")
	}
	switch o.Name {
	case "accounts":
		add("name", "Account Name", "Company", "Company Name", "Customer Name", "Organization", "Organisation")
		add("industry", "Sector", "Vertical")
		add("employees", "NumberOfEmployees", "Employee Count", "Headcount", "Company Size")
		add("parent_external_id", "ParentId", "Parent", "Parent Account", "Parent Account ID")
		add("region", "BillingCountry", "Country", "Geo", "Territory")
		add("billing_id", "Billing Account", "Billing Account ID", "Stripe Customer ID", "Stripe ID")
		add("product_id", "Group ID", "Product Account ID", "Workspace ID", "Tenant ID")
		add("lifecycle", "Lifecycle Stage", "Stage", "Customer Stage")
		add("tier", "Plan Tier", "Segment", "Customer Tier")
		add("touch_model", "Touch", "Engagement Model")
		add("csm_email", "CSM", "Customer Success Manager", "Owner Email", "Account Owner Email")
		add("ae_email", "AE", "Account Executive", "Sales Owner Email")
		add("sponsor_email", "Sponsor", "Executive Sponsor")
		add("customer_since", "Signup Date", "Sign-up Date", "Customer Since Date", "Start Date", "First Purchase Date")
		add("-derived from subscriptions", "MRR", "ARR", "Currency", "CurrencyIsoCode", "Renewal Date")
	case "contacts":
		add("name", "Full Name", "Contact Name")
		add("email", "Email Address", "E-mail", "Work Email")
		add("title", "Job Title", "Position")
		add("phone", "Phone Number", "MobilePhone", "Mobile")
		add("roles", "Role", "Relationship Role", "Contact Roles")
		add("seniority", "Level", "Seniority Level")
		add("left_on", "Left Date", "Departure Date", "Left At")
	case "subscriptions":
		add("product", "Product Name", "Product Line")
		add("plan", "Plan Tier", "Plan Name", "Tier", "Edition")
		add("quantity", "Seats", "Licenses", "Licences", "Units")
		add("mrr", "MRR Amount", "Monthly Recurring Revenue", "Monthly Amount")
		add("currency", "CurrencyIsoCode", "Currency Code")
		add("billing_period", "Billing Frequency", "Billing Cycle", "Billing Interval", "Interval")
		add("start_on", "Start Date", "Started At", "Start")
		add("end_on", "End Date", "Renewal Date", "Term End", "Ended At", "End")
		add("trial", "Is Trial", "Trial Flag")
		add("auto_renew", "Auto Renew Flag", "Auto Renewal", "Autorenew")
		add("discount_percent", "Discount", "Discount %")
		add("arr", "ARR", "ARR Amount", "Annual Recurring Revenue")
		add("amount", "Amount", "Price", "Contract Amount", "Billing Amount")
	case "invoices":
		add("number", "Invoice Number", "Invoice No", "Invoice #")
		add("amount", "Amount Due", "Total", "Invoice Amount")
		add("currency", "CurrencyIsoCode", "Currency Code")
		add("issued_on", "Issue Date", "Invoice Date", "Issued", "Date", "Created")
		add("due_on", "Due Date", "Due")
		add("paid_on", "Paid Date", "Paid At", "Payment Date")
	case "tickets":
		add("subject", "Title", "Summary")
		add("opened_at", "Submitted At", "CreatedDate", "Created", "Created At", "Opened", "Open Date")
		add("closed_at", "ClosedDate", "Closed", "Solved At", "Resolved At", "Close Date")
		add("first_response_minutes", "First Response Time Minutes", "First Response Time", "First Reply Time Minutes")
		add("escalated", "Escalation Flag", "IsEscalated", "Is Escalated")
		add("csat", "Satisfaction Score", "Satisfaction", "Satisfaction Rating", "CSAT Score")
	case "surveys":
		add("kind", "Type", "Survey Type", "Survey")
		add("score", "Rating", "NPS", "NPS Score", "Answer")
		add("comment", "Feedback", "Verbatim", "Comments")
		add("responded_at", "Submitted At", "Responded", "Response Date", "Date", "Created At")
		add("contact_external_id", "ContactId", "Contact", "Respondent ID")
	case "activities":
		add("kind", "Type", "Activity Type", "TaskSubtype")
		add("occurred_at", "ActivityDate", "Date", "Activity Date", "When")
		add("account_external_id", "WhatId")
		add("author_email", "Author", "Owner Email", "Created By Email")
		add("attendees", "Participants", "Invitees")
		add("body", "Description", "Notes", "Note", "Details")
	case "users":
		add("name", "Full Name")
		add("email", "Email Address", "Username")
		add("disabled", "Is Disabled", "Deactivated", "Suspended")
		add("capacity_arr", "Capacity", "Book Capacity", "Capacity ARR")
		add("role", "Tend Role")
		add("-users are matched by email", "Id")
	}
	return syn
}

// target is where one column's values go: a field, or a custom attribute.
type target struct {
	field    int    // index in the object's fieldSet, or -1 for an attribute or an amount
	attr     string // attribute key
	attrType string // the type asked for with attributes.<key>:<type>, or ""
	amount   string // an amount read only to derive a field (see amounts.go), or ""
}

// key names the target in error messages and for de-duplication:
// the field name, or attributes.<key>.
func (t target) key(fs fieldSet) string {
	if t.amount != "" {
		return t.amount
	}
	if t.field < 0 {
		return "attributes." + t.attr
	}
	return fs.list[t.field].name
}

// parseTarget reads the right-hand side of --map or the left of --set:
// a field name, or attributes.<key> optionally followed by :<type>.
func (o Object) parseTarget(spec string) (target, error) {
	spec = strings.TrimSpace(spec)
	if rest, ok := cutPrefixFold(spec, "attributes."); ok {
		if o.fields.attrs < 0 {
			return target{}, fmt.Errorf("%s have no custom attributes", o.Name)
		}
		key, typ, _ := strings.Cut(rest, ":")
		key = attrKey(key)
		typ = strings.ToLower(strings.TrimSpace(typ))
		if typ != "" && !slices.Contains(customer.AttributeTypes, typ) {
			return target{}, fmt.Errorf("%q: attribute type %q is not one of %s", spec, typ, strings.Join(customer.AttributeTypes, ", "))
		}
		d := customer.AttributeDef{Key: key, Type: typ}
		if err := d.Check(); err != nil {
			return target{}, fmt.Errorf("%q: %w", spec, err)
		}
		return target{field: -1, attr: key, attrType: typ}, nil
	}
	i, ok := o.fields.byName[spec]
	if !ok {
		i, ok = o.fields.byName[strings.ToLower(spec)]
	}
	if !ok && o.derivedAmount(strings.ToLower(spec)) {
		return target{field: -1, amount: strings.ToLower(spec)}, nil
	}
	if !ok {
		return target{}, fmt.Errorf("%q is not a field of %s (fields: %s, or attributes.<key>)", spec, o.Name, strings.Join(o.writableFields(), ", "))
	}
	if f := o.fields.list[i]; f.readOnly && f.name != "id" || f.kind == kindAttrs {
		return target{}, fmt.Errorf("%q is read-only", spec)
	}
	return target{field: i}, nil
}

// writableFields lists the fields an import can set, for messages.
func (o Object) writableFields() []string {
	var names []string
	for _, f := range o.fields.list {
		if !f.readOnly && f.kind != kindAttrs {
			names = append(names, f.name)
		}
	}
	return names
}

// attrKey turns a header fragment into an attribute key: "Referral Source"
// becomes referral_source.
func attrKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// Ignored is a column of the file that the import does not read, and why.
type Ignored struct {
	Column string
	Reason string
}

// mapper decides where each column of a file goes.
type mapper struct {
	obj      Object
	exact    map[string]*target // --map by source header exactly
	folded   map[string]*target // --map by normalised source header
	used     map[string]bool    // --map sources that matched a column
	consts   []constant         // --set
	constKey map[string]bool
}

// constant is a value set by --set on every row.
type constant struct {
	target
	spec string // as written, for messages
	text string
}

// newMapper parses --map ("source=field") and --set ("field=value").
// A --map target of "-" ignores the column.
func newMapper(o Object, maps, sets []string) (*mapper, error) {
	m := &mapper{obj: o, exact: map[string]*target{}, folded: map[string]*target{}, used: map[string]bool{}, constKey: map[string]bool{}}
	for _, kv := range maps {
		src, dst, ok := strings.Cut(kv, "=")
		src, dst = strings.TrimSpace(src), strings.TrimSpace(dst)
		if !ok || src == "" {
			return nil, fmt.Errorf("--map %q: want column=field", kv)
		}
		var t *target
		if dst != "-" && dst != "" {
			tt, err := o.parseTarget(dst)
			if err != nil {
				return nil, fmt.Errorf("--map %q: %w", kv, err)
			}
			t = &tt
		}
		m.exact[src] = t
		m.folded[norm(src)] = t
	}
	for _, kv := range sets {
		dst, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want field=value", kv)
		}
		t, err := o.parseTarget(dst)
		if err != nil {
			return nil, fmt.Errorf("--set %q: %w", kv, err)
		}
		if t.field >= 0 && t.field == o.fields.id {
			return nil, fmt.Errorf("--set %q: every row cannot have the same id", kv)
		}
		k := t.key(o.fields)
		if m.constKey[k] {
			return nil, fmt.Errorf("--set %q: %s is set twice", kv, k)
		}
		m.constKey[k] = true
		m.consts = append(m.consts, constant{target: t, spec: strings.TrimSpace(dst), text: val})
	}
	return m, nil
}

// resolve decides where one column goes. It returns ok=false with a reason
// for a column that is not imported.
func (m *mapper) resolve(name string) (t target, sureness int, reason string) {
	name = strings.TrimSpace(name)
	fs := m.obj.fields
	if tp, ok := m.exact[name]; ok {
		m.used[name] = true
		if tp == nil {
			return target{}, -1, "ignored by --map"
		}
		return *tp, byMap, ""
	}
	if tp, ok := m.folded[norm(name)]; ok {
		for src := range m.exact {
			if norm(src) == norm(name) {
				m.used[src] = true
			}
		}
		if tp == nil {
			return target{}, -1, "ignored by --map"
		}
		return *tp, byMap, ""
	}
	if i, ok := fs.byName[name]; ok {
		return m.fieldTarget(i, byName)
	}
	if m.obj.derivedAmount(name) {
		return target{field: -1, amount: name}, byName, ""
	}
	if _, ok := cutPrefixFold(name, "attributes."); ok {
		t, err := m.obj.parseTarget(name)
		if err != nil {
			return target{}, -1, err.Error()
		}
		return t, byName, ""
	}
	n := norm(name)
	if f, ok := m.obj.synonyms[n]; ok {
		if why, ok := strings.CutPrefix(f, "-"); ok {
			return target{}, -1, why
		}
		if m.obj.derivedAmount(f) {
			return target{field: -1, amount: f}, byLikeness, ""
		}
		return m.fieldTarget(fs.byName[f], byLikeness)
	}
	for i, f := range fs.list {
		if norm(f.name) == n {
			return m.fieldTarget(i, byLikeness)
		}
	}
	return target{}, -1, "no matching field"
}

func (m *mapper) fieldTarget(i, sureness int) (target, int, string) {
	f := m.obj.fields.list[i]
	if f.kind == kindAttrs {
		return target{}, -1, "give each attribute its own column, attributes.<key>"
	}
	if f.readOnly && f.name != "id" {
		return target{}, -1, "read-only"
	}
	return target{field: i}, sureness, ""
}

// col is one column of a file that is imported.
type col struct {
	pos  int    // index in the record
	name string // the header as written in the file
	target
}

// layout is where every column of a file (or of one JSON object shape)
// goes.
type layout struct {
	cols    []col
	labels  map[string]string // field or attributes.<key> → how to name its source in messages
	covered int               // writable fields set by this layout
	attrs   []target          // attribute targets, columns and constants
	// full is set when the layout sets every writable field and every
	// defined attribute, so a row replaces an existing object outright.
	full bool
}

// layout maps a header to fields. Two columns that would fill the same
// field: the surer match wins, then the earlier column.
func (m *mapper) layout(names []string) (*layout, []Ignored) {
	fs := m.obj.fields
	l := &layout{labels: map[string]string{}}
	var ignored []Ignored
	type pick struct {
		pos, sureness int
		t             target
	}
	best := map[string]pick{}
	reasons := make([]string, len(names))
	var order []string
	for pos, name := range names {
		t, sure, reason := m.resolve(name)
		if sure < 0 {
			reasons[pos] = reason
			continue
		}
		k := t.key(fs)
		if m.constKey[k] {
			reasons[pos] = "overridden by --set " + k
			continue
		}
		if p, ok := best[k]; ok {
			if sure < p.sureness {
				reasons[p.pos] = fmt.Sprintf("column %q also maps to %s", strings.TrimSpace(name), k)
				best[k] = pick{pos, sure, t}
			} else {
				reasons[pos] = fmt.Sprintf("column %q also maps to %s", strings.TrimSpace(names[p.pos]), k)
			}
			continue
		}
		best[k] = pick{pos, sure, t}
		order = append(order, k)
	}
	for _, k := range order {
		p := best[k]
		name := strings.TrimSpace(names[p.pos])
		l.cols = append(l.cols, col{pos: p.pos, name: name, target: p.t})
		l.labels[k] = fmt.Sprintf("column %q", name)
	}
	slices.SortFunc(l.cols, func(a, b col) int { return a.pos - b.pos })
	for pos, r := range reasons {
		if r != "" {
			ignored = append(ignored, Ignored{Column: strings.TrimSpace(names[pos]), Reason: r})
		}
	}
	for _, c := range m.consts {
		l.labels[c.key(fs)] = "--set " + c.spec
	}
	for k := range l.labels {
		if i, ok := fs.byName[k]; ok && !fs.list[i].readOnly {
			l.covered++
		}
	}
	for _, c := range l.cols {
		if c.field < 0 && c.amount == "" {
			l.attrs = append(l.attrs, c.target)
		}
	}
	for _, c := range m.consts {
		if c.field < 0 && c.amount == "" {
			l.attrs = append(l.attrs, c.target)
		}
	}
	return l, ignored
}

// unusedMaps lists --map sources that matched no column.
func (m *mapper) unusedMaps() []string {
	var out []string
	for src := range m.exact {
		if !m.used[src] {
			out = append(out, src)
		}
	}
	slices.Sort(out)
	return out
}

// label says where field's value came from, for a message: `column "x"`,
// `--set x`, or `field "x"` when the file does not have it. Fields named by
// the store or Check (roles[2], account_id) are traced back to the column
// that filled them or to the column of the same reference by another key.
func (l *layout) label(field string) string {
	if field == "" {
		return ""
	}
	base := field
	if i := strings.IndexByte(base, '['); i > 0 {
		base = base[:i]
	}
	if s, ok := l.labels[base]; ok {
		return s
	}
	if p := refPartner(base); p != "" {
		if s, ok := l.labels[p]; ok {
			return s
		}
	}
	return fmt.Sprintf("field %q", field)
}
