#!/bin/sh
# Proves a static program's own signal handling is its own under memwatch:
# its SIGSEGV handler reads back as installed and catches its own real
# fault (siglongjmp out), its mask reads back with SIGSEGV blocked while
# code capture still works, a signal it blocks waits for the unblock, its
# alternate stack is its own (an SA_ONSTACK handler runs there), and its
# last, real crash ends it - and memwatch - by SIGSEGV, as without memwatch.  Both versions it ran are captured.
# shellcheck source=test/static/lib.sh
. "$ROOT/test/static/lib.sh"

run_both_static prog_static_signals 139 # death by SIGSEGV, memwatch too
grep -q "handler reads back as installed: yes" "$TMP/mw.out" || fail "the handler did not read back"
grep -q "mask reads back with SIGSEGV blocked: yes" "$TMP/mw.out" || fail "the mask did not read back"
grep -q "^crashing" "$TMP/mw.out" || fail "the program did not reach its crash"
for fact in "blocked SIGUSR1 waited: yes" "unblocked SIGUSR1 ran: yes" "alternate stack reads back: yes" \
    "SA_ONSTACK handler ran on it: yes"; do
    grep -q "$fact" "$TMP/mw.out" || fail "not so under memwatch: $fact"
done

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
page = num(one(facts, "page")[0])
codes = [code_of(c)[1] for c in facts["code"]]
caps = load(proc_dir(dump, "prog_static_signals", pid))
expect(len(caps) == 2, "expected the two versions, got %s" % show(caps))
for i, (c, code) in enumerate(zip(caps, codes)):
    expect(c["a"] == page and c["cs"] == i + 1, "version %d: %s" % (i + 1, show([c])))
    expect(c["data"] == code + bytes(4096 - len(code)), "version %d: bytes %s" % (i + 1, c["data"][:12].hex()))
' "$TMP/dump" "$TMP/mw.info"
echo "ok"
