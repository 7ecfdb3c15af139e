#!/bin/sh
# MEMWATCH_PROMOTE=0: the promotion test program, run with promotion off,
# patches nothing (its sites keep their code while watched) and counts the
# same accesses, every neighbour access now a silent fault.
set -u
bin="$TESTBIN/linked/watch_test_promote_hot_rip_relative_sites"
[ -x "$bin" ] || { echo "SKIP: the promotion test program is not built (run the whole suite)"; exit 77; }
MEMWATCH_PROMOTE=0 "$TESTBIN/runone" --timeout 60 -- "$bin"
