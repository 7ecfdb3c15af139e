#!/bin/sh
# memwatch report --json prints one JSON document with the captures (each with
# its disassembly as {addr, bytes, text}), the access summary and, with
# --diff, the diffs; python3's json module parses it.
. "$(dirname "$0")/lib.sh"
need_python

d=$TMP/dump/jit.4242
make_fixture "$d"
make_accesses "$d"
"$MEMWATCH" report --json --diff "$d" >"$TMP/out.json" || fail "report --json exited $?"

python3 - "$TMP/out.json" <<'PY' || fail "the JSON document is not what it should be"
import json, sys
doc = json.load(open(sys.argv[1]))
p = doc["processes"][0]
assert p["name"] == "jit.4242", p["name"]
caps = p["captures"]
assert [c["seq"] for c in caps] == [1, 2, 3, 4]
c = caps[0]
assert c["addr"] == "0x7f0000001000" and c["len"] == 6 and c["capture_sequence"] == 1
assert c["timestamp_ns"] == 1700000000000000001, c["timestamp_ns"]  # exact, not a double
assert c["regs"]["rip"] == "0x7f0000001000" and c["regs"]["rflags"] == "0x246"
assert c["disassembly"][0] == {"addr": "0x7f0000001000", "bytes": "b8 01 00 00 00",
                               "text": "mov eax, 0x1"}, c["disassembly"][0]
assert c["disassembly"][1]["text"] == "ret"
texts = [l["text"] for l in caps[3]["disassembly"]]
assert texts == ["mov rax, rcx", "(bad)", "(bad)", "ret", "... 4090 zero bytes"], texts
acc = p["accesses"]
assert acc["count"] == 5
counter = [v for v in acc["variables"] if v["var"] == "counter"][0]
assert counter["count"] == 4 and counter["reads"] == 2 and counter["writes"] == 3
main = [r for r in counter["rows"] if r["who"] == "main+0x16"][0]
assert main["count"] == 3 and main["first"] == "01000000" and main["last"] == "07000000", main
steps = p["diffs"]
assert [(s["from_seq"], s["to_seq"], s["identical"]) for s in steps] == [(1, 2, False), (2, 3, True)], steps
added = [l for h in steps[0]["hunks"] for l in h if l["op"] == "+"]
assert any(l["text"] == "add eax, 0x5" and l["addr"] == "0x7f0000001005" for l in added), added
PY

# A dump directory gives one document with every process.
mkdir -p "$TMP/dump/other.4250"
make_accesses "$TMP/dump/other.4250"
"$MEMWATCH" report --json "$TMP/dump" >"$TMP/all.json" || fail "report --json of the dump directory failed"
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert [p["name"] for p in doc["processes"]] == ["jit.4242", "other.4250"], doc["processes"]
assert doc["processes"][1]["captures"] == []
assert "diffs" not in doc["processes"][0]
' "$TMP/all.json" || fail "the document for two processes is wrong"
echo "ok"
