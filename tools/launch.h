/*
 * tools/launch.h - the launcher (`memwatch [options] [--] program ...`): its
 * options, the library lookup, and running the program as a child whose
 * death memwatch then repeats.
 */
#ifndef MWT_LAUNCH_H
#define MWT_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

struct mwt_launch {
    const char *dump_shown; /* the dump directory as the user named it */
    char *dump_abs;         /* the same, absolute: what the library gets */
    char *watch;            /* --watch specs joined with commas, or NULL */
    const char *log;        /* --log, or NULL */
    const char *syscalls;   /* --syscalls, or NULL */
    const char *events;     /* --events PATH, or NULL */
    const char *yara;       /* --yara RULES, or NULL */
    bool no_capture, jitdump, quiet;
    char **argv;            /* the program and its arguments */
    int pid;                /* --pid: attach to this running process instead */
};

int mwt_launch_main(int argc, char **argv);

/* Absolute path of libmemwatch.so, or NULL after printing why not. */
char *mwt_find_library(void);
/* Absolute path of the capture agent (memwatch-agent.so), likewise. */
char *mwt_find_agent(void);

/* Called every tick while the child runs, with the seconds since it started. */
typedef void (*mwt_tick_fn)(void *arg, double seconds);

/*
 * Runs argv (PATH searched) with the current environment and waits for it,
 * passing SIGINT, SIGTERM, SIGHUP and SIGQUIT on, calling tick every tick_ms
 * (never when 0 or NULL).  Returns 0 and the wait status, or an errno value
 * when the program could not be started.
 */
int mwt_child_run(char **argv, unsigned tick_ms, mwt_tick_fn tick, void *arg, int *status);

/* Calls tick every tick_ms (> 0) until process pid - not a child of ours:
 * an attached process - has ended (pidfd, else kill(pid, 0)).  SIGINT,
 * SIGTERM and SIGHUP end the wait instead (returns 1; else 0) and leave the
 * process alone. */
int mwt_pid_follow(pid_t pid, unsigned tick_ms, mwt_tick_fn tick, void *arg);

/* From now on mwt_child_run starts the program traced and injects the
 * capture agent at its exec (a statically linked program: tools/static.h). */
struct mwt_agent_launch;
void mwt_child_use_agent(const struct mwt_agent_launch *a);

/* Ends memwatch the way the child ended (exit status or signal). */
void mwt_exit_like(int status) __attribute__((noreturn));

#endif /* MWT_LAUNCH_H */
