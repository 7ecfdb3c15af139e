/*
 * trampoline/decode.c - classifies a faulting instruction (see decode.h).
 *
 * The rule of thumb: an instruction whose only memory operand is explicit is
 * re-encoded and executed (MW_KIND_MEM) - that is nearly everything compilers
 * and JITs emit.  Instructions that reach memory through rsp, rsi or rdi
 * implicitly are executed with those registers rebased onto the alias view
 * (STACK, STRING).  Control transfers through memory or with a watched stack
 * are emulated, because a relocated `call` or `ret` would act on the
 * executor's RIP, not the program's.  Anything else is reported and
 * single-stepped.
 */
#include "trampoline/decode.h"

#include <Zydis/Zydis.h>
#include <cpuid.h>
#include <string.h>

#include "trampoline/xstate.h"

static int mw_gpr_number(ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_NONE)
        return MW_REG_NONE;
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return MW_REG_RIP;
    ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
    if (big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15)
        return (int)(big - ZYDIS_REGISTER_RAX);
    return MW_REG_NONE;
}

static int mw_is_high8(ZydisRegister r)
{
    return r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_BH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH;
}

/* Registers whose class is general purpose, flags or instruction pointer
 * need no extended state; anything else (x87, MMX, XMM..ZMM, masks, MXCSR)
 * means the instruction must run with the program's XSAVE image loaded. */
static int mw_reg_needs_fp(ZydisRegister r)
{
    switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_INVALID:
    case ZYDIS_REGCLASS_GPR8:
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32:
    case ZYDIS_REGCLASS_GPR64:
    case ZYDIS_REGCLASS_FLAGS:
    case ZYDIS_REGCLASS_IP:
    case ZYDIS_REGCLASS_SEGMENT:
        return 0;
    default:
        return 1;
    }
}

static int mw_isa_is_integer(ZydisISAExt ext)
{
    switch (ext) {
    case ZYDIS_ISA_EXT_BASE:
    case ZYDIS_ISA_EXT_LONGMODE:
    case ZYDIS_ISA_EXT_BMI1:
    case ZYDIS_ISA_EXT_BMI2:
    case ZYDIS_ISA_EXT_ADOX_ADCX:
    case ZYDIS_ISA_EXT_MOVBE:
    case ZYDIS_ISA_EXT_LZCNT:
    case ZYDIS_ISA_EXT_SSE4: /* popcnt and crc32 live here next to vector forms; registers decide */
        return 1;
    default:
        return 0;
    }
}

static int mw_is_xsave_family(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_XSAVE:
    case ZYDIS_MNEMONIC_XSAVE64:
    case ZYDIS_MNEMONIC_XSAVEOPT:
    case ZYDIS_MNEMONIC_XSAVEOPT64:
    case ZYDIS_MNEMONIC_XSAVEC:
    case ZYDIS_MNEMONIC_XSAVEC64:
    case ZYDIS_MNEMONIC_XRSTOR:
    case ZYDIS_MNEMONIC_XRSTOR64:
        return 1;
    default:
        return 0;
    }
}

static int mw_string_op(ZydisMnemonic m, uint8_t *op)
{
    switch (m) {
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD: case ZYDIS_MNEMONIC_MOVSQ:
        *op = MW_STR_MOVS; return 1;
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD: case ZYDIS_MNEMONIC_STOSQ:
        *op = MW_STR_STOS; return 1;
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD: case ZYDIS_MNEMONIC_LODSQ:
        *op = MW_STR_LODS; return 1;
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD: case ZYDIS_MNEMONIC_CMPSQ:
        *op = MW_STR_CMPS; return 1;
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD: case ZYDIS_MNEMONIC_SCASQ:
        *op = MW_STR_SCAS; return 1;
    default:
        return 0;
    }
}

static void mw_fill_memop(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *op, struct mw_memop *m)
{
    m->base = (int8_t)mw_gpr_number(op->mem.base);
    m->index = (int8_t)mw_gpr_number(op->mem.index);
    m->scale = m->index == MW_REG_NONE ? 0 : op->mem.scale;
    m->disp = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
    m->seg = op->mem.segment == ZYDIS_REGISTER_FS ? MW_SEG_FS
           : op->mem.segment == ZYDIS_REGISTER_GS ? MW_SEG_GS : MW_SEG_FLAT;
    m->addr32 = zi->address_width == 32;
    m->read = (op->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD)) != 0;
    m->write = (op->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)) != 0;
    m->bit_reg = MW_REG_NONE;
    unsigned size = op->size / 8;
    if (mw_is_xsave_family(zi->mnemonic))
        size = mw_xstate_cpu_max();
    else if (zi->mnemonic == ZYDIS_MNEMONIC_FXSAVE || zi->mnemonic == ZYDIS_MNEMONIC_FXSAVE64 ||
             zi->mnemonic == ZYDIS_MNEMONIC_FXRSTOR || zi->mnemonic == ZYDIS_MNEMONIC_FXRSTOR64)
        size = 512;
    m->size = (uint16_t)(size ? size : 1);
}

static int mw_is_bit_test(ZydisMnemonic m)
{
    return m == ZYDIS_MNEMONIC_BT || m == ZYDIS_MNEMONIC_BTS || m == ZYDIS_MNEMONIC_BTR || m == ZYDIS_MNEMONIC_BTC;
}

/* The scratch register: not named or implied by the instruction, not rsp or
 * rbp (mod=00 rm=100/101 mean SIB and RIP-relative), not r12/r13 for the same
 * reason in their low three bits.  Low registers first: they need no REX. */
static int mw_pick_scratch(uint16_t used, int allow_high)
{
    static const int8_t order[] = {MW_RAX, MW_RCX, MW_RDX, MW_RBX, MW_RSI, MW_RDI,
                                   MW_R8,  MW_R9,  MW_R10, MW_R11, MW_R14, MW_R15};
    for (unsigned i = 0; i < sizeof order; i++) {
        if (order[i] >= 8 && !allow_high)
            return MW_REG_NONE;
        if (!(used & (1u << order[i])))
            return order[i];
    }
    return MW_REG_NONE;
}

static int mw_unsupported(struct mw_insn *out, const char *why)
{
    out->kind = MW_KIND_UNSUPPORTED;
    out->reason = why;
    return 0;
}

/* push/pop/pushf/popf and their memory-operand forms: emulated, because the
 * executor keeps rsp on the handler's own stack. */
static int mw_classify_stack(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
                             struct mw_insn *out)
{
    int is_push = zi->meta.category == ZYDIS_CATEGORY_PUSH;
    out->kind = is_push ? MW_KIND_PUSH : MW_KIND_POP;
    out->stack_size = (uint8_t)(zi->operand_width / 8);
    if (out->stack_size != 8 && out->stack_size != 2)
        return mw_unsupported(out, "push/pop of unusual width");
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_PUSHF: case ZYDIS_MNEMONIC_PUSHFQ:
    case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFQ:
        out->stack_src = MW_STACK_FLAGS;
        return 0;
    case ZYDIS_MNEMONIC_PUSH: case ZYDIS_MNEMONIC_POP:
        break;
    default:
        return mw_unsupported(out, "stack instruction");
    }
    const ZydisDecodedOperand *op = &ops[0];
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        /* push fs / push gs store the selector, which the handler shares
         * with the program; popping one would load a segment */
        if (!is_push || (op->reg.value != ZYDIS_REGISTER_FS && op->reg.value != ZYDIS_REGISTER_GS))
            return mw_unsupported(out, "pop of a segment register");
        out->stack_src = MW_STACK_SEG;
        out->reg = op->reg.value == ZYDIS_REGISTER_FS ? MW_SEG_FS : MW_SEG_GS;
    } else if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        out->reg = (int8_t)mw_gpr_number(op->reg.value);
        if (out->reg < 0 || out->reg >= MW_GPR_COUNT)
            return mw_unsupported(out, "push/pop of a segment register");
        out->stack_src = MW_STACK_REG;
    } else if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        out->stack_src = MW_STACK_IMM;
        out->imm = op->imm.value.s;
    } else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
        out->stack_src = MW_STACK_MEM;
        out->has_mem = 1;
        mw_fill_memop(zi, op, &out->mem);
        if (!is_push && out->mem.base == MW_RSP)
            out->mem.disp += out->stack_size; /* pop [rsp+d] addresses after the pop */
    } else {
        return mw_unsupported(out, "push/pop operand");
    }
    return 0;
}

/* A near branch with an operand-size prefix (and no REX.W) is a 16-bit
 * branch on AMD processors - the target and the stack slot are 16 bits wide -
 * and ignores the prefix on Intel's: it must be read as this CPU runs it. */
static int mw_cpu_is_amd(void)
{
    static int amd = -1;
    if (amd < 0) {
        unsigned a, b, c, d;
        __cpuid(0, a, b, c, d);
        amd = b == 0x68747541 /* "Auth"enticAMD */ || b == 0x6f677948 /* "Hygo"nGenuine */;
    }
    return amd;
}

static int mw_decoder_init(ZydisDecoder *d)
{
    if (!ZYAN_SUCCESS(ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
        return -1;
    /* relative branches: Zydis knows (their immediate shrinks too) */
    if (mw_cpu_is_amd() && !ZYAN_SUCCESS(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE)))
        return -1;
    return 0;
}

/* indirect branches and ret: Zydis 4 says 64 bits whatever the CPU */
static unsigned mw_branch_width(const ZydisDecodedInstruction *zi)
{
    if (mw_cpu_is_amd() && (zi->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) &&
        !((zi->attributes & ZYDIS_ATTRIB_HAS_REX) && zi->raw.rex.W))
        return 2;
    return zi->operand_width / 8;
}

static int mw_classify_branch(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
                              struct mw_insn *out)
{
    const ZydisDecodedOperand *op0 = &ops[0];
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_CALL:
    case ZYDIS_MNEMONIC_JMP:
        if (zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
            return mw_unsupported(out, "far branch");
        if (op0->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            out->has_mem = 1;
            mw_fill_memop(zi, op0, &out->mem);
            out->kind = zi->mnemonic == ZYDIS_MNEMONIC_CALL ? MW_KIND_CALL_MEM : MW_KIND_JMP_MEM;
        } else if (zi->mnemonic == ZYDIS_MNEMONIC_CALL && op0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            out->kind = MW_KIND_CALL_REL;
            out->rel = op0->imm.value.s;
        } else if (zi->mnemonic == ZYDIS_MNEMONIC_CALL && op0->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            out->kind = MW_KIND_CALL_REG;
            out->reg = (int8_t)mw_gpr_number(op0->reg.value);
        } else {
            return mw_unsupported(out, "branch without a memory operand");
        }
        out->stack_size = (uint8_t)mw_branch_width(zi); /* 8, or 2 on AMD with 0x66 */
        return 0;
    case ZYDIS_MNEMONIC_RET:
        out->kind = MW_KIND_RET;
        out->stack_size = (uint8_t)mw_branch_width(zi);
        if (zi->operand_count_visible && op0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            out->ret_imm = (uint16_t)op0->imm.value.u;
        return 0;
    default:
        return mw_unsupported(out, "control transfer");
    }
}

/* The instruction's bytes without segment overrides (the handler applies
 * the segment base itself), and the fs/gs override if there is one. */
static void mw_copy_without_segments(const uint8_t *code, const ZydisDecodedInstruction *zi, struct mw_insn *out,
                                     uint8_t *seg)
{
    out->code_len = 0;
    for (unsigned i = 0; i < zi->length; i++) {
        uint8_t b = code[i];
        int prefix_zone = i < zi->raw.prefix_count;
        if (prefix_zone && (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65))
            continue;
        out->code[out->code_len++] = b;
    }
    for (unsigned i = 0; i < zi->raw.prefix_count; i++) {
        uint8_t b = zi->raw.prefixes[i].value;
        if (b == 0x64)
            *seg = MW_SEG_FS;
        else if (b == 0x65)
            *seg = MW_SEG_GS;
    }
}

static int mw_classify_string(const uint8_t *code, const ZydisDecodedInstruction *zi, uint8_t op,
                              struct mw_insn *out)
{
    out->kind = MW_KIND_STRING;
    out->str_addr32 = zi->address_width == 32;
    out->str_op = op;
    out->str_elem = (uint8_t)(zi->operand_width / 8);
    if (zi->attributes & ZYDIS_ATTRIB_HAS_REPNE)
        out->str_rep = MW_REP_REPNE;
    else if (zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        out->str_rep = MW_REP_REP;
    /* Keep every byte but segment overrides: the source segment is applied by
     * the handler when it rebases rsi (fs/gs sources), flat otherwise. */
    mw_copy_without_segments(code, zi, out, &out->mem.seg);
    return 0;
}

/* An operand addressed by one register, implicitly: maskmovq/maskmovdqu
 * ([rdi]) and clzero ([rax], aligned down to its cache line).  The register
 * itself is pointed at the memory, so the bytes run as they are. */
static int mw_classify_reg_addressed(const uint8_t *code, const ZydisDecodedInstruction *zi,
                                     const ZydisDecodedOperand *mem, struct mw_insn *out)
{
    if (zi->mnemonic == ZYDIS_MNEMONIC_CLZERO && zi->address_width == 32) {
        /* eax cannot point at the alias view: the line is zeroed by hand */
        out->mem2 = (struct mw_memop){.base = MW_RAX, .index = MW_REG_NONE, .write = 1, .bit_reg = MW_REG_NONE,
                                      .align = 64, .size = 64, .addr32 = 1};
        mw_copy_without_segments(code, zi, out, &out->mem2.seg);
        out->has_mem2 = 1;
        out->kind = MW_KIND_LINE32;
        return 0;
    }
    if (zi->address_width != 64)
        return mw_unsupported(out, "32-bit address register (the alias view is out of its reach)");
    if (zi->mnemonic == ZYDIS_MNEMONIC_CLZERO) {
        out->mem = (struct mw_memop){.base = MW_RAX, .index = MW_REG_NONE, .write = 1, .bit_reg = MW_REG_NONE,
                                     .align = 64, .size = 64};
    } else {
        int r = mem ? mw_gpr_number(mem->mem.base) : MW_REG_NONE;
        if (r < 0 || r >= MW_GPR_COUNT || r == MW_RSP || mem->mem.index != ZYDIS_REGISTER_NONE ||
            mem->mem.disp.has_displacement)
            return mw_unsupported(out, "implicit memory operand");
        mw_fill_memop(zi, mem, &out->mem);
        out->mem.seg = MW_SEG_FLAT;
    }
    out->kind = MW_KIND_MEM;
    out->has_mem = 1;
    out->scratch = out->mem.base;
    mw_copy_without_segments(code, zi, out, &out->mem.seg);
    return 0;
}

/* Gathers and scatters: the index register, its element size, the lanes
 * and the mask (vsib.c reads them from the XSAVE image). */
static int mw_fill_vsib(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
                        const ZydisDecodedOperand *mem, struct mw_insn *out)
{
    unsigned isz;
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_VGATHERDPS: case ZYDIS_MNEMONIC_VGATHERDPD: case ZYDIS_MNEMONIC_VPGATHERDD:
    case ZYDIS_MNEMONIC_VPGATHERDQ: case ZYDIS_MNEMONIC_VSCATTERDPS: case ZYDIS_MNEMONIC_VSCATTERDPD:
    case ZYDIS_MNEMONIC_VPSCATTERDD: case ZYDIS_MNEMONIC_VPSCATTERDQ:
        isz = 4;
        break;
    case ZYDIS_MNEMONIC_VGATHERQPS: case ZYDIS_MNEMONIC_VGATHERQPD: case ZYDIS_MNEMONIC_VPGATHERQD:
    case ZYDIS_MNEMONIC_VPGATHERQQ: case ZYDIS_MNEMONIC_VSCATTERQPS: case ZYDIS_MNEMONIC_VSCATTERQPD:
    case ZYDIS_MNEMONIC_VPSCATTERQD: case ZYDIS_MNEMONIC_VPSCATTERQQ:
        isz = 8;
        break;
    default:
        return -1; /* gather/scatter prefetches (AVX-512PF) and the like */
    }
    struct mw_vsib *v = &out->vsib;
    out->mem.scale = mem->mem.scale; /* the index is no general register: mw_fill_memop left it 0 */
    v->index = (int8_t)ZydisRegisterGetId(mem->mem.index);
    v->index_size = (uint8_t)isz;
    v->mask_k = -1;
    v->mask_vec = -1;
    unsigned ibytes = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, mem->mem.index) / 8;
    unsigned dbytes = 0;
    for (unsigned i = 0; i < zi->operand_count_visible; i++) {
        if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER)
            continue;
        ZydisRegisterClass c = ZydisRegisterGetClass(ops[i].reg.value);
        if (c != ZYDIS_REGCLASS_XMM && c != ZYDIS_REGCLASS_YMM && c != ZYDIS_REGCLASS_ZMM)
            continue;
        if (!dbytes)
            dbytes = ops[i].size / 8; /* the data: gather destination, scatter source */
        else
            v->mask_vec = (int8_t)ZydisRegisterGetId(ops[i].reg.value); /* VEX: the mask */
    }
    if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX)
        v->mask_k = (int8_t)ZydisRegisterGetId(zi->avx.mask.reg);
    unsigned elem = out->mem.size, il = ibytes / isz, dl = elem ? dbytes / elem : 0;
    v->lanes = (uint8_t)(il < dl ? il : dl);
    if (!v->lanes || (v->mask_k <= 0 && v->mask_vec < 0))
        return -1;
    out->has_vsib = 1;
    return 0;
}

/* An AMX tile load or store: its memory is rows of a tile, not one operand
 * (the index register is the stride), so it is not relocated; tile.c reads
 * the tile's shape from the frame and the instruction is single-stepped. */
static int mw_classify_tile(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
                            struct mw_insn *out)
{
    for (unsigned i = 0; i < zi->operand_count; i++) {
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            mw_fill_memop(zi, &ops[i], &out->mem);
            out->mem.scale = ops[i].mem.scale ? ops[i].mem.scale : 1;
            out->has_mem = 1;
        } else if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
            out->reg = (int8_t)ZydisRegisterGetId(ops[i].reg.value);
        }
    }
    if (!out->has_mem || out->reg < 0)
        return mw_unsupported(out, "a tile instruction without its operands");
    out->kind = MW_KIND_TILE;
    out->uses_fp = 1;
    return 0;
}

static int mw_decode_avoiding(const uint8_t *code, unsigned n, uint64_t rip, uint16_t avoid, struct mw_insn *out);

int mw_decode(const uint8_t *code, unsigned n, uint64_t rip, struct mw_insn *out)
{
    return mw_decode_avoiding(code, n, rip, 0, out);
}

int mw_decode_scratch_not(const uint8_t *code, unsigned n, uint64_t rip, int reg, struct mw_insn *out)
{
    return mw_decode_avoiding(code, n, rip, (uint16_t)(1u << reg), out);
}

static int mw_decode_avoiding(const uint8_t *code, unsigned n, uint64_t rip, uint16_t avoid, struct mw_insn *out)
{
    ZydisDecoder decoder;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    (void)rip;
    memset(out, 0, sizeof *out);
    out->scratch = MW_REG_NONE;
    out->rsp_sub = MW_REG_NONE;
    out->reg = MW_REG_NONE;
    out->mem.bit_reg = MW_REG_NONE;
    out->addr_reg2 = MW_REG_NONE;
    if (mw_decoder_init(&decoder) != 0)
        return -1;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code, n, &zi, ops)))
        return -1;
    out->len = zi.length;

    int explicit_mem = -1, hidden_mem = 0, hidden_idx = -1, high8 = 0, vsib = 0;
    for (unsigned i = 0; i < zi.operand_count; i++) {
        const ZydisDecodedOperand *op = &ops[i];
        if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            int g = mw_gpr_number(op->reg.value);
            if (g >= 0 && g < MW_GPR_COUNT)
                out->regs_used |= (uint16_t)(1u << g);
            high8 |= mw_is_high8(op->reg.value);
            out->uses_fp |= (uint8_t)mw_reg_needs_fp(op->reg.value);
        } else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            int b = mw_gpr_number(op->mem.base), x = mw_gpr_number(op->mem.index);
            if (b >= 0 && b < MW_GPR_COUNT)
                out->regs_used |= (uint16_t)(1u << b);
            if (x >= 0 && x < MW_GPR_COUNT)
                out->regs_used |= (uint16_t)(1u << x);
            if (op->mem.type == ZYDIS_MEMOP_TYPE_VSIB)
                vsib = 1;
            if (op->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
                hidden_mem++;
                hidden_idx = (int)i;
            }
            else if (explicit_mem < 0)
                explicit_mem = (int)i;
            else
                return mw_unsupported(out, "two explicit memory operands");
        }
    }
    if (!mw_isa_is_integer(zi.meta.isa_ext) || mw_is_xsave_family(zi.mnemonic))
        out->uses_fp = 1;

    if (zi.mnemonic == ZYDIS_MNEMONIC_TILELOADD || zi.mnemonic == ZYDIS_MNEMONIC_TILELOADDT1 ||
        zi.mnemonic == ZYDIS_MNEMONIC_TILESTORED)
        return mw_classify_tile(&zi, ops, out);
    uint8_t str_op;
    if (zi.meta.category == ZYDIS_CATEGORY_STRINGOP && mw_string_op(zi.mnemonic, &str_op))
        return mw_classify_string(code, &zi, str_op, out);
    if (zi.meta.category == ZYDIS_CATEGORY_PUSH || zi.meta.category == ZYDIS_CATEGORY_POP)
        return mw_classify_stack(&zi, ops, out);
    if (zi.meta.category == ZYDIS_CATEGORY_CALL || zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
        zi.meta.category == ZYDIS_CATEGORY_RET)
        return mw_classify_branch(&zi, ops, out);
    if (zi.mnemonic == ZYDIS_MNEMONIC_ENTER) {
        out->kind = MW_KIND_ENTER;
        out->stack_size = (uint8_t)(zi.operand_width / 8); /* 8, or 2 with 0x66 */
        out->imm = (int64_t)ops[0].imm.value.u;            /* frame size */
        out->ret_imm = (uint16_t)(ops[1].imm.value.u & 31); /* nesting level */
        return 0;
    }
    if (zi.mnemonic == ZYDIS_MNEMONIC_LEAVE) {
        out->kind = MW_KIND_LEAVE;
        out->stack_size = (uint8_t)(zi.operand_width / 8); /* 8, or 2 with 0x66 */
        return 0;
    }
    if (zi.mnemonic == ZYDIS_MNEMONIC_XLAT) {
        /* [rbx + al]: the hidden operand carries the segment and 0x67 */
        for (unsigned i = 0; i < zi.operand_count; i++)
            if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
                mw_fill_memop(&zi, &ops[i], &out->mem);
        out->has_mem = 1;
        out->kind = MW_KIND_XLAT;
        return 0;
    }
    if (zi.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)
        return mw_unsupported(out, "privileged instruction");
    if (explicit_mem < 0 && (hidden_mem == 1 || zi.mnemonic == ZYDIS_MNEMONIC_CLZERO))
        return mw_classify_reg_addressed(code, &zi, hidden_mem ? &ops[hidden_idx] : NULL, out);
    if (explicit_mem < 0)
        return mw_unsupported(out, "no explicit memory operand");
    const ZydisDecodedOperand *mem = &ops[explicit_mem];
    if (mem->mem.type != ZYDIS_MEMOP_TYPE_MEM && mem->mem.type != ZYDIS_MEMOP_TYPE_VSIB)
        return mw_unsupported(out, "address-generation or MIB operand");
    if (hidden_mem) {
        /* movdir64b: the destination's address is a register the
         * instruction names; it is pointed at the memory as the string
         * instructions' rdi is (mem.c) */
        const ZydisDecodedOperand *h = &ops[hidden_idx];
        int r = mw_gpr_number(h->mem.base);
        if (hidden_mem > 1 || r < 0 || r >= MW_GPR_COUNT || h->mem.index != ZYDIS_REGISTER_NONE ||
            h->mem.disp.has_displacement)
            return mw_unsupported(out, "implicit memory operand beside the explicit one");
        mw_fill_memop(&zi, h, &out->mem2);
        out->mem2.seg = MW_SEG_FLAT; /* es: no override */
        out->addr_reg2 = (int8_t)r;  /* rsp: its stand-in, chosen below */
        out->has_mem2 = 1;
        if (zi.address_width != 64) {
            /* a 32-bit register cannot point at the alias view: by hand */
            mw_fill_memop(&zi, mem, &out->mem);
            out->has_mem = 1;
            out->kind = MW_KIND_LINE32;
            return 0;
        }
    }
    switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_LFS: case ZYDIS_MNEMONIC_LGS: case ZYDIS_MNEMONIC_LSS:
        return mw_unsupported(out, "far pointer load");
    case ZYDIS_MNEMONIC_MOV:
        /* Storing a selector runs as it is (the handler's selectors are the
         * program's); loading one would change the executor's segments. */
        for (unsigned i = 0; i < zi.operand_count_visible; i++)
            if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
                ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_SEGMENT &&
                (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
                return mw_unsupported(out, "segment register load");
        break;
    default:
        break;
    }
    out->kind = MW_KIND_MEM;
    out->has_mem = 1;
    mw_fill_memop(&zi, mem, &out->mem);
    if (vsib) {
        if (zi.address_width != 64)
            return mw_unsupported(out, "gather/scatter with 32-bit addressing");
        if (mw_fill_vsib(&zi, ops, mem, out) != 0)
            return mw_unsupported(out, "gather/scatter without lanes the engine can read");
    }
    if (mw_is_bit_test(zi.mnemonic) && zi.operand_count_visible > 1 &&
        ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
        out->mem.bit_reg = (int8_t)mw_gpr_number(ops[1].reg.value);
    /* rsp named as a register operand: it must be encoded in ModRM.reg, where
     * a low register can stand in for it (see exec.c: rsp stays ours). */
    out->rsp_sub = MW_REG_NONE;
    for (unsigned i = 0; i < zi.operand_count; i++) {
        if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER || mw_gpr_number(ops[i].reg.value) != MW_RSP)
            continue;
        if (ops[i].visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT ||
            ops[i].encoding != ZYDIS_OPERAND_ENCODING_MODRM_REG)
            return mw_unsupported(out, "rsp used other than as the ModRM.reg operand");
        out->rsp_sub = MW_REG_NONE - 1; /* decided below */
    }
    int has_rex = (zi.attributes & ZYDIS_ATTRIB_HAS_REX) != 0;
    int legacy = zi.encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY || zi.encoding == ZYDIS_INSTRUCTION_ENCODING_3DNOW;
    /* A high-byte register forbids adding a REX prefix; a present REX or a
     * VEX/EVEX prefix carries the B bit already. */
    int allow_high = !(legacy && !has_rex && high8);
    out->scratch = (int8_t)mw_pick_scratch(out->regs_used | avoid, allow_high);
    if (out->scratch == MW_REG_NONE)
        return mw_unsupported(out, "no free scratch register");
    if (out->rsp_sub != MW_REG_NONE) {
        out->rsp_sub = (int8_t)mw_pick_scratch(out->regs_used | (uint16_t)(1u << out->scratch), 0);
        if (out->rsp_sub == MW_REG_NONE)
            return mw_unsupported(out, "no free register to stand in for rsp");
        if (out->has_mem2 && out->addr_reg2 == MW_RSP)
            out->addr_reg2 = out->rsp_sub; /* movdir64b rsp, [m]: the stand-in points at the line */
    }
    return mw_relocate(code, (const struct ZydisDecodedInstruction_ *)&zi, out->scratch, out->rsp_sub, out);
}
