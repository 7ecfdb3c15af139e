/*
 * trampoline/maps.c - /proc/self/maps for a range (see maps.h).
 */
#include "trampoline/maps.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "core/arena.h"
#include "core/sys.h"

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

/* Reads the whole file into an arena buffer (it changes as we read: fine). */
static char *mw_read_maps(size_t *len)
{
    int fd = (int)mw_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
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

int mw_maps_query(uintptr_t start, uintptr_t end, struct mw_map *maps, int max)
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
            if (lo > covered) { /* a hole */
                rc = -ENOMEM;
                break;
            }
            if (count == max) {
                rc = -ENOSPC;
                break;
            }
            struct mw_map *m = &maps[count++];
            m->start = covered;
            m->end = hi < end ? hi : end;
            m->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
                      (p[2] == 'x' ? PROT_EXEC : 0);
            m->shared = p[3] == 's';
            m->special = mw_contains(p, line_end, "[vdso]") || mw_contains(p, line_end, "[vvar]") ||
                         mw_contains(p, line_end, "[vsyscall]");
            m->stack = mw_contains(p, line_end, "[stack]");
            const char *path = p;
            while (path < line_end && *path != '/')
                path++;
            m->file = path < line_end && !mw_contains(path, line_end, "/memfd:") &&
                      !mw_contains(path, line_end, "(deleted)");
            covered = m->end;
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
