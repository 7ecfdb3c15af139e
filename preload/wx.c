/*
 * preload/wx.c - the W^X cycle of code capture (see wx.h): tracking pages,
 * and the fault hook that captures code as it is about to run.
 *
 * On an execution fault the run of dirty pages around the faulting one (same
 * region, contiguous, resident - a 2 MiB code cache mapped but never touched
 * is not dumped) is switched to read+execute first, so no thread can write
 * it while it is copied, then dumped with the registers of the fault.  On a
 * write fault only the written page goes back to read+write: a JIT writing
 * one function while running its neighbours ping-pongs one page, not the
 * whole cache.
 */
#include "preload/wx.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "core/log.h"
#include "core/sys.h"
#include "preload/config.h"
#include "preload/dump.h"
#include "preload/jitdump.h"
#include "preload/lifecycle.h"
#include "trampoline/fault.h"
#include "trampoline/index.h"
#include "trampoline/record.h"
#include "trampoline/regs.h"
#include "trampoline/table.h"

#define MW_PF_WRITE 0x2
#define MW_PF_INSTR 0x10

static int mw_wx_on;

int mw_wx_tracks(int prot) { return mw_wx_on && (prot & PROT_EXEC); }

int mw_wx_view(int prog_prot, int dirty)
{
    if (!(prog_prot & PROT_EXEC))
        return prog_prot;
    return dirty ? prog_prot & ~PROT_EXEC : prog_prot & ~PROT_WRITE;
}

static struct mw_code *mw_code_new(uintptr_t start, uintptr_t end)
{
    struct mw_code *c = mw_alloc(sizeof *c);
    if (c) {
        c->start = start;
        c->end = end;
    }
    return c;
}

static void mw_code_unref(struct mw_page *p)
{
    struct mw_code *c = p->code;
    p->code = NULL;
    if (c && --c->pages == 0)
        mw_free(c);
}

/* A page of a code region the program gave prot again: still the same
 * region (capture_sequence goes on); writable before or now means the
 * content may have changed. */
static void mw_code_reprotect(struct mw_page *p, int prot)
{
    if ((p->prog_prot & PROT_WRITE) || (prot & PROT_WRITE))
        p->dirty = 1;
    p->prog_prot = prot;
    p->view_prot = mw_wx_view(prot, p->dirty);
}

void mw_wx_on_map(uintptr_t start, uintptr_t end, int prot, int fresh)
{
    if (!mw_wx_tracks(prot)) { /* nothing new to track: only the tracked pages change */
        struct mw_index_iter it = mw_index_range(start, end);
        for (struct mw_page *p; (p = mw_index_step(&it));)
            if (p->code)
                mw_code_reprotect(p, prot);
        return;
    }
    struct mw_code *region = NULL;
    for (uintptr_t a = start; a < end; a += MW_PAGE_SIZE) { /* every page gets tracked */
        struct mw_page *p = mw_page_find(a);
        if (p && p->code) {
            mw_code_reprotect(p, prot);
            continue;
        }
        if (p && (p->nwatches || p->backend))
            continue;
        if (!region && !(region = mw_code_new(start, end)))
            return;
        p = mw_page_get(a, prot);
        if (!p)
            return;
        p->code = region;
        region->pages++;
        p->prog_prot = prot;
        /* A new anonymous mapping holds zeros: nothing written yet, so it
         * starts clean (its first write faults and marks it).  Memory made
         * executable later may have been written any time before. */
        p->dirty = !fresh;
        p->view_prot = mw_wx_view(prot, p->dirty);
    }
}

void mw_wx_on_unmap(uintptr_t start, uintptr_t end)
{
    struct mw_index_iter it = mw_index_range(MW_PAGE_FLOOR(start), end);
    for (struct mw_page *p; (p = mw_index_step(&it));) {
        if (p->code) {
            mw_code_unref(p);
            mw_page_drop_if_unused(p);
        }
    }
}

/* A region's bounds when the pages [old, old + old_len) move to [new,
 * new + new_len): shifted with them and clipped to what moved; a region that
 * reached the old end follows the new end (it grows or shrinks with the
 * mapping). */
static void mw_code_move(struct mw_code *c, uintptr_t old_addr, size_t old_len, uintptr_t new_addr, size_t new_len)
{
    uintptr_t old_end = old_addr + old_len, new_end = new_addr + new_len;
    int to_end = c->end >= old_end;
    uintptr_t s = c->start > old_addr ? c->start : old_addr;
    uintptr_t e = c->end < old_end ? c->end : old_end;
    c->start = s - old_addr + new_addr;
    c->end = to_end || e - old_addr + new_addr > new_end ? new_end : e - old_addr + new_addr;
}

#define MW_MOVE_REGIONS 16 /* regions one mremap carries whose bounds follow (more: rare) */

void mw_wx_on_move(uintptr_t old_addr, size_t old_len, uintptr_t new_addr, size_t new_len)
{
    struct mw_code *moved[MW_MOVE_REGIONS];
    unsigned nmoved = 0;
    size_t keep = old_len < new_len ? old_len : new_len;
    /* The new range never overlaps the old one unless it is the old one
     * resized in place, which adds no page inside the walk. */
    struct mw_index_iter it = mw_index_range(old_addr, old_addr + old_len);
    for (struct mw_page *p; (p = mw_index_step(&it));) {
        size_t off = p->addr - old_addr;
        if (!p->code)
            continue;
        /* The region goes with its pages: same capture_sequence. */
        unsigned i = 0;
        while (i < nmoved && moved[i] != p->code)
            i++;
        if (i == nmoved && nmoved < MW_MOVE_REGIONS) {
            moved[nmoved++] = p->code;
            mw_code_move(p->code, old_addr, old_len, new_addr, new_len);
        }
        if (new_addr == old_addr && off < keep) /* resized in place: this page stays */
            continue;
        if (off < keep) {
            struct mw_page *q = mw_page_get(new_addr + off, p->prog_prot);
            if (q) {
                q->code = p->code;
                q->code->pages++;
                q->prog_prot = p->prog_prot;
                q->dirty = p->dirty;
                q->view_prot = p->view_prot;
            }
        }
        mw_code_unref(p);
        mw_page_drop_if_unused(p);
    }
    /* Growth continues the region of the last page kept, when that region
     * reached the end of the mapping. */
    struct mw_page *last = keep ? mw_page_find(new_addr + keep - MW_PAGE_SIZE) : NULL;
    if (!last || !last->code || new_len <= keep || last->code->end != new_addr + new_len)
        return;
    for (uintptr_t a = new_addr + keep; a < new_addr + new_len; a += MW_PAGE_SIZE) {
        struct mw_page *q = mw_page_get(a, last->prog_prot);
        if (!q || q->code)
            continue;
        q->code = last->code;
        last->code->pages++;
        q->dirty = 1;
        q->view_prot = mw_wx_view(q->prog_prot, 1);
        mw_sys_mprotect((void *)a, MW_PAGE_SIZE, q->view_prot);
    }
}

static long mw_raw_protect(uintptr_t a, size_t len, int prot, int pkey)
{
    return pkey < 0 ? mw_sys_mprotect((void *)a, len, prot) : mw_sys_pkey_mprotect((void *)a, len, prot, pkey);
}

/* Consecutive pages with the same protection, applied in one call. */
struct mw_prot_run {
    uintptr_t start, end;
    int prot, pkey;
    long rc;
};

static void mw_run_flush(struct mw_prot_run *r)
{
    if (r->rc == 0 && r->end > r->start)
        r->rc = mw_raw_protect(r->start, r->end - r->start, r->prot, r->pkey);
    r->start = r->end;
}

static void mw_run_add(struct mw_prot_run *r, uintptr_t a, uintptr_t b, int prot)
{
    if (a >= b)
        return;
    if (r->end != a || r->prot != prot)
        mw_run_flush(r);
    if (r->start == r->end) {
        r->start = a;
        r->prot = prot;
    }
    r->end = b;
}

long mw_wx_protect_range(uintptr_t start, uintptr_t end, int prot, int pkey)
{
    /* A page outside any code region gets what the policy gives any new
     * memory of that protection (its past is unknown: dirty); only the
     * tracked pages in between can differ, and only they are visited. */
    int untracked = mw_wx_tracks(prot) ? mw_wx_view(prot, 1) : prot;
    struct mw_prot_run run = {start, start, untracked, pkey, 0};
    uintptr_t cursor = start;
    struct mw_index_iter it = mw_index_range(start, end);
    for (struct mw_page *p; run.rc == 0 && (p = mw_index_step(&it));) {
        if (!p->code)
            continue;
        int dirty = p->dirty || (p->prog_prot & PROT_WRITE) || (prot & PROT_WRITE);
        mw_run_add(&run, cursor, p->addr, untracked);
        mw_run_add(&run, p->addr, p->addr + MW_PAGE_SIZE, mw_wx_view(prot, dirty));
        cursor = p->addr + MW_PAGE_SIZE;
    }
    mw_run_add(&run, cursor, end, untracked);
    mw_run_flush(&run);
    if (run.rc != 0)
        return run.rc;
    mw_wx_on_map(start, end, prot, 0);
    return 0;
}

/* --- the fault hook ------------------------------------------------------- */

static int mw_capturable(struct mw_page *q, const struct mw_code *c)
{
    return q && q->code == c && q->dirty && (q->prog_prot & PROT_EXEC);
}

/* Is the page resident?  Answers for a window of pages at a time: one
 * mincore call per 256 pages, not per page. */
struct mw_residency {
    uintptr_t base;
    unsigned char vec[256];
    int valid;
};

static int mw_resident(struct mw_residency *r, uintptr_t a)
{
    if (!r->valid || a < r->base || a >= r->base + sizeof r->vec * MW_PAGE_SIZE) {
        r->base = a >= 128 * MW_PAGE_SIZE ? a - 128 * MW_PAGE_SIZE : 0;
        r->valid = mw_sys_mincore((void *)r->base, sizeof r->vec * MW_PAGE_SIZE, r->vec) == 0;
        if (!r->valid) { /* part of the window is not mapped: ask for this page alone */
            unsigned char one = 1;
            mw_sys_mincore((void *)a, MW_PAGE_SIZE, &one);
            return one & 1;
        }
    }
    return r->vec[(a - r->base) / MW_PAGE_SIZE] & 1;
}

/* The run of dirty pages of p's region around p.  Pages never touched are
 * left out (a range made executable by mprotect is dirty as a whole: its
 * past is unknown, but an untouched page holds nothing that ran); fresh
 * anonymous mappings need no such guess, their dirty bits are exact. */
static void mw_dirty_run(struct mw_page *p, uintptr_t *lo, uintptr_t *hi)
{
    struct mw_residency r = {.valid = 0};
    uintptr_t a = p->addr, b = p->addr + MW_PAGE_SIZE;
    while (a > p->code->start && mw_capturable(mw_page_find(a - MW_PAGE_SIZE), p->code) &&
           mw_resident(&r, a - MW_PAGE_SIZE))
        a -= MW_PAGE_SIZE;
    while (b < p->code->end && mw_capturable(mw_page_find(b), p->code) && mw_resident(&r, b))
        b += MW_PAGE_SIZE;
    *lo = a;
    *hi = b;
}

/* Under the table: the bytes go to the pack while nothing can change them;
 * their line is written once the table is released (mw_wx_fault). */
static void mw_wx_capture(struct mw_thread *t, struct mw_page *p, siginfo_t *info, ucontext_t *uc,
                          struct mw_capture_ticket *tk)
{
    uintptr_t lo, hi;
    mw_dirty_run(p, &lo, &hi);
    /* Read+execute first: nobody can change the bytes while we copy them. */
    int view = mw_wx_view(p->prog_prot, 0);
    mw_sys_mprotect((void *)lo, hi - lo, view);
    for (uintptr_t a = lo; a < hi; a += MW_PAGE_SIZE) {
        struct mw_page *q = mw_page_find(a);
        q->dirty = 0;
        q->view_prot = mw_wx_view(q->prog_prot, 0);
        if (q->view_prot != view)
            mw_sys_mprotect((void *)a, MW_PAGE_SIZE, q->view_prot);
    }
    struct mw_capture_record rec = {
        .addr = lo,
        .len = hi - lo,
        .capture_sequence = ++p->code->capture_sequence,
        .region = p->code->start,
        .fault_addr = (uintptr_t)info->si_addr,
        .tid = t ? t->tid : (int)mw_sys_gettid(),
        .timestamp_ns = mw_now_ns(),
        .uc = uc,
    };
    mw_dump_capture_store(&rec, (const void *)lo, tk);
}

/* An instruction fetch: the page-fault error code says so; where it is
 * missing (valgrind's signal contexts carry none) the fault address tells -
 * RIP itself, or the next page for an instruction that straddles into it. */
static int mw_is_fetch(uint64_t err, uintptr_t addr, uintptr_t rip)
{
    if (err & MW_PF_INSTR)
        return 1;
    if (err & MW_PF_WRITE)
        return 0;
    return addr == rip || (addr > rip && addr - rip < 16 && addr == MW_PAGE_FLOOR(addr));
}

static int mw_wx_fault(struct mw_thread *t, siginfo_t *info, ucontext_t *uc)
{
    uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    int handled = 1, captured = 0;
    struct mw_capture_ticket tk;
    /* The table lock without its two sigprocmask calls: the handler already
     * runs with every asynchronous signal blocked, and a synchronous one
     * raised in here would be the library's own fault, fatal either way. */
    mw_write_begin();
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR(addr));
    if (!p || !p->code) {
        handled = p == NULL; /* untracked meanwhile: run it again */
    } else if (mw_is_fetch(err, addr, rip)) {
        if (!(p->prog_prot & PROT_EXEC))
            handled = 0;
        else if (p->dirty) {
            mw_wx_capture(t, p, info, uc, &tk);
            captured = 1;
        }
        /* else another thread captured it first: just run it */
    } else if ((err & MW_PF_WRITE) || !(p->view_prot & PROT_WRITE)) {
        if (!(p->prog_prot & PROT_WRITE)) {
            handled = 0;
        } else if (!p->dirty) {
            p->dirty = 1;
            p->view_prot = mw_wx_view(p->prog_prot, 1);
            mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, p->view_prot);
        }
    } else {
        handled = 0; /* a read the program itself does not allow */
    }
    mw_write_end();
    if (captured && mw_dump_capture_log(&tk) > 0)
        mw_stat_add(&mw_stat_captures, 1);
    return handled;
}

void mw_capture_start(void)
{
    if (!mw_config()->capture)
        return;
    if (mw_dump_open() != 0)
        return;
    mw_fault_set_code_hook(mw_wx_fault);
    mw_wx_on = 1;
    mw_jitdump_start();
}
