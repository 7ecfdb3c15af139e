/*
 * preload/config.h - the environment the library reads once, at load.
 *
 *   MEMWATCH_DUMP_DIR  where captures and logs go        (./memwatch-out)
 *   MEMWATCH_CAPTURE   0 turns code capture off          (1)
 *   MEMWATCH_WATCH     watches from start-up, logged      (none)
 *   MEMWATCH_LOG       stderr or a file for diagnostics  (quiet)
 *   MEMWATCH_JITDUMP   1 writes a perf jitdump file      (0)
 *   MEMWATCH_SYSCALLS  trap: catch direct mmap/mprotect syscalls (off)
 *   MEMWATCH_BACKEND   toggle: reach watched pages by mprotect (debugging) (alias)
 *   MEMWATCH_PROMOTE   0: never patch the program's code (hot-site promotion);
 *                      always: promote at the first fault, any code (testing) (on)
 */
#ifndef MW_PRELOAD_CONFIG_H
#define MW_PRELOAD_CONFIG_H

#include <limits.h>

struct mw_config {
    char dump_dir[PATH_MAX];
    int capture;
    int jitdump;
    int syscalls_trap;
    int backend_toggle;
    int promote;           /* enum mw_promo_mode */
    const char *watch;     /* MEMWATCH_WATCH as found in the environment, or NULL */
    const char *log;       /* MEMWATCH_LOG, or NULL */
};

/* The configuration, read on first use (thread-safe, no malloc). */
const struct mw_config *mw_config(void);

#endif
