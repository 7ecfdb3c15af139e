/*
 * trampoline/step.c - the last resort: single-stepping an instruction the
 * engine cannot relocate.
 *
 * The faulting page is opened with the program's own protection, the trap
 * flag is set and the instruction runs where it is; the SIGTRAP after it
 * closes the page again.  While it is open, other threads reach the page
 * unwatched - the price of the fallback, which is why each such instruction
 * is reported once on stderr with its bytes.  An instruction that touches a
 * second watched page faults again before it completes; that page is opened
 * too.  Never a silent skip, never a loop.
 *
 * A stepped instruction may never complete: it faults for real (#GP, an
 * unmapped page) and the program's handler resumes elsewhere or longjmps, so
 * no trap comes.  The next step that begins at another instruction finds the
 * old one abandoned, closes its pages and starts afresh.  (The same happens
 * if a signal handler runs between our return and the stepped instruction
 * and itself needs a step: the outer instruction then faults again when it
 * runs, and is stepped again - with the trap flag we had set, which must not
 * be taken for the program's own.)
 */
#include <signal.h>
#include <sys/mman.h>

#include "core/fmt.h"
#include "core/log.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

#define MW_REPORTED_MAX 256

static uint64_t mw_reported[MW_REPORTED_MAX];

void mw_step_report_once(uint64_t rip, const uint8_t *bytes, unsigned n, const char *why)
{
    for (unsigned i = 0; i < MW_REPORTED_MAX; i++) {
        uint64_t seen = __atomic_load_n(&mw_reported[i], __ATOMIC_RELAXED);
        if (seen == rip)
            return;
        if (seen == 0 && __atomic_compare_exchange_n(&mw_reported[i], &seen, rip, 0, __ATOMIC_RELAXED,
                                                     __ATOMIC_RELAXED))
            break;
        if (seen == rip)
            return;
    }
    char hex[64];
    struct mw_fmt f;
    mw_fmt_init(&f, hex, sizeof hex);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            mw_fmt_char(&f, ' ');
        mw_fmt_bytes_hex(&f, bytes + i, 1);
    }
    mw_warn("cannot relocate the instruction at %p (%s; %s): single-stepping it, other threads may see "
            "its page open meanwhile",
            (void *)rip, mw_fmt_cstr(&f), why ? why : "undecodable");
}

/* The stepped instruction never completed (see above): close its pages. */
static void mw_step_abandon(struct mw_step_state *st)
{
    for (unsigned i = 0; i < st->npages; i++) {
        struct mw_page *p = mw_page_find(st->pages[i]);
        if (p && p->toggle_open > 0)
            mw_toggle_close(p);
    }
    st->abandoned_rip = st->prog_tf ? 0 : st->rip;
    st->active = 0;
    st->npages = 0;
}

int mw_step_begin(struct mw_thread *t, struct mw_page *p, ucontext_t *uc, uintptr_t fault_addr, int is_write,
                  const struct mw_insn *in)
{
    struct mw_step_state *st = &t->step;
    uint64_t rip = mw_ctx_rip(uc);
    if (st->active && st->rip != rip)
        mw_step_abandon(st);
    if (!st->active) {
        st->active = 1;
        st->rip = rip;
        st->prog_tf = (mw_ctx_flags(uc) & MW_FLAG_TF) != 0 && rip != st->abandoned_rip;
        st->abandoned_rip = 0;
        st->npages = 0;
        /* Taken once, at the first fault: a tile instruction that faults
         * again on a later row resumes from there, but its access is all of
         * its rows as they were when it began. */
        st->nranges = in ? mw_tile_rows(in, uc, st->range, MW_STEP_RANGES) : 0;
    } else if (st->npages == MW_STEP_PAGES) {
        return 0; /* more pages than any one instruction touches: a real fault */
    }
    mw_toggle_open(p);
    st->pages[st->npages] = p->addr;
    st->fault_addr[st->npages] = fault_addr;
    st->is_write[st->npages] = is_write;
    st->npages++;
    mw_ctx_set_flags(uc, mw_ctx_flags(uc) | MW_FLAG_TF);
    mw_stat_add(&mw_stat_single_steps, st->npages == 1);
    return 1;
}

int mw_step_fault(struct mw_thread *t, ucontext_t *uc)
{
    struct mw_step_state *st = &t->step;
    if (!st->active || mw_ctx_rip(uc) != st->rip)
        return 0;
    int prog_tf = st->prog_tf;
    mw_read_begin(t);
    mw_step_abandon(st);
    mw_read_end(t);
    st->abandoned_rip = 0;
    if (!prog_tf)
        mw_ctx_set_flags(uc, mw_ctx_flags(uc) & ~MW_FLAG_TF);
    return 1;
}

/* SIGTRAP: if we were stepping, close the pages, count, and clear TF. */
int mw_step_trap(struct mw_thread *t, siginfo_t *info, ucontext_t *uc)
{
    struct mw_step_state *st = &t->step;
    (void)info;
    if (!st->active)
        return 0;
    struct mw_record rec;
    mw_record_init(&rec, t);
    mw_read_begin(t);
    for (unsigned i = 0; i < st->npages; i++) {
        struct mw_page *p = mw_page_find(st->pages[i]);
        if (p && p->toggle_open > 0)
            mw_toggle_close(p);
    }
    /* The bytes it touched: its rows when known, else the first byte it
     * faulted on in each watched page. */
    unsigned n = st->nranges ? st->nranges : st->npages;
    for (unsigned i = 0; i < n; i++) {
        struct mw_range one = {st->fault_addr[i], 1, (uint8_t)st->is_write[i]};
        const struct mw_range *a = st->nranges ? &st->range[i] : &one;
        struct mw_route r;
        if (mw_route_build(&r, a->addr, a->len) == 0) {
            mw_record_match(&rec, t, &r, a->addr, a->len, !a->is_write, a->is_write, st->rip);
            mw_record_after(&rec);
            mw_route_finish(&r);
        }
    }
    mw_record_commit(&rec);
    mw_read_end(t);
    st->active = 0;
    if (!st->prog_tf)
        mw_ctx_set_flags(uc, mw_ctx_flags(uc) & ~MW_FLAG_TF);
    mw_record_deliver(&rec, t);
    /* A program that was single-stepping itself expects this trap too. */
    return !st->prog_tf;
}
