/*
 * tools/safepoint.c - one thread of a running process stopped where it
 * holds no lock of the C library (see attach.h), so that a dlopen called in
 * it cannot wait for itself.
 *
 * The rule: stop only the thread we use - the others run on, so a lock one
 * of them holds is let go and our dlopen just waits for it - and use it
 * only when it holds none itself:
 *   - blocked in a system call that glibc never makes holding its malloc or
 *     loader lock: the sleeps, poll/select/epoll, pause and the signal
 *     waits, wait4/waitid, accept, and read/recv on a pipe, socket or
 *     terminal (not a regular file: stdio may hold a FILE lock there, and
 *     not futex, which is how locks are waited for);
 *   - or running in the executable's own code (not in a library's).
 * /proc/PID/task/TID/syscall names a blocked thread's call; the thread is
 * then seized and interrupted, and kept only if its registers confirm it
 * (orig_rax, and a `syscall` right behind rip; or rip inside the
 * executable).  Otherwise it is let go untouched and another tried, up to
 * the bound.
 */
#include "tools/attach.h"
#include "tools/util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MWT_STOP_MS 1000   /* for one seized thread to stop */
#define MWT_RETRY_US 10000 /* between rounds */

static bool mwt_safe_call(long nr)
{
    switch (nr) {
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
    case SYS_pause:
    case SYS_rt_sigsuspend:
    case SYS_rt_sigtimedwait:
    case SYS_wait4:
    case SYS_waitid:
    case SYS_accept:
    case SYS_accept4:
        return true;
    default:
        return false;
    }
}

/* read/recv: safe on a pipe, socket or terminal. */
static bool mwt_safe_read(pid_t pid, long nr, long fd)
{
    if (nr != SYS_read && nr != SYS_readv && nr != SYS_recvfrom && nr != SYS_recvmsg)
        return false;
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)pid, fd);
    if (stat(path, &st) != 0)
        return false;
    unsigned tty_major = major(st.st_rdev); /* 4 and 5: ttys and /dev/tty; 136-143: ptys */
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
           (S_ISCHR(st.st_mode) && (tty_major == 4 || tty_major == 5 || (tty_major >= 136 && tty_major <= 143)));
}

enum mwt_where { MWT_BUSY, MWT_BLOCKED_SAFE, MWT_RUNNING };

/* Where /proc says the thread is (it may have moved on by the time we look). */
static enum mwt_where mwt_thread_where(pid_t pid, pid_t tid, long *nr)
{
    char path[96], line[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return MWT_BUSY;
    enum mwt_where w = MWT_BUSY;
    if (fgets(line, sizeof line, f)) {
        long arg0 = 0;
        if (strncmp(line, "running", 7) == 0)
            w = MWT_RUNNING;
        else if (sscanf(line, "%ld 0x%lx", nr, (unsigned long *)&arg0) >= 1 && *nr >= 0 &&
                 (mwt_safe_call(*nr) || mwt_safe_read(pid, *nr, arg0)))
            w = MWT_BLOCKED_SAFE;
    }
    fclose(f);
    return w;
}

/* Stopped: do its registers confirm the safe point? */
static bool mwt_confirmed(const struct mwt_target *tg, struct mw_tracee *t, enum mwt_where w, long nr)
{
    if (mw_tracee_take(t) != MW_INJ_OK)
        return false;
    uint64_t rip = t->saved.rip;
    if (w == MWT_RUNNING)
        return rip >= tg->exe_lo && rip < tg->exe_hi;
    unsigned char insn[2];
    return (long)t->saved.orig_rax == nr && mw_remote_read(t, insn, rip - 2, 2) == MW_INJ_OK && insn[0] == 0x0f &&
           insn[1] == 0x05;
}

static uint64_t mwt_ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One round over the threads; MW_INJ_OK with t stopped, MW_INJ_TIMEOUT when
 * none was at a safe point, or what went wrong. */
static enum mw_inj mwt_try_threads(const struct mwt_target *tg, struct mw_tracee *t)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)tg->pid);
    DIR *d = opendir(path);
    if (!d)
        return MW_INJ_GONE;
    enum mw_inj result = MW_INJ_TIMEOUT;
    struct dirent *e;
    while (result == MW_INJ_TIMEOUT && (e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        long nr = -1;
        enum mwt_where w = tid > 0 ? mwt_thread_where(tg->pid, tid, &nr) : MWT_BUSY;
        if (w == MWT_BUSY || (w == MWT_RUNNING && !tg->exe_lo))
            continue;
        enum mw_inj s = mw_tracee_seize(t, tg->pid, tid, 0, MWT_STOP_MS);
        if (s == MW_INJ_PERM || (s == MW_INJ_GONE && kill(tg->pid, 0) != 0))
            result = s;
        else if (s == MW_INJ_OK && mwt_confirmed(tg, t, w, nr))
            result = MW_INJ_OK;
        else if (s == MW_INJ_OK)
            mw_tracee_release(t); /* moved on meanwhile: as it was, and the next */
    }
    closedir(d);
    return result;
}

enum mw_inj mwt_stop_at_safe_point(const struct mwt_target *tg, unsigned ms, struct mw_tracee *t)
{
    uint64_t until = mwt_ms_now() + ms;
    for (;;) {
        enum mw_inj r = mwt_try_threads(tg, t);
        if (r != MW_INJ_TIMEOUT || mwt_ms_now() >= until)
            return r;
        usleep(MWT_RETRY_US);
    }
}
