/* Proves `lock cmpxchg [m], reg` on a watched page, on success and on failure, leaves the right memory, rax and ZF, and counts once. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x100) = 10;
    *(uint32_t *)(p + 0x108) = 20;
    _watch_address(p + 0x100, 16, PROT_NONE);

    uint64_t rax = 10, zf = 9;
    /* success: rax == [m], so [m] = 11, ZF = 1 */
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchgq %2, 0x100(%3)\n\tsete %b1"
                                     : "+a"(rax), "+q"(zf) : "r"(11UL), "r"(p) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 1);
    CHECK_EQ(rax, 10);
    /* failure: rax (10) != [m] (11), so rax = 11, ZF = 0, [m] unchanged */
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchgq %2, 0x100(%3)\n\tsete %b1"
                                     : "+a"(rax), "+q"(zf) : "r"(99UL), "r"(p) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 0);
    CHECK_EQ(rax, 11);
    /* 32-bit failure: eax is written (upper half of rax cleared) */
    rax = 0xffffffff00000015ULL;
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchgl %k2, 0x108(%3)\n\tsete %b1"
                                     : "+a"(rax), "+q"(zf) : "r"(77UL), "r"(p) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 0);
    CHECK_EQ(rax, 20);
    /* 32-bit success */
    EXPECT_TRAPS(1, __asm__ volatile("lock cmpxchgl %k2, 0x108(%3)\n\tsete %b1"
                                     : "+a"(rax), "+q"(zf) : "r"(21UL), "r"(p) : "cc", "memory"));
    CHECK_EQ(zf & 0xff, 1);

    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint64_t *)(p + 0x100), 11);
    CHECK_EQ(*(uint32_t *)(p + 0x108), 21);
    return mwtest_done();
}
