/*
 * tools/util.c - the small helpers declared in util.h: allocation wrappers
 * that end the tool on out-of-memory (a report or a launcher has nothing
 * sensible to do without memory), growable arrays, paths, file reading, hex
 * formatting and the two message printers.
 */
#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mwt_prog = "memwatch";

static void mwt_oom(void)
{
    fprintf(stderr, "%s: out of memory\n", mwt_prog);
    exit(125);
}

void *mwt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mwt_oom();
    return p;
}

void *mwt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mwt_oom();
    return p;
}

void *mwt_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        mwt_oom();
    return p;
}

char *mwt_xstrdup(const char *s)
{
    return mwt_xstrndup(s, strlen(s));
}

char *mwt_xstrndup(const char *s, size_t n)
{
    char *p = mwt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *mwt_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        mwt_oom();
    return s;
}

void *mwt_grow(void *array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return array;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *cap = n;
    return mwt_xrealloc(array, n * size);
}

char *mwt_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    if (la > 0 && a[la - 1] == '/')
        return mwt_xasprintf("%s%s", a, b);
    return mwt_xasprintf("%s/%s", a, b);
}

int mwt_read_file(const char *path, size_t max, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 4096, n = 0;
    unsigned char *buf = mwt_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                errno = EFBIG;
                goto err;
            }
            cap *= 2;
            buf = mwt_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto err;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
err:;
    int e = errno;
    free(buf);
    close(fd);
    errno = e;
    return -1;
}

void mwt_hexbytes(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ' ';
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15];
    }
    *o = '\0';
}

const char *mwt_opt_hex(struct mwt_opt o, char *buf)
{
    if (!o.ok)
        return "-";
    snprintf(buf, 24, "0x%" PRIx64, o.v);
    return buf;
}

const char *mwt_opt_dec(struct mwt_opt o, char *buf)
{
    if (!o.ok)
        return "-";
    snprintf(buf, 24, "%" PRIu64, o.v);
    return buf;
}

static void mwt_vmessage(const char *kind, const char *fmt, va_list ap)
{
    fflush(stdout); /* keep messages in order with the report around them */
    fprintf(stderr, "%s: %s", mwt_prog, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void mwt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mwt_vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void mwt_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mwt_vmessage("", fmt, ap);
    va_end(ap);
}

int mwt_hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
