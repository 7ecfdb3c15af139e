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
#include <sys/auxv.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/exec.h"
#include "trampoline/promote_hit.h"
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

/* The calling thread's id: its state knows it (the capture cycle takes the
 * table twice per cycle; a system call each time showed in its cost). */
static int mw_self_tid(void) { return mw_self ? mw_self->tid : (int)mw_sys_gettid(); }

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define MW_HEAD_SIZE (((sizeof(struct mw_thread) + 4095) & ~(size_t)4095) + 4096) /* state + guard */

static size_t mw_block_size;   /* a power of two */

void mw_thread_sizes_init(void)
{
    if (mw_block_size)
        return;
    /* The kernel's own minimum for one frame (2 KiB when it does not say),
     * times four for nested frames (a fault in the executor inside a fault,
     * a program handler's fault), plus the engine's own C frames. */
    size_t frame = getauxval(AT_MINSIGSTKSZ);
    if (frame < 2048)
        frame = 2048;
    size_t need = MW_HEAD_SIZE + 4 * frame + 96 * 1024;
    size_t size = 256 * 1024;
    while (size < need)
        size <<= 1;
    mw_block_size = size;
}

long mw_thread_stack_room(uintptr_t sp)
{
    size_t size = mw_block_size;
    if (!size || !mw_pages_own(sp, sp + 1))
        return -1; /* thread blocks are the only stacks in the library's memory */
    uintptr_t block = sp & ~(uintptr_t)(size - 1);
    uintptr_t bottom = block + MW_HEAD_SIZE;
    return sp > bottom ? (long)(sp - bottom) : 0;
}

static struct mw_thread *mw_thread_create(void)
{
    mw_thread_sizes_init();
    size_t size = mw_block_size;
    char *block = mw_pages_map(size, size, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
    if (!block)
        return NULL;
    /* an overflowing handler dies on the guard, it does not scribble on the state */
    mw_sys_mprotect(block + MW_HEAD_SIZE - 4096, 4096, PROT_NONE);
    struct mw_thread *t = (struct mw_thread *)block;
    t->altstack = block + MW_HEAD_SIZE;
    t->altstack_len = size - MW_HEAD_SIZE;
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
    stack_t ss = {.ss_sp = t->altstack, .ss_size = t->altstack_len, .ss_flags = 0};
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
    mw_promo_hit_thread((uintptr_t)t->altstack, t->altstack_len);
    mw_sigrestore(&old);
    return t;
}

struct mw_thread *mw_thread_self(void) { return mw_self ? mw_self : mw_thread_attach(); }

static void mw_thread_free(struct mw_thread *t)
{
    mw_exec_area_free(t);
    mw_site_cache_free(t);
    mw_pages_unmap(t, mw_block_size);
}

void mw_thread_detach(void)
{
    struct mw_thread *t = mw_self;
    if (!t)
        return;
    mw_sigmask_t old;
    mw_sigblock_all(&old);
    stack_t cur;
    if (mw_sys_sigaltstack(NULL, &cur) == 0 && cur.ss_sp == t->altstack) {
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
    mw_promo_hit_thread(0, 0);
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
    mw_writer_tid = mw_self_tid();
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

int mw_write_held(void) { return mw_writer_tid != 0 && mw_writer_tid == mw_self_tid(); }
