/* A handler for an ordinary signal (SIGUSR1) installed with SA_ONSTACK runs
 * on the program's alternate stack, can touch watched memory there, and
 * sigaction reads back the handler the program installed. */
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static char altstack[64 * 1024];
static volatile int *watched;
static volatile int on_alt, counted;

static void handler(int sig)
{
    (void)sig;
    char here;
    on_alt = &here > altstack && &here < altstack + sizeof altstack;
    uint32_t c0 = _get_trap_count();
    watched[0] += 5;
    counted = _get_trap_count() - c0;
}

int main(void)
{
    watched = mwtest_pages(1);
    _watch_address((void *)watched, 4, PROT_NONE);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &old);
    CHECK(old.sa_handler == handler && (old.sa_flags & SA_ONSTACK));
    raise(SIGUSR1);
    CHECK(on_alt);
    CHECK(counted >= 1); /* one add, or a load and a store: the compiler decides */
    CHECK_EQ(watched[0], 5);
    return mwtest_done();
}
