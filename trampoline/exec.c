/*
 * trampoline/exec.c - the executor (see exec.h): the per-thread area, the
 * code generated into it, running a slot, and recovering from a fault raised
 * by the relocated instruction.
 *
 * Generated code reaches the register block with RIP-relative operands, so no
 * register is needed to find it: every general register can hold a program
 * value while the instruction runs.
 */
#include "trampoline/exec.h"

#include <string.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/bounce.h"
#include "trampoline/features.h"
#include "trampoline/thread.h"
/* Room for the largest access (an XSAVE image) at any offset within a page. */
#define MW_BOUNCE_SIZE (MW_BOUNCE_PAGES * 4096)

struct mw_exec_block {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t handler_rsp;
    uint64_t xsave;       /* frame's extended-state image, for the fp variants */
    uint32_t xfeat_lo;    /* its feature mask: EDX:EAX of xrstor/xsave */
    uint32_t xfeat_hi;
    uint32_t xsize;       /* its size (mw_exec_recover copies no more) */
    uint64_t target;      /* slot to jump to */
    uint64_t epilogue;    /* epilogue the slot returns through */
    uint32_t mxcsr;       /* the handler's own MXCSR and x87 control word, */
    uint16_t fcw;         /* restored before returning to C */
    volatile int running; /* a slot runs: a fault there is the instruction's */
    struct mw_exec_fault fault;
    uint64_t resume_rsp;  /* the resume stub's rsp and target (mw_exec_resume) */
    uint64_t resume_rip;
};

struct mw_exec_area {
    struct mw_exec_block block;           /* page 0 */
    char pad[4096 - sizeof(struct mw_exec_block)];
    uint8_t common[4096];                 /* page 1 */
    uint8_t slots[MW_EXEC_SLOTS][MW_EXEC_SLOT_SIZE];
};

_Static_assert(sizeof(struct mw_exec_block) <= 4096, "register block fits one page");

/* How the extended state travels: not at all (general registers only), with
 * xrstor/xsave under the frame's feature mask, or fxrstor/fxsave for a
 * frame that is a bare FXSAVE image. */
enum mw_exec_fp { MW_FP_NONE, MW_FP_XSAVE, MW_FP_FXSAVE, MW_FP_KINDS };

/* Offsets of the generated entry points within the common page. */
struct mw_exec_entries {
    uint16_t prologue[MW_FP_KINDS], epilogue[MW_FP_KINDS], landing, resume;
};
static struct mw_exec_entries mw_entries;

/* --- a tiny emitter ------------------------------------------------------- */

struct mw_emit {
    uint8_t *at;        /* where the next byte goes */
    uint8_t *base;
};

static void mw_b(struct mw_emit *e, uint8_t b) { *e->at++ = b; }

static void mw_d32(struct mw_emit *e, int32_t v)
{
    memcpy(e->at, &v, 4);
    e->at += 4;
}

/* disp32 of a RIP-relative operand whose instruction ends `tail` bytes after
 * the displacement field. */
static void mw_rip_disp(struct mw_emit *e, const void *target, int tail)
{
    intptr_t next = (intptr_t)(e->at + 4 + tail);
    mw_d32(e, (int32_t)((intptr_t)target - next));
}

static void mw_rex_w(struct mw_emit *e, int reg) { mw_b(e, (uint8_t)(0x48 | (reg >= 8 ? 4 : 0))); }

static void mw_load_rip(struct mw_emit *e, int reg, const void *src) /* mov reg, [rip+d] */
{
    mw_rex_w(e, reg);
    mw_b(e, 0x8b);
    mw_b(e, (uint8_t)(((reg & 7) << 3) | 5));
    mw_rip_disp(e, src, 0);
}

static void mw_store_rip(struct mw_emit *e, int reg, void *dst) /* mov [rip+d], reg */
{
    mw_rex_w(e, reg);
    mw_b(e, 0x89);
    mw_b(e, (uint8_t)(((reg & 7) << 3) | 5));
    mw_rip_disp(e, dst, 0);
}

static void mw_modrm_rip(struct mw_emit *e, uint8_t op, int ext, const void *target)
{
    mw_b(e, op);
    mw_b(e, (uint8_t)((ext << 3) | 5));
    mw_rip_disp(e, target, 0);
}

static void mw_push_reg(struct mw_emit *e, int r)
{
    if (r >= 8)
        mw_b(e, 0x41);
    mw_b(e, (uint8_t)(0x50 + (r & 7)));
}

static void mw_pop_reg(struct mw_emit *e, int r)
{
    if (r >= 8)
        mw_b(e, 0x41);
    mw_b(e, (uint8_t)(0x58 + (r & 7)));
}

static const int mw_callee_saved[] = {3, 5, 12, 13, 14, 15}; /* rbx rbp r12..r15 */

/* Loads (restore) or stores the frame's extended state.  The requested
 * feature bitmap is the frame's own mask, never all ones: xsave writes every
 * requested component the CPU has enabled, and a frame made for a process
 * without AMX permission has no room for the tile data the CPU could save
 * (8 KiB past its end, over whatever lies there). */
static void mw_emit_fp_op(struct mw_emit *e, struct mw_exec_block *b, int kind, int restore)
{
    mw_load_rip(e, 1, &b->xsave);                 /* mov rcx, [xsave] */
    if (kind == MW_FP_XSAVE) {
        mw_modrm_rip(e, 0x8b, 0, &b->xfeat_lo);   /* mov eax, [xfeat_lo] */
        mw_modrm_rip(e, 0x8b, 2, &b->xfeat_hi);   /* mov edx, [xfeat_hi] */
    }
    /* xrstor64 /5, xsave64 /4, fxrstor64 /1, fxsave64 /0 - all [rcx] */
    uint8_t ext = kind == MW_FP_XSAVE ? (restore ? 5 : 4) : (restore ? 1 : 0);
    mw_b(e, 0x48); mw_b(e, 0x0f); mw_b(e, 0xae); mw_b(e, (uint8_t)((ext << 3) | 1));
}

/* The handler's own x87 and SSE control words come back; the program's x87
 * state is already saved (or, after a fault, still in the frame).  fninit
 * first: the instruction may have left an unmasked x87 exception pending
 * (fldenv, frstor, fxrstor, xrstor load one), and fldcw is a waiting
 * instruction that would raise it here, in the handler. */
static void mw_emit_restore_fp_control(struct mw_emit *e, struct mw_exec_block *b)
{
    mw_b(e, 0xdb); mw_b(e, 0xe3);                       /* fninit */
    mw_b(e, 0x0f); mw_modrm_rip(e, 0xae, 2, &b->mxcsr); /* ldmxcsr [mxcsr] */
    mw_modrm_rip(e, 0xd9, 5, &b->fcw);                  /* fldcw [fcw] */
}

static void mw_emit_prologue(struct mw_emit *e, struct mw_exec_block *b, int fp)
{
    for (unsigned i = 0; i < 6; i++)
        mw_push_reg(e, mw_callee_saved[i]);
    mw_store_rip(e, 4, &b->handler_rsp);          /* mov [handler_rsp], rsp */
    if (fp != MW_FP_NONE)
        mw_emit_fp_op(e, b, fp, 1);
    mw_modrm_rip(e, 0xff, 6, &b->rflags);         /* push qword [rflags] */
    mw_b(e, 0x9d);                                /* popfq */
    for (int r = 0; r < 16; r++)
        if (r != 4)
            mw_load_rip(e, r, &b->gpr[r]);
    mw_modrm_rip(e, 0xff, 4, &b->target);         /* jmp [target] */
}

static void mw_emit_epilogue(struct mw_emit *e, struct mw_exec_block *b, int fp)
{
    for (int r = 0; r < 16; r++)
        if (r != 4)
            mw_store_rip(e, r, &b->gpr[r]);
    mw_load_rip(e, 4, &b->handler_rsp);           /* mov rsp, [handler_rsp] */
    mw_b(e, 0x9c);                                /* pushfq */
    mw_modrm_rip(e, 0x8f, 0, &b->rflags);         /* pop qword [rflags] */
    mw_b(e, 0xfc);                                /* cld: the C ABI wants DF clear */
    if (fp != MW_FP_NONE) {
        mw_emit_fp_op(e, b, fp, 0);
        mw_emit_restore_fp_control(e, b);
    }
    for (int i = 5; i >= 0; i--)
        mw_pop_reg(e, mw_callee_saved[i]);
    mw_b(e, 0xb8); mw_d32(e, 0);                  /* mov eax, 0 */
    mw_b(e, 0xc3);
}

/* Where a faulting instruction resumes (rip and rsp set by mw_exec_recover). */
static void mw_emit_landing(struct mw_emit *e, struct mw_exec_block *b)
{
    mw_load_rip(e, 4, &b->handler_rsp);
    mw_b(e, 0xfc);                                /* cld */
    mw_emit_restore_fp_control(e, b);
    for (int i = 5; i >= 0; i--)
        mw_pop_reg(e, mw_callee_saved[i]);
    mw_b(e, 0xb8); mw_d32(e, 1);                  /* mov eax, 1 */
    mw_b(e, 0xc3);
}

/* Where a context with a non-canonical rsp resumes (mw_exec_resume): two
 * instructions that touch neither the stack nor the flags. */
static void mw_emit_resume(struct mw_emit *e, struct mw_exec_block *b)
{
    mw_load_rip(e, 4, &b->resume_rsp);            /* mov rsp, [resume_rsp] */
    mw_modrm_rip(e, 0xff, 4, &b->resume_rip);     /* jmp [resume_rip] */
}

static uint16_t mw_mark(struct mw_emit *e) { return (uint16_t)(e->at - e->base); }

static void mw_generate_common(struct mw_exec_area *a)
{
    struct mw_emit e = {a->common, a->common};
    struct mw_exec_block *b = &a->block;
    for (int k = 0; k < MW_FP_KINDS; k++) {
        mw_entries.prologue[k] = mw_mark(&e);
        mw_emit_prologue(&e, b, k);
        mw_entries.epilogue[k] = mw_mark(&e);
        mw_emit_epilogue(&e, b, k);
    }
    mw_entries.landing = mw_mark(&e);
    mw_emit_landing(&e, b);
    mw_entries.resume = mw_mark(&e);
    mw_emit_resume(&e, b);
}

int mw_exec_area_init(struct mw_thread *t)
{
    if (t->exec)
        return 0;
    struct mw_exec_area *a = mw_pages_map(sizeof *a, 0, PROT_READ | PROT_WRITE | PROT_EXEC, 0, -1, 0, NULL);
    if (!a)
        return -1;
    char *bounce = mw_pages_map(MW_BOUNCE_SIZE, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
    if (!bounce) {
        mw_pages_unmap(a, sizeof *a);
        return -1;
    }
    mw_generate_common(a);
    mw_sys_mprotect(a, 4096, PROT_READ | PROT_WRITE); /* the block is data only */
    t->bounce = bounce;
    t->exec = a;
    return 0;
}

void mw_exec_area_free(struct mw_thread *t)
{
    if (t->exec)
        mw_pages_unmap(t->exec, sizeof *t->exec);
    if (t->bounce)
        mw_pages_unmap(t->bounce, MW_BOUNCE_SIZE);
    t->exec = NULL;
    t->bounce = NULL;
}

void mw_exec_set_slot(struct mw_thread *t, unsigned slot, const uint8_t *code, unsigned len)
{
    struct mw_exec_area *a = t->exec;
    struct mw_emit e = {a->slots[slot], a->slots[slot]};
    memcpy(e.at, code, len);
    e.at += len;
    mw_modrm_rip(&e, 0xff, 4, &a->block.epilogue); /* jmp [epilogue] */
}

int mw_exec_run(struct mw_thread *t, unsigned slot, uint64_t gpr[16], uint64_t *rflags,
                const struct mw_xframe *xf, struct mw_exec_fault *fault)
{
    struct mw_exec_area *a = t->exec;
    struct mw_exec_block *b = &a->block;
    int kind = !xf ? MW_FP_NONE : xf->xsave ? MW_FP_XSAVE : MW_FP_FXSAVE;
    memcpy(b->gpr, gpr, sizeof b->gpr);
    b->rflags = *rflags & ~0x100ULL; /* never single-step our own epilogue */
    b->xsave = xf ? (uint64_t)(uintptr_t)xf->image : 0;
    b->xfeat_lo = xf ? (uint32_t)xf->features : 0;
    b->xfeat_hi = xf ? (uint32_t)(xf->features >> 32) : 0;
    b->xsize = xf ? xf->size : 0;
    b->target = (uint64_t)a->slots[slot];
    b->epilogue = (uint64_t)(a->common + mw_entries.epilogue[kind]);
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(b->mxcsr), "=m"(b->fcw));
    int (*entry)(void) = (int (*)(void))(void *)(a->common + mw_entries.prologue[kind]);
    __atomic_store_n(&b->running, 1, __ATOMIC_SEQ_CST);
    int faulted = entry();
    __atomic_store_n(&b->running, 0, __ATOMIC_SEQ_CST);
    if (faulted) {
        *fault = b->fault;
        return 1;
    }
    memcpy(gpr, b->gpr, sizeof b->gpr);
    *rflags = (b->rflags & ~0x100ULL) | (*rflags & 0x100ULL);
    return 0;
}

int mw_exec_in_code(const struct mw_thread *t, uint64_t addr)
{
    const struct mw_exec_area *a = t->exec;
    return a && addr >= (uint64_t)(uintptr_t)a->common && addr < (uint64_t)(uintptr_t)(a + 1);
}

/* Canonical: the bits above the user address width all equal its top bit
 * (63..47 with 4-level paging, 63..56 with 5-level). */
static int mw_canonical(uint64_t a)
{
    unsigned shift = 63 - mw_feature_va_bits();
    return (uint64_t)((int64_t)(a << shift) >> shift) == a;
}

void mw_exec_resume(struct mw_thread *t, ucontext_t *uc, uint64_t prior_rsp)
{
    uint64_t rsp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
    if (mw_canonical(rsp) || !t->exec)
        return;
    struct mw_exec_area *a = t->exec;
    a->block.resume_rsp = rsp;
    a->block.resume_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)prior_rsp;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(a->common + mw_entries.resume);
}

static const int mw_greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                   REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

int mw_exec_recover(struct mw_thread *t, int signo, siginfo_t *info, ucontext_t *uc)
{
    if (!t || !t->exec || !t->exec->block.running)
        return 0;
    struct mw_exec_area *a = t->exec;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (rip < (uintptr_t)a->common || rip >= (uintptr_t)(a + 1))
        return 0;
    struct mw_exec_block *b = &a->block;
    b->fault.signo = signo;
    b->fault.code = info->si_code;
    b->fault.addr = (uint64_t)info->si_addr;
    b->fault.trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    b->fault.err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    for (int r = 0; r < 16; r++)
        b->fault.gpr[r] = (uint64_t)uc->uc_mcontext.gregs[mw_greg_of[r]];
    /* The program sees the vector state of the fault, as the kernel would
     * have shown it: for most instructions that is the state before them
     * (exceptions are precise), but a gather or scatter keeps the elements
     * it completed, and a SIMD floating-point exception its MXCSR flags. */
    struct mw_xframe nested;
    if (b->xsave && mw_xframe_of(uc, &nested) == 0)
        memcpy((void *)(uintptr_t)b->xsave, nested.image, nested.size < b->xsize ? nested.size : b->xsize);
    b->running = 0;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(a->common + mw_entries.landing);
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)b->handler_rsp;
    uc->uc_mcontext.gregs[REG_EFL] &= ~0x100LL;
    return 1;
}
