#!/bin/sh
# Proves what the static path cannot serve is refused, not skipped: --watch
# on a statically linked program (watching needs the Zydis decoder in the
# process) ends memwatch with status 125 and one line that says why, before
# the program runs.  And --no-capture runs the program as it is, with its
# output and status, leaving no dump behind.
# shellcheck source=test/static/lib.sh
. "$ROOT/test/static/lib.sh"

build_static prog_static_jit
P="$STBIN/prog_static_jit"
rc=0
"$MEMWATCH" --dump-dir "$TMP/dump" --watch 0x1000 -- "$P" >"$TMP/w.out" 2>"$TMP/w.err" || rc=$?
[ "$rc" -eq 125 ] || fail "--watch on a static program: exit status $rc, expected 125"
[ ! -s "$TMP/w.out" ] || fail "the program ran although --watch was refused: $(cat "$TMP/w.out")"
[ "$(wc -l <"$TMP/w.err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$TMP/w.err")"
grep -q "statically linked" "$TMP/w.err" && grep -q -- "--watch" "$TMP/w.err" ||
    fail "the line does not say why: $(cat "$TMP/w.err")"
[ ! -e "$TMP/dump" ] || fail "a refused run left a dump directory"

run_plain "$TMP/plain" "$P"
rc=0
"$MEMWATCH" -q --no-capture --dump-dir "$TMP/dump" -- "$P" >"$TMP/n.out" 2>"$TMP/n.err" || rc=$?
[ "$rc" -eq 0 ] || fail "--no-capture: exit status $rc; stderr: $(cat "$TMP/n.err")"
same_output "$TMP/plain" "$TMP/n"
quiet "$TMP/n"
[ -z "$(ls -A "$TMP/dump" 2>/dev/null)" ] || fail "--no-capture left captures: $(ls -R "$TMP/dump")"
echo "ok"
