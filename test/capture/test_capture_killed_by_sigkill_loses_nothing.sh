#!/bin/sh
# Proves every capture made before SIGKILL is on disk afterwards, preloaded
# by hand and launched by memwatch alike: a JIT makes 500 captures (one
# page, or two pages at every fourth version) and then kills itself with
# SIGKILL, so no handler, destructor or exit path of the library runs.
# captures.jsonl holds 500 whole lines, seq 1..500, capture_sequence 1..500
# of the one region, each capture exactly the bytes of the region as they
# were at that call (a model of the two pages replays every write), in the
# pack at its offset.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_many_then_kill
P="$CAPBIN/prog_many_then_kill"
RUNONE="$TMP/runone"
gcc -O2 -Wall -Werror -o "$RUNONE" "$ROOT/test/support/runone.c" || fail "cannot build runone"

for how in preloaded launched; do
    rm -rf "$TMP/dump" "$TMP/lib.info"
    if [ $how = preloaded ]; then
        MWT_INFO="$TMP/lib.info" "$RUNONE" --timeout 120 -- \
            /usr/bin/env LD_PRELOAD="$LIB" MEMWATCH_DUMP_DIR="$TMP/dump" "$P" 500 >"$TMP/lib.out" 2>"$TMP/lib.err"
    else
        MWT_INFO="$TMP/lib.info" MEMWATCH_LIB="$LIB" "$RUNONE" --timeout 120 -- \
            "$BUILD/memwatch" -q --dump-dir "$TMP/dump" -- "$P" 500 >"$TMP/lib.out" 2>"$TMP/lib.err"
    fi
    got=$(tail -n 1 "$TMP/lib.out")
    case $got in "signal 9"*) ;; *) fail "$how: the program ends with '$got', not by SIGKILL; stderr: $(cat "$TMP/lib.err")" ;; esac
    quiet "$TMP/lib"
    check '
import sys
from dumpcheck import *
how, dump, facts = sys.argv[1], sys.argv[2], info(sys.argv[3])
pid = num(one(facts, "pid")[0])
region = num(one(facts, "region")[0])
caps = load(proc_dir(dump, "prog_many_then_kill", pid))
expect(len(caps) == 500, "%s: %d captures on disk after SIGKILL, expected 500" % (how, len(caps)))
mem = bytearray(8192)   # a fresh anonymous mapping: zeros
with open(sys.argv[3]) as f:
    events = [l.split() for l in f if l.startswith(("write ", "call "))]
i = 0
for ev in events:
    if ev[0] == "write":
        addr, code = code_of(ev[1:])
        mem[addr - region:addr - region + len(code)] = code
        continue
    c, n, entry = caps[i], int(ev[1]), num(ev[2])
    w = "%s: version %d" % (how, n)
    size = 8192 if n % 4 == 3 else 4096
    expect(c["cs"] == n + 1 and c["rg"] == region, "%s: capture_sequence %d of region %#x, expected %d of %#x"
           % (w, c["cs"], c["rg"], n + 1, region))
    expect(c["a"] == region and c["n"] == size and c["fa"] == entry,
           "%s: %s, expected %d bytes at %#x faulting at %#x" % (w, show([c]), size, region, entry))
    expect(c["data"] == bytes(mem[:size]), "%s: the captured bytes differ from the region at that call" % w)
    i += 1
expect(i == 500, "%s: the program logged %d calls" % (how, i))
' "$how" "$TMP/dump" "$TMP/lib.info"
    echo "$how: $got, 500 captures on disk"
done
echo "ok"
