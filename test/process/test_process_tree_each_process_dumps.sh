#!/bin/sh
# Under the launcher, a shell pipeline and a program that forks a worker,
# posix_spawns and vforks+execs copies of itself: every process that made
# code dumps into its own <exe>.<pid> directory, output is unchanged, the
# launcher's summary counts them all.
set -eu
bin="$TESTBIN/tree_jit"
gcc -O2 -Wall -Werror -o "$bin" "$ROOT/test/process/prog_tree_jit.c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
want=$(sh -c "\"$bin\" | cat; \"$bin\" x")
got=$("$BUILD/memwatch" --dump-dir "$tmp/d" -- sh -c "\"$bin\" | cat; \"$bin\" x" 2>"$tmp/err")
[ "$got" = "$want" ] || { echo "output: $got / expected: $want"; exit 1; }
python3 - "$tmp/d" <<'PY'
import glob, json, os, sys
dirs = glob.glob(os.path.join(sys.argv[1], "tree_jit.*"))
vals = []
for d in dirs:
    rows = [json.loads(l) for l in open(os.path.join(d, "captures.jsonl"))]
    if [r["seq"] for r in rows] != list(range(1, len(rows) + 1)):
        sys.exit("%s: seq %r" % (d, [r["seq"] for r in rows]))
    for r in rows:  # the line's bytes: in a pack at "offset", or a file of their own
        with open(os.path.join(d, r["file"]), "rb") as f:
            f.seek(r.get("offset", 0))
            vals.append(f.read(r["len"])[1])
# pipeline run (2), parent (1), forked worker (3), posix_spawn child (2), vfork child (2)
if len(dirs) != 5 or sorted(vals) != [1, 2, 2, 2, 3]:
    sys.exit("directories %d, values %r" % (len(dirs), sorted(vals)))
PY
grep -q "5 captures" "$tmp/err" || { echo "summary line: $(cat "$tmp/err")"; exit 1; }
