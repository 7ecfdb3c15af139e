/*
 * tools/tally.h - what a run added to the dump directory: a snapshot taken
 * before the program starts, and the lines of captures.jsonl and
 * accesses.jsonl that appeared in <exe>.<pid>/ directories since.
 */
#ifndef MWT_TALLY_H
#define MWT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mwt_seen;

struct mwt_tally {
    char *dir;
    struct mwt_seen *seen; /* process directories before the run, by name */
    size_t nseen;
};

struct mwt_counts {
    uint64_t captures, accesses, processes;
};

void mwt_tally_snapshot(struct mwt_tally *t, const char *dir);
/* Counts the run's lines so far; only captures when captures_only. */
void mwt_tally_count(const struct mwt_tally *t, bool captures_only, struct mwt_counts *c);
void mwt_tally_free(struct mwt_tally *t);

#endif /* MWT_TALLY_H */
