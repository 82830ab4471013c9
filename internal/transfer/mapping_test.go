package transfer

import (
	"strings"
	"testing"
)

// TestResolve covers automatic header matching: Tend's own names, case and
// punctuation, synonyms, Salesforce API names and what is ignored.
func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		object string
		header string
		want   string // field, attributes.<key>, or "" when ignored
		reason string // substring of the reason it is ignored
	}{
		{"accounts", "name", "name", ""},
		{"accounts", " Name ", "name", ""},
		{"accounts", "NAME", "name", ""},
		{"accounts", "External ID", "external_id", ""},
		{"accounts", "external-id", "external_id", ""},
		{"accounts", "Id", "external_id", ""}, // Salesforce
		{"accounts", "ID", "external_id", ""},
		{"accounts", "id", "id", ""}, // Tend's own, as export writes it
		{"accounts", "account_id", "external_id", ""},
		{"accounts", "Account Name", "name", ""},
		{"accounts", "Industry", "industry", ""},
		{"accounts", "NumberOfEmployees", "employees", ""},
		{"accounts", "ParentId", "parent_external_id", ""},
		{"accounts", "BillingCountry", "region", ""},
		{"accounts", "country", "region", ""},
		{"accounts", "signup_date", "customer_since", ""},
		{"accounts", "plan_tier", "tier", ""},
		{"accounts", "CSM", "csm_email", ""},
		{"accounts", "Lifecycle Stage", "lifecycle", ""},
		{"accounts", "attributes.seats", "attributes.seats", ""},
		{"accounts", "Attributes.Referral Source", "attributes.referral_source", ""},
		{"accounts", "mrr", "", "read-only"},
		{"accounts", "MRR", "", "derived from subscriptions"},
		{"accounts", "created_at", "", "read-only"},
		{"accounts", "updated_at", "", "read-only"},
		{"accounts", "renewal_on", "", "read-only"},
		{"accounts", "attributes", "", "attributes.<key>"},
		{"accounts", "referral_source", "", "no matching field"},
		{"contacts", "AccountId", "account_external_id", ""},
		{"contacts", "Account ID", "account_external_id", ""},
		{"contacts", "account_id", "account_id", ""},
		{"contacts", "Email", "email", ""},
		{"contacts", "Title", "title", ""},
		{"contacts", "Job Title", "title", ""},
		{"contacts", "Id", "external_id", ""},
		{"contacts", "attributes.x", "", "no custom attributes"},
		{"subscriptions", "subscription_id", "external_id", ""},
		{"subscriptions", "start_date", "start_on", ""},
		{"subscriptions", "end_date", "end_on", ""},
		{"subscriptions", "plan_tier", "plan", ""},
		{"subscriptions", "seats", "quantity", ""},
		{"subscriptions", "mrr_amount", "mrr", ""},
		{"subscriptions", "is_trial", "trial", ""},
		{"subscriptions", "billing_frequency", "billing_period", ""},
		{"subscriptions", "auto_renew_flag", "auto_renew", ""},
		{"subscriptions", "arr_amount", "arr", ""}, // MRR = ARR ÷ 12 when there is no mrr
		{"subscriptions", "churn_flag", "", "no matching field"},
		{"tickets", "ticket_id", "external_id", ""},
		{"tickets", "submitted_at", "opened_at", ""},
		{"tickets", "Created At", "opened_at", ""},
		{"tickets", "closed_at", "closed_at", ""},
		{"tickets", "first_response_time_minutes", "first_response_minutes", ""},
		{"tickets", "satisfaction_score", "csat", ""},
		{"tickets", "escalation_flag", "escalated", ""},
		{"tickets", "IsEscalated", "escalated", ""},
		{"tickets", "resolution_time_hours", "", "no matching field"},
		{"users", "Email", "email", ""},
		{"users", "Deactivated", "disabled", ""},
		{"users", "Id", "", "matched by email"},
		{"activities", "WhatId", "account_external_id", ""},
		{"activities", "Description", "body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.object+"/"+tt.header, func(t *testing.T) {
			t.Parallel()
			o, err := Lookup(tt.object)
			if err != nil {
				t.Fatal(err)
			}
			m, err := newMapper(o, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			tg, sure, reason := m.resolve(tt.header)
			if tt.want == "" {
				if sure >= 0 {
					t.Fatalf("mapped to %s, want ignored", tg.key(o.fields))
				}
				if !strings.Contains(reason, tt.reason) {
					t.Errorf("reason %q, want one containing %q", reason, tt.reason)
				}
				return
			}
			if sure < 0 {
				t.Fatalf("ignored (%s), want %s", reason, tt.want)
			}
			if got := tg.key(o.fields); got != tt.want {
				t.Errorf("mapped to %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMapOverrides(t *testing.T) {
	t.Parallel()
	o, _ := Lookup("accounts")
	m, err := newMapper(o, []string{"Seats=attributes.seats:number", "plan_tier=-", "NAME=external_id", "Company=name"}, []string{"lifecycle=mature"})
	if err != nil {
		t.Fatal(err)
	}
	l, ignored := m.layout([]string{"name", "Company", "seats", "plan_tier", "Lifecycle", "other", ""})
	got := map[string]string{}
	for _, c := range l.cols {
		got[c.name] = c.key(o.fields)
		if c.field < 0 && c.attrType != "number" {
			t.Errorf("attribute type %q, want number", c.attrType)
		}
	}
	want := map[string]string{"name": "external_id", "Company": "name", "seats": "attributes.seats"}
	if len(got) != len(want) {
		t.Errorf("mapped %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %q → %q, want %q", k, got[k], v)
		}
	}
	reasons := map[string]string{}
	for _, ig := range ignored {
		reasons[ig.Column] = ig.Reason
	}
	for col, want := range map[string]string{"plan_tier": "ignored by --map", "Lifecycle": "overridden by --set", "other": "no matching field"} {
		if !strings.Contains(reasons[col], want) {
			t.Errorf("column %q ignored because %q, want %q", col, reasons[col], want)
		}
	}
	if l.label("lifecycle") != "--set lifecycle" {
		t.Errorf("label(lifecycle) = %q", l.label("lifecycle"))
	}
}

func TestDuplicateColumns(t *testing.T) {
	t.Parallel()
	o, _ := Lookup("accounts")
	m, _ := newMapper(o, nil, nil)
	// "name" is Tend's own name and wins over the synonym, wherever it is.
	l, ignored := m.layout([]string{"Account Name", "name", "Company"})
	if len(l.cols) != 1 || l.cols[0].name != "name" {
		t.Fatalf("cols = %+v, want only \"name\"", l.cols)
	}
	if len(ignored) != 2 || !strings.Contains(ignored[0].Reason, "also maps to name") {
		t.Errorf("ignored = %+v", ignored)
	}
}

func TestMapErrors(t *testing.T) {
	t.Parallel()
	o, _ := Lookup("accounts")
	for _, tt := range []struct {
		maps, sets []string
		want       string
	}{
		{[]string{"a=nonsense"}, nil, `"nonsense" is not a field of accounts`},
		{[]string{"a=mrr"}, nil, "read-only"},
		{[]string{"a"}, nil, "want column=field"},
		{[]string{"a=attributes.x:colour"}, nil, "not one of"},
		{[]string{"a=attributes.9x"}, nil, "lowercase letters"},
		{nil, []string{"lifecycle"}, "want field=value"},
		{nil, []string{"id=3"}, "same id"},
		{nil, []string{"tier=a", "tier=b"}, "set twice"},
	} {
		_, err := newMapper(o, tt.maps, tt.sets)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newMapper(%q, %q) = %v, want an error containing %q", tt.maps, tt.sets, err, tt.want)
		}
	}
	c, _ := Lookup("contacts")
	if _, err := newMapper(c, []string{"x=attributes.y"}, nil); err == nil || !strings.Contains(err.Error(), "no custom attributes") {
		t.Errorf("contacts attribute: %v", err)
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	o, _ := Lookup("contacts")
	m, _ := newMapper(o, nil, nil)
	l, _ := m.layout([]string{"AccountId", "Role"})
	for field, want := range map[string]string{
		"account_external_id": `column "AccountId"`,
		"account_id":          `column "AccountId"`, // Check's "account_id is required"
		"roles[2]":            `column "Role"`,
		"name":                `field "name"`,
		"":                    "",
	} {
		if got := l.label(field); got != want {
			t.Errorf("label(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"accounts": "accounts", "Account": "accounts", "survey_responses": "surveys", "survey": "surveys",
		"support-tickets": "tickets", "users": "users", "activity": "activities",
	} {
		o, err := Lookup(in)
		if err != nil || o.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, o.Name, err, want)
		}
	}
	_, err := Lookup("opportunities")
	if err == nil || !strings.Contains(err.Error(), "users, accounts, contacts, subscriptions, invoices, tickets, surveys, activities") {
		t.Errorf("Lookup(opportunities) = %v, want the list of objects", err)
	}
}

func TestNorm(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Account ID": "accountid", "account_id": "accountid", "AccountId": "accountid",
		"first-response": "firstresponse", " E-mail ": "email", "Discount %": "discount",
	} {
		if got := norm(in); got != want {
			t.Errorf("norm(%q) = %q, want %q", in, got, want)
		}
	}
}
