/* Proves a watch with prot PROT_READ lets reads through without trapping or counting, and traps and counts every write (stores, read-modify-writes). */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x100) = 0x0102030405060708ULL;
    _watch_address(p + 0x100, 8, PROT_READ);

    char perms[5];
    wa_maps_perms(p, perms);
    CHECK(perms[0] == 'r' && perms[1] == '-');

    uint64_t s0 = wa_silent(), r = 0;
    EXPECT_TRAPS(0, r = wa_ld64(p + 0x100));
    CHECK_EQ(r, 0x0102030405060708ULL);
    EXPECT_TRAPS(0, r = wa_ld8(p + 0x103));
    CHECK_EQ(r, 0x05);
    CHECK_EQ(wa_silent(), s0); /* reads did not even trap */

    EXPECT_TRAPS(1, wa_st32(p + 0x100, 0xaabbccdd));
    EXPECT_TRAPS(1, __asm__ volatile("addq $1, 0x100(%0)" : : "r"(p) : "cc", "memory"));
    uint64_t x = 5;
    EXPECT_TRAPS(1, __asm__ volatile("lock xaddq %0, 0x100(%1)" : "+r"(x) : "r"(p) : "cc", "memory"));
    CHECK_EQ(x, 0x01020304aabbccdeULL);
    /* a write elsewhere on the page traps silently */
    EXPECT_TRAPS(0, wa_st64(p + 0x800, 99));
    CHECK_EQ(wa_silent() - s0, 1);
    EXPECT_TRAPS(0, r = wa_ld64(p + 0x100));
    CHECK_EQ(r, 0x01020304aabbcce3ULL);

    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x800), 99);
    return mwtest_done();
}
