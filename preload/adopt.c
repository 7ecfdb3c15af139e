/*
 * preload/adopt.c - executable memory that exists before the library came
 * (see adopt.h).
 *
 * A mapping is a candidate when it is executable and either writable or
 * anonymous (no file: JIT code a program already made read+execute).  File
 * mappings that are only read+execute are the program's and its libraries'
 * code (and ours: the library, the agent's memfd, the gate); they are never
 * touched.  Candidates are collected first and changed afterwards, so the
 * reading of maps never races our own mprotect.  The change itself is the
 * interposers' mprotect (interpose_mem.c) with the protection the mapping
 * already has - one function decides what a page under the cycle becomes.
 */
#include "preload/adopt.h"

#include <sys/mman.h>

#include "core/arena.h"
#include "core/fmt.h"
#include "core/gate.h"
#include "core/sys.h"
#include "preload/interpose_mem.h"
#include "preload/wx.h"
#include "trampoline/maps.h"
#include "trampoline/table.h"

struct mw_candidate {
    uintptr_t start, end;
    int prot;
};

struct mw_candidates {
    struct mw_candidate *v;
    size_t n, cap;
};

/* Is this mapping code the program made before we came? */
static int mw_consider(const struct mw_maps_line *m, void *arg)
{
    struct mw_candidates *c = arg;
    if (!(m->prot & PROT_EXEC) || m->start == MW_GATE_ADDR)
        return 0;
    if (!(m->prot & PROT_WRITE) && !m->anonymous)
        return 0;
    if (m->path[0] == '[' && mw_strncmp(m->path, "[anon:", 6) != 0)
        return 0; /* [vdso], [vsyscall], [stack], [heap] of READ_IMPLIES_EXEC */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct mw_candidate *v = mw_realloc(c->v, cap * sizeof *v);
        if (!v)
            return 0;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct mw_candidate){m->start, m->end, m->prot};
    return 0;
}

static int mw_page_known(uintptr_t a)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    int known = mw_page_find(a) != NULL;
    mw_table_unlock(&saved);
    return known;
}

/* The pages of [start, end) the table does not know yet, in runs, get
 * prot through the interposers' mprotect: tracked, dirty.  (The lock is
 * not held across it: the agent's lock does not nest.) */
static void mw_adopt_range(uintptr_t start, uintptr_t end, int prot)
{
    uintptr_t run = start;
    for (uintptr_t a = start; a <= end; a += MW_PAGE_SIZE) {
        if (a < end && !mw_page_known(a))
            continue;
        if (run < a)
            mw_mem_protect((void *)run, a - run, prot, -1);
        run = a + MW_PAGE_SIZE;
    }
}

long mw_adopt_executable_memory(void)
{
    struct mw_candidates c = {0};
    if (!mw_wx_tracks(PROT_EXEC))
        return 0; /* capture is off */
    long rc = mw_maps_each(mw_consider, &c);
    if (rc == 0) {
        for (size_t i = 0; i < c.n; i++)
            mw_adopt_range(c.v[i].start, c.v[i].end, c.v[i].prot);
        rc = (long)c.n;
    }
    mw_free(c.v);
    return rc;
}
