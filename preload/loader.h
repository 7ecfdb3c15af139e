/*
 * preload/loader.h - the dynamic loader's own calls.
 *
 * With the full filter (a process with no interposers: the agent, attach)
 * trap mode also sees the dynamic loader map the code of every library it
 * loads (MAP_FIXED, read+execute, from the file).  That is not code the
 * program made - the preloaded library never sees those calls, which go
 * around libc's mmap - so such a mapping only makes the table forget what
 * it replaces; it is not tracked.
 */
#ifndef MW_PRELOAD_LOADER_H
#define MW_PRELOAD_LOADER_H

#include <stdint.h>

/* Finds the loader's code (AT_BASE's file, its executable mapping); a
 * static program has none.  At start-up, before the filter. */
void mw_loader_find(void);
/* Is ip in the loader's code? */
int mw_loader_owns(uintptr_t ip);

#endif
