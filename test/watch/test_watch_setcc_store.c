/* Proves `setcc [m]` on a watched page stores 1 or 0 from the flags, touches only its byte and counts once. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    memset(p + 0x500, 0xcc, 16);
    _watch_address(p + 0x500, 16, PROT_NONE);

    EXPECT_TRAPS(1, __asm__ volatile("cmpq %1, %2\n\tsete 0x500(%0)" : : "r"(p), "r"(3L), "r"(3L) : "cc", "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("cmpq %1, %2\n\tsetne 0x501(%0)" : : "r"(p), "r"(3L), "r"(3L) : "cc", "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("cmpq %1, %2\n\tsetb 0x502(%0)" : : "r"(p), "r"(4L), "r"(3L) : "cc", "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("cmpq %1, %2\n\tsetg 0x503(%0)" : : "r"(p), "r"(4L), "r"(3L) : "cc", "memory"));
    /* r13 as base (needs a displacement byte even at 0) and an index */
    EXPECT_TRAPS(1, __asm__ volatile("mov %0, %%r13\n\tstc\n\tsetc 0x500(%%r13,%1,1)"
                                     : : "r"(p), "r"(4L) : "r13", "cc", "memory"));

    _unwatch_address(p + 0x500, PROT_READ | PROT_WRITE);
    static const unsigned char want[16] = {1, 0, 1, 0, 1, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc};
    CHECK(memcmp(p + 0x500, want, 16) == 0);
    return mwtest_done();
}
