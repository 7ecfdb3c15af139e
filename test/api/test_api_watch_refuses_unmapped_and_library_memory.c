/* Proves that watching memory the program has just unmapped is refused
 * cleanly (ENOMEM, one line from the trio) while a watch already running
 * keeps counting - the library's own allocations never land in the hole and
 * make it look mapped - and that the library's own memory (here its signal
 * stack, as the kernel reports it) is refused with EINVAL before anything
 * changes. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>

#include "../watch/watch_asm.h"

int main(void)
{
    volatile unsigned char *kept = mwtest_pages(1);
    memwatch_id_t id;
    CHECK(memwatch_watch((void *)kept, 8, MEMWATCH_RW, NULL, NULL, &id) == 0);
    kept[1] = 1;

    for (int round = 0; round < 20; round++) {
        unsigned char *gone = mwtest_pages(4);
        CHECK_EQ(munmap(gone, 4 * PAGE), 0);
        memwatch_id_t bad = 0;
        errno = 0;
        CHECK(memwatch_watch(gone + PAGE + 8, 8, MEMWATCH_RW, NULL, NULL, &bad) == -1);
        CHECK_EQ(errno, ENOMEM);
        _watch_address(gone + 2 * PAGE, 16, PROT_NONE); /* one line, nothing else */
        kept[2] = (unsigned char)round;
    }
    uint64_t count = 0;
    CHECK(memwatch_region_count(id, &count) == 0);
    CHECK_EQ(count, 21);

    /* The kernel's alternate stack for this thread is the library's. */
    stack_t ss;
    CHECK(syscall(SYS_sigaltstack, NULL, &ss) == 0);
    CHECK(!(ss.ss_flags & SS_DISABLE));
    errno = 0;
    CHECK(memwatch_watch((char *)ss.ss_sp + 64, 8, MEMWATCH_RW, NULL, NULL, NULL) == -1);
    CHECK_EQ(errno, EINVAL);
    _watch_address((char *)ss.ss_sp + 64, 8, PROT_NONE);
    memwatch_stats_t st;
    memwatch_get_stats(&st);
    CHECK_EQ(st.live_watches, 1);
    CHECK(memwatch_unwatch(id) == 0);
    CHECK_EQ(kept[2], 19);
    return mwtest_done();
}
