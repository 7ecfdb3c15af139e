/*
 * bench/bare.h - what the benchmarks measure against: one bare SIGSEGV round
 * trip (a store to a PROT_NONE page whose own SA_SIGINFO handler skips the
 * 3-byte instruction - fault, handler, sigreturn, nothing else), best of
 * ROUNDS rounds of n, and the clock.  Header-only: each benchmark is one
 * program.
 */
#ifndef BENCH_BARE_H
#define BENCH_BARE_H

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define ROUNDS 5

static inline double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* --- bare fault ------------------------------------------------------------ */
static inline void skip_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uc->uc_mcontext.gregs[REG_RIP] += 3; /* movb $1,(%rax): c6 00 01 */
}

static inline void bare_store(volatile char *p) { __asm__ volatile("movb $1, (%0)" ::"a"(p) : "memory"); }

/* The kernel's sigaction, installed directly so that the bare fault does
 * not go through the library (which keeps SIGSEGV for itself). */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
void bench_restorer(void);
__asm__(".text\nbench_restorer:\n\tmov $15, %eax\n\tsyscall\n");

static inline void raw_sigaction(int sig, const struct kernel_sigaction *act, struct kernel_sigaction *old)
{
    syscall(SYS_rt_sigaction, sig, act, old, 8);
}

static inline double bench_bare(int n)
{
    char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct kernel_sigaction sa = {(void *)skip_handler, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, bench_restorer, 0},
                            old;
    raw_sigaction(SIGSEGV, &sa, &old);
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < n; i++)
            bare_store(p);
        double per = (now_ns() - t0) / n;
        if (per < best)
            best = per;
    }
    raw_sigaction(SIGSEGV, &old, NULL);
    munmap(p, 4096);
    return best;
}

#endif
