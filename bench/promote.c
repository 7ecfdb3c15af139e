/*
 * bench/promote.c - what a watched variable costs in a real program, where
 * most accesses to its page are to its neighbours, as ratios to one bare
 * SIGSEGV round trip measured in the same run (bare.h):
 *   - one access through a promoted site: a neighbour's (no fault: the stub
 *     reaches the page's second view), RIP-relative and computed-address,
 *     and the watched variable's own (counted without a signal);
 *   - one access caught by a hardware breakpoint (perf_event_open with
 *     sigtrap, Linux 5.13+), where the kernel allows it;
 *   - the two real cases of issue 12, per watched access, neighbours' cost
 *     included: an 8-byte malloc'd object watched for writes among 511 busy
 *     64-byte neighbours, written every 100th round of malloc/free/write
 *     churn; and `bash -c 'i=0; while [ $i -lt N ] ...'` watching its global
 *     last_command_exit_value (MEMWATCH_WATCH, every access logged).
 *
 *   promote [ops] [bash]      (bash: the bash to run, default bash)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "bare.h"
#include "memwatch.h"

static void row(const char *what, double ns, double bare)
{
    printf("%-62s %10.3f us   %7.3fx\n", what, ns / 1000, ns / bare);
}

/* --- single accesses through promoted sites ------------------------------------ */

static struct {
    volatile uint64_t var;
    volatile uint64_t neighbour[7];
    char rest[4096 - 64];
} pg __attribute__((aligned(4096)));

__attribute__((noinline)) static void rip_neighbour(uint64_t v) { __asm__ volatile("movq %0, pg+8(%%rip)" ::"r"(v) : "memory"); }
__attribute__((noinline)) static void rip_var(uint64_t v) { __asm__ volatile("movq %0, pg(%%rip)" ::"r"(v) : "memory"); }
__attribute__((noinline)) static void computed(volatile char *p, uint64_t v)
{
    __asm__ volatile("movq %1, 0x100(%0)" ::"r"(p), "r"(v) : "memory"); /* 7 bytes: a computed address */
}

static double best_of(void (*fn)(int), int n)
{
    double best = 1e30;
    fn(64); /* warm: the site is promoted after its first faults */
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        fn(n);
        double per = (now_ns() - t0) / n;
        if (per < best)
            best = per;
    }
    return best;
}

static void loop_rip_neighbour(int n)
{
    for (int i = 0; i < n; i++)
        rip_neighbour((uint64_t)i);
}
static void loop_computed(int n)
{
    for (int i = 0; i < n; i++)
        computed((volatile char *)&pg, (uint64_t)i);
}
static void loop_rip_var(int n)
{
    for (int i = 0; i < n; i++)
        rip_var((uint64_t)i);
}

/* --- hardware breakpoints ---------------------------------------------------------- */

static volatile uint64_t hw_var;
static volatile unsigned long hw_traps;

static void hw_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    (void)ctx;
    hw_traps++;
}

__attribute__((noinline)) static void hw_store(uint64_t v) { hw_var = v; }

static double bench_hw(int n)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_BREAKPOINT;
    a.bp_type = HW_BREAKPOINT_W;
    a.bp_addr = (uintptr_t)&hw_var;
    a.bp_len = HW_BREAKPOINT_LEN_8;
    a.sample_period = 1;
    a.sigtrap = 1;
    a.remove_on_exec = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = hw_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, &old); /* through the library: it hands the trap on */
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned long before = hw_traps;
        double t0 = now_ns();
        for (int i = 0; i < n; i++)
            hw_store((uint64_t)i);
        double per = (now_ns() - t0) / n;
        if (hw_traps - before == (unsigned long)n && per < best)
            best = per;
    }
    close(fd);
    sigaction(SIGTRAP, &old, NULL);
    return best;
}

/* --- the heap-neighbour case ------------------------------------------------------- */

static double heap_rounds(long rounds, int watch, uint64_t *count)
{
    char *objs[512];
    for (int i = 0; i < 512; i++)
        objs[i] = malloc(64);
    uint64_t *target = (uint64_t *)objs[256];
    memwatch_id_t id = 0;
    if (watch)
        memwatch_watch(target, 8, MEMWATCH_WRITE, NULL, NULL, &id);
    unsigned seed = 1;
    double t0 = now_ns();
    for (long r = 0; r < rounds; r++) {
        seed = seed * 1103515245 + 12345;
        int k = (int)((seed >> 8) % 512);
        if (k == 256)
            k = 255;
        free(objs[k]);
        objs[k] = malloc(64);
        memset(objs[k], (int)r, 64);
        if (r % 100 == 0)
            *(volatile uint64_t *)target = (uint64_t)r;
    }
    double ns = now_ns() - t0;
    if (watch) {
        memwatch_region_count(id, count);
        memwatch_unwatch(id);
    }
    for (int i = 0; i < 512; i++)
        free(objs[i]);
    return ns;
}

/* --- the bash case ------------------------------------------------------------------- */

/* Wall time of bash running the loop, with the library preloaded watching
 * last_command_exit_value when lib is set; its logged accesses in *lines. */
static double bash_run(const char *bash, const char *lib, const char *dump, int n, long *lines)
{
    char script[128];
    snprintf(script, sizeof script, "i=0; while [ $i -lt %d ]; do i=$((i+1)); done", n);
    double t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        if (lib) {
            setenv("LD_PRELOAD", lib, 1);
            setenv("MEMWATCH_WATCH", "last_command_exit_value", 1);
            setenv("MEMWATCH_CAPTURE", "0", 1);
            setenv("MEMWATCH_DUMP_DIR", dump, 1);
        } else {
            unsetenv("LD_PRELOAD");
        }
        execlp(bash, bash, "-c", script, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    double ns = now_ns() - t0;
    *lines = 0;
    if (lib) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "cat %s/*/accesses.jsonl 2>/dev/null | wc -l; rm -rf %s/*", dump, dump);
        FILE *f = popen(cmd, "r");
        if (f && fscanf(f, "%ld", lines) != 1)
            *lines = 0;
        if (f)
            pclose(f);
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? ns : -1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    const char *bash = argc > 2 ? argv[2] : "bash";
    const char *lib = getenv("BENCH_LIB");
    const char *dump = getenv("MEMWATCH_DUMP_DIR");
    double bare = bench_bare(n);
    printf("promoted sites and real programs, as ratios to a bare SIGSEGV round trip in the same run\n");
    printf("%-62s %10s      %8s\n", "operation", "per op", "x bare");
    row("bare SIGSEGV round trip", bare, bare);

    memwatch_id_t id;
    memwatch_watch((void *)&pg.var, 8, MEMWATCH_RW, NULL, NULL, &id);
    row("neighbour on a watched page, promoted RIP-relative site", best_of(loop_rip_neighbour, n * 10), bare);
    row("neighbour on a watched page, promoted computed-address site", best_of(loop_computed, n * 10), bare);
    row("the watched variable, promoted site (counted, no signal)", best_of(loop_rip_var, n), bare);
    memwatch_unwatch(id);

    double hw = bench_hw(n);
    if (hw > 0)
        row("a hardware-breakpoint access (perf_event_open sigtrap)", hw, bare);
    else
        printf("%-62s unavailable: %s\n", "a hardware-breakpoint access (perf_event_open sigtrap)", strerror((int)-hw));

    long rounds = 20L * n;
    uint64_t counted = 0;
    heap_rounds(rounds / 10, 1, &counted); /* warm: sites promoted */
    double plain = 1e30, watched = 1e30;
    for (int r = 0; r < 3; r++) {
        double p = heap_rounds(rounds, 0, NULL), w = heap_rounds(rounds, 1, &counted);
        plain = p < plain ? p : plain;
        watched = w < watched ? w : watched;
    }
    double per_heap = counted ? (watched - plain) / (double)counted : 0;
    printf("heap object among busy neighbours: %ld rounds, plain %.1f ns/round, watched %.1f ns/round, %lu "
           "watched writes\n",
           rounds, plain / rounds, watched / rounds, (unsigned long)counted);
    row("  per watched access, neighbours' cost included", per_heap, bare);

    if (lib && dump) {
        int loops = 20000;
        long lines = 0;
        double bp = 1e30, bw = 1e30;
        for (int r = 0; r < 3; r++) {
            double p = bash_run(bash, NULL, dump, loops, &lines), w = bash_run(bash, lib, dump, loops, &lines);
            if (p > 0 && p < bp)
                bp = p;
            if (w > 0 && w < bw)
                bw = w;
        }
        if (bw < 1e30 && lines > 0) {
            printf("bash loop of %d rounds watching last_command_exit_value: plain %.3f s, watched %.3f s, %ld "
                   "logged accesses\n",
                   loops, bp / 1e9, bw / 1e9, lines);
            row("  per watched access, neighbours' cost included", (bw - bp) / (double)lines, bare);
        } else {
            printf("bash loop: could not be run (%s)\n", bash);
        }
    }
    return 0;
}
