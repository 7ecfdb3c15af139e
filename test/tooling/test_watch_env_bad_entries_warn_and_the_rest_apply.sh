#!/bin/sh
# Each malformed MEMWATCH_WATCH entry, and each unknown symbol, gives one
# line on stderr naming it; the good entries around them still apply and the
# program runs as it would.
. "$(dirname "$0")/lib.sh"
need_python
build tooling_vars tooling_vars.c
prog=$BIN/tooling_vars

export MEMWATCH_DUMP_DIR="$TMP/out"
export MEMWATCH_WATCH='no_such_var, g_counter:4:w:r,:8,0xzz,s_total:abc,g_counter+1x,g_table:0,  g_counter ,s_total:8:q,bad name'
LD_PRELOAD=$LIB "$prog" >"$TMP/run.out" 2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
expect_in "$TMP/run.out" "g_counter 5 s_total 115 calls 5 g_table[4] 16"

n=$(wc -l <"$TMP/run.err")
[ "$n" -eq 9 ] || { cat "$TMP/run.err"; fail "expected 9 lines on stderr, got $n"; }
for bad in "'no_such_var'" "'g_counter:4:w:r'" "':8'" "'0xzz'" "'s_total:abc'" "'g_counter+1x'" \
           "'g_table:0'" "'s_total:8:q'" "'bad name'"; do
    [ "$(grep -cF -- "$bad" "$TMP/run.err")" -eq 1 ] || { cat "$TMP/run.err"; fail "no single line for $bad"; }
done
grep -q "no variable 'no_such_var'" "$TMP/run.err" || fail "the unknown symbol is not called unknown"
grep -q '^memwatch: MEMWATCH_WATCH: ' "$TMP/run.err" || fail "lines do not say where they come from"

# The good entry (with spaces around it) is watched.
acc=$(the_dir "$TMP/out")/accesses.jsonl
check_accesses "$acc" g_counter "len(a) == 6 and val(a[4]['after']) == 5"
check_accesses "$acc" s_total "len(a) == 0"
echo "ok"
