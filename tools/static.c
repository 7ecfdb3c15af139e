/*
 * tools/static.c - a statically linked program under memwatch (see
 * static.h).
 */
#include "tools/static.h"
#include "tools/launch.h"
#include "tools/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "inject/inject.h"

#define MWT_EXEC_STOP_MS 10000

extern char **environ;

/* The file execvp would run for prog, or NULL. */
static char *mwt_resolve(const char *prog)
{
    if (strchr(prog, '/'))
        return mwt_xstrdup(prog);
    const char *path = getenv("PATH");
    char *copy = mwt_xstrdup(path && *path ? path : "/bin:/usr/bin"), *save = NULL, *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *cand = mwt_path_join(*dir ? dir : ".", prog);
        if (access(cand, X_OK) == 0)
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

bool mwt_static_program(const char *prog)
{
    char *file = mwt_resolve(prog);
    if (!file)
        return false;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    free(file);
    if (fd < 0)
        return false;
    Elf64_Ehdr eh;
    bool is_static = false;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64 &&
        (eh.e_type == ET_EXEC || eh.e_type == ET_DYN) && eh.e_phentsize == sizeof(Elf64_Phdr)) {
        is_static = true;
        for (int i = 0; i < eh.e_phnum && is_static; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph)
                is_static = false;
            else if (ph.p_type == PT_INTERP)
                is_static = false;
        }
    }
    close(fd);
    return is_static;
}

char *mwt_agent_config(const char *agent)
{
    char *text = mwt_xasprintf("MEMWATCH_AGENT=%s\n", agent);
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "MEMWATCH_", 9) != 0 || strncmp(*e, "MEMWATCH_AGENT=", 15) == 0 || strchr(*e, '\n'))
            continue;
        char *more = mwt_xasprintf("%s%s\n", text, *e);
        free(text);
        text = more;
    }
    return text;
}

bool mwt_static_launch_prepare(const struct mwt_launch *l, struct mwt_agent_launch *a)
{
    memset(a, 0, sizeof *a);
    if (!mwt_static_program(l->argv[0]))
        return false;
    const char *env_watch = getenv("MEMWATCH_WATCH");
    if (l->watch || (env_watch && *env_watch)) {
        mwt_error("'%s' is statically linked: --watch cannot be served there (watching needs the Zydis "
                  "decoder inside the process, and Debian ships Zydis only as a shared library); code capture "
                  "works without it", l->argv[0]);
        exit(125);
    }
    if (l->no_capture)
        return true; /* nothing for the agent to do */
    a->agent = mwt_find_agent();
    if (!a->agent)
        exit(125);
    return true;
}

void mwt_static_launch_ready(struct mwt_agent_launch *a)
{
    if (!a->agent)
        return;
    a->config = mwt_agent_config(a->agent);
    mwt_child_use_agent(a);
}

void mwt_static_child_before_exec(void)
{
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

const char *mwt_agent_status_text(long status)
{
    switch (status) {
    case MW_AGENT_ALREADY:
        return "an agent already serves it";
    case MW_AGENT_BAD_CONFIG:
        return "the configuration is too long";
    case MW_AGENT_NO_HANDLER:
        return "the kernel refused the agent's signal handler";
    case MW_AGENT_NO_DUMP_DIR:
        return "the process cannot make or write the dump directory (it runs as another user?)";
    case MW_AGENT_NO_FILTER:
        return "the kernel refused the agent's seccomp filter (or the syscall gate's address is taken)";
    default:
        return "the agent failed to start";
    }
}

static void mwt_give_up(pid_t pid, const char *prog, const char *why)
{
    mwt_error("cannot bring '%s' (pid %d) under watch: %s", prog, (int)pid, why);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, __WALL);
    exit(125);
}

void mwt_static_after_exec(pid_t pid, const char *prog, const struct mwt_agent_launch *a)
{
    struct mw_tracee t;
    int status;
    long agent_status = -1;
    mw_tracee_stopped(&t, pid, pid);
    enum mw_inj e = mw_tracee_wait(&t, MWT_EXEC_STOP_MS, &status);
    if (e == MW_INJ_OK && !(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP))
        e = MW_INJ_FAILED;
    if (e == MW_INJ_GONE)
        return; /* it ended at once: the wait that follows reports it */
    if (e == MW_INJ_OK)
        e = mw_inject_agent(&t, a->agent, a->config, &agent_status);
    if (e == MW_INJ_OK && agent_status != MW_AGENT_OK) {
        mw_tracee_release(&t);
        mwt_give_up(pid, prog, mwt_agent_status_text(agent_status));
    }
    if (e != MW_INJ_OK) {
        char why[160];
        snprintf(why, sizeof why, "%s%s%s", mw_inj_text(e), t.errno_value ? ": " : "",
                 t.errno_value ? strerror(t.errno_value) : "");
        mwt_give_up(pid, prog, why);
    }
    e = mw_tracee_release(&t);
    if (e != MW_INJ_OK && e != MW_INJ_GONE)
        mwt_give_up(pid, prog, mw_inj_text(e));
}
