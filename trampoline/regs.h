/*
 * trampoline/regs.h - the interrupted context's registers by hardware number.
 *
 * ucontext's gregs are in the kernel's sigcontext order; the engine speaks
 * the encoding's order (rax=0 ... r15=15), as decode.h does.
 */
#ifndef MW_TRAMPOLINE_REGS_H
#define MW_TRAMPOLINE_REGS_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#define MW_FLAG_TF 0x100ULL
#define MW_FLAG_DF 0x400ULL

static const int mw_greg_index[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                      REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static inline uint64_t mw_ctx_gpr(const ucontext_t *uc, int r)
{
    return (uint64_t)uc->uc_mcontext.gregs[mw_greg_index[r]];
}
static inline void mw_ctx_set_gpr(ucontext_t *uc, int r, uint64_t v)
{
    uc->uc_mcontext.gregs[mw_greg_index[r]] = (greg_t)v;
}
static inline uint64_t mw_ctx_rip(const ucontext_t *uc) { return (uint64_t)uc->uc_mcontext.gregs[REG_RIP]; }
static inline void mw_ctx_set_rip(ucontext_t *uc, uint64_t v) { uc->uc_mcontext.gregs[REG_RIP] = (greg_t)v; }
static inline uint64_t mw_ctx_flags(const ucontext_t *uc) { return (uint64_t)uc->uc_mcontext.gregs[REG_EFL]; }
static inline void mw_ctx_set_flags(ucontext_t *uc, uint64_t v) { uc->uc_mcontext.gregs[REG_EFL] = (greg_t)v; }

static inline void mw_ctx_load_gprs(const ucontext_t *uc, uint64_t gpr[16])
{
    for (int r = 0; r < 16; r++)
        gpr[r] = mw_ctx_gpr(uc, r);
}
static inline void mw_ctx_store_gprs(ucontext_t *uc, const uint64_t gpr[16])
{
    for (int r = 0; r < 16; r++)
        mw_ctx_set_gpr(uc, r, gpr[r]);
}

/* fs or gs base of the calling thread (the interrupted code's: same thread). */
uint64_t mw_segment_base(int seg);

#endif
