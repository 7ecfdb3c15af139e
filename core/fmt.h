/*
 * core/fmt.h - async-signal-safe text building.
 *
 * A fixed buffer and a cursor; appending never allocates and never overflows
 * (text past the end is dropped and the builder remembers it was truncated).
 * Used for JSON lines written from the fault handler and for diagnostics.
 */
#ifndef MW_CORE_FMT_H
#define MW_CORE_FMT_H

#include <stddef.h>
#include <stdint.h>

struct mw_fmt {
    char *buf;
    size_t cap;
    size_t len;
    int truncated;
};

void mw_fmt_init(struct mw_fmt *f, char *buf, size_t cap);
void mw_fmt_str(struct mw_fmt *f, const char *s);
void mw_fmt_char(struct mw_fmt *f, char c);
void mw_fmt_u64(struct mw_fmt *f, uint64_t v);
void mw_fmt_i64(struct mw_fmt *f, int64_t v);
/* "0x" followed by lower-case hex digits, no leading zeros (0 is "0x0"). */
void mw_fmt_hex(struct mw_fmt *f, uint64_t v);
/* "0x" followed by exactly 16 hex digits. */
void mw_fmt_hex16(struct mw_fmt *f, uint64_t v);
/* Bytes as two hex digits each, no separator. */
void mw_fmt_bytes_hex(struct mw_fmt *f, const unsigned char *p, size_t n);
/* A JSON string literal, quotes included, with the needed escapes. */
void mw_fmt_json_str(struct mw_fmt *f, const char *s);
/* NUL-terminates (within cap) and returns the text. */
const char *mw_fmt_cstr(struct mw_fmt *f);

/* Small string helpers that libc would give us, kept here signal-safe. */
size_t mw_strlen(const char *s);
int mw_strcmp(const char *a, const char *b);
int mw_strncmp(const char *a, const char *b, size_t n);
const char *mw_strerror(int err);

#endif
