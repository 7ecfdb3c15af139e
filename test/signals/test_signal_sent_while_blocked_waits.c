/* A SIGSEGV sent (raise) while the program blocks it waits until the
 * program unblocks it, then reaches its handler with the sender's siginfo. */
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static volatile int calls, code = 99;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    calls++;
    code = si->si_code;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    raise(SIGSEGV);
    CHECK_EQ(calls, 0);
    sigprocmask(SIG_UNBLOCK, &segv, NULL);
    CHECK_EQ(calls, 1);
    CHECK(code == SI_TKILL || code == SI_USER);
    return mwtest_done();
}
