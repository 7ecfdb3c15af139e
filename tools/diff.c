/*
 * tools/diff.c - instruction-level diffs of consecutive captures.  The edit
 * script is a longest-common-subsequence over listing lines compared by bytes
 * and text (so code that moved but did not change still matches); a common
 * prefix and suffix are trimmed first, which leaves a small middle for the
 * quadratic table in the usual case of a JIT patching a few instructions.
 * Middles too large for the table are shown as replaced wholesale.
 */
#include "tools/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cells of the LCS table at most (16 MiB of uint16_t). */
#define MWT_LCS_MAX_CELLS (8u << 20)

struct mwt_ops {
    struct mwt_dop *v;
    size_t n, cap;
};

static void mwt_op(struct mwt_ops *o, enum mwt_dop_kind kind, size_t a, size_t b)
{
    o->v = mwt_grow(o->v, &o->cap, o->n + 1, sizeof *o->v);
    o->v[o->n++] = (struct mwt_dop){ kind, a, b };
}

/* Fills t[(i)*(m+1)+j] = LCS length of a[a0+i..a0+n) and b[b0+j..b0+m). */
static uint16_t *mwt_lcs_table(const struct mwt_listing *a, size_t a0, size_t n,
                               const struct mwt_listing *b, size_t b0, size_t m)
{
    uint16_t *t = mwt_xcalloc((n + 1) * (m + 1), sizeof *t);
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;) {
            uint16_t *c = &t[i * (m + 1) + j];
            if (mwt_dline_same(a, a0 + i, b, b0 + j))
                *c = t[(i + 1) * (m + 1) + j + 1] + 1;
            else {
                uint16_t down = t[(i + 1) * (m + 1) + j], right = t[i * (m + 1) + j + 1];
                *c = down >= right ? down : right;
            }
        }
    return t;
}

static void mwt_diff_middle(struct mwt_ops *o, const struct mwt_listing *a, size_t a0, size_t n,
                            const struct mwt_listing *b, size_t b0, size_t m)
{
    if (n == 0 || m == 0 || (n + 1) * (m + 1) > MWT_LCS_MAX_CELLS || n > 65535 || m > 65535) {
        for (size_t i = 0; i < n; i++)
            mwt_op(o, MWT_DEL, a0 + i, 0);
        for (size_t j = 0; j < m; j++)
            mwt_op(o, MWT_ADD, 0, b0 + j);
        return;
    }
    uint16_t *t = mwt_lcs_table(a, a0, n, b, b0, m);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && mwt_dline_same(a, a0 + i, b, b0 + j)) {
            mwt_op(o, MWT_SAME, a0 + i++, b0 + j++);
        } else if (j == m || (i < n && t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1])) {
            mwt_op(o, MWT_DEL, a0 + i++, 0);
        } else {
            mwt_op(o, MWT_ADD, 0, b0 + j++);
        }
    }
    free(t);
}

size_t mwt_diff(const struct mwt_listing *a, const struct mwt_listing *b, struct mwt_dop **ops)
{
    struct mwt_ops o = { NULL, 0, 0 };
    size_t pre = 0, suf = 0;
    while (pre < a->n && pre < b->n && mwt_dline_same(a, pre, b, pre))
        pre++;
    while (suf < a->n - pre && suf < b->n - pre &&
           mwt_dline_same(a, a->n - 1 - suf, b, b->n - 1 - suf))
        suf++;
    for (size_t i = 0; i < pre; i++)
        mwt_op(&o, MWT_SAME, i, i);
    mwt_diff_middle(&o, a, pre, a->n - pre - suf, b, pre, b->n - pre - suf);
    for (size_t k = suf; k-- > 0;)
        mwt_op(&o, MWT_SAME, a->n - 1 - k, b->n - 1 - k);
    *ops = o.v;
    return o.n;
}

/* Hunks: each change with up to MWT_DIFF_CONTEXT unchanged ops either side. */
static size_t mwt_hunks(const struct mwt_dop *ops, size_t n, struct mwt_hunk **out)
{
    struct mwt_hunk *h = NULL;
    size_t nh = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == MWT_SAME)
            continue;
        size_t begin = i > MWT_DIFF_CONTEXT ? i - MWT_DIFF_CONTEXT : 0;
        size_t end = i + 1 + MWT_DIFF_CONTEXT < n ? i + 1 + MWT_DIFF_CONTEXT : n;
        if (nh > 0 && begin <= h[nh - 1].end) {
            h[nh - 1].end = end;
        } else {
            h = mwt_grow(h, &cap, nh + 1, sizeof *h);
            h[nh++] = (struct mwt_hunk){ begin, end };
        }
    }
    *out = h;
    return nh;
}

static bool mwt_same_bytes(const struct mwt_capture *x, const struct mwt_capture *y)
{
    if (x->hash && y->hash)
        return strcmp(x->hash, y->hash) == 0;
    return x->bytes && y->bytes && x->nbytes == y->nbytes && memcmp(x->bytes, y->bytes, x->nbytes) == 0;
}

void mwt_step_make(struct mwt_step *s, const struct mwt_capture *from, const struct mwt_capture *to)
{
    memset(s, 0, sizeof *s);
    s->from = from;
    s->to = to;
    s->identical = mwt_same_bytes(from, to);
    if (s->identical)
        return;
    mwt_disasm(from->bytes, from->nbytes, from->addr.v, 0, &s->old);
    mwt_disasm(to->bytes, to->nbytes, to->addr.v, 0, &s->new);
    /* One column layout for both sides of the diff. */
    if (s->old.hex_width < s->new.hex_width)
        s->old.hex_width = s->new.hex_width;
    s->new.hex_width = s->old.hex_width;
    if (s->old.addr_width < s->new.addr_width)
        s->old.addr_width = s->new.addr_width;
    s->new.addr_width = s->old.addr_width;
    s->nops = mwt_diff(&s->old, &s->new, &s->ops);
    s->nhunks = mwt_hunks(s->ops, s->nops, &s->hunks);
}

/* File order: seq, then line. */
static int mwt_seq_order(const void *pa, const void *pb)
{
    const struct mwt_capture *a = *(const struct mwt_capture *const *)pa;
    const struct mwt_capture *b = *(const struct mwt_capture *const *)pb;
    if (a->seq.ok && b->seq.ok && a->seq.v != b->seq.v)
        return a->seq.v < b->seq.v ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/*
 * The group a capture continues: the latest one with the same region address
 * whose capture_sequence it follows.  A region address can come back after
 * munmap with capture_sequence starting again at 1; that is a new region.
 */
static struct mwt_region *mwt_region_for(struct mwt_region *r, size_t n, const struct mwt_capture *c)
{
    for (size_t i = n; i-- > 0;) {
        if (r[i].region.ok != c->region.ok || r[i].region.v != c->region.v)
            continue;
        const struct mwt_capture *last = r[i].caps[r[i].ncaps - 1];
        bool follows = !c->cseq.ok || !last->cseq.ok || c->cseq.v > last->cseq.v;
        return follows ? &r[i] : NULL;
    }
    return NULL;
}

/* Region address, then first seq: the order regions are reported in. */
static int mwt_region_order(const void *pa, const void *pb)
{
    const struct mwt_region *a = pa, *b = pb;
    if (a->region.ok != b->region.ok)
        return a->region.ok ? -1 : 1;
    if (a->region.v != b->region.v)
        return a->region.v < b->region.v ? -1 : 1;
    return mwt_seq_order(&a->caps[0], &b->caps[0]);
}

void mwt_step_free(struct mwt_step *s)
{
    mwt_listing_free(&s->old);
    mwt_listing_free(&s->new);
    free(s->ops);
    free(s->hunks);
    memset(s, 0, sizeof *s);
}

size_t mwt_regions(const struct mwt_dump *d, struct mwt_region **out)
{
    const struct mwt_capture **all = mwt_xcalloc(d->ncaps, sizeof *all);
    for (size_t i = 0; i < d->ncaps; i++)
        all[i] = &d->caps[i];
    qsort(all, d->ncaps, sizeof *all, mwt_seq_order);
    struct mwt_region *r = NULL;
    size_t nr = 0, cap = 0;
    for (size_t i = 0; i < d->ncaps; i++) {
        struct mwt_region *g = mwt_region_for(r, nr, all[i]);
        if (!g) {
            r = mwt_grow(r, &cap, nr + 1, sizeof *r);
            g = &r[nr++];
            memset(g, 0, sizeof *g);
            g->region = all[i]->region;
        }
        g->caps = mwt_grow(g->caps, &g->caps_cap, g->ncaps + 1, sizeof *g->caps);
        g->caps[g->ncaps++] = all[i];
    }
    free(all);
    if (nr > 1)
        qsort(r, nr, sizeof *r, mwt_region_order);
    *out = r;
    return nr;
}

void mwt_regions_free(struct mwt_region *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].caps);
    free(r);
}
