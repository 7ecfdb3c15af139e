#!/bin/sh
# Proves calls that name huge ranges still handle the tracked pages inside
# them (the ordered index walks only those): with code pages and a watched
# variable inside a 4 GiB PROT_NONE reservation, mprotect of the whole 4
# GiB read+write and then PROT_NONE, mremap of the whole 4 GiB elsewhere,
# and munmap of it.  The code region keeps its capture_sequence through all
# of it (1..4, the fourth at the address it moved to) and is forgotten with
# the munmap (a new region starts at 1); every capture holds exactly the
# code that ran; the watch still traps after the whole reservation was
# made read+write.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_huge_reserve

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
region, moved, fresh = (num(one(facts, k)[0]) for k in ("region", "moved", "fresh"))
codes = [code_of(c) for c in facts["code"]]
caps = load(proc_dir(dump, "prog_huge_reserve", pid))
expect(len(caps) == 5, "expected 5 captures, got %d: %s" % (len(caps), show(caps)))
want = [(region, 1), (region, 2), (region, 3), (moved, 4), (fresh, 1)]
for i, (c, (addr, code), (rg, cs)) in enumerate(zip(caps, codes, want)):
    w = "capture %d" % (i + 1)
    expect(c["rg"] == rg and c["cs"] == cs, "%s: region %#x capture_sequence %d, expected %#x and %d: %s"
           % (w, c["rg"], c["cs"], rg, cs, show([c])))
    expect(c["fa"] == addr, "%s: fault at %#x, expected the code at %#x" % (w, c["fa"], addr))
    expect(at(c, addr, len(code)) == code, "%s: bytes %s at %#x, expected %s" % (w, at(c, addr, len(code)).hex(), addr, code.hex()))
traps = [int(t[0]) for t in facts.get("traps", [])]
expect(traps == [1, 2], "trap counts after the two stores: %r, expected [1, 2]" % traps)
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
