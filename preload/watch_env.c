/*
 * preload/watch_env.c - MEMWATCH_WATCH: watches from start-up, each access
 * logged to accesses.jsonl with the accessing instruction as function+offset.
 *
 *   MEMWATCH_WATCH=ENTRY[,ENTRY...]
 *   ENTRY = SYMBOL[+OFF][:SIZE][:r|w|rw]  or  0xADDR[:SIZE][:r|w|rw]
 *
 * A SYMBOL is a global or static variable of the executable or one of its
 * libraries (preload/symbols.c; the executable first, as the dynamic linker
 * would).  SIZE defaults to the symbol's own size (from OFF to its end), or
 * to 8 for an address or a symbol without a size; the access defaults to rw.
 * Numbers are decimal or 0x-hex.  Each entry stands alone: a malformed one,
 * or one the engine refuses, is one line on stderr and the others still
 * apply.  A symbol no loaded object defines waits: the dlopen interposer
 * (interpose_dl.c) calls back after every load, and the entry starts when a
 * library that defines it arrives.  The watch's label (the "var" of each
 * accesses.jsonl line) is the symbol as written (SYMBOL or SYMBOL+OFF), or
 * the whole entry for an address.
 *
 * The access sink runs in the fault handler, after the access completed:
 * it only reads the symbol index and writes one line (dump.c), no malloc.
 */
#include "preload/watch_env.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core/arena.h"
#include "core/fmt.h"
#include "core/log.h"
#include "memwatch.h"
#include "preload/config.h"
#include "preload/dump.h"
#include "preload/lifecycle.h"
#include "preload/symbols.h"
#include "trampoline/table.h"
#include "trampoline/watch.h"

#define MW_ENTRY_TEXT 96   /* as long as a watch's label */
#define MW_DEFAULT_SIZE 8

enum mw_entry_state {
    MW_ENTRY_PENDING,  /* symbol not defined by any loaded object (yet) */
    MW_ENTRY_ACTIVE,   /* watched: id, [start, end) */
    MW_ENTRY_DONE,     /* refused, or an address whose memory went away */
};

struct mw_entry {
    char text[MW_ENTRY_TEXT];     /* the entry as written, trimmed */
    char name[MW_ENTRY_TEXT];     /* SYMBOL, or "" for an address */
    char label[MW_ENTRY_TEXT];    /* what accesses.jsonl calls it */
    uintptr_t addr;               /* an address entry's address */
    uint64_t off;                 /* +OFF */
    size_t size;                  /* 0: the default */
    unsigned access;
    enum mw_entry_state state;
    memwatch_id_t id;
    uintptr_t start, end;
};

static struct mw_entry *mw_entries;
static size_t mw_nentries;
static int mw_env_on;
static pthread_mutex_t mw_env_lock = PTHREAD_MUTEX_INITIALIZER;

/* -------------------------------------------------------------- the sink */

static void mw_watch_env_sink(const memwatch_event_t *ev, const char *label)
{
    char sym[512];
    mw_symbols_describe((uintptr_t)ev->ip, sym, sizeof sym);
    mw_dump_access(ev, label, sym);
}

/* ------------------------------------------------------------- parsing */

static int mw_is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* A decimal or 0x-hex number filling [s, s + n) exactly. */
static int mw_parse_num(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

static void mw_copy(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int mw_symbol_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '$' || c == '@';
}

/* Parses one entry (text already trimmed, NUL-terminated); NULL when it is
 * well formed, else what is wrong with it. */
static const char *mw_parse_entry(struct mw_entry *e)
{
    const char *s = e->text, *colon = s;
    while (*colon && *colon != ':')
        colon++;
    size_t tlen = (size_t)(colon - s);
    if (tlen == 0)
        return "nothing to watch before ':'";
    e->access = MEMWATCH_RW;
    if (tlen > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t a;
        if (mw_parse_num(s, tlen, &a) != 0 || a == 0)
            return "bad address";
        e->addr = (uintptr_t)a;
        mw_copy(e->label, sizeof e->label, e->text, mw_strlen(e->text));
    } else {
        const char *plus = s;
        while (plus < colon && *plus != '+')
            plus++;
        size_t nlen = (size_t)(plus - s);
        if (nlen == 0 || (s[0] >= '0' && s[0] <= '9'))
            return "neither a symbol nor a 0x address";
        for (size_t i = 0; i < nlen; i++)
            if (!mw_symbol_char(s[i]))
                return "bad character in the symbol name";
        if (nlen >= sizeof e->name)
            return "symbol name too long";
        if (plus < colon && mw_parse_num(plus + 1, (size_t)(colon - plus - 1), &e->off) != 0)
            return "+OFF is not a number";
        mw_copy(e->name, sizeof e->name, s, nlen);
        mw_copy(e->label, sizeof e->label, s, tlen);
    }
    /* Then up to two fields, a size and an access kind, in that order. */
    int have_size = 0, have_access = 0;
    for (const char *p = colon; *p == ':';) {
        const char *f = p + 1, *end = f;
        while (*end && *end != ':')
            end++;
        size_t n = (size_t)(end - f);
        if (n == 0)
            return "empty field after ':'";
        if ((n == 1 && (f[0] == 'r' || f[0] == 'w')) || (n == 2 && ((f[0] == 'r' && f[1] == 'w') ||
                                                               (f[0] == 'w' && f[1] == 'r')))) {
            if (have_access)
                return "two access kinds";
            have_access = 1;
            e->access = n == 2 ? MEMWATCH_RW : f[0] == 'r' ? MEMWATCH_READ : MEMWATCH_WRITE;
        } else {
            uint64_t v;
            if (mw_parse_num(f, n, &v) != 0)
                return "a field is neither a SIZE nor r, w or rw";
            if (v == 0)
                return "SIZE 0";
            if (have_size)
                return "two sizes";
            if (have_access)
                return "the SIZE must come before the access kind";
            have_size = 1;
            e->size = (size_t)v;
        }
        p = end;
    }
    return NULL;
}

/* Splits the variable into entries (arena memory); malformed ones are
 * reported and dropped. */
static void mw_parse_all(const char *env)
{
    size_t n = 1;
    for (const char *p = env; *p; p++)
        n += *p == ',';
    mw_entries = mw_alloc(n * sizeof *mw_entries);
    if (!mw_entries) {
        mw_warn("MEMWATCH_WATCH: out of memory; nothing is watched");
        return;
    }
    for (const char *p = env; *p;) {
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *a = p, *b = end;
        while (a < b && mw_is_space(*a))
            a++;
        while (b > a && mw_is_space(b[-1]))
            b--;
        p = *end ? end + 1 : end;
        if (a == b)
            continue; /* "a,,b" or a trailing comma */
        struct mw_entry *e = &mw_entries[mw_nentries];
        memset(e, 0, sizeof *e);
        if ((size_t)(b - a) >= sizeof e->text) {
            char head[48];
            mw_copy(head, sizeof head, a, 40);
            mw_warn("MEMWATCH_WATCH: '%s...': entry too long (at most %d characters); ignored", head,
                    MW_ENTRY_TEXT - 1);
            continue;
        }
        mw_copy(e->text, sizeof e->text, a, (size_t)(b - a));
        const char *why = mw_parse_entry(e);
        if (why) {
            mw_warn("MEMWATCH_WATCH: '%s': %s; ignored (entries are SYMBOL[+OFF][:SIZE][:r|w|rw] or "
                    "0xADDR[:SIZE][:r|w|rw])", e->text, why);
            continue;
        }
        e->state = MW_ENTRY_PENDING;
        mw_nentries++;
    }
}

/* ------------------------------------------------------------- starting */

static const char *mw_start_error(int err)
{
    switch (err) {
    case EINVAL: return "invalid address or size";
    case ENOMEM: return "memory not mapped";
    case EEXIST: return "overlaps another watch with a different access kind";
    case EBUSY: return "overlaps code the capture cycle is tracking";
    case ENOTSUP: return "this memory cannot be watched";
    default: return mw_strerror(err);
    }
}

static void mw_entry_start(struct mw_entry *e, uintptr_t addr, size_t size)
{
    struct mw_watch_spec spec = {
        .addr = addr,
        .size = size,
        .access = e->access,
        .callback = NULL,
        .user = NULL,
        .flags = MW_WATCH_LOGGED,
        .label = e->label,
    };
    memwatch_id_t id = 0;
    int rc = mw_watch_start(&spec, &id);
    if (rc != 0) {
        mw_warn("MEMWATCH_WATCH: cannot watch '%s' (%lu bytes at %p): %s", e->text, (unsigned long)size,
                (void *)addr, mw_start_error(-rc));
        e->state = MW_ENTRY_DONE;
        return;
    }
    e->state = MW_ENTRY_ACTIVE;
    e->id = id;
    e->start = addr;
    e->end = addr + size;
    mw_debug("MEMWATCH_WATCH: watching '%s': %lu bytes at %p", e->text, (unsigned long)size, (void *)addr);
}

/* Resolves and starts one pending entry; say_missing: warn when its symbol
 * is not defined (at start-up, once). */
static void mw_entry_try(struct mw_entry *e, int say_missing)
{
    if (!e->name[0]) {
        mw_entry_start(e, e->addr, e->size ? e->size : MW_DEFAULT_SIZE);
        return;
    }
    struct mw_symbol sym;
    if (mw_symbols_find_var(e->name, &sym) != 0) {
        if (say_missing)
            mw_warn("MEMWATCH_WATCH: '%s': no variable '%s' in the program or its libraries; "
                    "it is watched if a library loaded later defines it", e->text, e->name);
        return;
    }
    if (sym.matches > 1)
        mw_warn("MEMWATCH_WATCH: '%s': %s defines %s %u times; watching the first, at %p", e->text,
                sym.object, sym.name, sym.matches, (void *)sym.addr);
    size_t size = e->size;
    if (!size) {
        if (sym.size == 0)
            size = MW_DEFAULT_SIZE;
        else if (e->off < sym.size)
            size = (size_t)(sym.size - e->off);
        else {
            mw_warn("MEMWATCH_WATCH: '%s': offset %lu is past the end of %s (%lu bytes); give a :SIZE",
                    e->text, (unsigned long)e->off, sym.name, (unsigned long)sym.size);
            e->state = MW_ENTRY_DONE;
            return;
        }
    }
    mw_entry_start(e, sym.addr + (uintptr_t)e->off, size);
    if (e->state == MW_ENTRY_ACTIVE && !say_missing)
        mw_debug("MEMWATCH_WATCH: '%s' found in %s, loaded later", e->text, sym.object);
}

void mw_watch_env_start(void)
{
    const char *env = mw_config()->watch;
    if (!env)
        return;
    const char *p = env;
    while (mw_is_space(*p))
        p++;
    if (!*p)
        return;
    /* Logging needs the dump directory; the capture cycle opens it when on. */
    if (!mw_config()->capture && !mw_dump_usable())
        mw_dump_open();
    mw_symbols_sync();
    pthread_mutex_lock(&mw_env_lock);
    mw_parse_all(env);
    mw_table_set_access_sink(mw_watch_env_sink);
    for (size_t i = 0; i < mw_nentries; i++)
        mw_entry_try(&mw_entries[i], 1);
    __atomic_store_n(&mw_env_on, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&mw_env_lock);
}

void mw_watch_env_after_load(void)
{
    if (!__atomic_load_n(&mw_env_on, __ATOMIC_ACQUIRE))
        return;
    mw_symbols_sync();
    pthread_mutex_lock(&mw_env_lock);
    for (size_t i = 0; i < mw_nentries; i++)
        if (mw_entries[i].state == MW_ENTRY_PENDING)
            mw_entry_try(&mw_entries[i], 0);
    pthread_mutex_unlock(&mw_env_lock);
}

void mw_watch_env_before_unload(uintptr_t lo, uintptr_t hi)
{
    if (!__atomic_load_n(&mw_env_on, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&mw_env_lock);
    for (size_t i = 0; i < mw_nentries; i++) {
        struct mw_entry *e = &mw_entries[i];
        if (e->state != MW_ENTRY_ACTIVE || e->end <= lo || e->start >= hi)
            continue;
        mw_watch_stop(e->id, -1);
        e->id = 0;
        /* A symbol waits for its library to come back; an address is gone. */
        e->state = e->name[0] ? MW_ENTRY_PENDING : MW_ENTRY_DONE;
    }
    pthread_mutex_unlock(&mw_env_lock);
}
