/*
 * preload/init.c - start-up: what happens because the library is loaded.
 *
 * In order: read the environment, learn where our own code lies (a fault
 * there is a bug, not the program's), give the main thread its state and
 * alternate stack, install the engine's signal handlers (keeping any handler
 * that was there before as the program's), arrange for threads and fork, then
 * start the code-capture cycle and the MEMWATCH_WATCH watches.
 */
#include "preload/init.h"

#include <link.h>
#include <pthread.h>
#include <string.h>

#include "core/log.h"
#include "preload/attach.h"
#include "preload/config.h"
#include "preload/lifecycle.h"
#include "preload/modules.h"
#include "trampoline/backend.h"
#include "trampoline/fault.h"
#include "trampoline/features.h"
#include "trampoline/promote.h"
#include "trampoline/thread.h"
#include "trampoline/xstate.h"

static int mw_init_state; /* 0 not started, 1 running, 2 done */

static int mw_find_self(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    uintptr_t probe = (uintptr_t)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (probe >= lo && probe < hi) {
            mw_fault_set_self_text(lo, hi);
            return 1;
        }
    }
    return 0;
}

void mw_init_once(void)
{
    int expect = 0;
    if (!__atomic_compare_exchange_n(&mw_init_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* Another thread initialises: wait for it.  Our own thread (state 1
         * seen from inside initialisation) must not wait for itself. */
        if (expect == 1 && mw_lifecycle_init_thread_is_self())
            return;
        while (__atomic_load_n(&mw_init_state, __ATOMIC_ACQUIRE) != 2)
            __builtin_ia32_pause();
        return;
    }
    mw_lifecycle_init_begin();
    mw_backend_force_toggle(mw_config()->backend_toggle);
    mw_xstate_cpu_max(); /* CPUID leaf 0xD read before any signal needs it */
    mw_features_probe();
    mw_thread_sizes_init();
    dl_iterate_phdr(mw_find_self, (void *)(uintptr_t)mw_init_once);
    mw_thread_attach();
    if (mw_fault_install() != 0)
        mw_warn("cannot install the fault handler; watching and capture are off");
    mw_lifecycle_install();
    mw_promo_setup((enum mw_promo_mode)mw_config()->promote);
    if (mw_promo_mode() != MW_PROMO_OFF)
        mw_modules_refresh();
    mw_capture_start();
    mw_syscalls_start();
    mw_watch_env_start();
    __atomic_store_n(&mw_init_state, 2, __ATOMIC_RELEASE);
}

/* Loaded into a running process by memwatch --pid, the start waits for
 * __memwatch_attach and its configuration (attach.h). */
__attribute__((constructor(101))) static void mw_constructor(void)
{
    if (!mw_attach_in_progress())
        mw_init_once();
}
