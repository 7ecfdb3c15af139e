#!/bin/sh
# With accesses.jsonl, memwatch report summarizes per watched variable (its
# var, else its address range) who touched it: a row per function+offset (or
# ip) with count, reads, writes and the first and last value written.
. "$(dirname "$0")/lib.sh"

d=$TMP/prog.4242
mkdir -p "$d"
make_accesses "$d"
"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/err" || fail "report exited $? ($(cat "$TMP/err"))"

expect_in "$TMP/out" "captures: none (no captures.jsonl)"
expect_in "$TMP/out" "accesses: 5"
expect_in "$TMP/out" "counter (0x601040..0x601044): 4 accesses, 2 reads, 3 writes"
# who count reads writes first last: main wrote 1, then 0x2a, then 7.
grep -Eq '^ +main\+0x16 +3 +1 +3 +0x1 +0x7$' "$TMP/out" || { cat "$TMP/out"; fail "wrong row for main+0x16"; }
# reader only read: its values are the bytes it saw.
grep -Eq '^ +reader\+0x4 +1 +1 +0 +0x1 +0x1$' "$TMP/out" || fail "wrong row for reader+0x4"
# No var, no sym: the address range and the ip stand in.
expect_in "$TMP/out" "0x601080..0x601088: 1 access, 0 reads, 1 write"
grep -Eq '^ +0x401300 +1 +0 +1 +0xdeadbeef +0xdeadbeef$' "$TMP/out" || fail "wrong row for the unnamed range"
# Rows are ordered by count: main+0x16 before reader+0x4.
[ "$(grep -n 'main+0x16' "$TMP/out" | cut -d: -f1)" -lt "$(grep -n 'reader+0x4' "$TMP/out" | cut -d: -f1)" ] ||
    fail "rows not ordered by count"
echo "ok"
