# redis-fast: a Redis-compatible server in Go.
GO       ?= go
TAGS     := invariants
PKGS     := ./proto/... ./db/... ./pubsub/... ./replication/... ./persistence/... ./cpustat/... ./loop/...
# The short fuzz run counts executions rather than seconds: Go 1.26's fuzz
# coordinator can report a spurious "context deadline exceeded" failure
# when a -fuzztime duration ends on a loaded machine (golang/go#75804),
# and a count has no deadline to race. Each count takes 4-6 s on two cores.
FUZZ_PROTO ?= 400000x
FUZZ_RDB ?= 60000x
BIN      := redis-fast
PORT     ?= 6380

.PHONY: build run test check unit integration race fuzz-short fuzz microbench bench bench-quick cover install clean help

build: ## build ./redis-fast
	$(GO) build -o $(BIN) .

run: build ## build, then serve on port $(PORT)
	./$(BIN) -port $(PORT)

test: check unit integration fuzz-short ## everything CI runs: checks, unit, integration (with a real redis-server), fuzz

check: ## gofmt, go vet, go mod tidy
	@out=$$(gofmt -l . 2>&1); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) mod tidy -diff

unit: ## unit tests, then again under the race detector
	$(GO) test -count=1 -tags $(TAGS) $(PKGS)
	$(GO) test -count=1 -race -tags $(TAGS) $(PKGS)

integration: ## black-box tests against the built binary and a real redis-server, and the bench's smoke test
	REQUIRE_REDIS=1 $(GO) test -count=1 -tags $(TAGS) ./integration/... ./bench/...

race: ## the integration tests against a binary built with -race
	RACE=1 REQUIRE_REDIS=1 $(GO) test -count=1 -tags $(TAGS) ./integration/...

fuzz-short: ## each fuzz target for $(FUZZ_PROTO) (parsers) or $(FUZZ_RDB) (RDB) executions
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZ_PROTO) ./proto
	$(GO) test -run='^$$' -fuzz='^FuzzParseSplit$$' -fuzztime=$(FUZZ_PROTO) ./proto
	$(GO) test -run='^$$' -fuzz='^FuzzLoad$$' -fuzztime=$(FUZZ_RDB) ./persistence/rdb
	$(GO) test -run='^$$' -fuzz='^FuzzRestore$$' -fuzztime=$(FUZZ_RDB) ./persistence/rdb

fuzz: ## the fuzz targets for ten minutes each
	$(MAKE) fuzz-short FUZZ_PROTO=10m FUZZ_RDB=10m

microbench: ## Go micro-benchmarks, six runs each, for benchstat
	$(GO) test -run='^$$' -bench=. -benchmem -count=6 ./proto ./db ./loop

bench: build ## the capstone: redis-fast against real Redis, report and chart in bench/results
	$(GO) run ./bench

bench-quick: build ## a reduced bench matrix, under a minute
	$(GO) run ./bench -quick

cover: ## unit test coverage
	$(GO) test -tags $(TAGS) -coverprofile=cover.out $(PKGS)
	$(GO) tool cover -func=cover.out | tail -1

install: ## go install the server
	$(GO) install .

clean: ## remove what this Makefile built
	rm -f $(BIN) cover.out

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'
