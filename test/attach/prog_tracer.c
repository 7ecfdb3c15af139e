/*
 * prog_tracer PID - another tracer: seizes PID (PTRACE_SEIZE, which leaves
 * it running), says "tracing" on stdout, and holds on until SIGTERM, then
 * lets go and exits.  For test_attach_failures_are_clear_and_harmless.sh.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
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
    signal(SIGTERM, on_term);
    if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
        perror("PTRACE_SEIZE");
        return 1;
    }
    printf("tracing\n");
    fflush(stdout);
    while (!done)
        pause();
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return 0;
}
