/*
 * tools/report_json.c - the JSON report of one process directory, one
 * element of the document's "processes" array: every capture with its fields
 * and a "disassembly" array of {addr, bytes, text}, the access summary, and
 * with --diff the changes between consecutive captures of each region.
 * Absent fields are null, never guessed; a missing captures.jsonl or
 * accesses.jsonl reads as an empty one.
 */
#include "tools/access.h"
#include "tools/diff.h"
#include "tools/report.h"

#include <stdlib.h>

static void mwt_json_line(struct mwt_jw *w, const struct mwt_listing *l, const struct mwt_dline *d,
                          const char *op)
{
    char hex[48];
    mwt_jw_obj(w);
    if (op) {
        mwt_jw_key(w, "op");
        mwt_jw_str(w, op);
    }
    mwt_jw_key(w, "addr");
    mwt_jw_opt_hex(w, (struct mwt_opt){ true, d->addr });
    mwt_jw_key(w, "bytes");
    mwt_dline_hex(l, d, hex);
    mwt_jw_str(w, hex);
    mwt_jw_key(w, "text");
    mwt_jw_str(w, d->text);
    if (d->kind == MWT_D_ZEROS) {
        mwt_jw_key(w, "zeros");
        mwt_jw_uint(w, d->len);
    }
    mwt_jw_end_obj(w);
}

static void mwt_json_listing(struct mwt_jw *w, const struct mwt_capture *c, const struct mwt_ropts *o)
{
    struct mwt_listing l;
    mwt_disasm(c->bytes, c->nbytes, c->addr.v, o->full ? 0 : MWT_DEFAULT_LIMIT, &l);
    mwt_jw_key(w, "disassembly");
    mwt_jw_arr(w);
    for (size_t i = 0; i < l.n; i++)
        mwt_json_line(w, &l, &l.lines[i], NULL);
    mwt_jw_end_arr(w);
    mwt_jw_key(w, "bytes_not_listed");
    mwt_jw_uint(w, l.rest);
    mwt_listing_free(&l);
}

static void mwt_json_regs(struct mwt_jw *w, const struct mwt_capture *c)
{
    mwt_jw_key(w, "regs");
    mwt_jw_obj(w);
    for (int i = 0; i < MWT_NREGS; i++) {
        mwt_jw_key(w, mwt_reg_names[i]);
        mwt_jw_str(w, c->regs[i]);
    }
    mwt_jw_end_obj(w);
}

static void mwt_json_capture(struct mwt_jw *w, const struct mwt_capture *c, const struct mwt_ropts *o)
{
    mwt_jw_obj(w);
    mwt_jw_key(w, "seq");              mwt_jw_opt(w, c->seq);
    mwt_jw_key(w, "addr");             mwt_jw_opt_hex(w, c->addr);
    mwt_jw_key(w, "len");              mwt_jw_opt(w, c->len);
    mwt_jw_key(w, "region");           mwt_jw_opt_hex(w, c->region);
    mwt_jw_key(w, "capture_sequence"); mwt_jw_opt(w, c->cseq);
    mwt_jw_key(w, "fault_addr");       mwt_jw_opt_hex(w, c->fault);
    mwt_jw_key(w, "tid");              mwt_jw_opt(w, c->tid);
    mwt_jw_key(w, "timestamp_ns");     mwt_jw_opt(w, c->ts);
    mwt_jw_key(w, "hash");             mwt_jw_str(w, c->hash);
    mwt_jw_key(w, "file");             mwt_jw_str(w, c->file);
    mwt_jw_key(w, "problem");          mwt_jw_str(w, c->problem);
    mwt_json_regs(w, c);
    mwt_json_listing(w, c, o);
    mwt_jw_end_obj(w);
}

static void mwt_json_who(struct mwt_jw *w, const struct mwt_who *who)
{
    mwt_jw_obj(w);
    mwt_jw_key(w, "who");    mwt_jw_str(w, who->label);
    mwt_jw_key(w, "sym");    mwt_jw_str(w, who->sample->sym);
    mwt_jw_key(w, "ip");     mwt_jw_opt_hex(w, who->sample->ip);
    mwt_jw_key(w, "count");  mwt_jw_uint(w, who->count);
    mwt_jw_key(w, "reads");  mwt_jw_uint(w, who->reads);
    mwt_jw_key(w, "writes"); mwt_jw_uint(w, who->writes);
    mwt_jw_key(w, "first");  mwt_jw_str(w, mwt_who_first(who));
    mwt_jw_key(w, "last");   mwt_jw_str(w, mwt_who_last(who));
    mwt_jw_end_obj(w);
}

static void mwt_json_var(struct mwt_jw *w, const struct mwt_var *v)
{
    mwt_jw_obj(w);
    mwt_jw_key(w, "var");    mwt_jw_str(w, v->label);
    mwt_jw_key(w, "lo");     mwt_jw_opt_hex(w, v->lo);
    mwt_jw_key(w, "hi");     mwt_jw_opt_hex(w, v->hi);
    mwt_jw_key(w, "count");  mwt_jw_uint(w, v->count);
    mwt_jw_key(w, "reads");  mwt_jw_uint(w, v->reads);
    mwt_jw_key(w, "writes"); mwt_jw_uint(w, v->writes);
    mwt_jw_key(w, "rows");
    mwt_jw_arr(w);
    for (size_t i = 0; i < v->nwho; i++)
        mwt_json_who(w, &v->who[i]);
    mwt_jw_end_arr(w);
    mwt_jw_end_obj(w);
}

static void mwt_json_accesses(struct mwt_jw *w, const struct mwt_dump *d)
{
    struct mwt_var *v;
    mwt_jw_key(w, "accesses");
    size_t n = mwt_access_summary(d, &v);
    mwt_jw_obj(w);
    mwt_jw_key(w, "count");
    mwt_jw_uint(w, d->naccs);
    mwt_jw_key(w, "variables");
    mwt_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        mwt_json_var(w, &v[i]);
    mwt_jw_end_arr(w);
    mwt_jw_end_obj(w);
    mwt_access_summary_free(v, n);
}

static void mwt_json_hunk(struct mwt_jw *w, const struct mwt_step *s, const struct mwt_hunk *h)
{
    static const char *const name[] = { [MWT_SAME] = " ", [MWT_DEL] = "-", [MWT_ADD] = "+" };
    mwt_jw_arr(w);
    for (size_t i = h->begin; i < h->end; i++) {
        const struct mwt_dop *op = &s->ops[i];
        if (op->kind == MWT_DEL)
            mwt_json_line(w, &s->old, &s->old.lines[op->a], name[op->kind]);
        else /* context: the new capture's line, as in the text report */
            mwt_json_line(w, &s->new, &s->new.lines[op->b], name[op->kind]);
    }
    mwt_jw_end_arr(w);
}

static void mwt_json_step(struct mwt_jw *w, const struct mwt_region *r, const struct mwt_step *s)
{
    mwt_jw_obj(w);
    mwt_jw_key(w, "region");                mwt_jw_opt_hex(w, r->region);
    mwt_jw_key(w, "from_seq");              mwt_jw_opt(w, s->from->seq);
    mwt_jw_key(w, "to_seq");                mwt_jw_opt(w, s->to->seq);
    mwt_jw_key(w, "from_capture_sequence"); mwt_jw_opt(w, s->from->cseq);
    mwt_jw_key(w, "to_capture_sequence");   mwt_jw_opt(w, s->to->cseq);
    mwt_jw_key(w, "identical");             mwt_jw_bool(w, s->identical);
    mwt_jw_key(w, "hunks");
    mwt_jw_arr(w);
    for (size_t h = 0; h < s->nhunks; h++)
        mwt_json_hunk(w, s, &s->hunks[h]);
    mwt_jw_end_arr(w);
    mwt_jw_end_obj(w);
}

static void mwt_json_diffs(struct mwt_jw *w, const struct mwt_dump *d)
{
    struct mwt_region *r;
    size_t n = mwt_regions(d, &r);
    mwt_jw_key(w, "diffs");
    mwt_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k + 1 < r[i].ncaps; k++)
            mwt_json_step(w, &r[i], &r[i].steps[k]);
    mwt_jw_end_arr(w);
    mwt_regions_free(r, n);
}

void mwt_json_dump(struct mwt_jw *w, const struct mwt_dump *d, const struct mwt_ropts *o)
{
    mwt_jw_obj(w);
    mwt_jw_key(w, "name");
    mwt_jw_str(w, d->name);
    mwt_jw_key(w, "dir");
    mwt_jw_str(w, d->dir);
    mwt_jw_key(w, "warnings");
    mwt_jw_arr(w);
    for (size_t i = 0; i < d->nwarnings; i++)
        mwt_jw_str(w, d->warnings[i]);
    mwt_jw_end_arr(w);
    mwt_jw_key(w, "captures");
    mwt_jw_arr(w);
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_json_capture(w, &d->caps[i], o);
    mwt_jw_end_arr(w);
    mwt_json_accesses(w, d);
    if (o->diff)
        mwt_json_diffs(w, d);
    mwt_jw_end_obj(w);
}
