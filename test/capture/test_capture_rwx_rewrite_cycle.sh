#!/bin/sh
# Proves the RWX rewrite cycle: one function in one RWX page, rewritten three
# times and called after each rewrite, gives three captures in order - seq
# 1, 2, 3 and capture_sequence 1, 2, 3 of the same region, each the whole
# page exactly as it was about to run, regs.rip == fault_addr == the
# function and every other register the one the program loaded before the
# call (rsp the stack pointer after the call pushed its return address, the
# carry flag as set), tid == pid for the main thread, the bytes in the
# pack (0600) at each line's offset in a 0700 directory, hashes "0x" + 16 hex digits, timestamps non-decreasing -
# while the program says exactly what it says without the library.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_rewrite_cycle
P="$CAPBIN/prog_rewrite_cycle"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
run_lib "$TMP/lib" "$TMP/dump" "$P"
[ "$rc" -eq 0 ] || fail "exit status $rc with the library; stderr: $(cat "$TMP/lib.err")"
same_output "$TMP/plain" "$TMP/lib"
quiet "$TMP/lib"

check '
import os, stat, sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
expect(num(one(facts, "tid")[0]) == pid, "the main thread id is not the pid")
fn = num(one(facts, "fn")[0])
codes = [code_of(c)[1] for c in facts["code"]]
expect(len(codes) == 3, "the program did not make three versions")
expect(entries(dump) == ["prog_rewrite_cycle.%d" % pid], "the dump holds %r" % entries(dump))
expect(stat.S_IMODE(os.stat(dump).st_mode) == 0o700, "the dump directory the library made is not 0700")
caps = load(proc_dir(dump, "prog_rewrite_cycle", pid))
expect(len(caps) == 3, "expected 3 captures, got %d: %s" % (len(caps), show(caps)))
for i, (c, code) in enumerate(zip(caps, codes)):
    w = "capture %d" % (i + 1)
    expect(c["cs"] == i + 1, "%s: capture_sequence %d, expected %d" % (w, c["cs"], i + 1))
    expect(c["rg"] == fn, "%s: region %#x, expected the page %#x" % (w, c["rg"], fn))
    expect(c["a"] == fn and c["n"] == 4096, "%s: [%#x, +%d), expected the one page [%#x, +4096)" % (w, c["a"], c["n"], fn))
    expect(c["fa"] == fn, "%s: fault_addr %#x, expected the function %#x" % (w, c["fa"], fn))
    expect(c["rip"] == c["fa"], "%s: regs.rip %#x != fault_addr %#x" % (w, c["rip"], c["fa"]))
    expect(c["tid"] == pid, "%s: tid %d, expected the pid %d" % (w, c["tid"], pid))
    expect(c["data"][:len(code)] == code, "%s: first bytes %s, expected the code %s" % (w, c["data"][:len(code)].hex(), code.hex()))
    expect(c["data"][len(code):] == bytes(4096 - len(code)), "%s: the rest of the page is not the zeros it holds" % w)
marks = {"rbx": 0xb0b0b0b0b0b0b0b1, "rcx": 0xc0c0c0c0c0c0c0c1, "rdx": 0xd0d0d0d0d0d0d0d1,
         "rsi": 0x5151515151515151, "rdi": 0xd1d1d1d1d1d1d1d1, "rbp": 0xbbbbbbbbbbbbbbb1,
         "r8": 0x0808080808080808, "r9": 0x0909090909090909, "r10": 0x1010101010101010,
         "r11": 0x1111111111111111, "r12": 0x1212121212121212, "r13": 0x1313131313131313,
         "r14": 0x1414141414141414, "r15": 0x1515151515151515}
for i, (c, (rsp, _, carry)) in enumerate(zip(caps, facts["rsp"])):
    w = "capture %d" % (i + 1)
    regs = {k: int(v, 16) for k, v in c["regs"].items()}
    marks["rax"], marks["rsp"] = fn, num(rsp)
    wrong = ["%s=%#x (expected %#x)" % (k, regs[k], v) for k, v in sorted(marks.items()) if regs[k] != v]
    expect(not wrong, "%s: regs are not the faulting context: %s" % (w, ", ".join(wrong)))
    expect(regs["rflags"] & 1 == int(carry), "%s: rflags %#x, the carry flag should be %s" % (w, regs["rflags"], carry))
expect(len({c["hash"] for c in caps}) == 3 and len({c["off"] for c in caps}) == 3,
       "three different versions must have three hashes and offsets")
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
