/*
 * trampoline/promote_stub.c - writing a promoted site's stub (see
 * promote_stub.h).
 *
 * Why the dynamic shape is safe to run anywhere in the program: it only
 * moves rsp below the red zone before it pushes (a leaf function's locals
 * there stay untouched), saves and restores the flags around its own
 * comparisons, computes the address with lea (no flags) from the registers
 * as the program left them, and restores every register it used - all but
 * the scratch register before the relocated instruction runs (so the
 * instruction sees the program's registers and flags), the scratch one
 * after it with mov (no flags).  The relocated instruction is the one the
 * fault path runs in its executor (relocate.c: operand [scratch], scratch
 * named by nothing else in the instruction).
 */
#include "trampoline/promote_stub.h"

#include <string.h>

#include "trampoline/promote_hit.h"

struct mw_out {
    uint8_t *code;
    uintptr_t at;       /* the address code[0] runs at */
    unsigned n;
    int overflow;
};

static void mw_o1(struct mw_out *o, uint8_t b)
{
    if (o->n < MW_STUB_MAX)
        o->code[o->n] = b;
    else
        o->overflow = 1;
    o->n++;
}

static void mw_o32(struct mw_out *o, int32_t v)
{
    for (int i = 0; i < 4; i++)
        mw_o1(o, (uint8_t)((uint32_t)v >> (8 * i)));
}

static void mw_obytes(struct mw_out *o, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        mw_o1(o, b[i]);
}

static uintptr_t mw_here(const struct mw_out *o) { return o->at + o->n; }

static void mw_jmp(struct mw_out *o, uintptr_t to)
{
    mw_o1(o, 0xe9);
    mw_o32(o, (int32_t)(intptr_t)(to - (mw_here(o) + 4)));
}

/* jcc rel32 to a label not yet known: returns where its rel32 lies. */
static unsigned mw_jcc_fwd(struct mw_out *o, uint8_t cc)
{
    mw_o1(o, 0x0f);
    mw_o1(o, (uint8_t)(0x80 | cc));
    unsigned at = o->n;
    mw_o32(o, 0);
    return at;
}

static void mw_bind(struct mw_out *o, unsigned rel_at)
{
    int32_t rel = (int32_t)(o->n - (rel_at + 4));
    if (rel_at + 4 <= MW_STUB_MAX)
        memcpy(o->code + rel_at, &rel, 4);
}

static void mw_lea_rsp(struct mw_out *o, int32_t by)
{
    static const uint8_t down[] = {0x48, 0x8d, 0x64, 0x24, 0x80}; /* lea rsp,[rsp-128] */
    if (by == -128) {
        mw_obytes(o, down, sizeof down);
        return;
    }
    mw_o1(o, 0x48); /* lea rsp,[rsp+disp32] */
    mw_o1(o, 0x8d);
    mw_o1(o, 0xa4);
    mw_o1(o, 0x24);
    mw_o32(o, by);
}

static void mw_push(struct mw_out *o, int r)
{
    if (r >= 8)
        mw_o1(o, 0x41);
    mw_o1(o, (uint8_t)(0x50 + (r & 7)));
}

static void mw_pop(struct mw_out *o, int r)
{
    if (r >= 8)
        mw_o1(o, 0x41);
    mw_o1(o, (uint8_t)(0x58 + (r & 7)));
}

/* op r64, [rip + to] for op 0x2b (sub), 0x3b (cmp), 0x03 (add), 0x8b (mov). */
static void mw_op_rip(struct mw_out *o, uint8_t op, int r, uintptr_t to)
{
    mw_o1(o, (uint8_t)(0x48 | (r >= 8 ? 4 : 0)));
    mw_o1(o, op);
    mw_o1(o, (uint8_t)(((r & 7) << 3) | 5));
    mw_o32(o, (int32_t)(intptr_t)(to - (mw_here(o) + 4)));
}

static void mw_mov_rr(struct mw_out *o, int dst, int src)
{
    mw_o1(o, (uint8_t)(0x48 | (src >= 8 ? 4 : 0) | (dst >= 8 ? 1 : 0)));
    mw_o1(o, 0x89);
    mw_o1(o, (uint8_t)(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

static void mw_mov_r_from_rsp(struct mw_out *o, int r) /* mov r, [rsp] */
{
    mw_o1(o, (uint8_t)(0x48 | (r >= 8 ? 4 : 0)));
    mw_o1(o, 0x8b);
    mw_o1(o, (uint8_t)(((r & 7) << 3) | 4));
    mw_o1(o, 0x24);
}

/* lea r, [base + index * scale + disp32] of the instruction's operand. */
static int mw_lea_operand(struct mw_out *o, int r, const struct mw_memop *m)
{
    static const uint8_t scale_bits[9] = {0, 0, 1, 0, 2, 0, 0, 0, 3};
    if (m->base == MW_REG_RIP || m->base == MW_RSP || m->index == MW_RSP || m->disp != (int32_t)m->disp)
        return -1;
    int base = m->base, index = m->index;
    mw_o1(o, (uint8_t)(0x48 | (r >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0)));
    mw_o1(o, 0x8d);
    mw_o1(o, (uint8_t)((base < 0 ? 0x00 : 0x80) | ((r & 7) << 3) | 4));
    mw_o1(o, (uint8_t)((index < 0 ? 0 : scale_bits[m->scale & 15]) << 6 | (index < 0 ? 4 : index & 7) << 3 |
                       (base < 0 ? 5 : base & 7)));
    mw_o32(o, (int32_t)m->disp);
    return 0;
}

/* The instruction's bytes, its RIP-relative displacement (if any) aimed at
 * target from where it is placed, or at its own target when target is 0.
 * A copy that may fault (l not NULL) is recorded, to be mapped back to the
 * original instruction. */
static void mw_copy(struct mw_out *o, const struct mw_stub_insn *p, unsigned which, uintptr_t target,
                    struct mw_stub_layout *l)
{
    unsigned start = o->n;
    if (l && l->ncopies < MW_STUB_COPIES)
        l->copy[l->ncopies++] = (struct mw_stub_copy){(uint16_t)start, (uint8_t)which};
    else if (l)
        o->overflow = 1;
    mw_obytes(o, p->bytes, p->len);
    if (p->disp_off && start + p->len <= MW_STUB_MAX) {
        int32_t orig;
        memcpy(&orig, p->bytes + p->disp_off, 4);
        uintptr_t to = target ? target : p->rip + p->len + (intptr_t)orig;
        int32_t disp = (int32_t)(intptr_t)(to - (o->at + start + p->len));
        memcpy(o->code + start + p->disp_off, &disp, 4);
    }
}

/* Jumps to the end of the block (bound by mw_block_end). */
struct mw_exits {
    unsigned n;
    unsigned at[4];
};

static void mw_exit_jmp(struct mw_out *o, struct mw_exits *x)
{
    mw_o1(o, 0xe9);
    if (x->n < 4)
        x->at[x->n++] = o->n;
    else
        o->overflow = 1;
    mw_o32(o, 0);
}

static void mw_block_end(struct mw_out *o, const struct mw_exits *x)
{
    for (unsigned i = 0; i < x->n; i++)
        mw_bind(o, x->at[i]);
}

/* The constants the stub reads RIP-relative, placed after its code. */
struct mw_consts {
    unsigned n;
    unsigned fix[8 * MW_SPAN_MAX];
    uint64_t value[8 * MW_SPAN_MAX];
};

static void mw_const_ref(struct mw_out *o, struct mw_consts *c, uint64_t value)
{
    if (c->n == sizeof c->fix / sizeof c->fix[0]) {
        o->overflow = 1;
        return;
    }
    c->fix[c->n] = o->n - 4;
    c->value[c->n++] = value;
}

/* The hit sequence (promote_hit.h): the engine does the access; then the way
 * on; MW_PROMO_HIT_SLOW_OFFSET further, the fault path's copy. */
static void mw_hit_sequence(struct mw_out *o, const struct mw_stub_insn *p, unsigned which, struct mw_consts *c,
                            struct mw_exits *x, struct mw_stub_layout *l)
{
    unsigned start = o->n;
    mw_lea_rsp(o, -128);
    mw_o1(o, 0x68); /* push imm32: the instruction's index */
    mw_o32(o, (int32_t)p->index);
    mw_o1(o, 0xff); /* call [rip + d] */
    mw_o1(o, 0x15);
    mw_o32(o, 0);
    mw_const_ref(o, c, (uint64_t)(uintptr_t)mw_promo_hit_entry);
    if (o->n - start != MW_PROMO_HIT_DONE)
        o->overflow = 1;
    mw_lea_rsp(o, 136);
    mw_exit_jmp(o, x);
    if (o->n - start != MW_PROMO_HIT_DONE + MW_PROMO_HIT_SLOW_OFFSET)
        o->overflow = 1;
    mw_lea_rsp(o, 136);
    mw_copy(o, p, which, p->disp_off ? p->ea : 0, l);
    mw_exit_jmp(o, x);
}

/* The flags the block's own comparisons change, kept in rax's low word:
 * lahf puts SF ZF AF PF CF in ah, seto the overflow flag in al.  Given back
 * with add al, 0x7f (sets OF exactly when al is 1) and then sahf (the rest
 * from ah): cheaper than pushfq/popfq, and TF, DF and IF are never touched. */
static void mw_save_flags_in_rax(struct mw_out *o)
{
    static const uint8_t code[] = {0x9f, 0x0f, 0x90, 0xc0}; /* lahf; seto al */
    mw_obytes(o, code, sizeof code);
}

static void mw_restore_flags_from_rax(struct mw_out *o)
{
    static const uint8_t code[] = {0x04, 0x7f, 0x9e}; /* add al, 0x7f; sahf */
    mw_obytes(o, code, sizeof code);
}

/* Stack while it decides (below the red zone): [rsp] the flags word,
 * [rsp+8] rax, [rsp+16] scratch.  rax is the block's own temporary; the
 * scratch register (never rax: promote.c decodes the instruction so) ends up
 * holding the operand's address in the second view. */
static void mw_block_dynamic(struct mw_out *o, const struct mw_stub_insn *p, unsigned which, struct mw_consts *c,
                             struct mw_exits *x, struct mw_stub_layout *l)
{
    const struct mw_insn *in = p->in;
    int s = in->scratch;
    if (s == MW_RAX) {
        o->overflow = 1;
        return;
    }
    mw_lea_rsp(o, -128);
    mw_push(o, s);
    if (mw_lea_operand(o, s, &in->mem) != 0) { /* the program's registers, untouched so far */
        o->overflow = 1;
        return;
    }
    mw_push(o, MW_RAX);
    mw_save_flags_in_rax(o);
    mw_push(o, MW_RAX);
    mw_mov_rr(o, MW_RAX, s);
    mw_op_rip(o, 0x2b, MW_RAX, 0); /* sub rax, [page] */
    mw_const_ref(o, c, p->page);
    mw_op_rip(o, 0x3b, MW_RAX, 0); /* cmp rax, [last whole start] */
    mw_const_ref(o, c, 4096 - in->mem.size);
    unsigned to_other = mw_jcc_fwd(o, 0x7); /* ja: not all on the page */
    mw_op_rip(o, 0x3b, MW_RAX, 0); /* cmp rax, [window lo] */
    mw_const_ref(o, c, p->win_lo);
    unsigned to_miss = mw_jcc_fwd(o, 0x2); /* jb: below the window */
    mw_op_rip(o, 0x3b, MW_RAX, 0); /* cmp rax, [window hi] */
    mw_const_ref(o, c, p->win_hi);
    unsigned to_hit = mw_jcc_fwd(o, 0x2); /* jb: inside it */
    /* miss: the relocated instruction on the second view */
    mw_bind(o, to_miss);
    mw_op_rip(o, 0x03, s, 0); /* add s, [view - page] */
    mw_const_ref(o, c, p->view - p->page);
    mw_pop(o, MW_RAX);
    mw_restore_flags_from_rax(o);
    mw_pop(o, MW_RAX);
    mw_obytes(o, in->code, in->code_len);
    mw_mov_r_from_rsp(o, s);
    mw_lea_rsp(o, 8 + 128);
    mw_exit_jmp(o, x);
    /* elsewhere: the original instruction where it points */
    mw_bind(o, to_other);
    mw_pop(o, MW_RAX);
    mw_restore_flags_from_rax(o);
    mw_pop(o, MW_RAX);
    mw_pop(o, s);
    mw_lea_rsp(o, 128);
    mw_copy(o, p, which, 0, l);
    mw_exit_jmp(o, x);
    /* in the window: the engine */
    mw_bind(o, to_hit);
    mw_pop(o, MW_RAX);
    mw_restore_flags_from_rax(o);
    mw_pop(o, MW_RAX);
    mw_pop(o, s);
    mw_lea_rsp(o, 128);
    mw_hit_sequence(o, p, which, c, x, l);
}

int mw_stub_build(uint8_t *code, uintptr_t at, const struct mw_stub_plan *plan, struct mw_stub_layout *l)
{
    struct mw_out o = {.code = code, .at = at};
    struct mw_consts c = {.n = 0};
    memset(l, 0, sizeof *l);
    for (unsigned i = 0; i < plan->n && i < MW_SPAN_MAX; i++) {
        const struct mw_stub_insn *p = &plan->insn[i];
        struct mw_exits x = {.n = 0};
        l->block[i] = o.n;
        switch (p->kind) {
        case MW_STUB_CONST_MISS:
            mw_copy(&o, p, i, p->view + (p->ea - p->page), NULL); /* on the second view: cannot fault */
            break;
        case MW_STUB_CONST_HIT:
            mw_hit_sequence(&o, p, i, &c, &x, l);
            break;
        case MW_STUB_DYNAMIC:
            mw_block_dynamic(&o, p, i, &c, &x, l);
            break;
        case MW_STUB_RAW:
            mw_copy(&o, p, i, 0, l);
            break;
        case MW_STUB_JUMP:
            mw_jmp(&o, p->target);
            break;
        }
        mw_block_end(&o, &x);
    }
    mw_jmp(&o, plan->exit);
    /* the constants, 8-byte aligned */
    while (o.n & 7)
        mw_o1(&o, 0xcc);
    for (unsigned i = 0; i < c.n; i++) {
        if (c.fix[i] + 4 <= MW_STUB_MAX) {
            int32_t rel = (int32_t)(o.n - (c.fix[i] + 4));
            memcpy(o.code + c.fix[i], &rel, 4);
        }
        for (int b = 0; b < 8; b++)
            mw_o1(&o, (uint8_t)(c.value[i] >> (8 * b)));
    }
    l->len = o.n;
    return o.overflow ? -1 : 0;
}
