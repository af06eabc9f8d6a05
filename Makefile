# Baohan Gateway. `make test` is the one command CI runs.
GO        ?= go
BIN       := bin
PKGS      := ./...
export CGO_ENABLED ?= 0

.PHONY: build run test test-short lint bench fuzz clean

build:
	$(GO) build -o $(BIN)/baohan ./cmd/baohan

run: build
	$(BIN)/baohan serve

test:
	$(GO) test -count=1 -timeout 12m $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2026.1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./gmcrypto ./platform

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecryptString -fuzztime 30s ./gmcrypto
	$(GO) test -run '^$$' -fuzz FuzzSigningString -fuzztime 30s ./gmcrypto

clean:
	rm -rf $(BIN)
