#!/bin/sh
# bench/static.sh - `make bench`'s static-program line: the W->X->W cycle of
# code capture (write a function, call it) in a statically linked program,
# as a ratio to the in-process floor measured in the same run (the
# program's own SIGSEGV handler: 2 faults, 2 mprotect, a 4 KiB copy, no
# dump), for:
#   agent      memwatch -- static program (the capture agent, in-process)
#   library    the same program linked dynamically, with LD_PRELOAD
#   ptrace     a ptrace supervisor doing the cycle from outside
#              (bench/static_trace.c: seccomp RET_TRACE for the mmap, a stop
#              per fault, mprotect run in the child)
# each capturing new code every cycle ("new") or the same bytes ("same":
# stored once).  Dumps go to a scratch directory under $TMPDIR.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
N=${BENCH_CYCLES:-2000}
cc=${CC:-gcc}
$cc -std=gnu11 -O2 -Wall -Werror -static -o "$BUILD/static_cycle" "$ROOT/bench/static_cycle.c"
$cc -std=gnu11 -O2 -Wall -Werror -o "$BUILD/static_cycle_dyn" "$ROOT/bench/static_cycle.c"
$cc -std=gnu11 -O2 -Wall -Werror -D_GNU_SOURCE -I"$ROOT" -o "$BUILD/static_trace" "$ROOT/bench/static_trace.c" \
    "$ROOT"/inject/*.c "$ROOT/core/syscall_gate.c"
out=$(mktemp -d "${TMPDIR:-/tmp}/mwbench.XXXXXX")
trap 'rm -rf "$out"' EXIT

floor=$("$BUILD/static_cycle" floor "$N")
row() { # name ns
    awk -v n="$1" -v t="$2" -v f="$floor" 'BEGIN { printf "  %-22s %9.1f us  %6.2fx\n", n, t / 1000, t / f }'
}
echo "static-program capture cycle (write + call, $N cycles, best of 5; ratio to the floor):"
row "floor (own handler)" "$floor"
for what in new same; do
    mode=$([ $what = new ] && echo jit || echo same)
    row "agent, $what" "$("$BUILD/memwatch" -q --dump-dir "$out/agent-$what" -- "$BUILD/static_cycle" $mode "$N")"
    row "library, $what" "$(LD_PRELOAD="$BUILD/libmemwatch.so" MEMWATCH_DUMP_DIR="$out/lib-$what" \
        "$BUILD/static_cycle_dyn" $mode "$N")"
    row "ptrace, $what" "$("$BUILD/static_trace" "$out/trace-$what.pack" "$BUILD/static_cycle" $mode "$N")"
done
