#!/bin/sh
# MEMWATCH_WATCH entries by address (0xADDR, default 8 bytes, or :SIZE) and
# the access kinds: :r logs reads only, :w writes only, :rw (the default)
# both.  A non-PIE executable gives fixed addresses to read with nm.
. "$(dirname "$0")/lib.sh"
need_python
command -v nm >/dev/null 2>&1 || skip "nm is not installed"
build tooling_vars_nopie tooling_vars.c -- -no-pie -fno-pie
prog=$BIN/tooling_vars_nopie

addr() { nm "$prog" | awk -v s="$1" '$3 == s { print "0x" $1 }' | sed 's/0x0*/0x/'; }
gc=$(addr g_counter)
gt=$(addr g_table)
[ -n "$gc" ] && [ -n "$gt" ] || fail "nm does not list g_counter and g_table"
gt3=$(printf '0x%x' $((gt + 24)))

# g_counter by address, reads only; g_table[3] by address with a size,
# writes only; g_table[4] by address with the default size (8).
gt4=$(printf '0x%x' $((gt + 32)))
MEMWATCH_DUMP_DIR="$TMP/out" MEMWATCH_WATCH="$gc:4:r,$gt3:8:w,$gt4" LD_PRELOAD=$LIB "$prog" \
    >"$TMP/run.out" 2>"$TMP/run.err" || fail "exit $? ($(cat "$TMP/run.err"))"
[ ! -s "$TMP/run.err" ] || fail "unexpected diagnostics: $(cat "$TMP/run.err")"
acc=$(the_dir "$TMP/out")/accesses.jsonl
# bump_counter's add is a read-modify-write: it is a read too.
check_accesses "$acc" "$gc:4:r" "len(a) == 6 and all('r' in r['op'] for r in a) and a[0]['addr'] == '$gc'"
check_accesses "$acc" "$gt3:8:w" "len(a) == 1 and a[0]['op'] == 'w' and val(a[0]['after']) == 9"
check_accesses "$acc" "$gt4" "len(a) == 2 and a[0]['op'] == 'w' and val(a[0]['after']) == 16 and a[1]['op'] == 'r' and a[0]['size'] == 8"
echo "ok"
