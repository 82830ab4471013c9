# The one entry point for building, running, testing and measuring Tend.
# The README's two commands call `make run` and `make test`.

GO ?= go
PG_BIN := $(firstword $(wildcard /usr/lib/postgresql/*/bin))
# The public data sets some tests read (internal/publicdata looks in the same place).
SHARED_DATA := $(or $(TEND_SHARED_DATA),$(abspath $(CURDIR)/../shared/data))
# The browser the end-to-end tests drive (internal/e2e looks in the same places).
CHROMIUM_BIN := $(or $(TEND_CHROMIUM),$(CHROMIUM),$(wildcard /usr/bin/chromium),$(firstword $(shell command -v chromium chromium-browser google-chrome 2>/dev/null)))

.PHONY: run test test-race test-sqlite fuzz vet bench build ci screenshots

# What `tend version` reports, stamped into the binary by `make build`
# (evaluated only when a target uses them).
VERSION = $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT = $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE = $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS = -X github.com/tendhq/tend/internal/cli.Version=$(VERSION) \
	-X github.com/tendhq/tend/internal/cli.Commit=$(COMMIT) \
	-X github.com/tendhq/tend/internal/cli.BuildDate=$(BUILD_DATE)

## run: Tend on the embedded SQLite with a fresh demo company, at
## http://127.0.0.1:8080; bin/tend --demo <command> works on the same data
run: build
	bin/tend serve --demo

## build: the tend binary in ./bin, stamped with its version, commit and build date
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/tend ./cmd/tend

## test: every test, on SQLite and — when PostgreSQL is installed or
## TEND_TEST_DATABASE_URL is set — on PostgreSQL too; the end-to-end tests
## in headless Chromium when it is installed; the tests on public data sets
## when ../shared/data (or TEND_SHARED_DATA) holds them
test: vet
	@if [ -n "$$TEND_TEST_DATABASE_URL" ]; then \
		$(GO) test ./...; \
	elif [ -n "$(PG_BIN)" ]; then \
		scripts/with-postgres $(GO) test ./...; \
	else \
		$(GO) test ./... && echo && \
		echo "NOTE: PostgreSQL tests SKIPPED: no PostgreSQL server binaries here and TEND_TEST_DATABASE_URL is not set"; \
	fi
	@$(if $(CHROMIUM_BIN),,echo && echo "NOTE: browser tests SKIPPED: no Chromium here (apt-get install chromium, or set TEND_CHROMIUM=/path/to/chromium)")
	@$(if $(wildcard $(SHARED_DATA)),,echo && echo "NOTE: shared data tests SKIPPED: $(SHARED_DATA) is missing (see README.md, \"Tests and the public data sets\")")

## test-race: the tests of the packages that run concurrent code (ingestion,
## the stores, the caches, the HTTP surfaces, the CLI's server) under the
## race detector (needs cgo, i.e. a C compiler); on PostgreSQL too when
## TEND_TEST_DATABASE_URL is set (.ci/run starts one)
RACE_PKGS := ./internal/ingest/ ./internal/store/... ./internal/retention/... \
	./internal/web/ ./internal/cli/ ./internal/server/ ./internal/api/ ./internal/jobs/
test-race:
	$(GO) test -race $(RACE_PKGS)

## fuzz: every Go fuzz test (func FuzzX in a _test.go file) explored for
## FUZZTIME each (20s by default); a failing input is saved under the
## package's testdata/fuzz and then replayed by every `make test`
FUZZTIME ?= 20s
fuzz:
	@set -e; grep -rl --include='*_test.go' '^func Fuzz' internal | while read -r f; do \
		dir=./$$(dirname "$$f"); \
		for fn in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' "$$f" | cut -d' ' -f2); do \
			echo "fuzz: $$dir $$fn for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$dir"; \
		done; \
	done

## test-sqlite: the tests on SQLite only
test-sqlite:
	$(GO) test ./...

vet:
	$(GO) vet ./...

## screenshots: docs/screenshots/*.png, the README's pictures of the main
## pages, taken by the browser tests on the full-size demo company
screenshots:
	rm -f docs/screenshots/*.png
	@log=$$(mktemp); \
	TEND_SCREENSHOTS=$(CURDIR)/docs/screenshots TEND_REQUIRE_BROWSER=1 \
		$(GO) test -count=1 -v -run '^Test(AccountJourney|Dashboard|Phone|Portfolio|AdminTokens|Retention)$$' ./internal/e2e/ >$$log 2>&1; \
	status=$$?; \
	if [ $$status -eq 0 ]; then grep -E 'screenshot |^ok' $$log; else cat $$log; fi; \
	rm -f $$log; exit $$status

## bench: the benchmarks behind docs/benchmarks.md, on both engines
## (imports run once each; API list latency over 500 requests per case;
## every web page over 300 requests each, on SQLite)
bench:
	scripts/with-postgres sh -c '$(GO) test -run "^$$" -bench Import -benchtime 1x -timeout 60m ./internal/store/... ./internal/transfer/ && \
		$(GO) test -run "^$$" -bench ListAccounts -benchtime 500x -timeout 30m ./internal/api/ && \
		$(GO) test -run "^$$" -bench "Dashboard|Account|Portfolio" -benchtime 300x -timeout 30m ./internal/web/'

