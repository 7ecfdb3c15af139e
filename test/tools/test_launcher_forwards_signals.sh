#!/bin/sh
# SIGTERM, SIGHUP, SIGINT and SIGQUIT sent to memwatch reach the program,
# which decides what happens; memwatch then ends as the program did.  (A
# shell starts background jobs with SIGINT and SIGQUIT ignored, which memwatch
# rightly keeps, so those two are sent from python3.)
. "$(dirname "$0")/lib.sh"

dummy_lib "$TMP/dummy.so"
export MEMWATCH_LIB="$TMP/dummy.so"
cd "$TMP" || fail "cd"

# The program traps the signal, notes it and exits 3.
program() { echo "trap 'echo $1 >got; exit 3' $1; touch ready; n=0; while [ \$n -lt 100 ]; do sleep 0.1; n=\$((n+1)); done; exit 9"; }

for sig in TERM HUP; do
    rm -f ready got
    "$MEMWATCH" -q -- sh -c "$(program "$sig")" &
    pid=$!
    n=0
    while [ ! -f ready ]; do
        sleep 0.1
        n=$((n + 1))
        [ $n -lt 100 ] || fail "the program did not start"
    done
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    [ $rc -eq 3 ] || fail "after SIG$sig memwatch exited $rc, not the program's 3"
    [ "$(cat got 2>/dev/null)" = "$sig" ] || fail "the program did not get SIG$sig"
done

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (SIGINT and SIGQUIT untested)"
for sig in INT QUIT; do
    rm -f ready got
    python3 - "$MEMWATCH" "$sig" "$(program "$sig")" <<'PY' || fail "SIG$sig was not forwarded"
import os, signal, subprocess, sys, time
memwatch, name, script = sys.argv[1:]
p = subprocess.Popen([memwatch, "-q", "--", "sh", "-c", script])
deadline = time.time() + 10
while not os.path.exists("ready"):
    if time.time() > deadline:
        p.kill()
        sys.exit("the program did not start")
    time.sleep(0.05)
p.send_signal(getattr(signal, "SIG" + name))
rc = p.wait(timeout=20)
got = open("got").read().strip() if os.path.exists("got") else None
if rc != 3 or got != name:
    sys.exit("returncode %d, program noted %r" % (rc, got))
PY
done
echo "ok"
