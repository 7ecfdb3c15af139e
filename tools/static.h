/*
 * tools/static.h - running a statically linked program under memwatch.
 *
 * LD_PRELOAD cannot reach a program without a dynamic loader, so memwatch
 * starts it traced (PTRACE_TRACEME), and at its exec stop - before its
 * first instruction - maps the capture agent into it (inject/), starts the
 * agent with the configuration the library would have read from the
 * environment, and lets it go: from then on the process runs untraced, the
 * agent capturing in-process (agent/agent.h).
 */
#ifndef MWT_STATIC_H
#define MWT_STATIC_H

#include <stdbool.h>
#include <sys/types.h>

/* What the agent needs: its image, and its configuration text. */
struct mwt_agent_launch {
    char *agent;     /* absolute path of memwatch-agent.so */
    char *config;    /* "MEMWATCH_...=...\n" lines */
};

/* Is prog (searched in PATH like execvp) an ELF executable without a
 * dynamic loader (no PT_INTERP)? */
bool mwt_static_program(const char *prog);

struct mwt_launch;
/* Before the environment is set: true when l's program is static (then it
 * gets no LD_PRELOAD).  What the agent cannot serve (--watch) is refused
 * here with one line and exit 125. */
bool mwt_static_launch_prepare(const struct mwt_launch *l, struct mwt_agent_launch *a);
/* After: the agent's configuration is taken from the environment and the
 * child runner told to inject it (nothing when capture is off: the agent
 * would have nothing to do). */
void mwt_static_launch_ready(struct mwt_agent_launch *a);

/* The agent's configuration: every MEMWATCH_* variable of memwatch's
 * environment (the launcher has set them), and MEMWATCH_AGENT. */
char *mwt_agent_config(const char *agent);

/* What the agent's start returned (agent/agent.h), in words. */
const char *mwt_agent_status_text(long status);

/* In the child, right before exec: be traced, so the exec stops. */
void mwt_static_child_before_exec(void);
/* In memwatch once the exec happened: the agent goes in, the child runs
 * on.  On failure the child is killed and memwatch exits 125 after one
 * line saying why. */
void mwt_static_after_exec(pid_t pid, const char *prog, const struct mwt_agent_launch *a);

#endif /* MWT_STATIC_H */
