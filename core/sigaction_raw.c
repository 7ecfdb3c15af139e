/*
 * core/sigaction_raw.c - rt_sigaction without libc, with our own sigreturn
 * trampoline.
 *
 * The kernel needs SA_RESTORER on x86-64: the address it makes a handler
 * return to, which must issue rt_sigreturn.  libc keeps its own private; we
 * bring ours so that installing the library's handlers never goes through the
 * (interposed) sigaction.
 */
#include "core/sys.h"

__attribute__((visibility("hidden"))) void mw_sigreturn_trampoline(void);
__asm__(".text\n"
        ".globl mw_sigreturn_trampoline\n"
        ".hidden mw_sigreturn_trampoline\n"
        ".type mw_sigreturn_trampoline,@function\n"
        "mw_sigreturn_trampoline:\n"
        "    mov $15, %eax\n" /* SYS_rt_sigreturn */
        "    syscall\n"
        "    hlt\n"
        ".size mw_sigreturn_trampoline, .-mw_sigreturn_trampoline\n");

long mw_sys_rt_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old)
{
    struct mw_kernel_sigaction k;
    if (act) {
        k = *act;
        if (k.handler != (void *)0 && k.handler != (void *)1) { /* not SIG_DFL / SIG_IGN */
            k.flags |= MW_SA_RESTORER;
            k.restorer = mw_sigreturn_trampoline;
        }
    }
    return mw_gated_syscall6(SYS_rt_sigaction, sig, (long)(act ? &k : NULL), (long)old, 8, 0, 0);
}
