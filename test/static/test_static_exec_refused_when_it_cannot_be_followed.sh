#!/bin/sh
# Proves an exec that the agent cannot follow - here because another tracer
# (a debugger would do) already holds the process, so the agent's helper
# cannot - is refused rather than fatal: the program's execve fails with
# EPERM, memwatch says why in one line, and the process runs on and ends by
# its own choice (it would otherwise die of SIGSYS at the new image's first
# mmap).  Without the other tracer the same program's exec is followed.
# shellcheck source=test/static/lib.sh
. "$ROOT/test/static/lib.sh"

# shellcheck source=test/attach/tracer.sh
. "$ROOT/test/attach/tracer.sh"

build_static prog_static_exec_later
P="$STBIN/prog_static_exec_later"

# start OUT: the program under memwatch, waiting; JOB and PID set
start() {
    rm -f "$1.fifo" "$1.info"
    mkfifo "$1.fifo" || fail "mkfifo"
    MWT_INFO="$1.info" timeout -s KILL 60 "$MEMWATCH" -q --dump-dir "$TMP/dump" -- "$P" "$1.fifo" >"$1.out" 2>"$1.err" &
    JOB=$!
    i=0
    until grep -q '^ready' "$1.info" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 500 ] || fail "the program never said it was ready: $(cat "$1.err")"
        sleep 0.02
    done
    PID=$(sed -n 's/^pid //p' "$1.info")
}

start "$TMP/followed"
printf x >"$TMP/followed.fifo"
rc=0
wait $JOB || rc=$?
[ "$rc" -eq 0 ] && grep -q "second image" "$TMP/followed.out" ||
    fail "the exec was not followed: status $rc, said $(cat "$TMP/followed.out" "$TMP/followed.err")"

start "$TMP/held"
start_other_tracer "$PID"
printf x >"$TMP/held.fifo"
rc=0
wait $JOB || rc=$?
stop_other_tracer
[ "$rc" -eq 1 ] || fail "the program ended with $rc (a SIGSYS death is 159), expected its own 1: $(cat "$TMP/held.err")"
grep -q "exec failed: Operation not permitted" "$TMP/held.out" || fail "the program said: $(cat "$TMP/held.out")"
[ "$(wc -l <"$TMP/held.err")" -eq 1 ] && grep -q "pid $PID: cannot follow the exec of /proc/self/exe" "$TMP/held.err" ||
    fail "memwatch said: $(cat "$TMP/held.err")"
echo "ok"
