package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// The whole path from credentials to access, over real HTTP: sign-in with
// a password, the session cookie, sign-out, API tokens and their
// revocation, the cross-origin check, throttling, and what reaches the log.

const password = "correct horse battery"

type site struct {
	t    *testing.T
	st   store.Store
	srv  *httptest.Server
	logs *logBuffer
}

func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteWith(t, Options{})
}

func newSiteWith(t *testing.T, o Options) *site {
	t.Helper()
	st := sqlitetest.Open(t)
	logs := &logBuffer{}
	srv := httptest.NewServer(New(st, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), o))
	t.Cleanup(srv.Close)
	return &site{t: t, st: st, srv: srv, logs: logs}
}

// logBuffer is the server's log, written by its handlers while the test
// reads it (the access line of a request is written after its response).
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// user creates a user with the test password.
func (s *site) user(email, role string) customer.User {
	s.t.Helper()
	ctx := context.Background()
	u := customer.User{Email: email, Role: role, Name: strings.Split(email, "@")[0]}
	if err := s.st.Users().Create(ctx, &u); err != nil {
		s.t.Fatal(err)
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.st.SetPassword(ctx, u.ID, h, false, nil); err != nil {
		s.t.Fatal(err)
	}
	return u
}

// request sends one request without following redirects. Browser-like
// requests carry Sec-Fetch-Site as a browser would.
func (s *site) request(method, path string, body url.Values, hdr map[string]string, cookies ...*http.Cookie) (*http.Response, string) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, s.srv.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var sameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin"}

// signIn signs in and returns the session cookie.
func (s *site) signIn(email string) *http.Cookie {
	s.t.Helper()
	resp, body := s.request("POST", "/signin", url.Values{"email": {email}, "password": {password}, "next": {"/dashboard"}}, sameOrigin)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/dashboard" {
		s.t.Fatalf("sign-in: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
				s.t.Errorf("session cookie attributes: %+v", c)
			}
			return c
		}
	}
	s.t.Fatal("no session cookie")
	return nil
}

func TestSignInSessionsAndSignOut(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.user("ada@tend.test", customer.RoleCSM)

	resp, _ := s.request("GET", "/accounts?q=acme", nil, nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/signin?next=%2Faccounts%3Fq%3Dacme" {
		t.Fatalf("anonymous page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {"wrong password!"}}, sameOrigin)
	if resp.StatusCode != 401 || !strings.Contains(body, "do not match an active user") || len(resp.Cookies()) != 0 {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
	}
	resp, body2 := s.request("POST", "/signin", url.Values{"email": {"nobody@tend.test"}, "password": {"wrong password!"}}, sameOrigin)
	if resp.StatusCode != 401 || extractProblem(body2) != extractProblem(body) {
		t.Fatalf("unknown user answered differently from a wrong password: %d %q vs %q", resp.StatusCode, extractProblem(body2), extractProblem(body))
	}
	// An open redirect is not possible through next: a CSM lands on
	// their cockpit instead.
	for _, next := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example"} {
		resp, _ := s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {password}, "next": {next}}, sameOrigin)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/cockpit" {
			t.Errorf("next=%q redirected to %q", next, resp.Header.Get("Location"))
		}
	}

	c := s.signIn("ada@tend.test")
	resp, body = s.request("GET", "/accounts", nil, nil, c)
	if resp.StatusCode != 200 || !strings.Contains(body, "ada@tend.test") || !strings.Contains(body, `action="/signout"`) {
		t.Fatalf("signed-in page: %d", resp.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	// The session also reads the API (the browser's own calls).
	if resp, _ := s.request("GET", "/api/v1/accounts", nil, nil, c); resp.StatusCode != 200 {
		t.Errorf("API with a session: %d", resp.StatusCode)
	}

	resp, _ = s.request("POST", "/signout", url.Values{}, sameOrigin, c)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/signin?signed_out=1" {
		t.Fatalf("sign-out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("sign-out did not delete the cookie: %+v", cs)
	}
	if resp, _ := s.request("GET", "/accounts", nil, nil, c); resp.StatusCode != 303 {
		t.Errorf("the old cookie still works after sign-out: %d", resp.StatusCode)
	}

	if strings.Contains(s.logs.String(), password) || strings.Contains(s.logs.String(), c.Value) {
		t.Errorf("a password or session secret reached the log:\n%s", s.logs.String())
	}
}

func extractProblem(body string) string {
	i := strings.Index(body, `id="signin-problem">`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	return rest[:strings.Index(rest, "</p>")]
}

func TestDisabledUserAndPasswordChange(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	u := s.user("ada@tend.test", customer.RoleCSM)
	c1 := s.signIn("ada@tend.test")
	c2 := s.signIn("ada@tend.test")

	// Changing the password keeps this session and ends the other.
	resp, body := s.request("POST", "/settings/password", url.Values{"current": {"nope nope nope"}, "new": {"short"}, "confirm": {"x"}}, sameOrigin, c1)
	if resp.StatusCode != 422 || !strings.Contains(body, "is not your current password") || !strings.Contains(body, "at least 10 characters") {
		t.Fatalf("bad password change: %d", resp.StatusCode)
	}
	resp, _ = s.request("POST", "/settings/password", url.Values{"current": {password}, "new": {"a much better passphrase"}, "confirm": {"a much better passphrase"}}, sameOrigin, c1)
	if resp.StatusCode != 303 {
		t.Fatalf("password change: %d", resp.StatusCode)
	}
	if resp, _ := s.request("GET", "/accounts", nil, nil, c1); resp.StatusCode != 200 {
		t.Errorf("the session that changed the password was ended: %d", resp.StatusCode)
	}
	if resp, _ := s.request("GET", "/accounts", nil, nil, c2); resp.StatusCode != 303 {
		t.Errorf("another session survived the password change: %d", resp.StatusCode)
	}

	// A one-time password lets them do nothing but choose their own.
	h, _ := auth.HashPassword(password)
	if err := s.st.SetPassword(context.Background(), u.ID, h, true, nil); err != nil {
		t.Fatal(err)
	}
	resp, _ = s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {password}, "next": {"/accounts"}}, sameOrigin)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/password?next=%2Faccounts" {
		t.Fatalf("sign-in with a one-time password: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c3 := resp.Cookies()[0]
	if resp, _ := s.request("GET", "/accounts", nil, nil, c3); resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/password?next=%2Faccounts" {
		t.Errorf("one-time password: GET /accounts = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := s.request("GET", "/settings/password", nil, nil, c3); resp.StatusCode != 200 {
		t.Errorf("one-time password: the password page = %d", resp.StatusCode)
	}
	resp, _ = s.request("POST", "/settings/password", url.Values{"current": {password}, "new": {"now my very own"}, "confirm": {"now my very own"}, "next": {"/accounts"}}, sameOrigin, c3)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/accounts" {
		t.Errorf("choosing a password: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := s.request("GET", "/accounts", nil, nil, c3); resp.StatusCode != 200 {
		t.Errorf("after choosing a password: %d", resp.StatusCode)
	}

	// Disabling a user shuts them out at once, session or not.
	u.Disabled = true
	if err := s.st.Users().Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.request("GET", "/accounts", nil, nil, c3); resp.StatusCode != 303 {
		t.Errorf("a disabled user's session still works: %d", resp.StatusCode)
	}
	resp, _ = s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {"now my very own"}}, sameOrigin)
	if resp.StatusCode != 401 {
		t.Errorf("a disabled user signed in: %d", resp.StatusCode)
	}
}

func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.user("ada@tend.test", customer.RoleCSM)
	for i := range auth.PairLimit.Free {
		resp, _ := s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {"guess number " + string(rune('a'+i))}}, sameOrigin)
		if resp.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	// The free attempts are spent: this address now waits, even with the
	// right password.
	resp, body := s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {password}}, sameOrigin)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed attempts") {
		t.Fatalf("throttled attempt: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// Guesses sent all at once are each counted before any is checked, so
// 200 of them check no more passwords than the free attempts allow; and
// no more passwords are hashed at once than the hasher's cap, which is
// what bounds memory (each holds 19 MiB).
func TestConcurrentGuessesAreCapped(t *testing.T) {
	t.Parallel()
	hasher := auth.NewHasher(2, time.Minute)
	s := newSiteWith(t, Options{Hasher: hasher})
	s.user("ada@tend.test", customer.RoleCSM)
	before := hasher.Stats().Done
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 200 {
		wg.Go(func() {
			resp, _ := s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {fmt.Sprint("wrong guess ", i)}}, sameOrigin)
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	st := hasher.Stats()
	t.Logf("200 concurrent wrong passwords: %d checked, at most %d hashing at once; answers %v", st.Done-before, st.Peak, codes)
	if checked := st.Done - before; checked > int64(auth.PairLimit.Free) {
		t.Errorf("%d passwords checked for 200 concurrent guesses, want at most %d (answers %v)", checked, auth.PairLimit.Free, codes)
	}
	if codes[401] > auth.PairLimit.Free || codes[401]+codes[429] != 200 {
		t.Errorf("answers %v, want at most %d refusals and the rest throttled", codes, auth.PairLimit.Free)
	}
	if st.Peak > 2 {
		t.Errorf("%d passwords hashed at once, want at most 2", st.Peak)
	}

	// Unknown emails from many sources cannot pass the cap either: the
	// excess waits, and gives up with 503 rather than take memory.
	busy := auth.NewHasher(1, time.Millisecond)
	s2 := newSiteWith(t, Options{Hasher: busy})
	var busyCodes sync.Map
	for i := range 40 {
		wg.Go(func() {
			resp, _ := s2.request("POST", "/signin", url.Values{"email": {fmt.Sprintf("nobody%d@tend.test", i)}, "password": {"a password"}}, sameOrigin)
			busyCodes.Store(resp.StatusCode, true)
		})
	}
	wg.Wait()
	if busy.Stats().Peak > 1 {
		t.Errorf("peak %d with a cap of 1", busy.Stats().Peak)
	}
	busyCodes.Range(func(code, _ any) bool {
		if code != 401 && code != 503 {
			t.Errorf("answer %v to a sign-in while hashing is busy; want 401 or 503", code)
		}
		return true
	})
	if _, ok := busyCodes.Load(401); !ok {
		t.Errorf("no sign-in was checked at all")
	}
}

func TestCrossOriginRequestsRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.user("ada@tend.test", customer.RoleAdmin)
	c := s.signIn("ada@tend.test")
	form := url.Values{"email": {"ada@tend.test"}, "password": {password}}
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"a cross-site form post", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"a same-site but cross-origin post", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"an old browser, foreign Origin", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same origin", sameOrigin, 303},
		{"a non-browser client (no headers)", nil, 303},
	} {
		resp, _ := s.request("POST", "/signin", form, tc.hdr)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: sign-in %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	// A forged API write with the victim's cookie is refused before it acts.
	resp, _ := s.request("POST", "/api/v1/accounts", nil, map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, c)
	if resp.StatusCode != 403 {
		t.Errorf("cross-site API write: %d", resp.StatusCode)
	}
	if n, _ := s.st.Accounts().Count(context.Background(), store.Query{}); n != 0 {
		t.Errorf("a cross-site request created %d accounts", n)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	admin := s.user("root@tend.test", customer.RoleAdmin)
	ro := s.user("rita@tend.test", customer.RoleReadOnly)
	now := time.Now()
	mk := func(u customer.User, scope string) (auth.Token, string) {
		tok, secret := auth.NewToken("test", u.ID, scope, now)
		if err := s.st.CreateToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		return tok, secret
	}
	write, writeSecret := mk(admin, auth.ScopeWrite)
	_, readSecret := mk(admin, auth.ScopeRead)
	_, roSecret := mk(ro, auth.ScopeWrite)
	api := func(method, path, secret, body string) (int, string) {
		req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, method, path, secret, body string
		status                           int
		want                             string
	}{
		{"write token creates", "POST", "/api/v1/accounts", writeSecret, `{"name":"Acme"}`, 201, `"Acme"`},
		{"read token reads", "GET", "/api/v1/accounts", readSecret, "", 200, `"Acme"`},
		{"read token cannot write", "POST", "/api/v1/accounts", readSecret, `{"name":"B"}`, 403, "read-only"},
		{"a read-only user's write token cannot write", "POST", "/api/v1/accounts", roSecret, `{"name":"B"}`, 403, "your role is read-only"},
		{"no token", "GET", "/api/v1/accounts", "", "", 401, "Authorization: Bearer"},
		{"unknown token", "GET", "/api/v1/accounts", auth.TokenPrefix + strings.Repeat("A", 43), "", 401, "unknown API token"},
		{"not a token", "GET", "/api/v1/accounts", "hunter2", "", 401, "not a Tend API token"},
	} {
		status, body := api(tc.method, tc.path, tc.secret, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	// Last use is recorded.
	got, _, err := s.st.TokenByHash(ctx, write.Hash)
	if err != nil || got.LastUsedAt == nil {
		t.Fatalf("last used not recorded: %+v %v", got, err)
	}
	// Revocation takes effect on the very next request.
	if err := s.st.RevokeToken(ctx, write.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, body := api("GET", "/api/v1/accounts", writeSecret, ""); status != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("revoked token: %d %s", status, body)
	}
	// A token of a disabled user stops too.
	ro.Disabled = true
	if err := s.st.Users().Update(ctx, &ro); err != nil {
		t.Fatal(err)
	}
	if status, body := api("GET", "/api/v1/accounts", roSecret, ""); status != 401 || !strings.Contains(body, "disabled") {
		t.Errorf("disabled user's token: %d %s", status, body)
	}
	for _, secret := range []string{writeSecret, readSecret, roSecret} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("a token reached the log")
		}
	}
}

// Destinations after sign-in and after a form stay on this site, however
// they are dressed up for the browser to read as another host.
func TestNoOpenRedirect(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.user("ada@tend.test", customer.RoleAdmin)
	payloads := []string{"/\t/evil.example/x", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/",
		"\t//evil.example", "/\r\n/evil.example", "javascript:alert(1)"}
	offSite := func(loc string) bool {
		u, err := url.Parse(strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc))
		return err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(loc, "//")
	}
	c := s.signIn("ada@tend.test")
	for _, p := range payloads {
		resp, _ := s.request("GET", "/signin?next="+url.QueryEscape(p), nil, nil, c)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || offSite(loc) {
			t.Errorf("GET /signin?next=%q signed in: %d to %q", p, resp.StatusCode, loc)
		}
		resp, _ = s.request("POST", "/signin", url.Values{"email": {"ada@tend.test"}, "password": {password}, "next": {p}}, sameOrigin)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || offSite(loc) {
			t.Errorf("POST /signin next=%q: %d to %q", p, resp.StatusCode, loc)
		}
	}
	a := customer.Account{Name: "Acme"}
	if err := s.st.Accounts().Create(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	for i, p := range payloads {
		form := url.Values{"reason": {"price"}, "churned_on": {fmt.Sprintf("2026-01-%02d", i+1)}, "product": {fmt.Sprint("P", i)}, "return": {p}}
		resp, body := s.request("POST", fmt.Sprintf("/accounts/%d/churn", a.ID), form, sameOrigin, c)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || offSite(loc) {
			t.Errorf("POST churn return=%q: %d to %q %.300s", p, resp.StatusCode, loc, body)
		}
	}
}

// A read-scope API token reads and nothing else: not even a saved view,
// which a read-only user may keep for themselves.
func TestReadTokenCannotSaveView(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	admin := s.user("root@tend.test", customer.RoleAdmin)
	s.user("rita@tend.test", customer.RoleReadOnly)
	tok, secret := auth.NewToken("test", admin.ID, auth.ScopeRead, time.Now())
	if err := s.st.CreateToken(context.Background(), &tok); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Mine"}, "query": {"sort=name"}}
	bearer := map[string]string{"Authorization": "Bearer " + secret}
	for _, page := range []string{"/accounts", "/portfolio"} {
		if resp, body := s.request("POST", page+"/views", form, bearer); resp.StatusCode != 403 || !strings.Contains(body, "read-only") {
			t.Errorf("read token saving a view of %s: %d", page, resp.StatusCode)
		}
		if resp, _ := s.request("POST", page+"/views/1/delete", url.Values{}, bearer); resp.StatusCode != 403 {
			t.Errorf("read token deleting a view of %s: %d", page, resp.StatusCode)
		}
	}
	views, err := s.st.SavedViews(context.Background(), admin.ID, "accounts")
	if err != nil || len(views) != 0 {
		t.Errorf("views saved by a read token: %v %v", views, err)
	}
	c := s.signIn("rita@tend.test")
	if resp, _ := s.request("POST", "/accounts/views", form, sameOrigin, c); resp.StatusCode != 303 {
		t.Errorf("a read-only user saving their own view: %d", resp.StatusCode)
	}
}
