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

# Each variant runs REPEAT times, interleaved with the others, and keeps its
# best: the other tenants of a small VM disturb single runs by 2x.
REPEAT=${BENCH_REPEAT:-3}
measure() { # name command...: "name <ns per cycle>" into the list
    _name=$1
    shift
    echo "$_name $("$@")" >>"$out/times"
}
for r in $(seq "$REPEAT"); do
    measure "floor(own-handler)" "$BUILD/static_cycle" floor "$N"
    for what in same new; do
        mode=$([ $what = new ] && echo jit || echo same)
        measure "agent,$what" "$BUILD/memwatch" -q --dump-dir "$out/agent-$what-$r" -- "$BUILD/static_cycle" $mode "$N"
        measure "library,$what" env LD_PRELOAD="$BUILD/libmemwatch.so" MEMWATCH_DUMP_DIR="$out/lib-$what-$r" \
            "$BUILD/static_cycle_dyn" $mode "$N"
        measure "ptrace,$what" "$BUILD/static_trace" "$out/trace-$what-$r.pack" "$BUILD/static_cycle" $mode "$N"
    done
done
echo "static-program capture cycle (write + call; $N cycles, best of 5 x $REPEAT runs; ratio to the floor):"
awk '!($1 in best) { names[++n] = $1 } !($1 in best) || $2 < best[$1] { best[$1] = $2 }
     END { f = best[names[1]]
           for (i = 1; i <= n; i++) printf "  %-20s %9.1f us  %6.2fx\n", names[i], best[names[i]] / 1000, best[names[i]] / f }' \
    "$out/times"
