/*
 * tools/warm.h - memwatch takes part of the cost of a capture onto itself:
 * it brings the pages that each process's code.pack is about to need into
 * the page cache, so that the program only maps them.
 *
 * The library keeps its pack file a little longer than the space it has
 * made ready (preload/pack.c); the tail is holes.  Every tick memwatch maps
 * the pack of each process of the run and asks MADV_POPULATE_WRITE for what
 * the file gained: the kernel allocates and maps those pages on memwatch's
 * time, on another CPU when there is one.  This never changes a byte of the
 * file (populating writes nothing), so whatever the timing, a capture is
 * never overwritten; when the library gets there first, it does the work
 * itself as it does without memwatch.
 */
#ifndef MWT_WARM_H
#define MWT_WARM_H

#include "tools/follow.h"

struct mwt_warm;

struct mwt_warm *mwt_warm_new(struct mwt_follow *f);
/* Populates what each pack gained since the last call. */
void mwt_warm_tick(struct mwt_warm *w);
void mwt_warm_free(struct mwt_warm *w);

#endif /* MWT_WARM_H */
