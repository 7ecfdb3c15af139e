#!/bin/sh
# Runs every test and ends with the line "N passed, N failed".
#
# Two kinds of test live under test/<area>/:
#   test_*.c   a program; built twice unless its first lines say otherwise:
#              linked against build/libmemwatch.so (rpath), and preloaded: built
#              without an rpath, so that only LD_PRELOAD can satisfy its
#              libmemwatch.so (a program that calls no API function does not
#              even name it).  Directives in a comment near the top:
#                test-modes: linked preload     (which runs to make)
#                test-expect: signal SIGSEGV    (must die by that signal)
#                test-cflags: -mavx2            (extra compiler flags)
#                test-needs: avx512f            (a /proc/cpuinfo flag, else SKIP)
#              test-modes: objects builds an engine unit test instead: the
#              library's object files linked into the program (its internal
#              mw_ functions callable, headers from the tree), run once.
#   test_*.sh  a script run with BUILD, ROOT and TESTBIN set; exit 0 passes,
#              77 skips (printed as SKIP with its reason), anything else fails.
# Every test runs under test/support/runone: its time limit is enforced from
# outside (its own process group, then SIGKILL to it and to every descendant),
# so a test that blocks all signals or hangs in a handler fails in time and
# `make test` always ends.  The first line says which machine ran the tests.
# TEST_FILTER=substring runs only the tests whose path contains it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
TESTBIN="$BUILD/test"
export ROOT BUILD TESTBIN
mkdir -p "$TESTBIN/linked" "$TESTBIN/preload" "$TESTBIN/objects" "$TESTBIN/log"
cc=${CC:-gcc}
pass=0 fail=0 skip=0
failed=""

$cc -O2 -Wall -Werror -o "$TESTBIN/runone" "$ROOT/test/support/runone.c" || exit 1
$cc -O2 -Wall -Werror -o "$TESTBIN/machine" "$ROOT/test/support/machine.c" || exit 1
"$TESTBIN/machine"
started=$(date +%s)

directive() { sed -n "1,25s/.*$1:[[:space:]]*\([^*]*\).*/\1/p" "$2" | head -n 1 | sed 's/[[:space:]]*$//'; }

report() { # status name detail
    case "$1" in
        ok)   pass=$((pass + 1)); echo "ok    $2" ;;
        skip) skip=$((skip + 1)); echo "SKIP  $2: $3" ;;
        *)    fail=$((fail + 1)); failed="$failed $2"; echo "FAIL  $2: $3" ;;
    esac
}

run_c_test() { # src
    src=$1
    rel=${src#"$ROOT/test/"}
    name=${rel%.c}
    flat=$(echo "$name" | tr '/' '_')
    modes=$(directive test-modes "$src"); [ -n "$modes" ] || modes="linked preload"
    expect=$(directive test-expect "$src")
    cflags=$(directive test-cflags "$src")
    needs=$(directive test-needs "$src")
    if [ -n "$needs" ] && ! grep -qw "$needs" /proc/cpuinfo; then
        report skip "$name" "CPU lacks $needs"; return
    fi
    sig=""
    case "$expect" in signal*) sig="--expect-signal ${expect#signal }";; esac
    for mode in $modes; do
        bin="$TESTBIN/$mode/$flat"
        log="$TESTBIN/log/$flat.$mode.log"
        if [ "$mode" = objects ]; then
            # shellcheck disable=SC2086
            $cc -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror $cflags -I"$ROOT/include" -I"$ROOT" \
                -I"$ROOT/test/support" "$src" $(find "$BUILD/obj" -name '*.o' | sort) -o "$bin" \
                -lZydis -lZycore -lpthread -ldl >"$log" 2>&1 ||
                { report fail "$name [$mode]" "does not build: $(head -c 300 "$log")"; continue; }
            # shellcheck disable=SC2086
            out=$("$TESTBIN/runone" $sig -- "$bin" 2>&1 >"$log.out") ; rc=$?
        elif [ "$mode" = linked ]; then
            # shellcheck disable=SC2086
            $cc -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror $cflags -I"$ROOT/include" -I"$ROOT/test/support" \
                "$src" -o "$bin" -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD" -lpthread >"$log" 2>&1 ||
                { report fail "$name [$mode]" "does not build: $(head -c 300 "$log")"; continue; }
            # shellcheck disable=SC2086
            out=$("$TESTBIN/runone" $sig -- "$bin" 2>&1 >"$log.out") ; rc=$?
        else
            # shellcheck disable=SC2086
            $cc -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror $cflags -I"$ROOT/include" -I"$ROOT/test/support" \
                "$src" -o "$bin" -L"$BUILD" -Wl,--as-needed -lmemwatch -Wl,--no-as-needed -lpthread >"$log" 2>&1 ||
                { report fail "$name [$mode]" "does not build: $(head -c 300 "$log")"; continue; }
            # shellcheck disable=SC2086
            out=$("$TESTBIN/runone" $sig -- env LD_PRELOAD="$BUILD/libmemwatch.so" "$bin" 2>&1 >"$log.out"); rc=$?
        fi
        if [ $rc -eq 0 ]; then
            report ok "$name [$mode]"
        else
            report fail "$name [$mode]" "$(tail -n 3 "$log.out" | tr '\n' ' ')$(echo "$out" | tail -n 2 | tr '\n' ' ')"
        fi
    done
}

run_sh_test() { # script
    script=$1
    rel=${script#"$ROOT/test/"}
    name=${rel%.sh}
    log="$TESTBIN/log/$(echo "$name" | tr '/' '_').log"
    (cd "$ROOT" && "$TESTBIN/runone" -q --expect-exit any --timeout 600 -- sh "$script") >"$log" 2>&1; rc=$?
    case $rc in
        0) report ok "$name" ;;
        77) report skip "$name" "$(tail -n 1 "$log")" ;;
        124) report fail "$name" "timeout after 600 s" ;;
        *) report fail "$name" "$(tail -n 4 "$log" | tr '\n' ' ')" ;;
    esac
}

# Programs first, then scripts: a script may use the programs' binaries.
for kind in c sh; do
    for src in $(find "$ROOT/test" -name "test_*.$kind" | sort); do
        case "$src" in *"${TEST_FILTER:-}"*) ;; *) continue;; esac
        case "$src" in
            */support/*) ;;
            *.c) run_c_test "$src" ;;
            *.sh) run_sh_test "$src" ;;
        esac
    done
done

[ $skip -gt 0 ] && echo "$skip skipped"
[ -n "$failed" ] && echo "failed:$failed"
echo "took $(( $(date +%s) - started )) s"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
