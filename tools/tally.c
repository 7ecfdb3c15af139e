/*
 * tools/tally.c - counting a run's dump as it is followed (see tally.h).
 * Distinct code is told apart by the 64-bit content hash of each capture
 * line, kept in a small open-addressing set.
 */
#include "tools/tally.h"
#include "tools/util.h"

#include <stdlib.h>
#include <string.h>

/* Adds h to the set; true when it was not there. */
static bool mwt_hash_insert(struct mwt_tally *t, uint64_t h)
{
    h = h ? h : 1; /* 0 marks an empty slot */
    if ((t->nhashes + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        uint64_t *grown = mwt_xcalloc(cap, sizeof *grown);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->hashes[i])
                continue;
            size_t j = t->hashes[i] & (cap - 1);
            while (grown[j])
                j = (j + 1) & (cap - 1);
            grown[j] = t->hashes[i];
        }
        free(t->hashes);
        t->hashes = grown;
        t->cap = cap;
    }
    size_t j = h & (t->cap - 1);
    for (; t->hashes[j]; j = (j + 1) & (t->cap - 1))
        if (t->hashes[j] == h)
            return false;
    t->hashes[j] = h;
    t->nhashes++;
    return true;
}

static void mwt_tally_process(void *arg, const struct mwt_proc *p)
{
    (void)p;
    ((struct mwt_tally *)arg)->c.processes++;
}

static void mwt_tally_capture(void *arg, struct mwt_line *l)
{
    struct mwt_tally *t = arg;
    t->c.captures++;
    if (!t->code_bytes)
        return;
    json_t *j = mwt_line_json(l);
    json_t *hash = j ? json_object_get(j, "hash") : NULL, *len = j ? json_object_get(j, "len") : NULL;
    if (json_is_string(hash) && json_is_integer(len) &&
        mwt_hash_insert(t, strtoull(json_string_value(hash), NULL, 16)))
        t->c.code_bytes += (uint64_t)json_integer_value(len);
}

static void mwt_tally_access(void *arg, struct mwt_line *l)
{
    (void)l;
    ((struct mwt_tally *)arg)->c.accesses++;
}

void mwt_tally_attach(struct mwt_tally *t, struct mwt_follow *f, bool code_bytes)
{
    memset(t, 0, sizeof *t);
    t->code_bytes = code_bytes;
    struct mwt_consumer c = { mwt_tally_process, mwt_tally_capture, mwt_tally_access, t };
    mwt_follow_add(f, &c);
}

void mwt_tally_free(struct mwt_tally *t)
{
    free(t->hashes);
    memset(t, 0, sizeof *t);
}
