/*
 * bench/static_cycle.c - the W->X->W cycle of code capture, timed inside the
 * program (bench/static.sh builds it static and dynamic and runs it under
 * each way of capturing).  One cycle: write a function into a page, call it.
 *
 *   static_cycle floor N     the in-process floor: the program's own SIGSEGV
 *                            handler runs the cycle on a read+execute page -
 *                            2 faults, 2 mprotect, one 4 KiB copy - and
 *                            nothing else (no dump)
 *   static_cycle jit N       an RWX page, a new version each cycle: under a
 *                            capturing tool every cycle is 2 faults and a
 *                            capture of new content
 *   static_cycle same N      the same, writing the same bytes each time (the
 *                            capture's content is stored once)
 *
 * Prints "<ns per cycle>" (best of 5 rounds of N cycles) on stdout.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#define PAGE 4096
#define ROUNDS 5
#define PF_INSTR 0x10

static unsigned char *page;
static unsigned char copy[PAGE];

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* mov eax, v; ret */
static void emit(int32_t v)
{
    page[0] = 0xb8;
    memcpy(page + 1, &v, 4);
    page[5] = 0xc3;
}

static int call_page(void)
{
    int (*f)(void);
    memcpy(&f, &page, sizeof f);
    __asm__ volatile("" : : "r"(page) : "memory");
    return f();
}

/* The floor's handler: an execution fault copies the page and makes it
 * read+execute, a write fault makes it read+write. */
static void floor_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    unsigned char *p = (unsigned char *)((uintptr_t)si->si_addr & ~(uintptr_t)(PAGE - 1));
    if (uc->uc_mcontext.gregs[REG_ERR] & PF_INSTR) {
        memcpy(copy, p, PAGE);
        mprotect(p, PAGE, PROT_READ | PROT_EXEC);
    } else {
        mprotect(p, PAGE, PROT_READ | PROT_WRITE);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const char *mode = argv[1];
    long n = atol(argv[2]);
    int is_floor = strcmp(mode, "floor") == 0, same = strcmp(mode, "same") == 0;
    page = mmap(NULL, PAGE, is_floor ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    if (is_floor) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = floor_handler;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
    }
    double best = 1e30;
    long sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            emit(same ? 42 : (int32_t)(r * n + i));
            sum += call_page();
        }
        double per = (now_ns() - t0) / (double)n;
        if (per < best)
            best = per;
    }
    printf("%.0f\n", best);
    return sum == 0 ? 3 : 0;
}
