# test/attach/lib.sh - what the attach tests share (sourced): the capture
# tests' helpers (test/capture/lib.sh), and a target process that waits at
# a safe point until the test lets it go.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

ATBIN="$TESTBIN/attach"
ATSRC="$ROOT/test/attach"
mkdir -p "$ATBIN" || fail "cannot make $ATBIN"
MEMWATCH="$BUILD/memwatch"
[ -x "$MEMWATCH" ] && [ -f "$BUILD/memwatch-agent.so" ] || fail "memwatch or its agent is not built (make)"
# The library memwatch loads into the target: the snapshot (a rebuild must
# not change it under a running test), its agent beside it.
cp "$BUILD/memwatch-agent.so" "$TMP/memwatch-agent.so" || fail "cannot copy the agent"
export MEMWATCH_LIB="$LIB"

# build_target NAME [static]: test/attach/NAME.c -> $ATBIN/NAME[_static]
build_target() {
    _suffix=${2:+_$2}
    gcc ${2:+-static} -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -I"$CAPSRC" \
        -o "$ATBIN/$1$_suffix" "$ATSRC/$1.c" || fail "cannot build $1$_suffix"
}

# start_target OUT PROG: runs PROG OUT.fifo in the background (stdout in
# OUT.out, facts in OUT.info) and waits until it says it is ready; sets
# TARGET (its pid, from the info file) and TARGET_JOB (the job to wait for).
start_target() {
    _o=$1
    rm -f "$_o.fifo" "$_o.info"
    mkfifo "$_o.fifo" || fail "mkfifo"
    MWT_INFO="$_o.info" timeout -s KILL 120 "$2" "$_o.fifo" >"$_o.out" 2>"$_o.err" &
    TARGET_JOB=$!
    _i=0
    until grep -q '^ready' "$_o.info" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -lt 500 ] || fail "the target never said it was ready"
        kill -0 $TARGET_JOB 2>/dev/null || fail "the target ended before it was ready: $(cat "$_o.err")"
        sleep 0.02
    done
    TARGET=$(sed -n 's/^pid //p' "$_o.info")
}

# finish_target OUT: lets the target go on and waits for it; its exit
# status in $rc.
finish_target() {
    printf x >"$1.fifo"
    rc=0
    wait $TARGET_JOB || rc=$?
}

# attach [OPTIONS...]: memwatch --pid $TARGET OPTIONS; stdout+stderr in
# $TMP/attach.said, the exit status in $arc.
attach() {
    arc=0
    timeout -s KILL 60 "$MEMWATCH" --pid "$TARGET" "$@" >"$TMP/attach.said" 2>&1 || arc=$?
}

# attach_run PROG OPTIONS...: PROG run to its end without memwatch (status 3),
# then again with `memwatch --pid` OPTIONS given while it waits; memwatch
# must succeed and say so, the program end with 3 and say the same.
attach_run() {
    _p=$1
    shift
    start_target "$TMP/plain" "$_p"
    finish_target "$TMP/plain"
    [ "$rc" -eq 3 ] || fail "without memwatch the program ends with $rc, expected 3"
    start_target "$TMP/t" "$_p"
    before_attach
    attach "$@"
    [ "$arc" -eq 0 ] || fail "memwatch --pid: exit status $arc: $(cat "$TMP/attach.said")"
    grep -q "pid $TARGET .*watched now" "$TMP/attach.said" || fail "memwatch said: $(cat "$TMP/attach.said")"
    after_attach
    finish_target "$TMP/t"
    [ "$rc" -eq 3 ] || fail "the attached program ended with $rc, expected 3: $(cat "$TMP/t.err")"
    same_output "$TMP/plain" "$TMP/t"
    quiet "$TMP/t"
}
# A test's own steps while the target waits, before and after the attach.
before_attach() { :; }
after_attach() { :; }

# check_attached PYTHON-SOURCE: check, with attachcheck importable too.
check_attached() {
    PYTHONPATH="$ATSRC" check "$@"
}
