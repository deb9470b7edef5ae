# Schakel: the two commands a newcomer needs are `make run` and `make test`.
# Both install the C libraries the build needs when they are missing (Debian/Ubuntu).

APT_PACKAGES := libzmq3-dev libsqlite3-dev pkg-config
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SWIFT_FLAGS := -Xswiftc -warnings-as-errors
CONFIG ?= Config/schakeld.dev.json

.PHONY: deps build run test bench lint format clean

## deps: install libzmq, SQLite and pkg-config through apt when pkg-config cannot find them
deps:
	@if ! command -v swift >/dev/null; then \
		echo "swift is not on PATH: install the Swift 6 toolchain first (see README.md)"; exit 1; fi
	@if ! (command -v pkg-config >/dev/null && pkg-config --exists libzmq sqlite3); then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

## build: debug build of everything, warnings are errors
build: deps
	swift build $(SWIFT_FLAGS)

## run: the daemon on the dev config (demo social map, state in ./state), until Ctrl-C
run: build
	.build/debug/schakeld --config $(CONFIG)

## test: build with warnings as errors, then every unit and integration test
test: deps
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build

## bench: release build, then the full benchmark against the release schakeld (BENCHMARKS.md)
bench: deps
	swift build -c release $(SWIFT_FLAGS)
	.build/release/schakel-bench

## lint: the formatting rules of .swift-format
lint:
	swift format lint --strict -r Sources Tests Package.swift

format:
	swift format format -i -r Sources Tests Package.swift

clean:
	rm -rf .build state
