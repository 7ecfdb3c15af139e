#!/bin/sh
# Proves that after fork each process writes into its own <exe>.<pid>
# directory, also when a JIT thread is capturing while the process forks.
# The parent's holds its main thread's captures from before and after the
# fork (tid the parent's pid, capture_sequence 1, 2) and all 200 of the
# thread's (capture_sequence 1..200, its tid), seq 1..202.  The child's, a
# separate 0700 directory named with the child's pid, holds only the
# child's captures, seq from 1, tid the child's pid, bytes exactly what the
# child ran - the inherited page it rewrote and a page of its own
# (capture_sequence 1 there), in a code.pack of its own from offset 0.
# Nothing of one lands in the other's.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_fork

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
parent = num(one(facts, "parent")[0])
child, child_tid = (num(x) for x in one(facts, "child"))
expect(child_tid == child, "the child main thread id is not its pid")
expect(entries(dump) == sorted(["prog_fork.%d" % parent, "prog_fork.%d" % child]),
       "expected the two process directories, the dump holds %r" % entries(dump))
busy_tid, busy_page = (num(x) for x in one(facts, "busy"))
for who, pid, key in (("parent", parent, "parent_code"), ("child", child, "child_code")):
    codes = [code_of(c) for c in facts[key]]
    caps = load(proc_dir(dump, "prog_fork", pid))
    if who == "parent":
        busy = [c for c in caps if c["rg"] == busy_page]
        caps = [c for c in caps if c["rg"] != busy_page]
        expect(len(busy) == 200, "parent: %d captures of the thread, expected 200" % len(busy))
        for i, c in enumerate(busy):
            w = "thread capture %d" % (i + 1)
            expect(c["cs"] == i + 1 and c["tid"] == busy_tid and c["a"] == busy_page and c["fa"] == busy_page,
                   "%s: %s, expected capture_sequence %d by tid %d at %#x" % (w, show([c]), i + 1, busy_tid, busy_page))
            expect(c["data"][:6] == bytes([0xb8]) + (0x3000 + i).to_bytes(4, "little") + bytes([0xc3]), "%s: bytes %s" % (w, c["data"][:6].hex()))
    expect(len(caps) == len(codes), "%s: %d captures, expected %d: %s" % (who, len(caps), len(codes), show(caps)))
    for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
        w = "%s capture %d" % (who, i + 1)
        if who == "child":
            expect(c["seq"] == i + 1, "%s: seq %d, expected %d (a child starts at 1)" % (w, c["seq"], i + 1))
        expect(c["tid"] == pid, "%s: tid %d, expected %d" % (w, c["tid"], pid))
        expect(c["a"] == addr and c["fa"] == addr and c["rip"] == addr and c["n"] == 4096, "%s: %s, expected the page %#x" % (w, show([c]), addr))
        expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s, expected %s" % (w, c["data"][:6].hex(), code.hex()))
    if who == "parent":
        expect([c["cs"] for c in caps] == [1, 2], "parent: capture_sequence %r, expected [1, 2]" % [c["cs"] for c in caps])
    else:
        expect(caps[1]["cs"] == 1, "child: its own new page has capture_sequence %d, expected 1" % caps[1]["cs"])
        expect(caps[0]["off"] == 0, "child: its first capture is at offset %d of its code.pack, not 0 (a pack of its own)"
               % caps[0]["off"])
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
