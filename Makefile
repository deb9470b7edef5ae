# Schakel: the two commands a newcomer needs are `make run` and `make test`.
# Both install the C libraries the build needs when they are missing (Debian/Ubuntu).

APT_PACKAGES := libzmq3-dev libsqlite3-dev libsodium-dev libpq-dev pkg-config tzdata python3-venv
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SWIFT_FLAGS := -Xswiftc -warnings-as-errors
CONFIG ?= Config/schakeld.dev.json

.PHONY: test-postgresql bench-postgresql screenshots test-deps deps build run test test-dates mutants python-venv bench lint format clean fuzz fuzz-run crash-test sanitize sanitize-address sanitize-thread deb deb-deps deb-test deb-test-systemd

## deps: install libzmq, SQLite, libsodium, libpq (PostgreSQL's client) and pkg-config through apt when pkg-config
## cannot find them
deps:
	@if ! command -v swift >/dev/null; then \
		echo "swift is not on PATH: install the Swift 6 toolchain first (see README.md)"; exit 1; fi
	@if ! (command -v pkg-config >/dev/null && pkg-config --exists libzmq sqlite3 libsodium libpq && [ -e /usr/share/zoneinfo/Europe/Amsterdam ] \
		&& python3 -c 'import venv, ensurepip' 2>/dev/null); then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

## build: debug build of everything, warnings are errors
build: deps
	swift build $(SWIFT_FLAGS)

## run: the daemon on the dev config (demo social map, state in ./state) and the desk beside it at
## http://127.0.0.1:5780/ (the development login: pick any contact of the demo map), until Ctrl-C
DESK_CONFIG ?= Config/desk.dev.json
run: build
	@echo "the desk: http://127.0.0.1:5780/ (log in as any contact of the demo map)"
	.build/debug/schakel-desk --config $(DESK_CONFIG) & desk=$$!; trap 'kill $$desk 2>/dev/null' EXIT; \
		.build/debug/schakeld --config $(CONFIG)

## screenshots: the browser walkthrough of the desk (DeskBrowserTests) saving every page at 1280 and 390 px wide
## into .build/screenshots/, so anyone can see what a contact person sees; and the signals report of a year of
## traffic (SignalsBrowserTests) as signals-1280.png, signals-390.png and the printed signals.pdf
screenshots: deps test-deps python-venv
	swift build --build-tests $(SWIFT_FLAGS)
	rm -rf .build/screenshots
	SCHAKEL_SCREENSHOTS=$(CURDIR)/.build/screenshots SCHAKEL_PYTHON=$(CURDIR)/$(PYTHON_VENV)/bin/python \
		swift test --skip-build --filter 'DeskBrowserTests|SignalsBrowserTests'
	@ls .build/screenshots

## test-deps: what the desk's tests drive besides Swift: Debian's chromium with chromium-driver (the browser
## walkthrough), msmtp (a real sendmail in front of the test's SMTP server), nginx, curl and openssl (the proxy); and
## postgresql-15, the server the PostgreSQL tests start on free ports of their own (Tests/PostgreSQL/cluster; the system
## cluster Debian may start on 5432 is left alone)
TEST_APT_PACKAGES := chromium chromium-driver msmtp nginx curl openssl postgresql-15
test-deps:
	@if ! (command -v chromium && command -v chromedriver && command -v msmtp && command -v nginx \
		&& command -v curl && command -v openssl && [ -x /usr/lib/postgresql/15/bin/postgres ]) >/dev/null; then \
		echo "installing $(TEST_APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_APT_PACKAGES); \
	fi

## test: build with warnings as errors, then every unit and integration test, the Python examples and the
## desk's browser walkthrough included (SCHAKEL_PYTHON makes the Python and browser tests mandatory: they fail
## instead of skipping without the virtualenv or the browser)
test: deps test-deps python-venv
	swift build --build-tests $(SWIFT_FLAGS)
	SCHAKEL_PYTHON=$(CURDIR)/$(PYTHON_VENV)/bin/python swift test --skip-build

## test-postgresql: the daemon-level suite (SchakeldTests) again with the state in PostgreSQL instead of SQLite: a
## throwaway PostgreSQL 15 from Debian started by Tests/PostgreSQL/with-cluster in a temporary directory, as the
## unprivileged user postgres on a free loopback port, one database per daemon, destroyed afterwards. The tests of
## what only SQLite has (its files, backup, write lock, triggers) keep their daemons on SQLite here too (`Daemon(onSQLite:
## true)`), so they run in both; the active/standby tests run only here. ReferralKeyMigrationTests
## and Migration12Tests upgrade a version-10 and a version-11 database with rows on both engines; StateLeaseTests
## checks the active daemon's lease row (a lost connection is not a lost lease); TimerScheduleTests the timers one
## event writes with one statement; EventLogTests the event log's rows and view, through the upgrade to version 14;
## Migration18Tests who holds which open handovers after the upgrade to version 18, and the plans of CASES's and
## PENDING's statements on 20,000 handovers.
test-postgresql: deps test-deps python-venv
	swift build --build-tests $(SWIFT_FLAGS)
	SCHAKEL_PYTHON=$(CURDIR)/$(PYTHON_VENV)/bin/python Tests/PostgreSQL/with-cluster \
		swift test --skip-build --filter 'SchakeldTests|ReferralKeyMigrationTests|Migration12Tests|StateLeaseTests|TimerScheduleTests|EventLogTests|Migration15Tests|OffersInHandoverRowsTests|Migration18Tests'

## test-dates: the whole suite, the daemons it starts included, under libfaketime at seven dates that break
## careless code (a Saturday night, both DST switches, King's Day, New Year's Eve, a leap day, three years ahead;
## Tests/Dates/run --list). TEST_DATE=NAME runs one; TEST_DATE=today the one .ci/run picks by the day of the year
TEST_DATE ?= all
test-dates: deps test-deps python-venv
	@command -v faketime >/dev/null || { echo "installing faketime"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq faketime; }
	swift build --build-tests $(SWIFT_FLAGS)
	SCHAKEL_PYTHON=$(CURDIR)/$(PYTHON_VENV)/bin/python Tests/Dates/run $(TEST_DATE)

## mutants: prove the tests can fail. Applies each mutation of Tests/Mutants/mutants.txt to a scratch copy
## (.build/mutants), builds it, runs the tests named beside it and expects them to fail; prints a table of killed
## and surviving mutations and fails when one survives. MUTANTS="name ..." runs only those. About 7 min from a warm
## scratch build on the 2-core machine (a first build adds 3-5 min). A throwaway PostgreSQL cluster stands by for the
## mutations marked `store postgresql` (the fencing token, the lease), whose tests run with the state there.
mutants: deps test-deps python-venv
	Tests/PostgreSQL/with-cluster Tests/Mutants/run $(MUTANTS)

## python-venv: a virtualenv in .build/python-venv with examples/python/requirements.txt (pyzmq from PyPI) and
## Tests/requirements.txt (aiosmtpd, the SMTP server of the mail delivery test), made again only when the
## requirements change; fails when pip cannot install them
PYTHON_VENV := .build/python-venv
python-venv: $(PYTHON_VENV)/installed

$(PYTHON_VENV)/installed: examples/python/requirements.txt Tests/requirements.txt
	python3 -m venv $(PYTHON_VENV)
	$(PYTHON_VENV)/bin/pip install --quiet --disable-pip-version-check -r examples/python/requirements.txt \
		-r Tests/requirements.txt
	$(PYTHON_VENV)/bin/python -c 'import zmq; print("pyzmq", zmq.__version__, "libzmq", zmq.zmq_version())'
	$(PYTHON_VENV)/bin/python -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)'
	touch $@

## bench: release build, then the full benchmark against the release schakeld (BENCHMARKS.md)
bench: deps
	swift build -c release $(SWIFT_FLAGS)
	.build/release/schakel-bench

## bench-postgresql: the same with the daemon's state in PostgreSQL (issue 21): a throwaway PostgreSQL 15 started by
## Tests/PostgreSQL/with-cluster (as make test-postgresql), whose base conninfo goes to schakel-bench --postgresql; the
## ceilings add durable PostgreSQL commits (1 and 100 rows each), intake and latency are measured against them; the
## map, timer and restart figures are make bench's. Against a server of your own:
## .build/release/schakel-bench --postgresql "host=... user=..." (or SCHAKEL_BENCH_POSTGRESQL in the environment)
bench-postgresql: deps test-deps
	swift build -c release $(SWIFT_FLAGS)
	Tests/PostgreSQL/with-cluster sh -c '.build/release/schakel-bench --postgresql "$$SCHAKEL_TEST_POSTGRESQL"'

## lint: the formatting rules of .swift-format
lint:
	swift format lint --strict -r Sources Tests Package.swift

format:
	swift format format -i -r Sources Tests Package.swift

clean:
	rm -rf .build .build-asan .build-tsan .build-deb state

## fuzz: build the libFuzzer targets of Tests/Fuzz (frame/JSON decoder, referral validator,
## social-map loader) with AddressSanitizer into .build/fuzz, and seed their corpora
FUZZ_DIR := .build/fuzz
FUZZ_FLAGS := -O -g -sanitize=fuzzer,address -parse-as-library
FUZZ_TARGETS := WireMessage ReferralValidator SocialMap HTTPRequestParser
FUZZ_SECONDS ?= 600
fuzz: deps
	@mkdir -p $(FUZZ_DIR)
	cd $(FUZZ_DIR) && swiftc $(FUZZ_FLAGS) -wmo -emit-library -static -emit-module -module-name SchakelProtocol \
		$(CURDIR)/Sources/SchakelProtocol/*.swift -o libSchakelProtocol.a
	cd $(FUZZ_DIR) && swiftc $(FUZZ_FLAGS) -wmo -emit-library -static -emit-module -module-name SocialMap -I . \
		$(CURDIR)/Sources/SocialMap/*.swift -o libSocialMap.a
	cd $(FUZZ_DIR) && swiftc $(FUZZ_FLAGS) -wmo -emit-library -static -emit-module -module-name DeskHTTP \
		$(CURDIR)/Sources/DeskHTTP/*.swift -o libDeskHTTP.a
	cd $(FUZZ_DIR) && for t in $(FUZZ_TARGETS); do \
		swiftc $(FUZZ_FLAGS) -I . -L . -lSocialMap -lSchakelProtocol -lDeskHTTP $(CURDIR)/Tests/Fuzz/Fuzz$$t.swift \
			-o fuzz-$$t 2>&1 | grep -v "Cannot export local symbol" || true; \
		test -x fuzz-$$t || exit 1; \
		mkdir -p corpus-$$t; done
	cp Protocols/examples/*.json Protocols/examples/invalid/*.json $(FUZZ_DIR)/corpus-WireMessage/
	@# every example also as a whole message (SRP1, command, body; the target splits at 0x00),
	@# so the new peer commands (CONTACTED, OUTCOME, REOPEN, ...) are seeded through the frame parser too
	for f in Protocols/examples/[A-Z]*.json Protocols/examples/invalid/*.json; do \
		c=$$(basename $$f .json); c=$${c%%.*}; \
		{ printf 'SRP1\000%s\000' "$$c"; cat $$f; } > $(FUZZ_DIR)/corpus-WireMessage/framed-$$(basename $$f .json); done
	cp Protocols/examples/*.json Protocols/examples/invalid/*.json $(FUZZ_DIR)/corpus-ReferralValidator/
	cp Config/*.json $(FUZZ_DIR)/corpus-SocialMap/
	printf 'GET /aanbod HTTP/1.1\r\nHost: desk\r\nCookie: schakel_session=0\r\n\r\n' > $(FUZZ_DIR)/corpus-HTTPRequestParser/get
	printf 'POST /aanbod/ho-1/afwijzen HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 23\r\n\r\ncsrf=00&reden=capacity' > $(FUZZ_DIR)/corpus-HTTPRequestParser/post
	@echo "fuzz targets in $(FUZZ_DIR); run one with make fuzz-run TARGET=WireMessage FUZZ_SECONDS=600"

## fuzz-run: run one fuzz target (TARGET=...) for FUZZ_SECONDS on its corpus; findings land in $(FUZZ_DIR)
fuzz-run: fuzz
	cd $(FUZZ_DIR) && ./fuzz-$(TARGET) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
		-artifact_prefix=finding-$(TARGET)- corpus-$(TARGET)

## crash-test: the crash loop with 200 SIGKILLs (minutes) on SQLite, then again with the state in PostgreSQL (a
## throwaway cluster, as make test-postgresql); make test runs it with 10 on SQLite, make test-postgresql on PostgreSQL
CRASH_KILLS ?= 200
crash-test: deps test-deps
	swift build --build-tests $(SWIFT_FLAGS)
	SCHAKEL_CRASH_KILLS=$(CRASH_KILLS) swift test --skip-build --filter CrashLoopTests
	SCHAKEL_CRASH_KILLS=$(CRASH_KILLS) Tests/PostgreSQL/with-cluster swift test --skip-build --filter CrashLoopTests

## sanitize: every test under AddressSanitizer, then under ThreadSanitizer (own build dirs, .build-asan and
## .build-tsan). The schakeld/schakelctl processes the tests start are sanitized too; every report, theirs or the
## test runner's, goes to a file under <build dir>/reports, and any file there fails the target. Known false
## positives in third-party code are suppressed in Tests/Sanitizers/*.supp, one comment per entry.
## SCHAKEL_SANITIZER tells the tests to allow for the slowdown and to skip resident-memory bounds (the sanitizer's
## allocator, not the daemon, decides RSS there). Measured on the 2-core dev machine shared with other builds
## (23 Nov 2026, 328 tests): sanitize-address 127 s (tests 98 s, the crash loop the longest at 90 s; a clean
## .build-asan adds about 190 s), sanitize-thread 138 s (tests 133 s; a clean .build-tsan about 145 s). .ci/run runs
## sanitize-address (about 5 min from a clean clone); sanitize-thread, as long again, is run by hand.
SAN_DIR := $(CURDIR)/Tests/Sanitizers
sanitize: sanitize-address sanitize-thread

sanitize-address: deps
	rm -rf .build-asan/reports && mkdir -p .build-asan/reports
	swift build --build-tests --sanitize=address --scratch-path .build-asan $(SWIFT_FLAGS)
	SCHAKEL_SANITIZER=address ASAN_OPTIONS=log_path=$(CURDIR)/.build-asan/reports/asan:detect_leaks=1 \
	LSAN_OPTIONS=suppressions=$(SAN_DIR)/lsan.supp:print_suppressions=0 \
	SCHAKEL_BIN_DIR=$(CURDIR)/.build-asan/debug swift test --skip-build --sanitize=address --scratch-path .build-asan
	@if [ -n "$$(ls .build-asan/reports)" ]; then cat .build-asan/reports/*; \
		echo "AddressSanitizer: reports above (.build-asan/reports)"; exit 1; fi

sanitize-thread: deps
	rm -rf .build-tsan/reports && mkdir -p .build-tsan/reports
	swift build --build-tests --sanitize=thread --scratch-path .build-tsan $(SWIFT_FLAGS)
	SCHAKEL_SANITIZER=thread TSAN_OPTIONS=log_path=$(CURDIR)/.build-tsan/reports/tsan:suppressions=$(SAN_DIR)/tsan.supp:print_suppressions=0 \
	SCHAKEL_BIN_DIR=$(CURDIR)/.build-tsan/debug swift test --skip-build --sanitize=thread --scratch-path .build-tsan
	@if [ -n "$$(ls .build-tsan/reports)" ]; then cat .build-tsan/reports/*; \
		echo "ThreadSanitizer: reports above (.build-tsan/reports)"; exit 1; fi

## deb: the Debian package in .build/deb/ (deploy/README.md): release build with the Swift runtime linked
## statically, the unit, sysusers/tmpfiles, the production config, the man pages; then lintian on it
DEB_DIR := .build/deb
DEB_APT_PACKAGES := dpkg-dev lintian groff man-db binutils
deb-deps: deps
	@if ! (command -v dpkg-shlibdeps && command -v lintian && command -v groff && command -v strip) >/dev/null; then \
		echo "installing $(DEB_APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEB_APT_PACKAGES); \
	fi

deb: deb-deps
	groff -man -Tutf8 -ww -z deploy/man/schakeld.8
	groff -man -Tutf8 -ww -z deploy/man/schakelctl.1
	groff -man -Tutf8 -ww -z deploy/man/schakel-desk.8
	deploy/deb/build $(DEB_DIR)
	lintian --fail-on error $(DEB_DIR)/schakel_*.deb

## deb-test: install the package from `make deb` into a scratch root with dpkg --root, check it, run the
## installed daemon, purge it. DEB_TEST_SYSTEM=1 also installs it into this machine with apt and purges it
## again: for throwaway machines only (CI). Both need root
deb-test:
	deploy/deb/test $(DEB_DIR)/schakel_*.deb

## deb-test-systemd: boot a Debian 12 container with systemd 252 as PID 1 (systemd-nspawn), apt-get install the
## package from `make deb` in it, check what the unit promises against the live systemd (READY, STATUS=, watchdog,
## reload, credentials and CURVE, systemd-analyze security, file modes, stop under load), purge it. Needs root;
## the container's root file system is built once with debootstrap and cached in .build/systemd-root
SYSTEMD_TEST_APT_PACKAGES := systemd-container debootstrap
deb-test-systemd:
	@if ! (command -v systemd-nspawn && command -v debootstrap) >/dev/null; then \
		echo "installing $(SYSTEMD_TEST_APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(SYSTEMD_TEST_APT_PACKAGES); \
	fi
	deploy/deb/test-systemd $(DEB_DIR)/schakel_*.deb
