/* Proves a NULL write while a watch is active (and counting) still kills the process by SIGSEGV.
 * test-expect: signal SIGSEGV
 */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    _watch_address(p, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, wa_st32(p + 8, 1));
    _unwatch_address(p, PROT_READ | PROT_WRITE);
    _watch_address(p + 8, 4, PROT_NONE);
    EXPECT_TRAPS(0, wa_st32(p + 16, 2));
    EXPECT_TRAPS(1, wa_st32(p + 8, 3));
    if (mwtest_done() != 0)
        return 1;
    void *volatile null = NULL;
    __asm__ volatile("movl $1, (%0)" : : "r"(null) : "memory");
    printf("survived a NULL write\n");
    return 0;
}
