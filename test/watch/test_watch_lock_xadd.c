/* Proves `lock xadd [m], reg` (32 and 64-bit) on a watched page returns the old value, stores the sum and counts once. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x80) = 1000;
    *(uint32_t *)(p + 0x90) = 0xfffffffeu;
    _watch_address(p + 0x80, 0x20, PROT_NONE);

    uint64_t r = 5, fl;
    EXPECT_TRAPS(1, __asm__ volatile("lock xaddq %0, 0x80(%1)" : "+r"(r) : "r"(p) : "cc", "memory"));
    CHECK_EQ(r, 1000);
    r = 7;
    EXPECT_TRAPS(1, __asm__ volatile("lock xaddq %0, 0x80(%1)" : "+r"(r) : "r"(p) : "cc", "memory"));
    CHECK_EQ(r, 1005);
    uint32_t e = 2;
    EXPECT_TRAPS(1, __asm__ volatile("lock xaddl %0, 0x90(%2)\n\t" WA_GET_FLAGS("%1")
                                     : "+r"(e), "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(e, 0xfffffffeu);
    CHECK_EQ(fl & (FL_ZF | FL_CF), FL_ZF | FL_CF);

    _unwatch_address(p + 0x80, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x80), 1012);
    CHECK_EQ(*(uint32_t *)(p + 0x90), 0);
    return mwtest_done();
}
