/*
 * tools/disasm.c - the listing of a capture.  Every instruction is decoded
 * with ZydisDecoderDecodeFull and formatted with the Intel formatter at its
 * real runtime address (capture address + offset), so branch targets and
 * RIP-relative operands print as the addresses the code really used.  Bytes
 * that do not decode are listed one at a time as "(bad)" and decoding resumes
 * at the next byte; long zero runs (a page's unused tail) become one line.
 */
#include "tools/disasm.h"
#include "tools/util.h"

#include <Zydis/Zydis.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct mwt_zydis {
    bool ready;
    ZydisDecoder dec;
    ZydisFormatter fmt;
};

static struct mwt_zydis *mwt_zydis(void)
{
    static struct mwt_zydis z;
    if (!z.ready) {
        ZydisDecoderInit(&z.dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        ZydisFormatterInit(&z.fmt, ZYDIS_FORMATTER_STYLE_INTEL);
        /* Lower-case, unpadded hex ("mov eax, 0x1", "call 0x7f0000001000"),
         * like every other number the report prints. */
        ZydisFormatterSetProperty(&z.fmt, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
        ZydisFormatterSetProperty(&z.fmt, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED);
        ZydisFormatterSetProperty(&z.fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE,
                                  ZYDIS_PADDING_DISABLED);
        ZydisFormatterSetProperty(&z.fmt, ZYDIS_FORMATTER_PROP_DISP_PADDING, ZYDIS_PADDING_DISABLED);
        z.ready = true;
    }
    return &z;
}

static struct mwt_dline *mwt_listing_add(struct mwt_listing *l, enum mwt_dkind kind,
                                         uint64_t base, size_t off, size_t len)
{
    l->lines = mwt_grow(l->lines, &l->cap, l->n + 1, sizeof *l->lines);
    struct mwt_dline *d = &l->lines[l->n++];
    d->kind = kind;
    d->addr = base + off;
    d->off = off;
    d->len = len;
    d->key = 0;
    d->text[0] = '\0';
    return d;
}

static size_t mwt_zero_run(const unsigned char *p, size_t len)
{
    size_t n = 0;
    while (n < len && p[n] == 0)
        n++;
    return n;
}

/* One instruction or one (bad) byte at off; returns the bytes consumed. */
static size_t mwt_decode_one(struct mwt_listing *l, size_t len, uint64_t base, size_t off)
{
    struct mwt_zydis *z = mwt_zydis();
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&z->dec, l->bytes + off, len - off, &insn, ops))) {
        struct mwt_dline *d = mwt_listing_add(l, MWT_D_BAD, base, off, 1);
        strcpy(d->text, "(bad)");
        return 1;
    }
    struct mwt_dline *d = mwt_listing_add(l, MWT_D_INSN, base, off, insn.length);
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&z->fmt, &insn, ops, insn.operand_count_visible,
                                                      d->text, sizeof d->text, d->addr, NULL)))
        strcpy(d->text, "(unformattable)");
    return insn.length;
}

static int mwt_hex_digits(uint64_t v)
{
    int n = 1;
    while (v >>= 4)
        n++;
    return n;
}

void mwt_disasm(const unsigned char *bytes, size_t len, uint64_t addr, size_t limit,
                struct mwt_listing *out)
{
    memset(out, 0, sizeof *out);
    out->bytes = bytes;
    out->addr_width = mwt_hex_digits(addr + (len ? len - 1 : 0));
    out->hex_width = MWT_HEX_MIN_WIDTH;
    size_t off = 0;
    while (off < len) {
        size_t zeros = mwt_zero_run(bytes + off, len - off);
        if (zeros >= MWT_ZERO_RUN) {
            struct mwt_dline *d = mwt_listing_add(out, MWT_D_ZEROS, addr, off, zeros);
            snprintf(d->text, sizeof d->text, "... %zu zero bytes", zeros);
            off += zeros;
            continue;
        }
        if (limit && out->ninsn == limit) {
            out->rest = len - off;
            break;
        }
        size_t n = mwt_decode_one(out, len, addr, off);
        struct mwt_dline *d = &out->lines[out->n - 1];
        d->key = XXH3_64bits_withSeed(d->text, strlen(d->text), XXH3_64bits(bytes + off, n));
        if ((int)(3 * n - 1) > out->hex_width)
            out->hex_width = (int)(3 * n - 1);
        off += n;
        out->ninsn++;
    }
}

void mwt_listing_free(struct mwt_listing *l)
{
    free(l->lines);
    memset(l, 0, sizeof *l);
}

bool mwt_dline_same(const struct mwt_listing *a, size_t i, const struct mwt_listing *b, size_t j)
{
    const struct mwt_dline *x = &a->lines[i], *y = &b->lines[j];
    if (x->kind != y->kind || x->len != y->len || x->key != y->key)
        return false;
    if (x->kind == MWT_D_ZEROS)
        return true;
    return memcmp(a->bytes + x->off, b->bytes + y->off, x->len) == 0 && strcmp(x->text, y->text) == 0;
}

void mwt_dline_hex(const struct mwt_listing *l, const struct mwt_dline *d, char *out)
{
    if (d->kind == MWT_D_ZEROS)
        out[0] = '\0';
    else
        mwt_hexbytes(l->bytes + d->off, d->len > 15 ? 15 : d->len, out);
}

void mwt_dline_print(FILE *f, const char *prefix, const struct mwt_listing *l,
                     const struct mwt_dline *d)
{
    char hex[48];
    if (d->kind == MWT_D_ZEROS) {
        fprintf(f, "%s... %zu zero bytes\n", prefix, d->len);
        return;
    }
    mwt_dline_hex(l, d, hex);
    fprintf(f, "%s0x%0*" PRIx64 "  %-*s %s\n", prefix, l->addr_width, d->addr, l->hex_width, hex,
            d->text);
}
