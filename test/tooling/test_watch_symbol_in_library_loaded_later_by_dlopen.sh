#!/bin/sh
# A --watch entry naming a variable of a library that is not loaded yet
# waits (one line on stderr says so) and starts when dlopen loads the
# library: the plugin's global and static are then watched and logged.
# dlopen under the library still searches the caller's RUNPATH (the plugin
# is found only there).  When the plugin is closed and loaded again, its
# watches follow it.
. "$(dirname "$0")/lib.sh"
need_python
build_host

"$MEMWATCH" --dump-dir "$TMP/out" --watch plugin_total:w,plugin_calls -- "$HOST" reload >"$TMP/run.out" \
    2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.out" "$TMP/run.err"))"
expect_in "$TMP/run.out" "lib_counter 3 lib_hidden 42 plugin_total 10"
expect_in "$TMP/run.out" "plugin_total again 20"
# Waiting entries are said once each, at start-up.
[ "$(grep -c "no variable 'plugin_total'" "$TMP/run.err")" = 1 ] || fail "stderr: $(cat "$TMP/run.err")"
[ "$(grep -c "no variable 'plugin_calls'" "$TMP/run.err")" = 1 ] || fail "stderr: $(cat "$TMP/run.err")"

acc=$(the_dir "$TMP/out")/accesses.jsonl
pt=$(value_of "$TMP/run.out" PLUGIN_TOTAL)
pc=$(value_of "$TMP/run.out" PLUGIN_CALLS)
pt2=$(value_of "$TMP/run.out" PLUGIN_TOTAL2)
# plugin_total:w - four writes by plugin_step (1, 3, 6, 10), then two more
# after the reload (10, 20) at its new address; the reads stay unlogged.
check_accesses "$acc" plugin_total "
len(a) == 6 and all('w' in r['op'] and r['sym'].startswith('plugin_step+0x') for r in a)
and [r['addr'] for r in a] == ['$pt'] * 4 + ['$pt2'] * 2
and [val(r['after']) for r in a] == [1, 3, 6, 10, 10, 20]"
check_accesses "$acc" plugin_calls "
len(a) >= 6 and a[0]['addr'] == '$pc' and a[0]['size'] == 8
and val([r for r in a if 'w' in r['op']][3]['after']) == 4"
echo "ok"
