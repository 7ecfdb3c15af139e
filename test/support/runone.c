/*
 * runone - runs one test (a program or a script) and says how it ended, exactly.
 *
 *   runone [--expect-signal SIG] [--expect-exit N] [--timeout SEC] -- prog args...
 *
 * The shell cannot tell a real signal death from exit(128 + n); this can.
 * Prints "exit N", "signal N (name)" or "timeout after SEC s", and exits 0
 * when the ending is the expected one (exit 0 unless --expect-exit, or death
 * by the expected signal); --expect-exit any accepts every exit status and
 * passes the child's own status through (scripts: 0 pass, 77 skip).
 *
 * The timeout is enforced from here, the parent, never from inside the test:
 * the code under test may block every signal (an alarm(2) in the child would
 * then never fire) or loop inside a signal handler.  The test runs in a
 * process group of its own, and at the deadline the whole group gets
 * SIGKILL, which nothing can block or catch.  runone is also a child
 * subreaper, so descendants that left the group (a nested runone, a daemon)
 * are reparented to it when their parents die and are killed in turn.
 * Whatever a test leaves running after it ends goes the same way.
 * -q prints nothing but a timeout (scripts print their own last line).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int signal_number(const char *name)
{
    static const struct { const char *name; int sig; } known[] = {
        {"SIGSEGV", SIGSEGV}, {"SIGBUS", SIGBUS}, {"SIGFPE", SIGFPE}, {"SIGILL", SIGILL},
        {"SIGABRT", SIGABRT}, {"SIGTRAP", SIGTRAP}, {"SIGKILL", SIGKILL}, {"SIGSYS", SIGSYS},
    };
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0)
            return known[i].sig;
    return atoi(name);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid until the deadline; kills its whole group then.  Returns
 * 1 with *status set, or 0 on timeout (the group is dead and reaped). */
static int wait_bounded(pid_t pid, double deadline, int *status)
{
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return 1;
        if (got < 0 && errno != EINTR) {
            perror("runone: waitpid");
            exit(2);
        }
        if (now_s() >= deadline)
            break;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* Kills every process whose parent is us (children and reparented
 * orphans), reaps them, and goes on until none is left. */
static void kill_descendants(void)
{
    for (int round = 0; round < 1000; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char path[64], buf[512];
            int pid = atoi(e->d_name);
            if (pid <= 0)
                continue;
            snprintf(path, sizeof path, "/proc/%d/stat", pid);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            char *rp = strrchr(buf, ')');
            int ppid = 0;
            if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) {
                kill(pid, SIGKILL);
                found = 1;
            }
        }
        if (d)
            closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!found)
            return;
        struct timespec nap = {0, 2 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

int main(int argc, char **argv)
{
    int expect_signal = 0, expect_exit = 0, any_exit = 0, quiet = 0, timeout = 60, i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--expect-signal") == 0 && i + 1 < argc)
            expect_signal = signal_number(argv[++i]);
        else if (strcmp(argv[i], "--expect-exit") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "any") == 0)
                any_exit = 1;
            else
                expect_exit = atoi(argv[i]);
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = atoi(argv[++i]);
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: runone [-q] [--expect-signal SIG] [--expect-exit N|any] [--timeout SEC] -- prog args...\n");
        return 2;
    }
    fflush(stdout);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t pid = fork();
    if (pid < 0) {
        perror("runone: fork");
        return 2;
    }
    if (pid == 0) {
        setpgid(0, 0);
        struct rlimit nocore = {0, 0};
        setrlimit(RLIMIT_CORE, &nocore); /* a core is written by the kernel only when allowed */
        execvp(argv[i + 1], argv + i + 1);
        perror("runone: exec");
        _exit(127);
    }
    setpgid(pid, pid); /* also from here: no window where a kill(-pid) misses it */
    int status = 0;
    int ended = wait_bounded(pid, now_s() + timeout, &status);
    /* Whatever the test left behind goes too. */
    kill(-pid, SIGKILL);
    kill_descendants();
    if (!ended) {
        printf("timeout after %d s\n", timeout);
        fflush(stdout);
        return any_exit ? 124 : 1;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (!quiet)
            printf("signal %d (%s)\n", sig, strsignal(sig));
        return sig == expect_signal ? 0 : any_exit ? 128 + sig : 1;
    }
    int code = WEXITSTATUS(status);
    if (!quiet)
        printf("exit %d\n", code);
    if (any_exit)
        return code;
    return expect_signal == 0 && code == expect_exit ? 0 : 1;
}
