#!/bin/sh
# Proves that after exec the new image captures again: a program that
# generates code, then execs itself (the preload carries over) and
# generates other code leaves both captures in its <exe>.<pid> directory
# (exec keeps the pid): one line per image, seq 1 then 2 (order within the
# directory), the second with the second image's bytes, at its own address,
# and capture_sequence 1 - a region of the new image.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_exec

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
images = facts["image"]
expect([i[0] for i in images] == ["1", "2"], "the program did not run two images: %r" % images)
pid = num(images[0][1])
expect(num(images[1][1]) == pid, "exec changed the pid")
codes = [code_of(c) for c in facts["code"]]
expect(entries(dump) == ["prog_exec.%d" % pid], "the dump holds %r" % entries(dump))
caps = load(proc_dir(dump, "prog_exec", pid))
expect(len(caps) == 2, "expected a capture from each image, got %d: %s" % (len(caps), show(caps)))
for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
    w = "image %d capture" % (i + 1)
    expect(c["a"] == addr and c["fa"] == addr and c["rip"] == addr and c["rg"] == addr and c["n"] == 4096,
           "%s: %s, expected the page %#x" % (w, show([c]), addr))
    expect(c["cs"] == 1, "%s: capture_sequence %d, expected 1" % (w, c["cs"]))
    expect(c["tid"] == pid, "%s: tid %d, expected %d" % (w, c["tid"], pid))
    expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s, expected %s" % (w, c["data"][:11].hex(), code.hex()))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
