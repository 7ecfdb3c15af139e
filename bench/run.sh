#!/bin/sh
# make bench: builds bench/bench.c against the library and prints the table of
# fault costs, each as a ratio to a bare SIGSEGV round trip in the same run
# (with promotion off: the fault path itself); then bench/promote.c: promoted
# sites, a hardware breakpoint and the two real cases (a heap object among
# busy neighbours, a bash loop watching a global), per watched access;
# then bench/cycle.c: the W->X->W capture cycle against the in-process floor
# and an emt-style ptrace monitor, and the 4 GiB reserve round with and
# without tracked pages, each against its baseline in the same run.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/bench/bench.c" -o "$BUILD/bench" \
    -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD" -lpthread
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the fault path alone (no site promoted), then promoted sites and real programs
MEMWATCH_PROMOTE=0 MEMWATCH_DUMP_DIR="$out" "$BUILD/bench" "${BENCH_OPS:-20000}"
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/bench/promote.c" -o "$BUILD/bench-promote" \
    -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD"
echo
mkdir -p "$out/promote"
BENCH_LIB="$BUILD/libmemwatch.so" MEMWATCH_DUMP_DIR="$out/promote" "$BUILD/bench-promote" "${BENCH_OPS:-20000}"
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror "$ROOT/bench/cycle.c" -o "$BUILD/cycle"
echo
BENCH_YARA="$ROOT/examples/demo.yar" MEMWATCH_DUMP_DIR="$out/cycle" "$BUILD/cycle" "$BUILD/libmemwatch.so" "${BENCH_CYCLES:-500}" "${BENCH_ROUNDS:-41}"
sh "$ROOT/bench/watches.sh"
