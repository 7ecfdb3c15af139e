/*
 * trampoline/decode.h - what one faulting instruction does to memory.
 *
 * mw_decode() turns the bytes at the faulting RIP into an mw_insn: which of
 * the engine's strategies runs it (its kind), its memory operand in a form the
 * handler can evaluate against a ucontext (mw_memop), the registers it touches
 * (so a free scratch register can be picked), and, for the explicit-operand
 * kind, the re-encoded bytes whose memory operand is [scratch] (relocate.c).
 * Decoding uses Zydis only; it allocates nothing and is async-signal-safe.
 */
#ifndef MW_TRAMPOLINE_DECODE_H
#define MW_TRAMPOLINE_DECODE_H

#include <stdint.h>

/* General register numbers in hardware order (rax=0 ... r15=15). */
enum {
    MW_RAX, MW_RCX, MW_RDX, MW_RBX, MW_RSP, MW_RBP, MW_RSI, MW_RDI,
    MW_R8, MW_R9, MW_R10, MW_R11, MW_R12, MW_R13, MW_R14, MW_R15,
    MW_GPR_COUNT,
    MW_REG_RIP = 16,
    MW_REG_NONE = -1
};

enum mw_insn_kind {
    MW_KIND_UNSUPPORTED = 0,
    MW_KIND_MEM,      /* one explicit memory operand: re-encoded as [scratch] and executed */
    MW_KIND_PUSH,     /* push reg/imm/[m], pushf with a watched stack or operand: emulated */
    MW_KIND_POP,      /* pop reg/[m], popf: emulated */
    MW_KIND_STRING,   /* movs/stos/lods/cmps/scas, rep or not: executed with rsi/rdi rebased */
    MW_KIND_XLAT,     /* xlat: al = [rbx + al], emulated */
    MW_KIND_CALL_MEM, /* call [m]: emulated */
    MW_KIND_JMP_MEM,  /* jmp [m]: emulated */
    MW_KIND_CALL_REL, /* call rel32 with a watched stack: emulated */
    MW_KIND_CALL_REG, /* call reg with a watched stack: emulated */
    MW_KIND_RET,      /* ret / ret imm16 with a watched stack: emulated */
    MW_KIND_LEAVE,    /* leave with a watched stack: emulated */
    MW_KIND_ENTER,    /* enter size, level: emulated (imm = size, ret_imm = level) */
    MW_KIND_LINE32,   /* clzero / movdir64b with a 32-bit address register: emulated
                       * (mem: movdir64b's source; mem2: the line written) */
    MW_KIND_TILE,     /* AMX tileloadd/tileloaddt1/tilestored: rows at base + disp +
                       * row * (index * scale), single-stepped with its rows known
                       * (tile.c); reg is the tile register */
};

/* Segment of a memory operand: only fs and gs have a base in 64-bit mode. */
enum { MW_SEG_FLAT = 0, MW_SEG_FS = 1, MW_SEG_GS = 2 };

/* An explicit memory operand, evaluated against a context by mw_memop_ea(). */
struct mw_memop {
    int8_t base;       /* MW_RAX..MW_R15, MW_REG_RIP, or MW_REG_NONE */
    int8_t index;      /* MW_RAX..MW_R15 or MW_REG_NONE */
    uint8_t scale;     /* 1, 2, 4, 8 (0 when there is no index) */
    uint8_t seg;       /* MW_SEG_* */
    uint8_t addr32;    /* 0x67: the address wraps at 32 bits */
    uint8_t read;      /* the instruction reads the operand (or may) */
    uint8_t write;     /* the instruction writes the operand (or may) */
    int8_t bit_reg;    /* bt/bts/btr/btc with a register bit offset: that register */
    uint8_t align;     /* the CPU aligns the address down to this (clzero: 64), 0: no */
    uint16_t size;     /* bytes accessed at the effective address (a vector index: per element) */
    int64_t disp;
};

/* A gather or scatter: the memory operand has a vector index, one address
 * per element (vsib.c). */
struct mw_vsib {
    int8_t index;      /* the index register's number, xmm/ymm/zmm 0..31 */
    uint8_t index_size;/* bytes per index element: 4 or 8 */
    uint8_t lanes;     /* elements the instruction moves */
    int8_t mask_k;     /* EVEX: the mask register k1..k7; else -1 */
    int8_t mask_vec;   /* VEX: the vector register holding the mask; else -1 */
};

/* Where push takes its value from, or pop puts it. */
enum { MW_STACK_REG, MW_STACK_IMM, MW_STACK_MEM, MW_STACK_FLAGS, MW_STACK_SEG };

/* String instruction details. */
enum { MW_STR_MOVS, MW_STR_STOS, MW_STR_LODS, MW_STR_CMPS, MW_STR_SCAS };
enum { MW_REP_NONE, MW_REP_REP, MW_REP_REPNE };

#define MW_CODE_MAX 24

struct mw_insn {
    uint8_t kind;          /* enum mw_insn_kind */
    uint8_t len;           /* decoded length: the return address is rip + len */
    uint8_t uses_fp;       /* touches x87/SSE/AVX/AVX-512 state: run with the frame's XSAVE image */
    int8_t scratch;        /* MW_KIND_MEM: the register the operand is rewritten to; for an
                            * operand addressed by a register alone, implicitly (maskmovdqu's
                            * rdi, clzero's rax), that register itself, the bytes unchanged */
    int8_t rsp_sub;        /* MW_KIND_MEM naming rsp as a register operand: the register
                            * standing in for it (the executor keeps rsp on its own stack) */
    uint16_t regs_used;    /* bitmask of the general registers the instruction names or implies */
    uint8_t has_mem;       /* mem is meaningful */
    struct mw_memop mem;
    /* MW_KIND_MEM with a second, register-addressed operand beside the
     * explicit one (movdir64b's destination) */
    uint8_t has_mem2;
    int8_t addr_reg2;
    struct mw_memop mem2;
    /* MW_KIND_MEM with a vector index (mem.size is one element) */
    uint8_t has_vsib;
    struct mw_vsib vsib;
    /* MW_KIND_PUSH / MW_KIND_POP / branch kinds */
    uint8_t stack_size;    /* bytes pushed or popped (8, or 2 with 0x66) */
    uint8_t stack_src;     /* MW_STACK_REG, MW_STACK_IMM, MW_STACK_MEM, MW_STACK_FLAGS */
    int8_t reg;            /* push/pop/call reg: the register (push fs/gs: MW_SEG_FS/GS) */
    int64_t imm;           /* push imm: the sign-extended value */
    uint16_t ret_imm;      /* ret imm16 */
    int64_t rel;           /* call rel32: target - (rip + len) */
    /* MW_KIND_STRING */
    uint8_t str_op;        /* MW_STR_* */
    uint8_t str_rep;       /* MW_REP_* */
    uint8_t str_elem;      /* element size in bytes */
    uint8_t str_addr32;    /* 0x67: esi, edi and ecx, wrapping at 32 bits */
    /* The bytes the executor runs: re-encoded for MW_KIND_MEM, the original
     * bytes minus segment prefixes for MW_KIND_STRING. */
    uint8_t code[MW_CODE_MAX];
    uint8_t code_len;
    /* Why the instruction is MW_KIND_UNSUPPORTED, for the one-time report. */
    const char *reason;
};

/* Decodes the n bytes at code (n <= 15) that run at address rip. 0 on success
 * (the instruction may still be MW_KIND_UNSUPPORTED), -1 if undecodable. */
int mw_decode(const uint8_t *code, unsigned n, uint64_t rip, struct mw_insn *out);
/* The same, with a scratch register other than reg (a promoted site's stub
 * keeps rax for itself: promote_stub.c). */
int mw_decode_scratch_not(const uint8_t *code, unsigned n, uint64_t rip, int reg, struct mw_insn *out);

/* Re-encodes the explicit memory operand of a decoded instruction as [scratch]
 * (relocate.c).  0 on success, -1 with out->reason set. */
struct ZydisDecodedInstruction_;
int mw_relocate(const uint8_t *code, const struct ZydisDecodedInstruction_ *zi, int scratch,
                int rsp_sub, struct mw_insn *out);

#endif
