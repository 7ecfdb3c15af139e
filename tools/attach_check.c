/*
 * tools/attach_check.c - what stands between memwatch and a running process
 * (see attach.h), learnt from /proc without stopping it, and why ptrace
 * refused when it did.
 */
#include "tools/attach.h"
#include "tools/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CAP_SYS_PTRACE_BIT 19

/* The value of "Key:" in /proc/PID/status, or NULL (static buffer). */
static const char *mwt_status_field(pid_t pid, const char *key)
{
    static char value[256];
    char path[64], line[512];
    size_t n = strlen(key);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    const char *found = NULL;
    while (f && !found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, n) != 0 || line[n] != ':')
            continue;
        const char *v = line + n + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(value, sizeof value, "%s", v);
        value[strcspn(value, "\n")] = '\0';
        found = value;
    }
    if (f)
        fclose(f);
    return found;
}

static long mwt_status_number(pid_t pid, const char *key)
{
    const char *v = mwt_status_field(pid, key);
    return v ? strtol(v, NULL, 10) : -1;
}

/* The comm of a process, for naming a tracer. */
static void mwt_comm(pid_t pid, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f || !fgets(buf, (int)n, f))
        snprintf(buf, n, "?");
    buf[strcspn(buf, "\n")] = '\0';
    if (f)
        fclose(f);
}

/* The executable's ELF header: x86-64?  static?  NULL or why not. */
static const char *mwt_check_exe(pid_t pid, struct mwt_target *tg, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(buf, n, "cannot read its executable (%s): %s", path, strerror(errno));
        return buf;
    }
    Elf64_Ehdr eh;
    const char *why = NULL;
    if (pread(fd, &eh, sizeof eh, 0) < 16 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        why = "its executable is not an ELF file";
    } else if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
        why = "it runs a 32-bit program; memwatch serves x86-64 processes only";
    } else if (eh.e_machine != EM_X86_64) {
        snprintf(buf, n, "it runs a program for another machine (ELF machine %u); memwatch serves x86-64 "
                 "processes only", eh.e_machine);
        why = buf;
    } else {
        tg->is_static = true;
        for (int i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) == (ssize_t)sizeof ph &&
                ph.p_type == PT_INTERP)
                tg->is_static = false;
        }
    }
    close(fd);
    return why;
}

/* Its maps: already ours?  Where is the executable's code? */
static const char *mwt_check_maps(pid_t pid, struct mwt_target *tg, char *buf, size_t n)
{
    char path[64], exe[4096], line[4096 + 128];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t len = readlink(path, exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    const char *base = strrchr(exe, '/');
    snprintf(tg->name, sizeof tg->name, "%s", base ? base + 1 : "unknown");
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(buf, n, "cannot read its memory map: %s", strerror(errno));
        return buf;
    }
    const char *why = NULL;
    while (!why && fgets(line, sizeof line, f)) {
        if (strstr(line, "libmemwatch") || strstr(line, "memwatch-agent") || strstr(line, "memwatch-gate"))
            why = "it is already watched by memwatch (the library or its agent is loaded there)";
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' && exe[0] &&
            strstr(line, exe) && !tg->exe_lo) {
            tg->exe_lo = lo;
            tg->exe_hi = hi;
        }
    }
    fclose(f);
    return why;
}

const char *mwt_attach_refusal(pid_t pid, struct mwt_target *tg, char *buf, size_t n)
{
    memset(tg, 0, sizeof *tg);
    tg->pid = pid;
    const char *state = mwt_status_field(pid, "State");
    if (!state)
        return "no such process";
    if (state[0] == 'Z' || state[0] == 'X')
        return "it has exited (a zombie waiting for its parent)";
    if (state[0] == 'T' || state[0] == 't') {
        snprintf(buf, n, "it is stopped (%s); let it run (kill -CONT %d) and attach again", state, (int)pid);
        return buf;
    }
    long tgid = mwt_status_number(pid, "Tgid");
    if (tgid > 0 && tgid != pid) {
        snprintf(buf, n, "it is a thread of process %ld: give that pid", tgid);
        return buf;
    }
    long tracer = mwt_status_number(pid, "TracerPid");
    if (tracer > 0) {
        char comm[64];
        mwt_comm((pid_t)tracer, comm, sizeof comm);
        snprintf(buf, n, "it is already being traced by pid %ld (%s); a process has one tracer at a time", tracer,
                 comm);
        return buf;
    }
    const char *why = mwt_check_exe(pid, tg, buf, n);
    if (!why)
        why = mwt_check_maps(pid, tg, buf, n);
    if (why && (errno == EACCES || errno == EPERM) && strstr(why, "cannot read"))
        why = mwt_ptrace_refusal(pid, buf, n);
    return why;
}

/* Do we hold CAP_SYS_PTRACE? */
static bool mwt_may_trace_anyone(void)
{
    const char *cap = mwt_status_field(getpid(), "CapEff");
    return cap && (strtoull(cap, NULL, 16) >> CAP_SYS_PTRACE_BIT) & 1;
}

const char *mwt_ptrace_refusal(pid_t pid, char *buf, size_t n)
{
    const char *uids = mwt_status_field(pid, "Uid");
    long uid = uids ? strtol(uids, NULL, 10) : -1;
    bool capable = mwt_may_trace_anyone();
    if (uid >= 0 && (uid_t)uid != geteuid() && !capable) {
        snprintf(buf, n, "not permitted to trace it: it belongs to uid %ld and memwatch runs as uid %d; only "
                 "root (CAP_SYS_PTRACE) may trace another user's process", uid, (int)geteuid());
        return buf;
    }
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
    int scope = -1;
    if (f) {
        if (fscanf(f, "%d", &scope) != 1)
            scope = -1;
        fclose(f);
    }
    if (scope == 3) {
        snprintf(buf, n, "not permitted to trace it: /proc/sys/kernel/yama/ptrace_scope is 3 (ptrace is off "
                 "until the next boot)");
    } else if (scope == 2 && !capable) {
        snprintf(buf, n, "not permitted to trace it: /proc/sys/kernel/yama/ptrace_scope is 2 (only root, "
                 "CAP_SYS_PTRACE, may trace); run memwatch as root");
    } else if (scope == 1 && !capable) {
        snprintf(buf, n, "not permitted to trace it: /proc/sys/kernel/yama/ptrace_scope is 1 (a process may "
                 "trace only its own descendants); run memwatch as root, or set ptrace_scope to 0");
    } else {
        snprintf(buf, n, "not permitted to trace it (EPERM: an undumpable program, such as a set-user-ID one, "
                 "or a security module or container policy, forbids it)");
    }
    return buf;
}
