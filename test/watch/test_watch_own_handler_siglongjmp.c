/* Proves a program's own SIGSEGV handler can siglongjmp out of a real fault, fault again and be called again each time, while a watched page keeps counting. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>

#include "watch_asm.h"

static sigjmp_buf env;
static volatile int calls;
static void *volatile seen_addr;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    calls++;
    seen_addr = si->si_addr;
    siglongjmp(env, 1);
}

int main(void)
{
    unsigned char *watched = mwtest_pages(1);
    unsigned char *closed = mwtest_pages(1);
    CHECK_EQ(mprotect(closed, PAGE, PROT_NONE), 0);
    _watch_address(watched + 0x20, 8, PROT_NONE);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);

    volatile int jumped = 0;
    for (volatile int round = 0; round < 4; round++) {
        EXPECT_TRAPS(1, wa_st32(watched + 0x20, (uint32_t)round));
        if (sigsetjmp(env, 1) == 0) {
            wa_st32(closed + 8 * round, 1); /* faults: the handler jumps back */
            printf("round %d: the closed page was written\n", round);
            mwtest_failures++;
        } else {
            jumped++;
            CHECK(seen_addr == closed + 8 * round);
        }
        uint32_t v = 0;
        EXPECT_TRAPS(1, v = wa_ld32(watched + 0x20));
        CHECK_EQ(v, (uint32_t)round);
        /* SIGSEGV is deliverable again after the jump */
        sigset_t cur;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        CHECK(!sigismember(&cur, SIGSEGV));
        printf("round %d done, handler called %d times\n", round, calls);
        fflush(stdout); /* the log shows how far a death got */
    }
    CHECK_EQ(jumped, 4);
    CHECK_EQ(calls, 4);
    /* a watched access that faults for real inside the engine's reach: the
     * program's own PROT_NONE on a watched page goes to the handler too */
    CHECK_EQ(mprotect(watched, PAGE, PROT_NONE), 0);
    if (sigsetjmp(env, 1) == 0) {
        EXPECT_TRAPS(0, wa_st32(watched + 0x20, 99));
        mwtest_failures++;
    }
    CHECK_EQ(calls, 5);
    CHECK(seen_addr == watched + 0x20);
    CHECK_EQ(mprotect(watched, PAGE, PROT_READ | PROT_WRITE), 0);
    uint32_t v = 0;
    EXPECT_TRAPS(1, v = wa_ld32(watched + 0x20));
    CHECK_EQ(v, 3);
    return mwtest_done();
}
