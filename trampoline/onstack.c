/*
 * trampoline/onstack.c - running a handler on the program's alternate stack
 * (see onstack.h).
 */
#include "trampoline/onstack.h"

#include <stdint.h>

#include "core/sys.h"

struct mw_onstack_call {
    void *handler;
    int siginfo;
    int sig;
    siginfo_t *info;
    void *ctx;
    stack_t narrowed;   /* the kernel's alternate stack while the handler runs */
    stack_t full;       /* ours, given back afterwards */
};

/* Runs on the program's stack: swap the kernel's alternate stack (allowed,
 * rsp is no longer on it), call, swap back. */
static void mw_onstack_body(struct mw_onstack_call *c)
{
    mw_sys_sigaltstack(&c->narrowed, NULL);
    if (c->siginfo)
        ((void (*)(int, siginfo_t *, void *))c->handler)(c->sig, c->info, c->ctx);
    else
        ((void (*)(int))c->handler)(c->sig);
    mw_sys_sigaltstack(&c->full, NULL);
}

/* mw_switch_call(arg, fn, stack_top): fn(arg) with rsp = stack_top. */
void mw_switch_call(void *arg, void (*fn)(struct mw_onstack_call *), void *stack_top);
__asm__(".text\n"
        ".globl mw_switch_call\n"
        ".hidden mw_switch_call\n"
        ".type mw_switch_call,@function\n"
        "mw_switch_call:\n"
        "    push %rbp\n"
        "    mov %rsp, %rbp\n"
        "    and $-16, %rdx\n"
        "    mov %rdx, %rsp\n"
        "    call *%rsi\n"
        "    mov %rbp, %rsp\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size mw_switch_call, .-mw_switch_call\n");

int mw_on_program_altstack(const struct mw_thread *t, uintptr_t sp)
{
    if (!t || (t->prog_ss_flags & SS_DISABLE) || !t->prog_ss_sp)
        return 0;
    uintptr_t lo = (uintptr_t)t->prog_ss_sp;
    return sp > lo && sp <= lo + t->prog_ss_size;
}

void mw_call_handler_on_program_stack(struct mw_thread *t, void *handler, int siginfo, int sig, siginfo_t *info,
                                      void *ctx)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (!t || (t->prog_ss_flags & SS_DISABLE) || !t->prog_ss_sp || mw_on_program_altstack(t, sp)) {
        if (siginfo)
            ((void (*)(int, siginfo_t *, void *))handler)(sig, info, ctx);
        else
            ((void (*)(int))handler)(sig);
        return;
    }
    struct mw_onstack_call c = {.handler = handler, .siginfo = siginfo, .sig = sig, .info = info, .ctx = ctx};
    mw_sys_sigaltstack(NULL, &c.full);
    uintptr_t lo = (uintptr_t)c.full.ss_sp, below = sp - 1024; /* leave the red zone and our frame */
    if (!(c.full.ss_flags & SS_DISABLE) && sp > lo && sp <= lo + c.full.ss_size && below > lo + 16384) {
        c.narrowed = (stack_t){.ss_sp = (void *)lo, .ss_size = below - lo, .ss_flags = 0};
    } else {
        c.narrowed = c.full; /* not on ours (or no room): nothing to protect */
        c.full.ss_flags &= SS_DISABLE;
    }
    c.full.ss_flags &= SS_DISABLE;
    mw_switch_call(&c, mw_onstack_body, (char *)t->prog_ss_sp + t->prog_ss_size);
}
