/*
 * Many live watches (issue 12): one 8-byte watch on every other page of one
 * mapping, 30,000 of them (fewer only where vm.max_map_count is too low for
 * that many isolated pages).  Every watch starts, the kernel mappings they
 * cost are at most two per watched page (the page, and the gap it splits
 * off) and nothing per alias view (that would be a third), a write to each counts exactly once on
 * that watch, and _unwatch_address ends every one of them with the contents
 * of every page intact - the watched bytes, the rest of their pages and the
 * unwatched pages between them.  Neighbouring watched pages, watched one at a
 * time, share one mapping.
 */
#include "memwatch.h"
#include "mwtest.h"

#define PAGE 4096UL

static long max_map_count(void)
{
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    long v = 65530;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 65530;
        fclose(f);
    }
    return v;
}

static unsigned char fill_of(long page) { return (unsigned char)(page * 7 + 1); }

int main(void)
{
    long before = mwtest_count_mappings();
    long n = 30000, room = (max_map_count() - before - 1000) / 2;
    if (room < n) {
        printf("vm.max_map_count leaves room for %ld isolated watched pages: watching that many\n", room);
        n = room;
    }
    long pages = 2 * n + 1;
    unsigned char *base = mwtest_pages((size_t)pages);
    for (long i = 0; i < pages; i++)
        memset(base + i * PAGE, fill_of(i), PAGE);
    memwatch_id_t *ids = calloc((size_t)n, sizeof *ids);
    before = mwtest_count_mappings();

    long refused = 0;
    for (long i = 0; i < n; i++)
        refused += memwatch_watch(base + 2 * i * PAGE + 128, 8, MEMWATCH_RW, NULL, NULL, &ids[i]) != 0;
    CHECK_EQ(refused, 0);
    long after = mwtest_count_mappings();
    /* Beside the two per page, a handful of the library's own: the pool's
     * window, arena slabs and hash tables grown meanwhile. */
    printf("%ld watches: %ld kernel mappings more\n", n, after - before);
    CHECK(after - before <= 2 * n + 100);

    long miscounted = 0;
    for (long i = 0; i < n; i++) {
        uint32_t c0 = _get_trap_count();
        *(volatile uint64_t *)(base + 2 * i * PAGE + 128) = (uint64_t)i;
        uint64_t own = 0;
        miscounted += _get_trap_count() != c0 + 1 || memwatch_region_count(ids[i], &own) != 0 || own != 1;
    }
    CHECK_EQ(miscounted, 0);

    for (long i = 0; i < n; i++)
        _unwatch_address(base + 2 * i * PAGE + 128, PROT_READ | PROT_WRITE);
    memwatch_stats_t st;
    CHECK_EQ(memwatch_get_stats(&st), 0);
    CHECK_EQ(st.live_watches, 0);

    long wrong = 0;
    for (long i = 0; i < pages; i++) {
        unsigned char *pg = base + i * PAGE;
        for (unsigned long b = 0; b < PAGE; b++) {
            int slot = i % 2 == 0 && i / 2 < n && b >= 128 && b < 136;
            unsigned char want = slot ? (unsigned char)((uint64_t)(i / 2) >> (8 * (b - 128))) : fill_of(i);
            wrong += pg[b] != want;
        }
    }
    CHECK_EQ(wrong, 0);
    uint32_t c0 = _get_trap_count();
    base[128] = 1; /* no longer watched: not counted */
    CHECK_EQ(_get_trap_count(), c0);

    /* Neighbouring watched pages, watched one at a time, share one mapping. */
    unsigned char *run = mwtest_pages(66);
    long run_before = mwtest_count_mappings();
    for (int i = 1; i < 65; i++)
        _watch_address(run + i * PAGE + 8, 8, PROT_NONE);
    printf("64 neighbouring watched pages: %ld kernel mappings more\n", mwtest_count_mappings() - run_before);
    CHECK(mwtest_count_mappings() - run_before <= 3);
    for (int i = 1; i < 65; i++)
        _unwatch_address(run + i * PAGE + 8, PROT_READ | PROT_WRITE);
    free(ids);
    return mwtest_done();
}
