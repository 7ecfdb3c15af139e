/*
 * preload/exec_follow.c - exec under the full seccomp filter (see
 * exec_follow.h).
 *
 * The filter outlives exec, and the new image traps at its first mmap: it
 * must have the agent before it runs.  Nothing outside the process is there
 * to put it in (memwatch may have ended long ago, or never waited: --pid),
 * so the exec'ing thread makes its own follower, in the SIGSYS handler of
 * the trapped execve:
 *
 *   thread T                          helper H (a fork of the process,
 *                                     running only inject/ code)
 *   clone -> M, M clones H and exits  (H is re-parented: no child of ours
 *   (T reaps M; no SIGCHLD: exit       is left for the program to see)
 *    signal 0)
 *   PR_SET_PTRACER H (Yama), "go" ->  PTRACE_SEIZE T, PTRACE_O_TRACEEXEC
 *                                  <- "seized"
 *   execve, from the gate             exec event: gate, agent, config
 *                                     (inject/agent_image.c), release, exit
 *   (exec failed: "failed" ->         interrupt, detach, "released" ->)
 *
 * H inherits the filter too; it makes only calls the filter lets through
 * or goes through the gate.  If any step fails the exec is refused (EPERM)
 * with one line on stderr: without the agent the new image would die of
 * SIGSYS, which is worse than an exec that fails.
 */
#include "preload/exec_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <string.h>

#include "core/fmt.h"
#include "core/log.h"
#include "core/sys.h"
#include "inject/inject.h"
#include "preload/config.h"

#define MW_FOLLOW_MS 30000      /* the helper's whole life */
#define MW_HANDSHAKE_MS 10000   /* from the fork to "seized" */

enum mw_follow_msg { MW_MSG_GO = 1, MW_MSG_SEIZED, MW_MSG_REFUSED, MW_MSG_FAILED, MW_MSG_RELEASED };

static long mw_send(int fd, long v)
{
    long r;
    while ((r = mw_sys_write(fd, &v, sizeof v)) == -EINTR)
        ;
    return r;
}

/* One message, or 0 when the other side is gone (or took too long). */
static long mw_receive(int fd, unsigned ms)
{
    struct {
        int fd;
        short events, revents;
    } p = {fd, 1 /* POLLIN */, 0};
    long v = 0;
    if (MW_SYS3(SYS_poll, &p, 1, (long)ms) <= 0)
        return 0;
    return mw_sys_read(fd, &v, sizeof v) == (long)sizeof v ? v : 0;
}

/* --- the helper ---------------------------------------------------------- */

/* Serves T until its exec (then the agent goes in) or its word that the
 * exec failed (then it is let go).  Never returns. */
__attribute__((noreturn)) static void mw_helper(int pid, int tid, int in, int out)
{
    struct mw_tracee t;
    long status = -1;
    long r = -1;
    if (mw_receive(in, MW_HANDSHAKE_MS) == MW_MSG_GO)
        r = MW_SYS4(SYS_ptrace, PTRACE_SEIZE, tid, 0, PTRACE_O_TRACEEXEC);
    mw_send(out, r == 0 ? MW_MSG_SEIZED : MW_MSG_REFUSED);
    mw_tracee_stopped(&t, pid, tid);
    t.wait_any = 1; /* an exec by another thread than the leader changes its id */
    for (unsigned waited = 0; r == 0 && waited < MW_FOLLOW_MS; waited += 10) {
        int ws;
        if (mw_receive(in, 0) == MW_MSG_FAILED) {
            MW_SYS4(SYS_ptrace, PTRACE_INTERRUPT, t.tid, 0, 0);
            mw_tracee_wait(&t, 1000, &ws);
            MW_SYS4(SYS_ptrace, PTRACE_DETACH, t.tid, 0, 0);
            mw_send(out, MW_MSG_RELEASED);
            MW_SYS1(SYS_exit_group, 0);
        }
        enum mw_inj e = mw_tracee_wait(&t, 10, &ws);
        if (e == MW_INJ_TIMEOUT)
            continue;
        if (e != MW_INJ_OK)
            break;
        if ((ws >> 8) == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
            e = mw_inject_agent(&t, mw_config()->agent, mw_config_text(), &status);
            if (e != MW_INJ_OK || status != 0)
                mw_warn("pid %d: the capture agent did not start in the exec'd image (%s%s%s, status %ld); it "
                        "is not watched and will die at its first trapped call", pid, mw_inj_text(e),
                        t.errno_value ? ": " : "", t.errno_value ? mw_strerror(t.errno_value) : "", status);
            mw_tracee_release(&t);
            break;
        }
        /* Anything else on the way to the exec is T's own business. */
        long sig = (ws >> 16) == 0 && WIFSTOPPED(ws) ? WSTOPSIG(ws) : 0;
        MW_SYS4(SYS_ptrace, PTRACE_CONT, t.tid, 0, sig);
    }
    for (;;)
        MW_SYS1(SYS_exit_group, 0);
}

/* --- the exec'ing thread ------------------------------------------------- */

/* Forks the helper through a middle process that exits at once; the
 * helper's pid, or -errno. */
static long mw_spawn_helper(int pid, int tid, int to_helper[2], int from_helper[2])
{
    long middle = mw_gated_syscall6(SYS_clone, 0 /* no flags, no exit signal */, 0, 0, 0, 0, 0);
    if (middle == 0) {
        long helper = mw_gated_syscall6(SYS_clone, 0, 0, 0, 0, 0, 0);
        if (helper == 0) {
            mw_sys_close(to_helper[1]);
            mw_sys_close(from_helper[0]);
            mw_helper(pid, tid, to_helper[0], from_helper[1]);
        }
        mw_send(from_helper[1], helper);
        MW_SYS1(SYS_exit_group, 0);
    }
    if (middle < 0)
        return middle;
    long helper = mw_receive(from_helper[0], MW_HANDSHAKE_MS);
    MW_SYS4(SYS_wait4, middle, NULL, __WALL, NULL);
    return helper > 0 ? helper : -ECHILD;
}

static void mw_refuse_note(const long a[6], long nr, const char *why)
{
    char path[160] = "";
    uintptr_t p = (uintptr_t)(nr == SYS_execveat ? a[1] : a[0]);
    size_t to_page_end = 4096 - (p & 4095), n = to_page_end < sizeof path - 1 ? to_page_end : sizeof path - 1;
    if (p && mw_sys_safe_read(path, (const void *)p, n) < 0)
        path[0] = 0;
    path[sizeof path - 1] = 0;
    mw_warn("pid %ld: cannot follow the exec of %s (%s): the exec is refused, since the new program could not "
            "run under memwatch's seccomp filter without the capture agent",
            mw_sys_getpid(), path[0] ? path : "(unknown)", why);
}

long mw_exec_follow(long nr, const long a[6], const ucontext_t *uc)
{
    int to_helper[2] = {-1, -1}, from_helper[2] = {-1, -1};
    const char *why = NULL;
    long r = -EPERM;
    int pid = (int)mw_sys_getpid(), tid = (int)mw_sys_gettid();
    if (!mw_config()->agent) {
        why = "no capture agent was named (MEMWATCH_AGENT)";
        goto done;
    }
    if (MW_SYS2(SYS_pipe2, to_helper, O_CLOEXEC) != 0 || MW_SYS2(SYS_pipe2, from_helper, O_CLOEXEC) != 0) {
        why = "no pipe";
        goto done;
    }
    long helper = mw_spawn_helper(pid, tid, to_helper, from_helper);
    if (helper < 0) {
        why = "cannot fork the helper";
        goto done;
    }
    MW_SYS5(SYS_prctl, PR_SET_PTRACER, helper, 0, 0, 0); /* Yama: the helper is no ancestor of ours */
    mw_send(to_helper[1], MW_MSG_GO);
    if (mw_receive(from_helper[0], MW_HANDSHAKE_MS) != MW_MSG_SEIZED) {
        why = "the helper may not trace it: another tracer holds it, or Yama's ptrace_scope forbids it";
        goto done;
    }
    /* exec keeps the thread's mask: the program's, not this handler's. */
    uint64_t handler_mask, program_mask;
    memcpy(&program_mask, &uc->uc_sigmask, sizeof program_mask);
    mw_sys_rt_sigprocmask(SIG_SETMASK, &program_mask, &handler_mask);
    r = mw_gated_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    mw_sys_rt_sigprocmask(SIG_SETMASK, &handler_mask, NULL);
    /* Still here: the exec failed; the helper lets go of us first. */
    mw_send(to_helper[1], MW_MSG_FAILED);
    mw_receive(from_helper[0], MW_HANDSHAKE_MS);
done:
    if (why)
        mw_refuse_note(a, nr, why);
    for (int i = 0; i < 2; i++) {
        if (to_helper[i] >= 0)
            mw_sys_close(to_helper[i]);
        if (from_helper[i] >= 0)
            mw_sys_close(from_helper[i]);
    }
    return r;
}
