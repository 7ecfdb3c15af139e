#!/bin/sh
# make bench, issue 12: what setting up and ending a watch costs at 1,000,
# 8,000 and 30,000 live watches (one 8-byte watch on every other page of one
# mapping), each as a ratio to the cost at 1,000 in the same run; the kernel
# mappings a watched page costs; exact counts. BENCH_WATCHES sets the largest.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/bench/watches.c" -o "$BUILD/bench-watches" \
    -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
MEMWATCH_DUMP_DIR="$out" "$BUILD/bench-watches" "${BENCH_WATCHES:-30000}"
