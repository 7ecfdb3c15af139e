/*
 * inject/tracee.c - one stopped thread of another process: stopping it,
 * waiting for it with a bound, saving and putting back what it was doing,
 * and letting it go (see inject.h).
 */
#include "inject/inject.h"

#include <elf.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "core/sys.h"

#define MW_XSTATE_MAX (64 * 1024) /* the kernel says how much it uses (iov_len) */

static long mw_ptrace(long req, long tid, uint64_t addr, uint64_t data)
{
    return MW_SYS4(SYS_ptrace, req, tid, addr, data);
}

static uint64_t mw_mono_ns(void)
{
    struct timespec ts;
    if (MW_SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void mw_pause_us(long us)
{
    struct timespec ts = {0, us * 1000};
    MW_SYS2(SYS_nanosleep, &ts, NULL);
}

static enum mw_inj mw_fail(struct mw_tracee *t, long err)
{
    if (err == -ESRCH)
        return MW_INJ_GONE;
    if (err == -EPERM)
        return MW_INJ_PERM;
    t->errno_value = (int)-err;
    return MW_INJ_FAILED;
}

/* Polls with WNOHANG: a stop usually comes within microseconds (yield to
 * it first), a call into the process may take long (sleep a little). */
enum mw_inj mw_tracee_wait(struct mw_tracee *t, unsigned ms, int *status)
{
    uint64_t start = mw_mono_ns(), limit = (uint64_t)ms * 1000000ULL;
    for (;;) {
        long r = MW_SYS4(SYS_wait4, t->wait_any ? -1 : t->tid, status, WNOHANG | __WALL, NULL);
        if (r > 0) {
            if (WIFEXITED(*status) || WIFSIGNALED(*status))
                return MW_INJ_GONE;
            if (t->wait_any)
                t->tid = (int)r;
            return MW_INJ_OK;
        }
        if (r < 0 && r != -EINTR)
            return r == -ECHILD ? MW_INJ_GONE : mw_fail(t, r);
        uint64_t spent = mw_mono_ns() - start;
        if (spent > limit)
            return MW_INJ_TIMEOUT;
        if (spent < 2000000)
            MW_SYS0(SYS_sched_yield);
        else
            mw_pause_us(200);
    }
}

enum mw_inj mw_tracee_seize(struct mw_tracee *t, int pid, int tid, unsigned long options, unsigned ms)
{
    *t = (struct mw_tracee){.pid = pid, .tid = tid};
    long r = mw_ptrace(PTRACE_SEIZE, tid, 0, options);
    if (r != 0)
        return mw_fail(t, r);
    t->seized = 1;
    r = mw_ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    if (r != 0)
        return mw_fail(t, r);
    int status;
    enum mw_inj w = mw_tracee_wait(t, ms, &status);
    if (w == MW_INJ_TIMEOUT) { /* never stopped: let it go untouched */
        mw_ptrace(PTRACE_DETACH, tid, 0, 0);
        t->seized = 0;
    }
    /* A signal-delivery stop that came first is a stop as good as ours:
     * the signal is held (our interrupt shows up later and is passed by). */
    if (w == MW_INJ_OK && (status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP &&
        t->ndeferred < MW_INJ_DEFERRED &&
        mw_ptrace(PTRACE_GETSIGINFO, tid, 0, (uint64_t)&t->deferred[t->ndeferred]) == 0)
        t->ndeferred++;
    return w;
}

void mw_tracee_stopped(struct mw_tracee *t, int pid, int tid)
{
    *t = (struct mw_tracee){.pid = pid, .tid = tid, .seized = 1};
}

enum mw_inj mw_tracee_take(struct mw_tracee *t)
{
    if (t->taken)
        return MW_INJ_OK;
    long r = mw_ptrace(PTRACE_GETREGS, t->tid, 0, (uint64_t)&t->saved);
    if (r != 0)
        return mw_fail(t, r);
    if (!t->xstate) {
        void *m = mw_sys_mmap(NULL, MW_XSTATE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mw_sys_failed((long)m))
            return mw_fail(t, (long)m);
        t->xstate = m;
        t->xstate_cap = MW_XSTATE_MAX;
    }
    struct iovec iov = {t->xstate, t->xstate_cap};
    r = mw_ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, (uint64_t)&iov);
    if (r != 0)
        return mw_fail(t, r);
    t->xstate_len = iov.iov_len;
    t->taken = 1;
    return MW_INJ_OK;
}

/* Held signals go back: the first with the thread's release (with its own
 * siginfo, when the last stop was a signal-delivery stop), the rest sent. */
static long mw_deliver_held(struct mw_tracee *t)
{
    if (!t->ndeferred)
        return 0;
    for (int i = 1; i < t->ndeferred; i++)
        mw_sys_tgkill(t->pid, t->tid, t->deferred[i].si_signo);
    if (mw_ptrace(PTRACE_SETSIGINFO, t->tid, 0, (uint64_t)&t->deferred[0]) != 0) {
        mw_sys_tgkill(t->pid, t->tid, t->deferred[0].si_signo);
        return 0;
    }
    return t->deferred[0].si_signo;
}

enum mw_inj mw_tracee_restore(struct mw_tracee *t)
{
    long rc = 0;
    if (t->scratch_at) {
        rc = mw_ptrace(PTRACE_POKEDATA, t->tid, t->scratch_at, t->scratch_word);
        t->scratch_at = t->syscall_at = 0; /* the poked `syscall` is gone */
    }
    if (t->taken) {
        struct iovec iov = {t->xstate, t->xstate_len};
        long r1 = mw_ptrace(PTRACE_SETREGSET, t->tid, NT_X86_XSTATE, (uint64_t)&iov);
        long r2 = mw_ptrace(PTRACE_SETREGS, t->tid, 0, (uint64_t)&t->saved);
        rc = rc ? rc : r1 ? r1 : r2;
        t->taken = 0;
    }
    return rc ? mw_fail(t, rc) : MW_INJ_OK;
}

enum mw_inj mw_tracee_release(struct mw_tracee *t)
{
    enum mw_inj e = mw_tracee_restore(t);
    long sig = mw_deliver_held(t);
    long r = mw_ptrace(PTRACE_DETACH, t->tid, 0, (uint64_t)sig);
    if (t->xstate)
        mw_sys_munmap(t->xstate, t->xstate_cap);
    t->xstate = NULL;
    t->seized = 0;
    return e != MW_INJ_OK ? e : r ? mw_fail(t, r) : MW_INJ_OK;
}

const char *mw_inj_text(enum mw_inj r)
{
    switch (r) {
    case MW_INJ_OK:
        return "done";
    case MW_INJ_GONE:
        return "the process ended";
    case MW_INJ_PERM:
        return "ptrace is not permitted";
    case MW_INJ_TIMEOUT:
        return "the process did not stop in time";
    case MW_INJ_BAD_IMAGE:
        return "the agent image cannot be mapped";
    case MW_INJ_NO_GATE:
        return "the address of the syscall gate is taken";
    default:
        return "a ptrace request failed";
    }
}
