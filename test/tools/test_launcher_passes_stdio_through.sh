#!/bin/sh
# The launcher leaves the program's stdin and stdout alone and prints its one
# summary line on stderr (none with -q).
. "$(dirname "$0")/lib.sh"

dummy_lib "$TMP/dummy.so"
export MEMWATCH_LIB="$TMP/dummy.so"
cd "$TMP" || fail "cd"

"$MEMWATCH" /bin/echo hi >"$TMP/out" 2>"$TMP/err" || fail "memwatch /bin/echo hi exited $?"
[ "$(cat "$TMP/out")" = hi ] || fail "stdout was '$(cat "$TMP/out")', not 'hi'"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "not one summary line: $(cat "$TMP/err")"
grep -Eq '^memwatch: 0 captures, 0 accesses logged in \./memwatch-out \(0 processes\)$' "$TMP/err" ||
    fail "odd summary: $(cat "$TMP/err")"

printf 'line one\nline two\n' | "$MEMWATCH" -q -- cat >"$TMP/out" 2>"$TMP/err" || fail "memwatch cat exited $?"
[ "$(cat "$TMP/out")" = "$(printf 'line one\nline two')" ] || fail "stdin did not reach the program"
[ -s "$TMP/err" ] && fail "-q still printed: $(cat "$TMP/err")"

# Arguments after the program are the program's, options included.
"$MEMWATCH" -q /bin/echo --quiet -- --help >"$TMP/out" || fail "memwatch echo --quiet failed"
[ "$(cat "$TMP/out")" = "--quiet -- --help" ] || fail "arguments changed: $(cat "$TMP/out")"
echo "ok"
