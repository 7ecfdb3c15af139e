#!/bin/sh
# Proves `memwatch --pid PID --dump-dir D --watch SYMBOL` on a running,
# dynamically linked program that already ran code from an RWX page: memwatch
# exits 0 once the library is active there; afterwards every version the
# program runs is captured byte-exact in D/<exe>.<pid>/ - the rewrite of
# that page (the mapping adopted at attach: capture_sequence 1), a new RWX
# page, an mprotect cycle - and nothing from before the attach; each access
# to the watched global is logged (accesses.jsonl: the 5 writes with their
# values, by the program's own code); the SIGSEGV handler the program set
# before stays its own and catches its own fault, a signal it blocks waits,
# its alternate stack is its own; the program's output and
# exit status are those of a run without memwatch.
# shellcheck source=test/attach/lib.sh
. "$ROOT/test/attach/lib.sh"

build_target prog_attach_target
attach_run "$ATBIN/prog_attach_target" --dump-dir "$TMP/dump" --watch watched_counter
for fact in "own handler still installed: yes" "own handler caught its fault" "blocked SIGUSR1 waited: yes" \
    "unblocked SIGUSR1 ran: yes" "alternate stack reads back: yes" "SA_ONSTACK handler ran on it: yes"; do
    grep -q "$fact" "$TMP/t.out" || fail "not so after the attach: $fact"
done

check_attached '
import json, os, sys
from dumpcheck import *
from attachcheck import versions_after_attach
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
counter = num(one(facts, "counter")[0])
pdir = proc_dir(dump, "prog_attach_target", pid)
versions_after_attach(load(pdir), facts)
path = os.path.join(pdir, "accesses.jsonl")
expect(os.path.isfile(path), "no accesses.jsonl")
acc = [json.loads(l) for l in open(path)]
expect(all(a["var"] == "watched_counter" and int(a["addr"], 16) == counter and a["size"] == 8 for a in acc),
       "accesses of something else: %r" % acc[:3])
writes = [int.from_bytes(bytes.fromhex(a["after"]), "little") for a in acc if "w" in a["op"]]
expect(writes == [1, 3, 6, 10, 15], "the writes left %r, expected 1, 3, 6, 10, 15" % writes)
expect(all(a["sym"].startswith("main+") for a in acc), "accesses not from main: %r" % [a.get("sym") for a in acc])
reads = [a for a in acc if a["op"] == "r"]
expect(len(reads) == 6, "expected 6 reads (5 additions and the printf), got %d" % len(reads))
' "$TMP/dump" "$TMP/t.info"
echo "ok"
