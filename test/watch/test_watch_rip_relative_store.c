/* Proves RIP-relative stores (register and immediate forms, the immediate after the displacement) to a watched page-aligned global land in the variable and count once. */
#include "watch_asm.h"

char rip_store_page[PAGE] __attribute__((aligned(PAGE)));

int main(void)
{
    _watch_address(rip_store_page + 64, 16, PROT_NONE);

    EXPECT_TRAPS(1, __asm__ volatile("movl %0, rip_store_page+64(%%rip)" : : "r"(0x11223344u) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movl $0xa5a5a5a5, rip_store_page+68(%%rip)" : : : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movw $0x7e7e, rip_store_page+72(%%rip)" : : : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movb $0x3c, rip_store_page+74(%%rip)" : : : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movq $-3, rip_store_page+76(%%rip)" : : : "memory")); /* 4 bytes past the range: partial */
    EXPECT_TRAPS(0, __asm__ volatile("movq %0, rip_store_page+128(%%rip)" : : "r"(77UL) : "memory"));

    _unwatch_address(rip_store_page + 64, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(volatile uint32_t *)(rip_store_page + 64), 0x11223344u);
    CHECK_EQ(*(volatile uint32_t *)(rip_store_page + 68), 0xa5a5a5a5u);
    CHECK_EQ(*(volatile uint16_t *)(rip_store_page + 72), 0x7e7e);
    CHECK_EQ(*(volatile uint8_t *)(rip_store_page + 74), 0x3c);
    CHECK_EQ(*(volatile uint8_t *)(rip_store_page + 75), 0);
    CHECK_EQ(wa_ld64(rip_store_page + 76), 0xfffffffffffffffdULL); /* unaligned: asm, not a C pointer */
    CHECK_EQ(*(volatile uint64_t *)(rip_store_page + 128), 77);
    CHECK_EQ(*(volatile uint64_t *)(rip_store_page + 56), 0);
    return mwtest_done();
}
