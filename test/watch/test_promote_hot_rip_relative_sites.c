/* Proves hot-site promotion on RIP-relative accesses (globals, as in real
 * programs' data pages): after a few faults the sites that touch a watched
 * page jump to stubs, the watched variable's loads and stores still count
 * exactly once each with exact before/after bytes and the site's own
 * address as ip, its neighbours' stores land without a fault, the watch
 * reports MEMWATCH_MODE_PROMOTED, and unwatching gives every site its
 * original code back.  With MEMWATCH_PROMOTE=0 (the same binary, run by
 * test_promote_off_keeps_code_and_counts.sh) nothing is patched and the
 * counts are the same.
 */
#include <stdlib.h>

#include "watch_asm.h"

struct data {
    volatile uint64_t before[8];
    volatile uint64_t var;
    volatile uint64_t after[8];
    char rest[4096 - 17 * 8]; /* the page is the test's alone */
};
struct data pg __attribute__((aligned(4096), visibility("hidden")));

extern const unsigned char site_w[], site_r[], site_n[];

__attribute__((noinline)) static void store_var(uint64_t v)
{
    __asm__ volatile(".globl site_w\n.hidden site_w\nsite_w: movq %1, pg+64(%%rip)" : "=m"(pg.var) : "r"(v));
}

__attribute__((noinline)) static uint64_t load_var(void)
{
    uint64_t v;
    __asm__ volatile(".globl site_r\n.hidden site_r\nsite_r: movq pg+64(%%rip), %0" : "=r"(v) : "m"(pg.var));
    return v;
}

__attribute__((noinline)) static void store_neighbour(uint64_t v)
{
    __asm__ volatile(".globl site_n\n.hidden site_n\nsite_n: movq %1, pg+8(%%rip)" : "=m"(pg.before[1]) : "r"(v));
}

#define ROUNDS 1000

static struct {
    unsigned n, bad_ip, bad_bytes;
} seen;

static void on_access(const memwatch_event_t *ev, void *user)
{
    (void)user;
    seen.n++;
    if (ev->ip != (void *)site_w && ev->ip != (void *)site_r)
        seen.bad_ip++;
    uint64_t before, after;
    memcpy(&before, ev->before, 8);
    memcpy(&after, ev->after, 8);
    if (ev->is_write && after != before + 1)
        seen.bad_bytes++;
    if (ev->is_read && after != before)
        seen.bad_bytes++;
}

int main(void)
{
    const char *env = getenv("MEMWATCH_PROMOTE");
    int promote = !(env && strcmp(env, "0") == 0);
    unsigned char orig_w[8], orig_n[8];
    memcpy(orig_w, site_w, 8);
    memcpy(orig_n, site_n, 8);
    memwatch_id_t id;
    pg.var = 0;
    CHECK(memwatch_watch((void *)&pg.var, 8, MEMWATCH_RW, on_access, NULL, &id) == 0);
    for (uint64_t i = 1; i <= ROUNDS; i++) {
        store_var(load_var() + 1);
        store_neighbour(i);
    }
    uint64_t count = 0;
    CHECK(memwatch_region_count(id, &count) == 0);
    CHECK_EQ(count, 2 * ROUNDS);
    CHECK_EQ(seen.n, 2 * ROUNDS);
    CHECK_EQ(seen.bad_ip, 0);
    CHECK_EQ(seen.bad_bytes, 0);
    memwatch_stats_t st;
    memwatch_get_stats(&st);
    int mode = memwatch_region_mode(id);
    if (promote) {
        CHECK(mode & MEMWATCH_MODE_PROMOTED);
        CHECK_EQ(site_w[0], 0xe9);
        CHECK(st.silent <= 2 * 32); /* the neighbour's faults before its site was promoted */
    } else {
        CHECK(!(mode & MEMWATCH_MODE_PROMOTED));
        CHECK(memcmp(orig_w, site_w, 8) == 0);
        CHECK_EQ(st.silent, ROUNDS);
    }
    CHECK(memwatch_unwatch(id) == 0);
    CHECK(memcmp(orig_w, site_w, 8) == 0);
    CHECK(memcmp(orig_n, site_n, 8) == 0);
    CHECK_EQ(pg.var, ROUNDS);
    CHECK_EQ(pg.before[1], ROUNDS);
    store_neighbour(7); /* the original code, on an ordinary page again */
    CHECK_EQ(pg.before[1], 7);
    return mwtest_done();
}
