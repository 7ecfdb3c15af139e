#!/bin/sh
# Proves memwatch follows a static program's fork and exec: the parent's
# captures (its first version, then its rewrite after the child ended) are
# in <exe>.<parent> with seq 1, 2 and capture_sequence 1, 2; the fork child
# has its own <exe>.<child> starting at seq 1 (the page it inherited is the
# same region: capture_sequence 2, as with the preloaded library); its exec
# of the same static program keeps that directory (seq 2, capture_sequence 1:
# a new image's region), and its exec of a dynamically linked program - served by the
# agent too, not by LD_PRELOAD - dumps into <that exe>.<child>.  Every
# capture holds the bytes that ran; output and exit status are unchanged.
# shellcheck source=test/static/lib.sh
. "$ROOT/test/static/lib.sh"

gcc -std=gnu11 -O2 -Wall -Werror -I"$CAPSRC" -o "$STBIN/prog_static_tree_dyn" "$STSRC/prog_static_tree.c" ||
    fail "cannot build the dynamic twin"
export MWT_TREE_DYN="$STBIN/prog_static_tree_dyn"
run_both_static prog_static_tree

check '
import sys
from dumpcheck import *
dump, facts = sys.argv[1], info(sys.argv[2])
images = {name: int(pid) for name, pid in facts["image"]}
expect(sorted(images) == ["again", "dynamic", "parent"], "images %r" % images)
parent = images["parent"]
child = images["again"]
expect(images["dynamic"] == child, "exec changed the pid")
runs = [(w[0], int(w[1]), num(w[2])) for w in facts["code"]]
codes = [code_of(c)[1] for c in facts["bytes"]]
want = {}
for (image, pid, page), code in zip(runs, codes):
    exe = "prog_static_tree_dyn" if image == "dynamic" else "prog_static_tree"
    want.setdefault((exe, pid), []).append((image, page, code))
have = sorted(entries(dump))
expect(have == sorted("%s.%d" % k for k in want), "the dump holds %r, expected %r" % (have, sorted("%s.%d" % k for k in want)))
for (exe, pid), runs in want.items():
    caps = load(proc_dir(dump, exe, pid))
    expect(len(caps) == len(runs), "%s.%d: %d captures for %d versions: %s" % (exe, pid, len(caps), len(runs), show(caps)))
    for c, (image, page, code) in zip(caps, runs):
        w = "%s.%d seq %d (%s)" % (exe, pid, c["seq"], image)
        expect(c["a"] == page and c["fa"] == page and c["tid"] == pid, "%s: %s" % (w, show([c])))
        expect(c["data"] == code + bytes(4096 - len(code)), "%s: bytes %s, expected %s" % (w, c["data"][:12].hex(), code.hex()))
    css = [c["cs"] for c in caps]
    expected = {("prog_static_tree", parent): [1, 2], ("prog_static_tree", child): [2, 1],
                ("prog_static_tree_dyn", child): [1]}[(exe, pid)]
    expect(css == expected, "%s.%d: capture_sequence %r, expected %r" % (exe, pid, css, expected))
' "$TMP/dump" "$TMP/mw.info"
echo "ok"
