/* Proves `add [m], imm` and `inc [m]` (8 to 64 bits) on a watched page compute the right value and flags and count once each. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint32_t *)(p + 0x40) = 0xffffffffu;
    *(uint64_t *)(p + 0x48) = 100;
    *(uint8_t *)(p + 0x50) = 0x7f;
    *(uint32_t *)(p + 0x60) = 0xffffffffu;
    *(uint64_t *)(p + 0x68) = 41;
    *(uint16_t *)(p + 0x70) = 0x7fff;
    _watch_address(p + 0x40, 0x40, PROT_NONE);

    uint64_t fl;
    /* 0xffffffff + 1 = 0: ZF and CF set. */
    EXPECT_TRAPS(1, __asm__ volatile("addl $1, 0x40(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_ZF | FL_CF | FL_SF), FL_ZF | FL_CF);
    /* imm32 form, 64-bit */
    EXPECT_TRAPS(1, __asm__ volatile("addq $0x12345678, 0x48(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_ZF | FL_CF | FL_SF), 0);
    /* 8-bit: 0x7f + 1 overflows signed */
    EXPECT_TRAPS(1, __asm__ volatile("addb $1, 0x50(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_OF | FL_SF | FL_ZF), FL_OF | FL_SF);
    /* inc leaves CF alone: set it before, it stays set */
    EXPECT_TRAPS(1, __asm__ volatile("stc\n\tincl 0x60(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_ZF | FL_CF), FL_ZF | FL_CF);
    EXPECT_TRAPS(1, __asm__ volatile("clc\n\tincq 0x68(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_ZF | FL_CF), 0);
    EXPECT_TRAPS(1, __asm__ volatile("incw 0x70(%1)\n\t" WA_GET_FLAGS("%0") : "=r"(fl) : "r"(p) : "cc", "memory"));
    CHECK_EQ(fl & (FL_OF | FL_SF), FL_OF | FL_SF);
    /* lock add, rip-free base+index form */
    EXPECT_TRAPS(1, __asm__ volatile("lock addq $-1, 0x40(%0,%1,8)" : : "r"(p), "r"(1L) : "cc", "memory"));

    _unwatch_address(p + 0x40, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(p + 0x40), 0);
    CHECK_EQ(*(uint32_t *)(p + 0x44), 0);
    CHECK_EQ(*(uint64_t *)(p + 0x48), 100 + 0x12345678 - 1);
    CHECK_EQ(*(uint8_t *)(p + 0x50), 0x80);
    CHECK_EQ(*(uint8_t *)(p + 0x51), 0);
    CHECK_EQ(*(uint32_t *)(p + 0x60), 0);
    CHECK_EQ(*(uint64_t *)(p + 0x68), 42);
    CHECK_EQ(*(uint16_t *)(p + 0x70), 0x8000);
    return mwtest_done();
}
