/*
 * tools/events.c - the live event stream of `memwatch --events PATH` (see
 * events.h).  Lines wait in one buffer; a FIFO is written without blocking
 * and only as far as the reader takes it, a regular file in full.
 */
#include "tools/events.h"
#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MWT_EVENTS_BUFFER (4u << 20)   /* bytes of lines waiting for a slow reader */

struct mwt_events {
    char *path;
    bool fifo;
    int fd;                            /* -1: no reader now */
    bool mid_line;                     /* the reader has the first part of the line at buf[start] */
    char *buf;
    size_t start, len;                 /* waiting: buf[start, start + len) */
    uint64_t skipped_caps, skipped_accs;
};

struct mwt_events *mwt_events_open(const char *path)
{
    struct stat st;
    struct mwt_events *ev = mwt_xcalloc(1, sizeof *ev);
    ev->path = mwt_xstrdup(path);
    ev->fd = -1;
    ev->buf = mwt_xmalloc(MWT_EVENTS_BUFFER);
    ev->fifo = stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
    if (!ev->fifo) {
        ev->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (ev->fd < 0) {
            mwt_error("--events %s: %s", path, strerror(errno));
            free(ev->buf);
            free(ev->path);
            free(ev);
            return NULL;
        }
    }
    return ev;
}

/* A FIFO is opened without waiting: ENXIO while nobody reads it. */
static void mwt_events_connect(struct mwt_events *ev)
{
    if (ev->fd >= 0 || !ev->fifo)
        return;
    ev->fd = open(ev->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (ev->fd < 0)
        return;
    if (ev->mid_line) { /* the last reader took half a line: the next one starts at a whole one */
        char *nl = memchr(ev->buf + ev->start, '\n', ev->len);
        size_t drop = nl ? (size_t)(nl - (ev->buf + ev->start)) + 1 : ev->len;
        ev->start += drop;
        ev->len -= drop;
        ev->mid_line = false;
    }
}

void mwt_events_flush(struct mwt_events *ev)
{
    mwt_events_connect(ev);
    while (ev->fd >= 0 && ev->len) {
        ssize_t w = write(ev->fd, ev->buf + ev->start, ev->len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            if (errno != EAGAIN) { /* the reader is gone (EPIPE), or worse */
                close(ev->fd);
                ev->fd = -1;
            }
            return;
        }
        ev->start += (size_t)w;
        ev->len -= (size_t)w;
        ev->mid_line = ev->len && ev->buf[ev->start - 1] != '\n';
    }
    if (!ev->len)
        ev->start = 0;
}

/* Room for n more bytes at the end, moving what waits to the front. */
static bool mwt_events_room(struct mwt_events *ev, size_t n)
{
    if (ev->start + ev->len + n <= MWT_EVENTS_BUFFER)
        return true;
    if (ev->len + n > MWT_EVENTS_BUFFER)
        return false;
    memmove(ev->buf, ev->buf + ev->start, ev->len);
    ev->start = 0;
    return true;
}

static void mwt_events_append(struct mwt_events *ev, const char *p, size_t n)
{
    memcpy(ev->buf + ev->start + ev->len, p, n);
    ev->len += n;
}

static char *mwt_skipped_line(const struct mwt_events *ev)
{
    return mwt_xasprintf("{\"event\":\"skipped\",\"count\":%" PRIu64 ",\"captures\":%" PRIu64
                         ",\"accesses\":%" PRIu64 "}\n",
                         ev->skipped_caps + ev->skipped_accs, ev->skipped_caps, ev->skipped_accs);
}

/* One event; the skipped line first, where the gap is, once there is room. */
static void mwt_events_add(struct mwt_events *ev, struct mwt_line *l, bool capture)
{
    if (l->len < 2 || l->text[0] != '{' || l->text[l->len - 1] != '}')
        return; /* not a line the library wrote */
    json_t *exe_str = json_string(l->proc->name);
    char *exe = exe_str ? json_dumps(exe_str, JSON_ENCODE_ANY) : NULL;
    json_decref(exe_str);
    if (exe) {
        char *dot = strrchr(exe, '.'); /* "<exe>.<pid>" loses ".<pid>" */
        if (dot)
            memmove(dot, "\"", 2);
    }
    json_t *dir_str = json_string(l->proc->path);
    char *dir = dir_str ? json_dumps(dir_str, JSON_ENCODE_ANY) : NULL;
    json_decref(dir_str);
    char *head = mwt_xasprintf("{\"event\":\"%s\",\"pid\":%ld,\"exe\":%s,\"dir\":%s%s", capture ? "capture" : "access",
                               l->proc->pid, exe ? exe : "\"\"", dir ? dir : "\"\"", l->len > 2 ? "," : "");
    free(exe);
    free(dir);
    /* the line without its "{" (and, with extra members, without its "}"), plus a newline */
    size_t nh = strlen(head), nx = l->extra ? strlen(l->extra) : 0, nbody = l->len - 1 - (nx ? 1 : 0);
    char *skipped = ev->skipped_caps || ev->skipped_accs ? mwt_skipped_line(ev) : NULL;
    size_t ns = skipped ? strlen(skipped) : 0;
    size_t need = ns + nh + nbody + (nx ? nx + 1 : 0) + 1;
    if (!mwt_events_room(ev, need)) {
        mwt_events_flush(ev);
        if (!mwt_events_room(ev, need)) {
            if (capture)
                ev->skipped_caps++;
            else
                ev->skipped_accs++;
            goto done;
        }
    }
    if (skipped) {
        mwt_events_append(ev, skipped, ns);
        ev->skipped_caps = ev->skipped_accs = 0;
    }
    mwt_events_append(ev, head, nh);
    mwt_events_append(ev, l->text + 1, nbody);
    if (nx) {
        mwt_events_append(ev, l->extra, nx);
        mwt_events_append(ev, "}", 1);
    }
    mwt_events_append(ev, "\n", 1);
done:
    free(skipped);
    free(head);
}

static void mwt_events_capture(void *arg, struct mwt_line *l) { mwt_events_add(arg, l, true); }
static void mwt_events_access(void *arg, struct mwt_line *l) { mwt_events_add(arg, l, false); }

void mwt_events_attach(struct mwt_events *ev, struct mwt_follow *f)
{
    struct mwt_consumer c = { NULL, mwt_events_capture, mwt_events_access, ev };
    mwt_follow_add(f, &c);
}

static long mwt_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

void mwt_events_close(struct mwt_events *ev, int timeout_ms)
{
    if (!ev)
        return;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ev->skipped_caps || ev->skipped_accs) {
        char *skipped = mwt_skipped_line(ev);
        if (!mwt_events_room(ev, strlen(skipped)))
            mwt_events_flush(ev);
        if (mwt_events_room(ev, strlen(skipped)))
            mwt_events_append(ev, skipped, strlen(skipped));
        free(skipped);
    }
    /* A reader gets a little time to come and take the rest (a short
     * program may be done before the reader has opened the FIFO). */
    for (;;) {
        mwt_events_flush(ev);
        long left = timeout_ms - mwt_ms_since(&t0);
        if (!ev->len || left <= 0)
            break;
        if (ev->fd >= 0) {
            struct pollfd p = { ev->fd, POLLOUT, 0 };
            poll(&p, 1, (int)(left < 50 ? left : 50));
        } else {
            struct timespec ts = { 0, 10 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    if (ev->fd >= 0)
        close(ev->fd);
    free(ev->buf);
    free(ev->path);
    free(ev);
}
