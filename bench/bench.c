/*
 * bench/bench.c - the cost of a watched access, as a ratio to one bare
 * SIGSEGV round trip measured in the same run (issue 4, `make bench`).
 * The code-capture cycle has its own program and baselines (cycle.c).
 *
 * Each figure is the best of several rounds of N operations (the minimum is
 * the least disturbed by the other tenant of a 2-vCPU VM).  The bare fault is
 * a store to a PROT_NONE page whose SA_SIGINFO handler skips the 3-byte
 * instruction - fault, handler, sigreturn, nothing else.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "memwatch.h"

#include "bare.h"

/* --- watched accesses ---------------------------------------------------- */
enum op { OP_BYTE_WRITE, OP_READ8, OP_LOCK_ADD, OP_REP_MOVSB64, OP_RIP_REL, OP_UNWATCHED_SAME_PAGE, OP_OTHER_PAGE };

static char rip_page[4096] __attribute__((aligned(4096)));
static char src64[64];

static void do_op(enum op op, char *p)
{
    switch (op) {
    case OP_BYTE_WRITE: __asm__ volatile("movb $7, (%0)" ::"r"(p) : "memory"); break;
    case OP_READ8: { uint64_t v; __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory"); break; }
    case OP_LOCK_ADD: __asm__ volatile("lock addq $1, (%0)" ::"r"(p) : "memory"); break;
    case OP_REP_MOVSB64: {
        void *d = p, *s = src64;
        size_t c = 64;
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
        break;
    }
    case OP_RIP_REL: __asm__ volatile("movl $5, rip_page+16(%%rip)" ::: "memory"); break;
    case OP_UNWATCHED_SAME_PAGE: __asm__ volatile("movb $7, 1024(%0)" ::"r"(p) : "memory"); break;
    case OP_OTHER_PAGE: __asm__ volatile("movb $7, 8192(%0)" ::"r"(p) : "memory"); break;
    }
}

struct job {
    enum op op;
    char *p;
    int n;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    for (int i = 0; i < j->n; i++)
        do_op(j->op, j->p);
    return NULL;
}

/* ns per access with `threads` threads each doing n operations, each on its own page or one shared. */
static double bench_watch(enum op op, int threads, int n, int shared_page)
{
    char *pages = mmap(NULL, 4096 * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *base = op == OP_RIP_REL ? rip_page : pages;
    for (int t = 0; t < threads; t++) {
        char *p = base + (shared_page ? 0 : 4096 * t);
        if (op == OP_RIP_REL && t > 0)
            break;
        _watch_address(op == OP_RIP_REL ? p + 16 : p, 64, PROT_NONE);
    }
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t th[8];
        struct job jobs[8];
        double t0 = now_ns();
        for (int t = 0; t < threads; t++) {
            jobs[t] = (struct job){op, base + (shared_page ? 0 : 4096 * t), n};
            pthread_create(&th[t], NULL, run_job, &jobs[t]);
        }
        for (int t = 0; t < threads; t++)
            pthread_join(th[t], NULL);
        double per = (now_ns() - t0) / ((double)n * threads); /* wall time per access, all threads */
        if (per < best)
            best = per;
    }
    for (int t = 0; t < threads; t++) {
        if (op == OP_RIP_REL && t > 0)
            break;
        _unwatch_address(op == OP_RIP_REL ? base + 16 : base + (shared_page ? 0 : 4096 * t), PROT_READ | PROT_WRITE);
        if (shared_page)
            break;
    }
    munmap(pages, 4096 * 8);
    return best;
}

static void row(const char *what, double ns, double bare)
{
    printf("%-50s %10.3f us   %7.3fx\n", what, ns / 1000, ns / bare);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    memset(src64, 0x5a, sizeof src64);
    double bare = bench_bare(n);
    char cpu[128] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "model name : %127[^\n]", cpu) == 1)
            break;
    if (f)
        fclose(f);
    printf("libmemwatch bench: %d operations per figure, best of %d rounds; %s, %ld CPUs\n", n, ROUNDS, cpu,
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("%-50s %10s      %8s\n", "operation", "per op", "x bare");
    row("bare SIGSEGV round trip (fault+handler+sigreturn)", bare, bare);
    row("watched 1-byte write", bench_watch(OP_BYTE_WRITE, 1, n, 0), bare);
    row("watched 8-byte read", bench_watch(OP_READ8, 1, n, 0), bare);
    row("watched lock add", bench_watch(OP_LOCK_ADD, 1, n, 0), bare);
    row("watched 64-byte rep movsb", bench_watch(OP_REP_MOVSB64, 1, n, 0), bare);
    row("watched RIP-relative store", bench_watch(OP_RIP_REL, 1, n, 0), bare);
    row("unwatched byte on a watched page (silent)", bench_watch(OP_UNWATCHED_SAME_PAGE, 1, n, 0), bare);
    row("unwatched access on another page", bench_watch(OP_OTHER_PAGE, 1, n, 0), bare);
    row("lock add, 2 threads, own pages", bench_watch(OP_LOCK_ADD, 2, n, 0), bare);
    row("lock add, 4 threads, own pages", bench_watch(OP_LOCK_ADD, 4, n, 0), bare);
    row("lock add, 2 threads, one shared page", bench_watch(OP_LOCK_ADD, 2, n, 1), bare);
    row("lock add, 4 threads, one shared page", bench_watch(OP_LOCK_ADD, 4, n, 1), bare);
    return 0;
}
