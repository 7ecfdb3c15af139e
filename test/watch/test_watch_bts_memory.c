/* Proves `bts [m], reg` reaches the qword the bit offset names (offset > 64 reaches a later qword, a negative one an earlier), `bts [m], imm` stays on the operand, and each counts once only when that qword is watched. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    /* Only the second qword is watched; the first, on the same page, is not. */
    _watch_address(p + 0x408, 8, PROT_NONE);
    uint64_t cf;

    /* offset 5 from p+0x400: the first qword, unwatched, runs silently */
    EXPECT_TRAPS(0, __asm__ volatile("btsq %2, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(5L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    /* offset 100: qword at +8, bit 36 */
    EXPECT_TRAPS(1, __asm__ volatile("btsq %2, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(100L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    EXPECT_TRAPS(1, __asm__ volatile("btsq %2, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(100L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 1);
    /* offset -1 from p+0x410: qword at p+0x408, bit 63 */
    EXPECT_TRAPS(1, __asm__ volatile("btsq %2, 0x410(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(-1L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    /* offset -65 from p+0x410: qword at p+0x400, bit 63, unwatched */
    EXPECT_TRAPS(0, __asm__ volatile("btsq %2, 0x410(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(-65L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    /* 32-bit form: offset 72 from p+0x400 is the dword at p+0x408, bit 8 */
    EXPECT_TRAPS(1, __asm__ volatile("btsl %k2, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(72L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    /* immediate: the offset is taken modulo the operand size, no reach */
    EXPECT_TRAPS(1, __asm__ volatile("btsq $67, 0x408(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    EXPECT_TRAPS(0, __asm__ volatile("btsq $3, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 0);
    /* bt (read only) with a reaching offset: reads bit 36 back */
    EXPECT_TRAPS(1, __asm__ volatile("btq %2, 0x400(%1)\n\tsetc %b0" : "=q"(cf) : "r"(p), "r"(100L) : "cc", "memory"));
    CHECK_EQ(cf & 0xff, 1);

    _unwatch_address(p + 0x408, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x400), (1ULL << 5) | (1ULL << 63) | (1ULL << 3));
    CHECK_EQ(*(uint64_t *)(p + 0x408), (1ULL << 36) | (1ULL << 63) | (1ULL << 8) | (1ULL << 3));
    CHECK_EQ(*(uint64_t *)(p + 0x3f8), 0);
    CHECK_EQ(*(uint64_t *)(p + 0x410), 0);
    return mwtest_done();
}
