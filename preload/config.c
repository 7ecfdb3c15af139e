/*
 * preload/config.c - reading the environment once (see config.h).
 *
 * The first caller may be an interposed mmap running before any constructor,
 * so this reads environ directly and keeps pointers into it; nothing here
 * allocates.  An adopted text (attach, the agent) is kept here as
 * "NAME=value" strings one after the other, read the same way.
 */
#include "preload/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/log.h"
#include "core/sys.h"

extern char **environ;

static struct mw_config mw_cfg;
static int mw_cfg_state; /* 0 unread, 1 reading, 2 ready */
static char mw_adopted_text[MW_CONFIG_TEXT_MAX];    /* as given */
static char mw_adopted_vars[MW_CONFIG_TEXT_MAX];    /* "NAME=value\0NAME=value\0\0" */
static int mw_have_adopted;

static const char *mw_match(const char *entry, const char *name, size_t n)
{
    return mw_strncmp(entry, name, n) == 0 && entry[n] == '=' ? entry + n + 1 : NULL;
}

static const char *mw_env(const char *name)
{
    size_t n = mw_strlen(name);
    const char *v;
    if (mw_have_adopted) {
        for (const char *e = mw_adopted_vars; *e; e += mw_strlen(e) + 1)
            if ((v = mw_match(e, name, n)))
                return v;
        return NULL;
    }
    for (char **e = environ; e && *e; e++)
        if ((v = mw_match(*e, name, n)))
            return v;
    return NULL;
}

int mw_config_adopt(const char *text)
{
    size_t n = mw_strlen(text);
    if (n + 2 > sizeof mw_adopted_vars)
        return -E2BIG;
    memcpy(mw_adopted_text, text, n + 1);
    size_t out = 0;
    for (const char *line = text; *line;) {
        const char *end = line;
        while (*end && *end != '\n')
            end++;
        if (end > line) {
            memcpy(mw_adopted_vars + out, line, (size_t)(end - line));
            out += (size_t)(end - line);
            mw_adopted_vars[out++] = 0;
        }
        line = *end ? end + 1 : end;
    }
    mw_adopted_vars[out] = 0;
    mw_have_adopted = 1;
    __atomic_store_n(&mw_cfg_state, 0, __ATOMIC_RELEASE); /* read again, from the text */
    return 0;
}

const char *mw_config_text(void) { return mw_have_adopted ? mw_adopted_text : NULL; }

static void mw_config_log(const char *log)
{
    if (!log || !*log)
        return;
    if (mw_strcmp(log, "stderr") == 0) {
        mw_log_set_fd(2);
        return;
    }
    int fd = (int)mw_sys_openat(AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        mw_warn("MEMWATCH_LOG=%s: cannot open: %s; diagnostics stay quiet", log, mw_strerror(-fd));
        return;
    }
    /* Keep it clear of the low descriptors a program may expect to own. */
    long high = mw_sys_fcntl(fd, F_DUPFD_CLOEXEC, 200);
    if (high >= 0) {
        mw_sys_close(fd);
        fd = (int)high;
    }
    mw_log_set_fd(fd);
}

static void mw_config_read(void)
{
    const char *dir = mw_env("MEMWATCH_DUMP_DIR");
    if (!dir || !*dir)
        dir = "./memwatch-out";
    size_t n = mw_strlen(dir);
    if (n >= sizeof mw_cfg.dump_dir)
        n = sizeof mw_cfg.dump_dir - 1;
    memcpy(mw_cfg.dump_dir, dir, n);
    mw_cfg.dump_dir[n] = 0;
    const char *cap = mw_env("MEMWATCH_CAPTURE");
    mw_cfg.capture = !(cap && mw_strcmp(cap, "0") == 0);
    const char *jd = mw_env("MEMWATCH_JITDUMP");
    mw_cfg.jitdump = jd && mw_strcmp(jd, "1") == 0;
    const char *sc = mw_env("MEMWATCH_SYSCALLS");
    mw_cfg.syscalls_trap = sc && mw_strcmp(sc, "trap") == 0;
    const char *be = mw_env("MEMWATCH_BACKEND");
    mw_cfg.backend_toggle = be && mw_strcmp(be, "toggle") == 0;
    const char *pr = mw_env("MEMWATCH_PROMOTE");
    mw_cfg.promote = !pr ? 1 : mw_strcmp(pr, "0") == 0 ? 0 : mw_strcmp(pr, "always") == 0 ? 2 : 1;
    mw_cfg.watch = mw_env("MEMWATCH_WATCH");
    mw_cfg.log = mw_env("MEMWATCH_LOG");
    mw_cfg.agent = mw_env("MEMWATCH_AGENT");
    mw_cfg.adopted = mw_have_adopted;
    mw_config_log(mw_cfg.log);
}

const struct mw_config *mw_config(void)
{
    if (__atomic_load_n(&mw_cfg_state, __ATOMIC_ACQUIRE) == 2)
        return &mw_cfg;
    int expect = 0;
    if (__atomic_compare_exchange_n(&mw_cfg_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        mw_config_read();
        __atomic_store_n(&mw_cfg_state, 2, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&mw_cfg_state, __ATOMIC_ACQUIRE) != 2)
            __builtin_ia32_pause();
    }
    return &mw_cfg;
}
