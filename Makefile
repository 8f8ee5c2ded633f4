# Gatehouse — the two commands that matter:
#   make run    build everything and start the console on http://127.0.0.1:3000
#   make test   every test: unit, integration (real server process), the REST API
#               against its OpenAPI document (schemathesis), and Playwright
SHELL := bash
# tools/bin: wasm-opt (npm's binaryen, installed by scripts/install-tools).
export PATH := $(CURDIR)/tools/bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
BIN := $(CARGO_TARGET_DIR)/release/gatehouse
RUST_PACKAGES := -p shared -p gatehouse-core -p app -p server
# The tests' SMTP server (scripts/smtp_relay.py) runs on this Python, which has aiosmtpd.
export GATEHOUSE_TEST_PYTHON := $(CURDIR)/.venv/bin/python

.PHONY: run test tools test-tools dashboard server test-build test-rust test-api test-e2e deb test-deb clean

# The server compiles while the tools install and the dashboard builds: on a
# fresh 2-core machine each side leaves a core idle for minutes at a time
# (a tool's or a crate's last, single-threaded steps; the wasm's LTO).
run:
	$(MAKE) --no-print-directory -j2 dashboard server
	$(BIN) serve

# Likewise the test binaries, and what the tests use (downloads, mostly),
# then the tests one after another, each with the whole machine.
test:
	$(MAKE) --no-print-directory -j3 dashboard test-build test-tools
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-api
	$(MAKE) --no-print-directory test-e2e

tools:
	./scripts/install-tools

test-tools:
	./scripts/install-tools --e2e-only

# The browser bundle (wasm) into dist/: trunk builds it whole, split-wasm
# cuts it at the lazy routes (the sign-in page loads only what it needs),
# and precompress makes brotli and gzip copies of each file for the server.
dashboard: tools
	trunk build --release
	./scripts/split-wasm dist
	./scripts/precompress dist

server:
	cargo build --release -p server

# Unit and integration tests, in the release profile so that the binary they
# spawn is the same one Playwright drives afterwards.
test-build:
	cargo test --release --no-run $(RUST_PACKAGES)

test-rust:
	cargo test --release $(RUST_PACKAGES)

# The REST API against its own OpenAPI document (schemathesis, every check).
test-api:
	./scripts/api-conformance $(BIN)

test-e2e:
	cd end2end && GATEHOUSE_BIN=$(BIN) GATEHOUSE_DIST_DIR=$(CURDIR)/dist npx playwright test

# The Debian package (server/Cargo.toml [package.metadata.deb], deploy/debian/),
# made by cargo-deb from a binary built beforehand: DEB_BIN, by default the
# static one. cargo-deb takes built binaries from <target dir>/release, so
# DEB_BIN is put in a target dir of the package's own, where nothing else is.
DEB_BIN ?= $(CARGO_TARGET_DIR)/x86_64-unknown-linux-musl/release/gatehouse
DEB_VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -n1)
DEB_DIR := $(CARGO_TARGET_DIR)/deb
DEB := $(DEB_DIR)/gatehouse_$(DEB_VERSION)_amd64.deb

deb:
	./scripts/install-tools --deb
	@test -x "$(DEB_BIN)" || { echo "make deb: no $(DEB_BIN); build it first, or set DEB_BIN" >&2; exit 1; }
	install -D -m 0755 "$(DEB_BIN)" $(DEB_DIR)/release/gatehouse
	CARGO_TARGET_DIR=$(DEB_DIR) cargo deb -p server --no-build --locked --output $(DEB)

# Install, run as the service would, upgrade, remove and purge (as root; not
# where a gatehouse package is installed already).
test-deb: deb
	./scripts/check-deb $(DEB)

clean:
	cargo clean
	rm -rf dist .venv end2end/node_modules end2end/test-results tools/node_modules
