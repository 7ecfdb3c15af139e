/* Proves fs-segment-prefixed loads and stores (%fs:(reg), %fs:disp(reg,idx)) reaching a watched page add the fs base, give the right values and count once each. */
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint64_t *)(p + 0x100) = 0x0123456789abcdefULL;
    _watch_address(p + 0x100, 0x20, PROT_NONE);

    unsigned long fsbase = 0;
    CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase), 0);
    uint64_t off = (uint64_t)(uintptr_t)p - fsbase; /* fs:off is p */

    uint64_t r = 0;
    EXPECT_TRAPS(1, __asm__ volatile("movq %%fs:0x100(%1), %0" : "=r"(r) : "r"(off) : "memory"));
    CHECK_EQ(r, 0x0123456789abcdefULL);
    EXPECT_TRAPS(1, __asm__ volatile("movl %1, %%fs:0x108(%0)" : : "r"(off), "r"(0xfeedu) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("addq $5, %%fs:0xf0(%0,%1,8)" : : "r"(off), "r"(4L) : "cc", "memory")); /* p+0x110 */
    /* outside the range, same page */
    EXPECT_TRAPS(0, __asm__ volatile("movq %1, %%fs:0x200(%0)" : : "r"(off), "r"(7UL) : "memory"));
    /* the program's own fs-relative reads (TLS) are untouched meanwhile */
    uint64_t canary = 0;
    __asm__ volatile("movq %%fs:0x28, %0" : "=r"(canary));
    CHECK(canary != 0);

    _unwatch_address(p + 0x100, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(p + 0x108), 0xfeed);
    CHECK_EQ(*(uint64_t *)(p + 0x110), 5);
    CHECK_EQ(*(uint64_t *)(p + 0x200), 7);
    return mwtest_done();
}
