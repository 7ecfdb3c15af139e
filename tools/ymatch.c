/*
 * tools/ymatch.c - building, copying, freeing and converting the YARA
 * matches of one capture (see ymatch.h).
 */
#include "tools/ymatch.h"
#include "tools/json_fields.h"

#include <stdlib.h>
#include <string.h>

struct mwt_yrule *mwt_ymatches_add_rule(struct mwt_ymatches *m, const char *rule, const char *ns)
{
    m->rules = mwt_grow(m->rules, &m->cap, m->n + 1, sizeof *m->rules);
    struct mwt_yrule *r = &m->rules[m->n++];
    memset(r, 0, sizeof *r);
    r->rule = mwt_xstrdup(rule ? rule : "-");
    r->ns = mwt_xstrdup(ns ? ns : "default");
    return r;
}

void mwt_yrule_add_tag(struct mwt_yrule *r, const char *tag)
{
    r->tags = mwt_xrealloc(r->tags, (r->ntags + 1) * sizeof *r->tags);
    r->tags[r->ntags++] = mwt_xstrdup(tag);
}

void mwt_yrule_add_string(struct mwt_yrule *r, const char *id, uint64_t offset, uint64_t len)
{
    r->strings = mwt_grow(r->strings, &r->strings_cap, r->nstrings + 1, sizeof *r->strings);
    r->strings[r->nstrings++] = (struct mwt_ystring){ mwt_xstrdup(id ? id : "$"), offset, len };
}

json_t *mwt_ymatches_json(const struct mwt_ymatches *m, struct mwt_opt base)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const struct mwt_yrule *r = &m->rules[i];
        json_t *o = json_object(), *tags = json_array(), *strings = json_array();
        for (size_t t = 0; t < r->ntags; t++)
            mwt_json_push(tags, mwt_json_str(r->tags[t]));
        for (size_t s = 0; s < r->nstrings; s++) {
            const struct mwt_ystring *ys = &r->strings[s];
            json_t *so = json_object();
            mwt_json_put(so, "id", mwt_json_str(ys->id));
            mwt_json_put(so, "offset", mwt_json_uint(ys->offset));
            mwt_json_put(so, "len", mwt_json_uint(ys->len));
            mwt_json_put(so, "addr", mwt_json_opt_hex((struct mwt_opt){ base.ok, base.v + ys->offset }));
            mwt_json_push(strings, so);
        }
        mwt_json_put(o, "rule", mwt_json_str(r->rule));
        mwt_json_put(o, "namespace", mwt_json_str(r->ns));
        mwt_json_put(o, "tags", tags);
        mwt_json_put(o, "strings", strings);
        mwt_json_put(o, "strings_not_listed", mwt_json_uint(r->not_listed));
        mwt_json_push(arr, o);
    }
    return arr;
}

bool mwt_ymatches_from_json(const json_t *arr, struct mwt_ymatches *m)
{
    size_t i, k;
    const json_t *o, *v;
    memset(m, 0, sizeof *m);
    if (!json_is_array(arr))
        return false;
    json_array_foreach(arr, i, o) {
        char *rule = mwt_json_get_str(o, "rule"), *ns = mwt_json_get_str(o, "namespace");
        struct mwt_yrule *r = mwt_ymatches_add_rule(m, rule, ns);
        free(rule);
        free(ns);
        json_array_foreach(json_object_get(o, "tags"), k, v)
            if (json_is_string(v))
                mwt_yrule_add_tag(r, json_string_value(v));
        json_array_foreach(json_object_get(o, "strings"), k, v) {
            struct mwt_opt off = mwt_json_get_opt(v, "offset"), len = mwt_json_get_opt(v, "len");
            char *id = mwt_json_get_str(v, "id");
            if (off.ok)
                mwt_yrule_add_string(r, id, off.v, len.ok ? len.v : 0);
            free(id);
        }
        struct mwt_opt more = mwt_json_get_opt(o, "strings_not_listed");
        r->not_listed = more.ok ? more.v : 0;
    }
    return true;
}

void mwt_ymatches_copy(struct mwt_ymatches *dst, const struct mwt_ymatches *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->n; i++) {
        const struct mwt_yrule *s = &src->rules[i];
        struct mwt_yrule *r = mwt_ymatches_add_rule(dst, s->rule, s->ns);
        for (size_t t = 0; t < s->ntags; t++)
            mwt_yrule_add_tag(r, s->tags[t]);
        for (size_t k = 0; k < s->nstrings; k++)
            mwt_yrule_add_string(r, s->strings[k].id, s->strings[k].offset, s->strings[k].len);
        r->not_listed = s->not_listed;
    }
    dst->error = src->error ? mwt_xstrdup(src->error) : NULL;
}

void mwt_ymatches_free(struct mwt_ymatches *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct mwt_yrule *r = &m->rules[i];
        for (size_t t = 0; t < r->ntags; t++)
            free(r->tags[t]);
        for (size_t k = 0; k < r->nstrings; k++)
            free(r->strings[k].id);
        free(r->tags);
        free(r->strings);
        free(r->rule);
        free(r->ns);
    }
    free(m->rules);
    free(m->error);
    memset(m, 0, sizeof *m);
}
