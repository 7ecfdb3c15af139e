/* Proves every bad call of the rich API returns -1 with the right errno (EINVAL, ENOMEM, EEXIST, ENOENT), creates no watch and leaves the protection of the memory around it unchanged. */
#include <errno.h>
#include <stdint.h>

#include "../watch/watch_asm.h"

static memwatch_stats_t stats(void)
{
    memwatch_stats_t s;
    memwatch_get_stats(&s);
    return s;
}

#define EXPECT_ERR(err, call)                                                       \
    do {                                                                            \
        errno = 0;                                                                  \
        int rc_ = (call);                                                           \
        CHECK_EQ(rc_, -1);                                                          \
        CHECK_EQ(errno, (err));                                                     \
    } while (0)

/* Writes and reads every page of [p, p + n pages) and checks that nothing trapped. */
static void check_plain_rw(unsigned char *p, int npages, uint8_t v)
{
    memwatch_stats_t s0 = stats();
    for (int i = 0; i < npages; i++) {
        wa_st8(p + i * PAGE, v);
        wa_st8(p + i * PAGE + PAGE - 1, v);
        CHECK_EQ(wa_ld8(p + i * PAGE), v);
        char perms[5];
        wa_maps_perms(p + i * PAGE, perms);
        CHECK(strncmp(perms, "rw", 2) == 0);
    }
    memwatch_stats_t s1 = stats();
    CHECK_EQ(s1.accesses, s0.accesses);
    CHECK_EQ(s1.silent, s0.silent);
    CHECK_EQ(s1.foreign_faults, s0.foreign_faults);
}

static void cb(const memwatch_event_t *ev, void *user)
{
    (void)ev;
    (void)user;
}

int main(void)
{
    /* three pages with a hole in the middle */
    unsigned char *p = mwtest_pages(3);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    unsigned char *lo = p, *hole = p + PAGE, *hi = p + 2 * PAGE;
    memwatch_id_t id = 0x5555;
    uint64_t live0 = stats().live_watches;

    EXPECT_ERR(EINVAL, memwatch_watch(NULL, 8, MEMWATCH_RW, cb, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo, 0, MEMWATCH_RW, cb, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo + 16, SIZE_MAX, MEMWATCH_RW, cb, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo + 16, SIZE_MAX - 8, MEMWATCH_RW, NULL, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch((void *)(UINTPTR_MAX - 15), 32, MEMWATCH_RW, NULL, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo, 8, 0, cb, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo, 8, 0x4, cb, NULL, &id));
    EXPECT_ERR(EINVAL, memwatch_watch(lo, 8, MEMWATCH_RW | 0x10, cb, NULL, &id));
    EXPECT_ERR(ENOMEM, memwatch_watch(hole + 8, 8, MEMWATCH_RW, cb, NULL, &id));
    EXPECT_ERR(ENOMEM, memwatch_watch(lo + PAGE - 8, 16, MEMWATCH_RW, cb, NULL, &id));   /* runs into the hole */
    EXPECT_ERR(ENOMEM, memwatch_watch(lo + 8, 3 * PAGE - 16, MEMWATCH_RW, cb, NULL, &id)); /* spans it */
    EXPECT_ERR(ENOMEM, memwatch_watch(hole - 8, 16, MEMWATCH_WRITE, cb, NULL, &id));
    CHECK_EQ(id, 0x5555); /* untouched by failures */
    CHECK_EQ(stats().live_watches, live0);
    check_plain_rw(lo, 1, 1);
    check_plain_rw(hi, 1, 2);

    /* overlap with a different access kind */
    memwatch_id_t a = 0, b = 0;
    CHECK_EQ(memwatch_watch(lo + 0x100, 16, MEMWATCH_RW, cb, NULL, &a), 0);
    CHECK(a != 0);
    EXPECT_ERR(EEXIST, memwatch_watch(lo + 0x108, 16, MEMWATCH_WRITE, cb, NULL, &b));
    EXPECT_ERR(EEXIST, memwatch_watch(lo + 0xf0, 0x20, MEMWATCH_READ, cb, NULL, &b));
    EXPECT_ERR(EEXIST, memwatch_watch(lo, PAGE, MEMWATCH_WRITE, NULL, NULL, &b));
    CHECK_EQ(b, 0);
    CHECK_EQ(stats().live_watches, live0 + 1);
    /* the failed calls did not disturb the good watch */
    EXPECT_TRAPS(1, wa_st32(lo + 0x100, 5));
    EXPECT_TRAPS(0, wa_st32(lo + 0x110, 6));
    check_plain_rw(hi, 1, 3);

    /* unknown ids */
    EXPECT_ERR(ENOENT, memwatch_unwatch(0));
    EXPECT_ERR(ENOENT, memwatch_unwatch(a + 1000));
    uint64_t n = 0;
    EXPECT_ERR(ENOENT, memwatch_region_count(a + 1000, &n));
    EXPECT_ERR(EINVAL, memwatch_region_count(a, NULL));
    EXPECT_ERR(EINVAL, memwatch_get_stats(NULL));
    CHECK_EQ(memwatch_region_count(a, &n), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(memwatch_unwatch(a), 0);
    EXPECT_ERR(ENOENT, memwatch_unwatch(a));           /* twice */
    EXPECT_ERR(ENOENT, memwatch_region_count(a, &n));
    CHECK_EQ(stats().live_watches, live0);
    check_plain_rw(lo, 1, 4);
    CHECK_EQ(*(uint32_t *)(lo + 0x100), 5);
    CHECK_EQ(*(uint32_t *)(lo + 0x110), 6);
    return mwtest_done();
}
