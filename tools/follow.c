/*
 * tools/follow.c - following the dump directory of a run (see follow.h).
 *
 * Each poll lists the dump directory (new <exe>.<pid>/ directories), then
 * stats each followed file and reads what it gained since the last poll:
 * one stat per file when nothing happened, no descriptor kept open between
 * polls (a run may start thousands of processes).
 */
#include "tools/follow.h"
#include "tools/dump.h"
#include "tools/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MWT_MAX_CONSUMERS 8
#define MWT_READ_CHUNK (64 * 1024)

/* One .jsonl file, followed. */
struct mwt_tail {
    bool existed;                 /* there at the snapshot, with this inode and size */
    dev_t dev;
    ino_t ino;
    off_t offset;                 /* read up to here */
    char *partial;                /* the start of a line whose newline has not come yet */
    size_t npartial, cap;
};

struct mwt_entry {
    struct mwt_proc proc;
    ino_t dir_ino;
    bool announced;               /* the consumers have been told of proc */
    struct mwt_tail caps, accs;
};

struct mwt_follow {
    char *dir;
    struct mwt_entry **entries;   /* by name */
    size_t n, cap;
    struct mwt_consumer consumers[MWT_MAX_CONSUMERS];
    size_t nconsumers;
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

static int mwt_entry_cmp(const void *a, const void *b)
{
    return strcmp((*(struct mwt_entry *const *)a)->proc.name, (*(struct mwt_entry *const *)b)->proc.name);
}

static struct mwt_entry *mwt_find(struct mwt_follow *f, const char *name)
{
    struct mwt_proc key_proc = { (char *)name, NULL, 0, false };
    struct mwt_entry key = { .proc = key_proc }, *kp = &key;
    struct mwt_entry **e = f->n ? bsearch(&kp, f->entries, f->n, sizeof *f->entries, mwt_entry_cmp) : NULL;
    return e ? *e : NULL;
}

static void mwt_tail_mark(struct mwt_tail *t, const char *dir, const char *file)
{
    struct stat st;
    char *path = mwt_path_join(dir, file);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        t->existed = true;
        t->dev = st.st_dev;
        t->ino = st.st_ino;
        t->offset = st.st_size;
    }
    free(path);
}

static struct mwt_entry *mwt_add(struct mwt_follow *f, const char *name, ino_t ino)
{
    struct mwt_entry *e = mwt_xcalloc(1, sizeof *e);
    e->proc.name = mwt_xstrdup(name);
    e->proc.path = mwt_path_join(f->dir, name);
    e->proc.pid = strtol(strrchr(name, '.') + 1, NULL, 10);
    e->dir_ino = ino;
    f->entries = mwt_grow(f->entries, &f->cap, f->n + 1, sizeof *f->entries);
    size_t at = 0;
    while (at < f->n && strcmp(f->entries[at]->proc.name, name) < 0)
        at++;
    memmove(f->entries + at + 1, f->entries + at, (f->n - at) * sizeof *f->entries);
    f->entries[at] = e;
    f->n++;
    return e;
}

/* Calls fn for every process directory in f->dir. */
static void mwt_each_dir(struct mwt_follow *f, void (*fn)(struct mwt_follow *, const char *, ino_t))
{
    DIR *d = opendir(f->dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d))) {
        if (!mwt_is_process_name(de->d_name) || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
            continue;
        fn(f, de->d_name, de->d_ino);
    }
    closedir(d);
}

static void mwt_snap_one(struct mwt_follow *f, const char *name, ino_t ino)
{
    struct mwt_entry *e = mwt_add(f, name, ino);
    mwt_tail_mark(&e->caps, e->proc.path, MWT_CAPTURES);
    mwt_tail_mark(&e->accs, e->proc.path, MWT_ACCESSES);
}

struct mwt_follow *mwt_follow_new(const char *dir)
{
    struct mwt_follow *f = mwt_xcalloc(1, sizeof *f);
    f->dir = mwt_xstrdup(dir);
    mwt_each_dir(f, mwt_snap_one);
    return f;
}

void mwt_follow_add(struct mwt_follow *f, const struct mwt_consumer *c)
{
    if (f->nconsumers < MWT_MAX_CONSUMERS)
        f->consumers[f->nconsumers++] = *c;
}

static void mwt_announce(struct mwt_follow *f, struct mwt_entry *e)
{
    e->proc.counted = true;
    if (e->announced)
        return;
    e->announced = true;
    for (size_t i = 0; i < f->nconsumers; i++)
        if (f->consumers[i].process)
            f->consumers[i].process(f->consumers[i].arg, &e->proc);
}

json_t *mwt_line_json(struct mwt_line *l)
{
    if (!l->json && !l->parse_failed) {
        json_error_t err;
        l->json = json_loadb(l->text, l->len, 0, &err);
        if (l->json && !json_is_object(l->json)) {
            json_decref(l->json);
            l->json = NULL;
        }
        l->parse_failed = l->json == NULL;
    }
    return l->json;
}

static void mwt_deliver(struct mwt_follow *f, struct mwt_entry *e, bool captures, char *text, size_t len)
{
    struct mwt_line l = { &e->proc, text, len, NULL, false, NULL };
    text[len] = '\0';
    mwt_announce(f, e);
    for (size_t i = 0; i < f->nconsumers; i++) {
        const struct mwt_consumer *c = &f->consumers[i];
        if (captures && c->capture)
            c->capture(c->arg, &l);
        else if (!captures && c->access)
            c->access(c->arg, &l);
    }
    json_decref(l.json);
    free(l.extra);
}

/* Splits buf into lines; the last piece without a newline waits in t. */
static void mwt_lines(struct mwt_follow *f, struct mwt_entry *e, struct mwt_tail *t, bool captures,
                      char *buf, size_t n)
{
    char *p = buf, *end = buf + n;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            t->partial = mwt_grow(t->partial, &t->cap, t->npartial + (size_t)(end - p) + 1, 1);
            memcpy(t->partial + t->npartial, p, (size_t)(end - p));
            t->npartial += (size_t)(end - p);
            return;
        }
        if (t->npartial) {
            t->partial = mwt_grow(t->partial, &t->cap, t->npartial + (size_t)(nl - p) + 1, 1);
            memcpy(t->partial + t->npartial, p, (size_t)(nl - p));
            mwt_deliver(f, e, captures, t->partial, t->npartial + (size_t)(nl - p));
            t->npartial = 0;
        } else {
            mwt_deliver(f, e, captures, p, (size_t)(nl - p));
        }
        p = nl + 1;
    }
}

static void mwt_follow_file(struct mwt_follow *f, struct mwt_entry *e, struct mwt_tail *t, const char *file)
{
    struct stat st;
    char *path = mwt_path_join(e->proc.path, file);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        goto done;
    if (t->existed && (st.st_dev != t->dev || st.st_ino != t->ino || st.st_size < t->offset)) {
        t->offset = 0; /* replaced since the snapshot: all of it is this run's */
        t->npartial = 0;
    }
    if (!t->existed) {
        t->existed = true;
        t->dev = st.st_dev;
        t->ino = st.st_ino;
        mwt_announce(f, e); /* a file of this run, even before its first line */
    }
    if (st.st_size <= t->offset)
        goto done;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        goto done;
    char *buf = mwt_xmalloc(MWT_READ_CHUNK + 1); /* room for the NUL a line gets */
    ssize_t r;
    while ((r = pread(fd, buf, MWT_READ_CHUNK, t->offset)) > 0) {
        t->offset += r;
        mwt_lines(f, e, t, strcmp(file, MWT_CAPTURES) == 0, buf, (size_t)r);
    }
    free(buf);
    close(fd);
done:
    free(path);
}

static void mwt_poll_one(struct mwt_follow *f, const char *name, ino_t ino)
{
    struct mwt_entry *e = mwt_find(f, name);
    if (e && e->dir_ino != ino) { /* removed and made again since the snapshot */
        e->dir_ino = ino;
        e->caps.existed = e->accs.existed = false;
        e->caps.offset = e->accs.offset = 0;
        mwt_announce(f, e);
    }
    if (!e) {
        e = mwt_add(f, name, ino);
        mwt_announce(f, e);
    }
}

void mwt_follow_poll(struct mwt_follow *f)
{
    mwt_each_dir(f, mwt_poll_one);
    for (size_t i = 0; i < f->n; i++) {
        struct mwt_entry *e = f->entries[i];
        mwt_follow_file(f, e, &e->caps, MWT_CAPTURES);
        mwt_follow_file(f, e, &e->accs, MWT_ACCESSES);
    }
}

void mwt_follow_free(struct mwt_follow *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        struct mwt_entry *e = f->entries[i];
        free(e->proc.name);
        free(e->proc.path);
        free(e->caps.partial);
        free(e->accs.partial);
        free(e);
    }
    free(f->entries);
    free(f->dir);
    free(f);
}

/* A name inside the process directory: relative, no "..". */
static bool mwt_inside(const char *name)
{
    if (!*name || name[0] == '/')
        return false;
    for (const char *p = name; (p = strstr(p, "..")); p += 2)
        if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return false;
    return true;
}

int mwt_follow_capture_bytes(struct mwt_line *l, unsigned char **bytes, size_t *len)
{
    json_t *j = mwt_line_json(l);
    json_t *file = j ? json_object_get(j, "file") : NULL, *n = j ? json_object_get(j, "len") : NULL;
    json_t *off = j ? json_object_get(j, "offset") : NULL;
    if (!json_is_string(file) || !json_is_integer(n) || json_integer_value(n) < 0 ||
        (off && (!json_is_integer(off) || json_integer_value(off) < 0)) || !mwt_inside(json_string_value(file))) {
        errno = EINVAL;
        return -1;
    }
    char *path = mwt_path_join(l->proc->path, json_string_value(file));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return -1;
    size_t want = (size_t)json_integer_value(n), got = 0;
    off_t at = off ? (off_t)json_integer_value(off) : 0;
    unsigned char *buf = mwt_xmalloc(want ? want : 1);
    ssize_t r = 1;
    while (got < want && (r = pread(fd, buf + got, want - got, at + (off_t)got)) > 0)
        got += (size_t)r;
    int e = errno;
    close(fd);
    if (got < want) {
        free(buf);
        errno = r < 0 ? e : EIO;
        return -1;
    }
    *bytes = buf;
    *len = want;
    return 0;
}
