/* Proves `xchg [m], reg` (8 to 64-bit) on a watched page swaps the values and counts once. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x300) = 0x1122334455667788ULL;
    *(uint32_t *)(p + 0x308) = 0xcafef00du;
    p[0x30c] = 0x5a;
    _watch_address(p + 0x300, 16, PROT_NONE);

    uint64_t r = 42;
    EXPECT_TRAPS(1, __asm__ volatile("xchgq %0, 0x300(%1)" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x1122334455667788ULL);
    uint64_t e = 0xffffffff00000007ULL;
    EXPECT_TRAPS(1, __asm__ volatile("xchgl %k0, 0x308(%1)" : "+r"(e) : "r"(p) : "memory"));
    CHECK_EQ(e, 0xcafef00d);
    uint64_t b = 0x1234;
    EXPECT_TRAPS(1, __asm__ volatile("xchgb %b0, 0x30c(%1)" : "+q"(b) : "r"(p) : "memory"));
    CHECK_EQ(b, 0x125a);

    _unwatch_address(p + 0x300, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x300), 42);
    CHECK_EQ(*(uint32_t *)(p + 0x308), 7);
    CHECK_EQ(p[0x30c], 0x34);
    return mwtest_done();
}
