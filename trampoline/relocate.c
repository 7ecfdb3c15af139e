/*
 * trampoline/relocate.c - re-encodes an instruction's memory operand as
 * [scratch].
 *
 * Why bytes and not the Zydis encoder: editing the ModRM byte and the B/X
 * bits of REX, VEX or EVEX keeps every other bit of the instruction exactly
 * as the program wrote it (operand size, masks, broadcast, rounding, lock),
 * whatever the instruction is; an encoder round trip may pick another form or
 * refuse rare ones.  What changes:
 *   - segment overrides and 0x67 go: the handler computes the full effective
 *     address (fs/gs base and 32-bit wrap included) into scratch;
 *   - ModRM becomes mod=00 reg=unchanged rm=scratch; SIB and displacement go
 *     (so RIP-relative forms lose their dependence on where they run);
 *   - REX.X / VEX.X / EVEX.X say "no index", REX.B / VEX.B / EVEX.B carry the
 *     scratch register's high bit (a REX is added, or a 2-byte VEX widened to
 *     3 bytes, when the scratch register is r8..r15);
 *   - rsp as a register operand is renamed to a free low register (the
 *     executor's own rsp must stay on the handler stack);
 *   - immediates and everything after the displacement are kept.
 * Two shapes differ:
 *   - a vector index (gathers, scatters) stays: ModRM says SIB, the SIB keeps
 *     scale and index and names scratch as its base, X (and EVEX.V') stay;
 *   - mov between the accumulator and a 64-bit absolute address (A0-A3, no
 *     ModRM) becomes the ModRM form of the same move (8A/8B/88/89) on
 *     [scratch].
 * The result is decoded again and checked before it is ever run.
 */
#include <Zydis/Zydis.h>
#include <string.h>

#include "trampoline/decode.h"

static int mw_is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0xf0: case 0xf2: case 0xf3: case 0x2e: case 0x36: case 0x3e: case 0x26:
    case 0x64: case 0x65: case 0x66: case 0x67:
        return 1;
    default:
        return 0;
    }
}

static int mw_is_dropped_prefix(uint8_t b)
{
    return b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 || b == 0x67;
}

static int mw_fail(struct mw_insn *out, const char *why)
{
    out->kind = MW_KIND_UNSUPPORTED;
    out->reason = why;
    return 0;
}

/* Re-decodes the new bytes: same mnemonic and length class, operand [scratch]
 * (plus the original vector index for a gather or scatter). */
static int mw_verify(const struct mw_insn *out, const ZydisDecodedInstruction *orig, int scratch,
                     ZydisRegister vindex)
{
    ZydisDecoder d;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, out->code, out->code_len, &zi, ops)))
        return -1;
    if (zi.mnemonic != orig->mnemonic || zi.length != out->code_len || zi.operand_width != orig->operand_width)
        return -1;
    for (unsigned i = 0; i < zi.operand_count_visible; i++) {
        if (ops[i].type != ZYDIS_OPERAND_TYPE_MEMORY)
            continue;
        if (ops[i].mem.base != (ZydisRegister)(ZYDIS_REGISTER_RAX + scratch) || ops[i].mem.index != vindex ||
            (ops[i].mem.disp.has_displacement && ops[i].mem.disp.value != 0))
            return -1;
        return 0;
    }
    return -1;
}

int mw_relocate(const uint8_t *code, const struct ZydisDecodedInstruction_ *zin, int scratch, int rsp_sub,
                struct mw_insn *out)
{
    const ZydisDecodedInstruction *zi = (const ZydisDecodedInstruction *)zin;
    unsigned len = zi->length, i = 0, o = 0;
    uint8_t *dst = out->code;
    int hi = scratch >> 3;

    if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_XOP || zi->encoding == ZYDIS_INSTRUCTION_ENCODING_MVEX)
        return mw_fail(out, "XOP/MVEX encoding");
    int moffs = zi->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY && zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
                zi->opcode >= 0xa0 && zi->opcode <= 0xa3;
    if (!moffs && (!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) || zi->raw.modrm.mod == 3))
        return mw_fail(out, "memory operand without ModRM");
    int vsib = out->has_vsib;
    ZydisRegister vindex = ZYDIS_REGISTER_NONE;
    if (vsib) {
        ZydisDecoder d;
        ZydisDecodedInstruction z2;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, code, len, &z2, ops)))
            return mw_fail(out, "re-encoding did not verify");
        for (unsigned k = 0; k < z2.operand_count_visible; k++)
            if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY)
                vindex = ops[k].mem.index;
    }
    /* ~X as the encoding has it: kept for a vector index, else "no index" */
    uint8_t keep_x = 0x40;

    /* 1. Legacy prefixes (kept in order, minus segment and address size) and
     *    REX bytes; only a REX right before the opcode counts. */
    int rex = -1;
    for (; i < len; i++) {
        uint8_t b = code[i];
        if (mw_is_legacy_prefix(b)) {
            rex = -1; /* a REX before a legacy prefix is ignored by the CPU */
            if (!mw_is_dropped_prefix(b))
                dst[o++] = b;
        } else if ((b & 0xf0) == 0x40 && zi->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY) {
            rex = b;
        } else if ((b & 0xf0) == 0x40 && zi->encoding == ZYDIS_INSTRUCTION_ENCODING_3DNOW) {
            rex = b;
        } else {
            break;
        }
    }

    /* 2. REX / VEX / EVEX, then the opcode bytes up to ModRM. */
    unsigned modrm_at = zi->raw.modrm.offset;
    if (moffs) {
        /* REX.R must go too: A0-A3 name the accumulator whatever it says */
        if (rex >= 0)
            dst[o++] = (uint8_t)((rex & ~0x07) | hi);
        else if (hi)
            dst[o++] = 0x41;
        static const uint8_t modrm_form[4] = {0x8a, 0x8b, 0x88, 0x89};
        dst[o++] = modrm_form[zi->opcode - 0xa0];
        dst[o++] = (uint8_t)(scratch & 7); /* mod=00, reg=accumulator, rm=scratch */
        out->code_len = (uint8_t)o;
        if (mw_verify(out, zi, scratch, ZYDIS_REGISTER_NONE) != 0)
            return mw_fail(out, "re-encoding did not verify");
        return 0;
    }
    if (vsib)
        keep_x = (uint8_t)(code[i + 1] & 0x40);
    if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY || zi->encoding == ZYDIS_INSTRUCTION_ENCODING_3DNOW) {
        if (rex >= 0)
            dst[o++] = (uint8_t)((rex & ~0x03) | hi);
        else if (hi)
            dst[o++] = 0x41;
        memcpy(dst + o, code + i, modrm_at - i);
        o += modrm_at - i;
    } else if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX) {
        if (code[i] == 0xc5) {
            if (!hi) {
                memcpy(dst + o, code + i, modrm_at - i);
                o += modrm_at - i;
            } else {
                /* C5 [R' vvvv L pp] -> C4 [R' X' B' 00001] [W=0 vvvv L pp] */
                uint8_t b1 = code[i + 1];
                dst[o++] = 0xc4;
                dst[o++] = (uint8_t)((b1 & 0x80) | 0x40 | 0x01); /* ~X=1, ~B=0 (B=1), map 0F */
                dst[o++] = (uint8_t)(b1 & 0x7f);
                memcpy(dst + o, code + i + 2, modrm_at - (i + 2));
                o += modrm_at - (i + 2);
            }
        } else { /* C4 */
            memcpy(dst + o, code + i, modrm_at - i);
            dst[o + 1] = (uint8_t)((dst[o + 1] & 0x9f) | keep_x | (hi ? 0 : 0x20));
            o += modrm_at - i;
        }
    } else if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX) {
        memcpy(dst + o, code + i, modrm_at - i);
        dst[o + 1] = (uint8_t)((dst[o + 1] & 0x9f) | keep_x | (hi ? 0 : 0x20));
        o += modrm_at - i;
    } else {
        return mw_fail(out, "unknown encoding");
    }

    /* 3. ModRM: mod=00, reg kept (or rsp's stand-in, a low register, so
     *    REX.R stays as it was: 0 for rsp), rm=scratch. */
    uint8_t reg_field = code[modrm_at] & 0x38;
    if (rsp_sub >= 0)
        reg_field = (uint8_t)((rsp_sub & 7) << 3);
    if (vsib) {
        dst[o++] = (uint8_t)(reg_field | 4);                                /* mod=00 rm=100: SIB */
        dst[o++] = (uint8_t)((code[modrm_at + 1] & 0xf8) | (scratch & 7)); /* scale, index; base=scratch */
    } else {
        dst[o++] = (uint8_t)(reg_field | (scratch & 7));
    }

    /* 4. Skip SIB and displacement, keep the rest (immediates). */
    unsigned rest = modrm_at + 1;
    if (zi->raw.modrm.rm == 4)
        rest++;
    if (zi->raw.disp.size)
        rest = zi->raw.disp.offset + zi->raw.disp.size / 8;
    if (rest > len || o + (len - rest) > MW_CODE_MAX)
        return mw_fail(out, "re-encoded instruction too long");
    memcpy(dst + o, code + rest, len - rest);
    o += len - rest;
    out->code_len = (uint8_t)o;

    if (mw_verify(out, zi, scratch, vindex) != 0)
        return mw_fail(out, "re-encoding did not verify");
    return 0;
}
