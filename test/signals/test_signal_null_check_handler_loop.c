/* The way a JIT runtime uses SIGSEGV for implicit null checks: its handler
 * moves RIP to a recovery stub many times in a row, while watched accesses
 * run in between - both keep working, and the program's handler sees the
 * real fault address. */
#include <signal.h>
#include <ucontext.h>

#include "memwatch.h"
#include "mwtest.h"

static volatile int nulls;
extern char null_load[], null_resume[];

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    if (si->si_addr == (void *)8 && uc->uc_mcontext.gregs[REG_RIP] == (greg_t)null_load) {
        nulls++;
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)null_resume;
    }
}

/* One copy of the faulting load (the labels must be unique). */
__attribute__((noinline)) static void implicit_null_check(void)
{
    __asm__ volatile("xor %%eax, %%eax\n"
                     ".globl null_load\nnull_load:\n"
                     "movq 8(%%rax), %%rdx\n"
                     ".globl null_resume\nnull_resume:\n" ::: "rax", "rdx", "memory");
}

int main(void)
{
    volatile long *watched = mwtest_pages(1);
    _watch_address((void *)watched, 8, PROT_NONE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    uint32_t c0 = _get_trap_count();
    for (int i = 0; i < 1000; i++) {
        watched[0] += 1;
        implicit_null_check();
    }
    CHECK_EQ(nulls, 1000);
    CHECK_EQ(watched[0], 1000);
    CHECK(_get_trap_count() - c0 >= 1000);
    return mwtest_done();
}
