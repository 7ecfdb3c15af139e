#!/bin/sh
# Proves that after exec the new image captures again, into the same pack:
# a program that generates code, then execs itself (the preload carries
# over) and generates the same code and then other code leaves all three
# captures in its <exe>.<pid> directory (exec keeps the pid): seq 1, 2, 3
# (order within the directory), each with its image's bytes at its own
# address, capture_sequence 1 then 1, 2 - regions of each image.  The
# second image appends to code.pack after the first image's bytes (which
# stay as they were) and does not store the first image's content again.
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
expect(len(caps) == 3, "expected one capture from image 1 and two from image 2, got %d: %s" % (len(caps), show(caps)))
for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
    w = "capture %d (image %d)" % (i + 1, 1 if i == 0 else 2)
    expect(c["a"] == addr and c["fa"] == addr and c["rip"] == addr and c["rg"] == addr and c["n"] == 4096,
           "%s: %s, expected the page %#x" % (w, show([c]), addr))
    expect(c["cs"] == [1, 1, 2][i], "%s: capture_sequence %d, expected %d" % (w, c["cs"], [1, 1, 2][i]))
    expect(c["tid"] == pid, "%s: tid %d, expected %d" % (w, c["tid"], pid))
    expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s, expected %s" % (w, c["data"][:11].hex(), code.hex()))
expect(caps[1]["off"] == caps[0]["off"], "image 2 stored the content of image 1 again (offsets %d, %d)"
       % (caps[0]["off"], caps[1]["off"]))
expect(caps[2]["off"] >= caps[0]["off"] + caps[0]["n"], "image 2 wrote its new bytes at %d, inside the bytes of image 1 [%d, %d)"
       % (caps[2]["off"], caps[0]["off"], caps[0]["off"] + caps[0]["n"]))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
