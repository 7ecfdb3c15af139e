/*
 * tools/json.c - a recursive-descent JSON parser written for the dump files.
 * It is strict about the grammar (RFC 8259) so that a torn line is noticed,
 * keeps non-negative integers exact in 64 bits (nanosecond timestamps do not
 * fit a double), decodes \u escapes including surrogate pairs to UTF-8, and
 * limits nesting so a hostile file cannot exhaust the stack.
 */
#include "tools/json.h"
#include "tools/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MWT_JSON_MAX_DEPTH 64

struct mwt_jp {
    const char *p, *end;
    const char *err;
    int depth;
};

static bool mwt_jp_value(struct mwt_jp *jp, struct mwt_json *out);

static void mwt_jp_ws(struct mwt_jp *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static bool mwt_jp_fail(struct mwt_jp *jp, const char *why)
{
    if (!jp->err)
        jp->err = why;
    return false;
}

static bool mwt_jp_literal(struct mwt_jp *jp, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
        return mwt_jp_fail(jp, "unexpected character");
    jp->p += n;
    return true;
}

static bool mwt_jp_hex4(struct mwt_jp *jp, unsigned *cp)
{
    if (jp->end - jp->p < 4)
        return mwt_jp_fail(jp, "short \\u escape");
    *cp = 0;
    for (int i = 0; i < 4; i++) {
        int h = mwt_hexdigit(jp->p[i]);
        if (h < 0)
            return mwt_jp_fail(jp, "bad \\u escape");
        *cp = *cp * 16 + (unsigned)h;
    }
    jp->p += 4;
    return true;
}

static size_t mwt_utf8_put(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* After "\u": one code point, joining a surrogate pair; a lone half is U+FFFD. */
static bool mwt_jp_unicode(struct mwt_jp *jp, unsigned *cp)
{
    if (!mwt_jp_hex4(jp, cp))
        return false;
    if (*cp < 0xd800 || *cp > 0xdfff)
        return true;
    if (*cp >= 0xdc00 || jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u') {
        *cp = 0xfffd;
        return true;
    }
    const char *save = jp->p;
    unsigned lo;
    jp->p += 2;
    if (!mwt_jp_hex4(jp, &lo))
        return false;
    if (lo < 0xdc00 || lo > 0xdfff) {
        jp->p = save;     /* not a pair: the next escape stands alone */
        *cp = 0xfffd;
        return true;
    }
    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    return true;
}

static bool mwt_jp_escape(struct mwt_jp *jp, char *o, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (jp->p >= jp->end)
        return mwt_jp_fail(jp, "unterminated string");
    char c = *jp->p++;
    if (c == 'u') {
        unsigned cp;
        if (!mwt_jp_unicode(jp, &cp))
            return false;
        *n += mwt_utf8_put(cp, o + *n);
        return true;
    }
    const char *at = strchr(from, c);
    if (!at || c == '\0')
        return mwt_jp_fail(jp, "bad escape");
    o[(*n)++] = to[at - from];
    return true;
}

/* A decoded string is never longer than its source, so one allocation fits. */
static bool mwt_jp_string(struct mwt_jp *jp, char **str, size_t *len)
{
    jp->p++; /* opening quote */
    const char *start = jp->p;
    char *o = mwt_xmalloc((size_t)(jp->end - start) + 1);
    size_t n = 0;
    for (;;) {
        if (jp->p >= jp->end) {
            free(o);
            return mwt_jp_fail(jp, "unterminated string");
        }
        unsigned char c = (unsigned char)*jp->p++;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(o);
            return mwt_jp_fail(jp, "control character in string");
        }
        if (c != '\\')
            o[n++] = (char)c;
        else if (!mwt_jp_escape(jp, o, &n)) {
            free(o);
            return false;
        }
    }
    o[n] = '\0';
    *str = o;
    *len = n;
    return true;
}

static const char *mwt_jp_digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

static bool mwt_jp_number(struct mwt_jp *jp, struct mwt_json *out)
{
    const char *s = jp->p, *p = s, *end = jp->end;
    bool integral = true, neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return mwt_jp_fail(jp, "bad number");
    p = (*p == '0') ? p + 1 : mwt_jp_digits(p, end);
    if (p < end && *p == '.') {
        const char *q = mwt_jp_digits(p + 1, end);
        if (q == p + 1)
            return mwt_jp_fail(jp, "bad number");
        p = q;
        integral = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *q = mwt_jp_digits(p, end);
        if (q == p)
            return mwt_jp_fail(jp, "bad number");
        p = q;
        integral = false;
    }
    char *copy = mwt_xstrndup(s, (size_t)(p - s));
    out->type = MWT_J_NUM;
    out->num = strtod(copy, NULL);
    if (integral && !neg) {
        errno = 0;
        out->u = strtoull(copy, NULL, 10);
        out->is_uint = errno == 0;
    }
    free(copy);
    jp->p = p;
    return true;
}

static void mwt_jp_push(struct mwt_json *arr, size_t *cap, struct mwt_json *item)
{
    arr->items = mwt_grow(arr->items, cap, arr->n + 1, sizeof *arr->items);
    arr->items[arr->n++] = *item;
}

static bool mwt_jp_array(struct mwt_jp *jp, struct mwt_json *out)
{
    size_t cap = 0;
    out->type = MWT_J_ARR;
    jp->p++;
    mwt_jp_ws(jp);
    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        return true;
    }
    for (;;) {
        struct mwt_json item;
        if (!mwt_jp_value(jp, &item))
            return false;
        mwt_jp_push(out, &cap, &item);
        mwt_jp_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            continue;
        }
        if (jp->p < jp->end && *jp->p == ']') {
            jp->p++;
            return true;
        }
        return mwt_jp_fail(jp, "expected ',' or ']'");
    }
}

static bool mwt_jp_member(struct mwt_jp *jp, struct mwt_json *obj, size_t *cap, size_t *kcap)
{
    char *key;
    size_t klen;
    mwt_jp_ws(jp);
    if (jp->p >= jp->end || *jp->p != '"')
        return mwt_jp_fail(jp, "expected a key");
    if (!mwt_jp_string(jp, &key, &klen))
        return false;
    mwt_jp_ws(jp);
    if (jp->p >= jp->end || *jp->p != ':') {
        free(key);
        return mwt_jp_fail(jp, "expected ':'");
    }
    jp->p++;
    struct mwt_json val;
    if (!mwt_jp_value(jp, &val)) {
        free(key);
        return false;
    }
    obj->keys = mwt_grow(obj->keys, kcap, obj->n + 1, sizeof *obj->keys);
    obj->keys[obj->n] = key;
    mwt_jp_push(obj, cap, &val);
    return true;
}

static bool mwt_jp_object(struct mwt_jp *jp, struct mwt_json *out)
{
    size_t cap = 0, kcap = 0;
    out->type = MWT_J_OBJ;
    jp->p++;
    mwt_jp_ws(jp);
    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        return true;
    }
    for (;;) {
        if (!mwt_jp_member(jp, out, &cap, &kcap))
            return false;
        mwt_jp_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            continue;
        }
        if (jp->p < jp->end && *jp->p == '}') {
            jp->p++;
            return true;
        }
        return mwt_jp_fail(jp, "expected ',' or '}'");
    }
}

static void mwt_json_clear(struct mwt_json *v);

/* Parses one value into *out; on failure *out holds nothing to free. */
static bool mwt_jp_value(struct mwt_jp *jp, struct mwt_json *out)
{
    bool ok;
    memset(out, 0, sizeof *out);
    mwt_jp_ws(jp);
    if (jp->p >= jp->end)
        return mwt_jp_fail(jp, "unexpected end of line");
    if (++jp->depth > MWT_JSON_MAX_DEPTH)
        return mwt_jp_fail(jp, "nested too deeply");
    switch (*jp->p) {
    case '{': ok = mwt_jp_object(jp, out); break;
    case '[': ok = mwt_jp_array(jp, out); break;
    case '"': out->type = MWT_J_STR; ok = mwt_jp_string(jp, &out->str, &out->len); break;
    case 't': out->type = MWT_J_BOOL; out->b = true; ok = mwt_jp_literal(jp, "true"); break;
    case 'f': out->type = MWT_J_BOOL; ok = mwt_jp_literal(jp, "false"); break;
    case 'n': ok = mwt_jp_literal(jp, "null"); break;
    default: ok = mwt_jp_number(jp, out); break;
    }
    jp->depth--;
    if (!ok) {
        mwt_json_clear(out);
        memset(out, 0, sizeof *out);
    }
    return ok;
}

struct mwt_json *mwt_json_parse(const char *text, size_t len, const char **err)
{
    struct mwt_jp jp = { text, text + len, NULL, 0 };
    struct mwt_json *v = mwt_xmalloc(sizeof *v);
    if (mwt_jp_value(&jp, v)) {
        mwt_jp_ws(&jp);
        if (jp.p == jp.end)
            return v;
        mwt_json_clear(v);
        mwt_jp_fail(&jp, "trailing characters");
    }
    free(v);
    if (err)
        *err = jp.err ? jp.err : "invalid JSON";
    return NULL;
}

static void mwt_json_clear(struct mwt_json *v)
{
    for (size_t i = 0; i < v->n; i++) {
        mwt_json_clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

void mwt_json_free(struct mwt_json *v)
{
    if (!v)
        return;
    mwt_json_clear(v);
    free(v);
}

const struct mwt_json *mwt_json_get(const struct mwt_json *obj, const char *key)
{
    if (!obj || obj->type != MWT_J_OBJ)
        return NULL;
    for (size_t i = obj->n; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}
