/*
 * agent/thread.c - trampoline/thread.h for the agent: per-thread state and
 * the table lock without thread-local storage.
 *
 * The agent lives in a process whose TLS layout was fixed before it came,
 * so a thread's state is found by its thread id in an open-addressing table,
 * made at the thread's first signal and never released by the thread (the
 * agent does not see threads end): a slot whose thread is gone is taken
 * back when the table fills.  The table lock is one spinlock for readers
 * and writers alike: a capture holds it as a writer anyway, and the agent's
 * only reader (the fault entry) holds it for one lookup.  Nothing the agent
 * runs takes it twice (the library's big-reader lock allows that; the
 * agent's calls never nest), so it needs no owner - and no gettid, which is
 * a system call here, not a TLS read.
 */
#include "trampoline/thread.h"

#include "agent/thread.h"

#include <errno.h>
#include <signal.h>

#include "core/arena.h"
#include "core/spin.h"
#include "core/sys.h"

#define MW_SLOTS 4096 /* power of two */

static struct mw_thread *mw_slots[MW_SLOTS];
static unsigned mw_used;
static mw_spin_t mw_slots_lock;

static mw_spin_t mw_table_spin;
static int mw_forking_tid;

void mw_agent_thread_forking(void) { mw_forking_tid = (int)mw_sys_gettid(); }

void mw_sigblock_all(mw_sigmask_t *old)
{
    uint64_t all = ~0ULL;
    mw_sys_rt_sigprocmask(SIG_BLOCK, &all, &old->mask);
}

void mw_sigrestore(const mw_sigmask_t *old) { mw_sys_rt_sigprocmask(SIG_SETMASK, &old->mask, NULL); }

static unsigned mw_slot_of(int tid) { return ((unsigned)tid * 2654435761u) & (MW_SLOTS - 1); }

static struct mw_thread *mw_lookup(int tid)
{
    for (unsigned i = mw_slot_of(tid), n = 0; n < MW_SLOTS; i = (i + 1) & (MW_SLOTS - 1), n++) {
        struct mw_thread *t = __atomic_load_n(&mw_slots[i], __ATOMIC_ACQUIRE);
        if (!t)
            return NULL;
        if (t->tid == tid)
            return t;
    }
    return NULL;
}

struct mw_thread *mw_thread_peek(void) { return mw_lookup((int)mw_sys_gettid()); }

/* Slots of threads that no longer exist go, and the rest are placed anew
 * (an open-addressing table cannot just empty a slot). Lock held. */
static void mw_sweep_locked(void)
{
    long pid = mw_sys_getpid();
    struct mw_thread *keep[MW_SLOTS / 4];
    unsigned n = 0;
    for (unsigned i = 0; i < MW_SLOTS; i++) {
        struct mw_thread *t = mw_slots[i];
        mw_slots[i] = NULL;
        if (!t)
            continue;
        if (n < sizeof keep / sizeof keep[0] && mw_sys_tgkill(pid, t->tid, 0) != -ESRCH)
            keep[n++] = t;
        else
            mw_free(t);
    }
    mw_used = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = mw_slot_of(keep[k]->tid);
        while (mw_slots[i])
            i = (i + 1) & (MW_SLOTS - 1);
        mw_slots[i] = keep[k];
        mw_used++;
    }
}

static void mw_insert_locked(struct mw_thread *t)
{
    if (mw_used >= MW_SLOTS / 2)
        mw_sweep_locked();
    unsigned i = mw_slot_of(t->tid);
    while (mw_slots[i])
        i = (i + 1) & (MW_SLOTS - 1);
    __atomic_store_n(&mw_slots[i], t, __ATOMIC_RELEASE);
    mw_used++;
}

struct mw_thread *mw_thread_attach(void)
{
    int tid = (int)mw_sys_gettid();
    struct mw_thread *t = mw_lookup(tid);
    if (t)
        return t;
    t = mw_alloc(sizeof *t);
    if (!t)
        return NULL;
    t->tid = tid;
    t->prog_ss_flags = SS_DISABLE;
    mw_sigmask_t old;
    mw_sigblock_all(&old);
    mw_spin_lock(&mw_slots_lock);
    mw_insert_locked(t);
    mw_spin_unlock(&mw_slots_lock);
    mw_sigrestore(&old);
    return t;
}

struct mw_thread *mw_thread_self(void) { return mw_thread_attach(); }

void mw_thread_detach(void) {}

void mw_thread_after_fork_child(void)
{
    /* The forking thread is the only one left, and it held the table across
     * the fork (agent/lifecycle.c), as its parent self still does. */
    struct mw_thread *self = NULL;
    int parent_tid = mw_forking_tid;
    for (unsigned i = 0; i < MW_SLOTS; i++) {
        struct mw_thread *t = mw_slots[i];
        mw_slots[i] = NULL;
        if (t && t->tid == parent_tid && !self)
            self = t;
        else if (t)
            mw_free(t);
    }
    mw_slots_lock.held = 0;
    mw_used = 0;
    mw_table_spin.held = 0;
    if (self) {
        self->tid = (int)mw_sys_gettid();
        mw_insert_locked(self);
    }
}

/* --- the table lock ------------------------------------------------------- */

void mw_write_begin(void) { mw_spin_lock(&mw_table_spin); }

void mw_write_end(void) { mw_spin_unlock(&mw_table_spin); }

int mw_write_held(void) { return __atomic_load_n(&mw_table_spin.held, __ATOMIC_ACQUIRE) != 0; }

void mw_write_downgrade(void) {}

void mw_write_release(void) { mw_write_end(); }

void mw_read_begin(struct mw_thread *t)
{
    (void)t;
    mw_write_begin();
}

void mw_read_end(struct mw_thread *t)
{
    (void)t;
    mw_write_end();
}
