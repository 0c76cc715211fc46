# Tandem — build, run and test on a Debian machine.
#
#   make run    install what is missing, build, and start the product locally
#   make test   install what is missing and run every test
#
# Debian packages are installed only when missing (with sudo when not root).
# Go comes from /usr/local/go (Go 1.26); modules come from the Go module proxy.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export CGO_ENABLED ?= 1

GO      ?= go
BIN     := bin
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X tandem/internal/version.Version=$(VERSION)
# Where `make run` keeps the local hub's and agent's data.
RUNDIR  ?= $(CURDIR)/.run

# Packages needed to build the Fyne windows and the tray (cgo), and to run them
# without a screen in tests.
BUILD_DEBS := gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libxkbcommon-dev libwayland-dev \
	libayatana-appindicator3-dev
RUN_DEBS   := xvfb xauth x11-utils x11-xserver-utils xdotool trayer dbus-x11 dunst imagemagick poppler-utils

# Pure-Go binaries: these must cross-build with CGO_ENABLED=0 for every OS.
PURE_CMDS := tandem-agent tandem-hub

.PHONY: test-wine all run test deps check-go build build-pure cross lint test-go fuzz bench bench-all footprint agent-footprint clean

all: build

deps: check-go
	@scripts/debs.sh $(BUILD_DEBS) $(RUN_DEBS)
	@$(GO) mod download

check-go:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed at /usr/local/go (see README)"; exit 1; }
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "Go 1.26 or newer is needed; found: $$($(GO) version)"; exit 1; }

build: deps
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/... .

# The agent and hub build without cgo for every OS the fleet runs.
cross: check-go
	@set -e; for os in linux windows darwin; do for c in $(PURE_CMDS); do \
		echo "cross-build $$c for $$os"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=amd64 $(GO) build -trimpath -o /dev/null ./cmd/$$c; \
	done; done
	@set -e; for os in windows darwin; do \
		echo "vet pure-Go packages for $$os"; \
		CGO_ENABLED=0 GOOS=$$os $(GO) vet $$($(GO) list ./... | grep -v -e '^tandem$$' -e '/app' -e 'cmd/tandem-tray'); \
	done

lint: check-go
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

# The hub's PostgreSQL store is tested on a throwaway cluster that the tests
# start themselves (internal/pgtest) from Debian's server binaries.
PG_DEBS := postgresql

test-go: deps
	@scripts/debs.sh $(PG_DEBS)
	TANDEM_E2E=require $(GO) test -race -timeout 20m ./...

# Short fuzzing runs of the decoders and the merge function (longer runs: FUZZTIME=5m; counts avoid a Go 1.26 fuzz-coordinator stall at the deadline, golang/go#75804).
FUZZTIME ?= 100000x
fuzz: deps
	@scripts/fuzz.sh $(FUZZTIME)

test: deps lint cross test-go fuzz test-packaging-ci test-wine

# The Windows test bed (README "The Windows test bed"): the Windows test
# binaries and the Windows agent under Debian's wine, with a shim built from
# scripts/wine/ by mingw-w64; the wine prefix is cached in $(DIST)/.cache/wine.
WINE_DEBS := wine64 gcc-mingw-w64-x86-64 wixl msitools
test-wine: check-go
	@scripts/debs.sh $(WINE_DEBS)
	@scripts/wine.sh $(DIST)/.cache/wine

# Benchmarks (figures, not pass/fail). See README "Measuring". `make bench`
# prints the figures of the performance table beside their references and
# ratios (ROUNDS=n for the median of n runs); `make bench-all` runs every
# benchmark of the module.
bench: deps
	@GO=$(GO) scripts/bench.sh

bench-all: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

footprint: deps
	$(GO) test -run '^$$' -bench IdleFootprint -benchtime 1x ./localdb/

# The running agent (hub on loopback, enrolled agent, idle) over WINDOW seconds.
WINDOW ?= 600
agent-footprint: build
	@scripts/agent-footprint.sh $(BIN) $(WINDOW)

run: build
	@scripts/run.sh $(BIN) $(RUNDIR)

clean:
	rm -rf $(BIN) $(RUNDIR)

# ---- Packaging (issue 8): release artefacts, installers, signing ----------------------
#   make dist            every binary (version from git), the .deb packages, the MSI and
#                        SHA256SUMS into $(DIST)/; signed when SIGN_* is set (see sign)
#   make deb | make msi  the Linux binaries and .deb packages | the Windows ones and the MSI
#   make sign FILES=...  Authenticode-sign .exe/.msi in place (default: all in $(DIST)/) with
#                        SIGN_CERT + SIGN_KEY, or SIGN_PFX + SIGN_PASS; SIGN_TIMESTAMP=URL
#   make test-packaging  lintian, systemd-analyze, install/enroll/upgrade/purge in a
#                        debootstrapped Debian root, the MSI's tables, signing (needs root)
#   make test-packaging-ci  the part of test-packaging that `make test` runs, from pure Go
#                        alone (no cgo, no mingw, no MSI): the agent and hub .debs for
#                        linux/amd64 in $(DIST)/ci, lintian, systemd-analyze, the Debian root
#                        (debootstrap cached in $(DIST)/.cache), signing the agent's .exe.
#                        As root, or through sudo for the root part.
DIST      ?= dist
DIST_DEBS := dpkg-dev fakeroot binutils lintian wixl msitools osslsigncode gcc-mingw-w64-x86-64
TEST_PACKAGING_DEBS := debootstrap openssl python3 systemd
# What test-packaging-ci needs: no mingw, wixl or msitools.
TEST_PACKAGING_CI_DEBS := dpkg-dev binutils lintian osslsigncode $(TEST_PACKAGING_DEBS)

.PHONY: deps-dist dist deb msi sign test-packaging test-packaging-ci

deps-dist: deps
	@scripts/debs.sh $(DIST_DEBS)

dist: deps-dist
	@VERSION=$(VERSION) scripts/dist.sh all $(DIST)

deb: deps-dist
	@VERSION=$(VERSION) scripts/dist.sh deb $(DIST)

msi: deps-dist
	@VERSION=$(VERSION) scripts/dist.sh msi $(DIST)

sign:
	@scripts/sign.sh $(or $(FILES),$(wildcard $(DIST)/*.exe $(DIST)/*.msi))

test-packaging: deps-dist
	@scripts/debs.sh $(TEST_PACKAGING_DEBS)
	@VERSION=$(VERSION) scripts/test-packaging.sh $(DIST)

test-packaging-ci: check-go
	@scripts/debs.sh $(TEST_PACKAGING_CI_DEBS)
	@VERSION=$(VERSION) PKG_CACHE=$(DIST)/.cache scripts/test-packaging.sh --ci $(DIST)/ci
# ---- end of packaging ------------------------------------------------------------------
