#!/bin/sh
# Proves a statically linked JIT program launched through memwatch is
# captured as a dynamic one is: every version it runs - 50 in-place rewrites
# of an RWX page, 20 rounds of the mprotect cycle, 200 versions on each of
# two threads' own pages - is one capture holding exactly the bytes the
# program wrote (the rest of the page zeros), capture_sequence 1..N per
# region, by the thread that ran it, seq 1..total; stdout and the exit
# status are the program's own, memwatch says nothing on stderr.
# shellcheck source=test/static/lib.sh
. "$ROOT/test/static/lib.sh"

run_both_static prog_static_jit

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
caps = load(proc_dir(dump, "prog_static_jit", pid))
expect(entries(dump) == ["prog_static_jit.%d" % pid], "the dump holds %r" % entries(dump))

def versions(region, codes, tid, what):
    mine = [c for c in caps if c["rg"] == region]
    expect(len(mine) == len(codes), "%s: %d captures, %d versions ran" % (what, len(mine), len(codes)))
    for i, (c, (addr, code)) in enumerate(zip(mine, codes)):
        w = "%s version %d" % (what, i + 1)
        expect(c["cs"] == i + 1, "%s: capture_sequence %d" % (w, c["cs"]))
        expect(c["a"] == region == addr and c["n"] == 4096 and c["fa"] == addr and c["rip"] == addr, "%s: %s" % (w, show([c])))
        expect(c["tid"] == tid, "%s: tid %d, expected %d" % (w, c["tid"], tid))
        expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s, expected %s" % (w, c["data"][:16].hex(), code.hex()))
    return len(mine)

n = versions(num(one(facts, "rewrite")[0]), [code_of(c) for c in facts["code"]], pid, "rewrite")
n += versions(num(one(facts, "cycle")[0]), [code_of(c) for c in facts["ccode"]], pid, "mprotect cycle")
tcodes = [code_of(c) for c in facts["tcode"]]
for t, tid, page in facts["thread"]:
    page = num(page)
    n += versions(page, [c for c in tcodes if c[0] == page], int(tid), "thread %s" % t)
expect(n == 50 + 20 + 400 and len(caps) == n, "%d captures in all, %d versions ran" % (len(caps), n))
' "$TMP/dump" "$TMP/mw.info"
echo "ok"
