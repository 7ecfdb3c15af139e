/* Proves 8/16/32/64-bit mov loads and stores (register, immediate, base+index forms) on a watched page give the right values and count one each. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    memcpy(p + 0x100, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    _watch_address(p, PAGE, PROT_NONE);

    /* Loads: 8 and 16-bit merge into the register, 32-bit zero-extends. */
    uint64_t r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movb 0x100(%1), %b0" : "+q"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffffffffff11ULL);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movw 0x100(%1), %w0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0xffffffffffff2211ULL);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movl 0x100(%1), %k0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x44332211ULL);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movq 0x100(%1), %0" : "+r"(r) : "r"(p) : "memory"));
    CHECK_EQ(r, 0x8877665544332211ULL);
    /* base + index*8 + disp, and a high-byte destination register */
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movq 0xf8(%1,%2,8), %0" : "=r"(r) : "r"(p), "r"(1L) : "memory"));
    CHECK_EQ(r, 0x8877665544332211ULL);
    uint64_t ax = 0xaaaa;
    EXPECT_TRAPS(1, __asm__ volatile("movb 0x101(%1), %%ah" : "+a"(ax) : "r"(p) : "memory"));
    CHECK_EQ(ax, 0x22aa);

    /* Register stores. */
    uint64_t v = 0x0102030405060708ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movb %b1, 0x200(%0)" : : "r"(p), "q"(v) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movw %w1, 0x210(%0)" : : "r"(p), "r"(v) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movl %k1, 0x220(%0)" : : "r"(p), "r"(v) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movq %1, 0x230(%0)" : : "r"(p), "r"(v) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movq %1, 0x30(%0,%2,4)" : : "r"(p), "r"(v), "r"(0x84L) : "memory"));
    /* Immediate stores: the immediate follows the displacement. */
    EXPECT_TRAPS(1, __asm__ volatile("movb $0x7f, 0x250(%0)" : : "r"(p) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movw $0x1234, 0x260(%0)" : : "r"(p) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movl $0xdeadbeef, 0x270(%0)" : : "r"(p) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movq $-2, 0x280(%0)" : : "r"(p) : "memory"));
    /* rsp as the register operand of a store: the engine keeps its own rsp */
    uint64_t sp = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movq %%rsp, %0\n\tmovq %%rsp, 0x290(%1)" : "=&r"(sp) : "r"(p) : "memory"));
    /* ... and of a load: rsp = [m] */
    uint64_t sp_before = 0, sp_loaded = 0;
    EXPECT_TRAPS(2, __asm__ volatile("mov %%rsp, %%r15\n\t"
                                     "lea -64(%%rsp), %%rax\n\t"
                                     "movq %%rax, 0x298(%2)\n\t"
                                     "movq 0x298(%2), %%rsp\n\t"
                                     "mov %%rsp, %1\n\t"
                                     "mov %%r15, %%rsp\n\t"
                                     "mov %%r15, %0"
                                     : "=&r"(sp_before), "=&r"(sp_loaded) : "r"(p) : "rax", "r15", "memory"));
    CHECK_EQ(sp_loaded, sp_before - 64);

    _unwatch_address(p, PROT_READ | PROT_WRITE);
    static const unsigned char want200[16] = {0x08};
    CHECK(memcmp(p + 0x200, want200, 16) == 0);
    CHECK_EQ(*(uint64_t *)(p + 0x210), 0x0708);
    CHECK_EQ(*(uint64_t *)(p + 0x218), 0);
    CHECK_EQ(*(uint64_t *)(p + 0x220), 0x05060708);
    CHECK_EQ(*(uint64_t *)(p + 0x230), v);
    CHECK_EQ(*(uint64_t *)(p + 0x238), 0);
    CHECK_EQ(*(uint64_t *)(p + 0x240), v);
    CHECK_EQ(*(uint64_t *)(p + 0x250), 0x7f);
    CHECK_EQ(*(uint64_t *)(p + 0x260), 0x1234);
    CHECK_EQ(*(uint64_t *)(p + 0x270), 0xdeadbeef);
    CHECK_EQ(*(uint64_t *)(p + 0x280), 0xfffffffffffffffeULL);
    CHECK_EQ(*(uint64_t *)(p + 0x290), sp);
    CHECK_EQ(*(uint64_t *)(p + 0x100), 0x8877665544332211ULL);
    return mwtest_done();
}
