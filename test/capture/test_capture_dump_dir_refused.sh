#!/bin/sh
# Proves a dump directory that cannot be used is refused cleanly: with
# MEMWATCH_DUMP_DIR
#   - under a missing parent (/nonexistent/x, and one under the scratch
#     directory),
#   - naming a regular file,
#   - or with a symbolic link where the process directory <exe>.<pid> goes
#     (planted by the program before it makes code, planted by a wrapper
#     shell that then execs the program, and a dangling one),
# a program that makes code says on stderr exactly one line, which mentions
# memwatch; it runs unharmed (same stdout, same exit status 3); nothing is
# created in place of the missing parent or the file, and nothing at all is
# written through the link: its target stays empty (or absent), the link
# stays a link, nothing else appears in the dump directory.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_refuse
P="$CAPBIN/prog_refuse"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 3 ] || fail "the program does not exit with 3 without the library (exit $rc): $(cat "$TMP/plain.out")"
[ -s "$TMP/plain.err" ] && fail "the program writes on stderr by itself: $(cat "$TMP/plain.err")"

# refused CASE: the program ran as without the library and said one line.
refused() {
    [ "$rc" -eq 3 ] || fail "$1: exit status $rc, expected 3; stdout: $(cat "$TMP/lib.out") stderr: $(cat "$TMP/lib.err")"
    same_output "$TMP/plain" "$TMP/lib"
    _lines=$(wc -l <"$TMP/lib.err")
    [ "$_lines" -eq 1 ] && [ "$(wc -c <"$TMP/lib.err")" -gt 1 ] ||
        fail "$1: expected exactly one line on stderr, got $_lines: $(cat "$TMP/lib.err")"
    grep -qi memwatch "$TMP/lib.err" || fail "$1: the stderr line does not mention memwatch: $(cat "$TMP/lib.err")"
    echo "$1: $(cat "$TMP/lib.err")"
}

# A missing parent.
if [ ! -e /nonexistent ]; then
    run_lib "$TMP/lib" /nonexistent/x "$P"
    refused "missing parent /nonexistent"
    [ -e /nonexistent ] && { rm -rf /nonexistent; fail "/nonexistent was created"; }
fi
run_lib "$TMP/lib" "$TMP/missing/x" "$P"
refused "missing parent"
[ -e "$TMP/missing" ] && fail "missing parent: $TMP/missing was created"

# A regular file in the dump directory's place.
printf 'keep me\n' >"$TMP/file"
run_lib "$TMP/lib" "$TMP/file" "$P"
refused "a regular file"
[ -f "$TMP/file" ] && [ ! -L "$TMP/file" ] && [ "$(cat "$TMP/file")" = "keep me" ] ||
    fail "a regular file: the file was changed"

# no_trace CASE DUMP TARGET LINK: only the link in DUMP, the target untouched.
no_trace() {
    [ -L "$4" ] || fail "$1: $4 is no longer a symbolic link"
    [ "$(readlink "$4")" = "$3" ] || fail "$1: the link now points to $(readlink "$4")"
    [ "$(ls -A "$2")" = "$(basename "$4")" ] || fail "$1: the dump directory holds: $(ls -A "$2" | tr '\n' ' ')"
    if [ -e "$3" ]; then
        [ -z "$(ls -A "$3")" ] || fail "$1: written through the link: $(ls -A "$3" | tr '\n' ' ')"
    fi
}

# A symbolic link planted by the program itself at <exe>.<getpid()>.
mkdir -m 700 "$TMP/dump1" "$TMP/elsewhere1"
run_lib "$TMP/lib" "$TMP/dump1" MWT_PLANT="$TMP/elsewhere1" "$P"
refused "a link planted by the program"
set -- "$TMP"/dump1/prog_refuse.*
[ $# -eq 1 ] && [ -L "$1" ] || fail "a link planted by the program: the link is not there ($*)"
no_trace "a link planted by the program" "$TMP/dump1" "$TMP/elsewhere1" "$1"

# A symbolic link planted by a wrapper that then execs the program (exec
# keeps the pid, so the wrapper knows the name); only the program is
# preloaded.
mkdir -m 700 "$TMP/dump2" "$TMP/elsewhere2"
rc=0
timeout -s KILL 120 sh -c 'ln -s "$1" "$2/prog_refuse.$$" || exit 99
    export LD_PRELOAD="$3" MEMWATCH_DUMP_DIR="$2"; exec "$4"' \
    wrapper "$TMP/elsewhere2" "$TMP/dump2" "$LIB" "$P" >"$TMP/lib.out" 2>"$TMP/lib.err" || rc=$?
[ "$rc" -ne 99 ] || fail "the wrapper could not plant its link"
refused "a link planted by a wrapper"
set -- "$TMP"/dump2/prog_refuse.*
no_trace "a link planted by a wrapper" "$TMP/dump2" "$TMP/elsewhere2" "$1"

# A dangling link: following it would create the target.
mkdir -m 700 "$TMP/dump3"
run_lib "$TMP/lib" "$TMP/dump3" MWT_PLANT="$TMP/not-there" "$P"
refused "a dangling link"
set -- "$TMP"/dump3/prog_refuse.*
no_trace "a dangling link" "$TMP/dump3" "$TMP/not-there" "$1"
[ -e "$TMP/not-there" ] && fail "a dangling link: its target was created"
echo "ok"
