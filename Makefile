# Public-screen kiosk: player, content bundles, department tool.
#
#   make run     play the built-in demo in a window (installs what it needs)
#   make test    run every test, the player's under a virtual X server
#   make bench   measure frame times, CPU, start-up and memory; writes BENCHMARKS.md
#   make fuzz    run each fuzz target for a minute (FUZZTIME), one after the other
#   make deps    install build and test dependencies (idempotent)
#   make package build the .deb packages and the Windows zip into out/packages

SHELL := /bin/bash
GO    ?= go
BIN   := $(CURDIR)/bin
XVFB  := xvfb-run -a -s "-screen 0 3840x2160x24 -nolisten tcp"

# Debian packages: Ebiten's cgo build (X11, OpenGL, ALSA headers), the
# virtual X server for tests and benchmarks, the Noto fonts the example
# sites use, and headless Chromium, which the report test screenshots the
# HTML report with. zip packs the Windows build (`make package`); fakeroot
# lets its test install the packages when not run as root. espeak-ng renders
# guide narration at the department (`kioskctl narrate`); ffmpeg transcodes
# video at the department (`kioskctl add-video`) and decodes it at sites
# (the player's video slides, and the tests' clips); xdotool sends real
# X clicks and keys to the player in the interactive-mode tests and
# benchmarks.
DEB_PACKAGES := gcc libc6-dev pkg-config libgl1-mesa-dev libxcursor-dev libxi-dev \
	libxinerama-dev libxrandr-dev libxxf86vm-dev libasound2-dev \
	xvfb xauth fonts-noto-core fonts-noto-cjk chromium patch zip fakeroot \
	espeak-ng ffmpeg xdotool

# The S3 servers and client the storage tests run against, built from
# source at pinned versions into bin/ (git-ignored). The MinIO server is no
# longer maintained upstream; the sync and trust code uses only S3 calls.
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MC_VERSION    := v0.0.0-20250313080218-cf909e1063a9
# versitygw, a maintained S3 gateway over a folder: the sync and report
# tests also run against it, so that nothing there needs MinIO.
VERSITYGW_VERSION := v1.8.0

.PHONY: deps run test bench vet build cross clean fuzz
.PHONY: package

deps: $(BIN)/.deps-debian $(BIN)/minio $(BIN)/mc $(BIN)/versitygw

# MinIO is built from the pinned version's module source (which the go
# command checks against the checksum database) with build/minio-flush.patch
# applied in a temporary copy: without it the server never flushes bucket
# notifications to a listener (see the patch's header). The binary depends on
# the patch, not on this Makefile, so editing the Makefile does not rebuild
# MinIO (about 4 minutes on 2 cores); after changing MINIO_VERSION, remove
# bin/minio.
MINIO_PATCH := $(CURDIR)/build/minio-flush.patch

$(BIN)/minio: $(MINIO_PATCH) | $(BIN)/.deps-debian
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'chmod -R u+w "$$tmp"; rm -rf "$$tmp"' EXIT; \
	src=$$(cd "$$tmp" && GOWORK=off $(GO) mod download -json github.com/minio/minio@$(MINIO_VERSION) | \
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$src" || { echo "minio@$(MINIO_VERSION): no module source" >&2; exit 1; }; \
	echo "building minio@$(MINIO_VERSION) with $(notdir $(MINIO_PATCH))"; \
	cp -R "$$src" "$$tmp/minio"; chmod -R u+w "$$tmp/minio"; \
	patch -d "$$tmp/minio" -p1 --forward --batch --quiet < $(MINIO_PATCH); \
	(cd "$$tmp/minio" && GOWORK=off $(GO) build -mod=readonly -trimpath -o $@.tmp .); \
	mv $@.tmp $@

$(BIN)/mc:
	GOBIN=$(BIN) $(GO) install github.com/minio/mc@$(MC_VERSION)

$(BIN)/versitygw:
	GOBIN=$(BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

# nfpm builds the .deb packages (`make package`), from pinned source into
# bin/ like the servers, so that none of its modules enter go.mod.
NFPM_VERSION := v2.45.2
deps: $(BIN)/nfpm

$(BIN)/nfpm:
	GOBIN=$(BIN) $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

# Checked again whenever the package list (this Makefile) changes.
$(BIN)/.deps-debian: Makefile
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEB_PACKAGES) 2>/dev/null | \
		awk '$$NF != "installed" {print $$1}'; \
		for p in $(DEB_PACKAGES); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$${missing// }" ]; then \
		echo "installing: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p $(BIN) && touch $@

build: $(BIN)/.deps-debian
	$(GO) build -o $(BIN)/kiosk ./cmd/kiosk
	CGO_ENABLED=0 $(GO) build -o $(BIN)/kioskctl ./cmd/kioskctl

run: build
	$(BIN)/kiosk

vet:
	$(GO) vet ./...

# The LED walls are often driven by Windows PCs; Ebiten needs no cgo there.
# The department tool must build without cgo.
cross:
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/kioskctl

# Packages that draw run under Xvfb; the rest run headless. Both run with the
# race detector but for the end-to-end tests (cmd/kiosk, bench, the studio's
# run in headless Chromium), which start real player processes, servers,
# browsers and X screens one after another (the interactive ones alone take
# minutes), so they get more than go test's default 10 minutes. The player package's own tests do run with it: its
# loader, guide worker and game goroutine share fonts.
DRAWING_PKGS = ./cmd/kiosk/... ./bench/... ./cmd/kioskctl/internal/studio/e2e/...

test: deps vet cross
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e '/cmd/kiosk$$' -e '/kiosk/player$$' -e '/bench/' -e '/studio/e2e$$')
	$(XVFB) $(GO) test -race -count=1 -timeout 30m ./kiosk/player/...
	$(XVFB) $(GO) test -count=1 -timeout 30m $(DRAWING_PKGS)

bench: deps build
	./bench/run.sh

# The parsers of what a site or the department reads from others: bundle
# manifests, site configs, report batches, the trusted root, emergency
# alerts from the store, CAP messages. `make test`
# runs their seed corpora (testdata/fuzz/), where a crasher found here is
# written: commit it with the fix, as a regression seed. Minimizing each
# new input is kept short so that the minute goes to fuzzing. Every target
# runs even after one fails; any failure fails the whole.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./content:FuzzParseManifest ./kiosk/siteconfig:FuzzParse \
	./kiosk/report:FuzzDecodeBatch ./kiosk/report:FuzzBatchSections \
	./sync/trust:FuzzNewClient ./sync/trust:FuzzVerifyAlert ./content/alert/cap:FuzzParse

fuzz:
	@status=0; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || status=1; \
	done; exit $$status

# The site packages (see packaging/build.sh): kiosk and kioskctl .deb files
# and a Windows zip of both, in PKG_OUT. VERSION defaults to one from git
# (packaging/version.sh).
PKG_OUT ?= $(CURDIR)/out/packages

package: $(BIN)/.deps-debian $(BIN)/nfpm
	GO=$(GO) NFPM=$(BIN)/nfpm OUT=$(PKG_OUT) $(if $(VERSION),VERSION=$(VERSION)) packaging/build.sh

clean:
	rm -rf $(BIN) out
