#!/bin/sh
# Proves that mremap carries a code region to its new address: after
# MREMAP_MAYMOVE moves the page from A to B, running the unchanged code
# there captures nothing new, and rewriting it and running it is captured at
# B (addr, fault_addr, rip, region all B) with capture_sequence 2; a second
# move with MREMAP_FIXED to C goes on with 3.  Three captures in all, only
# the page that was written each time.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_mremap_move

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
codes = [code_of(c) for c in facts["code"]]
expect(len(codes) == 3, "the program did not run three versions")
caps = load(proc_dir(dump, "prog_mremap_move", pid))
expect(len(caps) == 3, "expected 3 captures (A, B after the rewrite, C), got %d: %s" % (len(caps), show(caps)))
for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
    w = "capture %d (%s)" % (i + 1, "ABC"[i])
    expect(c["a"] == addr and c["n"] == 4096, "%s: [%#x, +%d), expected the written page [%#x, +4096)" % (w, c["a"], c["n"], addr))
    expect(c["fa"] == addr and c["rip"] == addr, "%s: fault_addr %#x rip %#x, expected %#x" % (w, c["fa"], c["rip"], addr))
    expect(c["rg"] == addr, "%s: region %#x, expected the region where it now is, %#x" % (w, c["rg"], addr))
    expect(c["cs"] == i + 1, "%s: capture_sequence %d, expected %d (it goes on across mremap)" % (w, c["cs"], i + 1))
    expect(c["data"][:len(code)] == code, "%s: bytes %s, expected %s" % (w, c["data"][:len(code)].hex(), code.hex()))
    expect(c["data"][len(code):] == bytes(4096 - len(code)), "%s: the rest of the page is not zeros" % w)
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
