#!/bin/sh
# The HTML report of a large dump stays bounded: for 2,000 captures in 100
# regions (one pack file) and 200,000 accesses, one listing per distinct
# content of at most MWT_HTML_INSNS (64) instructions, one diff per distinct
# pair of versions of at most 64 lines, accesses as 120 time bins per
# variable and function (never one by one), and under 1,500 bytes of page
# per capture.  (The figures for 10,000 captures and a million accesses are
# in the README, from scripts/html-scale.sh.)
. "$(dirname "$0")/lib.sh"
need_python

python3 "$(dirname "$0")/make_big_dump.py" "$TMP/dump/jit.4242" 2000 200000 100 || fail "make_big_dump.py failed"
"$MEMWATCH" report --html "$TMP/r.html" "$TMP/dump" >/dev/null 2>"$TMP/err" || fail "report --html exited $?: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "warnings: $(head -3 "$TMP/err")"

python3 - "$TMP/r.html" <<'PY' || fail "the page is not bounded as it should be"
import json, os, re, sys
page = open(sys.argv[1]).read()
data = json.loads(re.search(r'id="mw-data">(.*?)</script>', page, re.S).group(1))
p = data["processes"][0]
lim = data["limits"]
assert lim["insns"] == 64 and lim["diff_lines"] == 64 and lim["bins"] == 120, lim
assert len(p["caps"]) == 2000 and len(p["regions"]) == 100
contents = {c["content"] for c in p["caps"]}
assert len(p["listings"]) == len(contents) < 2000, (len(p["listings"]), len(contents))
assert all(len(l["lines"]) <= 64 for l in p["listings"])
assert any(l["more"] > 0 for l in p["listings"]), "no listing was cut: the bound is not exercised"
assert all(sum(len(h) for h in d["hunks"]) <= 64 for d in p["diffs"])
assert sum(1 for d in p["diffs"] if d["identical"]) > 0, "no identical pair (every 10th version repeats)"
assert p["naccs"] == 200000 and len(p["vars"]) == 3
for v in p["vars"]:
    assert len(v["r"]) == len(v["w"]) == 120
    assert len(v["who"]) <= 12 and v["other"] and v["other"]["functions"] > 0, v["other"]
    assert sum(v["r"]) == v["reads"] and sum(v["w"]) == v["writes"]
size = os.path.getsize(sys.argv[1])
assert size < 2000 * 1500, size
print("page: %d bytes, %d listings, %d diffs" % (size, len(p["listings"]), len(p["diffs"])))
PY
echo "ok"
