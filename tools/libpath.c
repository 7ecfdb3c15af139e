/*
 * tools/libpath.c - finds the libmemwatch.so the launcher preloads and
 * returns its absolute path: $MEMWATCH_LIB, else the library next to the
 * memwatch executable (the build tree), else ../lib/ from it (an installed
 * prefix), else the build directory compiled in.
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

char *mwt_find_library(void)
{
    const char *env = getenv("MEMWATCH_LIB");
    if (env && *env) {
        char *abs = realpath(env, NULL);
        if (!abs)
            mwt_error("MEMWATCH_LIB=%s: %s", env, strerror(errno));
        return mwt_checked(abs);
    }
    char *self = mwt_self_dir();
    char *abs = mwt_try(self, MWT_LIBNAME);
    if (!abs)
        abs = mwt_try(self, "../lib/" MWT_LIBNAME);
    if (!abs)
        abs = mwt_try(MEMWATCH_LIBDIR_DEFAULT, MWT_LIBNAME);
    if (!abs)
        mwt_error("cannot find %s (looked in %s, %s/../lib and %s); set MEMWATCH_LIB",
                  MWT_LIBNAME, self ? self : "?", self ? self : "?",
                  *MEMWATCH_LIBDIR_DEFAULT ? MEMWATCH_LIBDIR_DEFAULT : "-");
    free(self);
    return mwt_checked(abs);
}
