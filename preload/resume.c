/*
 * preload/resume.c - what an earlier image of this process left in its
 * directory (see resume.h): exec keeps the pid, so a new image finds the
 * captures.jsonl of the one before and goes on from it.
 */
#include "preload/resume.h"

#include <fcntl.h>
#include <string.h>

#include "core/fmt.h"
#include "core/sys.h"
#include "preload/pack.h"

/* The number after "key": in a line we wrote, or -1. */
static int64_t mw_line_number(const char *line, size_t n, const char *key)
{
    size_t k = mw_strlen(key);
    for (size_t i = 0; i + k + 3 < n; i++) {
        if (line[i] != '"' || mw_strncmp(line + i + 1, key, k) != 0 || line[i + 1 + k] != '"' ||
            line[i + 2 + k] != ':')
            continue;
        const char *d = line + i + 3 + k;
        int quoted = *d == '"';
        d += quoted;
        int hex = d[0] == '0' && d[1] == 'x';
        d += hex ? 2 : 0;
        int64_t v = 0;
        int digits = 0;
        for (; d < line + n; d++, digits++) {
            int x = *d >= '0' && *d <= '9' ? *d - '0' : hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10 : -1;
            if (x < 0)
                break;
            v = hex ? (int64_t)((uint64_t)v << 4 | (uint64_t)x) : v * 10 + x;
        }
        return digits ? v : -1;
    }
    return -1;
}

/* One line an earlier image wrote: its bytes in the pack are neither
 * overwritten nor stored again. */
static void mw_resume_line(const char *line, size_t n, uint64_t *pack_end)
{
    int64_t off = mw_line_number(line, n, "offset"), len = mw_line_number(line, n, "len");
    if (off < 0 || len <= 0)
        return;
    if ((uint64_t)(off + len) > *pack_end)
        *pack_end = (uint64_t)(off + len);
    mw_pack_remember((uint64_t)mw_line_number(line, n, "hash"), (uint64_t)off, (uint64_t)len);
}

long mw_resume_captures(int dir, const char *name, uint64_t *pack_end)
{
    long lines = 0;
    *pack_end = 0;
    long fd = mw_sys_openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    char buf[8192];
    size_t have = 0;
    int too_long = 0; /* in a line longer than ours ever are: it only counts */
    long n;
    while ((n = mw_sys_read((int)fd, buf + have, sizeof buf - have)) > 0) {
        have += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] == '\n') {
                lines++;
                if (!too_long)
                    mw_resume_line(buf + start, i - start, pack_end);
                too_long = 0;
                start = i + 1;
            }
        }
        if (start == 0 && have == sizeof buf) {
            too_long = 1;
            start = have;
        }
        have -= start;
        memmove(buf, buf + start, have);
    }
    mw_sys_close((int)fd);
    return lines;
}
