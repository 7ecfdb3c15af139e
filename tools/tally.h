/*
 * tools/tally.h - what a run added to the dump directory, counted as the
 * follower (follow.h) hands the lines on: captures, the bytes of distinct
 * captured code, logged accesses, and the processes that wrote something.
 */
#ifndef MWT_TALLY_H
#define MWT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/follow.h"

struct mwt_counts {
    uint64_t captures, accesses, processes;
    uint64_t code_bytes;          /* len of each distinct content (hash), once */
};

struct mwt_tally {
    struct mwt_counts c;
    bool code_bytes;              /* count code_bytes too (parses every capture line) */
    uint64_t *hashes;             /* open addressing, 0 = empty */
    size_t nhashes, cap;
};

/* Registers t with the follower (t starts at zero); code_bytes: also count
 * the bytes of distinct code, which costs a parse of each capture line. */
void mwt_tally_attach(struct mwt_tally *t, struct mwt_follow *f, bool code_bytes);
void mwt_tally_free(struct mwt_tally *t);

#endif /* MWT_TALLY_H */
