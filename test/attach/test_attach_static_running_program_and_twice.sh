#!/bin/sh
# Proves `memwatch --pid` on a running statically linked program brings the
# capture agent in: memwatch exits 0 (saying so), every version the program
# runs afterwards is captured byte-exact - the RWX page it had already run
# code from (adopted: capture_sequence 1), a new page, an mprotect cycle -
# and its output and exit status are unchanged.  A second --pid on the same
# process ends with a non-zero status and one line saying it is already
# watched, changing nothing; --watch on a static process is refused.
# shellcheck source=test/attach/lib.sh
. "$ROOT/test/attach/lib.sh"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || skip "no static C library (libc6-dev's libc.a)"

build_target prog_attach_target static
# While the target waits: --watch refused, then the attach, then a second one.
before_attach() {
    attach --dump-dir "$TMP/dump3" --watch watched_counter
    [ "$arc" -ne 0 ] && grep -q "statically linked: --watch" "$TMP/attach.said" ||
        fail "--watch on a static process: status $arc, said: $(cat "$TMP/attach.said")"
    [ ! -e "$TMP/dump3" ] || fail "the refused attach made its dump directory"
}
after_attach() {
    attach --dump-dir "$TMP/dump2"
    [ "$arc" -ne 0 ] || fail "a second attach succeeded"
    [ "$(wc -l <"$TMP/attach.said")" -eq 1 ] && grep -q "pid $TARGET: it is already watched" "$TMP/attach.said" ||
        fail "a second attach said: $(cat "$TMP/attach.said")"
    [ ! -e "$TMP/dump2" ] || fail "the refused attach made its dump directory"
}
attach_run "$ATBIN/prog_attach_target_static" --dump-dir "$TMP/dump"

check_attached '
import sys
from dumpcheck import *
from attachcheck import versions_after_attach
dump, facts = sys.argv[1], info(sys.argv[2])
pid = num(one(facts, "pid")[0])
expect(entries(dump) == ["prog_attach_target_static.%d" % pid], "the dump holds %r" % entries(dump))
versions_after_attach(load(proc_dir(dump, "prog_attach_target_static", pid)), facts)
' "$TMP/dump" "$TMP/t.info"
echo "ok"
