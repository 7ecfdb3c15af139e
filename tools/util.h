/*
 * tools/util.h - small helpers every part of the memwatch tool uses:
 * allocation that cannot fail (the tool exits on out-of-memory), growable
 * arrays, formatted strings, whole-file reading and hex formatting.
 */
#ifndef MWT_UTIL_H
#define MWT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The name messages start with ("memwatch" or "memwatch report"). */
extern const char *mwt_prog;

#define MWT_VERSION "0.1.0"

/* An optional unsigned number: ok is false when the value was absent or bad. */
struct mwt_opt {
    bool ok;
    uint64_t v;
};

void *mwt_xmalloc(size_t n);
void *mwt_xcalloc(size_t n, size_t size);
void *mwt_xrealloc(void *p, size_t n);
char *mwt_xstrdup(const char *s);
char *mwt_xstrndup(const char *s, size_t n);
char *mwt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* array, with room for `need` elements of `size` bytes (capacity *cap). */
void *mwt_grow(void *array, size_t *cap, size_t need, size_t size) __attribute__((warn_unused_result));

/* "a/b", without doubling a slash already at the end of a. */
char *mwt_path_join(const char *a, const char *b);

/* Reads a whole file of at most `max` bytes.  0, or -1 with errno. */
int mwt_read_file(const char *path, size_t max, unsigned char **data, size_t *len);

/* Writes n bytes as "b8 01 00" into out (room for 3 * n + 1 bytes). */
void mwt_hexbytes(const unsigned char *p, size_t n, char *out);

/* "0x..." of an optional value, or "-" when absent; buf holds 24 bytes. */
const char *mwt_opt_hex(struct mwt_opt o, char *buf);
/* Decimal of an optional value, or "-" when absent; buf holds 24 bytes. */
const char *mwt_opt_dec(struct mwt_opt o, char *buf);

/* One warning line on stderr: "<prog>: warning: ..." */
void mwt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One error line on stderr: "<prog>: ..." */
void mwt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of one hex digit, or -1. */
int mwt_hexdigit(char c);

#endif /* MWT_UTIL_H */
