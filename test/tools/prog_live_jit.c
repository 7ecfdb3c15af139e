/*
 * test/tools/prog_live_jit.c - a small JIT for the launcher's live tests:
 * N times, writes a new function (`mov eax, i; ret`) into one RWX page,
 * runs it, stores i into the global `live_counter` (watch it to get logged
 * accesses), and sleeps D milliseconds.  Prints "done N" at the end.
 * Usage: prog_live_jit N D
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

volatile int live_counter;

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10, delay = argc > 2 ? atoi(argv[2]) : 0;
    unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 2;
    for (int i = 0; i < n; i++) {
        p[0] = 0xb8;
        memcpy(p + 1, &i, 4);
        p[5] = 0xc3;
        int (*fn)(void);
        void *code = p;
        memcpy(&fn, &code, sizeof fn);
        __asm__ volatile("" : : "r"(code) : "memory");
        if (fn() != i)
            return 3;
        live_counter = i;
        struct timespec ts = { delay / 1000, (long)(delay % 1000) * 1000000L };
        if (delay)
            nanosleep(&ts, NULL);
    }
    printf("done %d\n", n);
    return 0;
}
