/*
 * tools/jsonw.c - the streaming JSON writer: separators, string escaping
 * (control characters escaped, invalid UTF-8 replaced by U+FFFD so the
 * output always parses) and the scalar helpers the report renderer uses.
 */
#include "tools/jsonw.h"

#include <inttypes.h>

void mwt_jw_init(struct mwt_jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->first[0] = true;
    w->after_key = false;
}

/* Writes the comma a new value needs, unless it follows its key. */
static void mwt_jw_sep(struct mwt_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        fputc(',', w->f);
    w->first[w->depth] = false;
}

static void mwt_jw_open(struct mwt_jw *w, char c)
{
    mwt_jw_sep(w);
    fputc(c, w->f);
    if (w->depth + 1 < MWT_JW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void mwt_jw_close(struct mwt_jw *w, char c)
{
    fputc(c, w->f);
    if (w->depth > 0)
        w->depth--;
    if (w->depth == 0)
        fputc('\n', w->f);
}

void mwt_jw_obj(struct mwt_jw *w) { mwt_jw_open(w, '{'); }
void mwt_jw_arr(struct mwt_jw *w) { mwt_jw_open(w, '['); }
void mwt_jw_end_obj(struct mwt_jw *w) { mwt_jw_close(w, '}'); }
void mwt_jw_end_arr(struct mwt_jw *w) { mwt_jw_close(w, ']'); }

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 when it is not one. */
static int mwt_utf8_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xbf;
    int n;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0;
    else if (s[0] == 0xed)
        hi = 0x9f;
    else if (s[0] == 0xf0)
        lo = 0x90;
    else if (s[0] == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

static void mwt_jw_escaped(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s++, f);
        } else if (*s == '\n') {
            fputs("\\n", f), s++;
        } else if (*s == '\t') {
            fputs("\\t", f), s++;
        } else if (*s < 0x20) {
            fprintf(f, "\\u%04x", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, f);
        } else {
            int n = mwt_utf8_len(s);
            if (n == 0) {
                fputs("\\ufffd", f);
                s++;
            } else {
                fwrite(s, 1, (size_t)n, f);
                s += n;
            }
        }
    }
    fputc('"', f);
}

void mwt_jw_key(struct mwt_jw *w, const char *key)
{
    mwt_jw_sep(w);
    mwt_jw_escaped(w->f, key);
    fputc(':', w->f);
    w->after_key = true;
}

void mwt_jw_str(struct mwt_jw *w, const char *s)
{
    if (!s) {
        mwt_jw_null(w);
        return;
    }
    mwt_jw_sep(w);
    mwt_jw_escaped(w->f, s);
}

void mwt_jw_uint(struct mwt_jw *w, uint64_t v)
{
    mwt_jw_sep(w);
    fprintf(w->f, "%" PRIu64, v);
}

void mwt_jw_bool(struct mwt_jw *w, bool v)
{
    mwt_jw_sep(w);
    fputs(v ? "true" : "false", w->f);
}

void mwt_jw_null(struct mwt_jw *w)
{
    mwt_jw_sep(w);
    fputs("null", w->f);
}

void mwt_jw_opt(struct mwt_jw *w, struct mwt_opt o)
{
    if (o.ok)
        mwt_jw_uint(w, o.v);
    else
        mwt_jw_null(w);
}

void mwt_jw_opt_hex(struct mwt_jw *w, struct mwt_opt o)
{
    char buf[24];
    if (o.ok)
        mwt_jw_str(w, mwt_opt_hex(o, buf));
    else
        mwt_jw_null(w);
}
