#!/bin/sh
# memwatch --events FIFO: a reader that takes one event and then stops
# reading until the program is done never holds the program up.  The program
# makes its 10,000 captures (about 10 MB of event lines, far more than the
# FIFO and memwatch's buffer hold) and ends; its dump is complete; the reader
# then gets whole lines only, in order, and one "skipped" line whose counts
# make up exactly for the capture events it did not get.
. "$(dirname "$0")/lib.sh"
live_jit_setup
mkfifo events || fail "mkfifo"

python3 - "$MEMWATCH" "$TMP/jit" <<'PY' || fail "the event stream is not right"
import glob, json, os, subprocess, sys, time
N = 10000
p = subprocess.Popen([sys.argv[1], "-q", "--dump-dir", "out", "--events", "events", sys.argv[2], str(N), "0"],
                     stdout=subprocess.DEVNULL)
f = open("events", "rb")
first = f.readline()
# Stop reading until the program's dump holds every capture: were the
# program waiting for this reader, that would never happen.
deadline = time.monotonic() + 120
while True:
    caps = glob.glob("out/jit.*/captures.jsonl")
    if caps and sum(1 for _ in open(caps[0], "rb")) == N:
        break
    assert time.monotonic() < deadline, "the program stalled behind the reader"
    assert p.poll() is None or caps, "memwatch ended without a dump"
    time.sleep(0.05)
rest = f.read()
f.close()
assert p.wait(timeout=60) == 0, p.returncode
lines = [first] + rest.split(b"\n")[:-1]
assert rest.endswith(b"\n"), "the stream ends inside a line"
events = [json.loads(l) for l in lines]
got = [e for e in events if e["event"] == "capture"]
skipped = [e for e in events if e["event"] == "skipped"]
assert skipped, "nothing was skipped, yet the reader took only one line while the program ran"
assert sum(s["captures"] for s in skipped) + len(got) == N, (len(got), skipped)
assert all(s["count"] == s["captures"] + s["accesses"] for s in skipped), skipped
seqs = [e["seq"] for e in got]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] == 1, seqs[:5]
pid = int(os.path.basename(os.path.dirname(caps[0])).rsplit(".", 1)[1])
assert all(e["pid"] == pid and e["exe"] == "jit" for e in got), got[0]
print("reader got %d capture events, skipped lines count %d" % (len(got), sum(s["captures"] for s in skipped)))
PY
echo "ok"
