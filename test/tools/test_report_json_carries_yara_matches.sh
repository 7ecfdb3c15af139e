#!/bin/sh
# memwatch report --json --yara RULES carries each capture's matches ("yara":
# rule, namespace, tags, strings with id, offset, len and runtime address) and
# the process's scan counts; identical content shows as scanned once.
. "$(dirname "$0")/lib.sh"
need_python

d=$TMP/jit.4242
make_fixture "$d"
rules_fixture "$TMP/rules.yar"
"$MEMWATCH" report --json --yara "$TMP/rules.yar" "$d" >"$TMP/out.json" || fail "report --json --yara exited $?"

python3 - "$TMP/out.json" "$TMP/rules.yar" <<'PY' || fail "the JSON document does not carry the matches"
import json, sys
doc = json.load(open(sys.argv[1]))
p = doc["processes"][0]
assert p["yara"] == {"rules": sys.argv[2], "captures": 4, "scanned": 3, "from_cache": 1, "matched": 4}, p["yara"]
caps = {c["seq"]: c for c in p["captures"]}
def rules(seq):
    return sorted(m["rule"] for m in caps[seq]["yara"])
assert rules(1) == ["mov_eax_1"], rules(1)
assert rules(2) == rules(3) == ["add_eax_5", "mov_eax_1"], (rules(2), rules(3))
assert rules(4) == ["bad_bytes_ret"], rules(4)
m = [m for m in caps[1]["yara"] if m["rule"] == "mov_eax_1"][0]
assert m["namespace"] == "default" and m["tags"] == ["jit", "demo"], m
assert m["strings"] == [{"id": "$mov", "offset": 0, "len": 5, "addr": "0x7f0000001000"}], m["strings"]
add = [m for m in caps[3]["yara"] if m["rule"] == "add_eax_5"][0]
assert add["strings"] == [{"id": "$add", "offset": 5, "len": 3, "addr": "0x7f0000001005"}], add
bad = caps[4]["yara"][0]
assert bad["strings"][0]["addr"] == "0x7f0000002003" and bad["strings_not_listed"] == 0, bad
assert all("never_here" not in json.dumps(c["yara"]) for c in p["captures"])
# The content hash the report computed: XXH3 of the bytes, one per distinct content.
assert caps[2]["content"] == caps[3]["content"] != caps[1]["content"], [c["content"] for c in caps.values()]
assert all(len(c["content"]) == 18 and c["content"].startswith("0x") for c in caps.values())
assert "yara_live" not in caps[1]  # no yara.jsonl in this dump
PY

# Without --yara there is no "yara" key at all.
"$MEMWATCH" report --json "$d" >"$TMP/plain.json" || fail "report --json exited $?"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["processes"][0]
assert "yara" not in p and all("yara" not in c for c in p["captures"])
' "$TMP/plain.json" || fail "report --json without --yara has yara keys"
echo "ok"
