#!/bin/sh
# --watch by name finds the variables of a shared library the program is
# linked against: its global and its static (from the library's .symtab),
# with their own sizes, and logs the library's own functions as the
# accessors (function+offset in the library).
. "$(dirname "$0")/lib.sh"
need_python
build_host

"$MEMWATCH" --dump-dir "$TMP/out" --watch lib_counter --watch lib_hidden -- "$HOST" >"$TMP/run.out" \
    2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
expect_in "$TMP/run.out" "lib_counter 3 lib_hidden 42 plugin_total 10"
if grep -v '^memwatch: [0-9]* captures*, ' "$TMP/run.err" | grep -q .; then
    fail "unexpected diagnostics: $(cat "$TMP/run.err")"
fi
acc=$(the_dir "$TMP/out")/accesses.jsonl
lc=$(value_of "$TMP/run.out" LIB_COUNTER)
lh=$(value_of "$TMP/run.out" LIB_HIDDEN)
# lib_bump adds 1 three times (each a read-modify-write, or a read and a
# write, as the compiler chose); main reads it once at the end.
check_accesses "$acc" lib_counter "
all(r['addr'] == '$lc' and r['size'] == 4 for r in a)
and len([r for r in a if 'w' in r['op']]) == 3
and all(r['sym'].startswith('lib_bump+0x') for r in a if 'w' in r['op'])
and val([r for r in a if 'w' in r['op']][-1]['after']) == 3
and a[-1]['op'] == 'r' and a[-1]['sym'].startswith('main+0x')"
check_accesses "$acc" lib_hidden "
len(a) == 2 and all(r['addr'] == '$lh' and r['size'] == 4 for r in a)
and a[0]['op'] == 'w' and val(a[0]['before']) == 7 and val(a[0]['after']) == 42
and a[1]['op'] == 'r' and all(r['sym'].startswith('lib_hidden_set+0x') for r in a)"
echo "ok"
