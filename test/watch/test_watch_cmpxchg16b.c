/* Proves `lock cmpxchg16b [m]` on a 16-byte aligned watched slot, on success and on failure, gives the right memory, rdx:rax and ZF, and counts once. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    uint64_t *m = (uint64_t *)(p + 0x200);
    m[0] = 0x1111;
    m[1] = 0x2222;
    _watch_address(m, 16, PROT_NONE);

    uint64_t lo = 0x1111, hi = 0x2222, zf = 9;
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchg16b (%5)\n\tsete %b2"
                                     : "+a"(lo), "+d"(hi), "+q"(zf)
                                     : "b"(0xaaaaULL), "c"(0xbbbbULL), "r"(m) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 1);
    CHECK_EQ(lo, 0x1111);
    CHECK_EQ(hi, 0x2222);
    /* failure: rdx:rax gets the memory */
    lo = 1;
    hi = 2;
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchg16b (%5)\n\tsete %b2"
                                     : "+a"(lo), "+d"(hi), "+q"(zf)
                                     : "b"(0x5555ULL), "c"(0x6666ULL), "r"(m) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 0);
    CHECK_EQ(lo, 0xaaaa);
    CHECK_EQ(hi, 0xbbbb);

    _unwatch_address(m, PROT_READ | PROT_WRITE);
    CHECK_EQ(m[0], 0xaaaa);
    CHECK_EQ(m[1], 0xbbbb);
    return mwtest_done();
}
