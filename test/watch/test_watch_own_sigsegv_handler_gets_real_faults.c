/* Proves a program's own SA_SIGINFO SIGSEGV handler gets its real faults (right si_addr, si_code and context rip; it mprotects and returns) while another page is watched and keeps counting, even from inside the handler. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <ucontext.h>

#include "watch_asm.h"

static unsigned char *ro_page, *watched;
static volatile int calls;
static void *volatile seen_addr;
static volatile int seen_code, seen_signo;
static volatile uint64_t seen_rip;
static volatile uint32_t seen_watched_value;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    calls++;
    seen_signo = sig;
    seen_addr = si->si_addr;
    seen_code = si->si_code;
    seen_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    seen_watched_value = wa_ld32(watched + 0x40); /* a watched access inside the handler: counted */
    unsigned char *page = (unsigned char *)((uintptr_t)si->si_addr & ~(uintptr_t)(PAGE - 1));
    mprotect(page, PAGE, PROT_READ | PROT_WRITE);
}

/* movl $v, (p) at a known address: returns that address in *ip. */
static void store_at_label(void *p, uint32_t v, uint64_t *ip)
{
    __asm__ volatile("lea 1f(%%rip), %0\n1:\tmovl %2, (%1)" : "=&r"(*ip) : "r"(p), "r"(v) : "memory");
}

int main(void)
{
    watched = mwtest_pages(1);
    ro_page = mwtest_pages(1);
    *(uint32_t *)(watched + 0x40) = 0x600d;
    _watch_address(watched, 0x100, PROT_NONE);

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGSEGV, NULL, &old), 0);
    CHECK(old.sa_sigaction == on_segv);
    CHECK(old.sa_flags & SA_SIGINFO);

    EXPECT_TRAPS(1, wa_st32(watched, 1));
    CHECK_EQ(calls, 0);

    /* a real fault: the program made this page read-only itself */
    memwatch_stats_t s0, s1;
    memwatch_get_stats(&s0);
    CHECK_EQ(mprotect(ro_page, PAGE, PROT_READ), 0);
    uint64_t ip = 0;
    EXPECT_TRAPS(1, store_at_label(ro_page + 0x10, 7, &ip)); /* the 1 is the handler's own watched read */
    memwatch_get_stats(&s1);
    CHECK_EQ(calls, 1);
    CHECK_EQ(seen_signo, SIGSEGV);
    CHECK(seen_addr == ro_page + 0x10);
    CHECK_EQ(seen_code, SEGV_ACCERR);
    CHECK_EQ(seen_rip, ip);
    CHECK_EQ(seen_watched_value, 0x600d);
    CHECK_EQ(*(uint32_t *)(ro_page + 0x10), 7);
    CHECK_EQ(s1.foreign_faults - s0.foreign_faults, 1);

    /* the watch still counts, the handler stays out of it */
    EXPECT_TRAPS(1, wa_st32(watched + 4, 2));
    uint32_t v = 0;
    EXPECT_TRAPS(1, v = wa_ld32(watched));
    CHECK_EQ(v, 1);
    CHECK_EQ(calls, 1);

    /* the program itself makes a watched page read-only: its write there is
     * the program's fault (the handler opens the page), then it runs and counts once */
    CHECK_EQ(mprotect(watched, PAGE, PROT_READ), 0);
    EXPECT_TRAPS(2, store_at_label(watched + 8, 9, &ip)); /* 1 handler read + 1 store */
    CHECK_EQ(calls, 2);
    CHECK(seen_addr == watched + 8);
    CHECK_EQ(seen_rip, ip);
    EXPECT_TRAPS(1, v = wa_ld32(watched + 8));
    CHECK_EQ(v, 9);

    _unwatch_address(watched, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(watched + 4), 2);
    return mwtest_done();
}
