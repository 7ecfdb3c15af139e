#!/bin/sh
# Proves that a fixed sample of the differential corpus (every 25th form of
# this machine's libraries and of the synthesized vector forms) and every
# regression case of test/diff/regress.txt end in the same registers, flags,
# vector and mask registers, signals, memory and trap counts whether their
# operands are watched or not (see diffrun.c); the regression cases and a
# smaller sample again under the toggling backend.  The whole corpus runs in
# `make fuzz`.
set -u
. "$ROOT/test/diff/lib.sh"
diff_build || exit 1
diff_corpus || exit 1
diff_run -e 25 -o "$DIFFBIN/sample-details.txt" "$CORPUS" "$ROOT/test/diff/regress.txt" || exit 1
echo "== toggle backend"
MEMWATCH_BACKEND=toggle diff_run -e 100 -o "$DIFFBIN/sample-details-toggle.txt" "$CORPUS" \
    "$ROOT/test/diff/regress.txt"
