# lastroom build.
#
#   make            release build: bin/lastroomd, bin/lastroom-load
#   make SAN=1      the same under AddressSanitizer + UBSan, into build/san/bin
#   make test       sanitizer build, private PostgreSQL, every test; ends "N passed, N failed"
#   make demo       the main job (see README.md)
#   make demo-cluster  the race tests through scripts/cluster.sh (Patroni, HAProxy, PgBouncer)
#   make bench      side-by-side benchmarks (bench/)
#   make fuzz       libFuzzer harnesses, each for a bounded time
#   make format     every C file laid out by clang-format (.clang-format); make test checks it
#   make install    programs, --help texts, scripts, migrations (PREFIX, DESTDIR); install-load: the tester alone
#   make docs-screenshot   docs/report.png: the quick race run's HTML report in Chromium
#   make O=build/x SAN=1 build/x/bin/lastroomd   one target into a folder of its own
#
# Sources are found by wildcard, so adding a module is adding its .c file:
#   src/common/*.c            what more than one program uses (dates, durations)
#   src/server/*.c            lastroomd (src/server/main.c holds main)
#   src/load/{,engine/,booking/,script/}*.c  lastroom-load: the engine, the booking
#                             scenarios, Lua scripts, main
#   src/proxy/*.c             lastroom-faultproxy, the fault-injecting TCP proxy
#   tests/unit/test_srv_*.c   unit tests linked with server objects (all but main)
#   tests/unit/test_load_*.c  unit tests linked with load objects (all but main)
#   tests/unit/test_proxy_*.c unit tests linked with proxy objects (all but main)
#   tests/unit/test_common_*.c unit tests linked with common only
#   tests/db/*.c              database tests (libpq, threads), linked with common
# Each program links only the libraries it uses.

include flags.mk

CC      ?= cc
SERVER_PKGS := libpq libmicrohttpd jansson libsodium
LOAD_PKGS   := libpq jansson openssl zlib lua5.4
TEST_PKGS   := check
ALL_PKGS    := $(SERVER_PKGS) $(LOAD_PKGS) $(TEST_PKGS)
SERVER_LIBS := $(call pkgs_libs,$(SERVER_PKGS)) -lpthread -lm
LOAD_LIBS   := $(call pkgs_libs,$(LOAD_PKGS)) -lhttp_parser -lpthread -lm
PROXY_LIBS  := -lpthread
TEST_LIBS   := $(call pkgs_libs,$(TEST_PKGS))
DB_LIBS     := $(call pkgs_libs,libpq) -lpthread -lm

CFLAGS  ?= -O2 -g
CFLAGS  += $(BASE_CFLAGS) $(call pkgs_cflags,$(ALL_PKGS))
LDFLAGS ?=

# Building needs the -dev packages; say so in one line instead of a page of errors.
# The goals that install them first (demo, test, bench, fuzz) and clean skip the check.
NO_DEPS_GOALS := demo demo-cluster test bench fuzz clean deps mutants install-deps docs-screenshot format
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell pkg-config --exists $(ALL_PKGS) 2>/dev/null && test -f /usr/include/http_parser.h && echo ok),ok)
$(error missing build dependencies: run 'scripts/deps.sh' (as root or with sudo) to install them)
endif
endif

# O=DIR puts objects, programs and tests under DIR (for parallel builds in one tree).
ifeq ($(SAN),1)
BUILD   := build/san
BIN     := build/san/bin
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD   := build/release
BIN     := bin
endif
ifneq ($(O),)
BUILD   := $(O)
BIN     := $(O)/bin
endif

COMMON_SRC := $(wildcard src/common/*.c)
SERVER_SRC := $(wildcard src/server/*.c)
LOAD_SRC   := $(wildcard src/load/*.c src/load/engine/*.c src/load/booking/*.c src/load/script/*.c)
PROXY_SRC  := $(wildcard src/proxy/*.c)
MIGRATIONS := $(sort $(wildcard db/migrations/*.sql))
FUNCTIONS  := $(sort $(wildcard db/functions/*.sql))

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o $(BUILD)/gen/openapi.o
LOAD_OBJ   := $(LOAD_SRC:%.c=$(BUILD)/%.o)
PROXY_OBJ  := $(PROXY_SRC:%.c=$(BUILD)/%.o)
SERVER_LIB_OBJ := $(filter-out $(BUILD)/src/server/main.o,$(SERVER_OBJ))
LOAD_LIB_OBJ   := $(filter-out $(BUILD)/src/load/main.o,$(LOAD_OBJ))
PROXY_LIB_OBJ  := $(filter-out $(BUILD)/src/proxy/main.o,$(PROXY_OBJ))

UNIT_SRV    := $(wildcard tests/unit/test_srv_*.c)
UNIT_LOAD   := $(wildcard tests/unit/test_load_*.c)
UNIT_PROXY  := $(wildcard tests/unit/test_proxy_*.c)
UNIT_COMMON := $(wildcard tests/unit/test_common_*.c)
DB_TESTS    := $(wildcard tests/db/*.c)
TEST_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRV) $(UNIT_LOAD) $(UNIT_PROXY) $(UNIT_COMMON)) \
               $(DB_TESTS:tests/db/%.c=$(BUILD)/tests/db_%)

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

PROGRAMS := $(BIN)/lastroomd $(BIN)/lastroom-load $(BIN)/lastroom-faultproxy

.PHONY: all tests test demo demo-cluster mutants bench fuzz format clean install install-load docs-screenshot
all: $(PROGRAMS)
tests: $(PROGRAMS) $(TEST_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC    $<')
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The migrations and functions are compiled into lastroomd so that it applies them at start.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(FUNCTIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-migrations.sh $(MIGRATIONS) -- $(FUNCTIONS) > $@
$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
# So is the OpenAPI document, as JSON, served at GET /openapi.json.
$(BUILD)/gen/openapi.c: docs/openapi.yaml scripts/embed-openapi.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-openapi.sh docs/openapi.yaml > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/openapi.o: $(BUILD)/gen/openapi.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The lastroom.lastroomd module of scripts is Lua, compiled into lastroom-load as a string.
$(BUILD)/gen/lastroomd_lua.h: src/load/script/lastroomd.lua
	@mkdir -p $(dir $@)
	$(Q)sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/src/load/script/lsql.o: $(BUILD)/gen/lastroomd_lua.h
$(BUILD)/src/load/script/lsql.o: CFLAGS += -I$(BUILD)/gen

# link: the one recipe every program and test uses ($1: the libraries).
define link
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(1)
endef

$(BIN)/lastroomd: $(SERVER_OBJ) $(COMMON_OBJ)
	$(call link,$(SERVER_LIBS))
$(BIN)/lastroom-load: $(LOAD_OBJ) $(COMMON_OBJ)
	$(call link,$(LOAD_LIBS))
$(BIN)/lastroom-faultproxy: $(PROXY_OBJ)
	$(call link,$(PROXY_LIBS))

$(BUILD)/tests/test_srv_%: tests/unit/test_srv_%.c $(SERVER_LIB_OBJ) $(COMMON_OBJ)
	$(call link,$(TEST_LIBS) $(SERVER_LIBS))
$(BUILD)/tests/test_load_%: tests/unit/test_load_%.c $(LOAD_LIB_OBJ) $(COMMON_OBJ)
	$(call link,$(TEST_LIBS) $(LOAD_LIBS))
$(BUILD)/tests/test_proxy_%: tests/unit/test_proxy_%.c $(PROXY_LIB_OBJ)
	$(call link,$(TEST_LIBS) $(PROXY_LIBS))
$(BUILD)/tests/test_common_%: tests/unit/test_common_%.c $(COMMON_OBJ)
	$(call link,$(TEST_LIBS) -lm)
$(BUILD)/tests/db_%: tests/db/%.c $(COMMON_OBJ)
	$(call link,$(TEST_LIBS) $(DB_LIBS))

# make test: dependencies, the sanitizer build, then tests/run.sh against it.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory SAN=1 tests
	@LASTROOM_BIN=build/san/bin LASTROOM_TESTBIN=build/san/tests tests/run.sh

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# make mutants: each mutant of tests/mutants/ applied to a scratch database and caught
# by the check its header names (the table, then "mutants: K of N caught").
mutants:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory SAN=1 tests
	@LASTROOM_BIN=build/san/bin scripts/mutants.sh

demo-cluster:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo-cluster.sh

bench:
	@LASTROOM_BENCH_DEPS=1 scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@bench/run.sh

fuzz:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -f fuzz/Makefile run

format:
	git ls-files -z '*.c' '*.h' | xargs -0 clang-format -i

# make install: as Debian packaging expects (PREFIX, DESTDIR). Each program's --help
# goes to share/doc/lastroom/PROGRAM.txt; the scripts, the migrations and the
# functions to share/lastroom/. make install-load: lastroom-load and its text alone.
PREFIX  ?= /usr/local
DESTDIR ?=
INST_BIN   := $(DESTDIR)$(PREFIX)/bin
INST_DOC   := $(DESTDIR)$(PREFIX)/share/doc/lastroom
INST_SHARE := $(DESTDIR)$(PREFIX)/share/lastroom
define install_program
	install -d $(INST_BIN) $(INST_DOC)
	install -m 755 $(BIN)/$(1) $(INST_BIN)/$(1)
	$(BIN)/$(1) --help >$(INST_DOC)/$(1).txt 2>&1 || test -s $(INST_DOC)/$(1).txt
endef
install-load: $(BIN)/lastroom-load
	$(call install_program,lastroom-load)
install: $(PROGRAMS) install-load
	$(call install_program,lastroomd)
	$(call install_program,lastroom-faultproxy)
	install -d $(INST_SHARE)/scripts $(INST_SHARE)/load-tests $(INST_SHARE)/db/migrations $(INST_SHARE)/db/functions
	install -m 755 scripts/*.sh $(INST_SHARE)/scripts/
	install -m 755 load-tests/*.sh $(INST_SHARE)/load-tests/
	install -m 644 load-tests/*.lua $(INST_SHARE)/load-tests/
	install -m 644 $(MIGRATIONS) $(INST_SHARE)/db/migrations/
	install -m 644 $(FUNCTIONS) $(INST_SHARE)/db/functions/
	install -m 644 db/seed.sql $(INST_SHARE)/db/
	install -m 644 README.md docs/*.md $(INST_DOC)/

# The screenshot load_race.sh takes of the report, kept as docs/report.png.
docs-screenshot:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory SAN=1 tests
	@LASTROOM_SCREENSHOT_OUT=$(CURDIR)/docs/report.png LASTROOM_BIN=build/san/bin \
	  LASTROOM_TESTBIN=build/san/tests tests/run.sh load_race

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
