#!/bin/sh
# memwatch report on an accesses.jsonl the library really wrote: per watched
# variable (by the name it was watched under) a table of who touched it -
# function+offset, count, reads, writes, first and last value - and the
# same in --json, where each row keeps its sym and ip.
. "$(dirname "$0")/lib.sh"
need_python
build tooling_vars tooling_vars.c
"$MEMWATCH" -q --dump-dir "$TMP/out" --watch g_counter,s_total:w -- "$BIN/tooling_vars" >"$TMP/run.out" ||
    fail "run failed"
"$MEMWATCH" report "$TMP/out" >"$TMP/report.txt" 2>"$TMP/report.err" || fail "report exited $?"
[ ! -s "$TMP/report.err" ] || fail "report warned: $(cat "$TMP/report.err")"
expect_in "$TMP/report.txt" "accesses: 11, by watched variable:"
gc=$(value_of "$TMP/run.out" G_COUNTER)
expect_in "$TMP/report.txt" "g_counter ($gc.."
expect_in "$TMP/report.txt" "): 6 accesses, 6 reads, 5 writes"
# bump_counter's add: 5 read-modify-writes, first value 1, last 5; main's read.
grep -Eq '^ +bump_counter\+0x[0-9a-f]+ +5 +5 +5 +0x1 +0x5$' "$TMP/report.txt" ||
    { cat "$TMP/report.txt"; fail "no row for bump_counter"; }
grep -Eq '^ +main\+0x[0-9a-f]+ +1 +1 +0 +0x5 +0x5$' "$TMP/report.txt" || fail "no row for main"
# s_total:w: add_total's writes, 100+1 ... 115.
grep -Eq '^ +add_total\+0x[0-9a-f]+ +5 +5 +5 +0x65 +0x73$' "$TMP/report.txt" || fail "no row for add_total"
[ "$(grep -n 'bump_counter+' "$TMP/report.txt" | cut -d: -f1)" -lt "$(grep -n ' main+' "$TMP/report.txt" | cut -d: -f1)" ] ||
    fail "rows are not ordered by count"

"$MEMWATCH" report --json "$TMP/out" >"$TMP/report.json" || fail "report --json exited $?"
python3 - "$TMP/report.json" "$gc" <<'PY' || fail "--json summary is wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
p = doc["processes"][0]
acc = p["accesses"]
assert acc["count"] == 11, acc["count"]
v = {x["var"]: x for x in acc["variables"]}
g = v["g_counter"]
assert g["lo"] == sys.argv[2] and g["count"] == 6 and g["reads"] == 6 and g["writes"] == 5, g
row = g["rows"][0]
assert row["who"].startswith("bump_counter+0x") and row["sym"] == row["who"], row
assert row["ip"].startswith("0x") and row["count"] == 5 and row["first"] == "01000000" and row["last"] == "05000000", row
assert v["s_total"]["writes"] == 5 and v["s_total"]["rows"][0]["who"].startswith("add_total+0x")
assert p["captures"] == []
PY
echo "ok"
