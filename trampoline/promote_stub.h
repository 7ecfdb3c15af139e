/*
 * trampoline/promote_stub.h - the code of a promoted site's stub.
 *
 * Three shapes, chosen by promote.c:
 *   constant miss   the operand's address is constant (RIP-relative) and
 *                   touches no watched byte: the instruction itself, its
 *                   displacement aimed at the page's second view next to
 *                   the stub, then a jump back;
 *   constant hit    the same address touches a watched byte: the hit
 *                   sequence (promote_hit.h) - the engine does the access -
 *                   with, after it, a copy of the instruction aimed at its
 *                   own target for the fault path;
 *   dynamic         the address is computed (base, index, displacement):
 *                   the stub computes it with the program's registers and,
 *                   with the flags saved, checks it: on the trusted page,
 *                   outside the watched window -> the relocated instruction
 *                   (operand [scratch]) on the second view; in the window ->
 *                   the hit sequence; anywhere else -> a copy of the
 *                   original instruction, where it is (native memory, or
 *                   the fault path for another watched page).
 * Every shape ends in a jump back to the instruction after the site.  The
 * places of the copies of the original instruction are reported so that a
 * fault raised there is taken as the site's (mw_promo_site_of).
 */
#ifndef MW_TRAMPOLINE_PROMOTE_STUB_H
#define MW_TRAMPOLINE_PROMOTE_STUB_H

#include <stdint.h>

#include "trampoline/decode.h"

#define MW_STUB_MAX 256
#define MW_STUB_COPIES 2

enum mw_stub_kind { MW_STUB_CONST_MISS, MW_STUB_CONST_HIT, MW_STUB_DYNAMIC };

struct mw_stub_plan {
    enum mw_stub_kind kind;
    uint64_t site;                /* the site and its original instruction */
    const uint8_t *bytes;
    unsigned len;
    const struct mw_insn *in;     /* decoded: operand, scratch, relocated code */
    unsigned disp_off;            /* constant kinds: where the disp32 lies in bytes */
    uintptr_t ea;                 /* constant kinds: the operand's address */
    uintptr_t page;               /* the page the stub trusts ... */
    uintptr_t view;               /* ... and its second view next to the stub */
    uint64_t win_lo, win_hi;      /* dynamic: offsets in the page where an access may
                                   * touch a watched byte ([lo, hi), may be empty) */
    unsigned index;               /* the site's index, for the hit sequence */
};

struct mw_stub_layout {
    unsigned len;                         /* bytes of code */
    unsigned ncopies;
    unsigned copy[MW_STUB_COPIES];        /* offsets of copies of the original instruction */
};

/* Writes the stub for plan into code (MW_STUB_MAX bytes), to run at `at`.
 * 0, or -1 when it cannot be built (an operand form the stub cannot
 * compute). */
int mw_stub_build(uint8_t *code, uintptr_t at, const struct mw_stub_plan *plan, struct mw_stub_layout *out);

#endif
