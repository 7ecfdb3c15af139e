/*
 * tools/report_text.c - the plain-text report of one process directory:
 * the table of captures, each capture's listing at its runtime address, the
 * matches recorded while the program ran (yara.jsonl), with --diff the
 * changes between consecutive captures of each region, and the summary of
 * watched accesses.  With --yara only the matches: what was asked for.
 */
#include "tools/access.h"
#include "tools/diff.h"
#include "tools/report.h"
#include "tools/table.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void mwt_text_table(const struct mwt_dump *d)
{
    static const char *const head[] = { "seq", "address", "len", "region", "capture_sequence", "tid", "hash" };
    char b[7][24];
    struct mwt_table t;
    if (!d->has_captures) {
        printf("captures: none (no %s)\n", MWT_CAPTURES);
        return;
    }
    if (d->ncaps == 0) {
        printf("captures: none\n");
        return;
    }
    printf("captures: %zu\n", d->ncaps);
    mwt_table_init(&t, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5, 7, head);
    for (size_t i = 0; i < d->ncaps; i++) {
        const struct mwt_capture *c = &d->caps[i];
        mwt_table_cell(&t, "%s", mwt_opt_dec(c->seq, b[0]));
        mwt_table_cell(&t, "%s", mwt_opt_hex(c->addr, b[1]));
        mwt_table_cell(&t, "%s", mwt_opt_dec(c->len, b[2]));
        mwt_table_cell(&t, "%s", mwt_opt_hex(c->region, b[3]));
        mwt_table_cell(&t, "%s", mwt_opt_dec(c->cseq, b[4]));
        mwt_table_cell(&t, "%s", mwt_opt_dec(c->tid, b[5]));
        mwt_table_cell(&t, "%s", c->hash ? c->hash : "-");
    }
    mwt_table_print(stdout, &t, "  ");
    mwt_table_free(&t);
}

static void mwt_text_capture_head(const struct mwt_capture *c)
{
    char b[7][24];
    printf("\ncapture %s: %s bytes at %s, region %s #%s, tid %s, fault at %s",
           mwt_opt_dec(c->seq, b[0]), mwt_opt_dec(c->len, b[1]), mwt_opt_hex(c->addr, b[2]),
           mwt_opt_hex(c->region, b[3]), mwt_opt_dec(c->cseq, b[4]),
           mwt_opt_dec(c->tid, b[5]), mwt_opt_hex(c->fault, b[6]));
    if (c->regs[16])
        printf(", rip %s", c->regs[16]);
    printf(", file %s\n", c->file ? c->file : "-");
}

static void mwt_text_capture(const struct mwt_capture *c, const struct mwt_ropts *o)
{
    struct mwt_listing l;
    mwt_text_capture_head(c);
    if (c->problem)
        printf("  (%s)\n", c->problem);
    if (!c->addr.ok && c->bytes)
        printf("  (no address recorded: listed from 0)\n");
    mwt_disasm(c->bytes, c->nbytes, c->addr.v, o->full ? 0 : MWT_DEFAULT_LIMIT, &l);
    for (size_t i = 0; i < l.n; i++)
        mwt_dline_print(stdout, "  ", &l, &l.lines[i]);
    if (l.rest)
        printf("  ... %zu more bytes not listed (--full lists them)\n", l.rest);
    mwt_listing_free(&l);
}

static void mwt_text_hunk(const struct mwt_step *s, const struct mwt_hunk *h)
{
    struct mwt_opt oa = { false, 0 }, ob = { false, 0 };
    char b[2][24];
    for (size_t i = h->begin; i < h->end; i++) {
        const struct mwt_dop *op = &s->ops[i];
        if (!oa.ok && op->kind != MWT_ADD)
            oa = (struct mwt_opt){ true, s->old.lines[op->a].addr };
        if (!ob.ok && op->kind != MWT_DEL)
            ob = (struct mwt_opt){ true, s->new.lines[op->b].addr };
    }
    printf("  @@ -%s +%s @@\n", mwt_opt_hex(oa, b[0]), mwt_opt_hex(ob, b[1]));
    for (size_t i = h->begin; i < h->end; i++) {
        const struct mwt_dop *op = &s->ops[i];
        char prefix[5] = { ' ', ' ', (char)op->kind, ' ', '\0' };
        /* Context and + lines are the new capture, at its addresses (in
         * order); - lines are the old one, at the addresses they had. */
        if (op->kind == MWT_DEL)
            mwt_dline_print(stdout, prefix, &s->old, &s->old.lines[op->a]);
        else
            mwt_dline_print(stdout, prefix, &s->new, &s->new.lines[op->b]);
    }
}

static void mwt_text_step(const struct mwt_region *r, const struct mwt_step *s)
{
    char b[5][24];
    printf("region %s: capture_sequence %s -> %s (seq %s -> %s): ", mwt_opt_hex(r->region, b[0]),
           mwt_opt_dec(s->from->cseq, b[1]), mwt_opt_dec(s->to->cseq, b[2]),
           mwt_opt_dec(s->from->seq, b[3]), mwt_opt_dec(s->to->seq, b[4]));
    if (s->identical) {
        printf("identical\n");
        return;
    }
    printf("%zu change%s\n", s->nhunks, s->nhunks == 1 ? "" : "s");
    for (size_t h = 0; h < s->nhunks; h++)
        mwt_text_hunk(s, &s->hunks[h]);
}

static void mwt_text_diffs(const struct mwt_dump *d)
{
    struct mwt_region *r;
    char b[24];
    size_t n = mwt_regions(d, &r);
    printf("\nchanges between consecutive captures, by region:\n");
    if (n == 0)
        printf("  none: no captures\n");
    for (size_t i = 0; i < n; i++) {
        if (r[i].ncaps == 1)
            printf("region %s: 1 capture, nothing to compare\n", mwt_opt_hex(r[i].region, b));
        for (size_t k = 0; k + 1 < r[i].ncaps; k++) {
            struct mwt_step s;
            mwt_step_make(&s, r[i].caps[k], r[i].caps[k + 1]);
            mwt_text_step(&r[i], &s);
            mwt_step_free(&s);
        }
    }
    mwt_regions_free(r, n);
}

static void mwt_text_var(const struct mwt_var *v)
{
    static const char *const head[] = { "who", "count", "reads", "writes", "first", "last" };
    char b[2][24], first[40], last[40];
    struct mwt_table t;
    char *range = mwt_xasprintf("%s..%s", mwt_opt_hex(v->lo, b[0]), mwt_opt_hex(v->hi, b[1]));
    if (strcmp(range, v->label) == 0)
        printf("  %s:", v->label);
    else
        printf("  %s (%s):", v->label, range);
    printf(" %zu access%s, %zu read%s, %zu write%s\n", v->count, v->count == 1 ? "" : "es",
           v->reads, v->reads == 1 ? "" : "s", v->writes, v->writes == 1 ? "" : "s");
    free(range);
    mwt_table_init(&t, 1u << 1 | 1u << 2 | 1u << 3, 6, head);
    for (size_t i = 0; i < v->nwho; i++) {
        const struct mwt_who *w = &v->who[i];
        mwt_value_text(mwt_who_first(w), first, sizeof first);
        mwt_value_text(mwt_who_last(w), last, sizeof last);
        mwt_table_cell(&t, "%s", w->label);
        mwt_table_cell(&t, "%zu", w->count);
        mwt_table_cell(&t, "%zu", w->reads);
        mwt_table_cell(&t, "%zu", w->writes);
        mwt_table_cell(&t, "%s", first);
        mwt_table_cell(&t, "%s", last);
    }
    mwt_table_print(stdout, &t, "    ");
    mwt_table_free(&t);
}

static void mwt_text_accesses(const struct mwt_dump *d)
{
    struct mwt_var *v;
    if (!d->has_accesses)
        return;
    size_t n = mwt_access_summary(d, &v, NULL);
    printf("\naccesses: %zu%s\n", d->naccs, d->naccs ? ", by watched variable:" : "");
    for (size_t i = 0; i < n; i++)
        mwt_text_var(&v[i]);
    mwt_access_summary_free(v, n);
}

void mwt_text_dump(const struct mwt_dump *d, const struct mwt_yscan *ys, const struct mwt_ropts *o)
{
    printf("== %s (%s)\n", d->name, d->dir);
    if (d->nwarnings)
        printf("(%zu warning%s, printed on stderr)\n", d->nwarnings, d->nwarnings == 1 ? "" : "s");
    if (ys) { /* --yara: the matches are what was asked for */
        mwt_text_yara(d, ys, o);
        if (d->has_live)
            mwt_text_yara_live(d);
        return;
    }
    mwt_text_table(d);
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_text_capture(&d->caps[i], o);
    if (d->has_live)
        mwt_text_yara_live(d);
    if (o->diff)
        mwt_text_diffs(d);
    mwt_text_accesses(d);
}
