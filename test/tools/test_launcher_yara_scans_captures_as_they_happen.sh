#!/bin/sh
# memwatch --yara RULES -- prog: every capture is scanned by the launcher
# while the program runs (the bundled demo JIT and its rules): each match is
# one line on stderr naming the rule, one line per matching capture in the
# process directory's yara.jsonl, and a "yara" member in the capture's
# --events line; a rule that must not match never does; rules that do not
# compile end memwatch with status 2 before the program starts.
. "$ROOT/test/tools/lib.sh"
need_python
JIT="$TMP/exprjit"
$CC -std=gnu11 -O2 -o "$JIT" "$ROOT/examples/exprjit.c" || fail "cannot build the demo JIT"
RULES="$ROOT/examples/demo.yar"

"$MEMWATCH" --yara "$RULES" --events "$TMP/events.jsonl" --dump-dir "$TMP/out" -- "$JIT" >"$TMP/out.txt" 2>"$TMP/err.txt" ||
    fail "memwatch --yara failed: $(tail -n 3 "$TMP/err.txt")"
grep -q "^memwatch: yara: exprjit\.[0-9]* seq 1 (region 0x[0-9a-f]* #1): rule exprjit_prologue \[jit,exprjit\]: \$load_x at +0x0 = 0x" "$TMP/err.txt" ||
    fail "no stderr line for seq 1's prologue: $(head -n 3 "$TMP/err.txt")"
grep -q "rule exprjit_negation" "$TMP/err.txt" || fail "the negation rule never matched"
grep -q "syscall_in_jit_code" "$TMP/err.txt" && fail "a rule that must not match did"
python3 - "$TMP" <<'PY' || exit 1
import glob, json, sys
tmp = sys.argv[1]
dirs = glob.glob(tmp + "/out/exprjit.*")
assert len(dirs) == 1, dirs
caps = {}
for line in open(dirs[0] + "/captures.jsonl"):
    c = json.loads(line)
    caps[c["seq"]] = c
live = {}
for line in open(dirs[0] + "/yara.jsonl"):
    y = json.loads(line)
    live[y["seq"]] = y
assert set(live) == set(caps), ("every capture of the demo matches", sorted(live), sorted(caps))
for seq, y in live.items():
    assert y["addr"] == caps[seq]["addr"], (seq, y["addr"])
    rules = {m["rule"] for m in y["matches"]}
    assert "exprjit_prologue" in rules and "syscall_in_jit_code" not in rules, (seq, rules)
events = [json.loads(l) for l in open(tmp + "/events.jsonl")]
cap_events = [e for e in events if e["event"] == "capture"]
assert len(cap_events) == len(caps), len(cap_events)
for e in cap_events:
    assert {m["rule"] for m in e["yara"]} == {m["rule"] for m in live[e["seq"]]["matches"]}, e["seq"]
print("ok:", len(caps), "captures scanned live")
PY

printf 'rule broken {\n  strings: $a = "x"\n  condition: $b\n}\n' >"$TMP/bad.yar"
rc=0
"$MEMWATCH" --yara "$TMP/bad.yar" --dump-dir "$TMP/bad" -- "$JIT" >"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
[ $rc -eq 2 ] || fail "bad rules: exit status $rc, not 2"
grep -q "bad.yar:[0-9]*:" "$TMP/bad.err" || fail "bad rules: no file:line message: $(cat "$TMP/bad.err")"
[ ! -e "$TMP/bad" ] || fail "bad rules: the program ran anyway"
[ ! -s "$TMP/bad.out" ] || fail "bad rules: the program printed something"
echo "ok"
