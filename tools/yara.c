/*
 * tools/yara.c - libyara behind the interface of yara.h.  Rules are loaded
 * once; each distinct content (XXH3 and length, a uthash table) is scanned
 * once with yr_rules_scan_mem and its matches kept, so a JIT that writes the
 * same code a thousand times costs one scan.  This file is linked into the
 * memwatch tool only: libmemwatch.so never sees libyara.
 */
#include "tools/yara.h"
#include "tools/hash.h"
#include "tools/json_fields.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>
#include <yara.h>

struct mwt_ykey {
    uint64_t hash;
    uint64_t len;
};

struct mwt_yentry {
    struct mwt_ykey key;
    struct mwt_ymatches m;
    UT_hash_handle hh;
};

struct mwt_yara {
    char *path;
    YR_RULES *rules;
    struct mwt_yentry *cache;
    struct mwt_yara_stats stats;
};

/* yr_initialize/yr_finalize pair up per open rules set. */
static int mwt_yr_users;

/* YARA's compiler messages: "<prog>: FILE:LINE: MESSAGE". */
static void mwt_yr_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                                   const char *message, void *data)
{
    int *errors = data;
    (void)rule;
    if (level == YARA_ERROR_LEVEL_ERROR) {
        mwt_error("%s:%d: %s", file ? file : "-", line, message);
        (*errors)++;
    } else {
        mwt_warn("%s:%d: %s", file ? file : "-", line, message);
    }
}

static const char *mwt_yr_strerror(int code)
{
    switch (code) {
    case ERROR_INSUFFICIENT_MEMORY: return "out of memory";
    case ERROR_COULD_NOT_OPEN_FILE: return "cannot open the file";
    case ERROR_INVALID_FILE: return "not a compiled rules file";
    case ERROR_CORRUPT_FILE: return "a corrupt compiled rules file";
    case ERROR_UNSUPPORTED_FILE_VERSION: return "compiled rules of another YARA version";
    case ERROR_SCAN_TIMEOUT: return "the scan timed out";
    case ERROR_TOO_MANY_SCAN_THREADS: return "too many scanning threads";
    case ERROR_CALLBACK_ERROR: return "out of memory while keeping matches";
    default: return "YARA error";
    }
}

/* True when path starts with the magic of compiled rules ("YARA"). */
static bool mwt_yr_is_compiled(const char *path)
{
    char magic[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool compiled = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
                    memcmp(magic, "YARA", sizeof magic) == 0;
    close(fd);
    return compiled;
}

static YR_RULES *mwt_yr_compile(const char *path)
{
    YR_COMPILER *compiler = NULL;
    YR_RULES *rules = NULL;
    int errors = 0;
    FILE *f = fopen(path, "re");
    if (!f) {
        mwt_error("%s: %s", path, strerror(errno));
        goto done;
    }
    if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
        mwt_error("%s: cannot create a YARA compiler", path);
        goto done;
    }
    yr_compiler_set_callback(compiler, mwt_yr_compile_message, &errors);
    if (yr_compiler_add_file(compiler, f, NULL, path) > 0 || errors > 0)
        goto done; /* the callback printed each error */
    int rc = yr_compiler_get_rules(compiler, &rules);
    if (rc != ERROR_SUCCESS) {
        mwt_error("%s: %s (%d)", path, mwt_yr_strerror(rc), rc);
        rules = NULL;
    }
done:
    if (compiler)
        yr_compiler_destroy(compiler);
    if (f)
        fclose(f);
    return rules;
}

struct mwt_yara *mwt_yara_open(const char *path)
{
    struct stat st;
    YR_RULES *rules = NULL;
    if (stat(path, &st) < 0) {
        mwt_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        mwt_error("%s: not a regular file", path);
        return NULL;
    }
    if (mwt_yr_users == 0 && yr_initialize() != ERROR_SUCCESS) {
        mwt_error("%s: cannot initialise libyara", path);
        return NULL;
    }
    mwt_yr_users++;
    if (mwt_yr_is_compiled(path)) {
        int rc = yr_rules_load(path, &rules);
        if (rc != ERROR_SUCCESS) {
            mwt_error("%s: %s (%d)", path, mwt_yr_strerror(rc), rc);
            rules = NULL;
        }
    } else {
        rules = mwt_yr_compile(path);
    }
    if (!rules) {
        if (--mwt_yr_users == 0)
            yr_finalize();
        return NULL;
    }
    struct mwt_yara *y = mwt_xcalloc(1, sizeof *y);
    y->path = mwt_xstrdup(path);
    y->rules = rules;
    return y;
}

void mwt_yara_close(struct mwt_yara *y)
{
    struct mwt_yentry *e, *tmp;
    if (!y)
        return;
    HASH_ITER(hh, y->cache, e, tmp) {
        HASH_DEL(y->cache, e);
        mwt_ymatches_free(&e->m);
        free(e);
    }
    yr_rules_destroy(y->rules);
    if (--mwt_yr_users == 0)
        yr_finalize();
    free(y->path);
    free(y);
}

const char *mwt_yara_path(const struct mwt_yara *y)
{
    return y->path;
}

/* One matching rule into the result: its tags and its (public) string matches. */
static void mwt_yr_keep_rule(YR_SCAN_CONTEXT *ctx, const YR_RULE *rule, struct mwt_ymatches *m)
{
    const char *tag;
    const YR_STRING *string;
    const YR_MATCH *match;
    struct mwt_yrule *r = mwt_ymatches_add_rule(m, rule->identifier, rule->ns ? rule->ns->name : NULL);
    yr_rule_tags_foreach(rule, tag)
        mwt_yrule_add_tag(r, tag);
    yr_rule_strings_foreach(rule, string) {
        size_t kept = 0;
        yr_string_matches_foreach(ctx, string, match) {
            if (kept++ < MWT_YARA_STRINGS_KEPT)
                mwt_yrule_add_string(r, string->identifier, (uint64_t)match->offset,
                                     (uint64_t)match->match_length);
            else
                r->not_listed++;
        }
    }
}

static int mwt_yr_scan_message(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    if (message == CALLBACK_MSG_RULE_MATCHING)
        mwt_yr_keep_rule(ctx, data, user);
    return CALLBACK_CONTINUE;
}

const struct mwt_ymatches *mwt_yara_scan(struct mwt_yara *y, const unsigned char *bytes, size_t len)
{
    struct mwt_ykey key = { mwt_content_hash(bytes, len), len };
    struct mwt_yentry *e;
    y->stats.captures++;
    HASH_FIND(hh, y->cache, &key, sizeof key, e);
    if (e) {
        y->stats.cached++;
        return &e->m;
    }
    e = mwt_xcalloc(1, sizeof *e);
    e->key = key;
    y->stats.scanned++;
    /* YARA reports matching rules in the order the rules file has them. */
    int rc = yr_rules_scan_mem(y->rules, bytes, len, SCAN_FLAGS_REPORT_RULES_MATCHING,
                               mwt_yr_scan_message, &e->m, MWT_YARA_TIMEOUT);
    if (rc != ERROR_SUCCESS)
        e->m.error = mwt_xasprintf("%s (%d)", mwt_yr_strerror(rc), rc);
    HASH_ADD(hh, y->cache, key, sizeof key, e);
    return &e->m;
}

void mwt_yara_stats(const struct mwt_yara *y, struct mwt_yara_stats *s)
{
    *s = y->stats;
}

void mwt_yara_print(FILE *f, const char *prefix, const char *proc, const struct mwt_capture *c,
                    const struct mwt_ymatches *m)
{
    char b[4][24];
    for (size_t i = 0; i < m->n; i++) {
        const struct mwt_yrule *r = &m->rules[i];
        fprintf(f, "%s%s%sseq %s (region %s #%s): rule %s", prefix, proc ? proc : "", proc ? " " : "",
                mwt_opt_dec(c->seq, b[0]), mwt_opt_hex(c->region, b[1]), mwt_opt_dec(c->cseq, b[2]),
                r->rule);
        if (strcmp(r->ns, "default") != 0)
            fprintf(f, " (namespace %s)", r->ns);
        for (size_t t = 0; t < r->ntags; t++)
            fprintf(f, "%s%s", t ? "," : " [", r->tags[t]);
        fputs(r->ntags ? "]" : "", f);
        for (size_t k = 0; k < r->nstrings; k++) {
            const struct mwt_ystring *s = &r->strings[k];
            struct mwt_opt at = { c->addr.ok, c->addr.v + s->offset };
            fprintf(f, "%s%s at +0x%llx = %s", k ? ", " : ": ", s->id, (unsigned long long)s->offset,
                    mwt_opt_hex(at, b[3]));
        }
        if (r->not_listed)
            fprintf(f, " (and %llu more)", (unsigned long long)r->not_listed);
        fputc('\n', f);
    }
    if (m->error)
        fprintf(f, "%s%s%sseq %s: scan incomplete: %s\n", prefix, proc ? proc : "", proc ? " " : "",
                mwt_opt_dec(c->seq, b[0]), m->error);
}

json_t *mwt_yara_live_line(const struct mwt_capture *c, const struct mwt_ymatches *m)
{
    char h[MWT_HASH_TEXT];
    json_t *line = json_object();
    mwt_json_put(line, "seq", mwt_json_opt(c->seq));
    mwt_json_put(line, "addr", mwt_json_opt_hex(c->addr));
    mwt_json_put(line, "hash", mwt_json_str(c->hash));
    mwt_json_put(line, "content", c->bytes ? mwt_json_str(mwt_hash_text(c->content, h)) : json_null());
    mwt_json_put(line, "matches", mwt_ymatches_json(m, c->addr));
    if (m->error)
        mwt_json_put(line, "error", mwt_json_str(m->error));
    return line;
}

/* Appends one line to dir/yara.jsonl with one write (O_APPEND), 0600, no symlink. */
static int mwt_yara_append(const char *dir, const json_t *line)
{
    char *text = json_dumps(line, JSON_COMPACT);
    char *path = mwt_path_join(dir, MWT_YARA_LIVE);
    int rc = -1, e = 0;
    if (!text)
        goto done;
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps leaves room for its NUL: that byte becomes the newline */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        e = errno;
        goto done;
    }
    rc = write(fd, text, n + 1) == (ssize_t)(n + 1) ? 0 : -1;
    e = rc < 0 ? (errno ? errno : EIO) : 0;
    close(fd);
done:
    free(text);
    free(path);
    errno = e;
    return rc;
}

int mwt_yara_live_capture(struct mwt_yara *y, const char *dir, const char *proc,
                          const struct mwt_capture *c, json_t *event)
{
    if (!c->bytes)
        return 0;
    const struct mwt_ymatches *m = mwt_yara_scan(y, c->bytes, c->nbytes);
    if (m->n == 0 && !m->error)
        return 0;
    mwt_yara_print(stderr, "memwatch: yara: ", proc, c, m);
    if (event)
        mwt_json_put(event, "yara", mwt_ymatches_json(m, c->addr));
    json_t *line = mwt_yara_live_line(c, m);
    int rc = mwt_yara_append(dir, line);
    json_decref(line);
    return rc < 0 ? -1 : (int)m->n;
}
