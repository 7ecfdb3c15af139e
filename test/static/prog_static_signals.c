/*
 * prog_static_signals - a static JIT program with a SIGSEGV handler of its
 * own: it installs the handler and reads it back, runs a version of its
 * code, catches a real fault of its own in the handler (siglongjmp), runs
 * a second version while SIGSEGV is blocked (and reads the mask back),
 * checks a blocked signal and an alternate stack of its own (sigorder.h),
 * and at last crashes for real with the default action.
 * For test_static_own_sigsegv_handler_and_real_crash.sh.
 */
#include "jit.h"
#include "sigorder.h"

#include <setjmp.h>
#include <signal.h>

static sigjmp_buf back;
static volatile uintptr_t low_address = 16; /* nothing is mapped there */
static volatile void *caught_at;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    caught_at = si->si_addr;
    siglongjmp(back, 1);
}

int main(void)
{
    jit_info("pid %d", (int)getpid());
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGSEGV, NULL, &old) != 0)
        jit_die("sigaction");
    printf("handler reads back as installed: %s\n", old.sa_sigaction == on_segv ? "yes" : "no");

    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("page %p", (void *)page);
    size_t n = jit_emit_ret(page, 0x51);
    jit_info_code("code", page, n);
    printf("version 1: %#x\n", jit_call(page));

    if (sigsetjmp(back, 1) == 0)
        *(volatile int *)low_address = 1;
    printf("own handler caught the fault at %p\n", (void *)caught_at);

    sigset_t block, now;
    sigemptyset(&block);
    sigaddset(&block, SIGSEGV);
    sigprocmask(SIG_BLOCK, &block, NULL);
    memset(page, 0, 16);
    n = jit_emit_ret_add(page, 0x52, 1);
    jit_info_code("code", page, n);
    printf("version 2 with SIGSEGV blocked: %#x\n", jit_call(page));
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask reads back with SIGSEGV blocked: %s\n", sigismember(&now, SIGSEGV) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    sigorder_check();

    signal(SIGSEGV, SIG_DFL);
    printf("crashing\n");
    fflush(stdout);
    *(volatile int *)(low_address + 8) = 1;
    printf("not reached\n");
    return 0;
}
