#!/bin/sh
# dlopen looks at its caller to find the RUNPATH that a bare library name is
# searched in; the library's dlopen interposer must not make itself the
# caller.  The host finds its plugin only through its own RUNPATH: it must
# load it under the library (preloaded, with and without watches) as it
# does alone.
. "$(dirname "$0")/lib.sh"
build_host

"$HOST" >"$TMP/plain.out" 2>&1 || fail "the host fails on its own: $(cat "$TMP/plain.out")"
LD_PRELOAD=$LIB MEMWATCH_DUMP_DIR=$TMP/out "$HOST" reload >"$TMP/a.out" 2>&1 ||
    fail "preloaded: $(cat "$TMP/a.out")"
expect_in "$TMP/a.out" "plugin_total again 20"
LD_PRELOAD=$LIB MEMWATCH_DUMP_DIR=$TMP/out MEMWATCH_WATCH=plugin_total "$HOST" reload >"$TMP/b.out" 2>&1 ||
    fail "preloaded with a watch: $(cat "$TMP/b.out")"
expect_in "$TMP/b.out" "plugin_total again 20"
echo "ok"
