/* Proves accesses to a watched page outside the watched byte range run correctly without being counted (only the silent counter moves), while a partial overlap counts. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x200) = 0x1122334455667788ULL;
    _watch_address(p + 0x100, 8, PROT_NONE);

    uint64_t s0 = wa_silent();
    uint64_t r = 0;
    EXPECT_TRAPS(0, r = wa_ld64(p + 0x200));
    CHECK_EQ(r, 0x1122334455667788ULL);
    EXPECT_TRAPS(0, wa_st64(p + 0x208, 42));
    EXPECT_TRAPS(0, wa_st8(p + 0xff, 0x5a));          /* the byte just before */
    EXPECT_TRAPS(0, wa_st32(p + 0x108, 0xabcd));      /* the bytes just after */
    EXPECT_TRAPS(0, __asm__ volatile("lock incq 0x200(%0)" : : "r"(p) : "cc", "memory"));
    CHECK_EQ(wa_silent() - s0, 5);

    /* partial overlaps count */
    EXPECT_TRAPS(1, wa_st64(p + 0xfc, 0x0807060504030201ULL)); /* 4 bytes in */
    EXPECT_TRAPS(1, r = wa_ld64(p + 0x104));                   /* 4 bytes in */
    CHECK_EQ(r, 0x0000abcd00000000ULL); /* bytes 0x104..0x107 were never written */
    EXPECT_TRAPS(1, r = wa_ld8(p + 0x107));
    CHECK_EQ(r, 0);

    uint64_t s1 = wa_silent();
    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x200), 0x1122334455667789ULL);
    CHECK_EQ(*(uint64_t *)(p + 0x208), 42);
    CHECK_EQ(*(uint32_t *)(p + 0xfc), 0x04030201u);
    CHECK_EQ(*(uint32_t *)(p + 0x100), 0x08070605u);
    CHECK_EQ(*(uint32_t *)(p + 0x108), 0xabcd);
    CHECK_EQ(wa_silent(), s1); /* unwatched: no more traps at all */
    return mwtest_done();
}
