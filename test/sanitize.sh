#!/bin/sh
# make sanitize: the library built with UBSan (trapping on the first report),
# and every C test program built with ASan+UBSan and linked against it.
# ASan's own SIGSEGV handler is left out (handle_segv=0): the library owns
# SIGSEGV, and a fault that is not ours still reaches the program's handler
# or kills it.  Tests listed in SANITIZE_SKIP cannot run under ASan, with the
# reason beside them.  Ends with "N passed, N failed" like make test.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB="$ROOT/build/sanitize"
make -C "$ROOT" --no-print-directory BUILD="$SB" OPT="-O1 -g -fsanitize=undefined -fno-sanitize-recover=all" \
    EXTRA_LDFLAGS="-fsanitize=undefined" "$SB/libmemwatch.so" >/dev/null || exit 1
mkdir -p "$SB/test"
cc -O2 -o "$SB/test/runone" "$ROOT/test/support/runone.c"
# test : reason
SANITIZE_SKIP="
test_watch_stack_push_pop_call_ret: switches rsp to a custom stack, which ASan's stack checks reject
test_signal_program_altstack_overflow: ASan reserves its own alternate stack for stack overflows
test_api_trio_bad_calls_print_one_line: counts stderr lines, and ASan adds its own
test_api_watch_at_the_mapping_limit_fails_cleanly: fills the mapping limit, where ASan's own allocator cannot map and aborts
"
export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:allow_user_segv_handler=1:detect_leaks=0:use_sigaltstack=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
pass=0 fail=0 skip=0
for src in $(find "$ROOT/test" -name 'test_*.c' | sort); do
    name=$(basename "$src" .c)
    case "$src" in */capture/*|*/tooling/*|*/diff/*|*/clients/*) continue ;; esac
    reason=$(echo "$SANITIZE_SKIP" | sed -n "s/^$name: //p")
    if [ -n "$reason" ]; then echo "SKIP  $name: $reason"; skip=$((skip + 1)); continue; fi
    expect=$(sed -n '1,25s/.*test-expect:[[:space:]]*signal \([A-Z]*\).*/--expect-signal \1/p' "$src" | head -n1)
    cflags=$(sed -n '1,25s/.*test-cflags:[[:space:]]*\([^*]*\).*/\1/p' "$src" | head -n1)
    needs=$(sed -n '1,25s/.*test-needs:[[:space:]]*\([^*]*\).*/\1/p' "$src" | head -n1 | tr -d ' ')
    if [ -n "$needs" ] && ! grep -qw "$needs" /proc/cpuinfo; then continue; fi
    bin="$SB/test/$name"
    # An engine unit test (test-modes: objects) links the library's objects.
    link="-L$SB -lmemwatch -Wl,-rpath,$SB -lpthread"
    if sed -n '1,25p' "$src" | grep -q 'test-modes:[[:space:]]*objects'; then
        link="$(find "$SB/obj" -name '*.o' | sort | tr '\n' ' ') -lZydis -lZycore -lpthread -ldl"
    fi
    # shellcheck disable=SC2086
    if ! cc -std=gnu11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all $cflags \
        -I"$ROOT/include" -I"$ROOT" -I"$ROOT/test/support" "$src" -o "$bin" $link >"$bin.log" 2>&1; then
        echo "FAIL  $name: does not build"; fail=$((fail + 1)); continue
    fi
    # shellcheck disable=SC2086
    if "$SB/test/runone" $expect -- "$bin" >"$bin.out" 2>&1; then
        echo "ok    $name"; pass=$((pass + 1))
    else
        echo "FAIL  $name: $(tail -n 4 "$bin.out" | tr '\n' ' ')"; fail=$((fail + 1))
    fi
done
echo "$skip skipped"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
