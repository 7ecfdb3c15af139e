#!/bin/sh
# Proves every attach that cannot be done ends memwatch with a non-zero
# status and one line naming the pid and the reason, and leaves the process
# as it was (it runs on with its own output and status, nothing of ours in
# its memory map) or simply gone:
#   a pid that does not exist; a 32-bit process; a process another tracer
#   already traces; another user's process (memwatch as nobody,
#   when the tests run as root); a process that exits during the attach;
#   a process that never reaches a safe point within the bound.
# shellcheck source=test/attach/lib.sh
. "$ROOT/test/attach/lib.sh"
# shellcheck source=test/attach/tracer.sh
. "$ROOT/test/attach/tracer.sh"

# refused PID KEYWORD [MEMWATCH-PREFIX...]: memwatch --pid PID fails with one
# line "memwatch: pid PID: ..." holding KEYWORD.
refused() {
    _pid=$1 _key=$2
    shift 2
    _rc=0
    timeout -s KILL 60 "$@" "$MEMWATCH" --pid "$_pid" --dump-dir "$TMP/dump" >"$TMP/r.out" 2>"$TMP/r.err" || _rc=$?
    [ "$_rc" -ne 0 ] || fail "pid $_pid ($_key): memwatch succeeded"
    [ "$_rc" -ne 137 ] || fail "pid $_pid ($_key): memwatch hung"
    [ ! -s "$TMP/r.out" ] || fail "pid $_pid: memwatch wrote on stdout: $(cat "$TMP/r.out")"
    [ "$(wc -l <"$TMP/r.err")" -eq 1 ] || fail "pid $_pid: expected one line, got: $(cat "$TMP/r.err")"
    grep -q "^memwatch: pid $_pid: .*$_key" "$TMP/r.err" || fail "pid $_pid: the line lacks '$_key': $(cat "$TMP/r.err")"
}

untouched() { # pid: nothing of memwatch's in its memory map
    ! grep -q "memwatch" "/proc/$1/maps" 2>/dev/null || fail "pid $1 keeps a mapping of ours: $(grep memwatch "/proc/$1/maps")"
}

# 1. no such process
none=$(($(cat /proc/sys/kernel/pid_max) - 1))
while kill -0 "$none" 2>/dev/null; do none=$((none - 1)); done
refused "$none" "no such process"

# 2. a 32-bit process
if gcc -m32 -nostdlib -static -fno-pie -no-pie -O1 -o "$ATBIN/prog_i386" "$ATSRC/prog_i386.c" 2>/dev/null &&
    "$ATBIN/prog_i386"; [ $? -eq 7 ]; then
    "$ATBIN/prog_i386" &
    job=$!
    sleep 0.1
    refused "$job" "32-bit"
    untouched "$job"
    rc=0
    wait $job || rc=$?
    [ "$rc" -eq 7 ] || fail "the 32-bit program ended with $rc after the refusal, expected 7"
else
    echo "note: no 32-bit program could be built or run here; that case is not tried"
fi

build_target prog_attach_target
P="$ATBIN/prog_attach_target"
start_target "$TMP/plain" "$P"
finish_target "$TMP/plain"

# 3. already traced by another tracer
start_target "$TMP/traced" "$P"
start_other_tracer "$TARGET"
refused "$TARGET" "already being traced by pid $TRACER (prog_tracer)"
untouched "$TARGET"
stop_other_tracer
finish_target "$TMP/traced"
[ "$rc" -eq 3 ] || fail "the traced program ended with $rc, expected 3"
same_output "$TMP/plain" "$TMP/traced"

# 4. another user's process
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    start_target "$TMP/other" "$P"
    chmod o+rx "$TMP"
    refused "$TARGET" "belongs to uid 0" setpriv --reuid=nobody --regid=nogroup --clear-groups
    untouched "$TARGET"
    finish_target "$TMP/other"
    [ "$rc" -eq 3 ] || fail "the other user's program ended with $rc, expected 3"
    same_output "$TMP/plain" "$TMP/other"
else
    echo "note: not root (or no setpriv/nobody): the other-user case is not tried"
fi

# 5. exits during the attach: no safe point, gone after 1 s
gcc -std=gnu11 -O2 -Wall -Werror -pthread -o "$ATBIN/prog_no_safe_point" "$ATSRC/prog_no_safe_point.c" ||
    fail "cannot build prog_no_safe_point"
timeout -s KILL 60 "$ATBIN/prog_no_safe_point" 1000 >"$TMP/gone.out" &
job=$!
sleep 0.2
pid=$(pgrep -P "$job" prog_no_safe || echo "$job")
refused "$pid" "exited during the attach"
rc=0
wait $job || rc=$?
[ "$rc" -eq 4 ] && [ "$(cat "$TMP/gone.out")" = "waited 1000 ms" ] || fail "the program that exited: status $rc, said $(cat "$TMP/gone.out")"

# 6. no safe point within the bound (5 s): memwatch gives up, the program runs on
timeout -s KILL 60 "$ATBIN/prog_no_safe_point" 6500 >"$TMP/busy.out" &
job=$!
sleep 0.2
pid=$(pgrep -P "$job" prog_no_safe || echo "$job")
refused "$pid" "no thread reached a safe point"
untouched "$pid"
rc=0
wait $job || rc=$?
[ "$rc" -eq 4 ] && [ "$(cat "$TMP/busy.out")" = "waited 6500 ms" ] || fail "the busy program: status $rc, said $(cat "$TMP/busy.out")"
echo "ok"
