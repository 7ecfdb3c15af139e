/*
 * prog_tracer PID - another tracer, as a debugger would be: seizes PID
 * (PTRACE_SEIZE, which leaves it running), says "tracing" on stdout, passes
 * every signal it stops with on to it, and at SIGTERM lets go and exits.
 * For the tests that need a process someone else already traces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void on_term(int sig)
{
    (void)sig;
    done = 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    pid_t pid = (pid_t)atoi(argv[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term; /* no SA_RESTART: the wait below ends */
    sigaction(SIGTERM, &sa, NULL);
    if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
        perror("PTRACE_SEIZE");
        return 1;
    }
    printf("tracing\n");
    fflush(stdout);
    int status;
    while (!done) {
        if (waitpid(pid, &status, __WALL) != pid) {
            if (errno == EINTR)
                continue;
            return 0; /* gone */
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            return 0;
        int sig = (status >> 16) == 0 ? WSTOPSIG(status) : 0;
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
    }
    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
    waitpid(pid, &status, __WALL);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return 0;
}
