#!/bin/sh
# scripts/memwatch.gdb under gdb -batch: a program whose watched variable
# faults 1000 times runs through them without a stop and, when it then
# writes through NULL, gdb stops at that instruction in the program's own
# function (crash_here) with the program's backtrace; without the crash it
# exits normally.
. "$(dirname "$0")/lib.sh"
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"
build tooling_crash tooling_crash.c
prog=$BIN/tooling_crash
gdb -nx -batch -ex run --args /bin/true >"$TMP/probe" 2>&1 && grep -q 'exited normally' "$TMP/probe" ||
    skip "gdb cannot run programs here: $(grep -v '^$' "$TMP/probe" | tail -n 1)"

run_gdb() { # out args...
    out=$1
    shift
    gdb -nx -batch -x "$ROOT/scripts/memwatch.gdb" \
        -ex "set exec-wrapper env LD_PRELOAD=$LIB MEMWATCH_WATCH=g_hits MEMWATCH_DUMP_DIR=$TMP/out" \
        -ex run -ex bt --args "$prog" "$@" >"$out" 2>&1
}

run_gdb "$TMP/crash.txt"
expect_in "$TMP/crash.txt" "hits 1000"
expect_in "$TMP/crash.txt" "a real crash"
expect_in "$TMP/crash.txt" "Program received signal SIGSEGV"
[ "$(grep -c 'Program received signal' "$TMP/crash.txt")" -eq 1 ] || fail "gdb stopped more than once"
grep -Eq '^#0 +(0x[0-9a-f]+ in )?crash_here' "$TMP/crash.txt" || { cat "$TMP/crash.txt"; fail "not stopped in crash_here"; }
grep -Eq '^#1 .* main ' "$TMP/crash.txt" || { cat "$TMP/crash.txt"; fail "no main in the backtrace"; }
# The faults before were the library's and were logged.
[ "$(cat "$TMP"/out/*/accesses.jsonl | wc -l)" -gt 1000 ] || fail "the watched accesses were not all handled"

run_gdb "$TMP/clean.txt" nocrash
expect_in "$TMP/clean.txt" "hits 1000"
expect_in "$TMP/clean.txt" "exited normally"
expect_not_in "$TMP/clean.txt" "Program received signal"
echo "ok"
