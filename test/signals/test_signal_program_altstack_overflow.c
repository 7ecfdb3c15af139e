/* A program's own sigaltstack keeps working: a stack overflow reaches its
 * SA_ONSTACK SIGSEGV handler, which runs on the program's alternate stack
 * (and may touch watched memory there); sigaltstack() reads back what the
 * program set, SS_ONSTACK inside the handler. */
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static char altstack[64 * 1024];
static volatile int *watched;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    (void)ctx;
    char here;
    int on_ours = &here > altstack && &here < altstack + sizeof altstack;
    stack_t cur;
    sigaltstack(NULL, &cur);
    uint32_t c0 = _get_trap_count();
    watched[0] = 7;
    int counted = _get_trap_count() == c0 + 1;
    _exit(on_ours && (cur.ss_flags & SS_ONSTACK) && cur.ss_sp == altstack && counted ? 0 : 1);
}

static volatile int keep_going = 1;

static int recurse(volatile int depth)
{
    volatile char buf[512];
    buf[0] = (char)depth;
    return keep_going ? recurse(depth + 1) + buf[0] : 0;
}

int main(void)
{
    watched = mwtest_pages(1);
    _watch_address((void *)watched, 4, PROT_NONE);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0}, back;
    CHECK(sigaltstack(&ss, NULL) == 0);
    CHECK(sigaltstack(NULL, &back) == 0);
    CHECK(back.ss_sp == altstack && back.ss_size == sizeof altstack && back.ss_flags == 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (mwtest_done())
        return 1;
    return recurse(0); /* never returns: the handler exits */
}
