#!/bin/sh
# Under valgrind memcheck the library itself is clean: a JIT program's code is
# captured (valgrind's signal contexts carry no page-fault error code - the
# fault address has to tell an instruction fetch) and a program watching heap
# memory counts right, with no memcheck error in a libmemwatch frame.
# (memcheck reports each watched access itself as an invalid access: it
# tracks the page protection, not the library's handling of the fault.)
set -eu
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind is not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/jit.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int v = 1; v <= 3; v++) {
        unsigned char code[] = {0xb8, (unsigned char)v, 0, 0, 0, 0xc3};
        memcpy(p, code, sizeof code);
        printf("%d\n", ((int (*)(void))p)());
    }
    return 0;
}
C
cat >"$tmp/watch.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "memwatch.h"
int main(void) {
    volatile long *o = malloc(64);
    o[0] = 0;
    _watch_address((void *)o, 64, PROT_NONE);
    for (int i = 0; i < 10; i++) o[1] = i;
    unsigned n = _get_trap_count();
    _unwatch_address((void *)o, PROT_READ | PROT_WRITE);
    printf("%u %ld\n", n, o[1]);
    return n == 10 && o[1] == 9 ? 0 : 1;
}
C
gcc -O1 -o "$tmp/jit" "$tmp/jit.c"
gcc -O1 -I"$ROOT/include" -o "$tmp/watch" "$tmp/watch.c" -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD"
out=$(MEMWATCH_DUMP_DIR="$tmp/d" LD_PRELOAD="$BUILD/libmemwatch.so" valgrind -q --smc-check=all \
      --log-file="$tmp/jit.vg" "$tmp/jit" | tr '\n' ' ')
[ "$out" = "1 2 3 " ] || { echo "jit under valgrind printed: $out"; cat "$tmp/jit.vg"; exit 1; }
n=$(cat "$tmp"/d/*/captures.jsonl | wc -l)
[ "$n" -eq 3 ] || { echo "$n captures under valgrind, expected 3"; exit 1; }
[ ! -s "$tmp/jit.vg" ] || { echo "memcheck errors:"; cat "$tmp/jit.vg"; exit 1; }
out=$(valgrind -q --num-callers=30 --log-file="$tmp/watch.vg" "$tmp/watch")
[ "$out" = "10 9" ] || { echo "watch under valgrind printed: $out"; exit 1; }
if grep -q "libmemwatch" "$tmp/watch.vg"; then echo "memcheck errors inside the library:"; cat "$tmp/watch.vg"; exit 1; fi
echo "memcheck: no error in libmemwatch ($(grep -c 'Invalid' "$tmp/watch.vg" || true) watched accesses flagged by memcheck itself)"
