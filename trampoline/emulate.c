/*
 * trampoline/emulate.c - instructions the engine carries out itself.
 *
 * Control transfers through watched memory (call [m], jmp [m]) and anything
 * that moves rsp with a watched stack (push, pop, call, ret, enter, leave)
 * cannot be run in the executor: a relocated call or ret would act on the
 * executor's RIP, and the executor's rsp is the handler's.  Neither can xlat
 * ([rbx + al]) or a 64-byte line store whose address is a 32-bit register
 * (clzero eax, movdir64b with 0x67): no register can point at the alias view
 * for them.  Each is a few reads and writes through the routes, done here in
 * the order the CPU does them; the context is changed only once every access
 * succeeded, and a store is written all or nothing, so a real fault leaves
 * the program's state as the CPU would have left it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/sys.h"
#include "trampoline/exec.h"
#include "trampoline/features.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

/* User-mode popf can change CF PF AF ZF SF TF DF OF NT AC ID. */
#define MW_POPF_MASK 0x244dd5ULL

/* enter at nesting level 31 makes 62 accesses: rbp, 30 frame pointers read
 * and pushed, the new frame pointer. */
#define MW_EMU_ACCESSES 64

struct mw_emu {
    struct mw_thread *t;
    ucontext_t *uc;
    struct mw_record *rec;
    struct mw_outcome *out;
    uint64_t rip;
    unsigned nroutes;
    struct mw_route routes[MW_EMU_ACCESSES];
};

int mw_write_all_or_nothing(const struct mw_route *r, uintptr_t addr, const void *buf, size_t n, uintptr_t *bad)
{
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < r->nseg; i++) {
            const struct mw_route_seg *s = &r->seg[i];
            if ((s->alias == NULL) != (pass == 0) || s->view < addr || s->view >= addr + n)
                continue;
            size_t k = s->view + s->len <= addr + n ? s->len : addr + n - s->view;
            if (mw_route_write(r, s->view, (const char *)buf + (s->view - addr), k, bad) != 0)
                return -1;
        }
    return 0;
}

/* One access of the instruction: routed, matched against the watches, done.
 * Returns 0, or -1 with the verdict set. */
static int mw_emu_access(struct mw_emu *e, uintptr_t addr, void *buf, size_t n, int is_write)
{
    struct mw_route *r = &e->routes[e->nroutes];
    if (e->nroutes == MW_EMU_ACCESSES || mw_route_build(r, addr, n) != 0) {
        e->out->verdict = MW_STEP;
        return -1;
    }
    e->nroutes++;
    if (!mw_route_allows(r, !is_write, is_write)) {
        e->out->verdict = MW_FOREIGN;
        return -1;
    }
    mw_record_match(e->rec, e->t, r, addr, n, !is_write, is_write, e->rip);
    uintptr_t bad = 0;
    int rc = is_write ? mw_write_all_or_nothing(r, addr, buf, n, &bad) : mw_route_read(r, addr, buf, n, &bad);
    if (rc != 0) {
        mw_deliver_page_fault(e->out, e->uc, bad, is_write);
        return -1;
    }
    return 0;
}

/* Would a write of n bytes at addr fault?  Nothing is written and nothing
 * recorded (enter's check of its final stack pointer).  A native page is
 * tried by writing back what it holds: the bytes below the stack pointer
 * that no one uses yet. */
static int mw_emu_probe_write(struct mw_emu *e, uintptr_t addr, size_t n)
{
    struct mw_route r;
    uint8_t buf[8];
    uintptr_t bad = addr;
    if (mw_route_build(&r, addr, n) != 0) {
        e->out->verdict = MW_STEP;
        return -1;
    }
    /* The read may bring a page in: its fault's error code is the one of
     * the page as it was before. */
    int present_first = mw_page_present(addr), present_last = mw_page_present(addr + n - 1);
    int ok = mw_route_allows(&r, 0, 1) && mw_route_read(&r, addr, buf, n, &bad) == 0 &&
             mw_write_all_or_nothing(&r, addr, buf, n, &bad) == 0;
    mw_route_finish(&r);
    if (!ok) {
        int same_page = MW_PAGE_FLOOR(bad) == MW_PAGE_FLOOR(addr);
        mw_deliver_page_fault_as(e->out, e->uc, bad, 1, same_page ? present_first : present_last);
    }
    return ok ? 0 : -1;
}

static void mw_emu_finish(struct mw_emu *e)
{
    mw_record_after(e->rec);
    for (unsigned i = 0; i < e->nroutes; i++)
        mw_route_finish(&e->routes[i]);
}

/* A page fault's error code says in bit 0 whether the page was present (a
 * protection fault) or not: mincore's residency, which for anonymous memory
 * is the page table's (a page never touched is absent).  -1: not mapped. */
int mw_page_present(uintptr_t addr)
{
    unsigned char vec = 0;
    if (mw_sys_mincore((void *)MW_PAGE_FLOOR(addr), MW_PAGE_SIZE, &vec) == -ENOMEM)
        return -1;
    return vec & 1;
}

/* The page fault the CPU would have raised, the page's presence as given. */
void mw_deliver_page_fault_as(struct mw_outcome *out, ucontext_t *uc, uintptr_t addr, int is_write, int present)
{
    uc->uc_mcontext.gregs[REG_TRAPNO] = 14;
    uc->uc_mcontext.gregs[REG_ERR] = (greg_t)(4 | (is_write ? 2 : 0) | (present > 0 ? 1 : 0));
    mw_outcome_deliver(out, SIGSEGV, present < 0 ? SEGV_MAPERR : SEGV_ACCERR, addr);
}

void mw_deliver_page_fault(struct mw_outcome *out, ucontext_t *uc, uintptr_t addr, int is_write)
{
    mw_deliver_page_fault_as(out, uc, addr, is_write, mw_page_present(addr));
}

/* The fs or gs selector: the handler runs on the interrupted thread, whose
 * selectors the kernel leaves as they were. */
static uint64_t mw_segment_selector(int seg)
{
    uint16_t sel;
    if (seg == MW_SEG_FS)
        __asm__ volatile("mov %%fs, %0" : "=r"(sel));
    else
        __asm__ volatile("mov %%gs, %0" : "=r"(sel));
    return sel;
}

static uint64_t mw_merge16(uint64_t old, uint64_t v) { return (old & ~0xffffULL) | (v & 0xffff); }

void mw_emulate(struct mw_thread *t, const struct mw_insn *in, ucontext_t *uc, struct mw_record *rec,
                struct mw_outcome *out)
{
    struct mw_emu e = {.t = t, .uc = uc, .rec = rec, .out = out, .rip = mw_ctx_rip(uc)};
    uint64_t gpr[16], flags = mw_ctx_flags(uc);
    mw_ctx_load_gprs(uc, gpr);
    uint64_t next = e.rip + in->len, rip = next, rsp = gpr[MW_RSP], prior_rsp = rsp, v = 0;
    unsigned sz = in->stack_size;

    /* A call or return carried out here would leave the shadow stack behind:
     * with shadow stacks on, the CPU runs it (single-stepped, page open). */
    if (mw_feature_shadow_stack() && (in->kind == MW_KIND_CALL_REL || in->kind == MW_KIND_CALL_REG ||
                                      in->kind == MW_KIND_CALL_MEM || in->kind == MW_KIND_RET)) {
        out->verdict = MW_STEP;
        return;
    }
    switch (in->kind) {
    case MW_KIND_PUSH:
        if (in->stack_src == MW_STACK_REG)
            v = gpr[in->reg];
        else if (in->stack_src == MW_STACK_IMM)
            v = (uint64_t)in->imm;
        else if (in->stack_src == MW_STACK_FLAGS)
            v = flags & 0xfcffffULL; /* pushf stores RF and VM as 0 */
        else if (in->stack_src == MW_STACK_SEG)
            v = mw_segment_selector(in->reg); /* zero-extended */
        else if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &v, sz, 0) != 0)
            goto fail;
        rsp -= sz;
        if (mw_emu_access(&e, rsp, &v, sz, 1) != 0)
            goto fail;
        gpr[MW_RSP] = rsp;
        break;
    case MW_KIND_POP:
        if (mw_emu_access(&e, rsp, &v, sz, 0) != 0)
            goto fail;
        gpr[MW_RSP] = rsp + sz;
        if (in->stack_src == MW_STACK_REG)
            gpr[in->reg] = sz == 8 ? v : mw_merge16(gpr[in->reg], v);
        else if (in->stack_src == MW_STACK_FLAGS)
            flags = (flags & ~MW_POPF_MASK) | (v & MW_POPF_MASK);
        else if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &v, sz, 1) != 0)
            goto fail; /* gpr[rsp] is already the popped one: rsp-based addresses see it */
        break;
    /* Branches are 64-bit, or 16-bit with 0x66 on AMD processors (decode.c):
     * then the target and the pushed return address are 16 bits wide. */
    case MW_KIND_CALL_REL:
    case MW_KIND_CALL_REG:
    case MW_KIND_CALL_MEM:
        rip = 0;
        if (in->kind == MW_KIND_CALL_REL)
            rip = next + (uint64_t)in->rel;
        else if (in->kind == MW_KIND_CALL_REG)
            rip = gpr[in->reg];
        else if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &rip, sz, 0) != 0)
            goto fail;
        rsp -= sz;
        if (mw_emu_access(&e, rsp, &next, sz, 1) != 0)
            goto fail;
        gpr[MW_RSP] = rsp;
        if (sz == 2)
            rip &= 0xffff;
        break;
    case MW_KIND_JMP_MEM:
        rip = 0;
        if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &rip, sz, 0) != 0)
            goto fail;
        break;
    case MW_KIND_RET:
        rip = 0;
        if (mw_emu_access(&e, rsp, &rip, sz, 0) != 0)
            goto fail;
        gpr[MW_RSP] = rsp + sz + in->ret_imm;
        break;
    case MW_KIND_LEAVE: /* rsp = rbp; pop rbp (pop bp with 0x66) */
        if (mw_emu_access(&e, gpr[MW_RBP], &v, sz, 0) != 0)
            goto fail;
        gpr[MW_RSP] = gpr[MW_RBP] + sz;
        gpr[MW_RBP] = sz == 8 ? v : mw_merge16(gpr[MW_RBP], v);
        break;
    case MW_KIND_ENTER: {
        /* push rbp; copy level-1 frame pointers from the old frame; push the
         * new frame pointer; rbp = new frame; rsp -= size.  The CPU then
         * makes sure a write at the final rsp would not fault. */
        uint64_t rbp = gpr[MW_RBP], frame;
        rsp -= sz;
        if (mw_emu_access(&e, rsp, &rbp, sz, 1) != 0)
            goto fail;
        frame = rsp;
        if (in->ret_imm > 0) {
            for (unsigned i = 1; i < in->ret_imm; i++) {
                uint64_t link = 0;
                if (mw_emu_access(&e, rbp - sz * i, &link, sz, 0) != 0)
                    goto fail;
                rsp -= sz;
                if (mw_emu_access(&e, rsp, &link, sz, 1) != 0)
                    goto fail;
            }
            rsp -= sz;
            if (mw_emu_access(&e, rsp, &frame, sz, 1) != 0)
                goto fail;
        }
        rsp -= (uint64_t)in->imm;
        if (mw_emu_probe_write(&e, rsp, sz) != 0)
            goto fail;
        gpr[MW_RBP] = sz == 8 ? frame : mw_merge16(gpr[MW_RBP], frame);
        gpr[MW_RSP] = rsp;
        break;
    }
    case MW_KIND_LINE32: {
        /* clzero eax: the 64-byte line holding [eax] is zeroed; movdir64b
         * with 0x67: 64 bytes from [m] to the aligned line at [reg32] */
        uint8_t line[64] = {0};
        uint64_t dst = mw_memop_ea(&in->mem2, gpr, next);
        if (in->mem2.align)
            dst &= ~(uint64_t)(in->mem2.align - 1);
        if (in->has_mem && mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), line, 64, 0) != 0)
            goto fail;
        if (dst & 63) { /* movdir64b's destination must be aligned: #GP */
            uc->uc_mcontext.gregs[REG_TRAPNO] = 13;
            uc->uc_mcontext.gregs[REG_ERR] = 0;
            mw_outcome_deliver(out, SIGSEGV, SI_KERNEL, 0);
            goto fail;
        }
        if (mw_emu_access(&e, dst, line, 64, 1) != 0)
            goto fail;
        break;
    }
    case MW_KIND_XLAT: {
        /* [rbx + al] (ebx + al with 0x67), in the segment the prefix names */
        uint8_t b;
        uint64_t ea = gpr[MW_RBX] + (gpr[MW_RAX] & 0xff);
        if (in->mem.addr32)
            ea &= 0xffffffffULL;
        if (in->mem.seg != MW_SEG_FLAT)
            ea += mw_segment_base(in->mem.seg);
        if (mw_emu_access(&e, ea, &b, 1, 0) != 0)
            goto fail;
        gpr[MW_RAX] = (gpr[MW_RAX] & ~0xffULL) | b;
        break;
    }
    default:
        out->verdict = MW_STEP;
        goto fail;
    }
    mw_emu_finish(&e);
    mw_ctx_store_gprs(uc, gpr);
    mw_ctx_set_flags(uc, flags);
    mw_ctx_set_rip(uc, rip);
    mw_exec_resume(t, uc, prior_rsp); /* pop rsp, leave: the new rsp may not be canonical */
    out->verdict = MW_DONE;
    return;
fail:
    mw_emu_finish(&e);
}
