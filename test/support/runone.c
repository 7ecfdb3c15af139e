/*
 * runone - runs one test program and says how it ended, exactly.
 *
 *   runone [--expect-signal SIG] [--timeout SEC] -- prog args...
 *
 * The shell cannot tell a real signal death from exit(128 + n); this can.
 * Prints "exit N", "signal N (core)" or "timeout", and exits 0 when the
 * ending is the expected one (exit 0, or death by the expected signal).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int signal_number(const char *name)
{
    if (strcmp(name, "SIGSEGV") == 0) return SIGSEGV;
    if (strcmp(name, "SIGBUS") == 0) return SIGBUS;
    if (strcmp(name, "SIGFPE") == 0) return SIGFPE;
    if (strcmp(name, "SIGILL") == 0) return SIGILL;
    if (strcmp(name, "SIGABRT") == 0) return SIGABRT;
    if (strcmp(name, "SIGTRAP") == 0) return SIGTRAP;
    return atoi(name);
}

int main(int argc, char **argv)
{
    int expect_signal = 0, timeout = 60, i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--expect-signal") == 0 && i + 1 < argc)
            expect_signal = signal_number(argv[++i]);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = atoi(argv[++i]);
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: runone [--expect-signal SIG] [--timeout SEC] -- prog args...\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit nocore = {0, 0};
        setrlimit(RLIMIT_CORE, &nocore); /* a core is written by the kernel only when allowed */
        alarm(timeout);
        execv(argv[i + 1], argv + i + 1);
        perror("execv");
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 2; }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM) { printf("timeout\n"); return 1; }
        printf("signal %d (%s)\n", sig, strsignal(sig));
        return sig == expect_signal ? 0 : 1;
    }
    printf("exit %d\n", WEXITSTATUS(status));
    return expect_signal == 0 && WEXITSTATUS(status) == 0 ? 0 : 1;
}
