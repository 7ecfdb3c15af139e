#!/bin/sh
# Proves `memwatch --pid PID --events PATH`: memwatch attaches, says so, and
# then stays, streaming every capture and logged access the process makes
# from then on as one JSON line each (the dump's line with "event" and the
# pid in front), until the process ends; then it says so with the summary
# and exits 0.  The stream holds exactly what the dump holds, the program's
# output and exit status are its own.
# shellcheck source=test/attach/lib.sh
. "$ROOT/test/attach/lib.sh"

build_target prog_attach_target
start_target "$TMP/plain" "$ATBIN/prog_attach_target"
finish_target "$TMP/plain"
start_target "$TMP/t" "$ATBIN/prog_attach_target"
timeout -s KILL 60 "$MEMWATCH" --pid "$TARGET" --dump-dir "$TMP/dump" --watch watched_counter \
    --events "$TMP/events.jsonl" >"$TMP/attach.said" 2>&1 &
mw_job=$!
i=0
until grep -q "pid $TARGET .*watched now" "$TMP/attach.said" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 1500 ] || fail "memwatch never said it attached: $(cat "$TMP/attach.said")"
    kill -0 $mw_job 2>/dev/null || fail "memwatch ended before the process: $(cat "$TMP/attach.said")"
    sleep 0.02
done
kill -0 $mw_job 2>/dev/null || fail "memwatch did not stay to follow the process"
finish_target "$TMP/t"
[ "$rc" -eq 3 ] || fail "the attached program ended with $rc, expected 3: $(cat "$TMP/t.err")"
arc=0
wait $mw_job || arc=$?
[ "$arc" -eq 0 ] || fail "memwatch --pid --events: exit status $arc: $(cat "$TMP/attach.said")"
grep -q "memwatch: pid $TARGET ended: [1-9][0-9]* captures*, [1-9][0-9]* accesse*s* logged" "$TMP/attach.said" ||
    fail "no end-of-process summary: $(cat "$TMP/attach.said")"
same_output "$TMP/plain" "$TMP/t"

check_attached '
import json, os, sys
from dumpcheck import *
dump, events, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
pdir = proc_dir(dump, "prog_attach_target", pid)
caps = [json.loads(l) for l in open(os.path.join(pdir, "captures.jsonl"))]
accs = [json.loads(l) for l in open(os.path.join(pdir, "accesses.jsonl"))]
ev = [json.loads(l) for l in open(events)]
expect(all(e["pid"] == pid for e in ev), "events of another pid: %r" % ev[:2])
ecaps = [e for e in ev if e["event"] == "capture"]
eaccs = [e for e in ev if e["event"] == "access"]
expect(len(caps) >= 3 and len(ecaps) == len(caps), "%d capture events for %d captures" % (len(ecaps), len(caps)))
expect([e["seq"] for e in ecaps] == [c["seq"] for c in caps], "capture events out of order")
expect(len(accs) == 11 and len(eaccs) == len(accs), "%d access events for %d accesses" % (len(eaccs), len(accs)))
expect([e["after"] for e in eaccs] == [a["after"] for a in accs], "access events differ from the log")
' "$TMP/dump" "$TMP/events.jsonl" "$TARGET"
echo "ok"
