#!/usr/bin/env python3
"""test/tools/make_big_dump.py - writes a synthetic process directory of a
given size, for measuring `memwatch report --html` (scripts/html-scale.sh)
and for the test that the HTML report stays bounded.

    make_big_dump.py DIR CAPTURES ACCESSES [REGIONS]

DIR/captures.jsonl: CAPTURES captures of 4 KiB over REGIONS regions (default
CAPTURES/20), each version of a region its predecessor with a few
instructions patched, every 10th version the same bytes as the one before
(one content for both); the bytes go into one pack file, DIR/code.pack, at
the offset each line names, content already stored being stored once.
DIR/accesses.jsonl: ACCESSES accesses to three variables from 40 functions.
Times are spread over 10 s.  Deterministic (a fixed seed).
"""
import hashlib
import json
import os
import random
import sys

PAGE = 4096
SPAN_NS = 10_000_000_000
T0 = 1_700_000_000_000_000_000

# Instruction encodings a small JIT emits (all decode as x86-64).
PIECES = [
    bytes.fromhex("4889f8"),            # mov rax, rdi
    bytes.fromhex("50"),                # push rax
    bytes.fromhex("58"),                # pop rax
    bytes.fromhex("4889c1"),            # mov rcx, rax
    bytes.fromhex("4801c8"),            # add rax, rcx
    bytes.fromhex("4829c8"),            # sub rax, rcx
    bytes.fromhex("480fafc1"),          # imul rax, rcx
    bytes.fromhex("48f7d8"),            # neg rax
    bytes.fromhex("0f1f4000"),          # nop dword [rax]
]


def code_page(rng):
    out = bytearray()
    target = rng.randrange(600, 2400)
    while len(out) < target:
        if rng.random() < 0.2:
            out += b"\x48\xb8" + rng.getrandbits(32).to_bytes(8, "little")  # movabs rax, imm
        else:
            out += rng.choice(PIECES)
    out += b"\xc3"
    return out


def patch(code, rng):
    code = bytearray(code)
    for _ in range(rng.randrange(1, 4)):
        i = code.find(b"\x48\xb8", rng.randrange(0, max(1, len(code) - 12)))
        if 0 <= i and i + 10 <= len(code):
            code[i + 2:i + 6] = rng.getrandbits(32).to_bytes(4, "little")
    return code


def regs(addr):
    names = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
             "r11", "r12", "r13", "r14", "r15"]
    r = {n: "0x0" for n in names}
    r["rsp"] = "0x7ffc00001000"
    r["rip"] = hex(addr)
    r["rflags"] = "0x246"
    return r


def write_captures(d, ncaps, nregions, rng):
    per = max(1, ncaps // nregions)
    events = []
    for r in range(nregions):
        base = 0x7F0000000000 + r * 0x10000
        start = rng.randrange(0, SPAN_NS // 2)
        step = rng.randrange(SPAN_NS // (4 * per), SPAN_NS // (2 * per))
        code = code_page(rng)
        for k in range(per):
            if k and k % 10 != 0:
                code = patch(code, rng)
            page = bytes(code) + bytes(PAGE - len(code))
            events.append((T0 + start + k * step + r, base, k + 1, page))
    events.sort(key=lambda e: e[0])
    events = events[:ncaps]
    stored = {}
    with open(os.path.join(d, "code.pack"), "wb") as pack, \
            open(os.path.join(d, "captures.jsonl"), "w") as lines:
        for seq, (ts, base, cseq, page) in enumerate(events, 1):
            key = int.from_bytes(hashlib.blake2b(page, digest_size=8).digest(), "little")
            if key not in stored:
                stored[key] = pack.tell()
                pack.write(page)
            line = {"seq": seq, "addr": hex(base), "len": PAGE, "capture_sequence": cseq,
                    "region": hex(base), "fault_addr": hex(base), "tid": 4242, "timestamp_ns": ts,
                    "hash": "0x%016x" % key, "file": "code.pack",
                    "offset": stored[key], "regs": regs(base)}
            lines.write(json.dumps(line, separators=(",", ":")) + "\n")


def write_accesses(d, n, rng):
    variables = [("counter", 0x601040, 4), ("table", 0x601100, 64), ("state", 0x601200, 8)]
    funcs = ["f%02d+0x%x" % (i, 4 * i + 3) for i in range(40)]
    with open(os.path.join(d, "accesses.jsonl"), "w") as out:
        for i in range(n):
            var, addr, size = variables[i % 3]
            op = "w" if i % 5 == 0 else "r" if i % 5 < 4 else "rw"
            f = funcs[min(39, int(rng.expovariate(0.15)))]
            ts = T0 + i * (SPAN_NS // max(1, n))
            out.write('{"addr":"0x%x","size":%d,"op":"%s","ip":"0x40%04x","sym":"%s","var":"%s",'
                      '"tid":4242,"timestamp_ns":%d,"before":"01000000","after":"02000000"}\n'
                      % (addr, min(size, 8), op, i % 4096, f, var, ts))


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    d, ncaps, naccs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    nregions = int(sys.argv[4]) if len(sys.argv) == 5 else max(1, ncaps // 20)
    os.makedirs(d, exist_ok=True)
    rng = random.Random(14)
    write_captures(d, ncaps, nregions, rng)
    write_accesses(d, naccs, rng)


if __name__ == "__main__":
    main()
