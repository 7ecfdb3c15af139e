/*
 * trampoline/emulate.c - instructions the engine carries out itself.
 *
 * Control transfers through watched memory (call [m], jmp [m]) and anything
 * that moves rsp with a watched stack (push, pop, call, ret, leave) cannot be
 * run in the executor: a relocated call or ret would act on the executor's
 * RIP, and the executor's rsp is the handler's.  Each is a few reads and
 * writes through the routes, done here in the order the CPU does them; the
 * context is changed only once every access succeeded, so a real fault leaves
 * the program's state as the CPU would have left it.
 */
#include <string.h>
#include <sys/mman.h>

#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

/* User-mode popf can change CF PF AF ZF SF TF DF OF NT AC ID. */
#define MW_POPF_MASK 0x244dd5ULL

struct mw_emu {
    struct mw_thread *t;
    struct mw_record *rec;
    struct mw_outcome *out;
    uint64_t rip;
    unsigned nroutes;
    struct mw_route routes[3];
};

static int mw_emu_check_prot(const struct mw_route *r, int is_write)
{
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_page *p = r->seg[i].page;
        if (p && !(p->prog_prot & (is_write ? PROT_WRITE : PROT_READ)))
            return 0;
    }
    return 1;
}

/* One access of the instruction: routed, matched against the watches, done.
 * Returns 0, or -1 with the verdict set. */
static int mw_emu_access(struct mw_emu *e, uintptr_t addr, void *buf, size_t n, int is_write)
{
    struct mw_route *r = &e->routes[e->nroutes];
    if (mw_route_build(r, addr, n) != 0) {
        e->out->verdict = MW_STEP;
        return -1;
    }
    e->nroutes++;
    if (!mw_emu_check_prot(r, is_write)) {
        e->out->verdict = MW_FOREIGN;
        return -1;
    }
    mw_record_match(e->rec, e->t, r, addr, n, !is_write, is_write, e->rip);
    uintptr_t bad = 0;
    int rc = is_write ? mw_route_write(r, addr, buf, n, &bad) : mw_route_read(r, addr, buf, n, &bad);
    if (rc != 0) {
        mw_outcome_deliver(e->out, SIGSEGV, SEGV_MAPERR, bad);
        return -1;
    }
    return 0;
}

static void mw_emu_finish(struct mw_emu *e)
{
    mw_record_after(e->rec);
    for (unsigned i = 0; i < e->nroutes; i++)
        mw_route_finish(&e->routes[i]);
}

static uint64_t mw_merge16(uint64_t old, uint64_t v) { return (old & ~0xffffULL) | (v & 0xffff); }

void mw_emulate(struct mw_thread *t, const struct mw_insn *in, ucontext_t *uc, struct mw_record *rec,
                struct mw_outcome *out)
{
    struct mw_emu e = {.t = t, .rec = rec, .out = out, .rip = mw_ctx_rip(uc)};
    uint64_t gpr[16], flags = mw_ctx_flags(uc);
    mw_ctx_load_gprs(uc, gpr);
    uint64_t next = e.rip + in->len, rip = next, rsp = gpr[MW_RSP], v = 0;
    unsigned sz = in->stack_size;

    switch (in->kind) {
    case MW_KIND_PUSH:
        if (in->stack_src == MW_STACK_REG)
            v = gpr[in->reg];
        else if (in->stack_src == MW_STACK_IMM)
            v = (uint64_t)in->imm;
        else if (in->stack_src == MW_STACK_FLAGS)
            v = flags & 0xfcffffULL; /* pushf stores RF and VM as 0 */
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
    case MW_KIND_CALL_REL:
    case MW_KIND_CALL_REG:
    case MW_KIND_CALL_MEM:
        if (in->kind == MW_KIND_CALL_REL)
            rip = next + (uint64_t)in->rel;
        else if (in->kind == MW_KIND_CALL_REG)
            rip = gpr[in->reg];
        else if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &rip, 8, 0) != 0)
            goto fail;
        rsp -= 8;
        if (mw_emu_access(&e, rsp, &next, 8, 1) != 0)
            goto fail;
        gpr[MW_RSP] = rsp;
        break;
    case MW_KIND_JMP_MEM:
        if (mw_emu_access(&e, mw_memop_ea(&in->mem, gpr, next), &rip, 8, 0) != 0)
            goto fail;
        break;
    case MW_KIND_RET:
        if (mw_emu_access(&e, rsp, &rip, 8, 0) != 0)
            goto fail;
        gpr[MW_RSP] = rsp + 8 + in->ret_imm;
        break;
    case MW_KIND_LEAVE:
        if (mw_emu_access(&e, gpr[MW_RBP], &v, 8, 0) != 0)
            goto fail;
        gpr[MW_RSP] = gpr[MW_RBP] + 8;
        gpr[MW_RBP] = v;
        break;
    case MW_KIND_XLAT: {
        uint8_t b;
        if (mw_emu_access(&e, gpr[MW_RBX] + (gpr[MW_RAX] & 0xff), &b, 1, 0) != 0)
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
    out->verdict = MW_DONE;
    return;
fail:
    mw_emu_finish(&e);
}
