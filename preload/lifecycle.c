/*
 * preload/lifecycle.c - threads and fork (see lifecycle.h).
 *
 * Threads made with pthread_create get their engine state in the start
 * wrapper (interpose_thread.c); a pthread key's destructor releases it at
 * exit.  Fork: the prepare handler takes the table (no change can be half
 * done when the child is copied), snapshots the private alias extents, then
 * lets the fault handlers of other threads run again while keeping writers
 * out - a thread holding malloc's lock may be faulting on a watched page, and
 * fork waits for that lock after the prepare handlers.  The child makes its
 * watched memory private and starts its own dump directory.
 */
#include "preload/lifecycle.h"

#include <pthread.h>

#include "core/sys.h"
#include "preload/config.h"
#include "preload/dump.h"
#include "preload/sigview.h"
#include "trampoline/backend.h"
#include "trampoline/promote.h"
#include "trampoline/thread.h"

static pthread_key_t mw_thread_key;
static volatile int mw_init_tid;
static __thread mw_sigmask_t mw_fork_saved __attribute__((tls_model("initial-exec")));

void mw_lifecycle_init_begin(void) { mw_init_tid = (int)mw_sys_gettid(); }
int mw_lifecycle_init_thread_is_self(void) { return mw_init_tid == (int)mw_sys_gettid(); }

static void mw_thread_key_destructor(void *value)
{
    (void)value;
    mw_thread_detach();
}

/* Called by the pthread_create wrapper in the new thread. */
void mw_lifecycle_thread_started(uint64_t prog_blocked);
void mw_lifecycle_thread_started(uint64_t prog_blocked)
{
    struct mw_thread *t = mw_thread_attach();
    if (t) {
        t->prog_blocked = prog_blocked;
        pthread_setspecific(mw_thread_key, t);
    }
}

void mw_fork_prepare(void)
{
    mw_dump_flush_accesses(); /* written once, by the parent */
    mw_sigblock_all(&mw_fork_saved);
    mw_write_begin();
    mw_alias_fork_prepare();
    mw_write_downgrade();
}

void mw_fork_parent(void)
{
    mw_alias_fork_parent();
    mw_write_release();
    mw_sigrestore(&mw_fork_saved);
}

void mw_fork_child(void)
{
    mw_thread_after_fork_child();
    mw_alias_fork_child();
    mw_promo_after_fork_child();
    mw_dump_after_fork_child();
    mw_sigrestore(&mw_fork_saved);
}

void mw_lifecycle_install(void)
{
    mw_sigview_adopt_kernel_mask(mw_thread_peek());
    pthread_key_create(&mw_thread_key, mw_thread_key_destructor);
    /* Without interposers trap mode catches the fork itself and calls these
     * around it (sys_trap.c): the prepare handler's blocked SIGSYS would
     * otherwise meet the trapped clone and kill the process. */
    if (!mw_config()->adopted)
        pthread_atfork(mw_fork_prepare, mw_fork_parent, mw_fork_child);
}
