#!/bin/sh
# memwatch report --yara RULES scans every capture: one line per matching rule
# and capture with seq, region, capture_sequence, rule, tags and each string's
# offset in the capture and runtime address; a rule whose bytes are nowhere
# does not appear; identical content (captures 2 and 3) is scanned once.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
rules_fixture "$TMP/rules.yar"
"$MEMWATCH" report --yara "$TMP/rules.yar" "$d" >"$TMP/out" 2>"$TMP/err" || fail "report --yara exited $?"
[ ! -s "$TMP/err" ] || fail "unexpected messages: $(cat "$TMP/err")"

expect_in "$TMP/out" "yara (rules $TMP/rules.yar): 4 captures, 3 distinct contents scanned, 1 from cache; 4 captures matched"
for line in \
    "  seq 1 (region 0x7f0000001000 #1): rule mov_eax_1 [jit,demo]: \$mov at +0x0 = 0x7f0000001000" \
    "  seq 2 (region 0x7f0000001000 #2): rule add_eax_5: \$add at +0x5 = 0x7f0000001005" \
    "  seq 2 (region 0x7f0000001000 #2): rule mov_eax_1 [jit,demo]: \$mov at +0x0 = 0x7f0000001000" \
    "  seq 3 (region 0x7f0000001000 #3): rule add_eax_5: \$add at +0x5 = 0x7f0000001005" \
    "  seq 3 (region 0x7f0000001000 #3): rule mov_eax_1 [jit,demo]: \$mov at +0x0 = 0x7f0000001000" \
    "  seq 4 (region 0x7f0000002000 #1): rule bad_bytes_ret: \$bad at +0x3 = 0x7f0000002003"; do
    grep -qxF -- "$line" "$TMP/out" || { cat "$TMP/out"; fail "missing line: $line"; }
done
[ "$(grep -c ': rule ' "$TMP/out")" = 6 ] || { cat "$TMP/out"; fail "expected exactly 6 match lines"; }
grep -q never_here "$TMP/out" && fail "never_here matched although ud2 is in no capture"
grep -q 'seq 1 .*add_eax_5' "$TMP/out" && fail "add_eax_5 matched capture 1, which has no add"

# Content is what counts, not the recorded hash: with capture 3 changed to new
# bytes (same recorded hash), three contents become four scans.
bytes b8 02 00 00 00 c3 >"$d/code/3.bin"
sed 's/"seq":3,"addr":"0x7f0000001000","len":9/"seq":3,"addr":"0x7f0000001000","len":6/' "$d/captures.jsonl" >"$TMP/c"
mv "$TMP/c" "$d/captures.jsonl"
"$MEMWATCH" report --yara "$TMP/rules.yar" "$d" >"$TMP/out2" || fail "second report --yara exited $?"
expect_in "$TMP/out2" "4 captures, 4 distinct contents scanned, 0 from cache; 3 captures matched"
grep -q '^  seq 3 ' "$TMP/out2" && fail "the changed capture 3 still matches"
echo "ok"
