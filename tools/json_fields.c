/*
 * tools/json_fields.c - the bridge between jansson and the report's types.
 * jansson keeps integers as signed 64-bit values; the library never writes a
 * number above that (addresses and hashes are strings), and a line that does
 * carry one elsewhere is read again with such numbers as reals, so that a
 * stray key cannot cost the whole line: a field whose number is not exact then
 * (above 2^53) reads as absent rather than guessed.  jansson also refuses
 * bytes that are not UTF-8, which the library writes as they come (a symbol
 * name, say): such a line is read again with those bytes as '?'.
 */
#include "tools/json_fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mwt_opt mwt_opt_parse(const char *s)
{
    struct mwt_opt o = { false, 0 };
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return o;
    errno = 0;
    o.v = strtoull(s, &end, 0);
    o.ok = errno == 0 && *end == '\0';
    return o;
}

/* The length of the UTF-8 sequence at p (at most n bytes), or 0 when it is not one. */
static size_t mwt_utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && p[0] < 0xc2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* A copy of text with every byte that is not part of UTF-8 replaced by '?'. */
static char *mwt_utf8_fixed(const char *text, size_t len)
{
    char *copy = mwt_xstrndup(text, len);
    for (size_t i = 0; i < len;) {
        size_t n = mwt_utf8_len((const unsigned char *)copy + i, len - i);
        if (n == 0)
            copy[i++] = '?';
        else
            i += n;
    }
    return copy;
}

json_t *mwt_json_line(const char *text, size_t len, json_error_t *err, const char **why)
{
    size_t flags = JSON_ALLOW_NUL;
    char *fixed = NULL;
    const char *cur = text;
    json_t *v;
    /* At most one retry for each of the two recoverable errors. */
    for (int attempt = 0;; attempt++) {
        v = json_loadb(cur, len, flags, err);
        if (v || attempt == 2)
            break;
        if (json_error_code(err) == json_error_invalid_utf8 && !fixed)
            cur = fixed = mwt_utf8_fixed(text, len);
        else if (json_error_code(err) == json_error_numeric_overflow && !(flags & JSON_DECODE_INT_AS_REAL))
            flags |= JSON_DECODE_INT_AS_REAL;
        else
            break;
    }
    free(fixed);
    if (!v) {
        *why = err->text;
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        *why = "not a JSON object";
        return NULL;
    }
    return v;
}

struct mwt_opt mwt_json_get_opt(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    struct mwt_opt o = { false, 0 };
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        o.ok = true;
        o.v = (uint64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= 0 && d <= 9007199254740992.0 && d == (double)(uint64_t)d)
            o = (struct mwt_opt){ true, (uint64_t)d };
    } else if (json_is_string(v)) {
        o = mwt_opt_parse(json_string_value(v));
    }
    return o;
}

char *mwt_json_get_str(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    return mwt_xstrndup(json_string_value(v), json_string_length(v));
}

static json_t *mwt_json_checked(json_t *v)
{
    if (!v) {
        /* jansson fails only on out-of-memory (or invalid UTF-8, handled by
         * the callers); the tool has nothing sensible to do without memory. */
        fprintf(stderr, "%s: out of memory\n", mwt_prog);
        exit(125);
    }
    return v;
}

json_t *mwt_json_uint(uint64_t v)
{
    /* Above what jansson's signed integers hold: the decimal as a string. */
    if (v > (uint64_t)INT64_MAX) {
        char buf[24];
        return mwt_json_str(mwt_opt_dec((struct mwt_opt){ true, v }, buf));
    }
    return mwt_json_checked(json_integer((json_int_t)v));
}

json_t *mwt_json_opt(struct mwt_opt o)
{
    return o.ok ? mwt_json_uint(o.v) : json_null();
}

json_t *mwt_json_opt_hex(struct mwt_opt o)
{
    char buf[24];
    return o.ok ? mwt_json_str(mwt_opt_hex(o, buf)) : json_null();
}

json_t *mwt_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *v = json_string(s);
    /* A dump string that is not UTF-8 (a file name, say) is kept readable:
     * every byte above 0x7f becomes '?'. */
    if (!v) {
        char *copy = mwt_xstrdup(s);
        for (char *p = copy; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        v = json_string(copy);
        free(copy);
    }
    return mwt_json_checked(v);
}

void mwt_json_put(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, mwt_json_checked(value)) != 0)
        mwt_json_checked(NULL);
}

void mwt_json_push(json_t *arr, json_t *value)
{
    if (json_array_append_new(arr, mwt_json_checked(value)) != 0)
        mwt_json_checked(NULL);
}

static int mwt_json_to_file(const char *buf, size_t n, void *data)
{
    return fwrite(buf, 1, n, data) == n ? 0 : -1;
}


static int mwt_json_to_html(const char *buf, size_t n, void *data)
{
    FILE *f = data;
    for (const char *lt; n > 0 && (lt = memchr(buf, '<', n)); ) {
        size_t k = (size_t)(lt - buf);
        if (fwrite(buf, 1, k, f) != k || fputs("\\u003c", f) == EOF)
            return -1;
        buf += k + 1;
        n -= k + 1;
    }
    return fwrite(buf, 1, n, f) == n ? 0 : -1;
}

int mwt_json_write(FILE *f, const json_t *v, size_t flags)
{
    json_dump_callback_t out = flags & MWT_JSON_FOR_HTML ? mwt_json_to_html : mwt_json_to_file;
    return json_dump_callback(v, out, f, JSON_COMPACT | (flags & ~MWT_JSON_FOR_HTML));
}

void mwt_json_emit(FILE *f, const char *before, json_t *v, size_t flags)
{
    fputs(before, f);
    mwt_json_write(f, v, flags);
    json_decref(v);
}
