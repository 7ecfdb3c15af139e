#!/bin/sh
# The live YARA step (mwt_yara_live_capture, what `memwatch --yara` runs per
# capture in the launcher) over a pack-file dump: one stderr line per match
# naming the rule, "yara" added to the capture's event line, one yara.jsonl
# line per matching capture (identical content scanned once), and the report
# shows those lines as the matches found while the program ran.
. "$(dirname "$0")/lib.sh"
need_python

d=$TMP/jit.4242
make_pack_fixture "$d"
rules_fixture "$TMP/rules.yar"
t=$ROOT/tools
$CC -std=gnu11 -O1 -D_GNU_SOURCE -I"$ROOT" -o "$TMP/live_scan" "$(dirname "$0")/live_scan.c" \
    "$t/yara.c" "$t/ymatch.c" "$t/dump.c" "$t/json_fields.c" "$t/hash.c" "$t/util.c" -ljansson -lyara ||
    fail "cannot build live_scan.c with the tool's sources"
"$TMP/live_scan" "$TMP/rules.yar" "$d" >"$TMP/events" 2>"$TMP/err" || fail "live_scan exited $?: $(cat "$TMP/err")"

expect_in "$TMP/err" "memwatch: yara: jit.4242 seq 1 (region 0x7f0000001000 #1): rule mov_eax_1 [jit,demo]: \$mov at +0x0 = 0x7f0000001000"
expect_in "$TMP/err" "memwatch: yara: jit.4242 seq 4 (region 0x7f0000002000 #1): rule bad_bytes_ret: \$bad at +0x3 = 0x7f0000002003"
[ "$(grep -c ': rule ' "$TMP/err")" = 6 ] || { cat "$TMP/err"; fail "expected 6 match lines on stderr"; }
expect_in "$TMP/err" "scanned 3 of 4"
[ "$(stat -c %a "$d/yara.jsonl")" = 600 ] || fail "yara.jsonl is not mode 0600"

python3 - "$TMP/events" "$d/yara.jsonl" <<'PY' || fail "the events or yara.jsonl are wrong"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert [e["seq"] for e in events] == [1, 2, 3, 4]
assert sorted(m["rule"] for m in events[2]["yara"]) == ["add_eax_5", "mov_eax_1"], events[2]
lines = [json.loads(l) for l in open(sys.argv[2])]
assert [l["seq"] for l in lines] == [1, 2, 3, 4], lines
assert lines[3]["addr"] == "0x7f0000002000" and lines[3]["matches"][0]["strings"][0]["offset"] == 3
assert lines[1]["content"] == lines[2]["content"] and lines[1]["hash"] == "0x2222222222222222"
PY

"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/report.err" || fail "report exited $?"
[ ! -s "$TMP/report.err" ] || fail "report warned: $(cat "$TMP/report.err")"
expect_in "$TMP/out" "yara matches recorded while it ran (yara.jsonl): 4 captures"
expect_in "$TMP/out" "  seq 3 (region 0x7f0000001000 #3): rule add_eax_5: \$add at +0x5 = 0x7f0000001005"

# A symbolic link in place of yara.jsonl is refused, not followed.
rm "$d/yara.jsonl"
ln -s "$TMP/elsewhere" "$d/yara.jsonl"
"$TMP/live_scan" "$TMP/rules.yar" "$d" >/dev/null 2>&1 && fail "live_scan wrote through a symbolic link"
[ ! -e "$TMP/elsewhere" ] || fail "yara.jsonl was followed to its link target"
echo "ok"
