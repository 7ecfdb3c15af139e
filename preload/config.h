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
 *
 * A process the library was not preloaded into - one memwatch attached to
 * (tools/attach.c), or a statically linked one the agent serves (agent/) -
 * gets the same variables as a text handed over at start-up instead
 * (mw_config_adopt): its environment is the program's own.  Such a process
 * has no interposers, so trap mode then traps every call the engine must
 * see (seccomp.c), and the text may also name the capture agent:
 *   MEMWATCH_AGENT     the agent image, injected into each image the
 *                      process execs (inject/)
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
    const char *agent;     /* MEMWATCH_AGENT (adopted text only), or NULL */
    int adopted;           /* read from mw_config_adopt's text: no interposers */
};

/* The configuration, read on first use (thread-safe, no malloc). */
const struct mw_config *mw_config(void);

/* Makes text ("NAME=value" lines) the configuration instead of the
 * environment; called once, before anything else reads the configuration.
 * 0, or -E2BIG when it does not fit (MW_CONFIG_TEXT_MAX bytes). */
#define MW_CONFIG_TEXT_MAX 16384
int mw_config_adopt(const char *text);
/* The adopted text as it was given, or NULL (handed on across exec). */
const char *mw_config_text(void);

#endif
