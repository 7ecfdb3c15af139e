#!/bin/sh
# Proves that munmap ends a region: a new RWX mapping at the same address
# (MAP_FIXED after munmap) is a new region whose first capture has
# capture_sequence 1 again, and so is one mapped with MAP_FIXED over the
# live mapping; each capture holds exactly the new mapping's bytes.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_munmap_reuse

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
codes = [code_of(c) for c in facts["code"]]
caps = load(proc_dir(dump, "prog_munmap_reuse", pid))
expect(len(caps) == 3, "expected 3 captures, got %d: %s" % (len(caps), show(caps)))
what = ["the first mapping", "the mapping after munmap", "the mapping over the live one"]
for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
    w = "capture %d (%s)" % (i + 1, what[i])
    expect(c["cs"] == 1, "%s: capture_sequence %d, expected 1 (a new region)" % (w, c["cs"]))
    expect(c["a"] == addr and c["n"] == 4096 and c["rg"] == addr, "%s: [%#x, +%d) region %#x, expected %#x" % (w, c["a"], c["n"], c["rg"], addr))
    expect(c["fa"] == addr and c["rip"] == addr, "%s: fault_addr %#x rip %#x, expected %#x" % (w, c["fa"], c["rip"], addr))
    expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s..., expected %s and zeros" % (w, c["data"][:16].hex(), code.hex()))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
