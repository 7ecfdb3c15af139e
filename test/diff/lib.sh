# test/diff/lib.sh - shared by fuzz.sh and the bounded test: builds the
# corpus tool and the runner, and writes the corpus of this machine.
# Sourced with ROOT and BUILD set; leaves DIFFBIN, CORPUS set.

DIFFBIN="$BUILD/diff"
CORPUS="$DIFFBIN/corpus.txt"
mkdir -p "$DIFFBIN"

diff_build() {
    cc=${CC:-gcc}
    [ -f "$BUILD/libmemwatch.so" ] || { echo "diff: $BUILD/libmemwatch.so is missing (make first)"; return 1; }
    $cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$DIFFBIN/corpus" "$ROOT/test/diff/corpus.c" \
        -lZydis -lZycore || return 1
    $cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$ROOT/include" -o "$DIFFBIN/diffrun" \
        "$ROOT/test/diff/diffrun.c" "$ROOT/test/diff/harness.S" \
        -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD" -lZydis -lZycore || return 1
}

# The executable sections of these system libraries, those that exist.
diff_libraries() {
    for name in libc.so.6 libm.so.6 libstdc++.so.6 ld-linux-x86-64.so.2 libcrypto.so.3 libz.so.1 \
                libmvec.so.1 libgmp.so.10 libzstd.so.1 liblzma.so.5 libgfortran.so.5; do
        for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
            if [ -f "$dir/$name" ]; then
                echo "$dir/$name"
                break
            fi
        done
    done
}

diff_corpus() {
    # shellcheck disable=SC2046
    "$DIFFBIN/corpus" -s -o "$CORPUS" $(diff_libraries)
}

# The runner's environment: no code capture, dumps out of the way.
diff_run() {
    MEMWATCH_CAPTURE=0 MEMWATCH_DUMP_DIR="$DIFFBIN/memwatch-out" "$DIFFBIN/diffrun" "$@"
}
