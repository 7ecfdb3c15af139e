/*
 * preload/pack.c - the pack file of captured bytes (see pack.h).
 *
 * The file is mapped MAP_SHARED through a window larger than the file (a
 * mapping may reach past the end; only the bytes inside it are touched) and
 * moved with mremap when it must grow.  Space ahead of the writer is made
 * ready a step at a time: zeros written with pwrite put the pages in the
 * page cache without reading anything (and reserve their blocks, so a full
 * disk is an error here, not a SIGBUS in the middle of a copy), then
 * MADV_POPULATE_WRITE maps them present and writable, so the copy itself
 * takes no page fault.  Measured on ext4 (bench/cycle.c), this costs about
 * half of fallocate + MADV_POPULATE_WRITE, which reads every new page in
 * (zero-filled) before it can be written.  Where the kernel has no
 * MADV_POPULATE_WRITE (before 5.14) the bytes go in with pwrite instead.
 * Only the library writes its pack, and only at or past the end of what it
 * wrote, so the zeros never cover a capture.
 *
 * Identical content is stored once: an open-addressing table in the arena
 * maps a content hash to where its bytes are, and a hit is compared byte for
 * byte against the pack before it is reused.
 */
#include "preload/pack.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/arena.h"
#include "core/sys.h"

#define MW_PACK_STEP (256 * 1024UL)          /* made ready at a time */
#define MW_PACK_WINDOW_MIN (16UL << 20)      /* first window; doubles */
#define MW_PACK_SLOTS_MIN 256
#define MW_PAGE 4096UL

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

struct mw_pack_slot {
    uint64_t hash;
    uint64_t offset;
    uint64_t len;                  /* 0: empty */
};

static int mw_pack_fd = -1;
static char *mw_pack_map;          /* the window, MAP_SHARED */
static uint64_t mw_pack_window;    /* bytes the window spans */
static uint64_t mw_pack_ready;     /* written (zeros at least) and populated up to here */
static uint64_t mw_pack_used;      /* bytes appended */
static int mw_pack_by_pwrite;      /* no MADV_POPULATE_WRITE: write, do not copy */
static struct mw_pack_slot *mw_pack_slots;
static size_t mw_pack_nslots, mw_pack_nfilled;

static uint64_t mw_round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

uint64_t mw_content_hash(const void *bytes, size_t len) { return XXH3_64bits(bytes, len); }

int mw_pack_is_open(void) { return mw_pack_fd >= 0; }

long mw_pack_open(int fd, uint64_t resume_at)
{
    uint64_t window = MW_PACK_WINDOW_MIN;
    while (window < resume_at + MW_PACK_STEP)
        window *= 2;
    void *m = mw_sys_mmap(NULL, window, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mw_sys_failed((long)m))
        return (long)m;
    mw_pack_fd = fd;
    mw_pack_map = m;
    mw_pack_window = window;
    mw_pack_used = resume_at;
    mw_pack_ready = resume_at; /* never below mw_pack_used: zeros go only past it */
    return 0;
}

/* Word-at-a-time comparison (the library's memcmp goes byte by byte). */
static int mw_same_bytes(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static const struct mw_pack_slot *mw_pack_find(const void *bytes, size_t len, uint64_t hash)
{
    if (!mw_pack_nslots)
        return NULL;
    for (size_t i = hash & (mw_pack_nslots - 1);; i = (i + 1) & (mw_pack_nslots - 1)) {
        const struct mw_pack_slot *s = &mw_pack_slots[i];
        if (!s->len)
            return NULL;
        if (s->hash == hash && s->len == len && s->offset + len <= mw_pack_used &&
            mw_same_bytes(mw_pack_map + s->offset, bytes, len))
            return s;
    }
}

static void mw_pack_slot_put(struct mw_pack_slot *slots, size_t n, const struct mw_pack_slot *e)
{
    size_t i = e->hash & (n - 1);
    while (slots[i].len)
        i = (i + 1) & (n - 1);
    slots[i] = *e;
}

void mw_pack_remember(uint64_t hash, uint64_t offset, uint64_t len)
{
    if (!len)
        return;
    if ((mw_pack_nfilled + 1) * 2 > mw_pack_nslots) { /* at most half full */
        size_t n = mw_pack_nslots ? mw_pack_nslots * 2 : MW_PACK_SLOTS_MIN;
        struct mw_pack_slot *grown = mw_alloc(n * sizeof *grown);
        if (!grown)
            return; /* stored again next time: a missed saving, nothing lost */
        for (size_t i = 0; i < mw_pack_nslots; i++)
            if (mw_pack_slots[i].len)
                mw_pack_slot_put(grown, n, &mw_pack_slots[i]);
        mw_free(mw_pack_slots);
        mw_pack_slots = grown;
        mw_pack_nslots = n;
    }
    struct mw_pack_slot e = {hash, offset, len};
    mw_pack_slot_put(mw_pack_slots, mw_pack_nslots, &e);
    mw_pack_nfilled++;
}

static long mw_pack_pwrite(const void *bytes, size_t len, uint64_t at)
{
    const char *p = bytes;
    while (len) {
        long w = MW_SYS4(SYS_pwrite64, mw_pack_fd, p, len, at);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? w : -EIO;
        p += w;
        at += (uint64_t)w;
        len -= (size_t)w;
    }
    return 0;
}

/* Makes [0, need) of the file ready for copying: reserved on disk and
 * present in the window. */
static long mw_pack_make_ready(uint64_t need)
{
    if (need <= mw_pack_ready)
        return 0;
    uint64_t target = mw_round_up(need, MW_PACK_STEP);
    if (target > mw_pack_window) {
        uint64_t window = mw_pack_window * 2;
        while (window < target)
            window *= 2;
        void *m = mw_sys_mremap(mw_pack_map, mw_pack_window, window, MREMAP_MAYMOVE, NULL);
        if (mw_sys_failed((long)m))
            return (long)m;
        mw_pack_map = m;
        mw_pack_window = window;
    }
    static char zeros[MW_PACK_STEP]; /* .bss: never written, costs no memory */
    uint64_t from = mw_pack_ready & ~(MW_PAGE - 1);
    long rc = 0;
    for (uint64_t at = mw_pack_ready; at < target && rc == 0;) {
        uint64_t n = target - at < sizeof zeros ? target - at : sizeof zeros;
        rc = mw_pack_pwrite(zeros, n, at);
        at += n;
    }
    if (rc != 0)
        return rc;
    if (!mw_pack_by_pwrite) {
        rc = mw_sys_madvise(mw_pack_map + from, target - from, MADV_POPULATE_WRITE);
        if (rc == -EINVAL)
            mw_pack_by_pwrite = 1;
        else if (rc != 0)
            return rc == -EFAULT ? -ENOSPC : rc;
    }
    mw_pack_ready = target;
    return 0;
}

const void *mw_pack_at(uint64_t offset) { return mw_pack_map + offset; }

void mw_pack_prepare(size_t ahead)
{
    if (mw_pack_fd >= 0 && mw_pack_ready - mw_pack_used < ahead)
        mw_pack_make_ready(mw_pack_used + ahead); /* a failure shows at the next put */
}

long mw_pack_put(const void *bytes, size_t len, uint64_t hash, uint64_t *offset)
{
    if (mw_pack_fd < 0)
        return -EBADF;
    const struct mw_pack_slot *same = mw_pack_find(bytes, len, hash);
    if (same) {
        *offset = same->offset;
        return 0;
    }
    long rc = mw_pack_make_ready(mw_pack_used + len);
    if (rc != 0)
        return rc;
    if (mw_pack_by_pwrite) {
        rc = mw_pack_pwrite(bytes, len, mw_pack_used);
        if (rc != 0)
            return rc;
    } else {
        memcpy(mw_pack_map + mw_pack_used, bytes, len);
    }
    *offset = mw_pack_used;
    mw_pack_used += len;
    mw_pack_remember(hash, *offset, len);
    return 0;
}

void mw_pack_trim(void)
{
    if (mw_pack_fd >= 0 && mw_sys_ftruncate(mw_pack_fd, (long)mw_pack_used) == 0)
        mw_pack_ready = mw_pack_used;
}

void mw_pack_forget(void)
{
    if (mw_pack_map)
        mw_sys_munmap(mw_pack_map, mw_pack_window);
    if (mw_pack_fd >= 0)
        mw_sys_close(mw_pack_fd);
    mw_free(mw_pack_slots);
    mw_pack_fd = -1;
    mw_pack_map = NULL;
    mw_pack_window = mw_pack_ready = mw_pack_used = 0;
    mw_pack_by_pwrite = 0;
    mw_pack_slots = NULL;
    mw_pack_nslots = mw_pack_nfilled = 0;
}
