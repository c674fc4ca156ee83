# The two commands of the README:
#   make demo   run every example with tracing; reports and an index in out/examples/
#   make test   install what the tests need, then vet and test everything
GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test vet chromium build bench bench-fleet fuzz corpus

demo:
	$(GO) run ./cmd/vizrun examples -o out/examples
	@echo "open out/examples/index.html in a browser"

# test runs the unit and integration tests with the race detector (with a
# 30-minute timeout: under load cmd/vizrun's tests alone have taken 8 of
# go test's default 10), those of
# the telegram example (a module of its own: its first build takes minutes),
# then the browser tests, which open reports in headless Chromium
# (screenshots go to artifacts/browser/). Between them, vizrun run and
# vizrun test are tested again with the current Go release (GO127, which
# GOTOOLCHAIN fetches from the module proxy the first time): vizrun built
# with it, building and tracing programs and tests with it.
GO127 ?= go1.27.3
test: vet chromium
	$(GO) test -race -count=1 -timeout 30m ./...
	GOTOOLCHAIN=$(GO127) $(GO) test -count=1 -run '^(TestRun|TestTest|TestGo127Trace|TestGolden)' ./cmd/vizrun
	cd examples/telegram && $(GO) test -race -count=1 ./...
	$(GO) test -tags browser -count=1 ./internal/browser

vet:
	$(GO) vet ./...
	$(GO) vet -tags browser ./internal/browser
	cd examples/telegram && $(GO) vet ./...

# chromium installs Debian's Chromium for the browser tests when there is
# none (VIZRUN_CHROMIUM may name another binary).
chromium:
	@if [ -n "$$VIZRUN_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then \
		true; \
	else \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

build:
	$(GO) build -o vizrun ./cmd/vizrun

# bench times vizrun report against the bare x/exp/trace reader and go tool
# trace on one generated ~100 MB trace (SIZE, RUNS: see scripts/bench.sh),
# then runs the go test benchmarks of parse and render.
bench:
	scripts/bench.sh
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/parse ./html

# bench-fleet times vizrun summary over 40 traces of 10 MB recorded by
# internal/tracegen (FLEET_DIR keeps them between runs: they take minutes to
# record).
FLEET_DIR ?= $(CURDIR)/out/fleet-bench
bench-fleet:
	mkdir -p $(FLEET_DIR)
	VIZRUN_FLEET_DIR=$(FLEET_DIR) $(GO) test -run '^$$' -bench SummaryFleet -benchtime 3x ./cmd/vizrun

# fuzz runs each fuzz target for FUZZTIME (not part of make test). Inputs
# that crash are written under the package's testdata/fuzz and, once fixed,
# stay there as regression seeds that go test runs.
FUZZTIME ?= 2m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/parse
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./html

# corpus re-records the labelled corpus of real traces (testdata/corpus):
# third-party test suites fetched from the module proxy into a temporary
# directory and the workloads of scripts/corpus, then refreshes the figures
# the truth program and go tool trace -pprof establish. A few minutes.
corpus:
	scripts/corpus/record.sh
