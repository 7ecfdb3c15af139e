#!/bin/sh
# Proves a capture names the thread that ran the code: tid is the kernel
# thread id (gettid()) of the thread whose instruction fetch faulted - the
# main thread's equals the pid, a thread's own code gives that thread's id,
# and code written by the main thread but first run by another thread gives
# the other thread's id.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_thread_tid

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
tids = [num(one(facts, k)[0]) for k in ("main", "t1", "t2")]
expect(tids[0] == pid, "the main thread id is not the pid")
expect(len(set(tids)) == 3, "the threads do not have three ids: %r" % tids)
codes = [code_of(c) for c in facts["code"]]
caps = load(proc_dir(dump, "prog_thread_tid", pid))
expect(len(caps) == 3, "expected 3 captures, got %d: %s" % (len(caps), show(caps)))
for who, tid, c, (addr, code) in zip(("main thread", "thread 1", "thread 2"), tids, caps, codes):
    expect(c["a"] == addr and c["fa"] == addr and c["rip"] == addr, "%s: %s, expected the page %#x" % (who, show([c]), addr))
    expect(c["tid"] == tid, "%s: tid %d, expected its gettid() %d" % (who, c["tid"], tid))
    expect(c["data"][:len(code)] == code, "%s: bytes %s, expected %s" % (who, c["data"][:len(code)].hex(), code.hex()))
' "$TMP/dump" "$TMP/lib.info"
echo "ok"
