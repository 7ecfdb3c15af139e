#!/bin/sh
# Access lines the library still holds when the program replaces itself are
# written first: a program execs itself through execl, execlp and execle
# (four images, three watched writes each, well inside the 20 ms the log
# may hold a line), and accesses.jsonl has all twelve writes in order.
# Each call still does what libc's does: the arguments arrive, execle's
# environment is the one it passed (and keeps the library loaded).
. "$(dirname "$0")/lib.sh"
need_python
build tooling_execs tooling_execs.c
prog=$BIN/tooling_execs

"$prog" execl,execlp,execle >"$TMP/plain.out" || fail "the program fails on its own"
expect_in "$TMP/plain.out" "images=4 env=passed"
"$MEMWATCH" --dump-dir "$TMP/out" --watch g_stage:w -- "$prog" execl,execlp,execle \
    >"$TMP/run.out" 2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
cmp -s "$TMP/plain.out" "$TMP/run.out" || fail "output differs under the library: $(cat "$TMP/run.out")"

d=$(the_dir "$TMP/out")
check_accesses "$d/accesses.jsonl" g_stage "
[val(r['after']) for r in a] == [i * 10 + k for i in range(1, 5) for k in range(1, 4)]"
echo "ok"
