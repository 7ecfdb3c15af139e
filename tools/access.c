/*
 * tools/access.c - builds the per-variable, per-site summary of
 * accesses.jsonl.  Grouping is by exact strings (var label, then sym or ip),
 * in file order, which is the order the accesses happened in a process.
 */
#include "tools/access.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

static struct mwt_var *mwt_var_find(struct mwt_var **v, size_t *n, size_t *cap, char *label)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].label, label) == 0) {
            free(label);
            return &(*v)[i];
        }
    *v = mwt_grow(*v, cap, *n + 1, sizeof **v);
    struct mwt_var *nv = &(*v)[(*n)++];
    memset(nv, 0, sizeof *nv);
    nv->label = label;
    return nv;
}

static struct mwt_who *mwt_who_find(struct mwt_var *v, const struct mwt_access *a)
{
    char *label = mwt_who_label(a);
    for (size_t i = 0; i < v->nwho; i++)
        if (strcmp(v->who[i].label, label) == 0) {
            free(label);
            return &v->who[i];
        }
    v->who = mwt_grow(v->who, &v->cap, v->nwho + 1, sizeof *v->who);
    struct mwt_who *w = &v->who[v->nwho++];
    memset(w, 0, sizeof *w);
    w->label = label;
    w->sample = a;
    return w;
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

/* Most accesses first; ties keep the order of first appearance (stable). */
static void mwt_sort_who(struct mwt_var *v)
{
    for (size_t i = 1; i < v->nwho; i++) {
        struct mwt_who w = v->who[i];
        size_t j = i;
        while (j > 0 && v->who[j - 1].count < w.count) {
            v->who[j] = v->who[j - 1];
            j--;
        }
        v->who[j] = w;
    }
}

size_t mwt_access_summary(const struct mwt_dump *d, struct mwt_var **out)
{
    struct mwt_var *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < d->naccs; i++) {
        const struct mwt_access *a = &d->accs[i];
        struct mwt_var *var = mwt_var_find(&v, &n, &cap, mwt_var_label(a));
        mwt_count(a, &var->count, &var->reads, &var->writes);
        mwt_var_range(var, a);
        mwt_who_add(mwt_who_find(var, a), a);
    }
    for (size_t i = 0; i < n; i++)
        mwt_sort_who(&v[i]);
    *out = v;
    return n;
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
