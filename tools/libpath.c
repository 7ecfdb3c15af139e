/*
 * tools/libpath.c - finds the libmemwatch.so the launcher preloads and
 * returns its absolute path: $MEMWATCH_LIB, else the library next to the
 * memwatch executable (the build tree), else ../lib/ from it (an installed
 * prefix), else the build directory compiled in.  The capture agent
 * (memwatch-agent.so) is found the same way, beside the library.
 */
#include "tools/launch.h"
#include "tools/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MEMWATCH_LIBDIR_DEFAULT
#define MEMWATCH_LIBDIR_DEFAULT ""
#endif

#define MWT_LIBNAME "libmemwatch.so"
#define MWT_AGENTNAME "memwatch-agent.so"

/* The directory of the running executable, or NULL. */
static char *mwt_self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return mwt_xstrdup(buf[0] ? buf : "/");
}

/* LD_PRELOAD splits on spaces and colons and has no escape for either. */
static char *mwt_checked(char *path)
{
    if (path && strpbrk(path, " :")) {
        mwt_error("%s: LD_PRELOAD cannot carry a path with a space or a colon; "
                  "copy the library elsewhere and set MEMWATCH_LIB", path);
        free(path);
        return NULL;
    }
    return path;
}

static char *mwt_try(const char *dir, const char *rel)
{
    if (!dir || !*dir)
        return NULL;
    char *cand = mwt_xasprintf("%s/%s", dir, rel);
    char *abs = access(cand, R_OK) == 0 ? realpath(cand, NULL) : NULL;
    free(cand);
    return abs;
}

/* name beside the memwatch executable, in ../lib from it, or in the build
 * directory compiled in; NULL after printing where it looked. */
static char *mwt_find_beside(const char *name)
{
    char *self = mwt_self_dir();
    char *abs = mwt_try(self, name);
    if (!abs) {
        char *rel = mwt_xasprintf("../lib/%s", name);
        abs = mwt_try(self, rel);
        free(rel);
    }
    if (!abs)
        abs = mwt_try(MEMWATCH_LIBDIR_DEFAULT, name);
    if (!abs)
        mwt_error("cannot find %s (looked in %s, %s/../lib and %s)%s", name, self ? self : "?",
                  self ? self : "?", *MEMWATCH_LIBDIR_DEFAULT ? MEMWATCH_LIBDIR_DEFAULT : "-",
                  strcmp(name, MWT_LIBNAME) == 0 ? "; set MEMWATCH_LIB" : "");
    free(self);
    return abs;
}

char *mwt_find_library(void)
{
    const char *env = getenv("MEMWATCH_LIB");
    if (env && *env) {
        char *abs = realpath(env, NULL);
        if (!abs)
            mwt_error("MEMWATCH_LIB=%s: %s", env, strerror(errno));
        return mwt_checked(abs);
    }
    return mwt_checked(mwt_find_beside(MWT_LIBNAME));
}

char *mwt_find_agent(void)
{
    const char *lib = getenv("MEMWATCH_LIB");
    if (lib && *lib) { /* a library chosen by hand: its agent is the one beside it */
        char *abs = realpath(lib, NULL), *slash = abs ? strrchr(abs, '/') : NULL;
        char *agent = NULL;
        if (slash) {
            *slash = '\0';
            agent = mwt_try(abs, MWT_AGENTNAME);
        }
        free(abs);
        if (agent)
            return agent;
    }
    return mwt_find_beside(MWT_AGENTNAME);
}
