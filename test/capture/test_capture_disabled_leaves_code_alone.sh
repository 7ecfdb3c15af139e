#!/bin/sh
# Proves MEMWATCH_CAPTURE=0 leaves code alone: with it, a program that
# makes code (RWX, and RW then mprotect RX) sees its pages with exactly the
# protections it asked for in /proc/self/maps (rwxp, r-xp - nothing taken
# away), prints exactly what it prints without the library, and no
# captures are written (no process directory, no captures.jsonl).
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_capture_off
P="$CAPBIN/prog_capture_off"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
grep -q "rwx page is rwxp" "$TMP/plain.out" || fail "the program does not see its RWX page as rwxp even without the library"
run_lib "$TMP/lib" "$TMP/dump" MEMWATCH_CAPTURE=0 "$P"
[ "$rc" -eq 0 ] || fail "exit status $rc with the library; stdout: $(cat "$TMP/lib.out") stderr: $(cat "$TMP/lib.err")"
same_output "$TMP/plain" "$TMP/lib"
quiet "$TMP/lib"

check '
import os, sys
from dumpcheck import *
dump = sys.argv[1]
found = [os.path.join(r, n) for r, ds, fs in os.walk(dump) for n in ds + fs]
expect(not found, "MEMWATCH_CAPTURE=0 still left %r" % found)
' "$TMP/dump"
echo "ok"
