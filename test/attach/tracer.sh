# test/attach/tracer.sh - another tracer for the tests that need a process
# someone else already traces (sourced after test/capture/lib.sh).

# start_other_tracer PID: runs test/attach/prog_tracer on PID and waits until
# it traces; TRACER is its pid.  stop_other_tracer lets go of it.
start_other_tracer() {
    gcc -std=gnu11 -O2 -Wall -Werror -o "$TESTBIN/prog_tracer" "$ROOT/test/attach/prog_tracer.c" ||
        fail "cannot build prog_tracer"
    "$TESTBIN/prog_tracer" "$1" >"$TMP/tracer.out" &
    TRACER=$!
    _i=0
    until grep -q tracing "$TMP/tracer.out" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -lt 500 ] || fail "the other tracer did not attach: $(cat "$TMP/tracer.out")"
        sleep 0.02
    done
}

stop_other_tracer() {
    kill -TERM "$TRACER" 2>/dev/null || :
    wait "$TRACER" 2>/dev/null || :
}
