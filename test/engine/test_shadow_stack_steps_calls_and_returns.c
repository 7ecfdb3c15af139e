/*
 * test-modes: objects
 *
 * With user shadow stacks on (CET), a call or ret the engine carried out by
 * hand would leave the shadow stack behind and the program's next ret would
 * die of a control-protection fault.  This CPU or kernel may not have them,
 * so the engine is told they are on, and a call through a watched stack is
 * handed to the CPU (single-stepped: trap flag set, the instruction not yet
 * run) instead of emulated; with them off the same call is emulated (the
 * return address written, RIP at the target).  Also checks the probe agrees
 * with the kernel: ARCH_SHSTK_STATUS.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "memwatch.h"
#include "mwtest.h"
#include "trampoline/fault.h"
#include "trampoline/features.h"

static const uint8_t call_rel[] = {0xe8, 0x10, 0x00, 0x00, 0x00}; /* call +0x10 */

static void fault(ucontext_t *uc, uint64_t rsp, uintptr_t addr)
{
    memset(uc, 0, sizeof *uc);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)call_rel;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)rsp;
    uc->uc_mcontext.gregs[REG_EFL] = 0x202;
    uc->uc_mcontext.gregs[REG_TRAPNO] = 14;
    uc->uc_mcontext.gregs[REG_ERR] = 7;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGSEGV;
    info.si_code = SEGV_ACCERR;
    info.si_addr = (void *)addr;
    mw_signal_entry(SIGSEGV, &info, uc);
}

int main(void)
{
    uint64_t status = 0;
    int kernel_says = syscall(SYS_arch_prctl, 0x5005, &status) == 0 && (status & 1);
    CHECK_EQ(mw_feature_shadow_stack(), kernel_says);

    uint8_t *stack = mwtest_pages(1);
    memwatch_id_t id;
    CHECK(memwatch_watch(stack, 4096, MEMWATCH_RW, NULL, NULL, &id) == 0);
    uint64_t rsp = (uint64_t)(uintptr_t)(stack + 2048);
    ucontext_t uc;

    mw_feature_force_shadow_stack(1);
    fault(&uc, rsp, (uintptr_t)rsp - 8);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)call_rel); /* not run by hand */
    CHECK(uc.uc_mcontext.gregs[REG_EFL] & 0x100);                  /* stepped */
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RSP], rsp);
    mw_step_fault(mw_thread_self(), &uc); /* the step is abandoned: its page closes */

    mw_feature_force_shadow_stack(0);
    fault(&uc, rsp, (uintptr_t)rsp - 8);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)call_rel + 5 + 0x10);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RSP], rsp - 8);
    CHECK(!(uc.uc_mcontext.gregs[REG_EFL] & 0x100));
    CHECK(memwatch_unwatch(id) == 0);
    uint64_t ret;
    memcpy(&ret, stack + 2048 - 8, 8);
    CHECK_EQ(ret, (uintptr_t)call_rel + 5);
    return mwtest_done();
}
