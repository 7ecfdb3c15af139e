/*
 * preload/interpose_mem.c - mmap, mprotect, mremap, munmap, pkey_mprotect.
 *
 * The program's calls go to the kernel by raw syscall (no recursion, and
 * usable during the dynamic loader's early start), and return exactly what
 * the kernel returned.  Around them, under the table lock, the region table
 * follows: pages that vanish are forgotten, watched pages keep their trap
 * protection while remembering what the program asked for, and memory the
 * program makes executable enters the code-capture cycle (wx.c).  When the
 * table is empty and the call cannot start tracking, it costs one check;
 * otherwise it costs in proportion to the tracked pages inside the range
 * (trampoline/index.h), never to the range's size.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>

#include "core/sys.h"
#include "preload/interpose_mem.h"
#include "preload/config.h"
#include "preload/wx.h"
#include "trampoline/index.h"
#include "trampoline/table.h"
#include "trampoline/watch.h"

#define MW_API __attribute__((visibility("default")))

static void *mw_fail_ptr(long r)
{
    errno = (int)-r;
    return MAP_FAILED;
}

static int mw_fail_int(long r)
{
    errno = (int)-r;
    return -1;
}

/* Nothing to keep track of: the call goes straight through. */
static int mw_untracked_call(int prot)
{
    return mw_page_first() == NULL && !mw_wx_tracks(prot);
}

static void mw_forget(uintptr_t start, size_t len)
{
    uintptr_t end = start + MW_PAGE_CEIL(len);
    mw_watch_on_code_change(start, end, 1);
    mw_watch_on_unmap(start, end);
    mw_wx_on_unmap(start, end);
}

/* The work of each call, with the kernel's raw result (also used for the
 * system calls that MEMWATCH_SYSCALLS=trap catches: preload/seccomp.c). */
long mw_mem_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
    if (mw_untracked_call(prot))
        return (long)mw_sys_mmap(addr, len, prot, flags, fd, off);
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    int fresh = (flags & MAP_ANONYMOUS) != 0;
    int view = mw_wx_tracks(prot) ? mw_wx_view(prot, !fresh) : prot;
    void *r = mw_sys_mmap(addr, len, view, flags, fd, off);
    if (!mw_sys_failed((long)r)) {
        mw_forget((uintptr_t)r, len); /* whatever was there (MAP_FIXED) is gone */
        if (mw_wx_tracks(prot))
            mw_wx_on_map((uintptr_t)r, (uintptr_t)r + MW_PAGE_CEIL(len), prot, fresh);
    }
    mw_table_unlock(&saved);
    return (long)r;
}

MW_API void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long r = mw_mem_mmap(addr, len, prot, flags, fd, off);
    return mw_sys_failed(r) ? mw_fail_ptr(r) : (void *)r;
}

MW_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

void mw_mem_unmapped(uintptr_t start, uintptr_t end)
{
    if (mw_page_first() == NULL)
        return;
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    mw_forget(start, end - start);
    mw_table_unlock(&saved);
}

long mw_mem_munmap(void *addr, size_t len)
{
    if (mw_page_first() == NULL)
        return mw_sys_munmap(addr, len);
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    long r = mw_sys_munmap(addr, len);
    if (r == 0)
        mw_forget((uintptr_t)addr, len);
    mw_table_unlock(&saved);
    return r;
}

MW_API int munmap(void *addr, size_t len)
{
    long r = mw_mem_munmap(addr, len);
    return r ? mw_fail_int(r) : 0;
}

/* mprotect and pkey_mprotect: watched pages only learn the program's new
 * protection; the rest is the W^X policy's (or plain) - applied in runs of
 * the same protection between watched pages. */
long mw_mem_protect(void *addr, size_t len, int prot, int pkey)
{
    uintptr_t start = (uintptr_t)addr;
    if (mw_untracked_call(prot) || (start & (MW_PAGE_SIZE - 1)))
        return pkey < 0 ? mw_sys_mprotect(addr, len, prot) : mw_sys_pkey_mprotect(addr, len, prot, pkey);
    uintptr_t end = start + MW_PAGE_CEIL(len);
    if (end < start)
        return -ENOMEM;
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    if ((prot & PROT_WRITE) || !(prot & PROT_EXEC))
        mw_watch_on_code_change(start, end, 0); /* code the program may now write (or read as data) */
    long rc = 0;
    uintptr_t run = start;
    /* Only the tracked pages of the range are visited (the ordered index),
     * whatever its size; the stretches between watched pages go to the
     * policy whole.  Pages the policy starts tracking lie behind the walk. */
    struct mw_index_iter it = mw_index_range(start, end);
    for (struct mw_page *p; rc == 0 && (p = mw_index_step(&it));) {
        uintptr_t a = p->addr;
        if (!mw_watch_any_page(a, a + MW_PAGE_SIZE))
            continue;
        if (run < a)
            rc = mw_wx_protect_range(run, a, prot, pkey);
        if (rc == 0)
            mw_watch_on_mprotect(a, a + MW_PAGE_SIZE, prot);
        run = a + MW_PAGE_SIZE;
    }
    if (rc == 0 && run < end)
        rc = mw_wx_protect_range(run, end, prot, pkey);
    mw_table_unlock(&saved);
    return rc;
}

MW_API int mprotect(void *addr, size_t len, int prot)
{
    long r = mw_mem_protect(addr, len, prot, -1);
    return r ? mw_fail_int(r) : 0;
}

MW_API int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
    long r = mw_mem_protect(addr, len, prot, pkey);
    return r ? mw_fail_int(r) : 0;
}

long mw_mem_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
    if (mw_page_first() == NULL)
        return (long)mw_sys_mremap(old, old_len, new_len, flags, new_addr);
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    uintptr_t o = (uintptr_t)old;
    /* Watched pages become ordinary memory first: a memfd-backed page must
     * not travel as a shared mapping. */
    mw_watch_before_move(o, o + MW_PAGE_CEIL(old_len));
    mw_watch_on_code_change(o, o + MW_PAGE_CEIL(old_len), 0); /* patched code must not travel */
    void *r = mw_sys_mremap(old, old_len, new_len, flags, new_addr);
    if (!mw_sys_failed((long)r)) {
        if (flags & MREMAP_FIXED)
            mw_forget((uintptr_t)r, new_len);
        if (old_len != 0) /* old_len 0 makes a second mapping: the old one stays */
            mw_wx_on_move(o, MW_PAGE_CEIL(old_len), (uintptr_t)r, MW_PAGE_CEIL(new_len));
    }
    mw_table_unlock(&saved);
    return (long)r;
}

MW_API void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    void *new_addr = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void *);
        va_end(ap);
    }
    long r = mw_mem_mremap(old, old_len, new_len, flags, new_addr);
    return mw_sys_failed(r) ? mw_fail_ptr(r) : (void *)r;
}
