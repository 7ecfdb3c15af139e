/*
 * agent/shim.c - what the library's sources get from libc or from
 * trampoline/record.c, given to them inside the agent: errno (for the
 * interposers' libc-style entry points, which nothing in a process without
 * a dynamic loader calls), an empty environment (the configuration is
 * adopted, preload/config.c), the clock of capture timestamps and the
 * capture counter.
 */
#include <errno.h>
#include <time.h>

#include "core/sys.h"
#include "trampoline/record.h"

static int mw_agent_errno;

int *__errno_location(void) { return &mw_agent_errno; }

char **environ;

uint64_t mw_stat_accesses, mw_stat_silent, mw_stat_single_steps, mw_stat_captures, mw_stat_foreign;

/* CLOCK_REALTIME as record.c's mw_now_ns gives it (there through the vDSO;
 * here by system call: the agent does not look for the vDSO). */
uint64_t mw_now_ns(void)
{
    struct timespec ts;
    if (MW_SYS2(SYS_clock_gettime, CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
