/* Proves SSE movdqu (unaligned) and movaps (aligned) loads and stores on a watched page move all 16 bytes and count once each. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    unsigned char src[16] __attribute__((aligned(16))), dst[16] __attribute__((aligned(16)));
    for (int i = 0; i < 16; i++) {
        p[0x101 + i] = (unsigned char)(0x10 + i);
        p[0x200 + i] = (unsigned char)(0x40 + i);
        src[i] = (unsigned char)(0xa0 + i);
    }
    _watch_address(p + 0x100, 0x200, PROT_NONE);

    memset(dst, 0, 16);
    EXPECT_TRAPS(1, __asm__ volatile("movdqu 0x101(%0), %%xmm0\n\tmovdqu %%xmm0, (%1)"
                                     : : "r"(p), "r"(dst) : "xmm0", "memory"));
    for (int i = 0; i < 16; i++)
        CHECK_EQ(dst[i], 0x10 + i);
    memset(dst, 0, 16);
    EXPECT_TRAPS(1, __asm__ volatile("movaps 0x200(%0), %%xmm1\n\tmovaps %%xmm1, (%1)"
                                     : : "r"(p), "r"(dst) : "xmm1", "memory"));
    for (int i = 0; i < 16; i++)
        CHECK_EQ(dst[i], 0x40 + i);
    /* xmm9: REX.R must survive the re-encoding */
    EXPECT_TRAPS(1, __asm__ volatile("movdqu (%1), %%xmm9\n\tmovdqu %%xmm9, 0x123(%0)"
                                     : : "r"(p), "r"(src) : "xmm9", "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movaps (%1), %%xmm2\n\tmovaps %%xmm2, 0x240(%0)"
                                     : : "r"(p), "r"(src) : "xmm2", "memory"));
    /* a register the program had before the fault keeps its value after */
    uint64_t lo;
    EXPECT_TRAPS(1, __asm__ volatile("movdqu (%2), %%xmm3\n\tmovdqu 0x101(%1), %%xmm4\n\tmovq %%xmm3, %0"
                                     : "=r"(lo) : "r"(p), "r"(src) : "xmm3", "xmm4", "memory"));
    CHECK_EQ(lo, 0xa7a6a5a4a3a2a1a0ULL);

    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK(memcmp(p + 0x123, src, 16) == 0);
    CHECK(memcmp(p + 0x240, src, 16) == 0);
    CHECK_EQ(p[0x122], 0);
    CHECK_EQ(p[0x133], 0);
    return mwtest_done();
}
