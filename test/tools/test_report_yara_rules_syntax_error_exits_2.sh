#!/bin/sh
# Rules that do not compile: YARA's own message with file and line on stderr,
# nothing on stdout, exit status 2.  A missing rules file is exit 2 as well.
. "$(dirname "$0")/lib.sh"

d=$TMP/jit.4242
make_fixture "$d"
cat >"$TMP/bad.yar" <<'YAR'
rule fine { strings: $a = { b8 01 } condition: $a }

rule broken
{
    strings:
        $b = { 83 c0 05 }
    condition:
        $b and and
}
YAR
"$MEMWATCH" report --yara "$TMP/bad.yar" "$d" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] || fail "exit status $rc, not 2, for rules with a syntax error"
[ ! -s "$TMP/out" ] || fail "something was reported: $(head -3 "$TMP/out")"
grep -Eq "^memwatch report: $TMP/bad.yar:8: .*syntax error" "$TMP/err" || { cat "$TMP/err"; fail "no YARA syntax error naming bad.yar line 8"; }

printf 'rule undefined_string { condition: $nope }\n' >"$TMP/undef.yar"
"$MEMWATCH" report --yara "$TMP/undef.yar" "$d" >/dev/null 2>"$TMP/err2"
[ $? -eq 2 ] || fail "an undefined string did not exit 2"
grep -q "undef.yar:1: .*\$nope" "$TMP/err2" || { cat "$TMP/err2"; fail "YARA's message about \$nope is missing"; }

"$MEMWATCH" report --yara "$TMP/missing.yar" "$d" >/dev/null 2>"$TMP/err3"
[ $? -eq 2 ] || fail "a missing rules file did not exit 2"
expect_in "$TMP/err3" "missing.yar: No such file or directory"
echo "ok"
