/* Proves AVX-512 vmovdqu64 zmm loads and stores (64 bytes, and a masked store) on a watched page move the right bytes and count once each.
 * test-needs: avx512f
 * test-cflags: -mavx512f
 */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    unsigned char src[64], dst[64];
    for (int i = 0; i < 64; i++) {
        p[0x208 + i] = (unsigned char)(0x30 + i);
        src[i] = (unsigned char)(0x90 + i);
    }
    _watch_address(p + 0x200, 0x200, PROT_NONE);

    memset(dst, 0, sizeof dst);
    EXPECT_TRAPS(1, __asm__ volatile("vmovdqu64 0x208(%0), %%zmm0\n\tvmovdqu64 %%zmm0, (%1)\n\tvzeroupper"
                                     : : "r"(p), "r"(dst) : "xmm0", "memory"));
    for (int i = 0; i < 64; i++)
        CHECK_EQ(dst[i], 0x30 + i);
    EXPECT_TRAPS(1, __asm__ volatile("vmovdqu64 (%1), %%zmm17\n\tvmovdqu64 %%zmm17, 0x2c1(%0)\n\tvzeroupper"
                                     : : "r"(p), "r"(src) : "xmm17", "memory"));
    /* masked: k1 = 0x0f keeps only qwords 0..3 (32 bytes) */
    EXPECT_TRAPS(1, __asm__ volatile("movl $0x0f, %%eax\n\tkmovw %%eax, %%k1\n\tvmovdqu64 (%1), %%zmm2\n\t"
                                     "vmovdqu64 %%zmm2, 0x340(%0)%{%%k1%}\n\tvzeroupper"
                                     : : "r"(p), "r"(src) : "rax", "k1", "xmm2", "memory"));

    _unwatch_address(p + 0x200, PROT_READ | PROT_WRITE);
    CHECK(memcmp(p + 0x2c1, src, 64) == 0);
    CHECK_EQ(p[0x2c0], 0);
    CHECK_EQ(p[0x301], 0);
    CHECK(memcmp(p + 0x340, src, 32) == 0);
    static const unsigned char zero[32];
    CHECK(memcmp(p + 0x360, zero, 32) == 0);
    return mwtest_done();
}
