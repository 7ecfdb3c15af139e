/*
 * tools/access.c - builds the per-variable, per-site summary of
 * accesses.jsonl.  Grouping is by exact strings (var label, then sym or ip),
 * in file order, which is the order the accesses happened in a process; the
 * labels are found through uthash tables, so a million accesses from
 * thousands of sites group in one pass.
 */
#include "tools/access.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* A label and the index it stands for (a variable, or a row of one). */
struct mwt_label_index {
    const char *label;   /* owned by the variable or row */
    size_t index;
    UT_hash_handle hh;
};

static size_t mwt_label_find(struct mwt_label_index *head, const char *label)
{
    struct mwt_label_index *e;
    HASH_FIND_STR(head, label, e);
    return e ? e->index : SIZE_MAX;
}

static void mwt_label_add(struct mwt_label_index **head, const char *label, size_t index)
{
    struct mwt_label_index *e = mwt_xmalloc(sizeof *e);
    e->label = label;
    e->index = index;
    HASH_ADD_KEYPTR(hh, *head, e->label, strlen(e->label), e);
}

static void mwt_label_clear(struct mwt_label_index **head)
{
    struct mwt_label_index *e, *tmp;
    HASH_ITER(hh, *head, e, tmp) {
        HASH_DEL(*head, e);
        free(e);
    }
}

static char *mwt_var_label(const struct mwt_access *a)
{
    char lo[24], hi[24];
    if (a->var)
        return mwt_xstrdup(a->var);
    if (!a->addr.ok)
        return mwt_xstrdup("-");
    struct mwt_opt end = { a->size.ok, a->addr.v + a->size.v };
    return mwt_xasprintf("%s..%s", mwt_opt_hex(a->addr, lo), mwt_opt_hex(end, hi));
}

static char *mwt_who_label(const struct mwt_access *a)
{
    char buf[24];
    return mwt_xstrdup(a->sym ? a->sym : mwt_opt_hex(a->ip, buf));
}

struct mwt_vars {
    struct mwt_var *v;
    size_t n, cap;
    struct mwt_label_index *index;
};

static size_t mwt_var_find(struct mwt_vars *vs, char *label)
{
    size_t i = mwt_label_find(vs->index, label);
    if (i != SIZE_MAX) {
        free(label);
        return i;
    }
    vs->v = mwt_grow(vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
    struct mwt_var *nv = &vs->v[vs->n];
    memset(nv, 0, sizeof *nv);
    nv->label = label;
    mwt_label_add(&vs->index, label, vs->n);
    return vs->n++;
}

static size_t mwt_who_find(struct mwt_var *v, const struct mwt_access *a)
{
    char *label = mwt_who_label(a);
    size_t i = mwt_label_find(v->who_index, label);
    if (i != SIZE_MAX) {
        free(label);
        return i;
    }
    v->who = mwt_grow(v->who, &v->cap, v->nwho + 1, sizeof *v->who);
    struct mwt_who *w = &v->who[v->nwho];
    memset(w, 0, sizeof *w);
    w->label = label;
    w->sample = a;
    w->seen = v->nwho;
    mwt_label_add(&v->who_index, label, v->nwho);
    return v->nwho++;
}

static void mwt_var_range(struct mwt_var *v, const struct mwt_access *a)
{
    if (!a->addr.ok)
        return;
    uint64_t end = a->addr.v + (a->size.ok ? a->size.v : 1);
    if (!v->lo.ok || a->addr.v < v->lo.v)
        v->lo = (struct mwt_opt){ true, a->addr.v };
    if (!v->hi.ok || end > v->hi.v)
        v->hi = (struct mwt_opt){ true, end };
}

static void mwt_count(const struct mwt_access *a, size_t *count, size_t *reads, size_t *writes)
{
    (*count)++;
    *reads += (a->op & MWT_OP_R) != 0;
    *writes += (a->op & MWT_OP_W) != 0;
}

static void mwt_who_add(struct mwt_who *w, const struct mwt_access *a)
{
    mwt_count(a, &w->count, &w->reads, &w->writes);
    if (!w->first)
        w->first = a;
    w->last = a;
    if (a->op & MWT_OP_W) {
        if (!w->first_write)
            w->first_write = a;
        w->last_write = a;
    }
}

/* Most accesses first; ties keep the order of first appearance. */
static int mwt_who_order(const void *pa, const void *pb)
{
    const struct mwt_who *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return (a->seen > b->seen) - (a->seen < b->seen);
}

static void mwt_sort_who(struct mwt_var *v)
{
    if (v->nwho > 1)
        qsort(v->who, v->nwho, sizeof *v->who, mwt_who_order);
}

/* After sorting: each access's row, from its row at first appearance. */
static void mwt_rows_remap(struct mwt_vars *vs, struct mwt_access_row *rows, size_t n)
{
    size_t **to = mwt_xcalloc(vs->n, sizeof *to);
    for (size_t i = 0; i < vs->n; i++) {
        to[i] = mwt_xcalloc(vs->v[i].nwho, sizeof **to);
        for (size_t k = 0; k < vs->v[i].nwho; k++)
            to[i][vs->v[i].who[k].seen] = k;
    }
    for (size_t k = 0; k < n; k++)
        rows[k].who = (uint32_t)to[rows[k].var][rows[k].who];
    for (size_t i = 0; i < vs->n; i++)
        free(to[i]);
    free(to);
}

size_t mwt_access_summary(const struct mwt_dump *d, struct mwt_var **out,
                          struct mwt_access_row **row_of)
{
    struct mwt_vars vs = { NULL, 0, 0, NULL };
    struct mwt_access_row *rows = row_of ? mwt_xcalloc(d->naccs, sizeof *rows) : NULL;
    for (size_t i = 0; i < d->naccs; i++) {
        const struct mwt_access *a = &d->accs[i];
        size_t vi = mwt_var_find(&vs, mwt_var_label(a));
        struct mwt_var *var = &vs.v[vi];
        mwt_count(a, &var->count, &var->reads, &var->writes);
        mwt_var_range(var, a);
        size_t wi = mwt_who_find(var, a);
        mwt_who_add(&var->who[wi], a);
        if (rows)
            rows[i] = (struct mwt_access_row){ (uint32_t)vi, (uint32_t)wi };
    }
    mwt_label_clear(&vs.index);
    for (size_t i = 0; i < vs.n; i++) {
        mwt_label_clear(&vs.v[i].who_index);
        mwt_sort_who(&vs.v[i]);
    }
    if (rows) {
        mwt_rows_remap(&vs, rows, d->naccs);
        *row_of = rows;
    }
    *out = vs.v;
    return vs.n;
}

void mwt_access_summary_free(struct mwt_var *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].nwho; k++)
            free(v[i].who[k].label);
        free(v[i].who);
        free(v[i].label);
    }
    free(v);
}

const char *mwt_who_first(const struct mwt_who *w)
{
    if (w->first_write)
        return w->first_write->after;
    return w->first ? w->first->before : NULL;
}

const char *mwt_who_last(const struct mwt_who *w)
{
    if (w->last_write)
        return w->last_write->after;
    return w->last ? w->last->before : NULL;
}

void mwt_value_text(const char *hex, char *out, size_t size)
{
    if (!hex) {
        snprintf(out, size, "-");
        return;
    }
    const char *h = strncmp(hex, "0x", 2) == 0 ? hex + 2 : hex;
    size_t n = strlen(h);
    uint64_t v = 0;
    bool ok = n > 0 && n % 2 == 0 && n <= 16;
    for (size_t i = 0; ok && i < n; i += 2) {
        int hi = mwt_hexdigit(h[i]), lo = mwt_hexdigit(h[i + 1]);
        ok = hi >= 0 && lo >= 0;
        v |= (uint64_t)(hi * 16 + lo) << (4 * i); /* byte i/2 is bits 8*(i/2) */
    }
    if (ok)
        snprintf(out, size, "0x%" PRIx64, v);
    else if (strlen(hex) + 1 <= size)
        snprintf(out, size, "%s", hex);
    else
        snprintf(out, size, "%.*s...", (int)(size - 4), hex);
}
