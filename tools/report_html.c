/*
 * tools/report_html.c - writes the HTML report: the page from tools/html/
 * (built in, see html_assets.h) with one JSON document in it that the
 * page's script draws from.  What goes into that document is bounded so that
 * a dump of 10,000 captures and a million accesses stays a file a browser
 * opens: a listing per distinct content and address (not per capture), of
 * its first MWT_HTML_INSNS instructions; a diff per distinct pair of
 * consecutive versions, of at most MWT_HTML_DIFF_LINES lines; and accesses
 * as counts in MWT_HTML_BINS time bins per variable and per accessing
 * function, never one by one.  The document is written piece by piece (each
 * capture, listing and diff), never held whole.
 */
#include "tools/report_html.h"
#include "tools/access.h"
#include "tools/diff.h"
#include "tools/hash.h"
#include "tools/html_assets.h"
#include "tools/json_fields.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>


struct mwt_html {
    FILE *f;
    const struct mwt_ropts *o;
    bool first;               /* no process written yet */
};

/* ---- the page around the data ---- */

/* Writes page text [from, to), with @@CSS@@ and @@SCRIPT@@ filled in. */
static void mwt_html_page_part(FILE *f, const char *from, const char *to)
{
    static const struct { const char *mark; const char *text; } fill[] = {
        { "@@CSS@@", mwt_html_css }, { "@@SCRIPT@@", mwt_html_js },
    };
    while (from < to) {
        const char *next = to;
        size_t which = 0;
        for (size_t i = 0; i < sizeof fill / sizeof fill[0]; i++) {
            const char *m = strstr(from, fill[i].mark);
            if (m && m < next) {
                next = m;
                which = i;
            }
        }
        fwrite(from, 1, (size_t)(next - from), f);
        if (next == to)
            break;
        fputs(fill[which].text, f);
        from = next + strlen(fill[which].mark);
    }
}

static const char *mwt_html_data_mark(void)
{
    return strstr(mwt_html_page, "@@DATA@@");
}

struct mwt_html *mwt_html_begin(FILE *f, const struct mwt_ropts *o)
{
    struct mwt_html *h = mwt_xcalloc(1, sizeof *h);
    h->f = f;
    h->o = o;
    h->first = true;
    mwt_html_page_part(f, mwt_html_page, mwt_html_data_mark());
    json_t *head = json_object(), *limits = json_object();
    mwt_json_put(head, "tool", mwt_json_str("memwatch " MWT_VERSION));
    mwt_json_put(head, "rules", mwt_json_str(o->yara ? mwt_yara_path(o->yara) : NULL));
    mwt_json_put(limits, "insns", mwt_json_uint(MWT_HTML_INSNS));
    mwt_json_put(limits, "diff_lines", mwt_json_uint(MWT_HTML_DIFF_LINES));
    mwt_json_put(limits, "bins", mwt_json_uint(MWT_HTML_BINS));
    mwt_json_put(limits, "who", mwt_json_uint(MWT_HTML_WHO));
    mwt_json_put(head, "limits", limits);
    mwt_json_emit(f, "{", head, JSON_EMBED | MWT_JSON_FOR_HTML);
    fputs(",\"processes\":[", f);
    return h;
}

void mwt_html_end(struct mwt_html *h)
{
    fputs("]}", h->f);
    const char *tail = mwt_html_data_mark() + strlen("@@DATA@@");
    mwt_html_page_part(h->f, tail, tail + strlen(tail));
    free(h);
}

/* ---- one process: which captures share a listing or a diff ---- */

struct mwt_hkey {
    uint64_t content[2], len[2], addr[2]; /* [0] only for a listing */
};

struct mwt_hentry {
    struct mwt_hkey key;
    size_t id;
    UT_hash_handle hh;
};

struct mwt_hproc {
    const struct mwt_dump *d;
    const struct mwt_yscan *ys;
    struct mwt_region *regions;
    size_t nregions;
    long *prev;                    /* per capture: the previous version in its region, or -1 */
    long *listing, *diff;          /* per capture: its listing and diff, or -1 */
    size_t *listing_of;            /* per listing: a capture that has it */
    size_t nlistings;
    size_t *diff_of;               /* per diff: the capture it leads to */
    size_t ndiffs;
    struct mwt_opt t0;             /* the earliest timestamp of the process */
    uint64_t span;                 /* ns from t0 to the latest */
};

static size_t mwt_hid(struct mwt_hentry **table, const struct mwt_hkey *key, size_t next, bool *fresh)
{
    struct mwt_hentry *e;
    HASH_FIND(hh, *table, key, sizeof *key, e);
    *fresh = !e;
    if (e)
        return e->id;
    e = mwt_xcalloc(1, sizeof *e);
    e->key = *key;
    e->id = next;
    HASH_ADD(hh, *table, key, sizeof e->key, e);
    return next;
}

static void mwt_htable_free(struct mwt_hentry **table)
{
    struct mwt_hentry *e, *tmp;
    HASH_ITER(hh, *table, e, tmp) {
        HASH_DEL(*table, e);
        free(e);
    }
}

static void mwt_hkey_side(struct mwt_hkey *k, int side, const struct mwt_capture *c)
{
    k->content[side] = c->content;
    k->len[side] = c->nbytes;
    k->addr[side] = c->addr.v;
}

/* Listing ids by (content, address); captures without bytes have none. */
static void mwt_hproc_listings(struct mwt_hproc *p)
{
    struct mwt_hentry *table = NULL;
    const struct mwt_dump *d = p->d;
    for (size_t i = 0; i < d->ncaps; i++) {
        struct mwt_hkey key;
        bool fresh;
        p->listing[i] = -1;
        if (!d->caps[i].bytes)
            continue;
        memset(&key, 0, sizeof key);
        mwt_hkey_side(&key, 0, &d->caps[i]);
        size_t id = mwt_hid(&table, &key, p->nlistings, &fresh);
        if (fresh) {
            p->listing_of = mwt_xrealloc(p->listing_of, (p->nlistings + 1) * sizeof *p->listing_of);
            p->listing_of[p->nlistings++] = i;
        }
        p->listing[i] = (long)id;
    }
    mwt_htable_free(&table);
}

/* Previous versions, and diff ids by (old content and address, new ones). */
static void mwt_hproc_diffs(struct mwt_hproc *p)
{
    struct mwt_hentry *table = NULL;
    const struct mwt_dump *d = p->d;
    for (size_t i = 0; i < d->ncaps; i++)
        p->prev[i] = p->diff[i] = -1;
    for (size_t r = 0; r < p->nregions; r++)
        for (size_t k = 1; k < p->regions[r].ncaps; k++) {
            size_t to = (size_t)(p->regions[r].caps[k] - d->caps);
            size_t from = (size_t)(p->regions[r].caps[k - 1] - d->caps);
            struct mwt_hkey key;
            bool fresh = true;
            size_t id = p->ndiffs;
            p->prev[to] = (long)from;
            memset(&key, 0, sizeof key);
            mwt_hkey_side(&key, 0, &d->caps[from]);
            mwt_hkey_side(&key, 1, &d->caps[to]);
            if (d->caps[from].bytes && d->caps[to].bytes)
                id = mwt_hid(&table, &key, p->ndiffs, &fresh);
            if (fresh) {
                p->diff_of = mwt_xrealloc(p->diff_of, (p->ndiffs + 1) * sizeof *p->diff_of);
                p->diff_of[p->ndiffs++] = to;
            }
            p->diff[to] = (long)id;
        }
    mwt_htable_free(&table);
}

static void mwt_time_see(struct mwt_opt ts, struct mwt_opt *lo, uint64_t *hi)
{
    if (!ts.ok)
        return;
    if (!lo->ok || ts.v < lo->v)
        *lo = ts;
    if (ts.v > *hi)
        *hi = ts.v;
}

static void mwt_hproc_init(struct mwt_hproc *p, const struct mwt_dump *d, const struct mwt_yscan *ys)
{
    uint64_t hi = 0;
    memset(p, 0, sizeof *p);
    p->d = d;
    p->ys = ys;
    p->nregions = mwt_regions(d, &p->regions);
    p->prev = mwt_xcalloc(d->ncaps, sizeof *p->prev);
    p->listing = mwt_xcalloc(d->ncaps, sizeof *p->listing);
    p->diff = mwt_xcalloc(d->ncaps, sizeof *p->diff);
    mwt_hproc_listings(p);
    mwt_hproc_diffs(p);
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_time_see(d->caps[i].ts, &p->t0, &hi);
    for (size_t i = 0; i < d->naccs; i++)
        mwt_time_see(d->accs[i].ts, &p->t0, &hi);
    p->span = p->t0.ok ? hi - p->t0.v : 0;
}

static void mwt_hproc_free(struct mwt_hproc *p)
{
    mwt_regions_free(p->regions, p->nregions);
    free(p->prev);
    free(p->listing);
    free(p->diff);
    free(p->listing_of);
    free(p->diff_of);
}

/* ---- one process: the JSON the page draws ---- */

/* Nanoseconds after t0, or null. */
static json_t *mwt_hrel(const struct mwt_hproc *p, struct mwt_opt ts)
{
    return ts.ok && p->t0.ok ? mwt_json_uint(ts.v - p->t0.v) : json_null();
}

static json_t *mwt_hindex(long i)
{
    return i < 0 ? json_null() : mwt_json_uint((uint64_t)i);
}

static json_t *mwt_hcapture(const struct mwt_hproc *p, size_t i)
{
    const struct mwt_capture *c = &p->d->caps[i];
    json_t *o = mwt_json_capture_fields(c);
    mwt_json_put(o, "t", mwt_hrel(p, c->ts));
    mwt_json_put(o, "rip", mwt_json_str(c->regs[16]));
    mwt_json_put(o, "l", mwt_hindex(p->listing[i]));
    mwt_json_put(o, "d", mwt_hindex(p->diff[i]));
    mwt_json_put(o, "p", mwt_hindex(p->prev[i]));
    if (p->ys && p->ys->of[i] && (p->ys->of[i]->n || p->ys->of[i]->error)) {
        mwt_json_put(o, "y", mwt_ymatches_json(p->ys->of[i], c->addr));
        if (p->ys->of[i]->error)
            mwt_json_put(o, "yerr", mwt_json_str(p->ys->of[i]->error));
    }
    if (c->live)
        mwt_json_put(o, "yl", mwt_ymatches_json(c->live, c->addr));
    return o;
}

/*
 * Listing lines name their instruction by index in a per-process table of
 * distinct (bytes, text) pairs: a JIT emits the same few instructions again
 * and again, and the table makes the page several times smaller.
 */
struct mwt_insn {
    char *key;                /* "b80100\0mov eax, 0x1" (bytes without spaces) */
    size_t keylen, index;
    UT_hash_handle hh;
};

struct mwt_itable {
    struct mwt_insn *by_key;
    struct mwt_insn **in_order;
    size_t n, cap;
};

static size_t mwt_insn_index(struct mwt_itable *t, const struct mwt_listing *l, const struct mwt_dline *dl)
{
    static const char digits[] = "0123456789abcdef";
    char key[2 * 15 + 1 + sizeof dl->text];
    size_t n = dl->kind == MWT_D_ZEROS ? 0 : dl->len > 15 ? 15 : dl->len;
    for (size_t i = 0; i < n; i++) {
        key[2 * i] = digits[l->bytes[dl->off + i] >> 4];
        key[2 * i + 1] = digits[l->bytes[dl->off + i] & 15];
    }
    key[2 * n] = '\0';
    size_t tlen = strlen(dl->text);
    memcpy(key + 2 * n + 1, dl->text, tlen);
    size_t keylen = 2 * n + 1 + tlen;
    struct mwt_insn *e;
    HASH_FIND(hh, t->by_key, key, keylen, e);
    if (e)
        return e->index;
    e = mwt_xcalloc(1, sizeof *e);
    e->key = mwt_xstrndup(key, keylen);
    e->keylen = keylen;
    e->index = t->n;
    HASH_ADD_KEYPTR(hh, t->by_key, e->key, e->keylen, e);
    t->in_order = mwt_grow(t->in_order, &t->cap, t->n + 1, sizeof *t->in_order);
    t->in_order[t->n++] = e;
    return e->index;
}

/* The table as [["b80100", "mov eax, 0x1"], ...], emptied. */
static json_t *mwt_itable_json(struct mwt_itable *t)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < t->n; i++) {
        struct mwt_insn *e = t->in_order[i];
        json_t *pair = json_array();
        mwt_json_push(pair, mwt_json_str(e->key));
        mwt_json_push(pair, mwt_json_str(e->key + strlen(e->key) + 1));
        mwt_json_push(arr, pair);
        HASH_DEL(t->by_key, e);
        free(e->key);
        free(e);
    }
    free(t->in_order);
    memset(t, 0, sizeof *t);
    return arr;
}

/* A listing line: [offset in the capture, instruction index]. */
static json_t *mwt_hline(struct mwt_itable *t, const struct mwt_listing *l, const struct mwt_dline *dl)
{
    json_t *a = json_array();
    mwt_json_push(a, mwt_json_uint(dl->off));
    mwt_json_push(a, mwt_json_uint(mwt_insn_index(t, l, dl)));
    return a;
}

static json_t *mwt_hlisting(struct mwt_itable *t, const struct mwt_capture *c)
{
    struct mwt_listing l;
    json_t *o = json_object(), *lines = json_array();
    mwt_disasm(c->bytes, c->nbytes, c->addr.v, MWT_HTML_INSNS, &l);
    for (size_t i = 0; i < l.n; i++)
        mwt_json_push(lines, mwt_hline(t, &l, &l.lines[i]));
    mwt_json_put(o, "addr", mwt_json_opt_hex(c->addr));
    mwt_json_put(o, "lines", lines);
    mwt_json_put(o, "more", mwt_json_uint(l.rest));
    mwt_listing_free(&l);
    return o;
}

/*
 * A diff: {"identical"} or {"hunks":[[[op, offset, instruction], ...]], "cut":
 * lines left out}; a "-" line's offset is in the old capture, the others' in
 * the new one.
 */
static json_t *mwt_hdiff(struct mwt_itable *t, const struct mwt_capture *from, const struct mwt_capture *to)
{
    struct mwt_step s;
    size_t shown = 0, cut = 0;
    json_t *o = json_object(), *hunks = json_array();
    mwt_step_make(&s, from, to);
    mwt_json_put(o, "identical", json_boolean(s.identical));
    for (size_t h = 0; h < s.nhunks; h++) {
        json_t *hunk = json_array();
        for (size_t i = s.hunks[h].begin; i < s.hunks[h].end; i++) {
            const struct mwt_dop *op = &s.ops[i];
            if (shown == MWT_HTML_DIFF_LINES) {
                cut++;
                continue;
            }
            const struct mwt_listing *l = op->kind == MWT_DEL ? &s.old : &s.new;
            const struct mwt_dline *dl = &l->lines[op->kind == MWT_DEL ? op->a : op->b];
            char kind[2] = { (char)op->kind, '\0' };
            json_t *line = json_array();
            mwt_json_push(line, mwt_json_str(kind));
            mwt_json_push(line, mwt_json_uint(dl->off));
            mwt_json_push(line, mwt_json_uint(mwt_insn_index(t, l, dl)));
            mwt_json_push(hunk, line);
            shown++;
        }
        if (json_array_size(hunk))
            mwt_json_push(hunks, hunk);
        else
            json_decref(hunk);
    }
    mwt_json_put(o, "hunks", hunks);
    mwt_json_put(o, "cut", mwt_json_uint(cut));
    mwt_step_free(&s);
    return o;
}

static json_t *mwt_hregions(const struct mwt_hproc *p)
{
    json_t *arr = json_array();
    for (size_t r = 0; r < p->nregions; r++) {
        json_t *o = json_object(), *caps = json_array();
        mwt_json_put(o, "region", mwt_json_opt_hex(p->regions[r].region));
        for (size_t k = 0; k < p->regions[r].ncaps; k++)
            mwt_json_push(caps, mwt_json_uint((uint64_t)(p->regions[r].caps[k] - p->d->caps)));
        mwt_json_put(o, "caps", caps);
        mwt_json_push(arr, o);
    }
    return arr;
}

/* ---- accesses: counts per time bin ---- */

struct mwt_hbins {
    uint64_t r[MWT_HTML_BINS], w[MWT_HTML_BINS];
    uint64_t count, reads, writes;
};

static void mwt_hbins_add(struct mwt_hbins *b, const struct mwt_hproc *p, const struct mwt_access *a)
{
    b->count++;
    b->reads += (a->op & MWT_OP_R) != 0;
    b->writes += (a->op & MWT_OP_W) != 0;
    if (!a->ts.ok || !p->t0.ok)
        return;
    uint64_t rel = a->ts.v - p->t0.v;
    size_t bin = p->span ? (size_t)((double)rel / (double)p->span * MWT_HTML_BINS) : 0;
    if (bin >= MWT_HTML_BINS)
        bin = MWT_HTML_BINS - 1;
    b->r[bin] += (a->op & MWT_OP_R) != 0;
    b->w[bin] += (a->op & MWT_OP_W) != 0;
}

static void mwt_hbins_put(json_t *o, const struct mwt_hbins *b)
{
    json_t *r = json_array(), *w = json_array();
    for (size_t i = 0; i < MWT_HTML_BINS; i++) {
        mwt_json_push(r, mwt_json_uint(b->r[i]));
        mwt_json_push(w, mwt_json_uint(b->w[i]));
    }
    mwt_json_put(o, "count", mwt_json_uint(b->count));
    mwt_json_put(o, "reads", mwt_json_uint(b->reads));
    mwt_json_put(o, "writes", mwt_json_uint(b->writes));
    mwt_json_put(o, "r", r);
    mwt_json_put(o, "w", w);
}

/* Bins [var][row]: rows 0..MWT_HTML_WHO-1 one function each, row MWT_HTML_WHO the rest. */
static json_t *mwt_hvar(const struct mwt_var *v, const struct mwt_hbins *all, const struct mwt_hbins *rows)
{
    char first[40], last[40];
    json_t *o = json_object(), *who = json_array();
    mwt_json_put(o, "var", mwt_json_str(v->label));
    mwt_json_put(o, "lo", mwt_json_opt_hex(v->lo));
    mwt_json_put(o, "hi", mwt_json_opt_hex(v->hi));
    mwt_hbins_put(o, all);
    for (size_t k = 0; k < v->nwho && k < MWT_HTML_WHO; k++) {
        json_t *row = json_object();
        mwt_value_text(mwt_who_first(&v->who[k]), first, sizeof first);
        mwt_value_text(mwt_who_last(&v->who[k]), last, sizeof last);
        mwt_json_put(row, "who", mwt_json_str(v->who[k].label));
        mwt_json_put(row, "first", mwt_json_str(first));
        mwt_json_put(row, "last", mwt_json_str(last));
        mwt_hbins_put(row, &rows[k]);
        mwt_json_push(who, row);
    }
    mwt_json_put(o, "who", who);
    if (v->nwho > MWT_HTML_WHO) {
        json_t *other = json_object();
        mwt_json_put(other, "functions", mwt_json_uint(v->nwho - MWT_HTML_WHO));
        mwt_hbins_put(other, &rows[MWT_HTML_WHO]);
        mwt_json_put(o, "other", other);
    } else {
        mwt_json_put(o, "other", json_null());
    }
    return o;
}

static void mwt_hvars(FILE *f, const struct mwt_hproc *p)
{
    struct mwt_var *v;
    struct mwt_access_row *row_of = NULL;
    const struct mwt_dump *d = p->d;
    size_t n = mwt_access_summary(d, &v, &row_of);
    struct mwt_hbins *all = mwt_xcalloc(n, sizeof *all);
    struct mwt_hbins *rows = mwt_xcalloc(n * (MWT_HTML_WHO + 1), sizeof *rows);
    for (size_t i = 0; i < d->naccs; i++) {
        size_t row = row_of[i].who < MWT_HTML_WHO ? row_of[i].who : MWT_HTML_WHO;
        mwt_hbins_add(&all[row_of[i].var], p, &d->accs[i]);
        mwt_hbins_add(&rows[row_of[i].var * (MWT_HTML_WHO + 1) + row], p, &d->accs[i]);
    }
    fputs(",\"vars\":[", f);
    for (size_t i = 0; i < n; i++) {
        json_t *var = mwt_hvar(&v[i], &all[i], &rows[i * (MWT_HTML_WHO + 1)]);
        mwt_json_emit(f, i ? "," : "", var, MWT_JSON_FOR_HTML);
    }
    fputc(']', f);
    free(all);
    free(rows);
    free(row_of);
    mwt_access_summary_free(v, n);
}

static json_t *mwt_hhead(const struct mwt_hproc *p, const struct mwt_ropts *o)
{
    const struct mwt_dump *d = p->d;
    json_t *head = json_object(), *warnings = json_array();
    char t0[24];
    mwt_json_put(head, "name", mwt_json_str(d->name));
    mwt_json_put(head, "dir", mwt_json_str(d->dir));
    for (size_t i = 0; i < d->nwarnings; i++)
        mwt_json_push(warnings, mwt_json_str(d->warnings[i]));
    mwt_json_put(head, "warnings", warnings);
    /* Absolute times exceed what a script's numbers hold exactly: t0 as a
     * string, every other time as nanoseconds after it. */
    mwt_json_put(head, "t0", p->t0.ok ? mwt_json_str(mwt_opt_dec(p->t0, t0)) : json_null());
    mwt_json_put(head, "span", mwt_json_uint(p->span));
    mwt_json_put(head, "naccs", mwt_json_uint(d->naccs));
    mwt_json_put(head, "has_captures", json_boolean(d->has_captures));
    mwt_json_put(head, "has_accesses", json_boolean(d->has_accesses));
    mwt_json_put(head, "live", json_boolean(d->has_live));
    mwt_json_put(head, "yara", p->ys ? mwt_yscan_json(p->ys, o->yara) : json_null());
    mwt_json_put(head, "regions", mwt_hregions(p));
    return head;
}

void mwt_html_dump(struct mwt_html *h, const struct mwt_dump *d, const struct mwt_yscan *ys)
{
    struct mwt_hproc p;
    struct mwt_itable insns = { NULL, NULL, 0, 0 };
    FILE *f = h->f;
    mwt_hproc_init(&p, d, ys);
    mwt_json_emit(f, h->first ? "{" : ",{", mwt_hhead(&p, h->o), JSON_EMBED | MWT_JSON_FOR_HTML);
    h->first = false;
    fputs(",\"caps\":[", f);
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_json_emit(f, i ? "," : "", mwt_hcapture(&p, i), MWT_JSON_FOR_HTML);
    fputs("],\"listings\":[", f);
    for (size_t i = 0; i < p.nlistings; i++)
        mwt_json_emit(f, i ? "," : "", mwt_hlisting(&insns, &d->caps[p.listing_of[i]]), MWT_JSON_FOR_HTML);
    fputs("],\"diffs\":[", f);
    for (size_t i = 0; i < p.ndiffs; i++) {
        size_t to = p.diff_of[i];
        json_t *diff = mwt_hdiff(&insns, &d->caps[p.prev[to]], &d->caps[to]);
        mwt_json_emit(f, i ? "," : "", diff, MWT_JSON_FOR_HTML);
    }
    mwt_json_emit(f, "],\"insns\":", mwt_itable_json(&insns), MWT_JSON_FOR_HTML);
    mwt_hvars(f, &p);
    fputc('}', f);
    mwt_hproc_free(&p);
}
