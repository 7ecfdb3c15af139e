/*
 * trampoline/promote_stub.h - the code of a promoted site's stub.
 *
 * A stub runs the instructions the patch covers - the site, and for a site
 * shorter than the jump the instructions after it - one block each, then
 * jumps to the first instruction after them.  A block is one of:
 *   constant miss   the operand's address is constant (RIP-relative) and
 *                   touches no watched byte: the instruction itself, its
 *                   displacement aimed at the page's second view;
 *   constant hit    the same address touches a watched byte: the hit
 *                   sequence (promote_hit.h) - the engine does the access -
 *                   with, after it, a copy of the instruction aimed at its
 *                   own target for the fault path;
 *   dynamic         the address is computed (base, index, displacement):
 *                   the stub computes it with the program's registers and,
 *                   with the flags saved, checks it: on the trusted page,
 *                   outside the watched window -> the relocated instruction
 *                   (operand [scratch]) on the second view; in the window ->
 *                   the hit sequence; anywhere else -> a copy of the original
 *                   instruction, where it points (native memory, or the fault
 *                   path for another watched page);
 *   raw             any other instruction without control flow: a copy (its
 *                   RIP-relative displacement, if any, aimed as before);
 *   jump            a direct unconditional jump, the last instruction a span
 *                   may take: a jump to its target.
 * The places of the copies of original instructions are reported, so that a
 * fault raised there is taken as the instruction's own (mw_promo_site_of),
 * and each block's start, so that a thread that was stopped between the
 * moved instructions continues in the stub (mw_promo_trap).
 */
#ifndef MW_TRAMPOLINE_PROMOTE_STUB_H
#define MW_TRAMPOLINE_PROMOTE_STUB_H

#include <stdint.h>

#include "trampoline/decode.h"

#define MW_STUB_MAX 1024
#define MW_SPAN_MAX 5          /* instructions one patch covers */
#define MW_STUB_COPIES (2 * MW_SPAN_MAX)

enum mw_stub_kind { MW_STUB_CONST_MISS, MW_STUB_CONST_HIT, MW_STUB_DYNAMIC, MW_STUB_RAW, MW_STUB_JUMP };

struct mw_stub_insn {
    enum mw_stub_kind kind;
    uint64_t rip;                 /* where the original instruction is, its bytes */
    const uint8_t *bytes;
    unsigned len;
    const struct mw_insn *in;     /* decoded (all but raw) */
    unsigned disp_off;            /* RIP-relative: where its disp32 lies in bytes, else 0 */
    uintptr_t ea;                 /* constant kinds: the operand's address */
    uintptr_t page;               /* the page the block trusts ... */
    uintptr_t view;               /* ... and its second view */
    uint64_t win_lo, win_hi;      /* dynamic: offsets in the page where an access may
                                   * touch a watched byte ([lo, hi), may be empty) */
    unsigned index;               /* its site-table index, for the hit sequence */
    uintptr_t target;             /* jump: where it goes */
};

struct mw_stub_plan {
    unsigned n;
    struct mw_stub_insn insn[MW_SPAN_MAX];
    uint64_t exit;                /* where the program goes on afterwards */
};

struct mw_stub_copy {
    uint16_t off;                 /* a copy of an original instruction ... */
    uint8_t insn;                 /* ... of this one of the plan */
};

struct mw_stub_layout {
    unsigned len;                             /* bytes of code */
    unsigned block[MW_SPAN_MAX];              /* where each instruction's block starts */
    unsigned ncopies;
    struct mw_stub_copy copy[MW_STUB_COPIES];
};

/* Writes the stub for plan into code (MW_STUB_MAX bytes), to run at `at`.
 * 0, or -1 when it cannot be built. */
int mw_stub_build(uint8_t *code, uintptr_t at, const struct mw_stub_plan *plan, struct mw_stub_layout *out);

#endif
