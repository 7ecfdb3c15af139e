/*
 * core/log.h - the library's two voices.
 *
 * mw_warn: one line on stderr, always - for the user's bad input and for
 *   conditions the user must hear about (a dump directory that cannot be made,
 *   an instruction that falls back to single-stepping).
 * mw_debug: diagnostics, written only where MEMWATCH_LOG says (stderr or a
 *   file); quiet by default.
 * Both are async-signal-safe: a small printf of our own (%s %d %u %x %p %c,
 * with l/z length modifiers) into a stack buffer, then one write(2).
 */
#ifndef MW_CORE_LOG_H
#define MW_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "core/fmt.h"

void mw_fmt_vprintf(struct mw_fmt *f, const char *fmt, va_list ap);
void mw_fmt_printf(struct mw_fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where mw_debug writes: -1 (quiet), 2, or an open file. Set once by config. */
void mw_log_set_fd(int fd);

#endif
