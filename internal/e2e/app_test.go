package e2e

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/server"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// testAccounts is the size of the demo company the tests run on: big
// enough for every page to have something to show, small enough to load in
// half a second. Screenshots use the full-size company of `make run`.
const testAccounts = 300

// app is one Tend, started in-process for one test: a fresh SQLite store
// in the test's temporary directory with the demo company loaded, served
// on a loopback port.
type app struct {
	URL string
	st  *sqlstore.DB
	co  *demo.Company
	// hasSignIn is true once Tend serves a sign-in page; until then its
	// pages are open to anyone and the tests do not sign in.
	hasSignIn bool
}

// startTend starts a Tend with the demo company for t, stopped when t ends.
func startTend(t *testing.T) *app {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	n := testAccounts
	if os.Getenv("TEND_SCREENSHOTS") != "" {
		n = demo.DefaultAccounts
	}
	today := civil.Today() // one day for the demo and the pages, even across midnight
	c := demo.Build(demo.Options{Seed: 1, Accounts: n, Today: today})
	if _, err := demo.Load(ctx, st, c); err != nil {
		t.Fatalf("load the demo company: %v", err)
	}
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := httptest.NewServer(server.New(st, log, server.Options{Today: func() civil.Date { return today }}))
	t.Cleanup(srv.Close)
	return &app{URL: srv.URL, st: st, co: c, hasSignIn: serves(t, srv.URL+"/signin")}
}

// serves reports whether GET url answers 200 without a redirect.
func serves(t *testing.T, url string) bool {
	t.Helper()
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// testLog sends Tend's warnings and errors to the test's log.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// visit opens a browser tab on Tend for t, signed in as a new CS leader
// when Tend has sign-in.
func (a *app) visit(t *testing.T) *tab {
	t.Helper()
	tb := openTab(t, a.URL)
	if a.hasSignIn {
		email, password := a.addUser(t, customer.RoleLeader)
		tb.signIn(email, password)
	}
	return tb
}

// addUser creates a user with role and a password, straight in the store,
// and returns the email and password to sign in with.
func (a *app) addUser(t *testing.T, role string) (email, password string) {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	u := &customer.User{Email: "e2e-" + suffix + "@tend.example", Name: "E2E " + suffix, Role: role}
	if err := a.st.Users().Create(ctx, u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	password = "correct horse " + suffix
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.st.SetPassword(ctx, u.ID, hash, false, nil); err != nil {
		t.Fatalf("set password: %v", err)
	}
	return u.Email, password
}

// showcase is the demo account the tests open: the largest live account
// that is at risk now (so the 360 has warnings to show) with a full
// timeline, and its timeline as it was generated, latest first.
func (a *app) showcase(t *testing.T) (customer.Account, []customer.Activity) {
	t.Helper()
	byAccount := map[string][]customer.Activity{}
	for _, act := range a.co.Activities {
		byAccount[act.AccountExternalID] = append(byAccount[act.AccountExternalID], act)
	}
	best := -1
	for i, acc := range a.co.Accounts {
		if a.co.Truth[i].Fate != demo.FateAtRisk || acc.Lifecycle == customer.StageChurned || len(byAccount[acc.ExternalID]) < 5 {
			continue
		}
		if best < 0 || acc.MRR > a.co.Accounts[best].MRR {
			best = i
		}
	}
	if best < 0 {
		t.Fatal("the demo company has no live account at risk with a timeline")
	}
	acc := a.co.Accounts[best]
	acts := byAccount[acc.ExternalID]
	slices.SortStableFunc(acts, func(x, y customer.Activity) int { return y.OccurredAt.Compare(x.OccurredAt) })
	return acc, acts
}

// matching counts the demo accounts the list's search for q should find:
// those whose name or CRM id contains it, in any case.
func (a *app) matching(q string) int {
	q = strings.ToLower(q)
	n := 0
	for _, acc := range a.co.Accounts {
		if strings.Contains(strings.ToLower(acc.Name), q) || strings.Contains(strings.ToLower(acc.ExternalID), q) {
			n++
		}
	}
	return n
}

// customers counts the accounts in the store that are customers
// (customer.IsCustomer), overall and by CSM email, as every page counts
// them — read with the rule in Go, not the store's SQL for it.
func (a *app) customers(t *testing.T) (all int, byCSM map[string]int) {
	t.Helper()
	accounts, err := store.All(context.Background(), a.st.Accounts(), store.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byCSM = map[string]int{}
	for _, acc := range accounts {
		if customer.IsCustomer(acc.Lifecycle, acc.MRR) {
			all++
			byCSM[acc.CSMEmail]++
		}
	}
	return all, byCSM
}

// userNames maps the names of the demo company's users (their email when
// they have no name) to their emails.
func (a *app) userNames() map[string]string {
	m := map[string]string{}
	for _, u := range a.co.Users {
		m[cmp.Or(u.Name, u.Email)] = u.Email
	}
	return m
}

// password gives the existing user email a password and returns it, so a
// test can sign in as one of the demo company's own people.
func (a *app) password(t *testing.T, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.st.Users().GetByExternalID(ctx, email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	password := "correct horse " + hex.EncodeToString([]byte(email))[:8]
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.st.SetPassword(ctx, u.ID, hash, false, nil); err != nil {
		t.Fatal(err)
	}
	return password
}

// busiestCSM is the demo CSM with the most live accounts, and that count.
func (a *app) busiestCSM() (email string, accounts int) {
	n := map[string]int{}
	for _, acc := range a.co.Accounts {
		if acc.Lifecycle != customer.StageChurned {
			n[acc.CSMEmail]++
		}
	}
	for _, u := range a.co.Users {
		if u.Role == customer.RoleCSM && n[u.Email] > accounts {
			email, accounts = u.Email, n[u.Email]
		}
	}
	return email, accounts
}
