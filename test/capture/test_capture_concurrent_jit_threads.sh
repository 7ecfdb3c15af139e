#!/bin/sh
# Proves concurrent JIT threads stay correct: four threads each generating
# and calling code 100 times on their own RWX page, while a writer thread
# rewrites a function on a shared page that a reader thread keeps executing
# (another function on the same page).  All results right, no crash; every
# captures.jsonl line whole and parseable, every file present with len
# bytes; each private page has exactly its 100 captures, capture_sequence
# 1..100 in order, by its own thread, each the version just written; every
# shared-page capture holds the reader's function intact and comes from the
# writer at f1 or the reader at one of f2's two instructions, and the
# writer's own captures show its versions in order.  Run three times.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_threads
P="$CAPBIN/prog_threads"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
for round in 1 2 3; do
    rm -rf "$TMP/dump" "$TMP/lib.info"
    run_lib "$TMP/lib" "$TMP/dump" "$P"
    [ "$rc" -eq 0 ] || fail "round $round: exit status $rc with the library; stdout: $(cat "$TMP/lib.out") stderr: $(cat "$TMP/lib.err")"
    same_output "$TMP/plain" "$TMP/lib"
    quiet "$TMP/lib"
    check '
import struct, sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
shared = num(one(facts, "shared")[0])
f2 = code_of(one(facts, "f2"))[1]
writer = num(one(facts, "writer")[0])
reader = num(one(facts, "reader")[0])
caps = load(proc_dir(dump, "prog_threads", pid))
expect(len(facts["private"]) == 4, "four private threads expected")
for t, tid, page in facts["private"]:
    t, tid, page = int(t), int(tid), num(page)
    mine = [c for c in caps if c["rg"] == page]
    expect(len(mine) == 100, "thread %d: %d captures of its page, expected 100" % (t, len(mine)))
    for i, c in enumerate(mine):
        w = "thread %d capture %d" % (t, i + 1)
        expect(c["cs"] == i + 1, "%s: capture_sequence %d" % (w, c["cs"]))
        expect(c["tid"] == tid, "%s: tid %d, expected %d" % (w, c["tid"], tid))
        expect(c["a"] == page and c["n"] == 4096 and c["fa"] == page and c["rip"] == page, "%s: %s" % (w, show([c])))
        code = b"\xb8" + struct.pack("<i", (t + 1) * 1000000 + i) + b"\xc3"
        expect(c["data"] == code + bytes(4090), "%s: bytes %s, expected %s" % (w, c["data"][:6].hex(), code.hex()))
sh = [c for c in caps if c["rg"] == shared]
expect(len(sh) >= 2, "the shared page was captured %d times" % len(sh))
expect(len(caps) == 400 + len(sh), "captures of unknown regions: %d lines in all" % len(caps))
last = -1
for i, c in enumerate(sh):
    w = "shared page capture %d (seq %d)" % (i + 1, c["seq"])
    expect(c["cs"] == i + 1, "%s: capture_sequence %d" % (w, c["cs"]))
    expect(c["a"] == shared and c["n"] == 4096, "%s: %s" % (w, show([c])))
    expect(c["data"][2048:2054] == f2, "%s: the reader function reads %s, expected %s" % (w, c["data"][2048:2054].hex(), f2.hex()))
    # The reader may fault on either instruction of f2 (the writer can take
    # execution away between them); only the writer makes the page writable,
    # so it faults at the start of f1 alone.
    expect((c["tid"], c["fa"]) in ((writer, shared), (reader, shared + 2048), (reader, shared + 2048 + 5)),
           "%s: tid %d fault_addr %#x is neither the writer at f1 nor the reader on f2" % (w, c["tid"], c["fa"]))
    expect(c["rip"] == c["fa"], "%s: rip %#x != fault_addr %#x" % (w, c["rip"], c["fa"]))
    if c["tid"] == writer:
        f1 = c["data"][:6]
        expect(f1[0] == 0xb8 and f1[5] == 0xc3, "%s: the writer ran f1 = %s" % (w, f1.hex()))
        v = struct.unpack("<i", f1[1:5])[0]
        expect(last < v < 1000, "%s: the writer ran version %d after version %d" % (w, v, last))
        last = v
' "$TMP/dump" "$TMP/lib.info"
done
echo "ok"
