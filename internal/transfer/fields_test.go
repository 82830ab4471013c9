package transfer

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

func intp(i int) *int { return &i }

// TestSet covers every messy value a real export contains, field kind by
// field kind.
func TestSet(t *testing.T) {
	t.Parallel()
	sub, _ := Lookup("subscriptions")
	tic, _ := Lookup("tickets")
	con, _ := Lookup("contacts")
	usr, _ := Lookup("users")
	tests := []struct {
		name     string
		obj      Object
		field    string
		cell     cell
		currency string
		want     any    // the field's value after set
		err      string // substring of the error, "" for none
	}{
		{"text trimmed", sub, "plan", textCell("  Pro \t"), "USD", "Pro", ""},
		{"int", sub, "quantity", textCell("14"), "USD", 14, ""},
		{"int blank is zero", sub, "quantity", textCell("  "), "USD", 0, ""},
		{"int with thousands", sub, "quantity", textCell("1,234"), "USD", 1234, ""},
		{"int spreadsheet decimal", sub, "quantity", textCell("12.0"), "USD", 12, ""},
		{"int fraction", sub, "quantity", textCell("12.5"), "USD", 0, `"12.5" is not a whole number`},
		{"int junk", sub, "quantity", textCell("lots"), "USD", 0, `"lots" is not a whole number`},
		{"money whole", sub, "mrr", textCell("2786"), "USD", int64(278600), ""},
		{"money decimal", sub, "mrr", textCell("$1,234.5"), "USD", int64(123450), ""},
		{"money yen", sub, "mrr", textCell("1200"), "JPY", int64(1200), ""},
		{"money blank", sub, "mrr", textCell(""), "USD", int64(0), ""},
		{"money bad", sub, "mrr", textCell("12,3x"), "USD", int64(0), `"12,3x" is not an amount`},
		{"money too precise", sub, "mrr", textCell("1.234"), "USD", int64(0), "more than 2 decimal places"},
		{"money json number is minor units", sub, "mrr", cell{text: "278600", jsonNum: true}, "USD", int64(278600), ""},
		{"money json fraction", sub, "mrr", cell{text: "2.5", jsonNum: true}, "USD", int64(0), "minor units"},
		{"capacity money", usr, "capacity_arr", textCell("2,000,000"), "USD", int64(200000000), ""},
		{"float", sub, "discount_percent", textCell("12.5"), "USD", 12.5, ""},
		{"float percent sign", sub, "discount_percent", textCell("15%"), "USD", 15.0, ""},
		{"float blank", sub, "discount_percent", textCell(""), "USD", 0.0, ""},
		{"float bad", sub, "discount_percent", textCell("ten"), "USD", 0.0, `"ten" is not a number`},
		{"bool TRUE", sub, "trial", textCell("TRUE"), "USD", true, ""},
		{"bool False", sub, "trial", textCell("False"), "USD", false, ""},
		{"bool yes", sub, "trial", textCell(" yes "), "USD", true, ""},
		{"bool 1", sub, "trial", textCell("1"), "USD", true, ""},
		{"bool 0", sub, "trial", textCell("0"), "USD", false, ""},
		{"bool blank", sub, "trial", textCell(""), "USD", false, ""},
		{"bool bad", sub, "trial", textCell("maybe"), "USD", false, `"maybe" is not a boolean`},
		{"date ISO", sub, "start_on", textCell("2024-06-11"), "USD", civil.Date{Year: 2024, Month: 6, Day: 11}, ""},
		{"date from timestamp", sub, "start_on", textCell("2024-06-11T23:00:00Z"), "USD", civil.Date{Year: 2024, Month: 6, Day: 11}, ""},
		{"date blank", sub, "end_on", textCell(""), "USD", civil.Date{}, ""},
		{"date bad", sub, "end_on", textCell("2024-13-40"), "USD", civil.Date{}, `"2024-13-40" is not a date`},
		{"time spreadsheet", tic, "closed_at", textCell("2023-07-28 3:00"), "USD", time.Date(2023, 7, 28, 3, 0, 0, 0, time.UTC), ""},
		{"time date only", tic, "opened_at", textCell("2023-07-27"), "USD", time.Date(2023, 7, 27, 0, 0, 0, 0, time.UTC), ""},
		{"time RFC 3339 zone", tic, "opened_at", textCell("2023-07-27T10:00:00+02:00"), "USD", time.Date(2023, 7, 27, 8, 0, 0, 0, time.UTC), ""},
		{"time blank", tic, "closed_at", textCell(" "), "USD", time.Time{}, ""},
		{"time bad", tic, "closed_at", textCell("yesterday"), "USD", time.Time{}, `"yesterday" is not a timestamp`},
		{"list semicolons", con, "roles", textCell("champion; power_user"), "USD", []string{"champion", "power_user"}, ""},
		{"list pipes", con, "roles", textCell("champion|admin"), "USD", []string{"champion", "admin"}, ""},
		{"list commas", con, "roles", textCell("champion, admin,"), "USD", []string{"champion", "admin"}, ""},
		{"list semicolon beats comma", con, "roles", textCell("a, b;c"), "USD", []string{"a, b", "c"}, ""},
		{"list blank", con, "roles", textCell(""), "USD", []string{}, ""},
		{"list JSON", con, "roles", cell{isList: true, list: []string{"coach", " admin "}}, "USD", []string{"coach", "admin"}, ""},
		{"pointer int", tic, "csat", textCell("4"), "USD", intp(4), ""},
		{"pointer int blank is null", tic, "csat", textCell(""), "USD", (*int)(nil), ""},
		{"pointer int bad", tic, "first_response_minutes", textCell("soon"), "USD", (*int)(nil), `"soon" is not a whole number`},
		{"reference id with hint", sub, "account_id", textCell("A-3c1a3f"), "USD", int64(0), "map the column to account_external_id"},
		{"list into text", sub, "plan", cell{isList: true, list: []string{"a"}}, "USD", "", "is a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, ok := tt.obj.fields.get(tt.field)
			if !ok {
				t.Fatalf("no field %s", tt.field)
			}
			v := reflect.New(reflect.TypeOf(zeroOf(tt.obj))).Elem()
			err := f.set(v, tt.cell, tt.currency)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := v.Field(f.index).Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func zeroOf(o Object) any {
	switch o.Name {
	case "subscriptions":
		return customer.Subscription{}
	case "tickets":
		return customer.Ticket{}
	case "contacts":
		return customer.Contact{}
	case "users":
		return customer.User{}
	case "accounts":
		return customer.Account{}
	}
	panic(o.Name)
}

// TestFormatRoundTrip checks that what export writes, import reads back.
func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	tic, _ := Lookup("tickets")
	sub, _ := Lookup("subscriptions")
	in := []any{
		customer.Ticket{ID: 7, ExternalID: "T-1", AccountID: 3, Subject: "a, \"quoted\"\nsubject",
			OpenedAt: time.Date(2023, 7, 27, 0, 0, 0, 0, time.UTC), ClosedAt: time.Date(2023, 7, 28, 3, 0, 0, 123000000, time.UTC),
			FirstResponseMinutes: intp(74), Escalated: true},
		customer.Subscription{ExternalID: "S-1", Product: "RavenStack", Quantity: 14, MRR: 278650, Currency: "EUR",
			StartOn: civil.Date{Year: 2023, Month: 12, Day: 23}, DiscountPercent: 12.5, AutoRenew: true},
		customer.Subscription{ExternalID: "S-2", MRR: 1200, Currency: "JPY"},
	}
	for i, x := range in {
		o := tic
		if _, ok := x.(customer.Subscription); ok {
			o = sub
		}
		src := reflect.ValueOf(x)
		dst := reflect.New(src.Type()).Elem()
		cur := "USD"
		if f, ok := o.fields.get("currency"); ok && src.Field(f.index).String() != "" {
			cur = src.Field(f.index).String()
		}
		for _, f := range o.fields.list {
			if f.kind == kindAttrs {
				continue
			}
			if err := f.set(dst, textCell(f.format(src, cur)), cur); err != nil {
				t.Fatalf("%d: %s: %v", i, f.name, err)
			}
		}
		if !reflect.DeepEqual(dst.Interface(), x) {
			t.Errorf("%d: round trip\n got %+v\nwant %+v", i, dst.Interface(), x)
		}
	}
}

func TestFormatAttr(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		want string
	}{
		{nil, ""}, {"x", "x"}, {12.0, "12"}, {12.5, "12.5"}, {true, "true"}, {false, "false"},
		{civil.Date{Year: 2024, Month: 1, Day: 2}, "2024-01-02"},
	} {
		if got := formatAttr(tt.v); got != tt.want {
			t.Errorf("formatAttr(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"a;b", []string{"a", "b"}},
		{"a|b", []string{"a", "b"}},
		{"a,b", []string{"a", "b"}},
		{"a,b|c", []string{"a,b", "c"}},
	} {
		if got := splitList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
