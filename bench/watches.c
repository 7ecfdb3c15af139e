/*
 * bench/watches.c - what setting up and ending a watch costs as more watches
 * are live (issue 12, point 5; run by `make bench` through bench/watches.sh).
 *
 * One 8-byte _watch_address on every other page of one mapping, the way a
 * program watches many heap objects.  At each mark M (1,000, 8,000, then the
 * largest N asked for) the per-watch cost is measured on a batch of B watches
 * taking the live count from M - B to M, and unwatching them again, in
 * processor time (user and system) of the process, best of a few rounds: on
 * a machine shared with other work, wall time mostly measures the others.
 * The figures are printed as microseconds and as a ratio to the cost at
 * 1,000 live watches in the same run.  Then: the kernel mappings each watched page costs
 * (from /proc/self/maps before and after), whether a write to each watched
 * range counted exactly once, and whether every page kept its contents after
 * its watch ended.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memwatch.h"

#define PAGE 4096UL
#define BATCH 200
#define ROUNDS 7

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static long count_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    long n = 0;
    int c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static long read_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static char *base;
static long live;

static void *slot(long i) { return base + 2 * i * PAGE + 64; }

static void watch_to(long target)
{
    for (; live < target; live++)
        _watch_address(slot(live), 8, PROT_NONE);
}

static void unwatch_to(long target)
{
    for (; live > target; live--)
        _unwatch_address(slot(live - 1), PROT_READ | PROT_WRITE);
}

struct mark {
    long live;
    double watch_us, unwatch_us; /* per watch, best round */
};

/* Grows to mark - BATCH, then times BATCH watches and BATCH unwatches. */
static void measure(struct mark *m)
{
    watch_to(m->live - BATCH);
    m->watch_us = m->unwatch_us = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = cpu_us();
        watch_to(m->live);
        double t1 = cpu_us();
        unwatch_to(m->live - BATCH);
        double t2 = cpu_us();
        if ((t1 - t0) / BATCH < m->watch_us)
            m->watch_us = (t1 - t0) / BATCH;
        if ((t2 - t1) / BATCH < m->unwatch_us)
            m->unwatch_us = (t2 - t1) / BATCH;
    }
    watch_to(m->live);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 30000;
    long limit = read_long("/proc/sys/vm/max_map_count");
    long room = (limit - count_mappings() - 1000) / 2;
    if (n > room) {
        printf("vm.max_map_count (%ld) leaves room for %ld isolated watched pages: measuring up to that\n", limit,
               room);
        n = room;
    }
    if (n < 1000 + BATCH)
        n = 1000 + BATCH;
    base = mmap(NULL, (2 * n + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    for (long i = 0; i < 2 * n + 1; i++)
        memset(base + i * PAGE, (int)(i & 0x7f) + 1, PAGE);

    long before = count_mappings();
    struct mark marks[3] = {{.live = 1000}};
    int nmarks = 1;
    if (n > 8000 + BATCH)
        marks[nmarks++].live = 8000;
    if (n > 1000)
        marks[nmarks++].live = n;
    for (int i = 0; i < nmarks; i++)
        measure(&marks[i]);
    long after = count_mappings();

    uint32_t c0 = _get_trap_count();
    for (long i = 0; i < live; i++)
        *(volatile uint64_t *)slot(i) = (uint64_t)i;
    uint32_t counted = _get_trap_count() - c0;

    double t0 = cpu_us();
    unwatch_to(0);
    double all_unwatch = cpu_us() - t0; /* processor time: the whole run is long enough to be shared */
    long wrong = 0;
    for (long i = 0; i < n; i++) {
        uint64_t v = *(volatile uint64_t *)slot(i);
        if (v != (uint64_t)i || ((unsigned char *)slot(i))[8] != (unsigned char)((2 * i) & 0x7f) + 1)
            wrong++;
    }
    long left = count_mappings();

    printf("watch set-up: one 8-byte _watch_address on every other page of one mapping;\n"
           "processor time per watch at each number of live watches (batches of %d, best of %d),\n"
           "as a ratio to the cost at 1,000 live watches\n",
           BATCH, ROUNDS);
    printf("%-14s %14s %9s %16s %9s\n", "live watches", "watch us", "x 1,000", "unwatch us", "x 1,000");
    for (int i = 0; i < nmarks; i++)
        printf("%-14ld %14.2f %8.2fx %16.2f %8.2fx\n", marks[i].live, marks[i].watch_us,
               marks[i].watch_us / marks[0].watch_us, marks[i].unwatch_us, marks[i].unwatch_us / marks[0].unwatch_us);
    printf("kernel mappings per watched page: %.2f (%ld mappings with %ld watches, %ld without; limit %ld)\n",
           (double)(after - before) / (double)n, after, n, before, limit);
    printf("writes counted: %u of %ld; unwatching all %ld: %.2f us of processor time per watch;"
           " contents wrong after: %ld; mappings left: %ld\n",
           counted, n, n, all_unwatch / (double)n, wrong, left);
    return counted == (uint32_t)n && wrong == 0 ? 0 : 1;
}
