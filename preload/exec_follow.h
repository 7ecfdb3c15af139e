/*
 * preload/exec_follow.h - exec in a process whose seccomp filter traps
 * every memory call (trap mode without interposers): the new image would
 * die of SIGSYS at its first mmap, so the capture agent is injected into it
 * before it runs, or the exec is refused.
 */
#ifndef MW_PRELOAD_EXEC_FOLLOW_H
#define MW_PRELOAD_EXEC_FOLLOW_H

#include <ucontext.h>

/* Carries out the trapped execve/execveat (nr, the program's arguments;
 * uc the SIGSYS handler's context: the new image gets the program's mask,
 * not the handler's).  Does not return when the exec succeeds; otherwise
 * -errno. */
long mw_exec_follow(long nr, const long a[6], const ucontext_t *uc);

#endif
