/* Proves AVX vmovdqu ymm loads and stores (32 bytes) on a watched page move every byte and count once each.
 * test-needs: avx
 * test-cflags: -mavx
 */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    unsigned char src[32], dst[32];
    for (int i = 0; i < 32; i++) {
        p[0x105 + i] = (unsigned char)(0x20 + i);
        src[i] = (unsigned char)(0x80 + i);
    }
    _watch_address(p + 0x100, 0x100, PROT_NONE);

    memset(dst, 0, sizeof dst);
    EXPECT_TRAPS(1, __asm__ volatile("vmovdqu 0x105(%0), %%ymm0\n\tvmovdqu %%ymm0, (%1)\n\tvzeroupper"
                                     : : "r"(p), "r"(dst) : "xmm0", "memory"));
    for (int i = 0; i < 32; i++)
        CHECK_EQ(dst[i], 0x20 + i);
    EXPECT_TRAPS(1, __asm__ volatile("vmovdqu (%1), %%ymm12\n\tvmovdqu %%ymm12, 0x1c3(%0)\n\tvzeroupper"
                                     : : "r"(p), "r"(src) : "xmm12", "memory"));
    /* r9-based, 2-byte VEX that must become 3-byte when the scratch is high */
    EXPECT_TRAPS(1, __asm__ volatile("mov %0, %%r9\n\tvmovdqu (%1), %%ymm1\n\tvmovdqu %%ymm1, 0x140(%%r9)\n\tvzeroupper"
                                     : : "r"(p), "r"(src) : "r9", "xmm1", "memory"));

    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK(memcmp(p + 0x1c3, src, 32) == 0);
    CHECK(memcmp(p + 0x140, src, 32) == 0);
    CHECK_EQ(p[0x1c2], 0);
    CHECK_EQ(p[0x1e3], 0);
    return mwtest_done();
}
