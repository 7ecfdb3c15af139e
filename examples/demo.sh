#!/bin/sh
# examples/demo.sh - what `make demo` runs from the repository root: builds the
# expression JIT demo (examples/exprjit.c) into build/examples/, runs it under
# the memwatch launcher with its dump in build/demo-out (watching its static
# variable npool), then reports what was captured: the text report, the HTML
# report (build/demo-out/report.html) and the matches of the YARA rules in
# examples/demo.yar.  A build whose library does not capture code yet ends
# with a note instead of a report.
set -u
cd "$(dirname "$0")/.." || exit 1
CC=${CC:-gcc}
out=build/demo-out

mkdir -p build/examples
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -o build/examples/exprjit examples/exprjit.c || exit 1
rm -rf "$out"

echo "== build/memwatch --dump-dir $out --watch npool -- build/examples/exprjit"
build/memwatch --dump-dir "$out" --watch npool -- build/examples/exprjit
rc=$?
[ $rc -eq 0 ] || echo "demo: exprjit exited with status $rc"

echo
echo "== build/memwatch report $out"
found=no
for f in "$out"/*/captures.jsonl "$out"/*/accesses.jsonl; do
    [ -f "$f" ] && found=yes
done
if [ $found = yes ]; then
    build/memwatch report "$out" || rc=1
    echo
    echo "== build/memwatch report --yara examples/demo.yar --html $out/report.html $out"
    build/memwatch report --yara examples/demo.yar --html "$out/report.html" "$out" || rc=1
    echo "open it in a browser: file://$PWD/$out/report.html"
    echo
    echo "== build/memwatch report --yara examples/demo.yar $out"
    build/memwatch report --yara examples/demo.yar "$out" || rc=1
else
    echo "no captures: the library wrote nothing into $out"
    echo "(this build of libmemwatch.so does not capture code yet)"
fi
exit $rc
