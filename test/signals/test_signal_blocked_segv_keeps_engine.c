/* A thread that blocks SIGSEGV (as runtimes do in worker threads) keeps its
 * watched accesses working, reads back the mask it set, and a real fault it
 * takes while "blocking" SIGSEGV still kills it by SIGSEGV, as the kernel
 * forces it.
 * test-expect: signal SIGSEGV */
#include <pthread.h>
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static volatile int *watched;

static void *worker(void *arg)
{
    (void)arg;
    sigset_t all, now;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    uint32_t c0 = _get_trap_count();
    for (int i = 0; i < 100; i++)
        watched[0] += 1;
    CHECK_EQ(_get_trap_count() - c0, 200);
    CHECK_EQ(watched[0], 100);
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    CHECK(sigismember(&now, SIGSEGV));
    CHECK(sigismember(&now, SIGUSR1));
    return NULL;
}

static void handler(int sig) { (void)sig; }

int main(void)
{
    watched = mwtest_pages(1);
    _watch_address((void *)watched, 4, PROT_NONE);
    signal(SIGSEGV, handler); /* even with a handler: a blocked fault kills */
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    if (mwtest_done() != 0)
        return 1;
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    *(volatile int *)16 = 1; /* dies here */
    return 3;
}
