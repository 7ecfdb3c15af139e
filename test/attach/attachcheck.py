"""test/attach/attachcheck.py - what the attach tests check in a dump (on
top of test/capture/dumpcheck.py): the captures are exactly the versions
prog_attach_target ran after the attach, in order, byte-exact, each the
first capture of its region (the adopted RWX page included), by the main
thread."""
from dumpcheck import *


def versions_after_attach(caps, facts):
    pid = num(one(facts, "pid")[0])
    runs = [(w[0], num(w[1])) for w in facts["code"]]
    codes = [code_of(c)[1] for c in facts["bytes"]]
    expect(len(caps) == len(runs), "expected the %d versions run after the attach, got %s" % (len(runs), show(caps)))
    for c, (name, page), code in zip(caps, runs, codes):
        w = "%s (seq %d)" % (name, c["seq"])
        expect(c["a"] == page and c["rg"] == page and c["fa"] == page and c["rip"] == page and c["n"] == 4096,
               "%s: %s" % (w, show([c])))
        expect(c["cs"] == 1, "%s: capture_sequence %d, expected 1" % (w, c["cs"]))
        expect(c["tid"] == pid, "%s: tid %d, expected %d" % (w, c["tid"], pid))
        expect(c["data"] == code + bytes(4096 - len(code)),
               "%s: bytes %s, expected %s" % (w, c["data"][:16].hex(), code.hex()))
