# test/capture/lib.sh - what the capture tests share (sourced, not run):
# building their programs, running them with and without the library, a
# scratch directory, and failing with a reason.
#
# Set by test/run.sh: ROOT, BUILD, TESTBIN (defaults for running by hand:
# `sh test/capture/test_x.sh` from the repository root).  MWT_KEEP=1 keeps
# the scratch directory for a look afterwards.

set -u
: "${ROOT:=$(pwd)}"
: "${BUILD:=$ROOT/build}"
: "${TESTBIN:=$BUILD/test}"
export ROOT BUILD TESTBIN

CAPBIN="$TESTBIN/capture"
CAPSRC="$ROOT/test/capture"

# The environment of whoever runs the tests must not leak into them.
unset LD_PRELOAD MEMWATCH_DUMP_DIR MEMWATCH_CAPTURE MEMWATCH_LOG MEMWATCH_WATCH MWT_INFO MWT_PLANT

fail() {
    echo "FAIL: $*"
    exit 1
}

skip() {
    echo "$*"
    exit 77
}

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
[ -f "$BUILD/libmemwatch.so" ] || fail "$BUILD/libmemwatch.so is not built (make build/libmemwatch.so)"
# shellcheck disable=SC3045 # dash and bash have it; without, a crash test may leave a core
ulimit -c 0 2>/dev/null || :
mkdir -p "$CAPBIN" || fail "cannot make $CAPBIN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mwcap.XXXXXX") || fail "mktemp"
if [ "${MWT_KEEP:-0}" = 1 ]; then
    echo "scratch directory: $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
    trap 'rm -rf "$TMP"; exit 1' INT TERM
fi

# A snapshot of the library: a rebuild while the test runs must not make a
# program start without it (ld.so would only warn and run it bare).
LIB="$TMP/libmemwatch.so"
cp "$BUILD/libmemwatch.so" "$LIB" || fail "cannot copy $BUILD/libmemwatch.so"

# build_prog NAME: test/capture/NAME.c -> $CAPBIN/NAME
build_prog() {
    gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -I"$CAPSRC" \
        -o "$CAPBIN/$1" "$CAPSRC/$1.c" || fail "cannot build $1"
}

# run_plain OUT PROG [ARGS...]: PROG without the library; stdout in OUT.out,
# stderr in OUT.err, the exit status in $rc.
run_plain() {
    _out=$1
    shift
    rc=0
    MWT_INFO="$_out.info" timeout -s KILL 120 "$@" >"$_out.out" 2>"$_out.err" || rc=$?
}

# run_lib OUT DUMP [VAR=VALUE...] PROG [ARGS...]: PROG preloaded (only PROG:
# env execs it in place, so nothing else loads the library), dumping into
# DUMP; OUT.out, OUT.err, OUT.info (the program's facts), $rc as above.
run_lib() {
    _out=$1 _dump=$2
    shift 2
    rc=0
    MWT_INFO="$_out.info" timeout -s KILL 120 env LD_PRELOAD="$LIB" MEMWATCH_DUMP_DIR="$_dump" "$@" \
        >"$_out.out" 2>"$_out.err" || rc=$?
}

# quiet OUT: the library said nothing on the program's stderr.
quiet() {
    [ -s "$1.err" ] && fail "stderr with the library: $(head -c 600 "$1.err")"
    return 0
}

# same_output PLAINOUT LIBOUT: the program said the same with and without us.
same_output() {
    cmp -s "$1.out" "$2.out" || fail "stdout differs with the library: $(diff "$1.out" "$2.out" | head -n 10 | tr '\n' ' ')"
}

# run_both NAME: builds prog NAME (as $P), runs it without and with the
# library (into $TMP/dump); both succeed, say the same, and the library says
# nothing on stderr.
run_both() {
    build_prog "$1"
    P="$CAPBIN/$1"
    run_plain "$TMP/plain" "$P"
    [ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
    run_lib "$TMP/lib" "$TMP/dump" "$P"
    [ "$rc" -eq 0 ] || fail "exit status $rc with the library; stdout: $(cat "$TMP/lib.out") stderr: $(cat "$TMP/lib.err")"
    same_output "$TMP/plain" "$TMP/lib"
    quiet "$TMP/lib"
}

# check PYTHON-SOURCE [ARGS...]: runs the checks with dumpcheck importable;
# the arguments reach it as sys.argv[1:].
check() {
    _src=$1
    shift
    PYTHONPATH="$CAPSRC${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 python3 -c "$_src" "$@" ||
        fail "the dump does not hold what it should (see above)"
}
