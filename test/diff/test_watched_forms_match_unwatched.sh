#!/bin/sh
# Proves that a fixed sample of the differential corpus (every 25th form of
# this machine's libraries and of the synthesized vector forms) and every
# regression case of test/diff/regress.txt end in the same registers, flags,
# vector and mask registers, signals, memory and trap counts whether their
# operands are watched or not (see diffrun.c); the regression cases and a
# smaller sample again under the toggling backend, and again with each site
# promoted at its first fault and run a second time through its stub.  The
# whole corpus runs in `make fuzz`.
set -u
. "$ROOT/test/diff/lib.sh"
diff_build || exit 1
diff_corpus || exit 1
diff_run -e 25 -o "$DIFFBIN/sample-details.txt" "$CORPUS" "$ROOT/test/diff/regress.txt" || exit 1
echo "== toggle backend"
MEMWATCH_BACKEND=toggle diff_run -e 100 -o "$DIFFBIN/sample-details-toggle.txt" "$CORPUS" \
    "$ROOT/test/diff/regress.txt" || exit 1
echo "== promoted sites"
log=$DIFFBIN/sample-promoted.log
MEMWATCH_PROMOTE=always diff_run -p -e 100 -o "$DIFFBIN/sample-details-promoted.txt" "$CORPUS" \
    "$ROOT/test/diff/regress.txt" >"$log"
rc=$?
cat "$log"
[ $rc -eq 0 ] || exit 1
# the pass means something only if sites were promoted and run through
grep -q "^through a promoted site as well (the same end and count): [1-9]" "$log" ||
    { echo "FAIL: no form ran through a promoted site"; exit 1; }
