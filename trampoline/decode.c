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
        size = mw_xstate_size();
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
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
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
        if (zi->operand_width != 64)
            return mw_unsupported(out, "16-bit branch");
        return 0;
    case ZYDIS_MNEMONIC_RET:
        if (zi->operand_width != 64)
            return mw_unsupported(out, "16-bit ret");
        out->kind = MW_KIND_RET;
        if (zi->operand_count_visible && op0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            out->ret_imm = (uint16_t)op0->imm.value.u;
        return 0;
    default:
        return mw_unsupported(out, "control transfer");
    }
}

static int mw_classify_string(const uint8_t *code, const ZydisDecodedInstruction *zi, uint8_t op,
                              struct mw_insn *out)
{
    if (zi->address_width != 64)
        return mw_unsupported(out, "string instruction with 32-bit addressing");
    out->kind = MW_KIND_STRING;
    out->str_op = op;
    out->str_elem = (uint8_t)(zi->operand_width / 8);
    if (zi->attributes & ZYDIS_ATTRIB_HAS_REPNE)
        out->str_rep = MW_REP_REPNE;
    else if (zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        out->str_rep = MW_REP_REP;
    /* Keep every byte but segment overrides: the source segment is applied by
     * the handler when it rebases rsi (fs/gs sources), flat otherwise. */
    out->code_len = 0;
    for (unsigned i = 0; i < zi->length; i++) {
        uint8_t b = code[i];
        int prefix_zone = i < (unsigned)(zi->length - 1);
        if (prefix_zone && (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65))
            continue;
        out->code[out->code_len++] = b;
    }
    for (unsigned i = 0; i < zi->raw.prefix_count; i++) {
        uint8_t b = zi->raw.prefixes[i].value;
        if (b == 0x64)
            out->mem.seg = MW_SEG_FS;
        else if (b == 0x65)
            out->mem.seg = MW_SEG_GS;
    }
    return 0;
}

int mw_decode(const uint8_t *code, unsigned n, uint64_t rip, struct mw_insn *out)
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
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
        return -1;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code, n, &zi, ops)))
        return -1;
    out->len = zi.length;

    int explicit_mem = -1, hidden_mem = 0, high8 = 0, vsib = 0;
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
            if (op->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN)
                hidden_mem++;
            else if (explicit_mem < 0)
                explicit_mem = (int)i;
            else
                return mw_unsupported(out, "two explicit memory operands");
        }
    }
    if (!mw_isa_is_integer(zi.meta.isa_ext) || mw_is_xsave_family(zi.mnemonic))
        out->uses_fp = 1;

    uint8_t str_op;
    if (zi.meta.category == ZYDIS_CATEGORY_STRINGOP && mw_string_op(zi.mnemonic, &str_op))
        return mw_classify_string(code, &zi, str_op, out);
    if (zi.meta.category == ZYDIS_CATEGORY_PUSH || zi.meta.category == ZYDIS_CATEGORY_POP)
        return mw_classify_stack(&zi, ops, out);
    if (zi.meta.category == ZYDIS_CATEGORY_CALL || zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
        zi.meta.category == ZYDIS_CATEGORY_RET)
        return mw_classify_branch(&zi, ops, out);
    if (zi.mnemonic == ZYDIS_MNEMONIC_LEAVE) {
        out->kind = zi.operand_width == 64 ? MW_KIND_LEAVE : MW_KIND_UNSUPPORTED;
        out->reason = "16-bit leave";
        return 0;
    }
    if (zi.mnemonic == ZYDIS_MNEMONIC_XLAT) {
        out->kind = zi.address_width == 64 ? MW_KIND_XLAT : MW_KIND_UNSUPPORTED;
        out->reason = "xlat with 32-bit addressing";
        return 0;
    }
    if (vsib)
        return mw_unsupported(out, "gather/scatter (vector index)");
    if (explicit_mem < 0)
        return mw_unsupported(out, "no explicit memory operand");
    if (hidden_mem)
        return mw_unsupported(out, "implicit memory operand beside the explicit one");
    const ZydisDecodedOperand *mem = &ops[explicit_mem];
    if (mem->mem.type != ZYDIS_MEMOP_TYPE_MEM)
        return mw_unsupported(out, "address-generation or MIB operand");
    switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_LFS: case ZYDIS_MNEMONIC_LGS: case ZYDIS_MNEMONIC_LSS:
        return mw_unsupported(out, "far pointer load");
    case ZYDIS_MNEMONIC_MOV:
        for (unsigned i = 0; i < zi.operand_count_visible; i++)
            if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
                ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_SEGMENT)
                return mw_unsupported(out, "segment register move");
        break;
    default:
        break;
    }
    if (zi.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)
        return mw_unsupported(out, "privileged instruction");
    out->kind = MW_KIND_MEM;
    out->has_mem = 1;
    mw_fill_memop(&zi, mem, &out->mem);
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
    out->scratch = (int8_t)mw_pick_scratch(out->regs_used, allow_high);
    if (out->scratch == MW_REG_NONE)
        return mw_unsupported(out, "no free scratch register");
    if (out->rsp_sub != MW_REG_NONE) {
        out->rsp_sub = (int8_t)mw_pick_scratch(out->regs_used | (uint16_t)(1u << out->scratch), 0);
        if (out->rsp_sub == MW_REG_NONE)
            return mw_unsupported(out, "no free register to stand in for rsp");
    }
    return mw_relocate(code, (const struct ZydisDecodedInstruction_ *)&zi, out->scratch, out->rsp_sub, out);
}
