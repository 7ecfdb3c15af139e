/* Proves two watched ranges on one page count separately, and after one is unwatched the other still counts while the first runs silently (MemWatcher scenario). */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    _watch_address(p + 0x10, 16, PROT_NONE);
    _watch_address(p + 0x80, 16, PROT_NONE);

    EXPECT_TRAPS(1, wa_st32(p + 0x10, 1));
    EXPECT_TRAPS(1, wa_st32(p + 0x80, 2));
    EXPECT_TRAPS(0, wa_st32(p + 0x40, 3));

    _unwatch_address(p + 0x10, PROT_READ | PROT_WRITE);
    uint32_t v = 0;
    EXPECT_TRAPS(0, wa_st32(p + 0x10, 4));
    EXPECT_TRAPS(0, v = wa_ld32(p + 0x10));
    CHECK_EQ(v, 4);
    EXPECT_TRAPS(1, wa_st32(p + 0x84, 5));
    EXPECT_TRAPS(1, v = wa_ld32(p + 0x80));
    CHECK_EQ(v, 2);

    /* the last watch gone: the page is ordinary read/write memory again */
    _unwatch_address(p + 0x80, PROT_READ | PROT_WRITE);
    uint64_t s0 = wa_silent();
    EXPECT_TRAPS(0, wa_st32(p + 0x80, 6); wa_st32(p + 0x10, 7));
    CHECK_EQ(wa_silent(), s0);
    char perms[5];
    wa_maps_perms(p, perms);
    CHECK(strncmp(perms, "rw", 2) == 0);
    CHECK_EQ(*(uint32_t *)(p + 0x10), 7);
    CHECK_EQ(*(uint32_t *)(p + 0x40), 3);
    CHECK_EQ(*(uint32_t *)(p + 0x80), 6);
    CHECK_EQ(*(uint32_t *)(p + 0x84), 5);
    return mwtest_done();
}
