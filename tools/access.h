/*
 * tools/access.h - the watched-access summary: accesses grouped per watched
 * variable (its `var`, else its address range), and within a variable one
 * row per accessing site (`sym`, else ip) with counts and first/last values.
 */
#ifndef MWT_ACCESS_H
#define MWT_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "tools/dump.h"

struct mwt_who {
    char *label;                     /* sym, else "0x<ip>", else "-" */
    size_t seen;                     /* order of first appearance in its variable */
    const struct mwt_access *sample; /* its first access (for sym and ip) */
    size_t count, reads, writes;
    const struct mwt_access *first, *last;             /* first and last access */
    const struct mwt_access *first_write, *last_write; /* NULL without writes */
};

struct mwt_var {
    char *label;                     /* var, else "0x<addr>..0x<end>" */
    struct mwt_opt lo, hi;           /* lowest address and end seen */
    size_t count, reads, writes;
    struct mwt_who *who;             /* most accesses first */
    size_t nwho, cap;
    struct mwt_label_index *who_index; /* label -> row, while grouping */
};

/* Where one access was counted: its variable and its row in that variable. */
struct mwt_access_row {
    uint32_t var, who;
};

/*
 * Groups d's accesses, in the order variables first appear.  When row_of is
 * not NULL it is given an array (free it) with each access's variable and row.
 */
size_t mwt_access_summary(const struct mwt_dump *d, struct mwt_var **out,
                          struct mwt_access_row **row_of);
void mwt_access_summary_free(struct mwt_var *v, size_t n);

/* The first and last value of a row: `after` of the first/last write, else `before`. */
const char *mwt_who_first(const struct mwt_who *w);
const char *mwt_who_last(const struct mwt_who *w);

/* A value for people: "0x2a" (little-endian) for up to 8 bytes, else the hex. */
void mwt_value_text(const char *hex, char *out, size_t size);

#endif /* MWT_ACCESS_H */
