/*
 * tools/attach.c - `memwatch --pid PID`: the library (or the agent)
 * brought into a running process (see attach.h).
 *
 * Dynamic process, in its thread stopped at a safe point (safepoint.c):
 *   the gate (its int3 ends our calls), a page with the strings, a stack;
 *   dlopen(libmemwatch.so, RTLD_NOW) - the constructor stays quiet, the gate
 *   being there; dlsym(handle, "__memwatch_attach"); that with the
 *   configuration (preload/attach.h).  A refused start is unloaded again.
 * Static process, in any of its threads, wherever it is: the agent
 *   (inject/agent_image.c), as for a launched static program.
 * Then everything of ours but the library (or agent) and the gate goes, the
 * thread gets its registers back and runs on.  When something fails the
 * gate goes too: the process is left as it was found (or it is gone).
 */
#include "tools/attach.h"
#include "tools/launch.h"
#include "tools/static.h"
#include "tools/util.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "preload/attach.h"

#define MWT_SAFE_POINT_MS 5000
#define MWT_CALL_MS 60000
#define MWT_CALL_STACK (1 << 20)
#define MWT_ENTRY "__memwatch_attach"

/* Strings and a stack of ours in the process, for the calls. */
struct mwt_room {
    uint64_t strings, strings_len, stack;
    uint64_t lib, entry, config; /* the strings */
};

static const char *mwt_attach_status_text(long status)
{
    switch (status) {
    case MW_ATTACH_ALREADY:
        return "the library is already running there";
    case MW_ATTACH_BAD_CONFIG:
        return "the configuration is too long";
    case MW_ATTACH_NO_DUMP_DIR:
        return "the process cannot make or write the dump directory (it runs as another user?)";
    case MW_ATTACH_NO_GATE:
        return "the syscall gate went missing";
    case MW_ATTACH_NO_FILTER:
        return "the kernel refused the seccomp filter: the library is loaded but does not see the program's "
               "memory calls";
    default:
        return "the library failed to start";
    }
}

/* What an injector failure means, in one phrase. */
static const char *mwt_inj_why(enum mw_inj e, const struct mw_tracee *t, char *buf, size_t n)
{
    if (e == MW_INJ_GONE)
        return "it exited during the attach";
    snprintf(buf, n, "%s%s%s", mw_inj_text(e), t->errno_value ? ": " : "",
             t->errno_value ? strerror(t->errno_value) : "");
    return buf;
}

static enum mw_inj mwt_room_make(struct mw_tracee *t, const char *lib, const char *config, struct mwt_room *r)
{
    size_t a = strlen(lib) + 1, b = sizeof MWT_ENTRY, c = strlen(config) + 1;
    char *all = mwt_xmalloc(a + b + c);
    memcpy(all, lib, a);
    memcpy(all + a, MWT_ENTRY, b);
    memcpy(all + a + b, config, c);
    r->strings_len = a + b + c;
    enum mw_inj e = mw_remote_alloc(t, r->strings_len, &r->strings);
    if (e == MW_INJ_OK)
        e = mw_remote_write(t, r->strings, all, r->strings_len);
    if (e == MW_INJ_OK)
        e = mw_remote_alloc(t, MWT_CALL_STACK, &r->stack);
    free(all);
    r->lib = r->strings;
    r->entry = r->strings + a;
    r->config = r->strings + a + b;
    return e;
}

static void mwt_room_free(struct mw_tracee *t, struct mwt_room *r)
{
    if (r->stack)
        mw_remote_free(t, r->stack, MWT_CALL_STACK);
    if (r->strings)
        mw_remote_free(t, r->strings, r->strings_len);
}

static enum mw_inj mwt_call(struct mw_tracee *t, const struct mwt_room *r, uint64_t fn, long a0, long a1,
                            uint64_t *ret)
{
    const long args[6] = {a0, a1, 0, 0, 0, 0};
    return mw_remote_call(t, fn, r->stack + MWT_CALL_STACK, args, MWT_CALL_MS, ret);
}

/* dlopen's complaint, read out of the process. */
static void mwt_dlerror(struct mw_tracee *t, const struct mwt_room *r, uint64_t dl_error, char *buf, size_t n)
{
    uint64_t msg = 0;
    char text[300] = "";
    if (dl_error && mwt_call(t, r, dl_error, 0, 0, &msg) == MW_INJ_OK && msg)
        for (size_t i = 0; i + 1 < sizeof text && mw_remote_read(t, &text[i], msg + i, 1) == MW_INJ_OK && text[i];
             i++)
            ;
    snprintf(buf, n, "its dlopen refused the library: %s", text[0] ? text : "(no reason given)");
}

/* The library, loaded and started in the thread t (stopped at a safe point). */
static const char *mwt_load_library(pid_t pid, struct mw_tracee *t, const char *lib, const char *config, char *buf,
                                    size_t n)
{
    uint64_t dl_open = mwt_remote_symbol(pid, "dlopen"), dl_sym = mwt_remote_symbol(pid, "dlsym");
    uint64_t dl_close = mwt_remote_symbol(pid, "dlclose"), dl_error = mwt_remote_symbol(pid, "dlerror");
    uint64_t handle = 0, entry = 0, status = 0;
    struct mwt_room room = {0};
    const char *why = NULL;
    if (!dl_open || !dl_sym)
        return "no dlopen in the process (a C library older than glibc 2.34 without libdl loaded?)";
    enum mw_inj e = mw_remote_make_gate(t);
    if (e == MW_INJ_OK)
        e = mwt_room_make(t, lib, config, &room);
    if (e == MW_INJ_OK)
        e = mwt_call(t, &room, dl_open, (long)room.lib, RTLD_NOW, &handle);
    if (e == MW_INJ_OK && !handle) {
        mwt_dlerror(t, &room, dl_error, buf, n);
        why = buf;
    }
    if (e == MW_INJ_OK && !why)
        e = mwt_call(t, &room, dl_sym, (long)handle, (long)room.entry, &entry);
    if (e == MW_INJ_OK && !why && !entry)
        why = "the library has no " MWT_ENTRY " (a library of another version?)";
    if (e == MW_INJ_OK && !why) {
        e = mwt_call(t, &room, entry, (long)room.config, 0, &status);
        if (e == MW_INJ_OK && (int)status != MW_ATTACH_OK)
            why = mwt_attach_status_text((int)status);
    }
    /* Refused before it changed anything: unloaded again. */
    if (e == MW_INJ_OK && why && handle && dl_close && (int)status != MW_ATTACH_NO_FILTER) {
        uint64_t ignored;
        mwt_call(t, &room, dl_close, (long)handle, 0, &ignored);
    }
    if (e != MW_INJ_GONE)
        mwt_room_free(t, &room);
    if (e != MW_INJ_OK)
        why = mwt_inj_why(e, t, buf, n);
    return why;
}

/* The agent, in whichever thread stops first. */
static const char *mwt_load_agent(pid_t pid, struct mw_tracee *t, const char *agent, const char *config, char *buf,
                                  size_t n)
{
    long status = -1;
    enum mw_inj e = mw_tracee_seize(t, pid, pid, 0, 1000);
    if (e == MW_INJ_PERM)
        return mwt_ptrace_refusal(pid, buf, n);
    if (e == MW_INJ_OK)
        e = mw_inject_agent(t, agent, config, &status);
    if (e != MW_INJ_OK)
        return mwt_inj_why(e, t, buf, n);
    return status == MW_AGENT_OK ? NULL : mwt_agent_status_text(status);
}

static int mwt_refuse(pid_t pid, const char *why)
{
    mwt_error("pid %d: %s", (int)pid, why);
    return 1;
}

int mwt_attach_main(struct mwt_launch *l, const char *lib)
{
    pid_t pid = l->pid;
    struct mwt_target tg;
    struct mw_tracee t = {0};
    char buf[512];
    const char *why = mwt_attach_refusal(pid, &tg, buf, sizeof buf);
    if (why)
        return mwt_refuse(pid, why);
    if (tg.is_static && l->watch)
        return mwt_refuse(pid, "it is statically linked: --watch cannot be served there (watching needs the Zydis "
                               "decoder inside the process, and Debian ships Zydis only as a shared library)");
    if (l->no_capture && !l->watch)
        return mwt_refuse(pid, "nothing to do: --no-capture without --watch");
    char *agent = mwt_find_agent();
    if (!agent)
        return 125;
    char *config = mwt_agent_config(agent);
    if (tg.is_static) {
        why = mwt_load_agent(pid, &t, agent, config, buf, sizeof buf);
    } else {
        enum mw_inj e = mwt_stop_at_safe_point(&tg, MWT_SAFE_POINT_MS, &t);
        if (e == MW_INJ_OK)
            why = mwt_load_library(pid, &t, lib, config, buf, sizeof buf);
        else if (e == MW_INJ_PERM)
            why = mwt_ptrace_refusal(pid, buf, sizeof buf);
        else if (e == MW_INJ_TIMEOUT)
            why = "no thread reached a safe point within 5 s (each was busy inside the C library, or blocked "
                  "where it may hold a lock); try again";
        else
            why = mwt_inj_why(e, &t, buf, sizeof buf);
    }
    if (why && t.seized)
        mw_remote_drop_gate(&t); /* ours, made for this attach: it goes too */
    if (t.seized)
        mw_tracee_release(&t);
    free(agent);
    free(config);
    if (why)
        return mwt_refuse(pid, why);
    if (!l->quiet)
        fprintf(stderr, "memwatch: pid %d (%s) is watched now%s; it dumps into %s/%s.%d/\n", (int)pid, tg.name,
                tg.is_static ? " (statically linked: by the capture agent)" : "", l->dump_shown, tg.name, (int)pid);
    return 0;
}
