/*
 * trampoline/tile.c - AMX tile loads and stores: which bytes they touch.
 *
 * tileloadd, tileloaddt1 and tilestored move the rows of one tile register:
 * row r lives at base + disp + r * stride, where the index register times
 * the scale is the stride, colsb bytes long, for the rows from the tile
 * configuration's start_row (non-zero when an earlier attempt faulted part
 * way: the instruction resumes there) up to the tile's row count.  The shape
 * comes from the tile configuration (XSAVE component 17) in the signal
 * frame.  Rows may lie anywhere, pages apart, so the instruction is not
 * relocated: it is single-stepped with every watched page it reaches opened
 * in turn (step.c), and these rows are what its access is matched against
 * when it completes, so a watch counts once, exactly when a row touched it.
 */
#include "trampoline/fault.h"

#include <string.h>

#include "trampoline/regs.h"
#include "trampoline/xstate.h"

#define MW_TILECFG 17

unsigned mw_tile_rows(const struct mw_insn *in, const ucontext_t *uc, struct mw_range *rows, unsigned max)
{
    struct mw_xframe xf;
    if (in->kind != MW_KIND_TILE || mw_xframe_of(uc, &xf) != 0 || !mw_xframe_has(&xf, MW_TILECFG))
        return 0;
    uint64_t bv;
    memcpy(&bv, xf.image + 512, 8);
    if (!(bv & (1ULL << MW_TILECFG)))
        return 0; /* initial configuration: no palette, the instruction raises #UD */
    unsigned off, len;
    mw_xstate_component(MW_TILECFG, &off, &len);
    const uint8_t *cfg = xf.image + off;
    unsigned tile = (unsigned)in->reg & 15, start_row = cfg[1], nrows = cfg[48 + tile];
    uint16_t colsb;
    memcpy(&colsb, cfg + 16 + 2 * tile, 2);
    if (cfg[0] == 0 || colsb == 0)
        return 0;

    uint64_t gpr[16];
    mw_ctx_load_gprs(uc, gpr);
    struct mw_memop first = in->mem;
    first.index = MW_REG_NONE; /* the index is the stride, not part of the address */
    first.scale = 0;
    uint64_t start = mw_memop_ea(&first, gpr, mw_ctx_rip(uc) + in->len);
    uint64_t stride = in->mem.index == MW_REG_NONE ? 0 : gpr[in->mem.index] * in->mem.scale;
    unsigned n = 0;
    for (unsigned r = start_row; r < nrows && n < max; r++) {
        rows[n].addr = (uintptr_t)(start + r * stride);
        rows[n].len = colsb;
        rows[n].is_write = in->mem.write;
        n++;
    }
    return n;
}
