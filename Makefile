# cordon - a plain GNU Makefile.  `make` builds build/cordon; `make test`
# installs what is missing, builds, and runs every test suite, also under
# AddressSanitizer and UBSan.  See README.md.

CC       ?= cc
PKGS     := yaml-0.1 jansson libnftables libnftnl libmnl libnetfilter_conntrack libnetfilter_log \
            sqlite3 libpq gnutls libmicrohttpd libcurl zlib libclamav libvirt libxml-2.0 snappy libsodium \
            fmt icu-i18n cairo freetype2
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith \
            -Wundef -Wcast-align -Wno-format-nonliteral -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
# --as-needed: each binary loads only the libraries it calls (a process
# started is cheaper; the packages depend on those alone)
LDFLAGS  ?= -Wl,--as-needed
# -Ilib: headers are named by their subsystem, "policy/parse.h"; -MMD:
# each object's header dependencies, read back below
B        := build
S        := build/san
# the web console's files as the build makes them (scripts/build-console),
# unless installed elsewhere
CONSOLE_DIR ?= $(abspath $(B))/console
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Ilib -MMD -MP -DCD_VERSION='"$(VERSION)"' \
             -DCD_CONSOLE_DIR='"$(CONSOLE_DIR)"' \
             $(shell pkg-config --cflags $(PKGS))
# lib/base/dtoa.cc, the one C++ file (over fmt's Dragonbox: dtoa.h)
ALL_CXXFLAGS = -std=gnu++17 -Wall -Wextra -Werror $(CFLAGS) -Ilib -MMD -MP -fno-exceptions -fno-rtti \
               -fno-threadsafe-statics
# the tests' own headers, for the tests only
TEST_CFLAGS := -Itests/unit
LIBS     := $(shell pkg-config --libs $(PKGS)) -lm -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

LIB_SRC  := $(wildcard lib/*/*.c)
LIB_CXX  := $(wildcard lib/*/*.cc)
CLI_SRC  := $(filter-out src/cordond.c src/cordond_%.c src/cordon-agent.c src/agent_%.c,$(wildcard src/*.c))
# cordond's own files beside cordond.c
D_SRC    := $(wildcard src/cordond_*.c)
A_SRC    := $(wildcard src/agent_*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
ROOT_SRC := $(wildcard tests/root/*.c) tests/unit/main.c tests/unit/helpers.c

.PHONY: all console screenshots deps test test-unit test-cli fuzz bench demo clean golden deb test-packages
all: $(B)/cordon $(B)/cordond $(B)/cordon-agent console

# ---- the web console: its files, and the libraries from npm beside them ----
CONSOLE_SRC := $(shell find console -path console/node_modules -prune -o -type f -print 2>/dev/null)
console: $(B)/console/index.html
$(B)/console/index.html: $(CONSOLE_SRC) scripts/build-console
	@echo "  CONSOLE $(B)/console"
	@scripts/build-console $(B)/console
	@touch $@

deps:
	@./scripts/install-deps

# ---- normal build ----
$(B)/tests/%.o: ALL_CFLAGS += $(TEST_CFLAGS)
$(S)/tests/%.o: ALL_CFLAGS += $(TEST_CFLAGS)
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

$(B)/libcordon.a: $(LIB_SRC:%.c=$(B)/%.o) $(LIB_CXX:%.cc=$(B)/%.o)
	@$(AR) rcs $@ $^

$(B)/cordon: $(CLI_SRC:%.c=$(B)/%.o) $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/cordond: $(B)/src/cordond.o $(D_SRC:%.c=$(B)/%.o) $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/cordon-agent: $(B)/src/cordon-agent.o $(A_SRC:%.c=$(B)/%.o) $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/test-unit: $(UNIT_SRC:%.c=$(B)/%.o) $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/test-root: $(ROOT_SRC:%.c=$(B)/%.o) $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# the report suite's driver (tests/report/run): a sample PDF, deliveries
$(B)/rtool: $(B)/tests/report/rtool.o $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- sanitizer build (ASan + UBSan) ----
$(S)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(S)/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX san $<"
	@$(CXX) $(ALL_CXXFLAGS) $(SAN) -c -o $@ $<

$(S)/libcordon.a: $(LIB_SRC:%.c=$(S)/%.o) $(LIB_CXX:%.cc=$(S)/%.o)
	@$(AR) rcs $@ $^

$(S)/cordon: $(CLI_SRC:%.c=$(S)/%.o) $(S)/libcordon.a
	@echo "  LD san  $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(S)/cordond: $(S)/src/cordond.o $(D_SRC:%.c=$(S)/%.o) $(S)/libcordon.a
	@echo "  LD san  $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(S)/cordon-agent: $(S)/src/cordon-agent.o $(A_SRC:%.c=$(S)/%.o) $(S)/libcordon.a
	@echo "  LD san  $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(S)/test-unit: $(UNIT_SRC:%.c=$(S)/%.o) $(S)/libcordon.a
	@echo "  LD san  $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(S)/rtool: $(S)/tests/report/rtool.o $(S)/libcordon.a
	@echo "  LD san  $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- fuzzing (libFuzzer, clang) ----
FUZZ_CFLAGS = -std=gnu11 -g -O1 -Ilib -DCD_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# the library compiled once for every harness (instrumented, not linked
# with libFuzzer's main), each harness linked against it
FUZZ_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/obj/%.o) $(LIB_CXX:%.cc=$(B)/fuzz/obj/%.o)
$(B)/fuzz/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX fuzz $<"
	@clang++ -std=gnu++17 -g -O1 -Ilib -fno-exceptions -fno-rtti -fno-threadsafe-statics \
		-fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
$(B)/fuzz/libcordon.a: $(FUZZ_OBJ)
	@rm -f $@
	@ar rcs $@ $^
$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libcordon.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(B)/fuzz/libcordon.a $(LIBS)

# ---- test tools ----
$(B)/probe: tests/tools/probe.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) -std=gnu11 $(WARN) -O2 -o $@ $<

$(B)/loadagents: tests/tools/loadagents.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) -std=gnu11 $(WARN) -O2 $(shell pkg-config --cflags jansson libcurl) -o $@ $< \
		$(shell pkg-config --libs jansson libcurl)

# govmomi's vCenter simulator with the tests' vCenter-side actions: Go, in
# GOPATH mode on Debian's govmomi sources (no network)
$(B)/vcsim: tests/tools/vcsim/main.go
	@mkdir -p $(dir $@)
	@echo "  GO      $<"
	@cd tests/tools/vcsim && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
		GOCACHE=$(CURDIR)/$(B)/gocache go build -o $(CURDIR)/$@ .

# ---- the benchmark's generator ----
$(B)/gen-inventory: tests/bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $<

$(B)/gen-metrics: tests/bench/gen_metrics.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $< -lm

# ---- entry points ----
# every page of the console at 1920x1080 and 390x844, from the browser
# test's world (needs root, like make test), and the learned thresholds'
# band on a workload's and an alert's page: build/screenshots/
screenshots: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) $(B)/cordon $(B)/cordond $(B)/cordon-agent $(B)/vcsim \
		$(S)/cordon $(S)/cordond console
	@tests/console/run --screenshots $(B)/screenshots
	@tests/thresholds/run --screenshots $(B)/screenshots

# (make test builds them too: a benchmark that no longer compiles is
# found by the tests, not by the next `make bench`)
BENCHES = $(B)/gen-inventory $(B)/gen-metrics $(B)/bench-scan $(B)/bench-detect $(B)/bench-member \
	$(B)/bench-linear $(B)/bench-dataplane $(B)/bench-online $(B)/bench-mstore $(B)/bench-alerts \
	$(B)/bench-flows $(B)/bench-views $(B)/bench-report

test: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) $(B)/cordon $(B)/cordond $(B)/cordon-agent $(B)/test-unit \
		$(B)/test-root $(B)/probe $(B)/loadagents $(B)/vcsim $(S)/cordon $(S)/cordond $(S)/cordon-agent \
		$(S)/test-unit $(S)/rtool $(BENCHES) $(FUZZERS) console
	@tests/run

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/fuzz/run

bench: deps
	@$(MAKE) --no-print-directory $(B)/cordon $(B)/cordond $(B)/cordon-agent $(BENCHES) $(B)/loadagents $(B)/probe \
		$(B)/vcsim console
	@tests/bench/run

# (compiled and linked at once: -MMD's headers join $^, hence the filter)
$(B)/bench-%: tests/bench/bench_%.c $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

$(B)/bench-linear: tests/bench/linear.c $(B)/libcordon.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

demo: deps
	@$(MAKE) --no-print-directory $(B)/cordon $(B)/cordond $(B)/cordon-agent $(B)/probe $(B)/vcsim console
	@examples/demo

# Debian packages (cordon, cordond, cordon-agent) of this tree in
# build/deb/, checked by lintian: scripts/build-deb
deb: deps
	@scripts/build-deb build/deb

# the packages installed, upgraded from release 0.1.0's, enrolled, backed
# up, removed and purged on a fresh Debian 12 booted with systemd under
# QEMU (needs root; .ci/run runs it after make test)
test-packages: deps
	@tests/packages/run

# Regenerate the golden files after a deliberate change; review the diff.
golden: $(B)/cordon
	@tests/golden/run --regen

clean:
	rm -rf $(B)

-include $(shell find $(B) -path $(B)/pkgtest -prune -o -name '*.d' -type f -print 2>/dev/null)
