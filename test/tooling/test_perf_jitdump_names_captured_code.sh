#!/bin/sh
# perf names samples inside captured code: the bundled expression JIT
# (examples/exprjit.c, --busy: two seconds in generated loops) runs under
# `memwatch --jitdump` inside `perf record -k 1 -e cpu-clock`; `perf inject
# --jit` turns the jit-<pid>.dump records into symbols, and `perf report`
# shows samples in memwatch:<seq>@0x<addr>.  Skips when perf is missing,
# cannot record here, or was built without jitdump support (libelf).
. "$(dirname "$0")/lib.sh"
command -v perf >/dev/null 2>&1 || skip "perf is not installed"
cd "$TMP" || fail "cd $TMP"
# perf keeps a build-id cache in $HOME/.debug: keep it in the scratch directory.
export HOME="$TMP/home"
mkdir -p "$HOME"
perf record -k 1 -e cpu-clock -o "$TMP/probe.data" -- true >"$TMP/probe.log" 2>&1 ||
    skip "perf cannot record here: $(grep -v '^\[' "$TMP/probe.log" | head -n 1)"
if perf version --build-options 2>/dev/null | grep -q 'libelf:.*OFF'; then
    skip "perf was built without libelf: no jitdump support"
fi

$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$BIN/exprjit" "$ROOT/examples/exprjit.c" ||
    fail "cannot build examples/exprjit.c"

perf record -k 1 -e cpu-clock -o "$TMP/perf.data" -- "$MEMWATCH" --jitdump -- "$BIN/exprjit" --busy 2 \
    >"$TMP/record.out" 2>"$TMP/record.err" || fail "perf record: $(tail -n 3 "$TMP/record.err")"
grep -q 'MISMATCH' "$TMP/record.out" && fail "exprjit computed wrong results under the library"
expect_in "$TMP/record.out" "busy for 2.0 s in generated code:"
ls memwatch-out/exprjit.*/jit-*.dump >/dev/null 2>&1 || fail "no jit-<pid>.dump in memwatch-out/exprjit.<pid>/"

perf inject --jit -i "$TMP/perf.data" -o "$TMP/perf.jit.data" >"$TMP/inject.log" 2>&1 ||
    fail "perf inject --jit: $(tail -n 3 "$TMP/inject.log")"
perf report -i "$TMP/perf.jit.data" --stdio >"$TMP/report.txt" 2>"$TMP/report.err" ||
    fail "perf report: $(tail -n 3 "$TMP/report.err")"
line=$(grep -E '[0-9.]+%.*jitted-[0-9]+-[0-9]+\.so +\[\.\] memwatch:[0-9]+@0x[0-9a-f]+' "$TMP/report.txt" | head -n 1)
[ -n "$line" ] || { head -n 40 "$TMP/report.txt"; fail "no memwatch: symbol in perf report"; }
echo "perf report: $line"
echo "ok"
