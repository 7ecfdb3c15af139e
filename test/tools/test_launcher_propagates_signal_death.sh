#!/bin/sh
# When the program dies by a signal, memwatch dies by the same signal (so a
# shell sees the same death), after printing its summary.
. "$(dirname "$0")/lib.sh"
need_python

dummy_lib "$TMP/dummy.so"
export MEMWATCH_LIB="$TMP/dummy.so"
cd "$TMP" || fail "cd"

python3 - "$MEMWATCH" <<'PY' || fail "the launcher did not die like the program"
import signal, subprocess, sys
memwatch = sys.argv[1]
for sig in (signal.SIGSEGV, signal.SIGTERM, signal.SIGINT, signal.SIGABRT, signal.SIGKILL):
    p = subprocess.run([memwatch, "sh", "-c", "kill -%d $$" % sig], capture_output=True, text=True)
    if p.returncode != -sig:
        sys.exit("kill -%d: returncode %d, stderr %r" % (sig, p.returncode, p.stderr))
    if "memwatch: 0 captures" not in p.stderr:
        sys.exit("no summary before dying by %d: %r" % (sig, p.stderr))
PY
echo "ok"
