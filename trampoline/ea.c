/*
 * trampoline/ea.c - effective addresses and segment bases.
 *
 * Zydis says which registers, scale, displacement and segment make the
 * address; the values come from the interrupted context.  Only fs and gs have
 * bases in 64-bit mode; without FSGSBASE in user space we ask the kernel.
 */
#include <asm/prctl.h>

#include "core/sys.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"

uint64_t mw_segment_base(int seg)
{
    unsigned long base = 0;
    if (seg == MW_SEG_FS)
        mw_sys_arch_prctl(ARCH_GET_FS, &base);
    else if (seg == MW_SEG_GS)
        mw_sys_arch_prctl(ARCH_GET_GS, &base);
    return base;
}

/* bt/bts/btr/btc with a register offset reach the operand-sized unit
 * floor(offset / bits) away from the effective address (the offset is signed). */
int64_t mw_memop_bit_bytes(const struct mw_memop *m, const uint64_t gpr[16])
{
    if (m->bit_reg < 0)
        return 0;
    uint64_t raw = gpr[m->bit_reg];
    int64_t off;
    switch (m->size) {
    case 2: off = (int16_t)raw; break;
    case 4: off = (int32_t)raw; break;
    default: off = (int64_t)raw; break;
    }
    int64_t bits = (int64_t)m->size * 8;
    int64_t unit = off >= 0 ? off / bits : -((-off + bits - 1) / bits);
    return unit * (int64_t)m->size;
}

uint64_t mw_memop_ea(const struct mw_memop *m, const uint64_t gpr[16], uint64_t next_rip)
{
    uint64_t ea = (uint64_t)m->disp;
    if (m->base == MW_REG_RIP)
        ea += next_rip;
    else if (m->base >= 0)
        ea += gpr[m->base];
    if (m->index >= 0)
        ea += gpr[m->index] * m->scale;
    if (m->addr32)
        ea &= 0xffffffffULL;
    if (m->seg != MW_SEG_FLAT)
        ea += mw_segment_base(m->seg);
    return ea;
}
