/*
 * trampoline/site.c - the per-thread decoded-instruction cache (see site.h).
 */
#include "trampoline/site.h"

#include <string.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/exec.h"

struct mw_site_cache {
    struct mw_site entry[MW_EXEC_SLOTS];
};

static unsigned mw_site_index(uint64_t rip)
{
    uint64_t h = rip * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> 56) % MW_EXEC_SLOTS;
}

/* The instruction's own page is mapped (it just ran or faulted there), so
 * the bytes up to its end are copied directly; only an instruction that
 * may cross into the next page costs a checked read for the rest. */
unsigned mw_site_fetch(uint64_t rip, uint8_t *buf)
{
    unsigned n = (unsigned)(4096 - (rip & 4095));
    if (n >= 15) {
        memcpy(buf, (const void *)rip, 15);
        return 15;
    }
    memcpy(buf, (const void *)rip, n);
    long more = mw_sys_safe_read(buf + n, (const void *)(rip + n), 15 - n);
    return n + (more > 0 ? (unsigned)more : 0);
}

static int mw_site_cache_init(struct mw_thread *t)
{
    if (t->sites)
        return 0;
    if (mw_exec_area_init(t) != 0)
        return -1;
    struct mw_site_cache *c = mw_pages_map(sizeof *c, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
    if (!c)
        return -1;
    t->sites = c;
    return 0;
}

const struct mw_site *mw_site_get(struct mw_thread *t, uint64_t rip, const uint8_t *bytes, unsigned n)
{
    if (mw_site_cache_init(t) != 0)
        return NULL;
    unsigned idx = mw_site_index(rip);
    struct mw_site *s = &t->sites->entry[idx];
    const void *now = bytes ? (const void *)bytes : (const void *)rip;
    if (s->rip == rip && s->decoded && (!bytes || n >= s->insn.len) && memcmp(now, s->bytes, s->insn.len) == 0)
        return s;
    uint8_t buf[16];
    if (bytes) {
        memcpy(buf, bytes, n > 15 ? 15 : n);
        n = n > 15 ? 15 : n;
    } else {
        n = mw_site_fetch(rip, buf);
    }
    s->rip = rip;
    s->slot = idx;
    memcpy(s->bytes, buf, n);
    s->decoded = mw_decode(buf, n, rip, &s->insn) == 0;
    if (s->decoded && (s->insn.kind == MW_KIND_MEM || s->insn.kind == MW_KIND_STRING))
        mw_exec_set_slot(t, idx, s->insn.code, s->insn.code_len);
    if (!s->decoded)
        s->rip = 0;
    return s;
}

void mw_site_cache_free(struct mw_thread *t)
{
    if (t->sites)
        mw_pages_unmap(t->sites, sizeof *t->sites);
    t->sites = NULL;
}
