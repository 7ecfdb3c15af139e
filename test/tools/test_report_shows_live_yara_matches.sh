#!/bin/sh
# Matches the launcher recorded while the program ran (yara.jsonl in the
# process directory, one line per matching capture, keyed by seq) show in the
# text report, in --json as each capture's "yara_live", and in the HTML page;
# a line naming a seq that no capture has is one warning.
. "$(dirname "$0")/lib.sh"
need_python

d=$TMP/jit.4242
make_fixture "$d"
{
    printf '{"seq":2,"addr":"0x7f0000001000","hash":"0x2222222222222222","content":"0x0","matches":'
    printf '[{"rule":"live_add","namespace":"default","tags":["jit"],"strings":'
    printf '[{"id":"$a","offset":5,"len":3,"addr":"0x7f0000001005"}],"strings_not_listed":0}]}\n'
    printf '{"seq":4,"matches":[{"rule":"live_cond","namespace":"ns1","tags":[],"strings":[]}]}\n'
    printf '{"seq":99,"matches":[]}\n'
} >"$d/yara.jsonl"

"$MEMWATCH" report "$d" >"$TMP/out" 2>"$TMP/err" || fail "report exited $?"
expect_in "$TMP/out" "yara matches recorded while it ran (yara.jsonl): 2 captures"
expect_in "$TMP/out" "  seq 2 (region 0x7f0000001000 #2): rule live_add [jit]: \$a at +0x5 = 0x7f0000001005"
expect_in "$TMP/out" "  seq 4 (region 0x7f0000002000 #1): rule live_cond (namespace ns1)"
grep -q 'yara.jsonl:3: no capture with this seq' "$TMP/err" || { cat "$TMP/err"; fail "the unknown seq 99 is not warned about"; }

"$MEMWATCH" report --json "$d" >"$TMP/out.json" 2>/dev/null || fail "report --json exited $?"
python3 - "$TMP/out.json" <<'PY' || fail "--json does not carry yara_live"
import json, sys
caps = {c["seq"]: c for c in json.load(open(sys.argv[1]))["processes"][0]["captures"]}
assert caps[1]["yara_live"] == [] and caps[3]["yara_live"] == []
live = caps[2]["yara_live"][0]
assert live["rule"] == "live_add" and live["strings"][0]["addr"] == "0x7f0000001005", live
assert caps[4]["yara_live"][0]["namespace"] == "ns1"
PY

"$MEMWATCH" report --html "$TMP/r.html" "$d" >/dev/null 2>&1 || fail "report --html exited $?"
expect_in "$TMP/r.html" '"yl":[{"rule":"live_add"'
echo "ok"
