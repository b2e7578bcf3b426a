# lastroom build.
#
#   make            release build: bin/lastroomd, bin/lastroom-load
#   make SAN=1      the same under AddressSanitizer + UBSan, into build/san/bin
#   make test       sanitizer build, private PostgreSQL, every test; ends "N passed, N failed"
#   make demo       the main job (see README.md)
#   make bench      side-by-side benchmarks (bench/)
#   make fuzz       libFuzzer harnesses, each for a bounded time
#   make O=build/x SAN=1 build/x/bin/lastroomd   one target into a folder of its own
#
# Sources are found by wildcard, so adding a module is adding its .c file:
#   src/common/*.c            linked into both programs and every test
#   src/server/*.c            lastroomd (src/server/main.c holds main)
#   src/load/*.c              lastroom-load (src/load/main.c holds main)
#   src/proxy/*.c             lastroom-faultproxy, the fault-injecting TCP proxy
#   tests/unit/test_srv_*.c   unit tests linked with common + server objects
#   tests/unit/test_load_*.c  unit tests linked with common + load objects
#   tests/unit/test_*.c       other unit tests linked with common only
#   tests/db/*.c              database tests (libpq, threads), linked with common

CC      ?= cc
PKGS    := libpq libmicrohttpd jansson libsodium check openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lhttp_parser -lpthread -lm

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Isrc $(PKG_CFLAGS)
LDFLAGS ?=

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
LOAD_SRC   := $(wildcard src/load/*.c)
PROXY_SRC  := $(wildcard src/proxy/*.c)
MIGRATIONS := $(sort $(wildcard db/migrations/*.sql))

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
LOAD_OBJ   := $(LOAD_SRC:%.c=$(BUILD)/%.o)
PROXY_OBJ  := $(PROXY_SRC:%.c=$(BUILD)/%.o)
SERVER_LIB_OBJ := $(filter-out $(BUILD)/src/server/main.o,$(SERVER_OBJ))
LOAD_LIB_OBJ   := $(filter-out $(BUILD)/src/load/main.o,$(LOAD_OBJ))

UNIT_SRV   := $(wildcard tests/unit/test_srv_*.c)
UNIT_LOAD  := $(wildcard tests/unit/test_load_*.c)
UNIT_OTHER := $(filter-out $(UNIT_SRV) $(UNIT_LOAD),$(wildcard tests/unit/test_*.c))
DB_TESTS   := $(wildcard tests/db/*.c)
TEST_BINS  := $(UNIT_SRV:tests/unit/%.c=$(BUILD)/tests/%) \
              $(UNIT_LOAD:tests/unit/%.c=$(BUILD)/tests/%) \
              $(UNIT_OTHER:tests/unit/%.c=$(BUILD)/tests/%) \
              $(DB_TESTS:tests/db/%.c=$(BUILD)/tests/db_%)

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

PROGRAMS := $(BIN)/lastroomd $(BIN)/lastroom-load
ifneq ($(PROXY_SRC),)
PROGRAMS += $(BIN)/lastroom-faultproxy
endif

.PHONY: all tests test demo bench fuzz clean
all: $(PROGRAMS)
tests: $(PROGRAMS) $(TEST_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC    $<')
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The migrations are compiled into lastroomd so that it can apply them at start.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-migrations.sh $(MIGRATIONS) > $@
$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BIN)/lastroomd: $(SERVER_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/lastroom-load: $(LOAD_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/lastroom-faultproxy: $(PROXY_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/test_srv_%: tests/unit/test_srv_%.c $(SERVER_LIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/tests/test_load_%: tests/unit/test_load_%.c $(LOAD_LIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/tests/test_%: tests/unit/test_%.c $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/tests/db_%: tests/db/%.c $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  LD    $@')
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# make test: dependencies, the sanitizer build, then tests/run.sh against it.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory SAN=1 tests
	@LASTROOM_BIN=build/san/bin LASTROOM_TESTBIN=build/san/tests tests/run.sh

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench:
	@LASTROOM_BENCH_DEPS=1 scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@bench/run.sh

fuzz:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -f fuzz/Makefile run

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
