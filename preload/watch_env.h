/*
 * preload/watch_env.h - MEMWATCH_WATCH: the watches named in the
 * environment, started at load and kept right as libraries come and go.
 * (mw_watch_env_start, called at the end of start-up, is in lifecycle.h.)
 */
#ifndef MW_PRELOAD_WATCH_ENV_H
#define MW_PRELOAD_WATCH_ENV_H

#include <stdint.h>

/* After a dlopen: index the new objects and start the entries that were
 * waiting for a symbol one of them defines. */
void mw_watch_env_after_load(void);

/* Before a dlclose of the object spanning [lo, hi): its watches end (its
 * memory may be unmapped behind the library's back) and their entries wait
 * again; mw_watch_env_after_load() restarts them if the object stays. */
void mw_watch_env_before_unload(uintptr_t lo, uintptr_t hi);

#endif
