#!/bin/sh
# memwatch report --html OUT writes one file that needs nothing else: no
# http:// or https:// reference, no external script, style, font or image
# (no src=, href=, <link>, @import, url()), the data inside it as JSON that
# parses, and dump strings that look like markup kept inert inside it.
. "$(dirname "$0")/lib.sh"
need_python

d=$TMP/dump/jit.4242
make_fixture "$d"
make_accesses "$d"
# A symbol that tries to close the data's <script> element.
access_line 0x601040 4 w 0x401400 '</script><script>alert(1)</script>' counter 07000000 08000000 >>"$d/accesses.jsonl"
rules_fixture "$TMP/rules.yar"
mkdir "$TMP/out"
"$MEMWATCH" report --yara "$TMP/rules.yar" --html "$TMP/out/report.html" "$TMP/dump" >"$TMP/stdout" 2>"$TMP/err" ||
    fail "report --html exited $?: $(cat "$TMP/err")"
f=$TMP/out/report.html
expect_in "$TMP/stdout" "wrote $f ("
[ "$(ls "$TMP/out")" = report.html ] || fail "more than one file written: $(ls "$TMP/out")"

grep -Eiq 'https?://' "$f" && fail "the page references the network: $(grep -Eio '.{20}https?://.{20}' "$f" | head -3)"
grep -Eiq '[[:space:]](src|href)=' "$f" && fail "the page loads something: $(grep -Eio '.{20}(src|href)=.{20}' "$f" | head -3)"
grep -Eiq '<link|<iframe|<object|<embed|@import|url\(' "$f" && fail "the page pulls in an external resource"
[ "$(grep -c '<script' "$f")" = 2 ] || fail "expected exactly two <script> elements (data and code)"

python3 - "$f" <<'PY' || fail "the page's data is not what it should be"
import json, re, sys
page = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" id="mw-data">(.*?)</script>', page, re.S)
assert m, "no data element"
data = json.loads(m.group(1))
assert "<" not in m.group(1), "a raw < inside the data element"
assert data["processes"][0]["name"] == "jit.4242"
p = data["processes"][0]
assert [c["seq"] for c in p["caps"]] == [1, 2, 3, 4]
assert len(p["listings"]) == 3, len(p["listings"])          # captures 2 and 3: one content, one listing
assert p["caps"][1]["l"] == p["caps"][2]["l"]
assert p["diffs"][p["caps"][2]["d"]]["identical"] is True
assert p["yara"]["scanned"] == 3 and p["yara"]["from_cache"] == 1, p["yara"]
assert any(m["rule"] == "bad_bytes_ret" for m in p["caps"][3]["y"])
who = [w["who"] for v in p["vars"] for w in v["who"]]
assert "</script><script>alert(1)</script>" in who, who
assert all(len(v["r"]) == data["limits"]["bins"] for v in p["vars"])
PY
echo "ok"
