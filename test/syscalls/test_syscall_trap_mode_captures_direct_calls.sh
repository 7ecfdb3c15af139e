#!/bin/sh
# MEMWATCH_SYSCALLS=trap captures code made executable by direct system calls
# (raw mmap RWX, inline-syscall mprotect RX), the output stays the same, a
# child exec'd under the inherited filter works and captures too; without
# trap mode those captures do not happen.
set -eu
bin="$TESTBIN/direct_syscall_jit"
gcc -O2 -Wall -Werror -o "$bin" "$ROOT/test/syscalls/prog_direct_syscall_jit.c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
plain=$("$bin")
out=$(MEMWATCH_DUMP_DIR="$tmp/off" LD_PRELOAD="$BUILD/libmemwatch.so" "$bin")
[ "$out" = "$plain" ] || { echo "output differs without trap mode: $out"; exit 1; }
n=$(cat "$tmp"/off/*/captures.jsonl 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || { echo "without trap mode, $n captures (expected none: raw syscalls are not interposed)"; exit 1; }
out=$(MEMWATCH_SYSCALLS=trap MEMWATCH_DUMP_DIR="$tmp/on" LD_PRELOAD="$BUILD/libmemwatch.so" "$bin" exec 2>"$tmp/err")
[ "$out" = "$plain
$plain" ] || { echo "output in trap mode: $out"; cat "$tmp/err"; exit 1; }
python3 - "$tmp/on" <<'PY'
import glob, json, os, sys
dirs = sorted(glob.glob(os.path.join(sys.argv[1], "direct_syscall_jit.*")))
if len(dirs) != 1:   # exec keeps the pid: one directory, seq goes on
    sys.exit("expected one process directory, found %r" % dirs)
rows = [json.loads(l) for l in open(os.path.join(dirs[0], "captures.jsonl"))]
def captured(r):  # the line's bytes: in a pack at "offset", or a file of their own
    with open(os.path.join(dirs[0], r["file"]), "rb") as f:
        f.seek(r.get("offset", 0))
        return f.read(r["len"])
firsts = [captured(r)[:6].hex() for r in rows]
want = ["b82a000000c3", "b807000000c3"]
if firsts != want * 2:
    sys.exit("captures %r, expected %r" % (firsts, want * 2))
if [r["seq"] for r in rows] != [1, 2, 3, 4]:
    sys.exit("seq %r" % [r["seq"] for r in rows])
PY
