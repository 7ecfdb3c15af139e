#!/bin/sh
# In a stripped executable (no .symtab) a global it exports (-rdynamic) is
# still found through the dynamic symbol table; a static is gone, and saying
# so takes one line on stderr.
. "$(dirname "$0")/lib.sh"
need_python
command -v strip >/dev/null 2>&1 || skip "strip is not installed"
build tooling_vars_dyn tooling_vars.c -- -rdynamic
strip -o "$BIN/tooling_vars_stripped" "$BIN/tooling_vars_dyn" || fail "strip"
prog=$BIN/tooling_vars_stripped

MEMWATCH_DUMP_DIR="$TMP/out" MEMWATCH_WATCH="g_counter,s_total" LD_PRELOAD=$LIB "$prog" \
    >"$TMP/run.out" 2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
[ "$(wc -l <"$TMP/run.err")" -eq 1 ] && grep -q "no variable 's_total'" "$TMP/run.err" ||
    fail "stderr: $(cat "$TMP/run.err")"
acc=$(the_dir "$TMP/out")/accesses.jsonl
gc=$(value_of "$TMP/run.out" G_COUNTER)
# bump_counter is exported too (-rdynamic), so it still names the accessor.
check_accesses "$acc" g_counter "len(a) == 6 and a[0]['addr'] == '$gc' and a[0]['size'] == 4
and a[0]['sym'].startswith('bump_counter+0x')"
echo "ok"
