# test/tooling/lib.sh - sourced by the tooling tests (test_*.sh here): the
# paths run.sh exports, a scratch directory removed at exit, fail/skip
# helpers, and builders for the helper programs of this directory (compiled
# into $TESTBIN/tooling/ from test/tooling/*.c).
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=$ROOT/build}"
: "${TESTBIN:=$BUILD/test}"
MEMWATCH=$BUILD/memwatch
LIB=$BUILD/libmemwatch.so
HERE=$ROOT/test/tooling
BIN=$TESTBIN/tooling
CC=${CC:-gcc}

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

[ -x "$MEMWATCH" ] || fail "$MEMWATCH is missing (run make)"
[ -f "$LIB" ] || fail "$LIB is missing (run make)"
mkdir -p "$BIN" || fail "mkdir $BIN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memwatch-tooling.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT

need_python() {
    command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
}

# build OUT SRC... [-- CFLAGS...]: compiles helper sources (names relative to
# test/tooling/) into $BIN/OUT unless it is newer than all of them.
build() {
    out=$BIN/$1
    shift
    srcs="" flags=""
    while [ $# -gt 0 ]; do
        [ "$1" = -- ] && { shift; flags="$*"; break; }
        srcs="$srcs $HERE/$1"
        shift
    done
    # shellcheck disable=SC2086
    $CC -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -I"$ROOT/include" -o "$out.tmp.$$" $srcs $flags \
        >"$TMP/cc.log" 2>&1 || { cat "$TMP/cc.log"; fail "cannot build $out"; }
    mv -f "$out.tmp.$$" "$out"
}

# expect_in FILE TEXT : FILE contains TEXT (a fixed string).
expect_in() {
    grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "'$2' not found in $1"; }
}

# expect_not_in FILE TEXT
expect_not_in() {
    if grep -qF -- "$2" "$1"; then echo "--- $1:"; cat "$1"; fail "'$2' found in $1"; fi
}

# the_dir DUMP : the one process directory under DUMP.
the_dir() {
    set -- "$1"/*.[0-9]*
    [ $# -eq 1 ] && [ -d "$1" ] || fail "expected one process directory, got: $*"
    echo "$1"
}

# value_of FILE NAME : the hex address a helper printed as "NAME=0x...".
value_of() {
    sed -n "s/^$2=\(0x[0-9a-f]*\)\$/\1/p" "$1" | head -n 1
}

# accesses.jsonl lines of one variable, as python dicts, checked by a
# python snippet: check_accesses FILE VAR 'python condition over a (list of dicts)'
check_accesses() {
    python3 - "$1" "$2" "$3" <<'PY' || { echo "--- $1:"; cat "$1"; fail "accesses of $2: $3"; }
import json, sys
path, var, cond = sys.argv[1:4]
rows = [json.loads(l) for l in open(path) if l.strip()]
a = [r for r in rows if r.get("var") == var]
def val(h):
    return int.from_bytes(bytes.fromhex(h), "little")
sys.exit(0 if eval("(" + cond + ")") else 1)
PY
}

# build_host: $BIN/host/tooling_host, linked against host/lib/libmwtvars.so,
# loading host/plugins/libmwtplugin.so by name through its RUNPATH only.
build_host() {
    mkdir -p "$BIN/host/lib" "$BIN/host/plugins"
    build host/lib/libmwtvars.so tooling_libvars.c -- -shared -fPIC
    build host/plugins/libmwtplugin.so tooling_plugin.c -- -shared -fPIC
    build host/tooling_host tooling_host.c -- -L"$BIN/host/lib" -lmwtvars -ldl \
        -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/lib:$ORIGIN/plugins'
    # shellcheck disable=SC2034 # used by the tests that source this file
    HOST=$BIN/host/tooling_host
    unset LD_LIBRARY_PATH
}
