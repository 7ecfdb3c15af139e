#!/bin/sh
# MEMWATCH_JITDUMP=1 (launcher: --jitdump) writes jit-<pid>.dump in the
# process directory in perf's jitdump format: the header (magic 0x4A695444,
# version 1, EM_X86_64, the pid, a CLOCK_MONOTONIC timestamp), then one
# JIT_CODE_LOAD record per capture (pid, tid, vma = code_addr, code_size,
# code_index = seq, name memwatch:<seq>@0x<addr>, the captured bytes), and
# maps the file executable (the marker perf record logs).  A fork child
# writes its own file in its own directory.  Without the option, or when
# nothing is captured, there is no file.
. "$(dirname "$0")/lib.sh"
need_python
build tooling_jit tooling_jit.c

"$MEMWATCH" -q --dump-dir "$TMP/off" -- "$BIN/tooling_jit" >/dev/null || fail "run without --jitdump"
ls "$TMP"/off/*/jit-*.dump >/dev/null 2>&1 && fail "a jitdump file without --jitdump"
"$MEMWATCH" -q --jitdump --dump-dir "$TMP/none" -- true || fail "run of true"
ls "$TMP"/none/*/jit-*.dump >/dev/null 2>&1 && fail "a jitdump file without captures"

up0=$(cut -d' ' -f1 /proc/uptime)
"$MEMWATCH" -q --jitdump --dump-dir "$TMP/out" -- "$BIN/tooling_jit" fork >"$TMP/run.out" 2>"$TMP/run.err" ||
    fail "exit $? ($(cat "$TMP/run.err"))"
up1=$(cut -d' ' -f1 /proc/uptime)
expect_in "$TMP/run.out" "results 1 2"
expect_in "$TMP/run.out" "child result 3"

python3 - "$TMP/out" "$TMP/run.out" "$up0" "$up1" <<'PY' || fail "jitdump files are not right"
import glob, json, os, struct, sys
out, runout, up0, up1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
dirs = sorted(glob.glob(out + "/tooling_jit.*"))
assert len(dirs) == 2, dirs
text = open(runout).read()
for d in dirs:
    pid = int(d.rsplit(".", 1)[1])
    caps = [json.loads(l) for l in open(d + "/captures.jsonl")]
    files = glob.glob(d + "/jit-*.dump")
    assert files == [d + "/jit-%d.dump" % pid], files
    st = os.stat(files[0])
    assert st.st_mode & 0o777 == 0o600, oct(st.st_mode)
    data = open(files[0], "rb").read()
    magic, version, total, mach, pad, hpid, ts, flags = struct.unpack_from("<IIIIIIQQ", data, 0)
    assert (magic, version, total, mach, hpid, flags) == (0x4A695444, 1, 40, 62, pid, 0), \
        (hex(magic), version, total, mach, hpid, flags)
    # CLOCK_MONOTONIC is what /proc/uptime counts (boot time, suspend aside).
    assert up0 - 1 <= ts / 1e9 <= up1 + 1, (ts / 1e9, up0, up1)
    off, recs = 40, []
    while off < len(data):
        rid, size, rts = struct.unpack_from("<IIQ", data, off)
        assert rid == 0, rid  # JIT_CODE_LOAD
        rpid, tid, vma, addr, csize, index = struct.unpack_from("<IIQQQQ", data, off + 16)
        end = data.index(b"\0", off + 56)
        name = data[off + 56:end].decode()
        code = data[end + 1:off + size]
        assert len(code) == csize, (len(code), csize)
        assert rts >= ts
        recs.append((rpid, tid, vma, addr, index, name, code))
        off += size
    assert off == len(data)
    assert len(recs) == len(caps) and len(caps) >= 1, (len(recs), len(caps))
    for r, c in zip(recs, caps):
        rpid, tid, vma, addr, index, name, code = r
        assert rpid == pid and tid == c["tid"], (rpid, tid, c["tid"])
        assert vma == addr == int(c["addr"], 16)
        assert index == c["seq"]
        assert name == "memwatch:%d@%s" % (c["seq"], c["addr"]), name
        with open(d + "/" + c["file"], "rb") as f:  # in a pack at "offset", or a file of its own
            f.seek(c.get("offset", 0))
            assert code == f.read(c["len"])
    # The marker: the file mapped executable in that process.
    lines = [l for l in text.splitlines() if l.startswith("MARKER ") or l.startswith("CHILD MARKER ")]
    assert any(l.endswith("/jit-%d.dump" % pid) and " r-xp " in l for l in lines), (pid, lines)
# The parent's marker is not the child's.
child_lines = [l for l in text.splitlines() if l.startswith("CHILD MARKER ")]
parent_lines = [l for l in text.splitlines() if l.startswith("MARKER ")]
assert len(parent_lines) == 1 and len(child_lines) == 1, (parent_lines, child_lines)
assert parent_lines[0].split("/jit-")[1] != child_lines[0].split("/jit-")[1]
PY
echo "ok"
