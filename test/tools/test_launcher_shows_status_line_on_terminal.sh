#!/bin/sh
# When stderr is a terminal, memwatch keeps one status line while the program
# runs - captures, bytes of distinct code, accesses, processes, elapsed time -
# rewritten in place at most ten times a second, and erases it before the
# summary.  With stderr on a pipe it prints the summary line and nothing else.
. "$(dirname "$0")/lib.sh"
live_jit_setup

# 12 captures of 4 KiB, all different, 12 logged accesses, over about 1.2 s.
python3 - "$MEMWATCH" "$TMP/jit" <<'PY' || fail "the status line is not right"
import os, pty, re, subprocess, sys, time
master, slave = pty.openpty()
t0 = time.monotonic()
p = subprocess.Popen([sys.argv[1], "--dump-dir", "tty", "--watch", "live_counter:w", sys.argv[2], "12", "100"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait()
elapsed = time.monotonic() - t0
text = out.decode().replace("\r\n", "\n")  # the terminal ends lines with \r\n
assert p.returncode == 0, (p.returncode, text)
status = re.findall(r"\r(memwatch: (\d+) captures? \(([^)]*) of distinct code\), (\d+) access(?:es)?, "
                    r"(\d+) process(?:es)?, ([\d.]+) s)", text)
assert len(status) >= 2, "fewer than two status lines: %r" % text
# Never more than ten a second (it may be fewer on a busy machine).
assert len(status) <= 10 * elapsed + 2, "%d status lines in %.1f s" % (len(status), elapsed)
last = status[-1]
caps, code, accs, procs = int(last[1]), last[2], int(last[3]), int(last[4])
assert caps <= 12 and accs <= 12 and procs <= 1, last
assert caps < 12 or code == "48.0 KiB", last
assert any(int(s[1]) > 0 for s in status), "the captures never showed: %r" % status[-3:]
assert [float(s[5]) for s in status] == sorted(float(s[5]) for s in status), "elapsed went back"
# Erased, then the summary on a line of its own.
summary = text.split("\r")[-1].strip()
assert summary == "memwatch: 12 captures, 12 accesses logged in tty (1 process)", repr(text[-300:])
PY

"$MEMWATCH" --dump-dir pipe --watch live_counter:w "$TMP/jit" 3 0 >/dev/null 2>"$TMP/err" || fail "memwatch failed"
[ "$(cat "$TMP/err")" = "memwatch: 3 captures, 3 accesses logged in pipe (1 process)" ] ||
    fail "stderr on a pipe: $(cat "$TMP/err")"
echo "ok"
