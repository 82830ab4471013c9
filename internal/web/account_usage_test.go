package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// TestAccountUsagePage: the usage page of an account with usage shows the
// metrics, the SVG of active users and the top features; one without
// says so; an unknown account is 404.
func TestAccountUsagePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := &customer.Account{ExternalID: "use-1", ProductID: "grp-1", Name: "Usage & Co"}
	if err := f.st.Accounts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetUsageSetting(ctx, adoption.FeaturesSetting, `{"features":[{"key":"reports","name":"Reports","events":["Report *"],"high_value":true}]}`, time.Now()); err != nil {
		t.Fatal(err)
	}
	cat, err := adoption.LoadCatalog(ctx, f.st)
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(f.st, nil)
	today := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.today = func() civil.Date { return civil.Of(today) }
	b, err := usage.DecodeBatch([]byte(`{"batch":[
		{"type":"track","messageId":"1","userId":"u1","event":"Report Created","context":{"groupId":"grp-1"},"timestamp":"2026-11-20T09:00:00Z"},
		{"type":"track","messageId":"2","userId":"u2","event":"Report Exported","context":{"groupId":"grp-1"},"timestamp":"2026-11-01T09:00:00Z"}]}`),
		usage.DecodeOptions{ReceivedAt: today})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := usage.NewLinker(usage.LinkConfig{})
	l.AccountCreated("grp-1", adoption.AccountKey(a.ID), today)
	if err := f.st.CommitUsage(ctx, &store.UsageCommit{Now: today, Catalog: cat,
		Sources: []store.UsageSource{{WriteKeyID: 1, Messages: b.Messages, Routing: l.Route("1", b.Messages, cat)}}}); err != nil {
		t.Fatal(err)
	}
	h := s.routes()
	code, body := getAs(t, h, testLeader, "/accounts/"+strconv.FormatInt(a.ID, 10)+"/usage")
	if code != 200 {
		t.Fatalf("usage page: %d\n%s", code, body)
	}
	for _, want := range []string{"Usage &amp; Co", "Monthly active users", `class="chart chart-lines"`, "MAU 2", "Reports", "high value", "1 of 1 features"} {
		if !strings.Contains(body, want) {
			t.Errorf("usage page lacks %q", want)
		}
	}
	empty := &customer.Account{ExternalID: "use-2", Name: "Quiet"}
	if err := f.st.Accounts().Create(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if _, body := getAs(t, h, testLeader, "/accounts/"+strconv.FormatInt(empty.ID, 10)+"/usage"); !strings.Contains(body, "No product usage") {
		t.Errorf("empty usage page:\n%s", body)
	}
	if code, _ := getAs(t, h, testLeader, "/accounts/99999/usage"); code != http.StatusNotFound {
		t.Errorf("unknown account: %d", code)
	}
}
