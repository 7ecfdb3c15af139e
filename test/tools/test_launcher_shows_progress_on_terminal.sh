#!/bin/sh
# When stderr is a terminal, memwatch rewrites a progress line every 2 s while
# the program runs and erases it before the summary; not on a pipe.
. "$(dirname "$0")/lib.sh"
need_python

dummy_lib "$TMP/dummy.so"
export MEMWATCH_LIB="$TMP/dummy.so"
cd "$TMP" || fail "cd"

python3 - "$MEMWATCH" <<'PY' || fail "no progress line on a terminal"
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen([sys.argv[1], "sleep", "2.5"], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=slave)
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
text = out.decode()
assert p.returncode == 0, p.returncode
assert "\rmemwatch: 0 captures so far" in text, repr(text)
last = text.split("\r")[-1]
assert last.strip() == "" or last.lstrip().startswith("memwatch: 0 captures, 0 accesses"), repr(text)
assert text.rstrip().endswith("(0 processes)"), repr(text)
PY

"$MEMWATCH" sleep 2.5 2>"$TMP/err" || fail "memwatch sleep failed"
grep -q 'so far' "$TMP/err" && fail "a progress line went to a pipe"
echo "ok"
