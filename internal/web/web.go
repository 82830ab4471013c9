// Package web is Tend's browser UI: server-rendered HTML pages built with
// html/template, with the templates and the stylesheet embedded in the
// binary. Pages read without JavaScript.
//
// Every route is listed in routes below. Handlers return an error and one
// function, serveError, turns it into an HTML error page.
package web

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// server holds what every page handler needs.
type server struct {
	st    store.Store
	log   *slog.Logger
	views *views
	// today is the calendar day pages count days from; tests pin it.
	today func() civil.Date
	// pageSize is how many accounts a page of the list shows, and
	// exportBatch how many a CSV export reads at a time.
	pageSize, exportBatch int
	// now is the clock sessions, throttling and forms read; tests move it.
	now func() time.Time
	// throttle slows down password guessing.
	throttle *auth.Throttle
	// hasher checks and hashes passwords, a few at a time.
	hasher *auth.Hasher
	// httpsOnly marks cookies Secure even on plain-HTTP requests, for
	// when a TLS-terminating proxy sits in front.
	httpsOnly bool
	// signInHint is shown on the sign-in page.
	signInHint string
	// jobs is the job queue (nil when none is attached).
	jobs JobQueue
	// books keeps the retention book between subscription changes, and
	// index its accounts by id (for the book indexOf).
	books retention.Cache
	// backtests keeps recent health backtests (the page takes a second).
	backtests backtestCache
	// retViews keeps built retention pages while their inputs are unchanged.
	retViews retentionViews
	indexMu  sync.Mutex
	indexOf  *revenue.Book
	index    map[int64]customer.Account
}

// Options are the web UI's settings.
type Options struct {
	// HTTPS says Tend is reached over HTTPS (perhaps through a proxy), so
	// session cookies are sent only over HTTPS.
	HTTPS bool
	// SignInHint is shown on the sign-in page (the demo's credentials).
	SignInHint string
	// Today, when set, is the day pages are computed for (civil.Today when
	// nil); tests pin it to the day they seeded for.
	Today func() civil.Date
	// Jobs, when set, is the job queue the Jobs admin page shows.
	Jobs JobQueue
	// Hasher checks and hashes passwords; nil means one running as many
	// at a time as there are cores.
	Hasher *auth.Hasher
}

// New returns the web UI as an http.Handler serving /, /accounts,
// /accounts/{id}, /dashboard and /static/…, reading from st and logging
// to log. It expects the edge in front (package edge: request id, security
// headers, body limit, recover), as internal/server puts it.
func New(st store.Store, log *slog.Logger, o Options) http.Handler {
	s := newServer(st, log)
	s.httpsOnly, s.signInHint, s.jobs = o.HTTPS, o.SignInHint, o.Jobs
	if o.Today != nil {
		s.today = o.Today
	}
	if o.Hasher != nil {
		s.hasher = o.Hasher
	}
	return s.routes()
}

func newServer(st store.Store, log *slog.Logger) *server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &server{st: st, log: log, views: mustParseViews(), today: civil.Today, now: time.Now,
		pageSize: defaultPageSize, exportBatch: defaultExportBatch, throttle: auth.NewThrottle(), hasher: auth.NewHasher(0, 0)}
}

// routes lists every route of the web UI.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.home))
	mux.Handle("GET /signin", s.handle(s.signInPage))
	mux.Handle("POST /signin", s.handle(s.signIn))
	mux.Handle("POST /signout", s.handle(s.signOut))
	mux.Handle("GET /settings/password", s.handle(s.passwordPage))
	mux.Handle("POST /settings/password", s.handle(s.changePassword))
	mux.Handle("GET /admin/{$}", http.RedirectHandler("/admin/users", http.StatusSeeOther))
	mux.Handle("GET /admin/users", s.handle(s.adminUsersPage))
	mux.Handle("POST /admin/users", s.handle(s.createUser))
	mux.Handle("POST /admin/users/{id}", s.handle(s.changeUser))
	mux.Handle("GET /admin/tokens", s.handle(s.adminTokensPage))
	mux.Handle("POST /admin/tokens", s.handle(s.createToken))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.handle(s.revokeToken))
	mux.Handle("GET /admin/settings", s.handle(s.adminSettingsPage))
	mux.Handle("POST /admin/settings/attributes", s.handle(s.putAttribute))
	mux.Handle("GET /admin/ingestion", s.handle(s.adminIngestPage))
	mux.Handle("POST /admin/ingestion/keys", s.handle(s.createWriteKey))
	mux.Handle("POST /admin/ingestion/keys/{id}/revoke", s.handle(s.revokeWriteKey))
	mux.Handle("POST /admin/ingestion/features", s.handle(s.saveFeatures))
	mux.Handle("GET /admin/jobs", s.handle(s.adminJobsPage))
	mux.Handle("POST /admin/jobs/{id}/retry", s.handle(s.retryJob))
	mux.Handle("POST /admin/jobs/{id}/cancel", s.handle(s.cancelJob))
	mux.Handle("GET /admin/scorecards", s.handle(s.adminScorecardsPage))
	mux.Handle("POST /admin/scorecards", s.handle(s.saveScorecards))
	mux.Handle("POST /admin/scorecards/preview", s.handle(s.previewScorecards))
	mux.Handle("POST /admin/scorecards/versions/{version}/restore", s.handle(s.restoreScorecards))
	mux.Handle("GET /admin/rules", s.handle(s.adminRulesPage))
	mux.Handle("POST /admin/rules", s.handle(s.saveRules))
	mux.Handle("POST /admin/rules/dry-run", s.handle(s.dryRunRules))
	mux.Handle("POST /admin/rules/versions/{version}/restore", s.handle(s.restoreRules))
	mux.Handle("GET /health/backtest", s.handle(s.backtestPage))
	mux.Handle("GET /accounts", s.handle(s.accountsPage))
	mux.Handle("GET /accounts.csv", s.handle(s.accountsCSV))
	mux.Handle("POST /accounts/views", s.handle(s.saveView(pageAccounts)))
	mux.Handle("POST /accounts/views/{id}/delete", s.handle(s.deleteView(pageAccounts)))
	mux.Handle("GET /accounts/{id}", s.handle(s.accountPage))
	mux.Handle("POST /accounts/{id}/activities", s.handle(s.logActivity))
	mux.Handle("POST /accounts/{id}/pulse", s.handle(s.setPulse))
	mux.Handle("GET /accounts/{id}/edit", s.handle(s.editAccountPage))
	mux.Handle("POST /accounts/{id}/edit", s.handle(s.editAccount))
	mux.Handle("GET /accounts/{id}/churn", s.handle(s.churnPage))
	mux.Handle("POST /accounts/{id}/churn", s.handle(s.recordChurn))
	mux.Handle("GET /accounts/{id}/forecast", s.handle(s.forecastPage))
	mux.Handle("POST /accounts/{id}/forecast", s.handle(s.setForecast))
	mux.Handle("GET /cockpit", s.handle(s.cockpitPage))
	mux.Handle("POST /cockpit/bulk", s.handle(s.bulkCTAs))
	mux.Handle("POST /accounts/{id}/ctas", s.handle(s.openCTA))
	mux.Handle("POST /ctas/{id}", s.handle(s.editCTA))
	mux.Handle("POST /ctas/tasks/{id}/done", s.handle(s.completeTask))
	mux.Handle("GET /ctas/report", s.handle(s.ctaReportPage))
	mux.Handle("GET /portfolio", s.handle(s.portfolioPage))
	mux.Handle("GET /portfolio.csv", s.handle(s.portfolioCSV))
	mux.Handle("POST /portfolio/views", s.handle(s.saveView(pagePortfolio)))
	mux.Handle("POST /portfolio/views/{id}/delete", s.handle(s.deleteView(pagePortfolio)))
	mux.Handle("GET /accounts/{id}/usage", s.handle(s.accountUsagePage))
	mux.Handle("GET /dashboard", s.handle(s.dashboardPage))
	mux.Handle("GET /retention", s.handle(s.retentionPage))
	mux.Handle("GET /retention.csv", s.handle(s.retentionCSV))
	mux.Handle("GET /retention/accounts", s.handle(s.retentionAccounts))
	mux.Handle("GET /retention/accounts.csv", s.handle(s.retentionAccountsCSV))
	mux.Handle("GET /static/", staticHandler())
	mux.Handle("GET /", s.handle(func(http.ResponseWriter, *http.Request) error {
		return notFound("Page not found", "There is no page at this address.")
	}))
	return s.requireSignIn(mux)
}

// handlerFunc is a page handler: it writes a response or returns an error
// for serveError to show.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to http.Handler, sending its error to serveError.
func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}
