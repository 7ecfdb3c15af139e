/*
 * core/fmt.c - async-signal-safe text building (see fmt.h).
 */
#include "core/fmt.h"

#include <errno.h>

void mw_fmt_init(struct mw_fmt *f, char *buf, size_t cap)
{
    f->buf = buf;
    f->cap = cap;
    f->len = 0;
    f->truncated = 0;
    if (cap)
        buf[0] = 0;
}

void mw_fmt_char(struct mw_fmt *f, char c)
{
    /* One byte is always kept back for the terminating NUL. */
    if (f->len + 1 < f->cap)
        f->buf[f->len++] = c;
    else
        f->truncated = 1;
}

/* n bytes at once, as many as fit (the capture path formats a line of
 * about 800 bytes per capture: byte-by-byte appends showed in its profile). */
static void mw_fmt_put(struct mw_fmt *f, const char *s, size_t n)
{
    size_t room = f->cap > f->len + 1 ? f->cap - f->len - 1 : 0;
    if (n > room) {
        n = room;
        f->truncated = 1;
    }
    for (size_t i = 0; i < n; i++)
        f->buf[f->len + i] = s[i];
    f->len += n;
}

void mw_fmt_str(struct mw_fmt *f, const char *s) { mw_fmt_put(f, s, mw_strlen(s)); }

void mw_fmt_u64(struct mw_fmt *f, uint64_t v)
{
    char tmp[24];
    int n = sizeof tmp;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    mw_fmt_put(f, tmp + n, sizeof tmp - (size_t)n);
}

void mw_fmt_i64(struct mw_fmt *f, int64_t v)
{
    if (v < 0) {
        mw_fmt_char(f, '-');
        mw_fmt_u64(f, (uint64_t)0 - (uint64_t)v);
    } else {
        mw_fmt_u64(f, (uint64_t)v);
    }
}

static const char mw_hex_digits[] = "0123456789abcdef";

void mw_fmt_hex(struct mw_fmt *f, uint64_t v)
{
    char tmp[18];
    int n = sizeof tmp;
    do {
        tmp[--n] = mw_hex_digits[v & 15];
        v >>= 4;
    } while (v);
    tmp[--n] = 'x';
    tmp[--n] = '0';
    mw_fmt_put(f, tmp + n, sizeof tmp - (size_t)n);
}

void mw_fmt_hex16(struct mw_fmt *f, uint64_t v)
{
    char tmp[18] = {'0', 'x'};
    for (int i = 0; i < 16; i++)
        tmp[2 + i] = mw_hex_digits[(v >> (60 - 4 * i)) & 15];
    mw_fmt_put(f, tmp, sizeof tmp);
}

void mw_fmt_bytes_hex(struct mw_fmt *f, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mw_fmt_char(f, mw_hex_digits[p[i] >> 4]);
        mw_fmt_char(f, mw_hex_digits[p[i] & 15]);
    }
}

void mw_fmt_json_str(struct mw_fmt *f, const char *s)
{
    mw_fmt_char(f, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            mw_fmt_char(f, '\\');
            mw_fmt_char(f, (char)c);
        } else if (c < 0x20) {
            mw_fmt_str(f, "\\u00");
            mw_fmt_char(f, mw_hex_digits[c >> 4]);
            mw_fmt_char(f, mw_hex_digits[c & 15]);
        } else {
            mw_fmt_char(f, (char)c);
        }
    }
    mw_fmt_char(f, '"');
}

const char *mw_fmt_cstr(struct mw_fmt *f)
{
    if (f->cap)
        f->buf[f->len < f->cap ? f->len : f->cap - 1] = 0;
    return f->buf;
}

size_t mw_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int mw_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int mw_strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

/* strerror is not async-signal-safe (it may localise); these are the errors we report. */
const char *mw_strerror(int err)
{
    switch (err) {
    case EACCES: return "Permission denied";
    case EEXIST: return "File exists";
    case ENOENT: return "No such file or directory";
    case ENOTDIR: return "Not a directory";
    case ELOOP: return "Too many levels of symbolic links (a symbolic link is in the way)";
    case ENOSPC: return "No space left on device";
    case EROFS: return "Read-only file system";
    case ENOMEM: return "Cannot allocate memory";
    case EINVAL: return "Invalid argument";
    case EPERM: return "Operation not permitted";
    case EMFILE: return "Too many open files";
    case ENAMETOOLONG: return "File name too long";
    case EDQUOT: return "Disk quota exceeded";
    case EFAULT: return "Bad address";
    case ENOSYS: return "Function not implemented";
    default: return "error";
    }
}
