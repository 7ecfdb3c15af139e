/* Proves an 8-byte (and a 16-byte SSE) access straddling an unwatched and a watched page, in both orders, writes/reads both halves and counts once; missing the watched range there counts nothing. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *two = mwtest_pages(2);
    unsigned char *edge = two + PAGE - 4; /* 4 bytes on each page */
    const uint64_t v = 0x8877665544332211ULL;

    /* only the second page watched */
    _watch_address(two + PAGE, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, wa_st64(edge, v));
    uint64_t r = 0;
    EXPECT_TRAPS(1, r = wa_ld64(edge));
    CHECK_EQ(r, v);
    _unwatch_address(two + PAGE, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(two + PAGE - 4), 0x44332211u);
    CHECK_EQ(*(uint32_t *)(two + PAGE), 0x88776655u);

    /* the reverse: only the first page watched */
    _watch_address(two, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, wa_st64(edge, ~v));
    EXPECT_TRAPS(1, r = wa_ld64(edge));
    CHECK_EQ(r, ~v);
    _unwatch_address(two, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(two + PAGE - 4), ~0x44332211u);
    CHECK_EQ(*(uint32_t *)(two + PAGE), ~0x88776655u);

    /* a 16-byte movdqu, 8 bytes each side, second page watched */
    unsigned char src[16], dst[16];
    for (int i = 0; i < 16; i++)
        src[i] = (unsigned char)(0xe0 + i);
    _watch_address(two + PAGE, 8, PROT_NONE);
    EXPECT_TRAPS(1, __asm__ volatile("movdqu (%1), %%xmm0\n\tmovdqu %%xmm0, (%0)"
                                     : : "r"(two + PAGE - 8), "r"(src) : "xmm0", "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movdqu (%0), %%xmm0\n\tmovdqu %%xmm0, (%1)"
                                     : : "r"(two + PAGE - 8), "r"(dst) : "xmm0", "memory"));
    CHECK(memcmp(dst, src, 16) == 0);
    _unwatch_address(two + PAGE, PROT_READ | PROT_WRITE);
    CHECK(memcmp(two + PAGE - 8, src, 16) == 0);

    /* the watched range on the second page lies beyond the bytes touched: silent */
    _watch_address(two + PAGE + 100, 8, PROT_NONE);
    EXPECT_TRAPS(0, wa_st64(edge, v));
    EXPECT_TRAPS(0, r = wa_ld64(edge));
    CHECK_EQ(r, v);
    _unwatch_address(two + PAGE + 100, PROT_READ | PROT_WRITE);
    CHECK_EQ(wa_ld64(edge), v); /* unaligned: asm, not a C pointer */
    return mwtest_done();
}
