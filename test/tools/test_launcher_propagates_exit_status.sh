#!/bin/sh
# memwatch exits with the program's status; 127 and 126 say the program was
# not found or not executable.
. "$(dirname "$0")/lib.sh"

dummy_lib "$TMP/dummy.so"
export MEMWATCH_LIB="$TMP/dummy.so"
cd "$TMP" || fail "cd"

for status in 0 1 7 255; do
    "$MEMWATCH" -q sh -c "exit $status"
    rc=$?
    [ $rc -eq "$status" ] || fail "sh -c 'exit $status' gave $rc"
done
"$MEMWATCH" -q "$TMP/no-such-program" 2>"$TMP/err"
[ $? -eq 127 ] || fail "a missing program did not give 127"
expect_in "$TMP/err" "no-such-program"
: >"$TMP/not-executable"
"$MEMWATCH" -q "$TMP/not-executable" 2>/dev/null
[ $? -eq 126 ] || fail "a non-executable program did not give 126"
echo "ok"
