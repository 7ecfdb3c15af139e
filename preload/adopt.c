/*
 * preload/adopt.c - executable memory that exists before the library came
 * (see adopt.h).
 *
 * A mapping is a candidate when it is executable and either writable or
 * anonymous (no file: JIT code a program already made read+execute).  File
 * mappings that are only read+execute are the program's and its libraries'
 * code (and ours: the library, the agent's memfd, the gate); they are never
 * touched.  Candidates are collected first and changed afterwards, so the
 * reading of maps never races our own mprotect.  The change itself is the
 * interposers' mprotect (interpose_mem.c) with the protection the mapping
 * already has - one function decides what a page under the cycle becomes.
 */
#include "preload/adopt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "core/arena.h"
#include "core/fmt.h"
#include "core/gate.h"
#include "core/sys.h"
#include "preload/interpose_mem.h"
#include "preload/wx.h"
#include "trampoline/table.h"

struct mw_candidate {
    uintptr_t start, end;
    int prot;
};

struct mw_candidates {
    struct mw_candidate *v;
    size_t n, cap;
};

static uintptr_t mw_hex_field(const char **s)
{
    uintptr_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return v;
        v = v * 16 + (uintptr_t)d;
    }
}

static const char *mw_skip_field(const char *s)
{
    while (*s == ' ')
        s++;
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

/* "start-end perms offset dev inode [path]" */
static void mw_consider(struct mw_candidates *c, const char *line)
{
    const char *s = line;
    uintptr_t start = mw_hex_field(&s);
    if (*s++ != '-')
        return;
    uintptr_t end = mw_hex_field(&s);
    if (*s++ != ' ' || s[0] == 0 || s[1] == 0 || s[2] == 0)
        return;
    int prot = (s[0] == 'r' ? PROT_READ : 0) | (s[1] == 'w' ? PROT_WRITE : 0) | (s[2] == 'x' ? PROT_EXEC : 0);
    const char *inode = mw_skip_field(mw_skip_field(mw_skip_field(s)));
    int anonymous = inode[0] == '0' && (inode[1] == ' ' || inode[1] == 0);
    const char *path = mw_skip_field(inode);
    if (!(prot & PROT_EXEC) || start == MW_GATE_ADDR)
        return;
    if (!(prot & PROT_WRITE) && !anonymous)
        return;
    if (path[0] == '[' && mw_strncmp(path, "[anon:", 6) != 0)
        return; /* [vdso], [vsyscall], [stack], [heap] of READ_IMPLIES_EXEC */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct mw_candidate *v = mw_realloc(c->v, cap * sizeof *v);
        if (!v)
            return;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct mw_candidate){start, end, prot};
}

static long mw_collect(struct mw_candidates *c)
{
    long fd = mw_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    char buf[8192];
    size_t have = 0;
    long n;
    while ((n = mw_sys_read((int)fd, buf + have, sizeof buf - 1 - have)) > 0) {
        have += (size_t)n;
        buf[have] = 0;
        char *line = buf;
        for (char *nl = line; *nl; nl++) {
            if (*nl != '\n')
                continue;
            *nl = 0;
            mw_consider(c, line);
            line = nl + 1;
        }
        have = (size_t)(buf + have - line);
        memmove(buf, line, have);
        if (have == sizeof buf - 1)
            have = 0; /* a line longer than the buffer: a path we do not need */
    }
    mw_sys_close((int)fd);
    return n < 0 ? n : 0;
}

/* The pages of [start, end) the table does not know yet, in runs, get
 * prot through the interposers' mprotect: tracked, dirty. */
static void mw_adopt_range(uintptr_t start, uintptr_t end, int prot)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    uintptr_t run = start;
    for (uintptr_t a = start; a <= end; a += MW_PAGE_SIZE) {
        if (a < end && !mw_page_find(a))
            continue;
        if (run < a)
            mw_mem_protect((void *)run, a - run, prot, -1);
        run = a + MW_PAGE_SIZE;
    }
    mw_table_unlock(&saved);
}

long mw_adopt_executable_memory(void)
{
    struct mw_candidates c = {0};
    if (!mw_wx_tracks(PROT_EXEC))
        return 0; /* capture is off */
    long rc = mw_collect(&c);
    if (rc == 0) {
        for (size_t i = 0; i < c.n; i++)
            mw_adopt_range(c.v[i].start, c.v[i].end, c.v[i].prot);
        rc = (long)c.n;
    }
    mw_free(c.v);
    return rc;
}
