/* Proves a RIP-relative load (`mov eax, [rip + var]`, 8 to 64-bit and movzx) from a watched page-aligned global returns its value and counts once. */
#include "watch_asm.h"

/* One page of our own: nothing else of the program shares it. */
char rip_load_page[PAGE] __attribute__((aligned(PAGE)));

int main(void)
{
    memcpy(rip_load_page + 64, "\x78\x56\x34\x12\xf0\xde\xbc\x9a", 8);
    _watch_address(rip_load_page + 64, 8, PROT_NONE);

    uint64_t r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movl rip_load_page+64(%%rip), %k0" : "+r"(r) : : "memory"));
    CHECK_EQ(r, 0x12345678);
    r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movq rip_load_page+64(%%rip), %0" : "+r"(r) : : "memory"));
    CHECK_EQ(r, 0x9abcdef012345678ULL);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movb rip_load_page+68(%%rip), %b0" : "+q"(r) : : "memory"));
    CHECK_EQ(r, 0xfffffffffffffff0ULL);
    r = ~0ULL;
    EXPECT_TRAPS(1, __asm__ volatile("movzwl rip_load_page+70(%%rip), %k0" : "+r"(r) : : "memory"));
    CHECK_EQ(r, 0x9abc);
    /* eax exactly, as in the brief's form */
    uint64_t ax = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movl rip_load_page+64(%%rip), %%eax" : "+a"(ax) : : "memory"));
    CHECK_EQ(ax, 0x12345678);
    /* outside the watched range, same page: silent */
    EXPECT_TRAPS(0, __asm__ volatile("movl rip_load_page+128(%%rip), %k0" : "=r"(r) : : "memory"));
    CHECK_EQ(r, 0);
    return mwtest_done();
}
