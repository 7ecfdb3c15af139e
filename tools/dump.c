/*
 * tools/dump.c - reads one process directory of a dump into struct mwt_dump.
 * Tolerance is the rule: unknown keys are ignored, a missing or mistyped key
 * leaves its field absent, and a line that is not a JSON object (a torn last
 * line after a crash, say) is skipped with one warning.
 */
#include "tools/dump.h"
#include "tools/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Raw files bigger than this are not loaded (a capture is a few pages). */
#define MWT_MAX_RAW (256u << 20)

const char *const mwt_reg_names[MWT_NREGS] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
    "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
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

struct mwt_opt mwt_opt_parse(const char *s)
{
    struct mwt_opt o = { false, 0 };
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return o;
    errno = 0;
    o.v = strtoull(s, &end, 0);
    o.ok = errno == 0 && *end == '\0';
    return o;
}

static struct mwt_opt mwt_get_opt(const struct mwt_json *obj, const char *key)
{
    const struct mwt_json *v = mwt_json_get(obj, key);
    struct mwt_opt o = { false, 0 };
    if (v && v->type == MWT_J_NUM && v->is_uint) {
        o.ok = true;
        o.v = v->u;
    } else if (v && v->type == MWT_J_STR) {
        o = mwt_opt_parse(v->str);
    }
    return o;
}

/* A copy of a string member, NULL when absent, not a string, or empty. */
static char *mwt_get_str(const struct mwt_json *obj, const char *key)
{
    const struct mwt_json *v = mwt_json_get(obj, key);
    if (!v || v->type != MWT_J_STR || v->len == 0)
        return NULL;
    return mwt_xstrdup(v->str);
}

static void mwt_load_raw(const char *dir, struct mwt_capture *c)
{
    if (!c->file) {
        c->problem = mwt_xstrdup("no raw file named");
        return;
    }
    char *path = c->file[0] == '/' ? mwt_xstrdup(c->file) : mwt_path_join(dir, c->file);
    if (mwt_read_file(path, MWT_MAX_RAW, &c->bytes, &c->nbytes) < 0) {
        c->problem = mwt_xasprintf("raw file %s: %s", c->file, strerror(errno));
        c->bytes = NULL;
        c->nbytes = 0;
    } else if (c->len.ok && c->len.v != c->nbytes) {
        c->problem = mwt_xasprintf("raw file %s holds %zu bytes, len says %llu", c->file,
                                   c->nbytes, (unsigned long long)c->len.v);
    }
    free(path);
}

static void mwt_capture_from(const struct mwt_json *o, const char *dir, struct mwt_capture *c)
{
    c->seq = mwt_get_opt(o, "seq");
    c->addr = mwt_get_opt(o, "addr");
    c->len = mwt_get_opt(o, "len");
    c->cseq = mwt_get_opt(o, "capture_sequence");
    c->region = mwt_get_opt(o, "region");
    c->fault = mwt_get_opt(o, "fault_addr");
    c->tid = mwt_get_opt(o, "tid");
    c->ts = mwt_get_opt(o, "timestamp_ns");
    c->hash = mwt_get_str(o, "hash");
    c->file = mwt_get_str(o, "file");
    const struct mwt_json *regs = mwt_json_get(o, "regs");
    for (int i = 0; i < MWT_NREGS; i++)
        c->regs[i] = mwt_get_str(regs, mwt_reg_names[i]);
    mwt_load_raw(dir, c);
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

static void mwt_access_from(const struct mwt_json *o, struct mwt_access *a)
{
    a->addr = mwt_get_opt(o, "addr");
    a->size = mwt_get_opt(o, "size");
    a->ip = mwt_get_opt(o, "ip");
    a->tid = mwt_get_opt(o, "tid");
    a->ts = mwt_get_opt(o, "timestamp_ns");
    char *op = mwt_get_str(o, "op");
    a->op = mwt_op_parse(op);
    free(op);
    a->sym = mwt_get_str(o, "sym");
    a->var = mwt_get_str(o, "var");
    a->before = mwt_get_str(o, "before");
    a->after = mwt_get_str(o, "after");
}

static bool mwt_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/*
 * Calls add(d, dir, object, line) for every line of dir/name that is a JSON
 * object.  Returns false when the file does not exist.
 */
static bool mwt_each_line(struct mwt_dump *d, const char *name,
                          void (*add)(struct mwt_dump *, const struct mwt_json *, long))
{
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
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (mwt_blank(line, (size_t)n))
            continue;
        if (line[n - 1] == '\n')
            n--; /* a line torn inside a string must not end with its newline */
        const char *why = "not a JSON object";
        struct mwt_json *o = mwt_json_parse(line, (size_t)n, &why);
        if (o && o->type == MWT_J_OBJ)
            add(d, o, lineno);
        else
            mwt_dump_warn(d, "%s:%ld: skipped a torn or invalid line (%s)", path, lineno,
                          o ? "not a JSON object" : why);
        mwt_json_free(o);
    }
    free(line);
    fclose(f);
    free(path);
    return true;
}

static void mwt_add_capture(struct mwt_dump *d, const struct mwt_json *o, long line)
{
    d->caps = mwt_grow(d->caps, &d->caps_cap, d->ncaps + 1, sizeof *d->caps);
    struct mwt_capture *c = &d->caps[d->ncaps++];
    memset(c, 0, sizeof *c);
    c->line = line;
    mwt_capture_from(o, d->dir, c);
}

static void mwt_add_access(struct mwt_dump *d, const struct mwt_json *o, long line)
{
    d->accs = mwt_grow(d->accs, &d->accs_cap, d->naccs + 1, sizeof *d->accs);
    struct mwt_access *a = &d->accs[d->naccs++];
    memset(a, 0, sizeof *a);
    a->line = line;
    mwt_access_from(o, a);
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
    memset(d, 0, sizeof *d);
    d->dir = mwt_xstrdup(dir);
    d->name = mwt_basename_of(dir);
    d->has_captures = mwt_each_line(d, MWT_CAPTURES, mwt_add_capture);
    d->has_accesses = mwt_each_line(d, MWT_ACCESSES, mwt_add_access);
}

static void mwt_capture_free(struct mwt_capture *c)
{
    free(c->hash);
    free(c->file);
    for (int i = 0; i < MWT_NREGS; i++)
        free(c->regs[i]);
    free(c->bytes);
    free(c->problem);
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
