#!/bin/sh
# Proves the RW -> RX -> RW -> RX mprotect cycle: code written into a
# read+write mapping and made read+execute by mprotect, called, made
# writable again, rewritten, made executable and called, gives exactly two
# captures of the same region with capture_sequence 1 and 2, each the page
# as it ran (rip == fault_addr == the function); the program's mprotect
# calls return what they return without the library, its output unchanged.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_mprotect_cycle
P="$CAPBIN/prog_mprotect_cycle"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
run_lib "$TMP/lib" "$TMP/dump" "$P"
[ "$rc" -eq 0 ] || fail "exit status $rc with the library; stderr: $(cat "$TMP/lib.err")"
same_output "$TMP/plain" "$TMP/lib"
quiet "$TMP/lib"

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
fn = num(one(facts, "fn")[0])
codes = [code_of(c)[1] for c in facts["code"]]
caps = load(proc_dir(dump, "prog_mprotect_cycle", pid))
expect(len(caps) == 2, "expected 2 captures, got %d: %s" % (len(caps), show(caps)))
for i, (c, code) in enumerate(zip(caps, codes)):
    w = "capture %d" % (i + 1)
    expect(c["cs"] == i + 1, "%s: capture_sequence %d, expected %d" % (w, c["cs"], i + 1))
    expect(c["rg"] == fn, "%s: region %#x, expected %#x (the same region both times)" % (w, c["rg"], fn))
    expect(c["a"] == fn and c["n"] == 4096, "%s: [%#x, +%d), expected [%#x, +4096)" % (w, c["a"], c["n"], fn))
    expect(c["fa"] == fn and c["rip"] == fn, "%s: fault_addr %#x rip %#x, expected both %#x" % (w, c["fa"], c["rip"], fn))
    expect(c["tid"] == pid, "%s: tid %d, expected %d" % (w, c["tid"], pid))
    expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s..., expected %s and zeros" % (w, c["data"][:16].hex(), code.hex()))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
