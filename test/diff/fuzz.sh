#!/bin/sh
# test/diff/fuzz.sh [full|sample] - the differential test of the fault engine
# (see diffrun.c): builds the corpus of instruction forms of this machine's
# libraries plus the synthesized vector forms, runs every form against
# ordinary and watched memory, and reports "N forms, D divergences, U
# unsupported" - first with watched pages reached through their alias view
# (the default backend), then with the toggling backend, then with every
# site promoted at its first fault and run again through its stub
# (MEMWATCH_PROMOTE=always, diffrun -p).  `make fuzz` runs
# the whole corpus; "sample" runs every 25th form.  The per-form outcomes go
# to build/diff/details*.txt.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/test/diff/lib.sh"

mode=${1:-full}
diff_build || exit 1
diff_corpus || exit 1
case "$mode" in
    full) every=1 ;;
    sample) every=25 ;;
    *) echo "usage: fuzz.sh [full|sample]"; exit 2 ;;
esac
echo "== alias backend (default)"
diff_run -e "$every" -o "$DIFFBIN/details.txt" "$CORPUS" "$ROOT/test/diff/regress.txt"
rc=$?
echo "== toggle backend (MEMWATCH_BACKEND=toggle)"
MEMWATCH_BACKEND=toggle diff_run -e "$every" -o "$DIFFBIN/details-toggle.txt" "$CORPUS" \
    "$ROOT/test/diff/regress.txt" || rc=1
echo "== promoted sites (MEMWATCH_PROMOTE=always)"
MEMWATCH_PROMOTE=always diff_run -p -e "$every" -o "$DIFFBIN/details-promoted.txt" "$CORPUS" \
    "$ROOT/test/diff/regress.txt" || rc=1
exit $rc
