# libmemwatch: build, test, bench, demo, install.
#
#   make                 build/libmemwatch.so and build/memwatch
#   make test            every test, ending with "N passed, N failed"
#   make bench           the fault-cost table (ratios to a bare SIGSEGV round trip)
#   make demo            the bundled expression JIT under the launcher, then its report
#   make fuzz            the whole differential corpus (see test/diff/)
#   make sanitize        the library with UBSan and the tests that allow ASan
#   make install PREFIX=/usr/local   /   make uninstall PREFIX=...

PREFIX  ?= /usr/local
CC      ?= gcc
BUILD   := build

WARN    := -Wall -Wextra -Werror
CSTD    := -std=gnu11
OPT     ?= -O2 -g
CFLAGS_LIB := $(CSTD) $(OPT) $(WARN) -fPIC -fvisibility=hidden -D_GNU_SOURCE \
              -Iinclude -I. $(EXTRA_CFLAGS)
LDFLAGS_LIB := -shared -Wl,-z,now -Wl,-z,noexecstack -Wl,-z,relro \
               -Wl,--no-undefined -Wl,-soname,libmemwatch.so $(EXTRA_LDFLAGS)
LIBS_LIB := -lZydis -lZycore -lpthread -ldl

LIB_SRC := $(wildcard core/*.c) $(wildcard trampoline/*.c) $(wildcard preload/*.c)
LIB_ASM := $(wildcard trampoline/*.S)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(patsubst %.S,$(BUILD)/obj/%.o,$(LIB_ASM))

TOOL_SRC := $(wildcard tools/*.c)
TOOL_HDR := $(wildcard tools/*.h)

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all test bench demo fuzz sanitize install uninstall clean deps
all: $(BUILD)/libmemwatch.so $(BUILD)/memwatch

# The dependency check runs once per build tree: it installs what is missing
# when root, or stops with the exact apt-get line to run.
$(DEPS_STAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_STAMP)

$(BUILD)/obj/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_LIB) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.S $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(CFLAGS_LIB) -MMD -MP -c $< -o $@

-include $(LIB_OBJ:.o=.d)

$(BUILD)/libmemwatch.so: $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_LIB) -o $@ $(LIB_OBJ) $(LIBS_LIB)

$(BUILD)/memwatch: $(TOOL_SRC) $(TOOL_HDR) $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	$(CC) $(CSTD) $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude -I. -o $@ $(TOOL_SRC) -lZydis -lZycore -ljansson \
	    -DMEMWATCH_LIBDIR_DEFAULT='"$(abspath $(BUILD))"'

test: all
	@sh test/run.sh

bench: all
	@sh bench/run.sh

demo: all
	@sh examples/demo.sh

fuzz: all
	@sh test/diff/fuzz.sh full

sanitize:
	@sh test/sanitize.sh

install: all
	@sh scripts/install.sh install "$(PREFIX)" "$(DESTDIR)"

uninstall:
	@sh scripts/install.sh uninstall "$(PREFIX)" "$(DESTDIR)"

clean:
	rm -rf $(BUILD)
