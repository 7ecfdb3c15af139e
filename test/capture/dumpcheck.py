"""test/capture/dumpcheck.py - reading a dump directory the way the contract
(shared/DESIGN.md, "Dump layout") says it is, for the capture tests.

load() checks what holds for every capture of every test, field by field:
each line of captures.jsonl is whole (ends with a newline) and one JSON
object with seq, addr, len, capture_sequence, region, fault_addr, tid,
timestamp_ns, hash, file and regs; addresses and registers are "0x..."
strings; hash is "0x" and 16 hex digits; seq runs 1, 2, 3... in line
order; timestamps never go back; fault_addr lies inside [addr, addr+len);
the bytes are in the pack: file names code.pack, a regular file (not a
link) of this directory with mode 0600, and offset is an integer with
offset + len inside it (a line without offset, the other layout the
contract allows, is refused: this writer always packs); equal hashes mean
equal bytes and vice versa, and equal bytes are stored once (one offset); hash is XXH3-64 (seed 0) of the
bytes, checked with Debian's libxxhash where it is installed.
The directory itself is 0700.  Tests add what their scenario proves.
"""
import ctypes
import json
import os
import re
import stat
import sys

FIELDS = ("seq", "addr", "len", "capture_sequence", "region", "fault_addr", "tid",
          "timestamp_ns", "hash", "file", "regs")
REGS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
        "r12", "r13", "r14", "r15", "rip", "rflags")
HEX = re.compile(r"^0x[0-9a-fA-F]+$")
HASH = re.compile(r"^0x[0-9a-fA-F]{16}$")
PACK = "code.pack"


def _xxh3():
    """XXH3_64bits from Debian's libxxhash, or None where it is not installed."""
    try:
        lib = ctypes.CDLL("libxxhash.so.0")
    except OSError:
        return None
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lambda data: lib.XXH3_64bits(data, len(data))


XXH3 = _xxh3()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def info(path):
    """The program's facts: {key: [[word, ...], ...]} in the order written."""
    facts = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if words:
                facts.setdefault(words[0], []).append(words[1:])
    return facts


def one(facts, key):
    """The words of the only line with this key."""
    expect(key in facts and len(facts[key]) == 1, "info file: expected one %r line, got %r" % (key, facts.get(key)))
    return facts[key][0]


def num(s):
    return int(s, 0)


def entries(dump):
    return sorted(os.listdir(dump)) if os.path.isdir(dump) else []


def proc_dir(dump, exe, pid):
    """$MEMWATCH_DUMP_DIR/<exe>.<pid>: a real directory, mode 0700."""
    path = os.path.join(dump, "%s.%d" % (exe, pid))
    expect(os.path.lexists(path), "no process directory %s (the dump holds %r)" % (path, entries(dump)))
    st = os.lstat(path)
    expect(stat.S_ISDIR(st.st_mode), "%s is not a directory" % path)
    expect(stat.S_IMODE(st.st_mode) == 0o700, "%s has mode %o, not 700" % (path, stat.S_IMODE(st.st_mode)))
    return path


def _hexfield(rec, key, where):
    v = rec[key]
    expect(isinstance(v, str) and HEX.match(v), "%s: %s is %r, not a \"0x...\" string" % (where, key, v))
    return int(v, 16)


def _intfield(rec, key, where, low):
    v = rec[key]
    expect(isinstance(v, int) and not isinstance(v, bool) and v >= low,
           "%s: %s is %r, not an integer >= %d" % (where, key, v, low))
    return v


def load(pdir):
    """The captures of one process directory, checked as the module says.
    Each is the parsed line plus: a (addr), n (len), fa (fault_addr),
    rg (region), rip, cs (capture_sequence), data (the raw file's bytes)."""
    path = os.path.join(pdir, "captures.jsonl")
    expect(os.path.isfile(path), "%s is missing" % path)
    with open(path, "rb") as f:
        raw = f.read()
    expect(raw.endswith(b"\n"), "%s: the last line is not whole: %r" % (path, raw[-200:]))
    caps = []
    by_hash = {}
    by_data = {}
    by_off = {}
    last_ts = None
    for i, line in enumerate(raw.split(b"\n")[:-1]):
        where = "captures.jsonl line %d" % (i + 1)
        try:
            rec = json.loads(line.decode("utf-8"))
        except ValueError as e:
            fail("%s is not JSON (%s): %r" % (where, e, line[:300]))
        expect(isinstance(rec, dict), "%s is not an object" % where)
        missing = [k for k in FIELDS if k not in rec]
        expect(not missing, "%s lacks %s: %r" % (where, ", ".join(missing), line[:300]))
        rec["a"] = _hexfield(rec, "addr", where)
        rec["rg"] = _hexfield(rec, "region", where)
        rec["fa"] = _hexfield(rec, "fault_addr", where)
        rec["n"] = _intfield(rec, "len", where, 1)
        rec["cs"] = _intfield(rec, "capture_sequence", where, 1)
        _intfield(rec, "tid", where, 1)
        ts = _intfield(rec, "timestamp_ns", where, 0)
        expect(_intfield(rec, "seq", where, 1) == i + 1, "%s: seq is %r, expected %d" % (where, rec["seq"], i + 1))
        expect(last_ts is None or ts >= last_ts, "%s: timestamp_ns %d is before the previous line's %d"
               % (where, ts, last_ts or 0))
        last_ts = ts
        expect(isinstance(rec["hash"], str) and HASH.match(rec["hash"]),
               "%s: hash is %r, not \"0x\" and 16 hex digits" % (where, rec["hash"]))
        regs = rec["regs"]
        expect(isinstance(regs, dict), "%s: regs is not an object" % where)
        for r in REGS:
            expect(r in regs, "%s: regs lacks %s" % (where, r))
            _hexfield(regs, r, where + " regs")
        rec["rip"] = int(regs["rip"], 16)
        expect(rec["a"] <= rec["fa"] < rec["a"] + rec["n"],
               "%s: fault_addr %#x is outside the capture [%#x, %#x)" % (where, rec["fa"], rec["a"], rec["a"] + rec["n"]))
        expect(rec["rg"] <= rec["a"], "%s: region %#x starts after the capture %#x" % (where, rec["rg"], rec["a"]))
        name = rec["file"]
        expect(isinstance(name, str) and name and not os.path.isabs(name) and ".." not in name.split("/"),
               "%s: file %r is not a path inside the directory" % (where, name))
        fpath = os.path.join(pdir, name)
        expect(os.path.lexists(fpath), "%s: file %s is missing" % (where, name))
        st = os.lstat(fpath)
        expect(stat.S_ISREG(st.st_mode), "%s: %s is not a regular file" % (where, name))
        expect(stat.S_IMODE(st.st_mode) == 0o600, "%s: %s has mode %o, not 600" % (where, name, stat.S_IMODE(st.st_mode)))
        expect(name == PACK, "%s: file is %r, not the pack %s" % (where, name, PACK))
        rec["off"] = _intfield(rec, "offset", where, 0) if "offset" in rec else fail("%s has no offset" % where)
        expect(rec["off"] + rec["n"] <= st.st_size, "%s: [%d, %d) lies past the end of %s (%d bytes)"
               % (where, rec["off"], rec["off"] + rec["n"], name, st.st_size))
        with open(fpath, "rb") as f:
            f.seek(rec["off"])
            rec["data"] = f.read(rec["n"])
        h = rec["hash"].lower()
        expect(XXH3 is None or int(h, 16) == XXH3(rec["data"]), "%s: hash %s is not XXH3-64 of the bytes (%#018x)"
               % (where, h, XXH3(rec["data"]) if XXH3 else 0))
        expect(by_hash.setdefault(h, rec["data"]) == rec["data"], "%s: hash %s names two different contents" % (where, h))
        expect(by_off.setdefault(rec["data"], rec["off"]) == rec["off"], "%s: the same bytes are stored twice (offsets %d and %d)"
               % (where, by_off[rec["data"]], rec["off"]))
        expect(by_data.setdefault(rec["data"], h) == h, "%s: the same bytes have two hashes (%s, %s)"
               % (where, by_data[rec["data"]], h))
        caps.append(rec)
    return caps


def code_of(facts_line):
    """An info "code" line's words (addr, hex bytes) as (int, bytes)."""
    return num(facts_line[0]), bytes.fromhex(facts_line[1]) if len(facts_line) > 1 else b""


def at(cap, addr, n):
    """The n captured bytes at runtime address addr (which must lie inside)."""
    off = addr - cap["a"]
    expect(0 <= off and off + n <= cap["n"], "capture seq %d [%#x, %#x) does not hold [%#x, %#x)"
           % (cap["seq"], cap["a"], cap["a"] + cap["n"], addr, addr + n))
    return cap["data"][off:off + n]


def show(caps):
    return "; ".join("seq %d addr %#x len %d cs %d region %#x fault %#x rip %#x tid %d"
                     % (c["seq"], c["a"], c["n"], c["cs"], c["rg"], c["fa"], c["rip"], c["tid"]) for c in caps)
