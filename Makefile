# Gatehouse — the two commands that matter:
#   make run    build everything and start the console on http://127.0.0.1:3000
#   make test   every test: unit, integration (real server process), the REST API
#               against its OpenAPI document (schemathesis), Playwright, the alert
#               rules (promtool), and the artifacts an operator installs (the image and the Debian package)
# and what an operator installs:
#   make release  one static binary (musl) with the dashboard inside
#   make image    the container image gatehouse:<version>, from that binary
#   make deb      the Debian package, from that binary
SHELL := bash
# tools/bin: wasm-opt (npm's binaryen, installed by scripts/install-tools).
export PATH := $(CURDIR)/tools/bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
BIN := $(CARGO_TARGET_DIR)/release/gatehouse
# The dashboard packed into one file, which the binary includes (server/src/main.rs).
DASHBOARD_BUNDLE := $(CARGO_TARGET_DIR)/dashboard.tar
WITH_DASHBOARD := GATEHOUSE_DASHBOARD_BUNDLE=$(DASHBOARD_BUNDLE)
MUSL := x86_64-unknown-linux-musl
MUSL_BIN := $(CARGO_TARGET_DIR)/$(MUSL)/release/gatehouse
# What is shipped: the static binary without its symbols.
RELEASE_BIN := $(CARGO_TARGET_DIR)/static/gatehouse
# The version, in one place: the workspace's Cargo.toml.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
RUST_PACKAGES := -p shared -p gatehouse-core -p app -p server
# The tests' SMTP server (scripts/smtp_relay.py) runs on this Python, which has aiosmtpd.
export GATEHOUSE_TEST_PYTHON := $(CURDIR)/.venv/bin/python

.PHONY: run test tools wasm wasm-target test-tools dashboard server server-code test-build test-rust test-api test-e2e test-alerts \
	release static-binary image image-only deb deb-only need-dashboard test-artifacts clean

# The server compiles while the tools install and the wasm compiles (three
# jobs: on a fresh 2-core machine each leaves a core idle for minutes at a
# time: a tool's or a crate's last, single-threaded steps; the wasm's LTO).
# Then the dashboard is made and the binary linked with it inside.
run:
	$(MAKE) --no-print-directory -j3 dashboard server-code
	$(MAKE) --no-print-directory server
	$(BIN) serve

# Likewise the test binaries, and what the tests use (downloads, mostly),
# then the tests one after another, each with the whole machine.
test:
	$(MAKE) --no-print-directory -j4 dashboard test-build test-tools
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-api
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-alerts
	$(MAKE) --no-print-directory test-artifacts

tools: wasm-target
	./scripts/install-tools

# The dashboard's wasm, compiled while the tools install (it needs only the
# wasm32 target), so that trunk finds it built: the command trunk runs for
# frontend/index.html's rust link, so cargo's fingerprints are the same.
wasm: wasm-target
	cargo build --target=wasm32-unknown-unknown --manifest-path $(CURDIR)/frontend/Cargo.toml --profile wasm-release --bin frontend

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

test-tools:
	./scripts/install-tools --e2e-only

# The browser bundle (wasm) into dist/: trunk builds it whole, split-wasm
# cuts it at the lazy routes (the sign-in page loads only what it needs),
# and precompress makes brotli and gzip copies of each file for the server.
dashboard: tools wasm
	trunk build --release
	./scripts/split-wasm dist
	./scripts/precompress dist
	./scripts/pack-dashboard dist $(DASHBOARD_BUNDLE)

# Everything but the binary's own crate root, which includes the dashboard:
# it compiles while the dashboard builds.
server-code:
	cargo build --release -p server --lib

# The binary with the dashboard inside (make dashboard first). A plain
# `cargo build` makes one without, which says so when it starts.
server: need-dashboard
	$(WITH_DASHBOARD) cargo build --release -p server

# One static file (musl libc, rustls, no OpenSSL) with the dashboard inside:
# what the image and the package ship.
release: dashboard
	$(MAKE) --no-print-directory static-binary

static-binary: need-dashboard
	./scripts/install-tools --release
	$(WITH_DASHBOARD) cargo build --release --target $(MUSL) -p server
	mkdir -p $(dir $(RELEASE_BIN))
	strip -o $(RELEASE_BIN) $(MUSL_BIN)
	./scripts/is-static $(RELEASE_BIN)
	@echo "$(RELEASE_BIN): $$(du -k $(RELEASE_BIN) | cut -f1) KiB, static, gatehouse $(VERSION)"

image: release
	$(MAKE) --no-print-directory image-only

image-only:
	./scripts/install-tools --image
	./scripts/build-image $(RELEASE_BIN) $(VERSION)

need-dashboard:
	@test -f $(DASHBOARD_BUNDLE) || { echo "no dashboard bundle at $(DASHBOARD_BUNDLE): run make dashboard first" >&2; exit 1; }

# Unit and integration tests, in the release profile so that the binary they
# spawn is the same one Playwright drives afterwards.
test-build:
	cargo test --release --no-run $(RUST_PACKAGES)

# With the dashboard inside the binary the tests spawn: only the binary's
# crate root recompiles.
test-rust: need-dashboard
	$(WITH_DASHBOARD) cargo test --release $(RUST_PACKAGES)

# The REST API against its own OpenAPI document (schemathesis, every check).
test-api:
	./scripts/api-conformance $(BIN)

# The binary's own dashboard, started from `/` (end2end/support/server.ts).
test-e2e:
	cd end2end && GATEHOUSE_BIN=$(BIN) npx playwright test

# The alert rules operators load into Prometheus, against their unit tests
# (promtool, from Debian's prometheus package: scripts/install-tools --e2e).
test-alerts:
	./scripts/install-tools --alerts
	promtool check rules deploy/prometheus/gatehouse-rules.yml
	promtool test rules deploy/prometheus/gatehouse-rules.test.yml

# What an operator installs, built and checked as they would run it: the
# static binary, the image (read-only, uid 10001, a volume) and the package
# (installed, run as its unit runs it, upgraded, removed and purged; as root).
test-artifacts: need-dashboard
	$(MAKE) --no-print-directory static-binary
	$(MAKE) --no-print-directory image-only
	./scripts/check-image gatehouse:$(VERSION)
	$(MAKE) --no-print-directory deb-only
	./scripts/check-deb $(DEB)

# The Debian package (server/Cargo.toml [package.metadata.deb], deploy/debian/),
# made by cargo-deb from a binary built beforehand: DEB_BIN, by default the
# static one. cargo-deb takes built binaries from <target dir>/release, so
# DEB_BIN is put in a target dir of the package's own, where nothing else is.
DEB_BIN ?= $(RELEASE_BIN)
DEB_DIR := $(CARGO_TARGET_DIR)/deb
DEB := $(DEB_DIR)/gatehouse_$(VERSION)_amd64.deb

deb: release
	$(MAKE) --no-print-directory deb-only

deb-only:
	./scripts/install-tools --deb
	@test -x "$(DEB_BIN)" || { echo "make deb: no $(DEB_BIN); build it first, or set DEB_BIN" >&2; exit 1; }
	install -D -m 0755 "$(DEB_BIN)" $(DEB_DIR)/release/gatehouse
	CARGO_TARGET_DIR=$(DEB_DIR) cargo deb -p server --no-build --locked --output $(DEB)

clean:
	cargo clean
	rm -rf dist .venv end2end/node_modules end2end/test-results tools/node_modules
