/*
 * trampoline/record.h - turning an executed access into counts and events.
 *
 * While the handler still holds read access to the table, mw_record_match()
 * finds the watches an access touches and copies what the callback will need
 * (the watch's id, callback, user pointer, label, and the bytes before);
 * after the instruction ran, mw_record_after() adds the bytes after.  The
 * counters move at once; callbacks and the access log run in
 * mw_record_deliver(), after read access is released, so a slow or blocking
 * callback never holds up a writer.
 */
#ifndef MW_TRAMPOLINE_RECORD_H
#define MW_TRAMPOLINE_RECORD_H

#include <stdint.h>

#include "memwatch.h"
#include "trampoline/route.h"
#include "trampoline/thread.h"

#define MW_MAX_HITS 8

struct mw_hit {
    memwatch_event_t ev;
    memwatch_callback_t callback;
    void *user;
    unsigned flags;
    char label[96];
    const struct mw_route *route;   /* where to read the after bytes (valid until finish) */
};

struct mw_record {
    unsigned nhits;
    struct mw_hit hit[MW_MAX_HITS];
    int counted;                    /* the instruction already counted once */
    unsigned nseen;                 /* watches already counted for this instruction */
    const void *seen[16];
    uint64_t timestamp_ns;
    int tid;
};

void mw_record_init(struct mw_record *rec, struct mw_thread *t);
/* An access of the instruction at ip: [addr, addr + len), read and/or write,
 * reached through route.  Matches it against the watches (counting), takes
 * the before bytes. */
void mw_record_match(struct mw_record *rec, struct mw_thread *t, const struct mw_route *route, uintptr_t addr,
                     size_t len, int is_read, int is_write, uint64_t ip);
/* After the instruction (or a chunk of it): fills in the after bytes of the
 * hits matched since the last call, while their routes are still open. */
void mw_record_after(struct mw_record *rec);
/* The instruction is done: an access that touched no watched byte is silent. */
void mw_record_end(struct mw_record *rec);
/* Runs callbacks and the log sink; call with read access released. */
void mw_record_deliver(struct mw_record *rec, struct mw_thread *t);

/* Process-wide counters (memwatch_stats_t fields). */
extern uint64_t mw_stat_accesses, mw_stat_silent, mw_stat_single_steps, mw_stat_captures, mw_stat_foreign;
static inline void mw_stat_add(uint64_t *c, uint64_t n) { __atomic_add_fetch(c, n, __ATOMIC_RELAXED); }

uint64_t mw_now_ns(void);

#endif
