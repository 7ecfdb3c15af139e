/*
 * tools/diff.h - what changed between consecutive captures of one region:
 * captures grouped by region and ordered by capture_sequence, and for each
 * consecutive pair either "identical" (same hash) or an instruction-level
 * edit script cut into hunks with a few lines of context.
 */
#ifndef MWT_DIFF_H
#define MWT_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/disasm.h"
#include "tools/dump.h"

/* Unchanged lines shown around each change. */
#define MWT_DIFF_CONTEXT 3

enum mwt_dop_kind { MWT_SAME = ' ', MWT_DEL = '-', MWT_ADD = '+' };

struct mwt_dop {
    enum mwt_dop_kind kind;
    size_t a, b;      /* line in the old listing (SAME, DEL), the new one (SAME, ADD) */
};

struct mwt_hunk {
    size_t begin, end; /* ops[begin..end) */
};

/* One consecutive pair of captures of a region. */
struct mwt_step {
    const struct mwt_capture *from, *to;
    bool identical;
    struct mwt_listing old, new;  /* full listings (empty when identical) */
    struct mwt_dop *ops;
    size_t nops;
    struct mwt_hunk *hunks;
    size_t nhunks;
};

/*
 * One region: the captures of one mmap/mprotect range until its munmap.  Its
 * address may be reused later; capture_sequence starting over marks that.
 */
struct mwt_region {
    struct mwt_opt region;          /* absent for captures without "region" */
    const struct mwt_capture **caps; /* in capture_sequence order */
    size_t ncaps, caps_cap;
};

/* Groups d's captures by region (by address, then time). */
size_t mwt_regions(const struct mwt_dump *d, struct mwt_region **out);
void mwt_regions_free(struct mwt_region *r, size_t n);

/*
 * Diffs one consecutive pair (full listings of both; made one pair at a time
 * so that a dump of many captures never holds all its listings at once).
 */
void mwt_step_make(struct mwt_step *s, const struct mwt_capture *from, const struct mwt_capture *to);
void mwt_step_free(struct mwt_step *s);

/* The edit script turning listing a into listing b. */
size_t mwt_diff(const struct mwt_listing *a, const struct mwt_listing *b, struct mwt_dop **ops);

#endif /* MWT_DIFF_H */
