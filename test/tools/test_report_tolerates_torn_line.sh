#!/bin/sh
# A torn last line (the process died while writing it) or a line that is not
# JSON is skipped with one warning; unknown keys are ignored and missing ones
# shown as "-"; the rest of the report is unaffected.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
make_accesses "$d"
printf '{"seq":5,"addr":"0x7f00000030' >>"$d/captures.jsonl"   # torn, no newline
printf 'not json at all\n{"addr":"0x601040","size":4,"op":"w",' >>"$d/accesses.jsonl"
echo '{"seq":6,"addr":"0x7f0000004000","len":6,"file":"code/1.bin","odd":{"deep":[[[]]]}}' >"$TMP/extra"
# A line in the middle with only some keys.
{ sed -n 1p "$d/captures.jsonl"; cat "$TMP/extra"; sed -n '2,$p' "$d/captures.jsonl"; } >"$TMP/c"
mv "$TMP/c" "$d/captures.jsonl"

"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/err" || fail "report exited $? on a torn line"
[ "$(grep -c 'warning' "$TMP/err")" = 3 ] || { cat "$TMP/err"; fail "expected exactly 3 warnings"; }
grep -q 'captures.jsonl:6:' "$TMP/err" || fail "the torn capture line is not named"
grep -q 'accesses.jsonl:6:' "$TMP/err" || fail "the invalid access line is not named"
grep -q 'accesses.jsonl:7:' "$TMP/err" || fail "the torn access line is not named"
grep -Eq '^ +6 +0x7f0000004000 +6 +- +- +- +-$' "$TMP/out" || { cat "$TMP/out"; fail "missing keys not shown as -"; }
grep -Eq '^  0x7f0000004000  b8 01 00 00 00 +mov eax, 0x1$' "$TMP/out" || fail "the partial capture is not listed"
expect_in "$TMP/out" "captures: 5"
expect_in "$TMP/out" "accesses: 5"
expect_in "$TMP/out" "0x7f0000002000  48 89 c8"
echo "ok"
