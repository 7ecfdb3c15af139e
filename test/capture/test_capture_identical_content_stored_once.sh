#!/bin/sh
# Proves identical content is stored once: writing the same code again
# (write, call, rewrite the same bytes, call) still gives a captures.jsonl
# line per execution, capture_sequence 1, 2, ..., but lines with the same
# bytes name the same raw file and carry the same hash; the directory holds
# one raw file per distinct content (X, X, Y, X: four lines, two files).
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
    expect(caps[i]["file"] == x["file"] and caps[i]["hash"] == x["hash"],
           "capture %d has the bytes of capture 1 but file %s hash %s (capture 1: %s %s)"
           % (i + 1, caps[i]["file"], caps[i]["hash"], x["file"], x["hash"]))
expect(caps[2]["file"] != x["file"] and caps[2]["hash"] != x["hash"], "different bytes share a file or hash")
raw = sorted(f for f in os.listdir(pdir) if f not in ("captures.jsonl", "accesses.jsonl"))
expect(raw == sorted({x["file"], caps[2]["file"]}), "expected exactly the two raw files, the directory holds %r" % raw)
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
