/*
 * core/pages.c - the library's own address space (see pages.h).
 *
 * Reservations are large PROT_NONE, MAP_NORESERVE ranges (1 GiB to start,
 * smaller when RLIMIT_AS refuses that, more of them when one is full).  Each
 * has a bump pointer; parts given back go to one free list of runs, sorted
 * by address and merged with their neighbours, searched first-fit before the
 * bump pointer moves.  A part is mapped over its reservation with MAP_FIXED
 * and given back by mapping PROT_NONE, MAP_NORESERVE over it again, which
 * frees its memory and keeps its addresses ours.
 */
#include "core/pages.h"

#include <errno.h>
#include <sys/mman.h>

#include "core/spin.h"
#include "core/sys.h"

#define MW_PAGE 4096UL
#define MW_RESERVE_SIZE (1UL << 30)
#define MW_RESERVE_MIN (16UL << 20)
#define MW_RESERVATIONS 128
#define MW_FREE_RUNS 1024

struct mw_reservation {
    uintptr_t start, end;
    uintptr_t bump;          /* everything below is handed out or on the free list */
};

struct mw_run {
    uintptr_t start, end;
};

static struct mw_reservation mw_res[MW_RESERVATIONS];
static unsigned mw_nres;
static struct mw_run mw_free_runs[MW_FREE_RUNS];
static unsigned mw_nfree;
static mw_spin_t mw_pages_lock;

static void mw_pages_enter(uint64_t *saved)
{
    uint64_t all = ~0ULL;
    mw_sys_rt_sigprocmask(0 /* SIG_BLOCK */, &all, saved);
    mw_spin_lock(&mw_pages_lock);
}

static void mw_pages_leave(const uint64_t *saved)
{
    mw_spin_unlock(&mw_pages_lock);
    mw_sys_rt_sigprocmask(2 /* SIG_SETMASK */, saved, NULL);
}

static uintptr_t mw_align_up(uintptr_t a, size_t align) { return (a + align - 1) & ~(uintptr_t)(align - 1); }

static long mw_reserve_at(uintptr_t addr, size_t len)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (addr ? MAP_FIXED : 0);
    return (long)mw_sys_mmap((void *)addr, len, PROT_NONE, flags, -1, 0);
}

/* A new reservation of at least need bytes.  0, or -errno. */
static int mw_reserve_more(size_t need)
{
    if (mw_nres == MW_RESERVATIONS)
        return -ENOMEM;
    size_t len = MW_RESERVE_SIZE;
    while (len < need)
        len <<= 1;
    long r;
    for (;;) {
        r = mw_reserve_at(0, len);
        if (!mw_sys_failed(r) || len / 2 < need || len / 2 < MW_RESERVE_MIN)
            break;
        len /= 2;
    }
    if (mw_sys_failed(r))
        return (int)r;
    struct mw_reservation *res = &mw_res[mw_nres];
    res->start = res->bump = (uintptr_t)r;
    res->end = (uintptr_t)r + len;
    __atomic_store_n(&mw_nres, mw_nres + 1, __ATOMIC_RELEASE);
    return 0;
}

/* Takes an aligned part of len bytes from the free runs. 0 if none fits. */
static uintptr_t mw_take_free(size_t len, size_t align)
{
    for (unsigned i = 0; i < mw_nfree; i++) {
        struct mw_run *r = &mw_free_runs[i];
        uintptr_t at = mw_align_up(r->start, align);
        if (at >= r->end || r->end - at < len)
            continue;
        uintptr_t tail = at + len;
        if (at == r->start && tail == r->end) {
            for (unsigned j = i + 1; j < mw_nfree; j++)
                mw_free_runs[j - 1] = mw_free_runs[j];
            mw_nfree--;
        } else if (at == r->start) {
            r->start = tail;
        } else if (tail == r->end) {
            r->end = at;
        } else if (mw_nfree < MW_FREE_RUNS) {
            /* split: [start, at) stays, [tail, end) is a new run after it */
            for (unsigned j = mw_nfree; j > i + 1; j--)
                mw_free_runs[j] = mw_free_runs[j - 1];
            mw_free_runs[i + 1] = (struct mw_run){tail, r->end};
            mw_nfree++;
            r->end = at;
        } else {
            r->end = at; /* no room to record the tail: its addresses stay reserved, unused */
        }
        return at;
    }
    return 0;
}

/* Puts [start, end) on the free list, merged with its neighbours. */
static void mw_give_back_locked(uintptr_t start, uintptr_t end)
{
    unsigned i = 0;
    while (i < mw_nfree && mw_free_runs[i].start < start)
        i++;
    int joins_prev = i > 0 && mw_free_runs[i - 1].end == start;
    int joins_next = i < mw_nfree && mw_free_runs[i].start == end;
    if (joins_prev && joins_next) {
        mw_free_runs[i - 1].end = mw_free_runs[i].end;
        for (unsigned j = i + 1; j < mw_nfree; j++)
            mw_free_runs[j - 1] = mw_free_runs[j];
        mw_nfree--;
    } else if (joins_prev) {
        mw_free_runs[i - 1].end = end;
    } else if (joins_next) {
        mw_free_runs[i].start = start;
    } else if (mw_nfree < MW_FREE_RUNS) {
        for (unsigned j = mw_nfree; j > i; j--)
            mw_free_runs[j] = mw_free_runs[j - 1];
        mw_free_runs[i] = (struct mw_run){start, end};
        mw_nfree++;
    } /* else: the addresses stay reserved and unused */
}

/* Takes an aligned part from a reservation's bump pointer; the skipped
 * alignment gap goes to the free list. */
static uintptr_t mw_take_bump(size_t len, size_t align)
{
    for (unsigned i = 0; i < mw_nres; i++) {
        struct mw_reservation *res = &mw_res[i];
        uintptr_t at = mw_align_up(res->bump, align);
        if (at >= res->end || res->end - at < len)
            continue;
        uintptr_t gap = res->bump;
        res->bump = at + len;
        if (gap < at)
            mw_give_back_locked(gap, at);
        return at;
    }
    return 0;
}

void *mw_pages_map(size_t len, size_t align, int prot, int flags, int fd, long off, int *err)
{
    len = mw_align_up(len, MW_PAGE);
    if (align < MW_PAGE)
        align = MW_PAGE;
    uint64_t saved;
    mw_pages_enter(&saved);
    uintptr_t at = mw_take_free(len, align);
    if (!at)
        at = mw_take_bump(len, align);
    int rc = 0;
    if (!at && (rc = mw_reserve_more(len + align)) == 0)
        at = mw_take_bump(len, align);
    if (at) {
        int mflags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : flags;
        long r = (long)mw_sys_mmap((void *)at, len, prot, mflags | MAP_FIXED, fd, off);
        if (mw_sys_failed(r)) {
            /* a failed MAP_FIXED may have taken the reservation with it */
            mw_reserve_at(at, len);
            mw_give_back_locked(at, at + len);
            rc = (int)r;
            at = 0;
        }
    } else if (rc == 0) {
        rc = -ENOMEM;
    }
    mw_pages_leave(&saved);
    if (!at && err)
        *err = rc;
    return (void *)at;
}

void mw_pages_unmap(void *p, size_t len)
{
    uintptr_t start = (uintptr_t)p;
    len = mw_align_up(len, MW_PAGE);
    if (!p || !len)
        return;
    uint64_t saved;
    mw_pages_enter(&saved);
    mw_reserve_at(start, len);
    mw_give_back_locked(start, start + len);
    mw_pages_leave(&saved);
}

int mw_pages_adopt(uintptr_t start, uintptr_t end)
{
    uint64_t saved;
    int rc = -ENOMEM;
    mw_pages_enter(&saved);
    if (mw_nres < MW_RESERVATIONS) {
        struct mw_reservation *res = &mw_res[mw_nres];
        res->start = start;
        res->end = res->bump = end; /* nothing in it is handed out by mw_pages_map */
        __atomic_store_n(&mw_nres, mw_nres + 1, __ATOMIC_RELEASE);
        rc = 0;
    }
    mw_pages_leave(&saved);
    return rc;
}

int mw_pages_own(uintptr_t start, uintptr_t end)
{
    unsigned n = __atomic_load_n(&mw_nres, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (start < mw_res[i].end && mw_res[i].start < end)
            return 1;
    return 0;
}

int mw_pages_reservation(unsigned n, uintptr_t *start, uintptr_t *end)
{
    if (n >= __atomic_load_n(&mw_nres, __ATOMIC_ACQUIRE))
        return 0;
    *start = mw_res[n].start;
    *end = mw_res[n].end;
    return 1;
}
