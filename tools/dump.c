/*
 * tools/dump.c - reads one process directory of a dump into struct mwt_dump.
 * Tolerance is the rule: unknown keys are ignored, a missing or mistyped key
 * leaves its field absent, and a line that is not a JSON object (a torn last
 * line after a crash, say) is skipped with one warning.  A capture's bytes
 * are either a file of exactly `len` bytes or, when the line has `offset`,
 * the `len` bytes at that offset of a pack file shared by many captures.
 */
#include "tools/dump.h"
#include "tools/hash.h"
#include "tools/json_fields.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Captures bigger than this are not loaded (a capture is a few pages). */
#define MWT_MAX_RAW (256u << 20)

const char *const mwt_reg_names[MWT_NREGS] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
    "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
};

/* The pack file read last, kept open: consecutive captures share one. */
struct mwt_pack {
    char *path;
    int fd;
};

static void mwt_dump_warn(struct mwt_dump *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mwt_dump_warn(struct mwt_dump *d, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = mwt_xstrdup("(warning lost: out of memory)");
    va_end(ap);
    mwt_warn("%s", msg);
    d->warnings = mwt_grow(d->warnings, &d->warnings_cap, d->nwarnings + 1, sizeof *d->warnings);
    d->warnings[d->nwarnings++] = msg;
}

static int mwt_pack_fd(struct mwt_pack *pack, const char *path)
{
    if (pack->path && strcmp(pack->path, path) == 0)
        return pack->fd;
    if (pack->path)
        close(pack->fd);
    free(pack->path);
    pack->path = NULL;
    pack->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (pack->fd >= 0)
        pack->path = mwt_xstrdup(path);
    return pack->fd;
}

static void mwt_pack_close(struct mwt_pack *pack)
{
    if (pack->path)
        close(pack->fd);
    free(pack->path);
    pack->path = NULL;
}

/* len bytes at offset of path into c->bytes; what is there when the file is short. */
static void mwt_load_packed(const char *path, struct mwt_capture *c, struct mwt_pack *pack)
{
    if (!c->len.ok) {
        c->problem = mwt_xasprintf("file %s: an offset but no len", c->file);
        return;
    }
    if (c->len.v > MWT_MAX_RAW) {
        c->problem = mwt_xasprintf("file %s: len %llu is too large to load", c->file,
                                   (unsigned long long)c->len.v);
        return;
    }
    int fd = mwt_pack_fd(pack, path);
    if (fd < 0) {
        c->problem = mwt_xasprintf("pack file %s: %s", c->file, strerror(errno));
        return;
    }
    size_t want = (size_t)c->len.v, got = 0;
    c->bytes = mwt_xmalloc(want);
    while (got < want) {
        ssize_t r = pread(fd, c->bytes + got, want - got, (off_t)(c->offset.v + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            c->problem = mwt_xasprintf("pack file %s: %s", c->file, strerror(errno));
            break;
        }
        if (r == 0) {
            c->problem = mwt_xasprintf("pack file %s holds %zu of the %zu bytes at offset %llu",
                                       c->file, got, want, (unsigned long long)c->offset.v);
            break;
        }
        got += (size_t)r;
    }
    c->nbytes = got;
}

static void mwt_load_whole(const char *path, struct mwt_capture *c)
{
    if (mwt_read_file(path, MWT_MAX_RAW, &c->bytes, &c->nbytes) < 0) {
        c->problem = mwt_xasprintf("raw file %s: %s", c->file, strerror(errno));
        c->bytes = NULL;
        c->nbytes = 0;
    } else if (c->len.ok && c->len.v != c->nbytes) {
        c->problem = mwt_xasprintf("raw file %s holds %zu bytes, len says %llu", c->file,
                                   c->nbytes, (unsigned long long)c->len.v);
    }
}

static void mwt_load_raw(const char *dir, struct mwt_capture *c, struct mwt_pack *pack)
{
    if (!c->file) {
        c->problem = mwt_xstrdup("no raw file named");
        return;
    }
    char *path = c->file[0] == '/' ? mwt_xstrdup(c->file) : mwt_path_join(dir, c->file);
    if (c->offset.ok)
        mwt_load_packed(path, c, pack);
    else
        mwt_load_whole(path, c);
    if (c->bytes && c->nbytes == 0) {
        free(c->bytes);
        c->bytes = NULL;
    }
    if (c->bytes)
        c->content = mwt_content_hash(c->bytes, c->nbytes);
    free(path);
}

static void mwt_capture_from(const json_t *o, const char *dir, struct mwt_capture *c,
                             struct mwt_pack *pack)
{
    c->seq = mwt_json_get_opt(o, "seq");
    c->addr = mwt_json_get_opt(o, "addr");
    c->len = mwt_json_get_opt(o, "len");
    c->cseq = mwt_json_get_opt(o, "capture_sequence");
    c->region = mwt_json_get_opt(o, "region");
    c->fault = mwt_json_get_opt(o, "fault_addr");
    c->tid = mwt_json_get_opt(o, "tid");
    c->ts = mwt_json_get_opt(o, "timestamp_ns");
    c->hash = mwt_json_get_str(o, "hash");
    c->file = mwt_json_get_str(o, "file");
    c->offset = mwt_json_get_opt(o, "offset");
    const json_t *regs = json_object_get(o, "regs");
    for (int i = 0; i < MWT_NREGS; i++)
        c->regs[i] = mwt_json_get_str(regs, mwt_reg_names[i]);
    mwt_load_raw(dir, c, pack);
}

bool mwt_capture_parse(const char *line, size_t len, const char *dir, struct mwt_capture *c,
                       const char **why)
{
    json_error_t err;
    struct mwt_pack pack = { NULL, -1 };
    memset(c, 0, sizeof *c);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    json_t *o = mwt_json_line(line, len, &err, why);
    if (!o)
        return false;
    mwt_capture_from(o, dir, c, &pack);
    mwt_pack_close(&pack);
    json_decref(o);
    return true;
}

static unsigned mwt_op_parse(const char *op)
{
    if (!op)
        return 0;
    if (strcmp(op, "r") == 0)
        return MWT_OP_R;
    if (strcmp(op, "w") == 0)
        return MWT_OP_W;
    if (strcmp(op, "rw") == 0)
        return MWT_OP_R | MWT_OP_W;
    return 0;
}

static void mwt_access_from(const json_t *o, struct mwt_access *a)
{
    a->addr = mwt_json_get_opt(o, "addr");
    a->size = mwt_json_get_opt(o, "size");
    a->ip = mwt_json_get_opt(o, "ip");
    a->tid = mwt_json_get_opt(o, "tid");
    a->ts = mwt_json_get_opt(o, "timestamp_ns");
    const json_t *op = json_object_get(o, "op");
    a->op = mwt_op_parse(json_string_value(op));
    a->sym = mwt_json_get_str(o, "sym");
    a->var = mwt_json_get_str(o, "var");
    a->before = mwt_json_get_str(o, "before");
    a->after = mwt_json_get_str(o, "after");
}

static bool mwt_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

struct mwt_loader {
    struct mwt_dump *d;
    struct mwt_pack pack;
    const char *path;   /* of the file being read, for warnings */
};

/*
 * Calls add(loader, object, line) for every line of dir/name that is a JSON
 * object.  Returns false when the file does not exist.
 */
static bool mwt_each_line(struct mwt_loader *l, const char *name,
                          void (*add)(struct mwt_loader *, const json_t *, long))
{
    struct mwt_dump *d = l->d;
    char *path = mwt_path_join(d->dir, name);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno != ENOENT)
            mwt_dump_warn(d, "%s: %s", path, strerror(errno));
        free(path);
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    l->path = path;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (mwt_blank(line, (size_t)n))
            continue;
        if (line[n - 1] == '\n')
            n--; /* a line torn inside a string must not end with its newline */
        const char *why;
        json_error_t err;
        json_t *o = mwt_json_line(line, (size_t)n, &err, &why);
        if (o)
            add(l, o, lineno);
        else
            mwt_dump_warn(d, "%s:%ld: skipped a torn or invalid line (%s)", path, lineno, why);
        json_decref(o);
    }
    free(line);
    fclose(f);
    free(path);
    l->path = NULL;
    return true;
}

static void mwt_add_capture(struct mwt_loader *l, const json_t *o, long line)
{
    struct mwt_dump *d = l->d;
    d->caps = mwt_grow(d->caps, &d->caps_cap, d->ncaps + 1, sizeof *d->caps);
    struct mwt_capture *c = &d->caps[d->ncaps++];
    memset(c, 0, sizeof *c);
    c->line = line;
    mwt_capture_from(o, d->dir, c, &l->pack);
}

static void mwt_add_access(struct mwt_loader *l, const json_t *o, long line)
{
    struct mwt_dump *d = l->d;
    d->accs = mwt_grow(d->accs, &d->accs_cap, d->naccs + 1, sizeof *d->accs);
    struct mwt_access *a = &d->accs[d->naccs++];
    memset(a, 0, sizeof *a);
    a->line = line;
    mwt_access_from(o, a);
}

/* A yara.jsonl line: {"seq":N,"matches":[...]} joins the capture with that seq. */
static void mwt_add_live(struct mwt_loader *l, const json_t *o, long line)
{
    struct mwt_dump *d = l->d;
    struct mwt_opt seq = mwt_json_get_opt(o, "seq");
    struct mwt_capture *c = NULL;
    /* Lines are in seq order from 1 in a whole dump: look there first. */
    if (seq.ok && seq.v >= 1 && seq.v <= d->ncaps && d->caps[seq.v - 1].seq.ok &&
        d->caps[seq.v - 1].seq.v == seq.v)
        c = &d->caps[seq.v - 1];
    for (size_t i = 0; seq.ok && !c && i < d->ncaps; i++)
        if (d->caps[i].seq.ok && d->caps[i].seq.v == seq.v)
            c = &d->caps[i];
    if (!c) {
        mwt_dump_warn(d, "%s:%ld: no capture with this seq in %s", l->path, line, MWT_CAPTURES);
        return;
    }
    struct mwt_ymatches m;
    if (!mwt_ymatches_from_json(json_object_get(o, "matches"), &m)) {
        mwt_dump_warn(d, "%s:%ld: no \"matches\" array", l->path, line);
        return;
    }
    if (c->live) { /* a capture scanned twice (the consumer restarted): the last line wins */
        mwt_ymatches_free(c->live);
        free(c->live);
    }
    c->live = mwt_xmalloc(sizeof *c->live);
    *c->live = m;
}

static char *mwt_basename_of(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && dir[s - 1] != '/')
        s--;
    return mwt_xstrndup(dir + s, n - s);
}

void mwt_dump_load(const char *dir, struct mwt_dump *d)
{
    struct mwt_loader l = { d, { NULL, -1 }, NULL };
    memset(d, 0, sizeof *d);
    d->dir = mwt_xstrdup(dir);
    d->name = mwt_basename_of(dir);
    d->has_captures = mwt_each_line(&l, MWT_CAPTURES, mwt_add_capture);
    d->has_accesses = mwt_each_line(&l, MWT_ACCESSES, mwt_add_access);
    d->has_live = mwt_each_line(&l, MWT_YARA_LIVE, mwt_add_live);
    mwt_pack_close(&l.pack);
}

void mwt_capture_free(struct mwt_capture *c)
{
    free(c->hash);
    free(c->file);
    for (int i = 0; i < MWT_NREGS; i++)
        free(c->regs[i]);
    free(c->bytes);
    free(c->problem);
    if (c->live) {
        mwt_ymatches_free(c->live);
        free(c->live);
    }
    memset(c, 0, sizeof *c);
}

static void mwt_access_free(struct mwt_access *a)
{
    free(a->sym);
    free(a->var);
    free(a->before);
    free(a->after);
}

void mwt_dump_free(struct mwt_dump *d)
{
    for (size_t i = 0; i < d->ncaps; i++)
        mwt_capture_free(&d->caps[i]);
    for (size_t i = 0; i < d->naccs; i++)
        mwt_access_free(&d->accs[i]);
    for (size_t i = 0; i < d->nwarnings; i++)
        free(d->warnings[i]);
    free(d->caps);
    free(d->accs);
    free(d->warnings);
    free(d->dir);
    free(d->name);
    memset(d, 0, sizeof *d);
}
