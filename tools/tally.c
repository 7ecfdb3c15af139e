/*
 * tools/tally.c - counts what this run wrote into the dump directory.
 * Directory times are too coarse to tell this run from the previous one, and
 * a pid can come back with its old directory, so the launcher records, before
 * it starts the program, each <exe>.<pid>/ directory with the inode and size
 * of its two .jsonl files.  Afterwards a file that is new (or replaced) counts
 * whole, one that grew counts from its old size; a directory counts as one of
 * this run's processes when it is new or something in it changed.
 */
#include "tools/tally.h"
#include "tools/dump.h"
#include "tools/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mwt_file_state {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
};

struct mwt_seen {
    char *name;
    ino_t dir_ino;
    struct mwt_file_state caps, accs;
};

/* "<exe>.<pid>": something, a dot, digits. */
static bool mwt_is_process_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1])
        return false;
    for (const char *p = dot + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static struct mwt_file_state mwt_file_state(const char *dir, const char *name)
{
    struct mwt_file_state s = { false, 0, 0, 0 };
    struct stat st;
    char *path = mwt_path_join(dir, name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        s = (struct mwt_file_state){ true, st.st_dev, st.st_ino, st.st_size };
    free(path);
    return s;
}

/* Calls fn for every process directory in dir. */
static void mwt_each_process_dir(const char *dir, void (*fn)(void *, const char *, const char *, ino_t),
                                 void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;
        if (!mwt_is_process_name(e->d_name))
            continue;
        char *path = mwt_path_join(dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            fn(arg, e->d_name, path, st.st_ino);
        free(path);
    }
    closedir(d);
}

struct mwt_snap {
    struct mwt_tally *t;
    size_t cap;
};

static void mwt_snap_one(void *arg, const char *name, const char *path, ino_t ino)
{
    struct mwt_snap *s = arg;
    struct mwt_tally *t = s->t;
    t->seen = mwt_grow(t->seen, &s->cap, t->nseen + 1, sizeof *t->seen);
    struct mwt_seen *e = &t->seen[t->nseen++];
    e->name = mwt_xstrdup(name);
    e->dir_ino = ino;
    e->caps = mwt_file_state(path, MWT_CAPTURES);
    e->accs = mwt_file_state(path, MWT_ACCESSES);
}

static int mwt_seen_cmp(const void *a, const void *b)
{
    return strcmp(((const struct mwt_seen *)a)->name, ((const struct mwt_seen *)b)->name);
}

void mwt_tally_snapshot(struct mwt_tally *t, const char *dir)
{
    struct mwt_snap s = { t, 0 };
    t->dir = mwt_xstrdup(dir);
    t->seen = NULL;
    t->nseen = 0;
    mwt_each_process_dir(dir, mwt_snap_one, &s);
    if (t->nseen > 1)
        qsort(t->seen, t->nseen, sizeof *t->seen, mwt_seen_cmp);
}

/* Newlines in path from byte `from` on. */
static uint64_t mwt_count_lines(const char *path, off_t from)
{
    char buf[65536];
    uint64_t n = 0;
    ssize_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (from > 0 && lseek(fd, from, SEEK_SET) != from) {
        close(fd);
        return 0;
    }
    while ((r = read(fd, buf, sizeof buf)) > 0)
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
            n++;
    close(fd);
    return n;
}

/* Lines this run added to dir/name; *changed is set when the file is new or changed. */
static uint64_t mwt_new_lines(const char *dir, const char *name, const struct mwt_file_state *before,
                              bool *changed)
{
    struct mwt_file_state now = mwt_file_state(dir, name);
    if (!now.exists)
        return 0;
    bool same = before && before->exists && before->dev == now.dev && before->ino == now.ino &&
                before->size <= now.size;
    if (same && before->size == now.size)
        return 0;
    *changed = true;
    char *path = mwt_path_join(dir, name);
    uint64_t n = mwt_count_lines(path, same ? before->size : 0);
    free(path);
    return n;
}

struct mwt_cnt {
    const struct mwt_tally *t;
    bool captures_only;
    struct mwt_counts *c;
};

static void mwt_count_one(void *arg, const char *name, const char *path, ino_t ino)
{
    struct mwt_cnt *k = arg;
    struct mwt_seen key = { (char *)name, 0, { 0 }, { 0 } };
    const struct mwt_seen *old = k->t->nseen
        ? bsearch(&key, k->t->seen, k->t->nseen, sizeof key, mwt_seen_cmp) : NULL;
    if (old && old->dir_ino != ino)
        old = NULL; /* removed and made again: all of it is new */
    bool changed = !old;
    k->c->captures += mwt_new_lines(path, MWT_CAPTURES, old ? &old->caps : NULL, &changed);
    if (!k->captures_only)
        k->c->accesses += mwt_new_lines(path, MWT_ACCESSES, old ? &old->accs : NULL, &changed);
    k->c->processes += changed;
}

void mwt_tally_count(const struct mwt_tally *t, bool captures_only, struct mwt_counts *c)
{
    struct mwt_cnt k = { t, captures_only, c };
    memset(c, 0, sizeof *c);
    mwt_each_process_dir(t->dir, mwt_count_one, &k);
}

void mwt_tally_free(struct mwt_tally *t)
{
    for (size_t i = 0; i < t->nseen; i++)
        free(t->seen[i].name);
    free(t->seen);
    free(t->dir);
    memset(t, 0, sizeof *t);
}
