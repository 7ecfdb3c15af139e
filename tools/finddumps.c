/*
 * tools/finddumps.c - decides which process directories a report covers: the
 * path itself when it holds captures.jsonl or accesses.jsonl, otherwise each
 * subdirectory that does, ordered by the pid in its "<exe>.<pid>" name (the
 * order the processes started in, barring pid wrap-around).
 */
#include "tools/dump.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool mwt_is_file(const char *dir, const char *name)
{
    struct stat st;
    char *path = mwt_path_join(dir, name);
    bool ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

static bool mwt_holds_dump(const char *dir)
{
    return mwt_is_file(dir, MWT_CAPTURES) || mwt_is_file(dir, MWT_ACCESSES);
}

/* The pid suffix of "<exe>.<pid>", or -1. */
static long long mwt_pid_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && slash > dot) || !dot[1])
        return -1;
    char *end;
    long long pid = strtoll(dot + 1, &end, 10);
    return *end == '\0' && dot[1] != '-' ? pid : -1;
}

static int mwt_dump_order(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    long long px = mwt_pid_of(x), py = mwt_pid_of(y);
    if (px != py)
        return px < 0 ? 1 : py < 0 ? -1 : px < py ? -1 : 1;
    return strcmp(x, y);
}

static long mwt_scan_children(const char *path, char ***dirs)
{
    DIR *dir = opendir(path);
    if (!dir) {
        mwt_error("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *sub = mwt_path_join(path, e->d_name);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && mwt_holds_dump(sub)) {
            *dirs = mwt_grow(*dirs, &cap, n + 1, sizeof **dirs);
            (*dirs)[n++] = sub;
        } else {
            free(sub);
        }
    }
    closedir(dir);
    if (n > 1)
        qsort(*dirs, n, sizeof **dirs, mwt_dump_order);
    return (long)n;
}

long mwt_find_dumps(const char *path, char ***dirs)
{
    struct stat st;
    *dirs = NULL;
    if (stat(path, &st) < 0) {
        mwt_error("%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        mwt_error("%s: not a directory", path);
        return -1;
    }
    if (mwt_holds_dump(path)) {
        *dirs = mwt_xmalloc(sizeof **dirs);
        (*dirs)[0] = mwt_xstrdup(path);
        return 1;
    }
    long n = mwt_scan_children(path, dirs);
    if (n == 0)
        mwt_error("%s: no dump files (neither %s nor %s, here or in its <exe>.<pid>/ directories)",
                  path, MWT_CAPTURES, MWT_ACCESSES);
    return n == 0 ? -1 : n;
}
