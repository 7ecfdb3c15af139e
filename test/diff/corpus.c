/*
 * test/diff/corpus.c - the corpus of instruction forms that touch memory.
 *
 *   corpus [-s] [-o FILE] [LIBRARY...]
 *
 * Decodes every executable section of each library (linear sweep, Zydis) and,
 * with -s, a synthesized sweep of every opcode of the legacy, VEX and EVEX
 * maps with memory operands, and keeps one instance of each distinct form
 * that reads or writes memory through an explicit or an implicit operand.
 *
 * A form is what the relocation engine can tell apart, with register numbers,
 * displacement values and immediate values normalised away:
 *   - mnemonic, encoding (legacy, VEX, EVEX), opcode map and opcode;
 *   - prefixes: lock, rep/repe/repne, operand size, address size, the fs/gs
 *     segment; REX.W / VEX.W / EVEX.W, vector length;
 *   - EVEX: masked or not, zeroing, broadcast, rounding/SAE;
 *   - each operand (explicit and hidden): kind, size, register class (plus
 *     "high byte register" and "explicit rsp" marks, which change how
 *     relocation renames registers), read/write;
 *   - for memory operands, the addressing shape: base (none, rip, a register
 *     ModRM can name, rsp/r12 which need a SIB byte), index (none, general
 *     register, xmm/ymm/zmm vector index), displacement width (none, 8, 32),
 *     and whether an address register needs an extension bit (REX/VEX/EVEX
 *     .B/.X, EVEX.V'), the bits relocation rewrites;
 *   - immediate widths.
 * Instances keep their real bytes (the runner rewrites only what placement
 * needs: rip-relative displacements, branch targets).
 *
 * Skipped: privileged and system instructions (I/O, virtualisation, segment
 * and descriptor-table loads, CET, MPX, SGX...), conditional and far control
 * flow, direct branches without a memory access, operand-size-prefixed near
 * branches (Intel and AMD disagree on them), address generation (lea),
 * no-ops and prefetches (they never fault), and every instruction whose ISA
 * set this CPU lacks (CPUID).
 *
 * Output: one line per form, "HEX<TAB>SOURCE<TAB>KEY", in the order found.
 */
#define _GNU_SOURCE
#include <Zydis/Zydis.h>
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu.h"

/* --- the set of forms (open addressing on a 64-bit hash of the key) ------- */

struct form {
    uint64_t hash;
    char *key;
    uint8_t bytes[15];
    uint8_t len;
    char src[48];
};

static struct form *forms;
static size_t nforms, capforms;
static size_t *slots;
static size_t nslots;
static size_t seen_lib, seen_synth, kept_lib, kept_synth;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static int add_form(const char *key, const uint8_t *b, unsigned len, const char *src)
{
    if (nforms * 2 >= nslots) {
        size_t n = nslots ? nslots * 2 : 1 << 16;
        size_t *s = calloc(n, sizeof *s);
        for (size_t i = 0; i < nforms; i++) {
            size_t j = forms[i].hash & (n - 1);
            while (s[j])
                j = (j + 1) & (n - 1);
            s[j] = i + 1;
        }
        free(slots);
        slots = s;
        nslots = n;
    }
    uint64_t h = fnv(key);
    size_t j = h & (nslots - 1);
    while (slots[j]) {
        struct form *f = &forms[slots[j] - 1];
        if (f->hash == h && strcmp(f->key, key) == 0)
            return 0;
        j = (j + 1) & (nslots - 1);
    }
    if (nforms == capforms) {
        capforms = capforms ? capforms * 2 : 4096;
        forms = realloc(forms, capforms * sizeof *forms);
    }
    struct form *f = &forms[nforms++];
    f->hash = h;
    f->key = strdup(key);
    memcpy(f->bytes, b, len);
    f->len = (uint8_t)len;
    snprintf(f->src, sizeof f->src, "%s", src);
    slots[j] = nforms;
    return 1;
}

/* --- which instructions are kept ------------------------------------------ */

static int is_gpr(ZydisRegister r)
{
    ZydisRegisterClass c = ZydisRegisterGetClass(r);
    return c == ZYDIS_REGCLASS_GPR8 || c == ZYDIS_REGCLASS_GPR16 || c == ZYDIS_REGCLASS_GPR32 ||
           c == ZYDIS_REGCLASS_GPR64;
}

static int gpr_num(ZydisRegister r)
{
    ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
    return big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15 ? (int)(big - ZYDIS_REGISTER_RAX) : -1;
}

static int accesses_memory(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
    if (zi->mnemonic == ZYDIS_MNEMONIC_CLZERO)
        return 1;
    for (unsigned i = 0; i < zi->operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
            (ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM || ops[i].mem.type == ZYDIS_MEMOP_TYPE_VSIB))
            return 1;
    return 0;
}

/* NULL to keep the instruction, else why not. */
static const char *skip_reason(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
    if (!accesses_memory(zi, ops))
        return "no memory access";
    if (zi->attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)
        return "privileged";
    switch (zi->meta.category) {
    case ZYDIS_CATEGORY_SYSTEM: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_IO: case ZYDIS_CATEGORY_IOSTRINGOP:
    case ZYDIS_CATEGORY_VTX: case ZYDIS_CATEGORY_SGX: case ZYDIS_CATEGORY_PT: case ZYDIS_CATEGORY_UINTR:
    case ZYDIS_CATEGORY_KEYLOCKER: case ZYDIS_CATEGORY_KEYLOCKER_WIDE: case ZYDIS_CATEGORY_AMX_TILE:
    case ZYDIS_CATEGORY_CET: case ZYDIS_CATEGORY_ENQCMD: case ZYDIS_CATEGORY_MPX: case ZYDIS_CATEGORY_PCONFIG:
    case ZYDIS_CATEGORY_HRESET: case ZYDIS_CATEGORY_WAITPKG: case ZYDIS_CATEGORY_PADLOCK:
    case ZYDIS_CATEGORY_KNC: case ZYDIS_CATEGORY_KNCMASK: case ZYDIS_CATEGORY_KNCSCALAR:
    case ZYDIS_CATEGORY_TSX_LDTRK: case ZYDIS_CATEGORY_SMAP: case ZYDIS_CATEGORY_LEGACY:
        return "system instruction";
    case ZYDIS_CATEGORY_NOP: case ZYDIS_CATEGORY_WIDENOP: case ZYDIS_CATEGORY_PREFETCH:
    case ZYDIS_CATEGORY_PREFETCHWT1:
        return "never accesses memory";
    case ZYDIS_CATEGORY_COND_BR:
        return "conditional branch";
    default:
        break;
    }
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_LEA:
        return "address generation";
    case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
        return "undefined instruction";
    case ZYDIS_MNEMONIC_LFS: case ZYDIS_MNEMONIC_LGS: case ZYDIS_MNEMONIC_LSS:
    case ZYDIS_MNEMONIC_XSAVES: case ZYDIS_MNEMONIC_XSAVES64: case ZYDIS_MNEMONIC_XRSTORS:
    case ZYDIS_MNEMONIC_XRSTORS64: case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_IRETQ: case ZYDIS_MNEMONIC_MONITOR: case ZYDIS_MNEMONIC_MONITORX:
    case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT1: case ZYDIS_MNEMONIC_INT3: case ZYDIS_MNEMONIC_INTO:
        return "system instruction";
    default:
        break;
    }
    /* A segment register loaded from memory or the stack would break TLS. */
    for (unsigned i = 0; i < zi->operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
            ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_SEGMENT &&
            (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
            return "segment register load";
    if (zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return "far control transfer";
    if (zi->meta.category == ZYDIS_CATEGORY_CALL || zi->meta.category == ZYDIS_CATEGORY_RET ||
        zi->meta.category == ZYDIS_CATEGORY_UNCOND_BR) {
        if (zi->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE)
            return "operand-size-prefixed near branch (vendor-specific)";
        if (zi->meta.category == ZYDIS_CATEGORY_UNCOND_BR && ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY)
            return "direct branch without memory access";
    }
    if (!dt_cpu_has_isa_set(zi->meta.isa_set))
        return "CPU lacks the ISA set";
    return NULL;
}

/* --- the form key ----------------------------------------------------------- */

struct buf {
    char *p;
    size_t n, len;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->len = b->len + (size_t)k < b->n ? b->len + (size_t)k : b->n - 1;
}

static const char *reg_class_name(ZydisRegister r)
{
    switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR8: return "g8";
    case ZYDIS_REGCLASS_GPR16: return "g16";
    case ZYDIS_REGCLASS_GPR32: return "g32";
    case ZYDIS_REGCLASS_GPR64: return "g64";
    case ZYDIS_REGCLASS_X87: return "st";
    case ZYDIS_REGCLASS_MMX: return "mm";
    case ZYDIS_REGCLASS_XMM: return "xmm";
    case ZYDIS_REGCLASS_YMM: return "ymm";
    case ZYDIS_REGCLASS_ZMM: return "zmm";
    case ZYDIS_REGCLASS_MASK: return "k";
    case ZYDIS_REGCLASS_FLAGS: return "fl";
    case ZYDIS_REGCLASS_IP: return "ip";
    case ZYDIS_REGCLASS_SEGMENT: return "seg";
    default: return ZydisRegisterGetString(r);
    }
}

/* Base kinds the encoding tells apart: none (SIB without base, or absolute),
 * rip, a register that ModRM.rm can name directly, and rsp/r12, which always
 * need a SIB byte. */
static const char *base_kind(ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_NONE)
        return "none";
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return "rip";
    return (gpr_num(r) & 7) == 4 ? "sp" : "reg";
}

static void index_kind(struct buf *b, ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_NONE) {
        put(b, "none");
        return;
    }
    if (is_gpr(r)) {
        put(b, "reg");
        return;
    }
    ZydisRegisterClass c = ZydisRegisterGetClass(r);
    put(b, "%s", c == ZYDIS_REGCLASS_XMM ? "vx" : c == ZYDIS_REGCLASS_YMM ? "vy" : "vz");
}

/* Does the memory operand name a register that needs an extension bit
 * (REX/VEX/EVEX .B or .X, EVEX .V' for a vector index)?  Relocation rewrites
 * exactly those bits. */
static int mem_extended(const ZydisDecodedOperand *o)
{
    if (o->mem.base != ZYDIS_REGISTER_NONE && gpr_num(o->mem.base) >= 8)
        return 1;
    if (o->mem.index == ZYDIS_REGISTER_NONE)
        return 0;
    return is_gpr(o->mem.index) ? gpr_num(o->mem.index) >= 8 : ZydisRegisterGetId(o->mem.index) >= 8;
}

static void form_key(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops, char *out, size_t n)
{
    struct buf b = {out, n, 0};
    out[0] = 0;
    static const char *enc[] = {"leg", "3dn", "xop", "vex", "evex", "mvex"};
    put(&b, "%s %s m%d o%02x", ZydisMnemonicGetString(zi->mnemonic), enc[zi->encoding], zi->opcode_map, zi->opcode);
    uint64_t a = zi->attributes;
    if (a & ZYDIS_ATTRIB_HAS_LOCK) put(&b, " lock");
    if (a & ZYDIS_ATTRIB_HAS_REP) put(&b, " rep");
    if (a & ZYDIS_ATTRIB_HAS_REPE) put(&b, " repe");
    if (a & ZYDIS_ATTRIB_HAS_REPNE) put(&b, " repne");
    if (a & ZYDIS_ATTRIB_HAS_OPERANDSIZE) put(&b, " o16");
    if (a & ZYDIS_ATTRIB_HAS_ADDRESSSIZE) put(&b, " a32");
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS) put(&b, " fs");
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS) put(&b, " gs");
    switch (zi->encoding) {
    case ZYDIS_INSTRUCTION_ENCODING_LEGACY:
    case ZYDIS_INSTRUCTION_ENCODING_3DNOW:
        if ((a & ZYDIS_ATTRIB_HAS_REX) && zi->raw.rex.W)
            put(&b, " rexw");
        break;
    case ZYDIS_INSTRUCTION_ENCODING_VEX:
        put(&b, " W%d L%d", zi->raw.vex.W, zi->raw.vex.L);
        break;
    case ZYDIS_INSTRUCTION_ENCODING_EVEX:
        put(&b, " W%d L%d", zi->raw.evex.W, zi->raw.evex.L * 2 + zi->raw.evex.L2);
        if (zi->avx.mask.reg != ZYDIS_REGISTER_NONE && zi->avx.mask.reg != ZYDIS_REGISTER_K0)
            put(&b, " k%s", zi->avx.mask.mode == ZYDIS_MASK_MODE_ZEROING ? "z" : "m");
        if (zi->avx.broadcast.mode) put(&b, " bc%d", zi->avx.broadcast.mode);
        if (zi->avx.rounding.mode) put(&b, " rc");
        if (zi->avx.has_sae) put(&b, " sae");
        break;
    default:
        break;
    }
    put(&b, " |");
    for (unsigned i = 0; i < zi->operand_count; i++) {
        const ZydisDecodedOperand *o = &ops[i];
        const char vis = o->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT ? 'e'
                       : o->visibility == ZYDIS_OPERAND_VISIBILITY_IMPLICIT ? 'i' : 'h';
        put(&b, " %c", vis);
        if (o->actions & ZYDIS_OPERAND_ACTION_MASK_READ) put(&b, "r");
        if (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) put(&b, "w");
        switch (o->type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            put(&b, ":%s%d", reg_class_name(o->reg.value), o->size);
            if (o->reg.value >= ZYDIS_REGISTER_AH && o->reg.value <= ZYDIS_REGISTER_BH)
                put(&b, "h8");
            if (gpr_num(o->reg.value) == 4 && o->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
                put(&b, "sp");
            if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN)
                put(&b, "=%s", ZydisRegisterGetString(o->reg.value));
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            put(&b, ":m%d/%d/", o->size, o->mem.type);
            put(&b, "%s+", base_kind(o->mem.base));
            index_kind(&b, o->mem.index);
            if (o->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN)
                put(&b, "+d%d%s", zi->raw.disp.size, mem_extended(o) ? "+x" : "");
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            put(&b, ":i%d", o->size);
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            put(&b, ":p");
            break;
        default:
            break;
        }
    }
}

/* --- one instruction --------------------------------------------------------- */

static ZydisDecoder decoder;

/* Decodes b and keeps it if it is a new form.  Returns the decoded length, 0
 * if undecodable. */
static unsigned consider(const uint8_t *b, size_t avail, const char *src, int synth)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, b, avail, &zi, ops)))
        return 0;
    if (skip_reason(&zi, ops))
        return zi.length;
    char key[1024];
    form_key(&zi, ops, key, sizeof key);
    if (synth)
        seen_synth++;
    else
        seen_lib++;
    if (add_form(key, b, zi.length, src)) {
        if (synth)
            kept_synth++;
        else
            kept_lib++;
    }
    return zi.length;
}

/* --- libraries: every executable section, linear sweep ---------------------- */

static int scan_library(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    struct stat st;
    fstat(fd, &st);
    const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if ((size_t)st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
        fprintf(stderr, "%s: not an x86-64 ELF file\n", path);
        munmap((void *)m, (size_t)st.st_size);
        return -1;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    size_t before = kept_lib;
    for (unsigned s = 0; s < eh->e_shnum; s++) {
        if (sh[s].sh_type != SHT_PROGBITS || !(sh[s].sh_flags & SHF_EXECINSTR))
            continue;
        const uint8_t *code = m + sh[s].sh_offset;
        size_t size = sh[s].sh_size;
        for (size_t off = 0; off < size;) {
            char src[48];
            snprintf(src, sizeof src, "%s+0x%zx", base, (size_t)sh[s].sh_addr + off);
            unsigned len = consider(code + off, size - off < 15 ? size - off : 15, src, 0);
            off += len ? len : 1;
        }
    }
    fprintf(stderr, "corpus: %s: %zu new forms\n", path, kept_lib - before);
    munmap((void *)m, (size_t)st.st_size);
    return 0;
}

/* --- synthesized sweep -------------------------------------------------------- */

/* Memory operand shapes appended after the opcode (ModRM reg field r):
 *   0  [rbx+rcx*2+0x10]        low base, low index (VSIB: xmm1)
 *   1  [r9+r10*4+0x20]         high base and index (REX/VEX/EVEX X and B)
 *   2  [rip+0x1000]            RIP-relative
 *   3  mod=11 (register form)  for instructions with an implicit memory operand */
static unsigned shape_bytes(uint8_t *p, int shape, int r)
{
    switch (shape) {
    case 0: p[0] = (uint8_t)(0x44 | (r << 3)); p[1] = 0x4b; p[2] = 0x10; return 3;
    case 1: p[0] = (uint8_t)(0x44 | (r << 3)); p[1] = 0x91; p[2] = 0x20; return 3;
    case 2: p[0] = (uint8_t)(0x05 | (r << 3)); p[1] = 0x00; p[2] = 0x10; p[3] = 0; p[4] = 0; return 5;
    default: p[0] = (uint8_t)(0xc1 | (r << 3)); return 1;
    }
}

static const uint8_t imm_tail[] = {0x1b, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

static void synth_one(const uint8_t *b, unsigned n, const char *what)
{
    uint8_t buf[32];
    memcpy(buf, b, n);
    memcpy(buf + n, imm_tail, sizeof imm_tail);
    consider(buf, 15, what, 1);
}

static void synth_legacy(void)
{
    static const uint8_t mand[] = {0, 0x66, 0xf2, 0xf3};
    static const uint8_t segs[] = {0, 0x64, 0x65, 0x67};
    for (int map = 0; map < 4; map++)
        for (unsigned pi = 0; pi < sizeof mand; pi++)
            for (int lock = 0; lock < 2; lock++)
                for (int w = 0; w < 2; w++)
                    for (unsigned si = 0; si < sizeof segs; si++)
                        for (int shape = 0; shape < 4; shape++) {
                            if (si && shape != 0)
                                continue; /* segments and 0x67 with one shape */
                            if (shape == 3 && map > 1)
                                continue;
                            for (int op = 0; op < 256; op++)
                                for (int r = 0; r < 8; r++) {
                                    uint8_t b[16];
                                    unsigned n = 0;
                                    if (segs[si]) b[n++] = segs[si];
                                    if (lock) b[n++] = 0xf0;
                                    if (mand[pi]) b[n++] = mand[pi];
                                    uint8_t rex = (uint8_t)(w ? 0x48 : 0);
                                    if (shape == 1)
                                        rex |= 0x43;
                                    if (rex) b[n++] = rex;
                                    if (map >= 1) b[n++] = 0x0f;
                                    if (map == 2) b[n++] = 0x38;
                                    if (map == 3) b[n++] = 0x3a;
                                    b[n++] = (uint8_t)op;
                                    n += shape_bytes(b + n, shape, r);
                                    synth_one(b, n, "synth:legacy");
                                }
                        }
}

static void synth_vex(void)
{
    for (int map = 1; map <= 3; map++)
        for (int pp = 0; pp < 4; pp++)
            for (int L = 0; L < 2; L++)
                for (int W = 0; W < 2; W++)
                    for (int vi = 0; vi < 2; vi++)
                        for (int shape = 0; shape < 4; shape++) {
                            if (shape == 3 && map != 1)
                                continue;
                            for (int op = 0; op < 256; op++)
                                for (int r = 0; r < 8; r++) {
                                    uint8_t b[16];
                                    unsigned n = 0;
                                    int xb = shape == 1 ? 0x00 : 0x60; /* ~X ~B */
                                    b[n++] = 0xc4;
                                    b[n++] = (uint8_t)(0x80 | xb | map);
                                    b[n++] = (uint8_t)((W << 7) | ((vi ? 0x9 : 0xf) << 3) | (L << 2) | pp);
                                    b[n++] = (uint8_t)op;
                                    n += shape_bytes(b + n, shape, r);
                                    synth_one(b, n, "synth:vex");
                                }
                        }
}

static void synth_evex(void)
{
    static const int maps[] = {1, 2, 3, 5, 6};
    for (unsigned mi = 0; mi < 5; mi++)
        for (int pp = 0; pp < 4; pp++)
            for (int W = 0; W < 2; W++)
                for (int LL = 0; LL < 3; LL++)
                    for (int bc = 0; bc < 2; bc++)
                        for (int z = 0; z < 2; z++)
                            for (int aaa = 0; aaa < 2; aaa++)
                                for (int vi = 0; vi < 2; vi++)
                                    for (int shape = 0; shape < 3; shape++) {
                                        if (shape == 2 && (bc || z || LL != 2))
                                            continue; /* rip-relative: one variant each */
                                        for (int op = 0; op < 256; op++)
                                            for (int r = 0; r < 8; r++) {
                                                uint8_t b[16];
                                                unsigned n = 0;
                                                int xb = shape == 1 ? 0x00 : 0x60;
                                                b[n++] = 0x62;
                                                b[n++] = (uint8_t)(0x90 | xb | maps[mi]); /* ~R=1 ~R'=1 */
                                                b[n++] = (uint8_t)((W << 7) | ((vi ? 0x9 : 0xf) << 3) | 0x4 | pp);
                                                b[n++] = (uint8_t)((z << 7) | (LL << 5) | (bc << 4) | 0x8 |
                                                                   (aaa ? 3 : 0));
                                                b[n++] = (uint8_t)op;
                                                n += shape_bytes(b + n, shape, r);
                                                synth_one(b, n, "synth:evex");
                                            }
                                    }
}

/* Register-only encodings that reach memory implicitly, which the sweep's
 * ModRM shapes do not produce. */
static void synth_extra(void)
{
    static const struct { uint8_t b[8]; unsigned n; } extra[] = {
        {{0x0f, 0xf7, 0xc1}, 3},             /* maskmovq mm0, mm1 */
        {{0x66, 0x0f, 0xf7, 0xc1}, 4},       /* maskmovdqu xmm0, xmm1 */
        {{0xc5, 0xf9, 0xf7, 0xc1}, 4},       /* vmaskmovdqu xmm0, xmm1 */
        {{0x0f, 0x01, 0xfc}, 3},             /* clzero */
        {{0x67, 0x0f, 0x01, 0xfc}, 4},       /* clzero eax */
        {{0xc8, 0x10, 0x00, 0x00}, 4},       /* enter 16, 0 */
    };
    for (unsigned i = 0; i < sizeof extra / sizeof extra[0]; i++)
        synth_one(extra[i].b, extra[i].n, "synth:extra");
}

int main(int argc, char **argv)
{
    const char *outpath = NULL;
    int synth = 0, c;
    while ((c = getopt(argc, argv, "so:")) != -1) {
        if (c == 's')
            synth = 1;
        else if (c == 'o')
            outpath = optarg;
        else {
            fprintf(stderr, "usage: corpus [-s] [-o FILE] [LIBRARY...]\n");
            return 2;
        }
    }
    dt_cpu_probe();
    dt_decoder_init(&decoder);
    for (int i = optind; i < argc; i++)
        scan_library(argv[i]);
    if (synth) {
        size_t before = kept_synth;
        synth_extra();
        synth_legacy();
        fprintf(stderr, "corpus: synthesized legacy: %zu new forms\n", kept_synth - before);
        before = kept_synth;
        synth_vex();
        fprintf(stderr, "corpus: synthesized VEX: %zu new forms\n", kept_synth - before);
        before = kept_synth;
        synth_evex();
        fprintf(stderr, "corpus: synthesized EVEX: %zu new forms\n", kept_synth - before);
    }
    FILE *out = outpath ? fopen(outpath, "w") : stdout;
    if (!out) {
        perror(outpath);
        return 1;
    }
    fprintf(out, "# libmemwatch differential corpus: %zu forms (%zu from libraries, %zu synthesized)\n", nforms,
            kept_lib, kept_synth);
    for (size_t i = 0; i < nforms; i++) {
        for (unsigned k = 0; k < forms[i].len; k++)
            fprintf(out, "%02x", forms[i].bytes[k]);
        fprintf(out, "\t%s\t%s\n", forms[i].src, forms[i].key);
    }
    if (out != stdout)
        fclose(out);
    fprintf(stderr, "corpus: %zu forms (%zu from libraries out of %zu memory instructions, %zu synthesized)\n",
            nforms, kept_lib, seen_lib, kept_synth);
    return 0;
}
