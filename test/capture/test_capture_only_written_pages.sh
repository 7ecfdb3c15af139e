#!/bin/sh
# Proves a capture holds only what changed (issue 3, point 2: "not a whole
# 2 MiB code cache each time"): in a 2 MiB RWX code cache where a few pages
# are written, each execution fault captures the run of pages written since
# their last capture around the faulting one - page 0 alone, page 5 alone,
# pages 7-8 together (the fault on 8), nothing when page 7 runs after that,
# page 0 alone after its rewrite: exactly four captures, bytes exact.
# test_capture_only_written_pages_huge.sh runs the same with VARIANT=huge
# (the cache madvised MADV_HUGEPAGE; skipped when no huge page is given).
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"
VARIANT=${VARIANT:-plain}

build_prog prog_code_cache
P="$CAPBIN/prog_code_cache"

run_plain "$TMP/plain" "$P"
[ "$rc" -eq 0 ] || fail "the program fails without the library (exit $rc): $(cat "$TMP/plain.out")"
run_lib "$TMP/lib" "$TMP/dump" "$P" "$VARIANT"
[ "$rc" -eq 0 ] || fail "exit status $rc with the library; stdout: $(cat "$TMP/lib.out") stderr: $(cat "$TMP/lib.err")"
same_output "$TMP/plain" "$TMP/lib"
quiet "$TMP/lib"
echo "$VARIANT: $(grep hugekb "$TMP/lib.info")"
if [ "$VARIANT" = huge ] && grep -q '^hugekb 0$' "$TMP/lib.info"; then
    skip "the kernel gave no huge page (THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null))"
fi

check '
import sys
from dumpcheck import *
variant, dump, facts = sys.argv[1], sys.argv[2], info(sys.argv[3])
pid = num(one(facts, "pid")[0])
cache = num(one(facts, "cache")[0])
codes = {}
for c in facts["code"]:
    addr, code = code_of(c)
    codes.setdefault(addr, []).append(code)
caps = load(proc_dir(dump, "prog_code_cache", pid))
pg = lambda n: cache + n * 4096
want = [(pg(0), 4096, pg(0)), (pg(5), 4096, pg(5)), (pg(7), 8192, pg(8)), (pg(0), 4096, pg(0))]
got = [(c["a"], c["n"], c["fa"]) for c in caps]
expect(got == want, "%s: captures (addr, len, fault_addr) %s, expected %s"
       % (variant, [tuple(hex(x) for x in g) for g in got], [tuple(hex(x) for x in w) for w in want]))
for i, c in enumerate(caps):
    expect(c["cs"] == i + 1, "%s: capture %d has capture_sequence %d" % (variant, i + 1, c["cs"]))
    for addr, versions in codes.items():
        if c["a"] <= addr < c["a"] + c["n"]:
            v = versions[-1] if i == 3 or addr != pg(0) else versions[0]
            expect(at(c, addr, len(v)) == v, "%s: capture %d: bytes at %#x are not the code written there" % (variant, i + 1, addr))
' "$VARIANT" "$TMP/dump" "$TMP/lib.info"
echo "ok"
