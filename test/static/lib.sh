# test/static/lib.sh - what the static-program tests share (sourced): the
# capture tests' helpers (test/capture/lib.sh), plus building a program
# statically and running it under the memwatch launcher.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

STBIN="$TESTBIN/static"
STSRC="$ROOT/test/static"
mkdir -p "$STBIN" || fail "cannot make $STBIN"
MEMWATCH="$BUILD/memwatch"
[ -x "$MEMWATCH" ] && [ -f "$BUILD/memwatch-agent.so" ] || fail "memwatch or its agent is not built (make)"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || skip "no static C library (libc6-dev's libc.a) to link a static program"

# build_static NAME [SRCDIR]: NAME.c -> $STBIN/NAME, linked with -static
build_static() {
    gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -I"$CAPSRC" -I"$STSRC" \
        -o "$STBIN/$1" "${2:-$STSRC}/$1.c" || fail "cannot build $1 statically"
    file_says=$(od -An -c -N 4 "$STBIN/$1" | tr -d ' ')
    [ "$file_says" = '177ELF' ] || fail "$1 is not an ELF file"
}

# run_memwatch OUT DUMP PROG [ARGS...]: PROG under the launcher, dumping into
# DUMP; OUT.out, OUT.err, OUT.info, the exit status in $rc.
run_memwatch() {
    _out=$1 _dump=$2
    shift 2
    rc=0
    MWT_INFO="$_out.info" timeout -s KILL 120 "$MEMWATCH" -q --dump-dir "$_dump" -- "$@" \
        >"$_out.out" 2>"$_out.err" || rc=$?
}

# run_both_static NAME [STATUS]: builds NAME statically (as $P), runs it
# without memwatch and under it (into $TMP/dump); both end with STATUS
# (default 0), say the same on stdout, and memwatch says nothing on stderr
# (the shell's own "Segmentation fault" line for a death aside).
run_both_static() {
    build_static "$1"
    P="$STBIN/$1"
    _want=${2:-0}
    run_plain "$TMP/plain" "$P"
    [ "$rc" -eq "$_want" ] || fail "without memwatch: exit status $rc, expected $_want: $(cat "$TMP/plain.out")"
    run_memwatch "$TMP/mw" "$TMP/dump" "$P"
    [ "$rc" -eq "$_want" ] || fail "under memwatch: exit status $rc, expected $_want; stderr: $(cat "$TMP/mw.err")"
    same_output "$TMP/plain" "$TMP/mw"
    grep -v "Segmentation fault\|core dumped" "$TMP/mw.err" >"$TMP/said.err" || :
    quiet "$TMP/said"
}
