/*
 * tools/child.c - runs the program as memwatch's child and ends memwatch the
 * way the child ended.  SIGCHLD stays blocked in memwatch and is taken with
 * sigtimedwait, which gives the launcher's tick (following the dump while
 * the program runs) and the child's exit without a race between "not
 * exited yet" and "sleep".  An exec failure
 * travels back through a close-on-exec pipe so memwatch can tell "not found"
 * from the program's own exit status 127.
 */
#include "tools/launch.h"
#include "tools/static.h"
#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t mwt_child_pid;
static const struct mwt_agent_launch *mwt_agent; /* a static program: inject at exec */

void mwt_child_use_agent(const struct mwt_agent_launch *a) { mwt_agent = a; }

/*
 * Passes a signal on to the child.  SIGINT and SIGQUIT from the keyboard
 * (si_code SI_KERNEL) went to the whole foreground process group, child
 * included, so sending them again would deliver them twice.
 */
static void mwt_forward(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int saved = errno;
    if ((sig == SIGINT || sig == SIGQUIT) && si && si->si_code == SI_KERNEL)
        return;
    if (mwt_child_pid > 0)
        kill((pid_t)mwt_child_pid, sig);
    errno = saved;
}

static const int mwt_forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define MWT_NFORWARDED (sizeof mwt_forwarded / sizeof mwt_forwarded[0])

static sigset_t mwt_forwarded_set(void)
{
    sigset_t s;
    sigemptyset(&s);
    for (size_t i = 0; i < MWT_NFORWARDED; i++)
        sigaddset(&s, mwt_forwarded[i]);
    return s;
}

/* Forwarding for the four signals, except those memwatch was told to ignore. */
static void mwt_install_forwarders(void)
{
    const int *sigs = mwt_forwarded;
    for (size_t i = 0; i < MWT_NFORWARDED; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* the child inherits the ignoring, as without memwatch */
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = mwt_forward;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* In the child: the signal state memwatch found, then the program. */
static void mwt_exec_child(char **argv, int errfd, const sigset_t *mask, const struct sigaction *chld)
{
    sigaction(SIGCHLD, chld, NULL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (mwt_agent)
        mwt_static_child_before_exec();
    execvp(argv[0], argv);
    int e = errno;
    while (write(errfd, &e, sizeof e) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* The exec's errno, or 0 once the pipe closes because exec succeeded. */
static int mwt_exec_error(int fd)
{
    int e = 0;
    ssize_t r;
    while ((r = read(fd, &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(fd);
    return r == (ssize_t)sizeof e ? e : 0;
}

static double mwt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reaps the child, calling tick every tick_ms meanwhile (none when 0). */
static void mwt_wait_child(pid_t pid, const sigset_t *chld, unsigned tick_ms, mwt_tick_fn tick, void *arg,
                           int *status)
{
    double period = tick && tick_ms ? tick_ms / 1000.0 : 3600;
    double start = mwt_now(), next = start + period;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        double left = next - mwt_now();
        if (left <= 0) {
            if (tick && tick_ms)
                tick(arg, mwt_now() - start);
            next += period;
            if (next < mwt_now()) /* a slow tick: no burst of late ones */
                next = mwt_now() + period;
            continue;
        }
        struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
        sigtimedwait(chld, NULL, &ts);
    }
}

static volatile sig_atomic_t mwt_follow_stop;
static void mwt_on_stop(int sig) { mwt_follow_stop = sig; }

int mwt_pid_follow(pid_t pid, unsigned tick_ms, mwt_tick_fn tick, void *arg)
{
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = mwt_on_stop;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    double start = mwt_now();
    while (!mwt_follow_stop) {
        if (fd >= 0) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            if (poll(&p, 1, (int)tick_ms) > 0)
                break;
        } else {
            if (kill(pid, 0) != 0 && errno == ESRCH)
                break;
            usleep(tick_ms * 1000);
        }
        tick(arg, mwt_now() - start);
    }
    if (fd >= 0)
        close(fd);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return mwt_follow_stop ? 1 : 0;
}

int mwt_child_run(char **argv, unsigned tick_ms, mwt_tick_fn tick, void *arg, int *status)
{
    sigset_t chld, fwd, old;
    struct sigaction orig_chld, dfl;
    int fds[2];
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    /* An inherited SIG_IGN for SIGCHLD would reap the child behind our back. */
    sigaction(SIGCHLD, &dfl, &orig_chld);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    /* The forwarded signals wait until the child's pid is known. */
    fwd = mwt_forwarded_set();
    sigaddset(&fwd, SIGCHLD);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    if (pipe2(fds, O_CLOEXEC) < 0)
        return errno;
    mwt_install_forwarders();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return e;
    }
    if (pid == 0) {
        close(fds[0]);
        mwt_exec_child(argv, fds[1], &old, &orig_chld);
    }
    mwt_child_pid = pid;
    fwd = mwt_forwarded_set();
    sigprocmask(SIG_UNBLOCK, &fwd, NULL);
    close(fds[1]);
    int e = mwt_exec_error(fds[0]);
    if (!e && mwt_agent)
        mwt_static_after_exec(pid, argv[0], mwt_agent);
    mwt_wait_child(pid, &chld, tick_ms, e ? NULL : tick, arg, status);
    mwt_child_pid = 0;
    return e;
}

/* Dies by sig as the child did: default action, unblocked, no core of our own. */
static void mwt_die_by(int sig)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &rl);
    }
    signal(sig, SIG_DFL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    raise(sig);
}

void mwt_exit_like(int status)
{
    fflush(stdout);
    fflush(stderr);
    if (WIFSIGNALED(status)) {
        mwt_die_by(WTERMSIG(status));
        exit(128 + WTERMSIG(status)); /* a signal whose default is not to kill */
    }
    exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}
