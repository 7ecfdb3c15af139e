/* Proves movzx/movsx loads from 8 and 16-bit sources (and movsxd from 32) on a watched page extend right and count one each. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    p[0x10] = 0x80;                       /* negative byte */
    p[0x11] = 0x7f;                       /* positive byte */
    memcpy(p + 0x20, "\x01\x80", 2);      /* 0x8001: negative word */
    memcpy(p + 0x30, "\x00\x00\x00\x80", 4); /* 0x80000000 */
    _watch_address(p + 0x10, 0x30, PROT_NONE);

    uint64_t r;
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movzbl 0x10(%1), %k0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x80);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movzbq 0x10(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x80);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movzbw 0x10(%1), %w0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffffffff0080ULL);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movzwl 0x20(%1), %k0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x8001);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movsbl 0x10(%1), %k0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffff80ULL);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movsbq 0x10(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffffffffff80ULL);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movsbq 0x11(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x7f);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movswl 0x20(%1), %k0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffff8001ULL);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movswq 0x20(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffffffff8001ULL);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movslq 0x30(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffff80000000ULL);
    /* r12 as base and r9 as destination: REX bits on both sides. */
    uint64_t r9v;
    EXPECT_TRAPS(1, __asm__ volatile("mov %1, %%r12\n\tmovsbq 0x10(%%r12), %%r9\n\tmov %%r9, %0"
                                     : "=r"(r9v) : "r"(p) : "r9", "r12", "memory"));
    CHECK_EQ(r9v, 0xffffffffffffff80ULL);
    return mwtest_done();
}
