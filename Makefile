# salvo — build, test and install.
#
# The two set-up commands are `make run` and `make test`; both first run
# `deps`, which installs the Debian packages a fresh machine lacks, and then
# re-enter make so that pkg-config is asked only after the packages exist.
#
# Layout of the build:
#   build/libsalvo.a   sim/*.c — the engine. Compiled WITHOUT SDL flags, so a
#                      stray #include <SDL.h> under sim/ fails to build.
#   build/render/*.o   render/*.c — the SDL2 view, only when SDL2 is found.
#   salvo              cli/*.c + the two above. With Open MPI found
#                      (pkg-config ompi-c), cli/mpi.c is built with it and
#                      `salvo batch --mpi` works; else --mpi says there is
#                      no MPI. Only cli/mpi.o sees MPI's headers; sim/ never.
#                      NO_MPI=1 builds without MPI even when it is there.
#   build/test_salvo   tests/test_*.c, one Check suite per file, gathered by
#                      tests/runner.c through the generated build/suites.h.
# `make sanitize` repeats the test build in build-san/ with ASan + UBSan
# (including float-cast-overflow, which plain -fsanitize=undefined leaves out).
# -ffp-contract=off: no fused multiply-adds, so every build (and every
# machine of the same libm) computes the same bits.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
SALVO_VERSION := 0.1.0

OPT     ?= -O2
SAN     ?=
WARN    := -Wall -Wextra -Wpedantic -Werror
BASEFLAGS := -std=c11 $(OPT) -g $(WARN) -ffp-contract=off -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
             -DSALVO_VERSION='"$(SALVO_VERSION)"' $(SAN)
PKG     := pkg-config

# Quiet build: one "CC file" line per step; `make V=1` prints the commands.
ifeq ($(V),1)
Q  :=
SAY := @:
else
Q  := @
SAY := @printf '  %-6s %s\n'
endif

CJSON_CFLAGS := $(shell $(PKG) --cflags libcjson 2>/dev/null)
CJSON_LIBS   := $(shell $(PKG) --libs libcjson 2>/dev/null || echo -lcjson)
CHECK_CFLAGS := $(shell $(PKG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG) --libs check 2>/dev/null || echo -lcheck)
HAVE_SDL     := $(shell $(PKG) --exists sdl2 SDL2_ttf SDL2_image 2>/dev/null && echo 1)
ifeq ($(HAVE_SDL),1)
SDL_CFLAGS   := $(shell $(PKG) --cflags sdl2 SDL2_ttf SDL2_image)
SDL_LIBS     := $(shell $(PKG) --libs sdl2 SDL2_ttf SDL2_image)
VIEW_DEF     := -DSALVO_HAVE_VIEW=1
endif

ifneq ($(NO_MPI),1)
HAVE_MPI     := $(shell $(PKG) --exists ompi-c 2>/dev/null && echo 1)
endif
ifeq ($(HAVE_MPI),1)
MPI_CFLAGS   := $(shell $(PKG) --cflags ompi-c) -DSALVO_HAVE_MPI=1
MPI_LIBS     := $(shell $(PKG) --libs ompi-c)
endif

SIM_SRC    := $(sort $(wildcard sim/*.c))
CLI_SRC    := $(sort $(wildcard cli/*.c))
RENDER_SRC := $(if $(HAVE_SDL),$(sort $(wildcard render/*.c)))
REPORT_SRC := $(sort $(wildcard report/*.c))
TEST_SRC   := $(sort $(wildcard tests/test_*.c))
# The oracle (tests/oracle/, docs/oracle.md): linked into the test runner
# (suite_oracle) and, with its main.c, into build/oracle for `make oracle`.
ORACLE_SRC := $(filter-out tests/oracle/main.c,$(sort $(wildcard tests/oracle/*.c)))

SIM_OBJ    := $(SIM_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
RENDER_OBJ := $(RENDER_SRC:%.c=$(BUILD)/%.o)
REPORT_OBJ := $(REPORT_SRC:%.c=$(BUILD)/%.o)
ORACLE_OBJ := $(ORACLE_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/runner.o $(ORACLE_OBJ)
LIB        := $(BUILD)/libsalvo.a
LIBS       := $(CJSON_LIBS) -lpthread -lm

GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

.PHONY: all deps run test check-run bench sanitize install uninstall clean screenshot bless oracle
all: salvo

deps:
	@sh tools/deps.sh

# `make run`: the default scenario's Monte Carlo batch, then its report
# (an HTML page of charts: docs/report.md).
RUN_REPORT := $(BUILD)/korea-russia-2024-report.html
run: deps
	@$(MAKE) --no-print-directory salvo
	@mkdir -p $(BUILD)
	./salvo batch scenarios/korea-russia-2024.json --runs 10000 --json $(BUILD)/korea-russia-2024.json \
	  --report $(RUN_REPORT)
	@echo "the report: file://$(abspath $(RUN_REPORT))"

test: deps
	@$(MAKE) --no-print-directory check-run

check-run: $(BUILD)/test_salvo salvo
	CK_FORK=no $(BUILD)/test_salvo

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench salvo
	$(BUILD)/bench
	SALVO=./salvo sh tools/bench-batch.sh

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 \
	  SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  SALVO_BIN=build-san/salvo check-run

# The engine: no SDL flags here, on purpose.
$(BUILD)/sim/%.o: sim/%.c $(wildcard sim/*.h)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(BASEFLAGS) $(CJSON_CFLAGS) -Isim -c $< -o $@

$(LIB): $(SIM_OBJ)
	@rm -f $@
	$(SAY) AR $@
	$(Q)ar rcs $@ $^

$(BUILD)/render/%.o: render/%.c $(wildcard render/*.h) $(wildcard sim/*.h)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(BASEFLAGS) $(SDL_CFLAGS) $(CJSON_CFLAGS) -Isim -Irender -c $< -o $@

# The report writer: reads summaries (cJSON), writes HTML and SVG. No SDL;
# from sim/ it uses only the calendar, the JSON reader, diagnostics and
# atomic files.
$(BUILD)/report/%.o: report/%.c $(wildcard report/*.h) $(wildcard sim/*.h)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(BASEFLAGS) $(CJSON_CFLAGS) -Isim -Ireport -c $< -o $@

# cli/mpi.c alone is compiled against MPI (when found).
$(BUILD)/cli/mpi.o: CLI_MPI := $(MPI_CFLAGS)
$(BUILD)/cli/%.o: cli/%.c $(wildcard cli/*.h) $(wildcard sim/*.h) $(wildcard render/*.h) $(wildcard report/*.h)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(BASEFLAGS) $(VIEW_DEF) $(CLI_MPI) $(CJSON_CFLAGS) -DSALVO_GIT='"$(GIT_REV)"' -DSALVO_DATADIR='"$(PREFIX)/share/salvo"' -Isim -Irender -Ireport -Icli -c $< -o $@

SALVO_BIN ?= salvo
$(SALVO_BIN): $(CLI_OBJ) $(RENDER_OBJ) $(REPORT_OBJ) $(LIB)
	$(SAY) LD $@
	$(Q)$(CC) $(BASEFLAGS) -o $@ $(CLI_OBJ) $(RENDER_OBJ) $(REPORT_OBJ) $(LIB) $(SDL_LIBS) $(MPI_LIBS) $(LIBS)

ifneq ($(SALVO_BIN),salvo)
salvo: $(SALVO_BIN)
endif

# Test runner: every `Suite *suite_NAME(void)` definition in tests/test_*.c
# is gathered, once: a prototype (the same line ending in ';') is not one.
$(BUILD)/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -h '^Suite \*suite_[a-z0-9_]*(void) *$$' $(TEST_SRC) | sed 's/^Suite \*\(suite_[a-z0-9_]*\)(void) *$$/X(\1)/' > $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/suites.h $(wildcard tests/*.h) $(wildcard tests/oracle/*.h) $(wildcard sim/*.h) $(wildcard render/*.h) $(wildcard report/*.h)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(BASEFLAGS) $(VIEW_DEF) $(CHECK_CFLAGS) $(CJSON_CFLAGS) $(if $(HAVE_SDL),$(SDL_CFLAGS)) \
	  -DSALVO_BIN='"$(SALVO_BIN)"' $(if $(HAVE_MPI),-DSALVO_BIN_MPI=1) -Isim -Irender -Ireport -Itests -I$(BUILD) -c $< -o $@

# The suites link cli/fmt.o too: the view's debrief words numbers with the
# terminal's formatter, and test_view_exercise checks they say the same.
TEST_CLI_OBJ := $(BUILD)/cli/fmt.o
$(BUILD)/test_salvo: $(TEST_OBJ) $(TEST_CLI_OBJ) $(RENDER_OBJ) $(REPORT_OBJ) $(LIB)
	$(SAY) LD $@
	$(Q)$(CC) $(BASEFLAGS) -o $@ $(TEST_OBJ) $(TEST_CLI_OBJ) $(RENDER_OBJ) $(REPORT_OBJ) $(LIB) $(SDL_LIBS) $(CHECK_LIBS) $(LIBS)

$(BUILD)/bench: $(BUILD)/tests/bench.o $(LIB)
	$(SAY) LD $@
	$(Q)$(CC) $(BASEFLAGS) -o $@ $^ $(LIBS)

# `make oracle`: ORACLE_N generated deterministic scenarios (seeds from
# ORACLE_FROM) checked against the independent reference integrator;
# discrepancies are saved under build/oracle-out/ (docs/oracle.md).
ORACLE_N    ?= 10000
ORACLE_FROM ?= 1
oracle: deps
	@$(MAKE) --no-print-directory $(BUILD)/oracle
	$(BUILD)/oracle -n $(ORACLE_N) --from $(ORACLE_FROM) --dir $(BUILD)/oracle-out

$(BUILD)/oracle: $(BUILD)/tests/oracle/main.o $(ORACLE_OBJ) $(LIB)
	$(SAY) LD $@
	$(Q)$(CC) $(BASEFLAGS) -o $@ $^ $(LIBS)

# `make install` copies the binary, the scenarios, the base map, the man page
# (its /usr/local paths rewritten to PREFIX) and the documents; the binary
# finds the scenarios by name beside itself (PREFIX/bin/../share/salvo),
# wherever the tree is copied, and in the PREFIX it was built for.
DOCS := docs/cli.md docs/batch.md docs/scenario.md docs/models.md docs/view.md docs/fuzzing.md \
        docs/report.md docs/trace.md docs/trace.schema.json docs/exercises.md docs/validation.md \
        docs/reliability.md docs/oracle.md README.md
install: $(SALVO_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/salvo/scenarios/verify \
	  $(DESTDIR)$(PREFIX)/share/salvo/scenarios/exercises \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/salvo
	install -m 755 $(SALVO_BIN) $(DESTDIR)$(PREFIX)/bin/salvo
	install -m 644 scenarios/*.json $(DESTDIR)$(PREFIX)/share/salvo/scenarios/
	install -m 644 scenarios/verify/*.json $(DESTDIR)$(PREFIX)/share/salvo/scenarios/verify/
	install -m 644 scenarios/exercises/*.json $(DESTDIR)$(PREFIX)/share/salvo/scenarios/exercises/
	if [ -d assets ] && ls assets/* >/dev/null 2>&1; then install -d $(DESTDIR)$(PREFIX)/share/salvo/assets; \
	  install -m 644 assets/*.* $(DESTDIR)$(PREFIX)/share/salvo/assets/; fi
	sed 's|/usr/local|$(PREFIX)|g' docs/salvo.1 > $(DESTDIR)$(PREFIX)/share/man/man1/salvo.1
	chmod 644 $(DESTDIR)$(PREFIX)/share/man/man1/salvo.1
	for f in $(DOCS); do [ -f $$f ] && install -m 644 $$f $(DESTDIR)$(PREFIX)/share/doc/salvo/; done; true
	if ls docs/*.png >/dev/null 2>&1; then install -m 644 docs/*.png $(DESTDIR)$(PREFIX)/share/doc/salvo/; fi
	install -m 755 tools/salvo-slurm.sh $(DESTDIR)$(PREFIX)/share/doc/salvo/salvo-slurm.sh

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/salvo $(DESTDIR)$(PREFIX)/share/man/man1/salvo.1
	rm -rf $(DESTDIR)$(PREFIX)/share/salvo $(DESTDIR)$(PREFIX)/share/doc/salvo

clean:
	rm -rf build build-san build-fuzz build-fuzz-cli salvo

# Regenerate the golden runs after a deliberate change to a model; review
# `git diff tests/golden` before committing.
bless: $(BUILD)/test_salvo
	SALVO_BLESS=1 SALVO_SUITE=suite_golden CK_FORK=no $(BUILD)/test_salvo

# `make screenshot`: regenerate docs/view.png (the picture the README shows):
# the default scenario on 2024-10-15, rendered headless with the software
# renderer. Seed 5 is a replication with ships at sea that morning.
SHOT_SCENARIO ?= scenarios/korea-russia-2024.json
SHOT_SEED     ?= 5
SHOT_ARGS     := --screenshot docs/view.png --at 2024-10-15 --size 1600x900
# It also regenerates docs/report.png: the top of the default batch's report
# (2,000 replications, seed 1, dated by the last commit), drawn by chromium
# headless; without chromium that step says so and is skipped.
REPORT_SHOT_ARGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars
screenshot: salvo
	@mkdir -p docs $(BUILD)
	@if command -v chromium >/dev/null 2>&1; then \
	  SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) ./salvo batch $(SHOT_SCENARIO) \
	    --runs 2000 --seed 1 --quiet --json $(BUILD)/shot-summary.json --report $(BUILD)/shot-report.html >/dev/null && \
	  prof=$$(mktemp -d) && chromium $(REPORT_SHOT_ARGS) --user-data-dir=$$prof --window-size=1280,1700 \
	    --screenshot=$(CURDIR)/docs/report.png file://$(abspath $(BUILD)/shot-report.html) >/dev/null 2>&1; \
	  rm -rf "$$prof"; echo "wrote docs/report.png"; \
	 else echo "screenshot: chromium not found (apt-get install chromium): docs/report.png not regenerated"; fi
	@if [ -f $(SHOT_SCENARIO) ]; then ./salvo view $(SHOT_SCENARIO) --seed $(SHOT_SEED) $(SHOT_ARGS); \
	 else echo "screenshot: $(SHOT_SCENARIO) not found; using tests/data/sample.jsonl"; \
	      ./salvo view --trace tests/data/sample.jsonl $(SHOT_ARGS); fi
	@echo "wrote docs/view.png"

# `make fuzz`: libFuzzer harnesses (tests/fuzz/, docs/fuzzing.md), built with
# clang + ASan + UBSan into build-fuzz/, then run by tests/fuzz/run.sh: each
# replays its committed corpus (seeds and every past crasher) and fuzzes for
# FUZZ_SECONDS. Skipped, with a message, when clang or its libFuzzer runtime
# is missing. Not part of `make test`.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_NAMES   := json scenario set trace
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# `make fuzz-cli`: whole-scenario mutation fuzzing through the real binary
# (tests/fuzz/cli_fuzz.py): mutants of the shipped and verify scenarios go
# through validate, then run, then a 3-run batch, built with ASan + UBSan
# (float-cast-overflow included) in build-san/, each step under a timeout.
# FUZZ_CLI_SECONDS (default 60) and FUZZ_CLI_SEED choose the run. Findings go
# to build-fuzz-cli/findings/. Not part of `make test`.
FUZZ_CLI_SECONDS ?= 60
FUZZ_CLI_SEED    ?= 1
.PHONY: fuzz-cli
fuzz-cli: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 \
	  SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  SALVO_BIN=build-san/salvo build-san/salvo
	python3 tests/fuzz/cli_fuzz.py build-san/salvo $(FUZZ_CLI_SECONDS) build-fuzz-cli $(FUZZ_CLI_SEED)

.PHONY: fuzz fuzz-build
fuzz:
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	  echo "fuzz: skipped: $(FUZZ_CC) not found (apt-get install clang libclang-rt-14-dev)"; \
	elif ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return (int)(d[0] * 0 + n * 0); }\n' | \
	     $(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	  echo "fuzz: skipped: $(FUZZ_CC) cannot link libFuzzer (apt-get install libclang-rt-14-dev)"; \
	else \
	  $(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT=-O1 SAN="$(FUZZ_SAN)" fuzz-build && \
	  FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_NAMES); \
	fi

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_run.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -fsanitize=fuzzer $(CJSON_CFLAGS) -Isim -o $@ $< $(LIB) $(LIBS)
