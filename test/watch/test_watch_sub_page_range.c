/* Proves a watch on a sub-page range (MemWatcher scenario) counts accesses inside it only, the rest of the page running silently with right values. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    _watch_address(p + 100, 16, PROT_NONE);

    EXPECT_TRAPS(1, wa_st32(p + 100, 1));
    EXPECT_TRAPS(1, wa_st32(p + 112, 2));
    EXPECT_TRAPS(0, wa_st32(p + 116, 3));
    EXPECT_TRAPS(0, wa_st32(p + 96, 4));
    EXPECT_TRAPS(0, wa_st8(p, 5));
    EXPECT_TRAPS(0, wa_st8(p + PAGE - 1, 6));
    uint32_t v = 0;
    EXPECT_TRAPS(1, v = wa_ld32(p + 100));
    CHECK_EQ(v, 1);
    EXPECT_TRAPS(0, v = wa_ld32(p + 116));
    CHECK_EQ(v, 3);
    EXPECT_TRAPS(1, v = wa_ld32(p + 98)); /* straddles the start */
    CHECK_EQ(v, 0x00010000u);

    _unwatch_address(p + 100, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(p + 96), 4);
    CHECK_EQ(*(uint32_t *)(p + 112), 2);
    CHECK_EQ(p[0], 5);
    CHECK_EQ(p[PAGE - 1], 6);
    return mwtest_done();
}
