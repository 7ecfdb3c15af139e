/* Proves memwatch_region_count counts per watch and per access kind, and memwatch_get_stats reports accesses, silent traps and live watches exactly. */
#include <errno.h>
#include <stdint.h>

#include "../watch/watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(2);
    memwatch_stats_t s0, s1;
    CHECK_EQ(memwatch_get_stats(&s0), 0);

    memwatch_id_t rw = 0, wo = 0, ro = 0;
    CHECK_EQ(memwatch_watch(p + 0x10, 8, MEMWATCH_RW, NULL, NULL, &rw), 0);
    CHECK_EQ(memwatch_watch(p + 0x40, 8, MEMWATCH_WRITE, NULL, NULL, &wo), 0);
    CHECK_EQ(memwatch_watch(p + PAGE + 0x40, 8, MEMWATCH_READ, NULL, NULL, &ro), 0);
    CHECK(rw && wo && ro && rw != wo && wo != ro && rw != ro);
    CHECK_EQ(memwatch_get_stats(&s1), 0);
    CHECK_EQ(s1.live_watches - s0.live_watches, 3);

    EXPECT_TRAPS(1, wa_st32(p + 0x10, 1));        /* rw */
    EXPECT_TRAPS(1, (void)wa_ld32(p + 0x10));     /* rw */
    EXPECT_TRAPS(1, wa_st32(p + 0x40, 2));        /* wo */
    EXPECT_TRAPS(0, (void)wa_ld32(p + 0x40));     /* wo ignores reads: silent */
    EXPECT_TRAPS(0, wa_st32(p + 0x80, 3));        /* no range: silent */
    EXPECT_TRAPS(1, (void)wa_ld32(p + PAGE + 0x40)); /* ro */
    EXPECT_TRAPS(0, wa_st32(p + PAGE + 0x40, 4)); /* ro ignores writes */
    EXPECT_TRAPS(1, __asm__ volatile("movdqu (%0), %%xmm0" : : "r"(p + 0x14) : "xmm0", "memory")); /* partial: rw */
    EXPECT_TRAPS(1, __asm__ volatile("lock addq $1, (%0)" : : "r"(p + 0x40) : "cc", "memory"));      /* wo */
    /* one instruction writing both rw and wo: one access, each watch counts it */
    void *d = p + 0x10;
    size_t cnt = 0x38;
    EXPECT_TRAPS(1, __asm__ volatile("rep stosb" : "+D"(d), "+c"(cnt) : "a"(0xeeUL) : "memory"));

    uint64_t n = 99;
    CHECK_EQ(memwatch_region_count(rw, &n), 0);
    CHECK_EQ(n, 4);
    CHECK_EQ(memwatch_region_count(wo, &n), 0);
    CHECK_EQ(n, 3);
    CHECK_EQ(memwatch_region_count(ro, &n), 0);
    CHECK_EQ(n, 1);

    memwatch_stats_t s2;
    CHECK_EQ(memwatch_get_stats(&s2), 0);
    CHECK_EQ(s2.accesses - s1.accesses, 7);
    CHECK_EQ((uint32_t)s2.accesses, _get_trap_count());
    CHECK_EQ(s2.silent - s1.silent, 3);
    CHECK_EQ(s2.single_steps - s1.single_steps, 0);
    CHECK_EQ(s2.foreign_faults - s1.foreign_faults, 0);
    CHECK_EQ(s2.live_watches, s1.live_watches);

    CHECK_EQ(memwatch_unwatch(wo), 0);
    CHECK_EQ(memwatch_get_stats(&s2), 0);
    CHECK_EQ(s2.live_watches - s0.live_watches, 2);
    CHECK_EQ(memwatch_unwatch(rw), 0);
    CHECK_EQ(memwatch_unwatch(ro), 0);
    CHECK_EQ(memwatch_get_stats(&s2), 0);
    CHECK_EQ(s2.live_watches, s0.live_watches);
    errno = 0;
    CHECK_EQ(memwatch_region_count(rw, &n), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(*(uint64_t *)(p + 0x40), 0xeeeeeeeeeeeeeeeeULL);
    CHECK_EQ(p[0x48], 0);
    CHECK_EQ(*(uint32_t *)(p + PAGE + 0x40), 4);
    return mwtest_done();
}
