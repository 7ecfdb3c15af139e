#!/bin/sh
# memwatch report --yara takes compiled rules (what yarac writes) as well as
# a source file, and finds the same matches with them.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
rules_fixture "$TMP/rules.yar"
$CC -O1 -o "$TMP/compile_rules" "$(dirname "$0")/compile_rules.c" -lyara ||
    fail "cannot build compile_rules.c against libyara"
"$TMP/compile_rules" "$TMP/rules.yar" "$TMP/rules.yarc" || fail "compile_rules failed"
head -c 4 "$TMP/rules.yarc" | grep -q YARA || fail "the compiled rules do not start with YARA's magic"

"$MEMWATCH" report --yara "$TMP/rules.yar" "$d" >"$TMP/source.out" || fail "report with source rules exited $?"
"$MEMWATCH" report --yara "$TMP/rules.yarc" "$d" >"$TMP/compiled.out" 2>"$TMP/err" ||
    fail "report with compiled rules exited $?: $(cat "$TMP/err")"
expect_in "$TMP/compiled.out" "seq 4 (region 0x7f0000002000 #1): rule bad_bytes_ret: \$bad at +0x3 = 0x7f0000002003"
sed "s|$TMP/rules.yarc|RULES|" "$TMP/compiled.out" >"$TMP/a"
sed "s|$TMP/rules.yar|RULES|" "$TMP/source.out" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" || { diff "$TMP/b" "$TMP/a"; fail "compiled rules report differently from their source"; }

# Compiled rules cut short are an error of the rules file: exit 2.
head -c 100 "$TMP/rules.yarc" >"$TMP/short.yarc"
"$MEMWATCH" report --yara "$TMP/short.yarc" "$d" >/dev/null 2>"$TMP/err2"
[ $? -eq 2 ] || fail "truncated compiled rules did not exit 2"
expect_in "$TMP/err2" "short.yarc:"
echo "ok"
