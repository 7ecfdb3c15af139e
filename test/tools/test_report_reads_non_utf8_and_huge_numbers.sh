#!/bin/sh
# A line holding bytes that are not UTF-8 (the library writes symbol names as
# they are) or a number beyond 64-bit signed range (an unknown key) is still
# read, not skipped: the odd bytes show as '?', the known fields keep their
# exact values.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
printf '{"addr":"0x601040","size":4,"op":"w","ip":"0x401126","sym":"caf\351+0x1","var":"counter",' >"$d/accesses.jsonl"
printf '"tid":4242,"timestamp_ns":1700000000000000000,"before":"00000000","after":"2a000000"}\n' >>"$d/accesses.jsonl"
sed 's/"seq":2,/"seq":2,"future":18446744073709551615,/' "$d/captures.jsonl" >"$TMP/c" && mv "$TMP/c" "$d/captures.jsonl"

"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/err" || fail "report exited $?"
[ ! -s "$TMP/err" ] || fail "lines were skipped: $(cat "$TMP/err")"
grep -Eq '^ +caf\?\+0x1 +1 +0 +1 +0x2a +0x2a$' "$TMP/out" || { cat "$TMP/out"; fail "the access with a Latin-1 symbol is missing"; }
grep -Eq '^ +2 +0x7f0000001000 +9 +0x7f0000001000 +2 +4242 +0x2222222222222222$' "$TMP/out" ||
    fail "capture 2 (with a huge unknown number) lost its fields"
echo "ok"
