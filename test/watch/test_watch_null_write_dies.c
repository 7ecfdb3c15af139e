/* Proves a NULL write with the library loaded and no watch active kills the process by SIGSEGV (a real signal death).
 * test-expect: signal SIGSEGV
 */
#include "watch_asm.h"

int main(void)
{
    CHECK_EQ(_get_trap_count(), 0);
    if (mwtest_done() != 0)
        return 1; /* die by the NULL write only, not by a failed check */
    void *volatile null = NULL;
    __asm__ volatile("movl $1, (%0)" : : "r"(null) : "memory");
    printf("survived a NULL write\n");
    return 0;
}
