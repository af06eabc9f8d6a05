# Baohan Gateway. `make test` is the one command CI runs.
GO        ?= go
BIN       := bin
PKGS      := ./...
export CGO_ENABLED ?= 0

.PHONY: build run test test-short lint tools vulndb bench demo fuzz clean

build:
	$(GO) build -o $(BIN)/baohan ./cmd/baohan

run: build
	$(BIN)/baohan serve

# The independent SM2 verifier the pdf tests run under node (sm-crypto,
# pkijs), installed exactly as locked when missing.
SM2VERIFY := pdf/testdata/sm2verify

test: $(SM2VERIFY)/node_modules/.package-lock.json
	$(GO) test -count=1 -timeout 12m $(PKGS)

$(SM2VERIFY)/node_modules/.package-lock.json: $(SM2VERIFY)/package-lock.json
	cd $(SM2VERIFY) && npm ci --no-audit --no-fund --silent

test-short:
	$(GO) test -short $(PKGS)

# Linters, pinned, fetched from the Go module proxy by `go run` on first use
# (then cached). staticcheck v0.8.2 is release 2026.2.2.
STATICCHECK_VERSION ?= v0.8.2
GOVULNCHECK_VERSION ?= v1.9.0
# govulncheck's database: the public one, or an offline copy made by
# `make vulndb` (GOVULNDB=file://$(CURDIR)/bin/vulndb).
GOVULNDB            ?= https://vuln.go.dev
# The offline copy is built from the golang.org/x/vulndb module at this version.
VULNDB_VERSION      ?= v0.0.0-20261105234957-e22db6528018
VULNDB_DIR          ?= $(CURDIR)/bin/vulndb
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
GOVULNCHECK := $(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# lint: go vet, gofmt, staticcheck, then govulncheck. When the vulnerability
# database cannot be reached (no route to vuln.go.dev), govulncheck is
# skipped with a message saying so; a file:// database given in GOVULNDB is
# never skipped.
lint:
	$(GO) vet $(PKGS)
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './bin/*')); \
	if [ -n "$$files" ]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi; \
	echo "gofmt: ok"
	$(STATICCHECK) $(PKGS)
	@echo "govulncheck $(GOVULNCHECK_VERSION) -db $(GOVULNDB)"; \
	out=$$($(GOVULNCHECK) -db '$(GOVULNDB)' $(PKGS) 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'fetching vulnerabilities'; then \
		case '$(GOVULNDB)' in file://*) echo "$$out"; exit $$rc;; esac; \
		echo "$$out" | grep 'fetching vulnerabilities'; \
		echo "govulncheck: SKIPPED: the vulnerability database $(GOVULNDB) cannot be reached from this machine."; \
		echo "  Scan offline instead: make vulndb && make lint GOVULNDB=file://$(VULNDB_DIR)"; \
	else echo "$$out"; exit $$rc; fi

# tools fetches and builds the pinned linters once, so that lint works
# offline afterwards (everything lands in the Go module and build caches).
tools:
	$(STATICCHECK) -version
	$(GOVULNCHECK) -version

# vulndb builds an offline copy of the Go vulnerability database in
# $(VULNDB_DIR) from the golang.org/x/vulndb module (its data/osv reports),
# for machines that reach the Go module proxy but not vuln.go.dev.
vulndb:
	@src=$$(cd / && $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$src/data/osv" || { echo "vulndb: no data/osv in golang.org/x/vulndb@$(VULNDB_VERSION)"; exit 1; }; \
	rm -rf $(VULNDB_DIR); \
	echo "indexing $$(ls "$$src/data/osv" | wc -l) reports of golang.org/x/vulndb@$(VULNDB_VERSION) into $(VULNDB_DIR)"; \
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB_DIR)
	@echo "offline vulnerability database in $(VULNDB_DIR): make lint GOVULNDB=file://$(VULNDB_DIR)"

# bench: the protocol benchmarks (./gmcrypto, ./platform), baohanapply over
# HTTP, notice delivery, letters per core, and the bid-opening storm of the
# real binary against the same letters rendered in a tight loop; one
# markdown table at the end (see BENCHMARKS.md). Raw outputs: BENCH_DIR.
bench:
	GO=$(GO) scripts/bench.sh

# demo: both binaries, the gateway on its embedded defaults in data/demo, the
# platform simulator playing a handful of applications through their whole
# lifecycle (see README "Demo").
demo: build
	$(GO) build -o $(BIN)/platformsim ./cmd/platformsim
	BIN=$(CURDIR)/$(BIN) scripts/demo.sh

# fuzz: every target for 30 s each: the cryptography and JSON reading, the
# whole inbound path (ReceiveFrom on JSON and form bodies, re-signed so the
# fuzzer reaches the field rules) and money parsing. FuzzParamsFromJSON, the
# differential check of the JSON fast path against encoding/json and
# jsontext, runs 60 s, and spends at most 2 s minimizing each new input:
# minimizing is quadratic in the input's length, and with the default 60 s a
# few grown inputs held both workers for most of the run (138 k executions
# in 60 s with the default, 620 k with 2 s, on a loaded 2-CPU machine).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecryptString -fuzztime 30s ./gmcrypto
	$(GO) test -run '^$$' -fuzz FuzzSigningString -fuzztime 30s ./gmcrypto
	$(GO) test -run '^$$' -fuzz FuzzParamsFromJSON -fuzztime 60s -fuzzminimizetime 2s ./gmcrypto
	$(GO) test -run '^$$' -fuzz FuzzReceive -fuzztime 30s ./platform
	$(GO) test -run '^$$' -fuzz FuzzParseMoney -fuzztime 30s ./service
	$(GO) test -run '^$$' -fuzz FuzzVerifySignatures -fuzztime 30s ./pdf

clean:
	rm -rf $(BIN)
