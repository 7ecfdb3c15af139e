#!/bin/sh
# Proves identical content is stored once: writing the same code again
# (write, call, rewrite the same bytes, call) still gives a captures.jsonl
# line per execution, capture_sequence 1, 2, ..., but lines with the same
# bytes name the same bytes of the pack (same offset) and carry the same
# hash; the pack holds each distinct content once (X, X, Y, X: four lines,
# two times 4 KiB in code.pack, the directory no other file).
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_same_content

check '
import os, sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
fn = num(one(facts, "fn")[0])
codes = [code_of(c)[1] for c in facts["code"]]
pdir = proc_dir(dump, "prog_same_content", pid)
caps = load(pdir)
expect(len(caps) == 4, "expected 4 captures (one per execution after a write), got %d: %s" % (len(caps), show(caps)))
for i, (c, code) in enumerate(zip(caps, codes)):
    expect(c["cs"] == i + 1, "capture %d: capture_sequence %d, expected %d" % (i + 1, c["cs"], i + 1))
    expect(c["a"] == fn and c["fa"] == fn and c["rip"] == fn and c["n"] == 4096, "capture %d is not the page at its call: %s" % (i + 1, show([c])))
    expect(c["data"] == code + bytes(4096 - len(code)), "capture %d: bytes %s..., expected %s" % (i + 1, c["data"][:8].hex(), code.hex()))
x = caps[0]
for i in (1, 3):
    expect(caps[i]["off"] == x["off"] and caps[i]["hash"] == x["hash"],
           "capture %d has the bytes of capture 1 but offset %d hash %s (capture 1: %d %s)"
           % (i + 1, caps[i]["off"], caps[i]["hash"], x["off"], x["hash"]))
expect(caps[2]["off"] != x["off"] and caps[2]["hash"] != x["hash"], "different bytes share an offset or hash")
expect(sorted(os.listdir(pdir)) == ["captures.jsonl", PACK], "the directory holds %r" % sorted(os.listdir(pdir)))
size = os.path.getsize(os.path.join(pdir, PACK))
expect(size == 2 * 4096, "code.pack holds %d bytes, expected the two contents (8192) after a normal exit" % size)
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
