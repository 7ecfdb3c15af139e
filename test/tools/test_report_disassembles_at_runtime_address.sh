#!/bin/sh
# memwatch report lists each capture at the address it ran at: a table of
# captures, then per capture its instructions (Intel syntax, real runtime
# addresses), undecodable bytes as (bad), a page's zero tail collapsed, and
# at most 200 instructions unless --full.
. "$(dirname "$0")/lib.sh"

d=$TMP/dump/jit.4242
make_fixture "$d"
"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/err" || fail "report exited $? ($(cat "$TMP/err"))"
[ -s "$TMP/err" ] && fail "unexpected messages: $(cat "$TMP/err")"

# The table: one row per capture with its fields.
grep -Eq '^ +1 +0x7f0000001000 +6 +0x7f0000001000 +1 +4242 +0x1111111111111111$' "$TMP/out" ||
    { cat "$TMP/out"; fail "no table row for capture 1"; }
grep -Eq '^ +4 +0x7f0000002000 +4096 +0x7f0000002000 +1 +4242 +0x4444444444444444$' "$TMP/out" ||
    fail "no table row for capture 4"

# The code, at its runtime address.
grep -Eq '^  0x7f0000001000  b8 01 00 00 00 +mov eax, 0x1$' "$TMP/out" || fail "mov eax, 0x1 not listed at 0x7f0000001000"
grep -Eq '^  0x7f0000001005  c3 +ret$' "$TMP/out" || fail "ret not listed at 0x7f0000001005"
grep -Eq '^  0x7f0000001005  83 c0 05 +add eax, 0x5$' "$TMP/out" || fail "add eax, 0x5 not listed"
grep -Eq '^  0x7f0000002000  48 89 c8 +mov rax, rcx$' "$TMP/out" || fail "mov rax, rcx not listed"
[ "$(grep -Ec '^  0x7f000000200[34]  06 +\(bad\)$' "$TMP/out")" = 2 ] || fail "the two bad bytes are not listed one by one"
expect_in "$TMP/out" "  ... 4090 zero bytes"
grep -q '^  0x7f0000002[0-9a-f]*  00 00' "$TMP/out" && fail "zero bytes listed as instructions"

# A long capture stops after 200 instructions, unless --full.
long=$TMP/dump/long.4243
mkdir -p "$long"
head -c 300 /dev/zero | tr '\0' '\220' >"$long/nops.bin"
capture_line 1 0x7f0000010000 300 1 0x7f0000010000 0x5555555555555555 nops.bin >"$long/captures.jsonl"
"$MEMWATCH" report "$long" >"$TMP/long" || fail "report of the long capture failed"
[ "$(grep -c ' nop$' "$TMP/long")" = 200 ] || fail "expected 200 listed nops, got $(grep -c ' nop$' "$TMP/long")"
expect_in "$TMP/long" "100 more bytes not listed"
"$MEMWATCH" report --full "$long" >"$TMP/full" || fail "report --full failed"
[ "$(grep -c ' nop$' "$TMP/full")" = 300 ] || fail "--full did not list all 300 nops"

# A dump directory holding both processes reports each, in pid order.
"$MEMWATCH" report "$TMP/dump" >"$TMP/both" || fail "report of the dump directory failed"
first=$(grep -n '^== jit.4242' "$TMP/both" | cut -d: -f1)
second=$(grep -n '^== long.4243' "$TMP/both" | cut -d: -f1)
[ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ] || fail "processes not both reported in pid order"
echo "ok"
