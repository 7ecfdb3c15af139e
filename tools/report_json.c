/*
 * tools/report_json.c - the JSON report, {"processes":[...]}, one element per
 * process directory: every capture with its fields and a "disassembly" array
 * of {addr, bytes, text}, with --yara its matches ("yara") and the scan
 * counts, the matches yara.jsonl recorded ("yara_live"), the access summary,
 * and with --diff the changes between consecutive captures of each region.
 * Absent fields are null, never guessed.  Values are built with jansson and
 * written as they are made (each capture, each diff), so a dump of many
 * captures never sits in memory as one tree: the members of a process
 * object are written with JSON_EMBED, its arrays element by element.
 */
#include "tools/access.h"
#include "tools/diff.h"
#include "tools/hash.h"
#include "tools/json_fields.h"
#include "tools/report.h"

#include <stdlib.h>

static json_t *mwt_json_dline(const struct mwt_listing *l, const struct mwt_dline *d, const char *op)
{
    char hex[48];
    json_t *o = json_object();
    if (op)
        mwt_json_put(o, "op", mwt_json_str(op));
    mwt_json_put(o, "addr", mwt_json_opt_hex((struct mwt_opt){ true, d->addr }));
    mwt_dline_hex(l, d, hex);
    mwt_json_put(o, "bytes", mwt_json_str(hex));
    mwt_json_put(o, "text", mwt_json_str(d->text));
    if (d->kind == MWT_D_ZEROS)
        mwt_json_put(o, "zeros", mwt_json_uint(d->len));
    return o;
}

static void mwt_json_listing(json_t *o, const struct mwt_capture *c, const struct mwt_ropts *opts)
{
    struct mwt_listing l;
    json_t *arr = json_array();
    mwt_disasm(c->bytes, c->nbytes, c->addr.v, opts->full ? 0 : MWT_DEFAULT_LIMIT, &l);
    for (size_t i = 0; i < l.n; i++)
        mwt_json_push(arr, mwt_json_dline(&l, &l.lines[i], NULL));
    mwt_json_put(o, "disassembly", arr);
    mwt_json_put(o, "bytes_not_listed", mwt_json_uint(l.rest));
    mwt_listing_free(&l);
}

static json_t *mwt_json_regs(const struct mwt_capture *c)
{
    json_t *o = json_object();
    for (int i = 0; i < MWT_NREGS; i++)
        mwt_json_put(o, mwt_reg_names[i], mwt_json_str(c->regs[i]));
    return o;
}

json_t *mwt_json_capture_fields(const struct mwt_capture *c)
{
    char h[MWT_HASH_TEXT];
    json_t *o = json_object();
    mwt_json_put(o, "seq", mwt_json_opt(c->seq));
    mwt_json_put(o, "addr", mwt_json_opt_hex(c->addr));
    mwt_json_put(o, "len", mwt_json_opt(c->len));
    mwt_json_put(o, "region", mwt_json_opt_hex(c->region));
    mwt_json_put(o, "capture_sequence", mwt_json_opt(c->cseq));
    mwt_json_put(o, "fault_addr", mwt_json_opt_hex(c->fault));
    mwt_json_put(o, "tid", mwt_json_opt(c->tid));
    mwt_json_put(o, "timestamp_ns", mwt_json_opt(c->ts));
    mwt_json_put(o, "hash", mwt_json_str(c->hash));
    mwt_json_put(o, "content", c->bytes ? mwt_json_str(mwt_hash_text(c->content, h)) : json_null());
    mwt_json_put(o, "file", mwt_json_str(c->file));
    mwt_json_put(o, "offset", mwt_json_opt(c->offset));
    mwt_json_put(o, "problem", mwt_json_str(c->problem));
    return o;
}

static json_t *mwt_json_capture(const struct mwt_dump *d, size_t i, const struct mwt_yscan *ys,
                                const struct mwt_ropts *opts)
{
    const struct mwt_capture *c = &d->caps[i];
    json_t *o = mwt_json_capture_fields(c);
    mwt_json_put(o, "regs", mwt_json_regs(c));
    if (ys)
        mwt_json_put(o, "yara", ys->of[i] ? mwt_ymatches_json(ys->of[i], c->addr) : json_null());
    if (d->has_live) {
        static const struct mwt_ymatches none;
        mwt_json_put(o, "yara_live", mwt_ymatches_json(c->live ? c->live : &none, c->addr));
    }
    mwt_json_listing(o, c, opts);
    return o;
}

static json_t *mwt_json_who(const struct mwt_who *who)
{
    json_t *o = json_object();
    mwt_json_put(o, "who", mwt_json_str(who->label));
    mwt_json_put(o, "sym", mwt_json_str(who->sample->sym));
    mwt_json_put(o, "ip", mwt_json_opt_hex(who->sample->ip));
    mwt_json_put(o, "count", mwt_json_uint(who->count));
    mwt_json_put(o, "reads", mwt_json_uint(who->reads));
    mwt_json_put(o, "writes", mwt_json_uint(who->writes));
    mwt_json_put(o, "first", mwt_json_str(mwt_who_first(who)));
    mwt_json_put(o, "last", mwt_json_str(mwt_who_last(who)));
    return o;
}

static json_t *mwt_json_var(const struct mwt_var *v)
{
    json_t *o = json_object(), *rows = json_array();
    mwt_json_put(o, "var", mwt_json_str(v->label));
    mwt_json_put(o, "lo", mwt_json_opt_hex(v->lo));
    mwt_json_put(o, "hi", mwt_json_opt_hex(v->hi));
    mwt_json_put(o, "count", mwt_json_uint(v->count));
    mwt_json_put(o, "reads", mwt_json_uint(v->reads));
    mwt_json_put(o, "writes", mwt_json_uint(v->writes));
    for (size_t i = 0; i < v->nwho; i++)
        mwt_json_push(rows, mwt_json_who(&v->who[i]));
    mwt_json_put(o, "rows", rows);
    return o;
}

static json_t *mwt_json_accesses(const struct mwt_dump *d)
{
    struct mwt_var *v;
    json_t *o = json_object(), *vars = json_array();
    size_t n = mwt_access_summary(d, &v, NULL);
    mwt_json_put(o, "count", mwt_json_uint(d->naccs));
    for (size_t i = 0; i < n; i++)
        mwt_json_push(vars, mwt_json_var(&v[i]));
    mwt_json_put(o, "variables", vars);
    mwt_access_summary_free(v, n);
    return o;
}

static json_t *mwt_json_hunk(const struct mwt_step *s, const struct mwt_hunk *h)
{
    static const char *const name[] = { [MWT_SAME] = " ", [MWT_DEL] = "-", [MWT_ADD] = "+" };
    json_t *arr = json_array();
    for (size_t i = h->begin; i < h->end; i++) {
        const struct mwt_dop *op = &s->ops[i];
        if (op->kind == MWT_DEL)
            mwt_json_push(arr, mwt_json_dline(&s->old, &s->old.lines[op->a], name[op->kind]));
        else /* context: the new capture's line, as in the text report */
            mwt_json_push(arr, mwt_json_dline(&s->new, &s->new.lines[op->b], name[op->kind]));
    }
    return arr;
}

static json_t *mwt_json_step(const struct mwt_region *r, const struct mwt_step *s)
{
    json_t *o = json_object(), *hunks = json_array();
    mwt_json_put(o, "region", mwt_json_opt_hex(r->region));
    mwt_json_put(o, "from_seq", mwt_json_opt(s->from->seq));
    mwt_json_put(o, "to_seq", mwt_json_opt(s->to->seq));
    mwt_json_put(o, "from_capture_sequence", mwt_json_opt(s->from->cseq));
    mwt_json_put(o, "to_capture_sequence", mwt_json_opt(s->to->cseq));
    mwt_json_put(o, "identical", json_boolean(s->identical));
    for (size_t h = 0; h < s->nhunks; h++)
        mwt_json_push(hunks, mwt_json_hunk(s, &s->hunks[h]));
    mwt_json_put(o, "hunks", hunks);
    return o;
}

static void mwt_json_diffs(FILE *f, const struct mwt_dump *d)
{
    struct mwt_region *r;
    size_t n = mwt_regions(d, &r);
    bool first = true;
    fputs(",\"diffs\":[", f);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k + 1 < r[i].ncaps; k++) {
            struct mwt_step s;
            mwt_step_make(&s, r[i].caps[k], r[i].caps[k + 1]);
            mwt_json_emit(f, first ? "" : ",", mwt_json_step(&r[i], &s), 0);
            mwt_step_free(&s);
            first = false;
        }
    fputc(']', f);
    mwt_regions_free(r, n);
}

/* The members that are not arrays of captures or diffs, as one small object. */
static json_t *mwt_json_head(const struct mwt_dump *d, const struct mwt_yscan *ys,
                             const struct mwt_ropts *o)
{
    json_t *p = json_object(), *warnings = json_array();
    mwt_json_put(p, "name", mwt_json_str(d->name));
    mwt_json_put(p, "dir", mwt_json_str(d->dir));
    for (size_t i = 0; i < d->nwarnings; i++)
        mwt_json_push(warnings, mwt_json_str(d->warnings[i]));
    mwt_json_put(p, "warnings", warnings);
    mwt_json_put(p, "accesses", mwt_json_accesses(d));
    if (ys)
        mwt_json_put(p, "yara", mwt_yscan_json(ys, o->yara));
    return p;
}

void mwt_json_begin(FILE *f)
{
    fputs("{\"processes\":[", f);
}

void mwt_json_dump(FILE *f, bool first, const struct mwt_dump *d, const struct mwt_yscan *ys,
                   const struct mwt_ropts *o)
{
    mwt_json_emit(f, first ? "{" : ",{", mwt_json_head(d, ys, o), JSON_EMBED);
    fputs(",\"captures\":[", f);
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_json_emit(f, i == 0 ? "" : ",", mwt_json_capture(d, i, ys, o), 0);
    fputc(']', f);
    if (o->diff)
        mwt_json_diffs(f, d);
    fputc('}', f);
}

void mwt_json_end(FILE *f)
{
    fputs("]}\n", f);
}
