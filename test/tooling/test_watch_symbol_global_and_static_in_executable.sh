#!/bin/sh
# --watch by name on an unmodified executable: a global, a file-scope static,
# a function's static (the compiler's calls.N) and an array element by
# SYMBOL+OFF:SIZE are found in its symbol table, watched from start-up with
# the symbol's own size, and every access is logged with the accessing
# function as function+offset; :w keeps reads out.  The program's output and
# status are unchanged.
. "$(dirname "$0")/lib.sh"
need_python
build tooling_vars tooling_vars.c
prog=$BIN/tooling_vars

"$prog" >"$TMP/plain.out" || fail "the program fails on its own"
"$MEMWATCH" --dump-dir "$TMP/out" --watch g_counter --watch s_total:w --watch calls \
    --watch g_table+16:8 -- "$prog" >"$TMP/run.out" 2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
# Same results (addresses aside: PIE and ASLR).
grep -v '=0x' "$TMP/plain.out" >"$TMP/a"
grep -v '=0x' "$TMP/run.out" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" || fail "output differs under the library: $(cat "$TMP/b")"
if grep -v '^memwatch: [0-9]* captures*, ' "$TMP/run.err" | grep -q .; then
    fail "unexpected diagnostics: $(cat "$TMP/run.err")"
fi

d=$(the_dir "$TMP/out")
acc=$d/accesses.jsonl
[ -s "$acc" ] || fail "no accesses.jsonl"
gc=$(value_of "$TMP/run.out" G_COUNTER)
st=$(value_of "$TMP/run.out" S_TOTAL)
ca=$(value_of "$TMP/run.out" CALLS)
gt=$(value_of "$TMP/run.out" G_TABLE)

# g_counter++ in bump_counter: 5 read-modify-writes of 4 bytes, 0 -> 5, then main reads it once.
check_accesses "$acc" g_counter "
len(a) == 6 and all(r['addr'] == '$gc' and r['size'] == 4 for r in a)
and [r['op'] for r in a[:5]] == ['rw'] * 5 and a[5]['op'] == 'r'
and all(r['sym'].startswith('bump_counter+0x') for r in a[:5]) and a[5]['sym'].startswith('main+0x')
and [val(r['after']) for r in a[:5]] == [1, 2, 3, 4, 5]
and all(r['ip'].startswith('0x') and r['tid'] > 0 and r['timestamp_ns'] > 0 for r in a)"
# s_total (static, 8 bytes) watched for writes only: add_total's five, no read.
check_accesses "$acc" s_total "
len(a) == 5 and all(r['addr'] == '$st' and r['size'] == 8 and 'w' in r['op'] for r in a)
and all(r['sym'].startswith('add_total+0x') for r in a)
and val(a[0]['before']) == 100 and val(a[-1]['after']) == 115"
# calls: the function-scope static, found under its compiler name.
check_accesses "$acc" calls "
len(a) >= 5 and all(r['addr'] == '$ca' and r['sym'].startswith('count_call+0x') for r in a)
and sum('w' in r['op'] for r in a) == 5 and val([r for r in a if 'w' in r['op']][-1]['after']) == 5"
# g_table+16:8 is g_table[2]: one write of 4 by fill_table, nothing else of the array.
check_accesses "$acc" g_table+16 "
len(a) == 1 and a[0]['addr'] == hex(int('$gt', 16) + 16) and a[0]['op'] == 'w'
and a[0]['sym'].startswith('fill_table+0x') and val(a[0]['after']) == 4"
echo "ok"
