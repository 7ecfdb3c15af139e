#!/bin/sh
# The options become the MEMWATCH_* environment the library reads at load,
# and LD_PRELOAD gets the library's absolute path in front of what it held.
. "$(dirname "$0")/lib.sh"

dummy_lib "$TMP/dummy.so"
dummy_lib "$TMP/other.so"
cd "$TMP" || fail "cd"

MEMWATCH_LIB=dummy.so LD_PRELOAD="$TMP/other.so" "$MEMWATCH" --dump-dir "$TMP/X" --no-capture \
    --watch foo:8 --watch 0x1000:4:w --log stderr --jitdump --syscalls trap -- /usr/bin/env \
    >"$TMP/env" 2>"$TMP/err" || fail "memwatch env exited $? ($(cat "$TMP/err"))"
expect_in "$TMP/env" "MEMWATCH_DUMP_DIR=$TMP/X"
expect_in "$TMP/env" "MEMWATCH_CAPTURE=0"
expect_in "$TMP/env" "MEMWATCH_WATCH=foo:8,0x1000:4:w"
expect_in "$TMP/env" "MEMWATCH_LOG=stderr"
expect_in "$TMP/env" "MEMWATCH_JITDUMP=1"
expect_in "$TMP/env" "MEMWATCH_SYSCALLS=trap"
grep -qx "LD_PRELOAD=$TMP/dummy.so:$TMP/other.so" "$TMP/env" ||
    fail "LD_PRELOAD is $(grep LD_PRELOAD "$TMP/env")"
expect_in "$TMP/err" "logged in $TMP/X ("

# Without options: the default dump directory, made absolute; nothing else set.
env -u MEMWATCH_CAPTURE -u MEMWATCH_WATCH -u MEMWATCH_DUMP_DIR -u LD_PRELOAD \
    MEMWATCH_LIB="$TMP/dummy.so" "$MEMWATCH" -q /usr/bin/env >"$TMP/env2" || fail "memwatch env failed"
expect_in "$TMP/env2" "MEMWATCH_DUMP_DIR=$TMP/memwatch-out"
grep -qx "LD_PRELOAD=$TMP/dummy.so" "$TMP/env2" || fail "LD_PRELOAD is $(grep LD_PRELOAD "$TMP/env2")"
grep -q '^MEMWATCH_CAPTURE=\|^MEMWATCH_WATCH=' "$TMP/env2" && fail "options not given were set"

# --opt=value works too, and a missing library is a clear error.
MEMWATCH_LIB="$TMP/dummy.so" "$MEMWATCH" -q --watch=bar --dump-dir=rel /usr/bin/env >"$TMP/env3" ||
    fail "--opt=value forms failed"
expect_in "$TMP/env3" "MEMWATCH_WATCH=bar"
expect_in "$TMP/env3" "MEMWATCH_DUMP_DIR=$TMP/rel"
MEMWATCH_LIB="$TMP/nothere.so" "$MEMWATCH" true 2>"$TMP/err"
[ $? -eq 125 ] || fail "a missing MEMWATCH_LIB did not exit 125"
expect_in "$TMP/err" "nothere.so"
echo "ok"
