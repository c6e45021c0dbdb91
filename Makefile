# feedprobe: two commands are the whole set-up on a fresh Debian machine.
#   make demo   installs what is missing, builds, and runs the demo campaign
#   make test   installs what is missing and runs every test (browser included)
GO ?= go
BIN := bin/feedprobe
# VERSION and the source revision are stamped into the binary (feedprobe
# version, reports, notices); Go's own build info (vcs.revision,
# vcs.modified) wins when the toolchain records it.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED ?= $(shell test -n "$$(git status --porcelain 2>/dev/null)" && echo true || echo false)
LDFLAGS := -X main.version=$(VERSION) -X main.revision=$(REVISION) -X main.modified=$(MODIFIED)
export CGO_ENABLED := 1

.PHONY: all setup build demo test test-short vet fmt bench clean

all: build

setup:
	@bash scripts/setup.sh

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/feedprobe

demo: setup build
	./$(BIN) demo --db feedprobe.db

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@# storage and analysis work on plain values (probe/feed) and never pull
	@# in the browser: neither they nor their tests may depend on chromedp.
	@for p in ./storage ./analysis; do \
		dep=$$($(GO) list -deps -test $$p | grep -m1 chromedp); \
		if [ -n "$$dep" ]; then echo "$$p depends on $$dep (through probe?): use the plain types of probe/feed instead"; exit 1; fi; \
	done
	@# go.mod and go.sum must be what go mod tidy makes of them (offline
	@# when the module cache allows; see the script).
	@GO="$(GO)" bash scripts/check-tidy.sh

# Browser tests skip without Chromium on a developer machine, but never when
# CI=true: there a missing browser fails the run.
test: setup vet
	$(GO) test -race -count=1 -timeout 20m ./...

test-short: vet
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

clean:
	rm -rf bin
