#!/bin/sh
# memwatch report --diff compares consecutive captures of a region, in
# capture_sequence order: the instruction that appeared is a + line at its
# address, unchanged ones are context, and captures with the same hash are
# reported identical.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
# The lines out of order: the diff must follow capture_sequence, not the file.
{ sed -n 3p "$d/captures.jsonl"; sed -n 1,2p "$d/captures.jsonl"; sed -n 4p "$d/captures.jsonl"; } >"$TMP/c"
mv "$TMP/c" "$d/captures.jsonl"
"$MEMWATCH" report --diff "$d" >"$TMP/out" 2>"$TMP/err" || fail "report --diff exited $?"

expect_in "$TMP/out" "region 0x7f0000001000: capture_sequence 1 -> 2 (seq 1 -> 2): 1 change"
grep -Eq '^  \+ 0x7f0000001005  83 c0 05 +add eax, 0x5$' "$TMP/out" || { cat "$TMP/out"; fail "no + line for add eax, 0x5"; }
grep -Eq '^    0x7f0000001000  b8 01 00 00 00 +mov eax, 0x1$' "$TMP/out" || fail "mov eax, 0x1 is not context"
grep -Eq '^  [-+] .*mov eax, 0x1$' "$TMP/out" && fail "the unchanged mov is shown as changed"
expect_in "$TMP/out" "region 0x7f0000001000: capture_sequence 2 -> 3 (seq 2 -> 3): identical"
expect_in "$TMP/out" "region 0x7f0000002000: 1 capture, nothing to compare"

# A replaced instruction is a - line and a + line.
bytes b8 02 00 00 00 83 c0 05 c3 >"$d/code/3.bin"
sed 's/"seq":3,\(.*\)0x2222222222222222/"seq":3,\10x3333333333333333/' "$d/captures.jsonl" >"$TMP/c"
mv "$TMP/c" "$d/captures.jsonl"
"$MEMWATCH" report --diff "$d" >"$TMP/out2" || fail "second report --diff exited $?"
grep -Eq '^  - 0x7f0000001000  b8 01 00 00 00 +mov eax, 0x1$' "$TMP/out2" || { cat "$TMP/out2"; fail "no - line for mov eax, 0x1"; }
grep -Eq '^  \+ 0x7f0000001000  b8 02 00 00 00 +mov eax, 0x2$' "$TMP/out2" || fail "no + line for mov eax, 0x2"

# A region address used again after munmap (capture_sequence restarts) is a new region.
capture_line 5 0x7f0000001000 6 1 0x7f0000001000 0x1111111111111111 code/1.bin >>"$d/captures.jsonl"
"$MEMWATCH" report --diff "$d" >"$TMP/out3" || fail "third report --diff exited $?"
grep -q 'capture_sequence 3 -> 1' "$TMP/out3" && fail "a reused region address was diffed against the old region"
expect_in "$TMP/out3" "region 0x7f0000001000: 1 capture, nothing to compare"
echo "ok"
