/*
 * trampoline/alias_pool.c - the pool of memfd pages that private watched
 * memory lives in while watched (see alias.h).
 *
 * A pool is one memfd, sized once (its pages cost memory only while in use:
 * a page given back is punched out with MADV_REMOVE), and one read/write
 * mapping of all of it, the window, placed in the library's reservation and
 * left out of core dumps.  Which pages are in use is a bitmap, searched from
 * where the last search ended, so that pages are handed out in order when
 * watches are made in order.  The memfd's descriptor stays open (moved out of
 * the numbers the program uses, close-on-exec) because each new watch maps a
 * page of it into the program's view; before each use it is checked to be
 * ours still, and a pool whose descriptor the program closed takes no new
 * pages (the mappings it has keep working without it).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/alias.h"
#include "trampoline/table.h"

#define MW_POOL_FIRST_PAGES (1UL << 16) /* 256 MiB of addresses, no memory until used */
#define MW_POOL_MAX_PAGES (1UL << 18)
#define MW_POOL_MIN_PAGES 256UL
#define MW_NO_RUN ((size_t)-1)

static struct mw_alias *mw_pools, *mw_pools_last;

static size_t mw_pool_cap(const struct mw_alias *p) { return p->len / MW_PAGE_SIZE; }
static int mw_bit_get(const uint64_t *bits, size_t i) { return (int)(bits[i / 64] >> (i % 64) & 1); }

static void mw_bits_set(uint64_t *bits, size_t from, size_t n, int on)
{
    for (size_t i = from; i < from + n; i++) {
        if (on)
            bits[i / 64] |= 1ULL << (i % 64);
        else
            bits[i / 64] &= ~(1ULL << (i % 64));
    }
}

/* --- the descriptor ---------------------------------------------------------- */

/* Moves fd near the top of the first 1024 descriptors: the program's own
 * files keep the numbers they would have without the library (the lowest
 * free one), and select()'s fd_set still reaches them. */
static int mw_fd_out_of_the_way(int fd)
{
    struct { uint64_t cur, max; } lim;
    if (MW_SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &lim) != 0)
        return fd;
    uint64_t top = lim.cur < 1024 ? lim.cur : 1024;
    if (top <= 64)
        return fd;
    long moved = mw_sys_fcntl(fd, F_DUPFD_CLOEXEC, (long)(top - 16));
    if (moved < 0)
        return fd;
    mw_sys_close(fd);
    return (int)moved;
}

static void mw_pool_remember_fd(struct mw_alias *p, int fd)
{
    struct stat st;
    p->fd = fd;
    if (mw_sys_fstat(fd, &st) == 0) {
        p->dev = st.st_dev;
        p->ino = st.st_ino;
    } else {
        p->fd = -1;
    }
}

/* Is the pool's descriptor still its memfd?  The program may have closed it
 * (a daemon closing every descriptor) and reused the number. */
static int mw_pool_fd_ok(struct mw_alias *p)
{
    struct stat st;
    if (p->fd < 0)
        return 0;
    if (mw_sys_fstat(p->fd, &st) != 0 || st.st_dev != p->dev || st.st_ino != p->ino) {
        mw_debug("the descriptor of an alias pool was closed by the program; new watches use a new pool");
        p->fd = -1;
        return 0;
    }
    return 1;
}

static int mw_memfd_sized(size_t len)
{
    int fd = (int)mw_sys_memfd_create("memwatch", MFD_CLOEXEC);
    if (fd < 0)
        return fd;
    long rc = mw_sys_ftruncate(fd, (long)len);
    if (rc != 0) {
        mw_sys_close(fd);
        return (int)rc;
    }
    return fd;
}

/* Maps the window of a pool of len bytes from fd at addr (0: anywhere in the
 * reservation).  Returns it, or NULL with *err. */
static char *mw_window_map(char *addr, size_t len, int fd, int *err)
{
    char *w;
    if (addr) {
        w = mw_sys_mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
        if (mw_sys_failed((long)w)) {
            *err = (int)(long)w;
            return NULL;
        }
    } else if (!(w = mw_pages_map(len, 0, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, err))) {
        return NULL;
    }
    mw_sys_madvise(w, len, MADV_DONTDUMP); /* the program's view of the pages is in the dump */
    return w;
}

/* --- making a pool ------------------------------------------------------------ */

/* A new pool with room for at least n pages: as large as the last one twice
 * over (the first: MW_POOL_FIRST_PAGES), smaller when the reservation cannot
 * hold that much (RLIMIT_AS). */
static struct mw_alias *mw_pool_new(size_t n, int *err)
{
    size_t want = mw_pools_last ? 2 * mw_pool_cap(mw_pools_last) : MW_POOL_FIRST_PAGES;
    if (want > MW_POOL_MAX_PAGES)
        want = MW_POOL_MAX_PAGES;
    size_t least = (n + 63) & ~(size_t)63;
    if (least < MW_POOL_MIN_PAGES)
        least = MW_POOL_MIN_PAGES;
    if (want < least)
        want = least;
    struct mw_alias *p = mw_alloc(sizeof *p);
    char *w = NULL;
    int fd = -1;
    *err = -ENOMEM;
    if (!p)
        goto fail;
    if ((fd = mw_memfd_sized(want * MW_PAGE_SIZE)) < 0) {
        *err = fd;
        goto fail;
    }
    while (!(w = mw_window_map(NULL, want * MW_PAGE_SIZE, fd, err)) && want / 2 >= least) {
        want /= 2;
        mw_sys_ftruncate(fd, (long)(want * MW_PAGE_SIZE));
    }
    if (!w)
        goto fail;
    *err = -ENOMEM;
    if (!(p->used = mw_alloc(want / 64 * sizeof *p->used)))
        goto fail;
    p->kind = MW_ALIAS_POOL;
    p->alias = w;
    p->len = want * MW_PAGE_SIZE;
    mw_pool_remember_fd(p, mw_fd_out_of_the_way(fd));
    if (mw_pools_last)
        mw_pools_last->next = p;
    else
        mw_pools = p;
    mw_pools_last = p;
    return p;
fail:
    if (w)
        mw_pages_unmap(w, want * MW_PAGE_SIZE);
    if (fd >= 0)
        mw_sys_close(fd);
    mw_free(p);
    return NULL;
}

/* Unlinks and frees a pool that has lost its descriptor and its last page. */
static void mw_pool_retire(struct mw_alias *p)
{
    struct mw_alias *prev = NULL;
    for (struct mw_alias *q = mw_pools; q && q != p; q = q->next)
        prev = q;
    if (prev)
        prev->next = p->next;
    else
        mw_pools = p->next;
    if (mw_pools_last == p)
        mw_pools_last = prev;
    mw_pages_unmap(p->alias, p->len);
    mw_free(p->used);
    mw_free(p);
}

/* --- handing pages out ---------------------------------------------------------- */

static int mw_pool_free_at(const struct mw_alias *p, size_t off, size_t n)
{
    if (off > mw_pool_cap(p) || n > mw_pool_cap(p) - off)
        return 0;
    for (size_t i = off; i < off + n; i++)
        if (mw_bit_get(p->used, i))
            return 0;
    return 1;
}

/* The first run of n free pages in [from, to), whole used words skipped. */
static size_t mw_pool_find_run(const struct mw_alias *p, size_t from, size_t to, size_t n)
{
    size_t run = 0;
    for (size_t i = from; i < to;) {
        if (i % 64 == 0 && i + 64 <= to && p->used[i / 64] == ~0ULL) {
            run = 0;
            i += 64;
            continue;
        }
        run = mw_bit_get(p->used, i) ? 0 : run + 1;
        i++;
        if (run == n)
            return i - n;
    }
    return MW_NO_RUN;
}

static void mw_pool_mark(struct mw_alias *p, size_t off, size_t n)
{
    mw_bits_set(p->used, off, n, 1);
    p->pages += n;
    p->cursor = off + n < mw_pool_cap(p) ? off + n : 0;
}

int mw_pool_take(size_t n, struct mw_alias *hint, size_t hint_off, struct mw_alias **pool, size_t *off)
{
    if (hint && hint->kind == MW_ALIAS_POOL && mw_pool_free_at(hint, hint_off, n) && mw_pool_fd_ok(hint)) {
        *pool = hint;
        *off = hint_off;
        mw_pool_mark(hint, hint_off, n);
        return 0;
    }
    for (struct mw_alias *p = mw_pools; p; p = p->next) {
        if (mw_pool_cap(p) - p->pages < n || !mw_pool_fd_ok(p))
            continue;
        size_t at = mw_pool_find_run(p, p->cursor, mw_pool_cap(p), n);
        if (at == MW_NO_RUN)
            at = mw_pool_find_run(p, 0, p->cursor, n);
        if (at != MW_NO_RUN) {
            *pool = p;
            *off = at;
            mw_pool_mark(p, at, n);
            return 0;
        }
    }
    int err = 0;
    struct mw_alias *p = mw_pool_new(n, &err);
    if (!p)
        return err;
    *pool = p;
    *off = 0;
    mw_pool_mark(p, 0, n);
    return 0;
}

void mw_pool_give(struct mw_alias *p, size_t off, size_t n)
{
    mw_sys_madvise(p->alias + off * MW_PAGE_SIZE, n * MW_PAGE_SIZE, MADV_REMOVE);
    mw_bits_set(p->used, off, n, 0);
    p->pages -= n;
    if (p->pages == 0 && p->fd < 0)
        mw_pool_retire(p);
}

size_t mw_pool_offset(const struct mw_alias *p, const char *alias_page)
{
    return (size_t)(alias_page - p->alias) / MW_PAGE_SIZE;
}

/* --- fork ---------------------------------------------------------------------
 * The parent copies every page in use, in pool order, while it holds the
 * table lock (no access can change them meanwhile).  The child, still
 * single-threaded, gives each pool a memfd of its own - in use or not, so
 * that the two processes never hand out the same page - mapped at the same
 * window address (the alias pages keep their addresses), fills it from the
 * copy, and maps the program's view of each watched page from it again. */

void mw_pool_fork_prepare(void)
{
    for (struct mw_alias *p = mw_pools; p; p = p->next) {
        if (!p->pages)
            continue;
        p->snapshot = mw_pages_map(p->pages * MW_PAGE_SIZE, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
        char *to = p->snapshot;
        for (size_t i = 0; to && i < mw_pool_cap(p); i++) {
            if (mw_bit_get(p->used, i)) {
                memcpy(to, p->alias + i * MW_PAGE_SIZE, MW_PAGE_SIZE);
                to += MW_PAGE_SIZE;
            }
        }
    }
}

void mw_pool_fork_parent(void)
{
    for (struct mw_alias *p = mw_pools; p; p = p->next) {
        if (p->snapshot)
            mw_pages_unmap(p->snapshot, p->pages * MW_PAGE_SIZE);
        p->snapshot = NULL;
    }
}

/* The child's own memfd for pool p, filled from the snapshot.  0 or -errno. */
static int mw_pool_fork_own(struct mw_alias *p)
{
    if (p->pages && !p->snapshot)
        return -ENOMEM;
    int fd = mw_memfd_sized(p->len), err = 0;
    if (fd < 0)
        return fd;
    if (!mw_window_map(p->alias, p->len, fd, &err)) {
        mw_sys_close(fd);
        return err;
    }
    const char *from = p->snapshot;
    for (size_t i = 0; from && i < mw_pool_cap(p); i++) {
        if (mw_bit_get(p->used, i)) {
            memcpy(p->alias + i * MW_PAGE_SIZE, from, MW_PAGE_SIZE);
            from += MW_PAGE_SIZE;
        }
    }
    for (struct mw_page *pg = mw_page_first(); pg; pg = mw_page_next(pg)) {
        if (pg->backend != MW_BACKEND_ALIAS || pg->alias != p)
            continue;
        long off = (long)(mw_pool_offset(p, pg->alias_page) * MW_PAGE_SIZE);
        mw_sys_mmap((void *)pg->addr, MW_PAGE_SIZE, pg->view_prot, MAP_SHARED | MAP_FIXED, fd, off);
    }
    /* The inherited descriptor is the parent's memfd: the child's takes its number. */
    if (mw_pool_fd_ok(p) && mw_sys_dup3(fd, p->fd, O_CLOEXEC) >= 0) {
        mw_sys_close(fd);
        fd = p->fd;
    } else {
        fd = mw_fd_out_of_the_way(fd);
    }
    mw_pool_remember_fd(p, fd);
    return 0;
}

void mw_pool_fork_child(void)
{
    for (struct mw_alias *p = mw_pools; p; p = p->next) {
        int rc = mw_pool_fork_own(p);
        if (rc != 0) {
            mw_debug("fork: watched pages stay shared with the parent (%s)", mw_strerror(-rc));
            p->fd = -1; /* its pages are the parent's: never hand one out here */
        }
        if (p->snapshot)
            mw_pages_unmap(p->snapshot, p->pages * MW_PAGE_SIZE);
        p->snapshot = NULL;
    }
}
