/* Proves a whole watched page (MemWatcher's basic scenario) counts each access anywhere on it, first to last byte, with the right values. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    _watch_address(p, PAGE, PROT_NONE);
    CHECK_EQ(_get_trap_count(), 0);

    EXPECT_TRAPS(1, wa_st8(p, 0x11));
    EXPECT_TRAPS(1, wa_st8(p + PAGE - 1, 0x22));
    EXPECT_TRAPS(1, wa_st32(p + 2048, 0xdeadbeef));
    uint32_t a = 0, b = 0, c = 0;
    EXPECT_TRAPS(3, a = wa_ld8(p); b = wa_ld8(p + PAGE - 1); c = wa_ld32(p + 2048));
    CHECK_EQ(a, 0x11);
    CHECK_EQ(b, 0x22);
    CHECK_EQ(c, 0xdeadbeef);
    CHECK_EQ(_get_trap_count(), 6);

    _unwatch_address(p, PROT_READ | PROT_WRITE);
    EXPECT_TRAPS(0, wa_st8(p + 1, 0x33));
    CHECK_EQ(p[0], 0x11);
    CHECK_EQ(p[1], 0x33);
    CHECK_EQ(p[PAGE - 1], 0x22);
    CHECK_EQ(_get_trap_count(), 6);
    return mwtest_done();
}
