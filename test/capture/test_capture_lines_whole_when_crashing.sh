#!/bin/sh
# Proves captures.jsonl lines are whole and nothing captured is lost when
# the program ends abruptly right after a capture: raise(SIGSEGV), abort(),
# a store through a bad pointer (a real fault the library must pass on),
# raise(SIGKILL), _exit(5), and exit(6) from a thread that has just run
# new code.  Each time the program ends the way it ends without the library
# (same signal or status, as seen by runone) and the dump holds every
# capture, each line complete with all fields, bytes exact.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

build_prog prog_crash
P="$CAPBIN/prog_crash"
RUNONE="$TMP/runone"
gcc -O2 -Wall -Werror -o "$RUNONE" "$ROOT/test/support/runone.c" || fail "cannot build runone"

for mode in segv abort fault kill _exit thread; do
    case $mode in
        segv | fault) ending="signal 11" ;;
        abort) ending="signal 6" ;;
        kill) ending="signal 9" ;;
        _exit) ending="exit 5" ;;
        thread) ending="exit 6" ;;
    esac
    "$RUNONE" --timeout 60 -- "$P" "$mode" >"$TMP/plain.out" 2>"$TMP/plain.err"
    got=$(tail -n 1 "$TMP/plain.out")
    case $got in "$ending"*) ;; *) fail "$mode: without the library the program ends with '$got', not '$ending'" ;; esac
    rm -rf "$TMP/dump" "$TMP/lib.info"
    MWT_INFO="$TMP/lib.info" "$RUNONE" --timeout 60 -- \
        /usr/bin/env LD_PRELOAD="$LIB" MEMWATCH_DUMP_DIR="$TMP/dump" "$P" "$mode" >"$TMP/lib.out" 2>"$TMP/lib.err"
    got=$(tail -n 1 "$TMP/lib.out")
    case $got in "$ending"*) ;; *) fail "$mode: with the library the program ends with '$got', expected '$ending'; stderr: $(cat "$TMP/lib.err")" ;; esac
    same_output "$TMP/plain" "$TMP/lib"
    quiet "$TMP/lib"
    check '
import sys
from dumpcheck import *
mode, dump, facts = sys.argv[1], sys.argv[2], info(sys.argv[3])
pid = num(one(facts, "pid")[0])
codes = [code_of(c) for c in facts["code"]]
caps = load(proc_dir(dump, "prog_crash", pid))
expect(len(caps) == len(codes), "%s: %d captures, expected %d: %s" % (mode, len(caps), len(codes), show(caps)))
tids = [pid, pid, num(one(facts, "thread")[0]) if mode == "thread" else None]
for i, (c, (addr, code)) in enumerate(zip(caps, codes)):
    w = "%s: capture %d" % (mode, i + 1)
    expect(c["cs"] == i + 1 and c["a"] == addr and c["fa"] == addr and c["rip"] == addr, "%s: %s" % (w, show([c])))
    expect(c["tid"] == tids[i], "%s: tid %d, expected %d" % (w, c["tid"], tids[i]))
    expect(c["data"][:len(code)] == code, "%s: bytes %s, expected %s" % (w, c["data"][:len(code)].hex(), code.hex()))
' "$mode" "$TMP/dump" "$TMP/lib.info"
    echo "$mode: $got, $(cat "$TMP"/dump/prog_crash.*/captures.jsonl | wc -l) whole lines"
done
echo "ok"
