#!/bin/sh
# A fault inside the library's own handler code must end the process with one
# line on stderr and a real SIGSEGV death, never re-enter the handler forever.
# The program reproduces what once made the handler loop: it overwrites its
# own thread control block's self pointer (fs:0, which libc follows to find
# errno), then makes a watched access.  The handler's first touch of errno
# then faults inside the library.  runone enforces the time limit from
# outside: a handler that loops (with every signal blocked) is killed and the
# test fails instead of hanging.
set -u
: "${BUILD:=$ROOT/build}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mwtest-selffault.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
#include <sys/mman.h>
#include "memwatch.h"
int main(void)
{
    volatile char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    _watch_address((void *)p, 8, PROT_NONE);
    p[1] = 1; /* a watched access that works */
    fprintf(stderr, "before\n");
    __asm__ volatile("movq $0, %%fs:0" ::: "memory");
    p[2] = 2;
    return 0;
}
C
gcc -O1 -I"$ROOT/include" "$TMP/prog.c" -o "$TMP/prog" -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD" || exit 1
"$BUILD/test/runone" --timeout 20 --expect-signal SIGSEGV -- "$TMP/prog" >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/out" "$TMP/err"
[ $rc -eq 0 ] || { echo "FAIL: not a SIGSEGV death within the limit ($(cat "$TMP/out"))"; exit 1; }
lines=$(grep -c "libmemwatch" "$TMP/err")
[ "$lines" -eq 1 ] || { echo "FAIL: expected one line naming libmemwatch on stderr, got $lines"; exit 1; }
grep -q "internal fault inside libmemwatch" "$TMP/err" || { echo "FAIL: the line does not say what happened"; exit 1; }
grep -q "^before$" "$TMP/err" || { echo "FAIL: the watched access before the corruption did not complete"; exit 1; }
echo "ok: one line, SIGSEGV"
