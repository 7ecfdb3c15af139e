/* sigaction answers with the program's own view; SA_RESETHAND gives one
 * handled fault, after which the default action (death by SIGSEGV) applies;
 * SA_NODEFER leaves SIGSEGV unblocked in the handler's view.
 * test-expect: signal SIGSEGV */
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static char *page;
static int calls, segv_blocked_inside = -1;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    calls++;
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    segv_blocked_inside = sigismember(&now, SIGSEGV);
    if (si->si_addr == page)
        mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int main(void)
{
    struct sigaction sa, old;
    sigaction(SIGSEGV, NULL, &old);
    CHECK(old.sa_handler == SIG_DFL);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGSEGV, NULL, &old);
    CHECK(old.sa_sigaction == handler && (old.sa_flags & SA_RESETHAND));
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1; /* handled once */
    CHECK_EQ(calls, 1);
    CHECK_EQ(segv_blocked_inside, 0);
    sigaction(SIGSEGV, NULL, &old);
    CHECK(old.sa_handler == SIG_DFL);
    if (mwtest_done())
        return 1;
    mprotect(page, 4096, PROT_READ);
    page[0] = 2; /* now the default: death */
    return 3;
}
