/*
 * trampoline/thread.c - per-thread state, the thread registry and the
 * table's big-reader lock (see thread.h).
 *
 * The registry is a singly linked list of every mw_thread, changed only under
 * mw_registry_lock with signals blocked.  A writer of the table walks it to
 * wait for readers; entries are unlinked at thread exit and freed only while
 * the registry lock is held, so a walking writer never sees freed memory.
 */
#include "trampoline/thread.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/exec.h"
#include "trampoline/site.h"

static __thread struct mw_thread *mw_self __attribute__((tls_model("initial-exec")));

static struct mw_thread *mw_registry;
static mw_spin_t mw_registry_lock;   /* also the writers' mutex: one writer at a time */
static volatile int mw_writer_active;
static volatile int mw_writer_tid;   /* for mw_write_held() */
static int mw_writer_depth;          /* the holder may take it again (see mw_write_begin) */

void mw_sigblock_all(mw_sigmask_t *old)
{
    uint64_t all = ~0ULL;
    mw_sys_rt_sigprocmask(SIG_BLOCK, &all, &old->mask);
}

void mw_sigrestore(const mw_sigmask_t *old) { mw_sys_rt_sigprocmask(SIG_SETMASK, &old->mask, NULL); }

struct mw_thread *mw_thread_peek(void) { return mw_self; }

/* One mapping: guard page, alternate stack, then the mw_thread itself. */
static struct mw_thread *mw_thread_create(void)
{
    size_t head = (sizeof(struct mw_thread) + 4095) & ~(size_t)4095;
    size_t len = 4096 + MW_ALTSTACK_SIZE + head;
    char *base = mw_sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                             -1, 0);
    if (mw_sys_failed((long)base))
        return NULL;
    mw_sys_mprotect(base, 4096, PROT_NONE); /* an overflowing handler dies, it does not scribble */
    struct mw_thread *t = (struct mw_thread *)(base + 4096 + MW_ALTSTACK_SIZE);
    t->altstack = base;
    t->altstack_len = len;
    t->tid = (int)mw_sys_gettid();
    t->prog_ss_flags = SS_DISABLE;
    return t;
}

/* The kernel gets our stack; one the thread already had (set before we
 * could interpose sigaltstack) becomes the program's view of its own. */
static void mw_thread_install_altstack(struct mw_thread *t)
{
    stack_t old;
    if (mw_sys_sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE) && old.ss_sp) {
        if (old.ss_flags & SS_ONSTACK)
            return; /* running on it now: cannot change it; keep using it */
        t->prog_ss_sp = old.ss_sp;
        t->prog_ss_size = old.ss_size;
        t->prog_ss_flags = 0;
    }
    stack_t ss = {.ss_sp = (char *)t->altstack + 4096, .ss_size = MW_ALTSTACK_SIZE, .ss_flags = 0};
    mw_sys_sigaltstack(&ss, NULL);
}

struct mw_thread *mw_thread_attach(void)
{
    if (mw_self)
        return mw_self;
    struct mw_thread *t = mw_thread_create();
    if (!t)
        return NULL;
    mw_thread_install_altstack(t);
    mw_sigmask_t old;
    mw_sigblock_all(&old);
    mw_spin_lock(&mw_registry_lock);
    t->next = mw_registry;
    mw_registry = t;
    mw_spin_unlock(&mw_registry_lock);
    mw_self = t;
    mw_sigrestore(&old);
    return t;
}

struct mw_thread *mw_thread_self(void) { return mw_self ? mw_self : mw_thread_attach(); }

static void mw_thread_free(struct mw_thread *t)
{
    mw_exec_area_free(t);
    mw_site_cache_free(t);
    mw_sys_munmap(t->altstack, t->altstack_len);
}

void mw_thread_detach(void)
{
    struct mw_thread *t = mw_self;
    if (!t)
        return;
    mw_sigmask_t old;
    mw_sigblock_all(&old);
    stack_t cur;
    if (mw_sys_sigaltstack(NULL, &cur) == 0 && cur.ss_sp == (char *)t->altstack + 4096) {
        stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
        mw_sys_sigaltstack(&off, NULL);
    }
    mw_spin_lock(&mw_registry_lock);
    for (struct mw_thread **pp = &mw_registry; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    mw_self = NULL;
    mw_thread_free(t);
    mw_spin_unlock(&mw_registry_lock);
    mw_sigrestore(&old);
}

void mw_thread_after_fork_child(void)
{
    /* Only the forking thread lives on; the others' states are garbage here.
     * The lock may have been copied held by a thread that no longer exists. */
    struct mw_thread *keep = mw_self, *t = mw_registry, *next;
    mw_registry_lock.held = 0;
    mw_writer_active = 0;
    for (; t; t = next) {
        next = t->next;
        if (t != keep)
            mw_thread_free(t);
    }
    mw_registry = keep;
    if (keep) {
        keep->next = NULL;
        keep->tid = (int)mw_sys_gettid();
    }
}

/* --- big-reader lock ------------------------------------------------------ */

void mw_read_begin(struct mw_thread *t)
{
    if (t->reading > 0) { /* nested in our own handler: we already hold it */
        t->reading++;
        return;
    }
    for (;;) {
        __atomic_store_n(&t->reading, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&mw_writer_active, __ATOMIC_SEQ_CST))
            return;
        __atomic_store_n(&t->reading, 0, __ATOMIC_RELEASE);
        while (__atomic_load_n(&mw_writer_active, __ATOMIC_ACQUIRE))
            __builtin_ia32_pause();
    }
}

void mw_read_end(struct mw_thread *t) { __atomic_store_n(&t->reading, t->reading - 1, __ATOMIC_RELEASE); }

/* Re-entrant for its holder: while the table is held, something the library
 * calls may call back into an interposer on the same thread (a sanitizer's
 * report maps memory); that nested writer must not wait for itself. */
void mw_write_begin(void)
{
    struct mw_thread *self = mw_self;
    if (mw_write_held()) {
        mw_writer_depth++;
        return;
    }
    mw_spin_lock(&mw_registry_lock);
    __atomic_store_n(&mw_writer_active, 1, __ATOMIC_SEQ_CST);
    for (struct mw_thread *t = mw_registry; t; t = t->next) {
        if (t == self)
            continue;
        while (__atomic_load_n(&t->reading, __ATOMIC_SEQ_CST) > 0)
            __builtin_ia32_pause();
    }
    mw_writer_tid = (int)mw_sys_gettid();
}

void mw_write_end(void)
{
    if (mw_writer_depth > 0) {
        mw_writer_depth--;
        return;
    }
    mw_writer_tid = 0;
    __atomic_store_n(&mw_writer_active, 0, __ATOMIC_RELEASE);
    mw_spin_unlock(&mw_registry_lock);
}

void mw_write_downgrade(void)
{
    mw_writer_tid = 0;
    __atomic_store_n(&mw_writer_active, 0, __ATOMIC_RELEASE);
}

void mw_write_release(void) { mw_spin_unlock(&mw_registry_lock); }

int mw_write_held(void) { return mw_writer_tid != 0 && mw_writer_tid == (int)mw_sys_gettid(); }
