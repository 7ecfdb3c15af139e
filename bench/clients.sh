#!/bin/sh
# bench/clients.sh - real JITs with and without libmemwatch (issue 11,
# point 5): java -Xshare:off (a hello-world start-up, and a few seconds of
# collections, streams and sorting) and node (a start-up, and a few seconds
# of mixed work), each run plain, preloaded (LD_PRELOAD) and launched
# (memwatch), in turn, ROUNDS times.  Prints the median wall time and the
# median CPU time (user + system of the whole process tree) of each, as
# ratios to plain measured in the same run, and the captures per run.
# Usage: sh bench/clients.sh [ROUNDS]   (after make; not part of make test)
# BASE_LIB=/path/to/other/libmemwatch.so adds a way "base": that library
# preloaded (to compare two builds in one run).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
ROUNDS=${1:-7}
command -v python3 >/dev/null || { echo "clients: python3 is needed"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set --
if command -v javac >/dev/null && command -v java >/dev/null; then
    javac -d "$out/java" "$ROOT/bench/clients/Hello.java" "$ROOT/bench/clients/Work.java"
    set -- "$@" "java start-up|java -Xshare:off -cp $out/java Hello" \
                "java work|java -Xshare:off -cp $out/java Work 25"
fi
if command -v node >/dev/null; then
    set -- "$@" "node start-up|node -e 0" "node work|node $ROOT/bench/clients/work.js 20"
fi
[ $# -gt 0 ] || { echo "clients: neither java nor node is installed"; exit 0; }
python3 - "$BUILD" "$out" "$ROUNDS" "$@" <<'PY'
import glob, os, shlex, shutil, statistics, subprocess, sys, time
build, out, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = [a.split("|", 1) for a in sys.argv[4:]]
lib, launcher = os.path.join(build, "libmemwatch.so"), os.path.join(build, "memwatch")
ways = ["plain", "preloaded", "launched"] + (["base"] if os.environ.get("BASE_LIB") else [])

def run(cmd, way, dump):
    argv = shlex.split(cmd)
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if way in ("preloaded", "base"):
        env.update(LD_PRELOAD=lib if way == "preloaded" else os.environ["BASE_LIB"], MEMWATCH_DUMP_DIR=dump)
    elif way == "launched":
        argv = [launcher, "-q", "--dump-dir", dump, "--"] + argv
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit("clients: %s (%s) failed with status %#x" % (cmd, way, status))
    caps = sum(sum(1 for _ in open(f)) for f in glob.glob(os.path.join(dump, "*", "captures.jsonl")))
    return wall, ru.ru_utime + ru.ru_stime, caps

res = {(c, w): [] for c, _ in cases for w in ways}
for r in range(rounds):
    for name, cmd in cases:
        for w in ways:
            dump = os.path.join(out, "dump")
            shutil.rmtree(dump, ignore_errors=True)
            res[(name, w)].append(run(cmd, w, dump))
print("real JITs: median of %d runs each, plain / preloaded / launched in turn" % rounds)
print("%-16s %-10s %9s %7s %9s %7s %9s" % ("program", "way", "wall s", "x", "cpu s", "x", "captures"))
for name, _ in cases:
    base = [statistics.median(x[i] for x in res[(name, "plain")]) for i in (0, 1)]
    for w in ways:
        wall, cpu = (statistics.median(x[i] for x in res[(name, w)]) for i in (0, 1))
        caps = statistics.median(x[2] for x in res[(name, w)])
        print("%-16s %-10s %9.3f %6.2fx %9.3f %6.2fx %9d" % (name, w, wall, wall / base[0], cpu, cpu / base[1], caps))
PY
