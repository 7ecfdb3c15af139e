/*
 * core/log.c - warnings and diagnostics, async-signal-safe (see log.h).
 */
#include "core/log.h"

#include <stdint.h>

#include "core/sys.h"

static int mw_log_fd = -1;

void mw_log_set_fd(int fd) { mw_log_fd = fd; }

void mw_fmt_vprintf(struct mw_fmt *f, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            mw_fmt_char(f, *fmt);
            continue;
        }
        fmt++;
        int is_long = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            is_long = 1;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            mw_fmt_str(f, s ? s : "(null)");
            break;
        }
        case 'd':
            mw_fmt_i64(f, is_long ? va_arg(ap, long) : va_arg(ap, int));
            break;
        case 'u':
            mw_fmt_u64(f, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned));
            break;
        case 'x':
            mw_fmt_hex(f, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned));
            break;
        case 'p':
            mw_fmt_hex(f, (uintptr_t)va_arg(ap, void *));
            break;
        case 'c':
            mw_fmt_char(f, (char)va_arg(ap, int));
            break;
        case '%':
            mw_fmt_char(f, '%');
            break;
        case 0:
            return;
        default:
            mw_fmt_char(f, '?');
        }
    }
}

void mw_fmt_printf(struct mw_fmt *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_fmt_vprintf(f, fmt, ap);
    va_end(ap);
}

static void mw_log_line(int fd, const char *fmt, va_list ap)
{
    char buf[512];
    struct mw_fmt f;
    mw_fmt_init(&f, buf, sizeof buf);
    mw_fmt_str(&f, "memwatch: ");
    mw_fmt_vprintf(&f, fmt, ap);
    if (f.len + 1 >= f.cap)
        f.len = f.cap - 2; /* keep room for the newline: a line is always whole */
    mw_fmt_char(&f, '\n');
    mw_sys_write(fd, f.buf, f.len);
}

void mw_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_log_line(2, fmt, ap);
    va_end(ap);
}

void mw_debug(const char *fmt, ...)
{
    if (mw_log_fd < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    mw_log_line(mw_log_fd, fmt, ap);
    va_end(ap);
}
