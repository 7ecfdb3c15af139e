/*
 * trampoline/codemap.c - modules and their functions (see codemap.h).
 *
 * .eh_frame_hdr holds a table of (function start, FDE) sorted by start; the
 * FDE gives the function's length, and its CIE says how the FDE's fields are
 * encoded and whether it carries an LSDA.  Only the encodings compilers and
 * linkers emit for x86-64 are read; anything else answers "unknown", and
 * promotion then leaves the site alone.
 */
#include "trampoline/codemap.h"

#include <Zydis/Zydis.h>
#include <errno.h>
#include <string.h>

#include "core/arena.h"

static struct mw_module *mw_mods;
static unsigned mw_nmods;

int mw_codemap_set(const struct mw_module *mods, unsigned n)
{
    struct mw_module *copy = n ? mw_alloc(n * sizeof *copy) : NULL;
    if (n && !copy)
        return -ENOMEM;
    if (n)
        memcpy(copy, mods, n * sizeof *copy);
    /* A module still loaded keeps the branch targets already found. */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < mw_nmods; j++)
            if (mw_mods[j].text_lo == copy[i].text_lo && mw_mods[j].text_hi == copy[i].text_hi) {
                copy[i].targets = mw_mods[j].targets;
                copy[i].band_lo = mw_mods[j].band_lo;
                copy[i].band_hi = mw_mods[j].band_hi;
                copy[i].band_failed = mw_mods[j].band_failed;
                copy[i].span_rel = mw_mods[j].span_rel;
                mw_mods[j].targets = NULL;
            }
    for (unsigned j = 0; j < mw_nmods; j++)
        mw_free(mw_mods[j].targets);
    struct mw_module *old = mw_mods;
    mw_mods = copy;
    mw_nmods = n;
    mw_free(old);
    return 0;
}

struct mw_module *mw_codemap_module(uintptr_t addr, size_t len)
{
    for (unsigned i = 0; i < mw_nmods; i++)
        if (addr >= mw_mods[i].text_lo && addr + len <= mw_mods[i].text_hi)
            return &mw_mods[i];
    return NULL;
}

/* --- DWARF pointer encodings ----------------------------------------------------- */

#define MW_PE_OMIT 0xff

static uint64_t mw_uleb(const uint8_t **p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int64_t mw_sleb(const uint8_t **p)
{
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        if (shift < 64)
            v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

/* Reads a value encoded with enc at *p; base for datarel.  -1 for an
 * encoding not handled (indirect, textrel, funcrel). */
static int mw_read_encoded(const uint8_t **p, uint8_t enc, uintptr_t datarel, uint64_t *out)
{
    const uint8_t *at = *p;
    uint64_t v;
    switch (enc & 0x0f) {
    case 0x00: memcpy(&v, at, 8); *p += 8; break;
    case 0x01: v = mw_uleb(p); break;
    case 0x02: { uint16_t x; memcpy(&x, at, 2); v = x; *p += 2; break; }
    case 0x03: { uint32_t x; memcpy(&x, at, 4); v = x; *p += 4; break; }
    case 0x04: memcpy(&v, at, 8); *p += 8; break;
    case 0x09: v = (uint64_t)mw_sleb(p); break;
    case 0x0a: { int16_t x; memcpy(&x, at, 2); v = (uint64_t)(int64_t)x; *p += 2; break; }
    case 0x0b: { int32_t x; memcpy(&x, at, 4); v = (uint64_t)(int64_t)x; *p += 4; break; }
    case 0x0c: memcpy(&v, at, 8); *p += 8; break;
    default: return -1;
    }
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += (uintptr_t)at; break;
    case 0x30: v += datarel; break;
    default: return -1;
    }
    if (enc & 0x80)
        return -1;
    *out = v;
    return 0;
}

/* --- CIE and FDE ------------------------------------------------------------------ */

struct mw_cie_info {
    uint8_t fde_enc;
    uint8_t lsda_enc;
    int has_aug_data;
};

static int mw_parse_cie(const uint8_t *cie, struct mw_cie_info *ci)
{
    uint32_t len, id;
    memcpy(&len, cie, 4);
    memcpy(&id, cie + 4, 4);
    if (len == 0xffffffffu || id != 0)
        return -1;
    const uint8_t *p = cie + 8;
    uint8_t version = *p++;
    const char *aug = (const char *)p;
    p += strlen(aug) + 1;
    mw_uleb(&p);  /* code alignment */
    mw_sleb(&p);  /* data alignment */
    if (version == 1)
        p++;
    else
        mw_uleb(&p); /* return address register */
    ci->fde_enc = 0x00;
    ci->lsda_enc = MW_PE_OMIT;
    ci->has_aug_data = aug[0] == 'z';
    if (!ci->has_aug_data)
        return aug[0] == 0 ? 0 : -1;
    mw_uleb(&p);
    for (const char *a = aug + 1; *a; a++) {
        uint64_t ignored;
        switch (*a) {
        case 'R': ci->fde_enc = *p++; break;
        case 'L': ci->lsda_enc = *p++; break;
        case 'P': {
            uint8_t enc = *p++;
            if (mw_read_encoded(&p, enc, 0, &ignored) != 0)
                return -1;
            break;
        }
        case 'S': case 'B': case 'G': break;
        default: return -1;
        }
    }
    return 0;
}

/* The FDE's range and whether it names an LSDA. */
static int mw_parse_fde(const uint8_t *fde, uintptr_t *start, uintptr_t *end, int *lsda)
{
    uint32_t len, cie_off;
    memcpy(&len, fde, 4);
    memcpy(&cie_off, fde + 4, 4);
    if (len == 0xffffffffu || cie_off == 0)
        return -1;
    struct mw_cie_info ci;
    if (mw_parse_cie(fde + 4 - cie_off, &ci) != 0)
        return -1;
    const uint8_t *p = fde + 8;
    uint64_t begin, range;
    if (mw_read_encoded(&p, ci.fde_enc, 0, &begin) != 0 ||
        mw_read_encoded(&p, (uint8_t)(ci.fde_enc & 0x0f), 0, &range) != 0)
        return -1;
    *lsda = 0;
    if (ci.has_aug_data) {
        mw_uleb(&p);
        if (ci.lsda_enc != MW_PE_OMIT) {
            uint64_t l = 0;
            const uint8_t *q = p;
            if (mw_read_encoded(&q, ci.lsda_enc, 0, &l) != 0 || l != 0)
                *lsda = 1; /* an LSDA, or one that cannot be read: landing pads may exist */
        }
    }
    *start = (uintptr_t)begin;
    *end = (uintptr_t)(begin + range);
    return 0;
}

int mw_codemap_function(const struct mw_module *m, uintptr_t addr, uintptr_t *start, uintptr_t *end, int *lsda)
{
    if (!m || !m->eh_frame_hdr)
        return -1;
    const uint8_t *hdr = (const uint8_t *)m->eh_frame_hdr;
    if (hdr[0] != 1 || hdr[3] != 0x3b) /* version 1, table datarel|sdata4 */
        return -1;
    const uint8_t *p = hdr + 4;
    uint64_t eh_frame, count;
    if (mw_read_encoded(&p, hdr[1], (uintptr_t)hdr, &eh_frame) != 0 ||
        mw_read_encoded(&p, hdr[2], (uintptr_t)hdr, &count) != 0 || count == 0)
        return -1;
    const int32_t *table = (const int32_t *)p;
    /* the last entry whose start is at or below addr */
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if ((uintptr_t)hdr + (intptr_t)table[2 * mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if ((uintptr_t)hdr + (intptr_t)table[2 * lo] > addr)
        return -1;
    const uint8_t *fde = hdr + table[2 * lo + 1];
    if (mw_parse_fde(fde, start, end, lsda) != 0 || addr < *start || addr >= *end)
        return -1;
    return 0;
}

/* --- branches into a range ---------------------------------------------------------- */

static void mw_decoder(ZydisDecoder *d) { ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64); }

static int mw_is_branch(const ZydisDecodedInstruction *zi)
{
    return zi->meta.category == ZYDIS_CATEGORY_COND_BR || zi->meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
           zi->meta.category == ZYDIS_CATEGORY_CALL;
}

/* Marks the direct branch targets of [start, end) in m's bitmap. */
static void mw_mark_targets(struct mw_module *m, const ZydisDecoder *d, uintptr_t start, uintptr_t end)
{
    ZydisDecodedInstruction zi;
    for (uintptr_t at = start; at < end;) {
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(d, NULL, (const void *)at, end - at, &zi)))
            return; /* data in the text: the rest of this function stays unmarked, and no span is made in it */
        if (mw_is_branch(&zi) && zi.raw.imm[0].is_relative) {
            uintptr_t to = at + zi.length + (uintptr_t)zi.raw.imm[0].value.s;
            if (to >= m->text_lo && to < m->text_hi)
                m->targets[(to - m->text_lo) / 8] |= (uint8_t)(1u << ((to - m->text_lo) % 8));
        }
        at += zi.length;
    }
}

/* Every function the module's unwind table names, decoded once. */
static int mw_find_targets(struct mw_module *m)
{
    if (m->targets)
        return 0;
    const uint8_t *hdr = (const uint8_t *)m->eh_frame_hdr;
    if (!hdr || hdr[0] != 1 || hdr[3] != 0x3b)
        return -1;
    const uint8_t *p = hdr + 4;
    uint64_t eh_frame, count;
    if (mw_read_encoded(&p, hdr[1], (uintptr_t)hdr, &eh_frame) != 0 ||
        mw_read_encoded(&p, hdr[2], (uintptr_t)hdr, &count) != 0)
        return -1;
    uint8_t *bits = mw_alloc((m->text_hi - m->text_lo) / 8 + 1);
    if (!bits)
        return -1;
    m->targets = bits;
    const int32_t *table = (const int32_t *)p;
    ZydisDecoder d;
    mw_decoder(&d);
    for (uint64_t i = 0; i < count; i++) {
        uintptr_t start, end;
        int lsda;
        if (mw_parse_fde(hdr + table[2 * i + 1], &start, &end, &lsda) == 0 && start >= m->text_lo &&
            end <= m->text_hi)
            mw_mark_targets(m, &d, start, end);
    }
    return 0;
}

int mw_codemap_enterable(struct mw_module *m, uintptr_t fstart, uintptr_t fend, int lsda, uintptr_t lo,
                         uintptr_t hi)
{
    if (lsda || mw_find_targets(m) != 0)
        return 1;
    for (uintptr_t a = lo + 1; a < hi; a++)
        if (m->targets[(a - m->text_lo) / 8] & (1u << ((a - m->text_lo) % 8)))
            return 1;
    /* the function itself: an indirect jump's targets are unknown, and a
     * call inside the range would return into it */
    ZydisDecoder d;
    mw_decoder(&d);
    ZydisDecodedInstruction zi;
    for (uintptr_t at = fstart; at < fend;) {
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, (const void *)at, fend - at, &zi)))
            return 1;
        if (mw_is_branch(&zi) && !zi.raw.imm[0].is_relative && zi.meta.category != ZYDIS_CATEGORY_CALL)
            return 1;
        if (zi.meta.category == ZYDIS_CATEGORY_CALL && at + zi.length > lo && at + zi.length < hi)
            return 1;
        at += zi.length;
    }
    return 0;
}
