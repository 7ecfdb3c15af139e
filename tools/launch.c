/*
 * tools/launch.c - the launcher command: parses its options into the
 * environment libmemwatch reads at load (MEMWATCH_*, LD_PRELOAD), snapshots
 * the dump directory, runs the program while following the dump (the event
 * stream of --events, the status line on a terminal), prints the summary
 * line on stderr and ends with the program's status.
 */
#include "tools/attach.h"
#include "tools/events.h"
#include "tools/follow.h"
#include "tools/launch.h"
#include "tools/static.h"
#include "tools/tally.h"
#include "tools/usage.h"
#include "tools/util.h"
#include "tools/yara_live.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MWT_DEFAULT_DUMP "./memwatch-out"

/* The value of option `name` at argv[*i]: "--name=V" or "--name V". */
static const char *mwt_optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        mwt_error("%s needs a value (see memwatch --help)", name);
        exit(125);
    }
    return argv[++*i];
}

static void mwt_add_watch(struct mwt_launch *l, const char *spec)
{
    char *joined = l->watch ? mwt_xasprintf("%s,%s", l->watch, spec) : mwt_xstrdup(spec);
    free(l->watch);
    l->watch = joined;
}

/* Handles the option at argv[*i]; false when it is not one. */
static bool mwt_option(struct mwt_launch *l, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        mwt_usage_launcher(stdout);
        exit(0);
    } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
        mwt_version(stdout);
        exit(0);
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        l->quiet = true;
    } else if (strcmp(a, "--no-capture") == 0) {
        l->no_capture = true;
    } else if (strcmp(a, "--jitdump") == 0) {
        l->jitdump = true;
    } else if ((v = mwt_optval(argc, argv, i, "--dump-dir"))) {
        l->dump_shown = v;
    } else if ((v = mwt_optval(argc, argv, i, "--watch"))) {
        mwt_add_watch(l, v);
    } else if ((v = mwt_optval(argc, argv, i, "--pid"))) {
        char *end;
        long pid = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || pid <= 0 || pid > 0x3fffffff) {
            mwt_error("--pid takes a process id, not '%s'", v);
            exit(125);
        }
        l->pid = (int)pid;
    } else if ((v = mwt_optval(argc, argv, i, "--events"))) {
        l->events = v;
    } else if ((v = mwt_optval(argc, argv, i, "--yara"))) {
        l->yara = v;
    } else if ((v = mwt_optval(argc, argv, i, "--log"))) {
        l->log = v;
    } else if ((v = mwt_optval(argc, argv, i, "--syscalls"))) {
        if (strcmp(v, "trap") != 0) {
            mwt_error("--syscalls takes 'trap', not '%s'", v);
            exit(125);
        }
        l->syscalls = v;
    } else {
        return false;
    }
    return true;
}

static void mwt_parse(struct mwt_launch *l, int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (!mwt_option(l, argc, argv, &i)) {
            mwt_error("unknown option '%s' (see memwatch --help)", a);
            exit(125);
        }
    }
    if (l->pid && i < argc) {
        mwt_error("--pid attaches to a running process: give no program to run");
        exit(125);
    }
    if (i >= argc && !l->pid) {
        mwt_error("no program to run (usage: memwatch [options] [--] program [args...])");
        exit(125);
    }
    l->argv = argv + i;
}

/* path, absolute: relative ones are taken from the current directory. */
static char *mwt_absolute(const char *path)
{
    if (path[0] == '/')
        return mwt_xstrdup(path);
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return mwt_xstrdup(path);
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    char *abs = path[0] && strcmp(path, ".") != 0 ? mwt_path_join(cwd, path) : mwt_xstrdup(cwd);
    free(cwd);
    return abs;
}

static void mwt_setenv(const char *name, const char *value)
{
    if (setenv(name, value, 1) < 0) {
        mwt_error("cannot set %s: %s", name, strerror(errno));
        exit(125);
    }
}

/* LD_PRELOAD with lib first and any earlier copy of it dropped. */
static void mwt_set_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    char *list = mwt_xstrdup(lib), *copy = mwt_xstrdup(old ? old : ""), *save = NULL;
    for (char *tok = strtok_r(copy, " :", &save); tok; tok = strtok_r(NULL, " :", &save)) {
        if (strcmp(tok, lib) == 0)
            continue;
        char *next = mwt_xasprintf("%s:%s", list, tok);
        free(list);
        list = next;
    }
    mwt_setenv("LD_PRELOAD", list);
    free(list);
    free(copy);
}

static void mwt_set_environment(struct mwt_launch *l, const char *lib)
{
    const char *env_dump = getenv("MEMWATCH_DUMP_DIR");
    if (!l->dump_shown)
        l->dump_shown = env_dump && *env_dump ? env_dump : MWT_DEFAULT_DUMP;
    l->dump_abs = mwt_absolute(l->dump_shown);
    mwt_setenv("MEMWATCH_DUMP_DIR", l->dump_abs);
    if (l->no_capture)
        mwt_setenv("MEMWATCH_CAPTURE", "0");
    if (l->watch)
        mwt_setenv("MEMWATCH_WATCH", l->watch);
    if (l->log) {
        char *log = strcmp(l->log, "stderr") == 0 ? mwt_xstrdup(l->log) : mwt_absolute(l->log);
        mwt_setenv("MEMWATCH_LOG", log);
        free(log);
    }
    if (l->jitdump)
        mwt_setenv("MEMWATCH_JITDUMP", "1");
    if (l->syscalls)
        mwt_setenv("MEMWATCH_SYSCALLS", l->syscalls);
    if (lib) /* NULL: a static program, served by the agent instead */
        mwt_set_preload(lib);
}

#define MWT_EVENTS_TICK_MS 20    /* --events: how often the dump is looked at */
#define MWT_STATUS_TICK_MS 100   /* the status line: at most ten times a second */

/* What runs while the program does: the follower and its consumers. */
struct mwt_live {
    struct mwt_follow *follow;
    struct mwt_tally tally;
    struct mwt_events *events;
    bool status;                 /* a status line on stderr (a terminal) */
    int width;                   /* characters of the status line on screen, 0 when none */
    double drawn;                /* when it was last drawn */
};

static const char *mwt_plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

/* "12.0 KiB" and the like. */
static void mwt_human_bytes(uint64_t n, char *buf, size_t cap)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%" PRIu64 " %s", n, n == 1 ? "byte" : "bytes");
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
}

/* The status line, rewritten in place. */
static void mwt_status_draw(struct mwt_live *v, double seconds)
{
    const struct mwt_counts *c = &v->tally.c;
    char code[32];
    mwt_human_bytes(c->code_bytes, code, sizeof code);
    int w = fprintf(stderr, "\rmemwatch: %" PRIu64 " %s (%s of distinct code), %" PRIu64 " %s, %" PRIu64
                    " %s, %.1f s", c->captures, mwt_plural(c->captures, "capture", "captures"), code,
                    c->accesses, mwt_plural(c->accesses, "access", "accesses"), c->processes,
                    mwt_plural(c->processes, "process", "processes"), seconds);
    if (w > 0 && w - 1 < v->width)
        fprintf(stderr, "%*s", v->width - (w - 1), "");
    if (w > 0 && w - 1 > v->width)
        v->width = w - 1;
    fflush(stderr);
    v->drawn = seconds;
}

static void mwt_status_erase(struct mwt_live *v)
{
    if (v->width > 0)
        fprintf(stderr, "\r%*s\r", v->width, "");
    v->width = 0;
}

static void mwt_live_tick(void *arg, double seconds)
{
    struct mwt_live *v = arg;
    /* Set here, after the fork: the program keeps the SIGPIPE it was given,
     * memwatch learns of a reader gone from EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    mwt_follow_poll(v->follow);
    if (v->events)
        mwt_events_flush(v->events);
    if (v->status && seconds - v->drawn >= MWT_STATUS_TICK_MS / 1000.0 - 0.005)
        mwt_status_draw(v, seconds);
}

/* The summary line; lead goes after "memwatch: " (an attached pid's end). */
static void mwt_summary(const struct mwt_launch *l, const struct mwt_counts *c, const char *lead)
{
    fprintf(stderr, "memwatch: %s%" PRIu64 " capture%s, %" PRIu64 " access%s logged in %s (%" PRIu64
            " process%s)\n", lead, c->captures, c->captures == 1 ? "" : "s", c->accesses,
            c->accesses == 1 ? "" : "es", l->dump_shown, c->processes, c->processes == 1 ? "" : "es");
}

/* The follower and what consumes it while the program runs: the YARA
 * scanner (its rules compiled first: rules that do not compile stop
 * memwatch before anything starts), the event stream, the tally behind the
 * status line and the summary.  0, or the exit status to end with. */
static int mwt_live_open(struct mwt_live *v, const struct mwt_launch *l, struct mwt_yara **yara)
{
    *yara = NULL;
    if (l->yara && !(*yara = mwt_yara_open(l->yara)))
        return MWT_YARA_EXIT_BAD_RULES;
    if (l->events && !(v->events = mwt_events_open(l->events)))
        return 125;
    v->status = !l->quiet && isatty(STDERR_FILENO);
    v->follow = mwt_follow_new(l->dump_abs);
    mwt_tally_attach(&v->tally, v->follow, v->status);
    if (*yara) /* before the event stream: its lines carry the matches */
        mwt_yara_live_attach(*yara, v->follow);
    if (v->events)
        mwt_events_attach(v->events, v->follow);
    return 0;
}

/* How often the live consumers need the dump looked at (0: never). */
static unsigned mwt_live_tick_ms(const struct mwt_live *v, const struct mwt_yara *yara)
{
    return v->events || yara ? MWT_EVENTS_TICK_MS : v->status ? MWT_STATUS_TICK_MS : 0;
}

/* What the last moments wrote, then the stream's end (a reader gets up to
 * 2 s to take what waits) and the status line's. */
static void mwt_live_finish(struct mwt_live *v)
{
    signal(SIGPIPE, SIG_IGN);
    mwt_follow_poll(v->follow);
    mwt_events_close(v->events, 2000);
    mwt_status_erase(v);
}

static void mwt_live_free(struct mwt_live *v, struct mwt_yara *yara)
{
    mwt_tally_free(&v->tally);
    mwt_follow_free(v->follow);
    if (yara)
        mwt_yara_close(yara);
}

/* --pid with --events or --yara: the library attached (tools/attach.c),
 * memwatch stays to follow the process's dump until the process ends (or
 * memwatch is interrupted: the process runs on, still watched). */
static int mwt_attach_live(struct mwt_launch *l, const char *lib)
{
    struct mwt_live v;
    struct mwt_yara *yara;
    memset(&v, 0, sizeof v);
    int rc = mwt_live_open(&v, l, &yara); /* the snapshot before the attach's first captures */
    if (rc == 0)
        rc = mwt_attach_main(l, lib);
    if (rc == 0) {
        int stopped = mwt_pid_follow(l->pid, MWT_EVENTS_TICK_MS, mwt_live_tick, &v);
        mwt_live_finish(&v);
        char lead[64];
        snprintf(lead, sizeof lead, "pid %d %s: ", (int)l->pid, stopped ? "followed until interrupted" : "ended");
        if (!l->quiet)
            mwt_summary(l, &v.tally.c, lead);
    }
    mwt_live_free(&v, yara);
    return rc;
}

int mwt_launch_main(int argc, char **argv)
{
    struct mwt_launch l;
    struct mwt_live v;
    int status = 0;
    memset(&l, 0, sizeof l);
    memset(&v, 0, sizeof v);
    mwt_parse(&l, argc, argv);
    char *lib = mwt_find_library();
    if (!lib)
        return 125;
    if (l.pid) { /* tools/attach.c */
        mwt_set_environment(&l, NULL);
        return l.events || l.yara ? mwt_attach_live(&l, lib) : mwt_attach_main(&l, lib);
    }
    struct mwt_agent_launch agent;
    bool is_static = mwt_static_launch_prepare(&l, &agent);
    mwt_set_environment(&l, is_static ? NULL : lib);
    if (is_static)
        mwt_static_launch_ready(&agent);
    struct mwt_yara *yara;
    int rc = mwt_live_open(&v, &l, &yara);
    if (rc)
        return rc;
    int e = mwt_child_run(l.argv, mwt_live_tick_ms(&v, yara), mwt_live_tick, &v, &status);
    mwt_live_finish(&v);
    if (e)
        mwt_error("cannot run '%s': %s", l.argv[0], strerror(e));
    else if (!l.quiet)
        mwt_summary(&l, &v.tally.c, "");
    mwt_live_free(&v, yara);
    free(lib);
    free(l.dump_abs);
    free(l.watch);
    if (e)
        return e == ENOENT ? 127 : 126;
    mwt_exit_like(status);
}
