# libmemwatch: build, test, bench, demo, install.
#
#   make                 build/libmemwatch.so, build/memwatch and build/memwatch-agent.so
#   make test            every test, ending with "N passed, N failed"
#   make bench           the fault-cost table (ratios to a bare SIGSEGV round trip), and the
#                        static-program capture cycle (ratios to the in-process floor)
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

LIB_SRC := $(wildcard core/*.c) $(wildcard trampoline/*.c) $(wildcard preload/*.c) $(wildcard inject/*.c)
LIB_ASM := $(wildcard trampoline/*.S)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(patsubst %.S,$(BUILD)/obj/%.o,$(LIB_ASM))

TOOL_SRC := $(wildcard tools/*.c) $(wildcard inject/*.c) core/syscall_gate.c
TOOL_ASM := $(wildcard tools/*.S)
TOOL_HDR := $(wildcard tools/*.h) $(wildcard inject/*.h) core/sys.h core/gate.h
TOOL_ASSETS := $(wildcard tools/html/*)
TOOL_LIBS := -lZydis -lZycore -ljansson -lyara

# The capture agent for processes the library cannot be loaded into
# (agent/agent.h): the library's own capture, dump and trap-mode sources
# plus agent/, built freestanding and position-independent, one image with
# no libc and only R_X86_64_RELATIVE relocations (checked below).  Builtins
# stay on (-ffreestanding turns them off: every small memcpy would become a
# call), but loops are never turned into calls of libc functions.
AGENT_SRC := core/arena.c core/pages.c core/fmt.c core/log.c core/mem.c core/sigaction_raw.c core/syscall_gate.c \
             trampoline/table.c trampoline/chain.c trampoline/onstack.c trampoline/fault_install.c trampoline/maps.c \
             $(wildcard trampoline/index.c) \
             preload/wx.c preload/dump.c preload/pack.c preload/resume.c preload/jitdump.c preload/interpose_mem.c preload/config.c \
             preload/seccomp.c preload/sys_trap.c preload/sigview.c preload/adopt.c preload/exec_follow.c preload/loader.c \
             $(wildcard inject/*.c) $(wildcard agent/*.c)
AGENT_OBJ := $(patsubst %.c,$(BUILD)/agent-obj/%.o,$(AGENT_SRC))
CFLAGS_AGENT := $(CSTD) $(OPT) $(WARN) -fPIC -fvisibility=hidden -D_GNU_SOURCE -DMW_AGENT -ffreestanding -fbuiltin -fno-tree-loop-distribute-patterns \
                -fno-stack-protector -fcf-protection=none -fno-plt -Iinclude -I. $(EXTRA_CFLAGS)
LDFLAGS_AGENT := -shared -nostdlib -Wl,-z,now -Wl,-z,noexecstack -Wl,-z,relro -Wl,--no-undefined \
                 -Wl,-Bsymbolic -Wl,-e,mw_agent_start -Wl,--hash-style=gnu

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all test bench demo fuzz sanitize install uninstall clean deps
all: $(BUILD)/libmemwatch.so $(BUILD)/memwatch $(BUILD)/memwatch-agent.so

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

$(BUILD)/agent-obj/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (agent)"
	@$(CC) $(CFLAGS_AGENT) -MMD -MP -c $< -o $@

-include $(AGENT_OBJ:.o=.d)

$(BUILD)/memwatch-agent.so: $(AGENT_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_AGENT) -o $@.tmp $(AGENT_OBJ) -lgcc
	@if readelf -rW $@.tmp | awk '/^ *[0-9a-f]+ +[0-9a-f]+ +R_X86_64/ && $$3 != "R_X86_64_RELATIVE" {bad=1; print} END {exit bad}'; \
	 then mv $@.tmp $@; else echo "$@: relocations other than R_X86_64_RELATIVE (see above)"; rm -f $@.tmp; exit 1; fi

$(BUILD)/libmemwatch.so: $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_LIB) -o $@ $(LIB_OBJ) $(LIBS_LIB)

$(BUILD)/memwatch: $(TOOL_SRC) $(TOOL_ASM) $(TOOL_HDR) $(TOOL_ASSETS) $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	$(CC) $(CSTD) $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude -I. -Wl,-z,now -o $@ $(TOOL_SRC) $(TOOL_ASM) \
	    $(TOOL_LIBS) -DMEMWATCH_LIBDIR_DEFAULT='"$(abspath $(BUILD))"'

test: all
	@sh test/run.sh

bench: all
	@sh bench/run.sh
	@sh bench/static.sh

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
