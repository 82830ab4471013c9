package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

func TestServer(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var logs strings.Builder
	h := New(st, slog.New(slog.NewTextHandler(&logs, nil)), Options{})
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/healthz", "ok", 200},
		{"/api/v1/accounts", `"unauthenticated"`, 401},
		{"/api/v1/openapi.json", `"openapi"`, 200},
		{"/api/v1/nothing-here", `"not_found"`, 404},
		{"/accounts", "/signin?next=%2Faccounts", 303},
		{"/signin", "Sign in", 200},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s = %d %.200s; want %d containing %q", tc.path, rec.Code, body, tc.status, tc.want)
		}
		if rec.Header().Get("X-Request-Id") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: missing request id or security headers: %v", tc.path, rec.Header())
		}
	}
	if !strings.Contains(logs.String(), "path=/healthz status=200") {
		t.Errorf("access log lacks the request:\n%s", logs.String())
	}
}

func TestRecoverHidesPanics(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	h := logRequests(slog.New(slog.NewTextHandler(&logs, nil)), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-Id", "abc123")
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), "abc123") {
		t.Fatalf("panic response: %d %q", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), "abc123") {
		t.Fatalf("panic not logged with its request id:\n%s", logs.String())
	}
}
