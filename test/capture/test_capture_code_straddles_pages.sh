#!/bin/sh
# Proves code straddling two pages is captured exactly: a function starting
# 16 bytes before a page boundary whose `mov eax, imm32` crosses it.
#   phase 1 (both pages written): one capture of both pages, or two captures
#     (page 1 at the call, page 2 at the fetch across the boundary) whose
#     bytes together are the function;
#   phase 2 (only the immediate on page 2 rewritten): one capture of page 2,
#     fault_addr the boundary, regs.rip the straddling instruction - the
#     execution fault is told as such although the fetch began on page 1;
#   phase 3 (only page 1 rewritten): one capture of page 1 at the function;
#   phase 4 (one 8-byte store across the boundary rewrote both pages): as
#     phase 1.
# Every capture holds the pages exactly as they were (code and zeros), all
# of one region with capture_sequence 1, 2, 3...; the results are right.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_straddle

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
base = num(one(facts, "base")[0])
fn = num(one(facts, "fn")[0])
mov = fn + 15
page2 = base + 4096
expect(fn == base + 4096 - 16, "the function is not where the program put it")
images = []
for c in facts["code"]:
    addr, code = code_of(c)
    img = bytearray(8192)
    img[fn - base:fn - base + len(code)] = code
    images.append(bytes(img))
expect(len(images) == 4, "the program did not run four phases")
caps = load(proc_dir(dump, "prog_straddle", pid))
s = show(caps)

def same_pages(c, img, w):
    off = c["a"] - base
    expect(c["data"] == img[off:off + c["n"]], "%s: the captured bytes are not the pages as they ran" % w)

def is_page1(c):
    return c["a"] == base and c["n"] == 4096 and c["fa"] == fn and c["rip"] == fn

def is_page2(c):
    return c["a"] == page2 and c["n"] == 4096 and c["fa"] == page2 and c["rip"] == mov

def both_pages(caps, phase, img):
    """Both pages written: one capture of both, or page 1 then page 2."""
    expect(len(caps) >= 1, "phase %d: no capture: %s" % (phase, s))
    if caps[0]["n"] == 8192:
        c = caps[0]
        expect(c["a"] == base and c["fa"] == fn and c["rip"] == fn,
               "phase %d in one capture must be both pages, fault at the function: %s" % (phase, s))
        used = caps[:1]
    else:
        expect(len(caps) >= 2 and is_page1(caps[0]) and is_page2(caps[1]),
               "phase %d in two captures must be page 1 at the function, then page 2 at the boundary: %s" % (phase, s))
        used = caps[:2]
    for c in used:
        same_pages(c, img, "phase %d capture seq %d" % (phase, c["seq"]))
    return caps[len(used):]

rest = both_pages(caps, 1, images[0])
expect(len(rest) >= 2, "phases 2 and 3 need a capture each: %s" % s)
expect(is_page2(rest[0]), "phase 2: expected page 2 alone, fault_addr the boundary %#x, rip the mov %#x: %s" % (page2, mov, s))
same_pages(rest[0], images[1], "phase 2")
expect(is_page1(rest[1]), "phase 3: expected page 1 alone, fault_addr and rip the function %#x: %s" % (fn, s))
same_pages(rest[1], images[2], "phase 3")
expect(not both_pages(rest[2:], 4, images[3]), "more captures than the phases made: %s" % s)
for i, c in enumerate(caps):
    expect(c["rg"] == base, "capture seq %d: region %#x, expected %#x" % (c["seq"], c["rg"], base))
    expect(c["cs"] == i + 1, "capture seq %d: capture_sequence %d, expected %d" % (c["seq"], c["cs"], i + 1))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
