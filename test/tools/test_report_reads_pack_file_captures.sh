#!/bin/sh
# Captures stored in one pack file ("file":"code.pack","offset":N, the len
# bytes at N) are read like captures in files of their own: the same text
# report, the same diffs; a pack file too short for a line's bytes is named
# in the report, and the other captures are still listed.
. "$(dirname "$0")/lib.sh"

make_fixture "$TMP/files/jit.4242"
make_pack_fixture "$TMP/pack/jit.4242"
"$MEMWATCH" report --diff "$TMP/files/jit.4242" >"$TMP/files.out" 2>&1 || fail "report of the file dump exited $?"
"$MEMWATCH" report --diff "$TMP/pack/jit.4242" >"$TMP/pack.out" 2>"$TMP/pack.err" || fail "report of the pack dump exited $?"
[ ! -s "$TMP/pack.err" ] || fail "warnings for the pack dump: $(cat "$TMP/pack.err")"
grep -Eq '^  0x7f0000001005  83 c0 05 +add eax, 0x5$' "$TMP/pack.out" || { cat "$TMP/pack.out"; fail "capture 2 is not read from the pack"; }
grep -Eq '^  0x7f0000002005  c3 +ret$' "$TMP/pack.out" || fail "capture 4 (offset 64) is not read from the pack"
expect_in "$TMP/pack.out" "file code.pack"
# Everything but the directory and the file column reads the same.
sed -e 's|/files/|/X/|' -e 's|file code/[0-9].bin|file F|' "$TMP/files.out" >"$TMP/a"
sed -e 's|/pack/|/X/|' -e 's|file code.pack|file F|' "$TMP/pack.out" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" || { diff "$TMP/a" "$TMP/b"; fail "the pack dump reads differently"; }

# A pack file cut short inside capture 4: the report says so and goes on.
truncate -s 100 "$TMP/pack/jit.4242/code.pack"
"$MEMWATCH" report "$TMP/pack/jit.4242" >"$TMP/short.out" 2>&1 || fail "report of a short pack exited $?"
expect_in "$TMP/short.out" "(pack file code.pack holds 36 of the 4096 bytes at offset 64)"
expect_in "$TMP/short.out" "0x7f0000001000  b8 01 00 00 00"
# An offset without len cannot be read, and says why.
sed 's/"len":6,//' "$TMP/pack/jit.4242/captures.jsonl" >"$TMP/c" && mv "$TMP/c" "$TMP/pack/jit.4242/captures.jsonl"
"$MEMWATCH" report "$TMP/pack/jit.4242" >"$TMP/nolen.out" 2>&1 || fail "report without len exited $?"
expect_in "$TMP/nolen.out" "(file code.pack: an offset but no len)"
echo "ok"
