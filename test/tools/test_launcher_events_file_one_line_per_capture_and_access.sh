#!/bin/sh
# memwatch --events FILE: every capture and every logged access of the run,
# of every process, as one JSON line each - the dump's own line with "event",
# "pid", "exe" and "dir" in front - in the order each process wrote them.
# The capture's bytes are where the event says (dir, file, offset, len).
. "$(dirname "$0")/lib.sh"
live_jit_setup

"$MEMWATCH" -q --dump-dir out --events ev.jsonl --watch live_counter:w -- \
    sh -c "\"$TMP/jit\" 5 0 && \"$TMP/jit\" 7 0" >/dev/null 2>"$TMP/err" || fail "the run failed: $(cat "$TMP/err")"
python3 - <<'PY' || fail "the events do not match the dump"
import glob, json, os
events = [json.loads(l) for l in open("ev.jsonl")]
dirs = sorted(glob.glob(os.path.abspath("out/jit.*")))
assert len(dirs) == 2, dirs
for d in dirs:
    pid = int(d.rsplit(".", 1)[1])
    mine = [e for e in events if e["pid"] == pid]
    assert all(e["exe"] == "jit" and e["dir"] == d for e in mine), mine[:1]
    for kind, name in (("capture", "captures.jsonl"), ("access", "accesses.jsonl")):
        dump = [json.loads(l) for l in open(os.path.join(d, name))]
        got = [{k: v for k, v in e.items() if k not in ("event", "pid", "exe", "dir")}
               for e in mine if e["event"] == kind]
        assert got == dump, (kind, d, got[:1], dump[:1])
    caps = [e for e in mine if e["event"] == "capture"]
    assert len(caps) in (5, 7), len(caps)
    for e in caps:
        with open(os.path.join(e["dir"], e["file"]), "rb") as f:
            f.seek(e["offset"])
            data = f.read(e["len"])
        assert data[:6] == bytes([0xb8]) + (e["seq"] - 1).to_bytes(4, "little") + bytes([0xc3]), data[:6]
assert len(events) == 2 * (5 + 7), len(events)
PY
echo "ok"
