/*
 * trampoline/record.c - counting accesses and building events (see record.h).
 */
#include "trampoline/record.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/sys.h"

uint64_t mw_stat_accesses, mw_stat_silent, mw_stat_single_steps, mw_stat_captures, mw_stat_foreign;

uint64_t mw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* vDSO; async-signal-safe */
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void mw_record_init(struct mw_record *rec, struct mw_thread *t)
{
    rec->nhits = 0;
    rec->counted = 0;
    rec->touched = 0;
    rec->nseen = 0;
    rec->timestamp_ns = 0;
    rec->tid = t ? t->tid : (int)mw_sys_gettid();
}

static int mw_watch_wants(const struct mw_watch *w, int is_read, int is_write)
{
    return ((w->access & MEMWATCH_READ) && is_read) || ((w->access & MEMWATCH_WRITE) && is_write);
}

/* A watch spanning several pages is listed on each, and a string instruction
 * runs in chunks: each watch counts once per instruction.  The watches are
 * kept to be counted at commit; past MW_MAX_SEEN of them (a string
 * instruction sweeping many small watches) one is counted at once. */
static int mw_seen_before(struct mw_record *rec, struct mw_watch *w)
{
    for (unsigned i = 0; i < rec->nseen; i++)
        if (rec->seen[i] == w)
            return 1;
    if (rec->nseen < MW_MAX_SEEN)
        rec->seen[rec->nseen++] = w;
    else
        __atomic_add_fetch(&w->count, 1, __ATOMIC_RELAXED);
    return 0;
}

/* A later chunk of the same instruction or system call that continues a
 * hit's range makes the hit longer (string instructions, buffers). */
static void mw_hit_extend(struct mw_record *rec, const struct mw_watch *w, uintptr_t addr, size_t len)
{
    for (unsigned i = 0; i < rec->nhits; i++) {
        memwatch_event_t *ev = &rec->hit[i].ev;
        if (ev->region == w->id && (uintptr_t)ev->addr + ev->size == addr) {
            ev->size += len;
            return;
        }
    }
}

void mw_record_match(struct mw_record *rec, struct mw_thread *t, const struct mw_route *route, uintptr_t addr,
                     size_t len, int is_read, int is_write, uint64_t ip)
{
    if (t && t->in_callback)
        return; /* a callback's own accesses run unreported */
    uintptr_t end = addr + (len ? len : 1);
    for (uintptr_t page = MW_PAGE_FLOOR(addr); page < end; page += MW_PAGE_SIZE) {
        struct mw_page *p = mw_page_find(page);
        for (unsigned i = 0; p && i < p->nwatches; i++) {
            struct mw_watch *w = p->watches[i];
            if (w->end <= addr || end <= w->start || !mw_watch_wants(w, is_read, is_write))
                continue;
            rec->touched = 1;
            if (mw_seen_before(rec, w)) {
                mw_hit_extend(rec, w, addr, len);
                continue;
            }
            if (!w->callback && !(w->flags & MW_WATCH_LOGGED))
                continue;
            if (rec->nhits == MW_MAX_HITS)
                continue;
            if (!rec->timestamp_ns)
                rec->timestamp_ns = mw_now_ns();
            struct mw_hit *h = &rec->hit[rec->nhits++];
            memset(&h->ev, 0, offsetof(memwatch_event_t, before));
            h->ev.addr = (void *)addr;
            h->ev.size = len;
            h->ev.is_read = is_read;
            h->ev.is_write = is_write;
            h->ev.ip = (void *)ip;
            h->ev.tid = rec->tid;
            h->ev.timestamp_ns = rec->timestamp_ns;
            h->ev.region = w->id;
            h->ev.region_addr = (void *)w->start;
            h->ev.region_size = w->end - w->start;
            h->ev.nbytes = len < MEMWATCH_EVENT_BYTES ? len : MEMWATCH_EVENT_BYTES;
            h->callback = w->callback;
            h->user = w->user;
            h->flags = w->flags;
            memcpy(h->label, w->label, sizeof h->label);
            h->route = route;
            if (mw_route_read(route, addr, h->ev.before, h->ev.nbytes, NULL) != 0)
                memset(h->ev.before, 0, h->ev.nbytes);
        }
    }
}

void mw_record_commit(struct mw_record *rec)
{
    for (unsigned i = 0; i < rec->nseen; i++)
        __atomic_add_fetch(&rec->seen[i]->count, 1, __ATOMIC_RELAXED);
    rec->nseen = 0;
    if (rec->counted)
        return;
    rec->counted = 1;
    mw_stat_add(rec->touched ? &mw_stat_accesses : &mw_stat_silent, 1);
}

void mw_record_discard(struct mw_record *rec)
{
    rec->nseen = 0;
    rec->nhits = 0;
    rec->touched = 0;
}

void mw_record_after(struct mw_record *rec)
{
    for (unsigned i = 0; i < rec->nhits; i++) {
        struct mw_hit *h = &rec->hit[i];
        if (!h->route)
            continue;
        if (mw_route_read(h->route, (uintptr_t)h->ev.addr, h->ev.after, h->ev.nbytes, NULL) != 0)
            memcpy(h->ev.after, h->ev.before, h->ev.nbytes);
        h->route = NULL;
    }
}

void mw_record_deliver(struct mw_record *rec, struct mw_thread *t)
{
    if (!rec->nhits)
        return;
    int saved_errno = errno; /* a callback may change it; the program must not see that */
    mw_access_sink_t sink = mw_table_access_sink();
    for (unsigned i = 0; i < rec->nhits; i++) {
        struct mw_hit *h = &rec->hit[i];
        if (t)
            t->in_callback++;
        if (h->callback)
            h->callback(&h->ev, h->user);
        if ((h->flags & MW_WATCH_LOGGED) && sink)
            sink(&h->ev, h->label);
        if (t)
            t->in_callback--;
    }
    rec->nhits = 0;
    errno = saved_errno;
}
