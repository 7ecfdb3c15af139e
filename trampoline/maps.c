/*
 * trampoline/maps.c - the kernel's map of this process for a range (see
 * maps.h): PROCMAP_QUERY where the kernel has it, the text of
 * /proc/self/maps elsewhere.
 */
#include "trampoline/maps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <sys/mman.h>

#include "core/arena.h"
#include "core/sys.h"

/* --- what both paths share ---------------------------------------------------- */

static int mw_contains(const char *s, const char *end, const char *word)
{
    for (; s < end; s++) {
        const char *a = s, *b = word;
        while (a < end && *b && *a == *b)
            a++, b++;
        if (!*b)
            return 1;
    }
    return 0;
}

/* Fills the name-derived fields from a mapping's name (not terminated). */
static void mw_map_name(struct mw_map *m, const char *name, const char *end)
{
    m->special = mw_contains(name, end, "[vdso]") || mw_contains(name, end, "[vvar") ||
                 mw_contains(name, end, "[vsyscall]");
    m->stack = mw_contains(name, end, "[stack]");
}

/* Appends the mapping [lo, hi) seen at *covered to maps[]: a hole before it
 * is -ENOMEM, one more than max -ENOSPC; else 0 and *covered moves on. */
static struct mw_map *mw_map_next(struct mw_map *maps, int max, int *count, uintptr_t *covered, uintptr_t lo,
                                  uintptr_t hi, uintptr_t end, int *rc)
{
    if (lo > *covered) {
        *rc = -ENOMEM;
        return NULL;
    }
    if (*count == max) {
        *rc = -ENOSPC;
        return NULL;
    }
    struct mw_map *m = &maps[(*count)++];
    m->start = *covered;
    m->end = hi < end ? hi : end;
    *covered = m->end;
    return m;
}

static int mw_force_text;
static int mw_no_query; /* the kernel said it has no PROCMAP_QUERY */
static int mw_last_used_query;

void mw_maps_force_text(int on) { mw_force_text = on; }
int mw_maps_used_query(void) { return mw_last_used_query; }

static int mw_open_maps(void) { return (int)mw_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0); }

/* --- PROCMAP_QUERY (Linux 6.11+) ------------------------------------------------ */

/* The kernel's struct procmap_query (uapi linux/fs.h), spelled out: older
 * headers do not have it, and the kernel takes its size from the first field. */
struct mw_procmap_query {
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start, vma_end;
    uint64_t vma_flags;
    uint64_t vma_page_size;
    uint64_t vma_offset;
    uint64_t inode;
    uint32_t dev_major, dev_minor;
    uint32_t vma_name_size;
    uint32_t build_id_size;
    uint64_t vma_name_addr;
    uint64_t build_id_addr;
};
#define MW_PROCMAP_QUERY _IOWR('f', 17, struct mw_procmap_query)
#define MW_PROCMAP_READABLE 0x01
#define MW_PROCMAP_WRITABLE 0x02
#define MW_PROCMAP_EXECUTABLE 0x04
#define MW_PROCMAP_SHARED 0x08

enum mw_query_result {
    MW_QUERY_FOUND,
    MW_QUERY_HOLE,       /* nothing covers the address */
    MW_QUERY_NO_IOCTL,   /* the kernel has no PROCMAP_QUERY */
    MW_QUERY_ERROR,
};

/* The mapping covering addr.  A name too long for the buffer cannot be one
 * of the special names, so it is asked again without one. */
static enum mw_query_result mw_query_one(int fd, uintptr_t addr, struct mw_procmap_query *q, char *name,
                                         uint32_t cap, long *err)
{
    for (int with_name = 1; with_name >= 0; with_name--) {
        *q = (struct mw_procmap_query){.size = sizeof *q, .query_addr = addr};
        if (with_name) {
            q->vma_name_addr = (uintptr_t)name;
            q->vma_name_size = cap;
        }
        long rc = mw_sys_ioctl(fd, MW_PROCMAP_QUERY, q);
        if (rc == 0)
            return MW_QUERY_FOUND;
        if (rc == -ENAMETOOLONG && with_name)
            continue;
        *err = rc;
        if (rc == -ENOENT)
            return MW_QUERY_HOLE;
        return rc == -ENOTTY || rc == -EINVAL || rc == -EOPNOTSUPP ? MW_QUERY_NO_IOCTL : MW_QUERY_ERROR;
    }
    return MW_QUERY_ERROR;
}

/* Returns like mw_maps_query, or sets *ask_text when the text must answer
 * instead (no ioctl, or a hole: the text also knows [vsyscall], which the
 * ioctl does not, and a hole is an error path anyway). */
static int mw_maps_query_ioctl(uintptr_t start, uintptr_t end, struct mw_map *maps, int max, int *ask_text)
{
    int fd = mw_open_maps();
    if (fd < 0)
        return fd;
    char name[64];
    int count = 0, rc = 0;
    uintptr_t covered = start;
    while (covered < end && rc == 0) {
        struct mw_procmap_query q;
        long err = 0;
        enum mw_query_result r = mw_query_one(fd, covered, &q, name, sizeof name, &err);
        if (r == MW_QUERY_NO_IOCTL)
            mw_no_query = 1;
        if (r != MW_QUERY_FOUND) {
            *ask_text = r != MW_QUERY_ERROR;
            rc = (int)err;
            break;
        }
        struct mw_map *m = mw_map_next(maps, max, &count, &covered, q.vma_start, q.vma_end, end, &rc);
        if (!m)
            break;
        m->prot = (q.vma_flags & MW_PROCMAP_READABLE ? PROT_READ : 0) |
                  (q.vma_flags & MW_PROCMAP_WRITABLE ? PROT_WRITE : 0) |
                  (q.vma_flags & MW_PROCMAP_EXECUTABLE ? PROT_EXEC : 0);
        m->shared = (q.vma_flags & MW_PROCMAP_SHARED) != 0;
        uint32_t len = q.vma_name_size ? q.vma_name_size - 1 : 0; /* the size counts the NUL */
        mw_map_name(m, name, name + (len < sizeof name ? len : 0));
    }
    mw_sys_close(fd);
    return rc ? rc : count;
}

/* --- the text of /proc/self/maps ------------------------------------------------ */

static uintptr_t mw_parse_hex(const char **pp)
{
    uintptr_t v = 0;
    const char *p = *pp;
    for (;; p++) {
        char c = *p;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            break;
        v = v * 16 + (uintptr_t)d;
    }
    *pp = p;
    return v;
}

/* Reads the whole file into an arena buffer (it changes as we read: fine). */
static char *mw_read_maps(size_t *len)
{
    int fd = mw_open_maps();
    if (fd < 0)
        return NULL;
    size_t cap = 64 * 1024, n = 0;
    char *buf = mw_alloc(cap);
    while (buf) {
        if (n + 1 >= cap) { /* always one byte to spare: mw_maps_each ends the last line there */
            char *bigger = mw_realloc(buf, cap * 2);
            if (!bigger) {
                mw_free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        long r = mw_sys_read(fd, buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    mw_sys_close(fd);
    *len = n;
    return buf;
}

static int mw_maps_query_text(uintptr_t start, uintptr_t end, struct mw_map *maps, int max)
{
    size_t len;
    char *buf = mw_read_maps(&len);
    if (!buf)
        return -ENOMEM;
    int count = 0, rc = 0;
    uintptr_t covered = start;
    const char *p = buf, *stop = buf + len;
    while (p < stop && covered < end) {
        const char *line_end = p;
        while (line_end < stop && *line_end != '\n')
            line_end++;
        uintptr_t lo = mw_parse_hex(&p);
        p++; /* '-' */
        uintptr_t hi = mw_parse_hex(&p);
        p++; /* ' ' */
        if (hi > covered && lo < end) {
            struct mw_map *m = mw_map_next(maps, max, &count, &covered, lo, hi, end, &rc);
            if (!m)
                break;
            m->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
                      (p[2] == 'x' ? PROT_EXEC : 0);
            m->shared = p[3] == 's';
            mw_map_name(m, p, line_end);
        }
        p = line_end + 1;
    }
    mw_free(buf);
    if (rc == 0 && covered < end)
        rc = -ENOMEM;
    return rc ? rc : count;
}

int mw_maps_each(int (*fn)(const struct mw_maps_line *m, void *arg), void *arg)
{
    size_t len;
    char *buf = mw_read_maps(&len);
    if (!buf)
        return -ENOMEM;
    int rc = 0;
    for (char *p = buf, *stop = buf + len; p < stop && rc == 0;) {
        char *line_end = p;
        while (line_end < stop && *line_end != '\n')
            line_end++;
        *line_end = '\0'; /* the arena buffer is ours (read one byte short of full: see below) */
        struct mw_maps_line m = {0};
        const char *q = p;
        m.start = mw_parse_hex(&q);
        q++; /* '-' */
        m.end = mw_parse_hex(&q);
        if (*q++ == ' ' && line_end - q >= 4) {
            m.prot = (q[0] == 'r' ? PROT_READ : 0) | (q[1] == 'w' ? PROT_WRITE : 0) | (q[2] == 'x' ? PROT_EXEC : 0);
            m.shared = q[3] == 's';
            for (int field = 0; field < 3 && *q; field++) { /* past perms, offset, dev: at the inode */
                while (*q && *q != ' ')
                    q++;
                while (*q == ' ')
                    q++;
            }
            m.anonymous = q[0] == '0' && (q[1] == ' ' || q[1] == '\0');
            while (*q && *q != ' ')
                q++;
            while (*q == ' ')
                q++;
            m.path = q;
            rc = fn(&m, arg);
        }
        p = line_end + 1;
    }
    mw_free(buf);
    return rc;
}

int mw_maps_query(uintptr_t start, uintptr_t end, struct mw_map *maps, int max)
{
    mw_last_used_query = 0;
    if (!mw_force_text && !mw_no_query) {
        int ask_text = 0;
        int rc = mw_maps_query_ioctl(start, end, maps, max, &ask_text);
        if (!ask_text) {
            mw_last_used_query = 1;
            return rc;
        }
    }
    return mw_maps_query_text(start, end, maps, max);
}

int mw_maps_all_mapped(uintptr_t start, uintptr_t end)
{
    struct mw_map maps[4];
    int n = mw_maps_query(start, end, maps, 4);
    return n >= 0 || n == -ENOSPC;
}
