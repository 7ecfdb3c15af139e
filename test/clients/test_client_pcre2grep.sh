#!/bin/sh
# pcre2grep over a file: its JIT (on by default) is captured and the output
# is the same; with --no-jit nothing is captured and the output is the same.
. "$ROOT/test/clients/lib.sh"
need_package pcre2grep pcre2-utils
i=0; while [ $i -lt 2000 ]; do echo "line $i hello world foo$i"; echo "other $i"; i=$((i + 1)); done >"$TMP/in.txt"
run_client pcre2grep 1 pcre2grep 'hel+o w.rld foo1[0-9]+' "$TMP/in.txt"
rm -rf "$TMP/dump"
"$BUILD/memwatch" -q --dump-dir "$TMP/dump" -- pcre2grep --no-jit 'hel+o' "$TMP/in.txt" >"$TMP/nojit.out"
pcre2grep --no-jit 'hel+o' "$TMP/in.txt" | cmp -s - "$TMP/nojit.out" || { echo "--no-jit output differs"; exit 1; }
n=$(cat "$TMP"/dump/*/captures.jsonl 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || { echo "--no-jit: $n captures"; exit 1; }
