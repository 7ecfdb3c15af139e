/*
 * test/diff/diffrun.c - differential test of the fault engine: each
 * instruction form runs twice, against ordinary memory and against watched
 * memory, from the same complete state, and the two end states must agree.
 *
 *   diffrun [-e EVERY] [-m MAX] [-j JOBS] [-v] [-p] [-o DETAILS] CORPUS...
 *
 * CORPUS files hold one form per line, "HEX[<TAB>SOURCE[<TAB>KEY]]" or
 * "HEX # comment" (corpus.c writes them; regress.txt holds the regression
 * cases).  -e keeps every EVERY-th form of each file, -m stops after MAX.
 *
 * For each form and each placement of its memory operands (below) the runner
 * builds one initial state from a seed: every general register, the
 * arithmetic flags, x87, MXCSR, every xmm/ymm/zmm and k register, and the
 * bytes of eight data pages.  Address registers are solved so that each
 * memory operand lands where the placement says (rip-relative displacements
 * and branch targets are rewritten in the instance's bytes).  It then runs:
 *   plain    twice, the pages unwatched (the second run proves the form is
 *            deterministic from the state, else it is excluded);
 *   watched  once, the pages under memwatch_watch();
 * and compares every general register, the arithmetic flags and DF, the
 * XSAVE image (x87 registers and environment, MXCSR, every vector and mask
 * register), the signal the instruction raised if any (number, code,
 * address, and the context's RIP, trap number and error code), and all data
 * pages; and, for a watched run that completed, that it counted exactly one
 * access if it trapped (the watches cover whole pages) and none otherwise.
 *
 * The data pages, per arena:  P0 P1 P2 P3  S0 S1 S2 S3
 *   P1-P2 and S1-S2 are watched in the watched run; P0 and S0 are ordinary;
 *   P3 and S3 are PROT_NONE guards.  The first memory operand goes to the P
 *   bank, a second one (string destination, stack beside an explicit operand)
 *   to the S bank.
 * Placements:
 *   mid      in the middle of P1 / S1, 64-byte aligned
 *   lo       straddling P0|P1 / S0|S1 (ordinary and watched: a bounce buffer)
 *   hi       straddling P1|P2 (both watched) / the second operand unwatched
 *   end      ending at the guard page (no byte beyond may be touched)
 *   unw      first operand unwatched, second watched (two-operand forms)
 *   ro       mid, with the pages watched for writes only (PROT_READ)
 *
 * With -p (run with MEMWATCH_PROMOTE=always), the watched run is followed,
 * the watches still in place, by a second one from the same state: the
 * first fault promoted the site where it could (an instruction of at least
 * five bytes: the code pages are anonymous, so no span), and the second run
 * goes through its stub.  It must end as the plain run did and count what
 * the first counted; a form that did is "promoted" in the report.  The code
 * pages are read+execute then (promotion never patches writable code), made
 * writable only while the runner writes an instance.
 *
 * Each form runs in a child process, in batches (fork per batch, a timeout
 * per form): a crash or a hang is the form's divergence, and the next batch
 * goes on after it.  A watched run that the engine single-stepped
 * (memwatch_get_stats().single_steps moved) makes the form "unsupported",
 * with the reason the engine printed on stderr.  Forms that raise #UD
 * natively or are not deterministic are excluded.
 *
 * The last line is "N forms, D divergences, U unsupported"; the exit status
 * is 0 when D is 0.
 */
#define _GNU_SOURCE
#include <Zydis/Zydis.h>
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "cpu.h"
#include "harness.h"
#include "memwatch.h"

#define PAGE 4096
#define CODE_SLOT 64
#define BATCH 128
#define CODE_PAGES (BATCH * CODE_SLOT / PAGE)
#define DATA_PAGES 8
#define ARENA_PAGES (CODE_PAGES + 1 + DATA_PAGES)
#define FORM_TIMEOUT_MS 10000

struct dt_state dt_in, dt_out;
uint64_t dt_code, dt_host_rsp;

/* ------------------------------------------------------------------------- */
/* small helpers                                                             */
/* ------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}
static void rnd_seed(uint64_t s) { rng_state = s * 0x9e3779b97f4a7c15ULL + 0x1234567ULL; if (!rng_state) rng_state = 1; }

/* Eight bytes of test data: random bits, a double, two floats or small ints. */
static uint64_t rnd_data(void)
{
    uint64_t r = rnd();
    switch (r & 3) {
    case 0: return rnd();
    case 1: { double d = (double)(int64_t)(rnd() % 200001 - 100000) / 64.0; uint64_t v; memcpy(&v, &d, 8); return v; }
    case 2: { float f[2] = {(float)(int)(rnd() % 2001 - 1000) / 8.0f, (float)(int)(rnd() % 2001 - 1000) / 8.0f};
              uint64_t v; memcpy(&v, f, 8); return v; }
    default: return (rnd() & 0x000000ff000000ffULL) | ((rnd() & 0xff) << 16);
    }
}
static void fill_data(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rnd_data();
        memcpy(p + i, &v, n - i < 8 ? n - i : 8);
    }
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void hex(char *out, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static const char *gpr_name[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                   "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

/* ------------------------------------------------------------------------- */
/* arenas: code slots and data pages near each other                         */
/* ------------------------------------------------------------------------- */

struct arena {
    uint8_t *base, *code, *data;
};
static struct arena arenas[2]; /* 0: near the fs base; 1: below 2 GiB */
static uint64_t fs_base, gs_base;

#define BANK(a, bank, i) ((a)->data + ((bank) * 4 + (i)) * PAGE)

static void *raw_mmap(void *hint, size_t len, int prot, int flags)
{
    return (void *)syscall(SYS_mmap, hint, len, prot, flags, -1, 0);
}

static int promote_pass; /* -p: a second watched run, through the promoted site */

/* The code pages' protection, with a raw system call (see below): -p keeps
 * them read+execute except while an instance is written. */
static void code_protect(struct arena *a, int prot)
{
    if (syscall(SYS_mprotect, a->code, CODE_PAGES * PAGE, prot) != 0) {
        perror("diffrun: mprotect of the code pages");
        _exit(2);
    }
}

/* The code pages are made executable with raw system calls: they are the
 * runner's, not the program's, and must stay out of the code-capture cycle. */
static int arena_make(struct arena *a, uintptr_t around, int low)
{
    size_t len = ARENA_PAGES * PAGE;
    void *m = MAP_FAILED;
    if (low) {
        m = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT);
    } else {
        /* above the fs base, within 2 GiB: fs:[disp32] and 0x67 fs forms reach it */
        for (int k = 1; k < 256 && m == MAP_FAILED; k++) {
            uintptr_t hint = (around & ~0xffffULL) + (uintptr_t)k * 0x400000ULL;
            m = raw_mmap((void *)hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
            if (m != MAP_FAILED && (uintptr_t)m != hint) {
                syscall(SYS_munmap, m, len);
                m = MAP_FAILED;
            }
        }
    }
    if (m == MAP_FAILED)
        return -1;
    a->base = m;
    a->code = a->base;
    a->data = a->base + (CODE_PAGES + 1) * PAGE;
    if (syscall(SYS_mprotect, a->code, CODE_PAGES * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
        return -1;
    syscall(SYS_mprotect, a->code + CODE_PAGES * PAGE, PAGE, PROT_NONE);
    mprotect(BANK(a, 0, 3), PAGE, PROT_NONE);
    mprotect(BANK(a, 1, 3), PAGE, PROT_NONE);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* the XSAVE image                                                           */
/* ------------------------------------------------------------------------- */

static uint8_t xs_template[DT_XSAVE_MAX] __attribute__((aligned(64)));
static unsigned xs_size;

static uint8_t *xs_comp(uint8_t *x, int c) { return x + dt_cpu.xoff[c]; }

/* Bytes [off, off+n) of vector register `id` seen as a zmm register. */
static void xs_vec_access(uint8_t *x, int id, unsigned off, uint8_t *data, unsigned n, int store)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned o = off + i;
        uint8_t *p = NULL;
        if (id >= 16)
            p = (dt_xfeatures & 0x80) ? xs_comp(x, 7) + 64 * (id - 16) + o : NULL;
        else if (o < 16)
            p = x + 160 + 16 * id + o;
        else if (o < 32)
            p = (dt_xfeatures & 4) ? xs_comp(x, 2) + 16 * id + (o - 16) : NULL;
        else
            p = (dt_xfeatures & 0x40) ? xs_comp(x, 6) + 32 * id + (o - 32) : NULL;
        if (!p)
            continue;
        if (store)
            *p = data[i];
        else
            data[i] = *p;
    }
}

static void xs_set_k(uint8_t *x, int k, uint64_t v)
{
    if (dt_xfeatures & 0x20)
        put_le(xs_comp(x, 5) + 8 * k, v, 8);
}

static void x87_from_double(uint8_t out[10], double d)
{
    __asm__ volatile("fldl %1\n\tfstpt %0" : "=m"(*(char(*)[10])out) : "m"(d));
}

static void xs_random(uint8_t *x)
{
    memcpy(x, xs_template, xs_size);
    put_le(x + 0, 0x037f, 2);            /* FCW: all exceptions masked */
    put_le(x + 2, 4u << 11, 2);          /* FSW: TOP = 4 */
    x[4] = 0xf0;                         /* abridged FTW: physical 4..7 (ST0..ST3) valid */
    memset(x + 6, 0, 18);                /* FOP, FIP, FDP */
    memset(x + 32, 0, 128);
    for (int i = 0; i < 4; i++) {
        uint64_t v = rnd_data();
        double d;
        memcpy(&d, &v, 8);
        if ((rnd() & 1) || d != d)
            d = (double)(int64_t)(rnd() % 20001 - 10000) / 16.0;
        x87_from_double(x + 32 + 16 * i, d);
    }
    put_le(x + 24, 0x1f80 | ((rnd() & 3) << 13), 4);
    fill_data(x + 160, 256);
    if (dt_xfeatures & 4) fill_data(xs_comp(x, 2), 256);
    if (dt_xfeatures & 0x20) fill_data(xs_comp(x, 5), 64);
    if (dt_xfeatures & 0x40) fill_data(xs_comp(x, 6), 512);
    if (dt_xfeatures & 0x80) fill_data(xs_comp(x, 7), 1024);
}

/* The XSAVE size and feature mask the kernel uses for this process, read
 * from a signal frame's own description (_fpx_sw_bytes): not CPUID's
 * maximum, which counts features (AMX tiles) the process may not use. */
static void xs_frame_probe_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    const uint8_t *fx = (const uint8_t *)((ucontext_t *)ctx)->uc_mcontext.fpregs;
    uint32_t magic1 = fx ? (uint32_t)get_le(fx + 464, 4) : 0;
    if (magic1 == 0x46505853U) {
        dt_xfeatures = get_le(fx + 472, 8);
        xs_size = (unsigned)get_le(fx + 480, 4);
    }
}

static void xs_frame_probe(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = xs_frame_probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, &old);
    raise(SIGUSR2);
    sigaction(SIGUSR2, &old, NULL);
}

static void xs_init_template(void)
{
    xs_frame_probe();
    if (xs_size > DT_XSAVE_MAX || xs_size < 576) {
        fprintf(stderr, "diffrun: the kernel's XSAVE frame is %u bytes; this runner holds %u\n", xs_size,
                DT_XSAVE_MAX);
        exit(2);
    }
    __asm__ volatile("xsave64 %0"
                     : "=m"(*(char(*)[DT_XSAVE_MAX])xs_template)
                     : "a"((uint32_t)dt_xfeatures), "d"((uint32_t)(dt_xfeatures >> 32))
                     : "memory");
    uint64_t bv = dt_xfeatures & 0xe7; /* x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM */
    put_le(xs_template + 512, bv, 8);
    memset(xs_template + 520, 0, 56);
}

/* Normalises an image: a component whose XSTATE_BV bit is clear is in its
 * initial configuration, whatever its bytes say. */
static void xs_normalise(uint8_t *x)
{
    uint64_t bv = get_le(x + 512, 8);
    if (!(bv & 1)) {
        memset(x, 0, 24);
        put_le(x, 0x037f, 2);
        memset(x + 32, 0, 128);
    }
    if (!(bv & 2))
        memset(x + 160, 0, 256);
    for (int c = 2; c < 8; c++)
        if ((dt_xfeatures & (1ULL << c)) && !(bv & (1ULL << c)))
            memset(xs_comp(x, c), 0, dt_cpu.xlen[c]);
}

/* First difference between two images, described; 0 when equal. */
static int xs_diff(uint8_t *a, uint8_t *b, char *why, size_t n)
{
    xs_normalise(a);
    xs_normalise(b);
    static const struct { const char *name; unsigned off, len; } legacy[] = {
        {"fcw", 0, 2}, {"fsw", 2, 2}, {"ftw", 4, 1}, {"fop", 6, 2}, {"fip", 8, 8}, {"fdp", 16, 8},
        {"mxcsr", 24, 4},
    };
    for (unsigned i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
        if (memcmp(a + legacy[i].off, b + legacy[i].off, legacy[i].len) != 0) {
            snprintf(why, n, "%s: plain %#llx watched %#llx", legacy[i].name,
                     (unsigned long long)get_le(a + legacy[i].off, legacy[i].len),
                     (unsigned long long)get_le(b + legacy[i].off, legacy[i].len));
            return 1;
        }
    for (int i = 0; i < 8; i++)
        if (memcmp(a + 32 + 16 * i, b + 32 + 16 * i, 10) != 0) {
            snprintf(why, n, "st%d differs", i);
            return 1;
        }
    for (int id = 0; id < 32; id++) {
        uint8_t va[64] = {0}, vb[64] = {0};
        xs_vec_access(a, id, 0, va, 64, 0);
        xs_vec_access(b, id, 0, vb, 64, 0);
        if (memcmp(va, vb, 64) != 0) {
            unsigned k = 0;
            while (va[k] == vb[k])
                k++;
            snprintf(why, n, "zmm%d byte %u: plain %02x watched %02x", id, k, va[k], vb[k]);
            return 1;
        }
    }
    if (dt_xfeatures & 0x20)
        for (int k = 0; k < 8; k++)
            if (memcmp(xs_comp(a, 5) + 8 * k, xs_comp(b, 5) + 8 * k, 8) != 0) {
                snprintf(why, n, "k%d: plain %#llx watched %#llx", k,
                         (unsigned long long)get_le(xs_comp(a, 5) + 8 * k, 8),
                         (unsigned long long)get_le(xs_comp(b, 5) + 8 * k, 8));
                return 1;
            }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* the signal handler: a fault raised by the instruction ends the run        */
/* ------------------------------------------------------------------------- */

struct dt_fault {
    int signo, code;
    uint64_t addr, rip, trapno, err;
};
static volatile int dt_active;
static struct dt_fault dt_fault;

static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    if (!dt_active) {
        signal(sig, SIG_DFL); /* not the instruction's: die of it */
        return;
    }
    dt_active = 0;
    for (int r = 0; r < 16; r++)
        dt_out.gpr[r] = (uint64_t)uc->uc_mcontext.gregs[greg_of[r]];
    dt_out.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    memcpy(dt_out.xsave, uc->uc_mcontext.fpregs, xs_size); /* the frame's own size (xs_frame_probe) */
    dt_fault.signo = sig;
    dt_fault.code = si->si_code;
    dt_fault.addr = (uint64_t)si->si_addr;
    dt_fault.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    dt_fault.trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    dt_fault.err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)dt_landing;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)dt_host_rsp;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)0x40500; /* TF, DF, AC */
}

/* ------------------------------------------------------------------------- */
/* the plan: where each memory operand of a form goes                        */
/* ------------------------------------------------------------------------- */

enum { SL_MEM, SL_PUSH, SL_POP, SL_REG };
enum { BR_NONE, BR_REL, BR_REG, BR_MEM, BR_RET };
#define DT_RIP 16

struct slot {
    int kind, size, write;
    int base, index, scale, seg, addr32;
    int64_t disp;
    unsigned disp_off, disp_bytes;
    int vsib, vidx, vbytes, velem;   /* vector index: register id, its width, index element size */
    int reg;                         /* SL_PUSH/SL_POP/SL_REG: the address register */
    int xlat;                        /* address is rbx + al */
};

struct plan {
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t bytes[16];
    unsigned len;
    int nslots;
    struct slot sl[2];
    int arena;                        /* where the data pages are */
    int code_arena;                   /* where the code runs */
    int str_elem, rep, repne, str_op; /* string instructions */
    int branch, br_reg;
    unsigned br_off, br_bytes;
    int bit_reg;                      /* bt* with a register bit offset */
    int mask_k, mask_vec;             /* gathers/scatters: k register, or vector mask register id */
    int elem;                         /* gather/scatter element size */
    const char *exclude;
};

static int gpr_of(ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_NONE)
        return -1;
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return DT_RIP;
    ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
    return big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15 ? (int)(big - ZYDIS_REGISTER_RAX) : -1;
}

static int vec_bytes(ZydisRegister r)
{
    switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_XMM: return 16;
    case ZYDIS_REGCLASS_YMM: return 32;
    case ZYDIS_REGCLASS_ZMM: return 64;
    default: return 0;
    }
}

static int plan_form(struct plan *p, const uint8_t *b, unsigned n)
{
    ZydisDecoder d;
    memset(p, 0, sizeof *p);
    p->bit_reg = -1;
    p->mask_k = -1;
    p->mask_vec = -1;
    dt_decoder_init(&d);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, b, n, &p->zi, p->ops))) {
        p->exclude = "undecodable";
        return -1;
    }
    p->len = p->zi.length;
    memcpy(p->bytes, b, p->len);
    const ZydisDecodedInstruction *zi = &p->zi;
    int cat = zi->meta.category;
    struct slot expl = {0}, hid[3];
    int have_expl = 0, nhid = 0;
    for (unsigned i = 0; i < zi->operand_count; i++) {
        const ZydisDecodedOperand *o = &p->ops[i];
        if (o->type != ZYDIS_OPERAND_TYPE_MEMORY ||
            (o->mem.type != ZYDIS_MEMOP_TYPE_MEM && o->mem.type != ZYDIS_MEMOP_TYPE_VSIB))
            continue;
        struct slot s = {0};
        s.size = o->size / 8 ? o->size / 8 : 1;
        s.write = (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
        s.base = gpr_of(o->mem.base);
        s.index = o->mem.type == ZYDIS_MEMOP_TYPE_VSIB ? -1 : gpr_of(o->mem.index);
        s.scale = o->mem.scale ? o->mem.scale : 1;
        s.disp = o->mem.disp.has_displacement ? o->mem.disp.value : 0;
        s.seg = o->mem.segment == ZYDIS_REGISTER_FS ? 1 : o->mem.segment == ZYDIS_REGISTER_GS ? 2 : 0;
        /* 0x67 shortens explicit addresses; implicit ones say so by their
         * register (leave's rbp stays 64-bit) */
        s.addr32 = o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN
                       ? o->mem.base != ZYDIS_REGISTER_NONE &&
                             ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, o->mem.base) == 32
                       : zi->address_width == 32;
        s.reg = -1;
        if (o->mem.type == ZYDIS_MEMOP_TYPE_VSIB) {
            s.vsib = 1;
            s.vidx = ZydisRegisterGetId(o->mem.index);
            s.vbytes = vec_bytes(o->mem.index);
            const char *m = ZydisMnemonicGetString(zi->mnemonic);
            s.velem = (strstr(m, "gatherq") || strstr(m, "scatterq")) ? 8 : 4;
        }
        if (o->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
            if (have_expl) {
                p->exclude = "two explicit memory operands";
                return -1;
            }
            s.kind = SL_MEM;
            if (zi->raw.disp.size) {
                s.disp_off = zi->raw.disp.offset;
                s.disp_bytes = zi->raw.disp.size / 8;
            }
            expl = s;
            have_expl = 1;
            continue;
        }
        if (nhid == 3) {
            p->exclude = "too many memory operands";
            return -1;
        }
        if (s.base == 4 && (cat == ZYDIS_CATEGORY_PUSH || cat == ZYDIS_CATEGORY_CALL ||
                            zi->mnemonic == ZYDIS_MNEMONIC_ENTER))
            s.kind = SL_PUSH;
        else if (s.base == 4)
            s.kind = SL_POP;
        else if (zi->mnemonic == ZYDIS_MNEMONIC_XLAT) {
            s.kind = SL_MEM;
            s.xlat = 1;
        } else
            s.kind = SL_REG;
        s.reg = s.base;
        hid[nhid++] = s;
    }
    if (zi->mnemonic == ZYDIS_MNEMONIC_CLZERO) {
        struct slot s = {.kind = SL_REG, .size = 64, .write = 1, .reg = 0, .addr32 = zi->address_width == 32};
        hid[nhid++] = s;
    }
    /* string instructions: the source (rsi) in the P bank, rdi in the S bank */
    if (cat == ZYDIS_CATEGORY_STRINGOP) {
        p->str_elem = zi->operand_width / 8;
        p->rep = (zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) != 0;
        p->repne = (zi->attributes & ZYDIS_ATTRIB_HAS_REPNE) != 0;
        const char *m = ZydisMnemonicGetString(zi->mnemonic);
        p->str_op = m[0]; /* m(ovs) s(tos/scas) l(ods) c(mps) */
        if (strncmp(m, "scas", 4) == 0)
            p->str_op = 'a';
        struct slot src = {0}, dst = {0};
        int hs = 0, hd = 0;
        for (int i = 0; i < nhid; i++) {
            if (hid[i].reg == 6) { src = hid[i]; hs = 1; }
            if (hid[i].reg == 7) { dst = hid[i]; hd = 1; }
        }
        p->nslots = 0;
        if (hs) p->sl[p->nslots++] = src;
        if (hd) p->sl[p->nslots++] = dst;
        if (!hs && hd) { /* one operand: keep it in the P bank */ }
        goto done;
    }
    p->nslots = 0;
    if (have_expl)
        p->sl[p->nslots++] = expl;
    for (int i = 0; i < nhid; i++) {
        if (p->nslots == 2) {
            p->exclude = "more than two memory operands";
            return -1;
        }
        p->sl[p->nslots++] = hid[i];
    }
done:
    if (p->nslots == 0) {
        p->exclude = "no memory operand the runner can place";
        return -1;
    }
    /* branches: every target is the jump back right after the instruction */
    if (cat == ZYDIS_CATEGORY_CALL || cat == ZYDIS_CATEGORY_UNCOND_BR || cat == ZYDIS_CATEGORY_RET) {
        if (cat == ZYDIS_CATEGORY_RET) {
            p->branch = BR_RET;
        } else if (p->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            p->branch = BR_MEM;
        } else if (p->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
            p->branch = BR_REG;
            p->br_reg = gpr_of(p->ops[0].reg.value);
        } else if (p->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && zi->raw.imm[0].size) {
            p->branch = BR_REL;
            p->br_off = zi->raw.imm[0].offset;
            p->br_bytes = zi->raw.imm[0].size / 8;
        } else {
            p->exclude = "branch the runner cannot aim";
            return -1;
        }
    }
    if (zi->mnemonic == ZYDIS_MNEMONIC_BT || zi->mnemonic == ZYDIS_MNEMONIC_BTS ||
        zi->mnemonic == ZYDIS_MNEMONIC_BTR || zi->mnemonic == ZYDIS_MNEMONIC_BTC)
        if (p->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
            p->bit_reg = gpr_of(p->ops[1].reg.value);
    /* gathers and scatters: the mask */
    if (p->sl[0].vsib) {
        p->elem = p->sl[0].size;
        if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX)
            p->mask_k = ZydisRegisterGetId(zi->avx.mask.reg);
        else
            for (unsigned i = 0; i < zi->operand_count_visible; i++)
                if (i > 0 && p->ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && vec_bytes(p->ops[i].reg.value))
                    p->mask_vec = ZydisRegisterGetId(p->ops[i].reg.value);
    }
    /* The low arena (below 2 GiB) serves addresses that must fit 32 bits:
     * 0x67 without fs, absolute addresses, and dword vector indices without
     * a base. */
    p->arena = 0;
    for (int i = 0; i < p->nslots; i++) {
        const struct slot *s = &p->sl[i];
        if (s->addr32 && s->seg == 0)
            p->arena = 1;
        if (s->kind == SL_MEM && !s->xlat && s->base < 0 && (s->index < 0 || s->vsib) && s->seg == 0)
            p->arena = 1;
    }
    /* fs:[rip+d] and gs:[rip+d] add the segment base to the code's address:
     * code below 2 GiB and data just above the base keep d within 32 bits */
    p->code_arena = p->arena;
    for (int i = 0; i < p->nslots; i++)
        if (p->sl[i].base == DT_RIP && p->sl[i].seg)
            p->code_arena = 1;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* one run's configuration                                                   */
/* ------------------------------------------------------------------------- */

enum { PL_MID, PL_LO, PL_HI, PL_END, PL_UNW, PL_RO, PL_LORO, PL_COUNT };
static const char *pl_name[PL_COUNT] = {"mid", "lo", "hi", "end", "unw", "ro", "lo-ro"};

struct config {
    uint8_t code[48];
    unsigned code_len;
    uint8_t *code_at;
    struct dt_state *st;
    uint8_t mem[DATA_PAGES * PAGE];
    int read_only_watch;
    int p0_read_only;    /* P0 and S0 mapped read-only (not watched) */
};

static unsigned half_of(unsigned size)
{
    if (size >= 128)
        return (size / 2 + 63) & ~63u;
    return size / 2 ? size / 2 : 1;
}

/* Where the operand of `size` bytes in `bank` starts for placement pl. */
static uint8_t *target(struct arena *a, int pl, int bank, unsigned size)
{
    unsigned al = 1;
    while (al < 64 && al * 2 <= size)
        al *= 2;
    switch (pl) {
    case PL_LO: return BANK(a, bank, 1) - half_of(size);
    case PL_HI: return bank == 0 ? BANK(a, 0, 2) - half_of(size) : BANK(a, 1, 0) + 0x800;
    case PL_END: return (uint8_t *)(((uintptr_t)BANK(a, bank, 3) - size) & ~(uintptr_t)(al - 1));
    case PL_UNW: return bank == 0 ? BANK(a, 0, 0) + 0x800 : BANK(a, 1, 1) + 0x800;
    default: return BANK(a, bank, 1) + 0x800;
    }
}

static uint8_t *mem_at(struct config *c, struct arena *a, uintptr_t addr)
{
    if (addr < (uintptr_t)a->data || addr >= (uintptr_t)a->data + DATA_PAGES * PAGE)
        return NULL;
    return c->mem + (addr - (uintptr_t)a->data);
}

static void mem_put(struct config *c, struct arena *a, uintptr_t addr, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t *m = mem_at(c, a, addr + i);
        if (m)
            *m = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t mem_get(struct config *c, struct arena *a, uintptr_t addr, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *m = mem_at(c, a, addr + i);
        v |= (uint64_t)(m ? *m : 0) << (8 * i);
    }
    return v;
}

static uint64_t seg_base(int seg) { return seg == 1 ? fs_base : seg == 2 ? gs_base : 0; }

/* Registers whose value the placement fixed: nothing else may change them. */
static uint32_t fixed_regs;

static void set_reg(struct config *c, int r, uint64_t v)
{
    c->st->gpr[r] = v;
    fixed_regs |= 1u << r;
}

/* Solves an explicit operand's registers (or rewrites its displacement) so
 * that its address is t. */
static void place_mem(struct config *c, struct plan *p, struct slot *s, uint64_t t, int pl, struct arena *a)
{
    uint64_t *g = c->st->gpr;
    uint64_t rel = t - seg_base(s->seg);
    uint64_t junk = s->addr32 ? (rnd() << 32) : 0;
    if (s->xlat) {
        uint64_t al = g[0] & 0xff;
        if (!(fixed_regs & 1))
            set_reg(c, 0, g[0]);
        set_reg(c, 3, rel - al);
        return;
    }
    if (s->base == DT_RIP) {
        int64_t disp = (int64_t)(rel - ((uint64_t)(uintptr_t)c->code_at + p->len));
        put_le(c->code + s->disp_off, (uint64_t)disp, 4);
        return;
    }
    if (s->vsib) {
        /* lanes spread around t: index values times scale */
        int span = pl == PL_MID || pl == PL_RO ? 0x600 : 0x100;
        int lanes = s->vbytes / s->velem;
        uint64_t base_rel = rel;
        if (s->base >= 0 && !(fixed_regs & (1u << s->base)))
            set_reg(c, s->base, ((base_rel - (uint64_t)s->disp) & (s->addr32 ? 0xffffffffULL : ~0ULL)) | junk);
        else if (s->base < 0 && s->disp_bytes == 4)
            put_le(c->code + s->disp_off, base_rel, 4);
        uint8_t idx[64];
        uint64_t guard = (uintptr_t)BANK(a, 0, 3);
        uint64_t kmask = 0;
        for (int l = 0; l < lanes; l++) {
            int64_t off = (int64_t)(rnd() % (uint64_t)(2 * span)) - span;
            int64_t iv = off / s->scale;
            put_le(idx + l * s->velem, (uint64_t)iv, s->velem);
            uint64_t la = t + (uint64_t)(iv * s->scale);
            int on = (rnd() % 4) != 0;
            if (pl == PL_END && la + (uint64_t)p->elem > guard)
                on = 0;
            if (on)
                kmask |= 1ULL << l;
        }
        xs_vec_access(c->st->xsave, s->vidx, 0, idx, (unsigned)s->vbytes, 1);
        if (p->mask_k > 0) {
            xs_set_k(c->st->xsave, p->mask_k, kmask);
        } else if (p->mask_vec >= 0) {
            uint8_t mv[64];
            xs_vec_access(c->st->xsave, p->mask_vec, 0, mv, 64, 0);
            int mlanes = 64 / p->elem;
            for (int l = 0; l < mlanes; l++) {
                uint8_t *top = mv + l * p->elem + p->elem - 1;
                *top = (uint8_t)((*top & 0x7f) | (l < lanes && (kmask >> l & 1) ? 0x80 : 0));
            }
            xs_vec_access(c->st->xsave, p->mask_vec, 0, mv, 64, 1);
        }
        return;
    }
    uint64_t wrap = s->addr32 ? 0xffffffffULL : ~0ULL;
    int b = s->base, x = s->index;
    int bfixed = b >= 0 && (fixed_regs & (1u << b)), xfixed = x >= 0 && (fixed_regs & (1u << x));
    if (b < 0 && x < 0) { /* absolute: disp32, or a 64-bit moffs */
        put_le(c->code + s->disp_off, rel, s->disp_bytes);
        return;
    }
    if (bfixed || xfixed) {
        /* shares a register with another operand: aim with the displacement */
        uint64_t now = (bfixed ? g[b] : 0) + (xfixed ? g[x] * (uint64_t)s->scale : 0);
        if (b >= 0 && !bfixed)
            set_reg(c, b, (rel - now - (uint64_t)s->disp) & wrap);
        else if (x >= 0 && !xfixed && (rel - now - (uint64_t)s->disp) % (uint64_t)s->scale == 0)
            set_reg(c, x, ((rel - now - (uint64_t)s->disp) / (uint64_t)s->scale) & wrap);
        else if (x >= 0 && !xfixed)
            set_reg(c, x, 0);
        else if (s->disp_bytes) {
            int64_t want = (int64_t)(rel - now);
            if (s->disp_bytes == 1 && (want < -128 || want > 127))
                return; /* lands where it lands: the same in both runs */
            put_le(c->code + s->disp_off, (uint64_t)want, s->disp_bytes);
        }
        return;
    }
    if (b >= 0 && x >= 0 && b == x) {
        uint64_t want = rel - (uint64_t)s->disp, k = (uint64_t)s->scale + 1;
        uint64_t rem = want % k;
        if (rem && s->disp_bytes) {
            put_le(c->code + s->disp_off, (uint64_t)(s->disp + (int64_t)rem), s->disp_bytes);
            want -= rem;
        }
        set_reg(c, b, ((want / k) & wrap) | junk);
        return;
    }
    if (x >= 0 && b < 0) {
        uint64_t want = rel - (uint64_t)s->disp;
        uint64_t rem = want % (uint64_t)s->scale;
        if (rem)
            put_le(c->code + s->disp_off, (uint64_t)(s->disp + (int64_t)rem), 4);
        set_reg(c, x, (((want - rem) / (uint64_t)s->scale) & wrap) | junk);
        return;
    }
    uint64_t iv = 0;
    if (x >= 0) {
        iv = rnd() % 16;
        set_reg(c, x, iv | junk);
    }
    set_reg(c, b, ((rel - (uint64_t)s->disp - iv * (uint64_t)s->scale) & wrap) | junk);
}

/* Builds configuration pl of form p (seeded); returns 0, or -1 when the
 * placement does not apply to the form. */
static int configure(struct config *c, struct plan *p, int pl, uint8_t *code_at, uint64_t seed)
{
    struct arena *a = &arenas[p->arena];
    if (pl == PL_UNW && p->nslots < 2)
        return -1;
    rnd_seed(seed * 31 + (uint64_t)pl);
    fixed_regs = 0;
    c->code_at = code_at;
    memcpy(c->code, p->bytes, p->len);
    c->read_only_watch = pl == PL_RO;
    c->p0_read_only = pl == PL_LORO;
    if (pl == PL_LORO)
        pl = PL_LO; /* the same places, next to a read-only page */
    struct dt_state *st = c->st;
    for (int r = 0; r < 16; r++)
        st->gpr[r] = rnd();
    st->gpr[4] = (uintptr_t)BANK(a, 1, 0) + 0x800;
    st->rflags = 0x202 | (rnd() & 0x8d5);
    xs_random(st->xsave);
    fill_data(c->mem, sizeof c->mem);

    if (p->str_elem) {
        unsigned e = (unsigned)p->str_elem;
        uint64_t n = p->rep ? (pl == PL_MID || pl == PL_UNW || pl == PL_RO ? rnd() % 33 : 16 + rnd() % 32) : 1;
        int down = pl == PL_HI;
        if (down)
            st->rflags |= 0x400;
        for (int i = 0; i < p->nslots; i++) {
            struct slot *s = &p->sl[i];
            int bank = i;
            uint64_t t;
            switch (pl) {
            case PL_LO: t = (uintptr_t)BANK(a, bank, 1) - (p->rep ? e * (n / 2) : (e + 1) / 2); break;
            case PL_HI: t = bank == 0 ? (uintptr_t)BANK(a, 0, 2) + e * (n / 2) - e : (uintptr_t)BANK(a, 1, 0) + 0x800;
                        break;
            case PL_END: t = (uintptr_t)BANK(a, bank, 3) - e * n; break;
            case PL_UNW: t = bank == 0 ? (uintptr_t)BANK(a, 0, 0) + 0x800 : (uintptr_t)BANK(a, 1, 1) + 0x800; break;
            default: t = (uintptr_t)BANK(a, bank, 1) + 0x800; break;
            }
            t -= seg_base(s->seg); /* an fs/gs override applies to the source */
            set_reg(c, s->reg, s->addr32 ? (t & 0xffffffffULL) | (rnd() << 32) : t);
        }
        if (p->rep)
            set_reg(c, 1, n);
        /* cmps and scas: make runs of equal elements so repe goes on, and
         * plant a match for repne */
        if ((p->str_op == 'c' || p->str_op == 'a') && p->rep) {
            uint64_t sa = st->gpr[6], da = st->gpr[7];
            for (uint64_t k = 0; k < n; k++) {
                uint64_t off = down ? (uint64_t)-(int64_t)(k * e) : k * e;
                uint64_t v = p->str_op == 'c' ? mem_get(c, a, sa + off, e) : st->gpr[0];
                if (!p->repne)
                    mem_put(c, a, da + off, v, e);
            }
            if (n && (rnd() & 1)) {
                uint64_t k = rnd() % n, off = down ? (uint64_t)-(int64_t)(k * e) : k * e;
                uint64_t v = p->str_op == 'c' ? mem_get(c, a, sa + off, e) : st->gpr[0];
                mem_put(c, a, da + off, p->repne ? v : ~v, e);
            }
        }
    } else {
        /* register-addressed and stack operands first: they need exact
         * register values; explicit operands then aim around them */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < p->nslots; i++) {
                struct slot *s = &p->sl[i];
                int is_mem = s->kind == SL_MEM;
                if (is_mem != pass)
                    continue;
                uint64_t t = (uintptr_t)target(a, pl, i, (unsigned)s->size);
                if (s->vsib && pl != PL_MID && pl != PL_RO)
                    t = pl == PL_LO ? (uintptr_t)BANK(a, 0, 1) : pl == PL_HI ? (uintptr_t)BANK(a, 0, 2)
                                                                             : (uintptr_t)BANK(a, 0, 3) - 0x100;
                switch (s->kind) {
                case SL_PUSH: set_reg(c, 4, t + (uint64_t)s->size); break;
                case SL_POP: set_reg(c, 4, t); break;
                case SL_REG: set_reg(c, s->reg, s->addr32 ? (t & 0xffffffffULL) | (rnd() << 32) : t); break;
                default: place_mem(c, p, s, t, pl, a); break;
                }
            }
    }

    /* aim branches at the jump back */
    uint64_t back = (uintptr_t)code_at + p->len;
    switch (p->branch) {
    case BR_REL: put_le(c->code + p->br_off, 0, p->br_bytes); break;
    case BR_REG: if (p->br_reg >= 0 && p->br_reg < 16) set_reg(c, p->br_reg, back); break;
    case BR_MEM: {
        const struct slot *s = &p->sl[0];
        uint64_t ea;
        /* compute the operand address from the registers we set */
        ea = (uint64_t)s->disp;
        if (s->disp_bytes)
            ea = (uint64_t)(int64_t)(s->disp_bytes == 1 ? (int8_t)c->code[s->disp_off]
                                                         : (int32_t)get_le(c->code + s->disp_off, 4));
        if (s->base == DT_RIP)
            ea += back;
        else if (s->base >= 0)
            ea += st->gpr[s->base];
        if (s->index >= 0)
            ea += st->gpr[s->index] * (uint64_t)s->scale;
        if (s->addr32)
            ea &= 0xffffffffULL;
        ea += seg_base(s->seg);
        mem_put(c, a, ea, back, 8);
        break;
    }
    case BR_RET: mem_put(c, a, st->gpr[4], back, 8); break;
    default: break;
    }

    /* a masked vector form gets at least its first element active */
    if (p->zi.encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX && !p->sl[0].vsib && p->zi.avx.mask.reg != ZYDIS_REGISTER_NONE &&
        p->zi.avx.mask.reg != ZYDIS_REGISTER_K0) {
        int k = ZydisRegisterGetId(p->zi.avx.mask.reg);
        uint8_t *km = xs_comp(st->xsave, 5) + 8 * k;
        km[0] |= 1;
    }

    /* values that keep the instruction on its normal path */
    ZydisMnemonic m = p->zi.mnemonic;
    const struct slot *s0 = &p->sl[0];
    uint64_t t0 = 0;
    if (s0->kind == SL_MEM && !s0->vsib) {
        /* the first operand's address as the CPU will compute it */
        int64_t disp = s0->disp;
        if (s0->disp_bytes)
            disp = s0->disp_bytes == 1 ? (int8_t)c->code[s0->disp_off] : (int32_t)get_le(c->code + s0->disp_off, 4);
        t0 = (uint64_t)disp;
        if (s0->xlat)
            t0 = st->gpr[3] + (st->gpr[0] & 0xff);
        else if (s0->base == DT_RIP)
            t0 += back;
        else if (s0->base >= 0)
            t0 += st->gpr[s0->base];
        if (s0->index >= 0)
            t0 += st->gpr[s0->index] * (uint64_t)s0->scale;
        if (s0->addr32)
            t0 &= 0xffffffffULL;
        t0 += seg_base(s0->seg);
    } else if (s0->kind == SL_POP) {
        t0 = st->gpr[4];
    }
    switch (m) {
    case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFQ: {
        uint64_t v = mem_get(c, a, st->gpr[4], (unsigned)s0->size);
        mem_put(c, a, st->gpr[4], v & ~0x40100ULL, (unsigned)s0->size); /* no TF, no AC */
        break;
    }
    case ZYDIS_MNEMONIC_LDMXCSR: case ZYDIS_MNEMONIC_VLDMXCSR:
        mem_put(c, a, t0, rnd() & 0xffbf, 4);
        break;
    case ZYDIS_MNEMONIC_FXRSTOR: case ZYDIS_MNEMONIC_FXRSTOR64:
    case ZYDIS_MNEMONIC_XRSTOR: case ZYDIS_MNEMONIC_XRSTOR64: {
        static uint8_t img[DT_XSAVE_MAX] __attribute__((aligned(64)));
        xs_random(img);
        int x = m == ZYDIS_MNEMONIC_XRSTOR || m == ZYDIS_MNEMONIC_XRSTOR64;
        if (x)
            put_le(img + 512, get_le(img + 512, 8) & rnd(), 8);
        for (unsigned i = 0; i < (x ? xs_size : 512); i++)
            mem_put(c, a, t0 + i, img[i], 1);
        break;
    }
    case ZYDIS_MNEMONIC_CMPXCHG: case ZYDIS_MNEMONIC_CMPXCHG8B: case ZYDIS_MNEMONIC_CMPXCHG16B:
        if (rnd() & 1) {
            unsigned n = (unsigned)s0->size;
            if (m == ZYDIS_MNEMONIC_CMPXCHG)
                mem_put(c, a, t0, st->gpr[0], n);
            else {
                mem_put(c, a, t0, st->gpr[0], n / 2);
                mem_put(c, a, t0 + n / 2, st->gpr[2], n / 2);
            }
        }
        break;
    case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:
        if (!(fixed_regs & 4))
            st->gpr[2] = 0;
        if (!(fixed_regs & 1))
            st->gpr[0] &= s0->size == 1 ? 0x7f : 0x7fffffff;
        break;
    case ZYDIS_MNEMONIC_ENTER:
        if (!(fixed_regs & (1u << 5)))
            st->gpr[5] = (uintptr_t)BANK(a, 1, 0) + 0x800;
        break;
    default:
        break;
    }
    if (p->bit_reg >= 0 && !(fixed_regs & (1u << p->bit_reg))) {
        int64_t bits = (int64_t)s0->size * 8;
        int64_t v = pl == PL_MID || pl == PL_RO ? (int64_t)(rnd() % (uint64_t)(bits * 12)) - bits * 4
                                                : (int64_t)(rnd() % (uint64_t)bits);
        st->gpr[p->bit_reg] = (uint64_t)v;
    }

    /* the code: the instruction, then jmp [rip+0] back to the harness */
    unsigned n = p->len;
    static const uint8_t jmp_back[6] = {0xff, 0x25, 0, 0, 0, 0};
    memcpy(c->code + n, jmp_back, 6);
    uint64_t back_to = (uintptr_t)dt_back;
    memcpy(c->code + n + 6, &back_to, 8);
    c->code_len = n + 14;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* running                                                                   */
/* ------------------------------------------------------------------------- */

struct result {
    struct dt_state st;
    struct dt_fault fault;
    uint8_t mem[DATA_PAGES * PAGE];
    uint64_t steps, traps, accesses, silent;
    int watch_failed;
    int promoted; /* -p: a site was promoted for these watches by the first run */
};

static int page_is_data(int i) { return i != 3 && i != 7; }

/* The data pages as the configuration has them (watched or not), P0 and S0
 * read-only after it when the configuration says so. */
static void data_restore(struct config *c, struct arena *a)
{
    if (c->p0_read_only) {
        mprotect(BANK(a, 0, 0), PAGE, PROT_READ | PROT_WRITE);
        mprotect(BANK(a, 1, 0), PAGE, PROT_READ | PROT_WRITE);
    }
    for (int i = 0; i < DATA_PAGES; i++)
        if (page_is_data(i))
            memcpy(a->data + i * PAGE, c->mem + i * PAGE, PAGE);
    if (c->p0_read_only) {
        mprotect(BANK(a, 0, 0), PAGE, PROT_READ);
        mprotect(BANK(a, 1, 0), PAGE, PROT_READ);
    }
}

/* One run of the instance from the configuration's state (data in place). */
static void run_measured(struct config *c, struct arena *a, struct result *r)
{
    memwatch_stats_t s0, s1;
    memcpy(&dt_in, c->st, sizeof dt_in);
    memset(&dt_out, 0, sizeof dt_out);
    dt_code = (uintptr_t)c->code_at;
    memwatch_get_stats(&s0);
    memset(&dt_fault, 0, sizeof dt_fault);
    dt_active = 1;
    int faulted = dt_run();
    dt_active = 0;
    memwatch_get_stats(&s1);
    r->steps = s1.single_steps - s0.single_steps;
    r->accesses = s1.accesses - s0.accesses;
    r->silent = s1.silent - s0.silent;
    r->traps = r->accesses + r->silent + r->steps;
    memcpy(&r->st, &dt_out, sizeof r->st);
    r->fault = faulted ? dt_fault : (struct dt_fault){0};
    for (int i = 0; i < DATA_PAGES; i++)
        if (page_is_data(i))
            memcpy(r->mem + i * PAGE, a->data + i * PAGE, PAGE);
}

/* The instance plain, or watched (and, with r2, again through the site the
 * first watched run promoted, before the watches end). */
static void run_once(struct config *c, struct plan *p, int watched, struct result *r, struct result *r2)
{
    struct arena *a = &arenas[p->arena], *ca = &arenas[p->code_arena];
    if (promote_pass)
        code_protect(ca, PROT_READ | PROT_WRITE | PROT_EXEC);
    memcpy(c->code_at, c->code, c->code_len);
    __builtin___clear_cache((char *)c->code_at, (char *)c->code_at + c->code_len);
    if (promote_pass)
        code_protect(ca, PROT_READ | PROT_EXEC);
    data_restore(c, a);
    memwatch_id_t id1 = 0, id2 = 0;
    r->watch_failed = 0;
    if (watched) {
        unsigned acc = c->read_only_watch ? MEMWATCH_WRITE : MEMWATCH_RW;
        if (memwatch_watch(BANK(a, 0, 1), 2 * PAGE, acc, NULL, NULL, &id1) != 0 ||
            memwatch_watch(BANK(a, 1, 1), 2 * PAGE, acc, NULL, NULL, &id2) != 0)
            r->watch_failed = errno ? errno : -1;
    }
    run_measured(c, a, r);
    if (r2) {
        int mode = (id1 ? memwatch_region_mode(id1) : 0) | (id2 ? memwatch_region_mode(id2) : 0);
        r2->promoted = mode > 0 && (mode & MEMWATCH_MODE_PROMOTED);
        data_restore(c, a);
        run_measured(c, a, r2);
    }
    if (id1)
        memwatch_unwatch(id1);
    if (id2)
        memwatch_unwatch(id2);
    if (c->p0_read_only) {
        mprotect(BANK(a, 0, 0), PAGE, PROT_READ | PROT_WRITE);
        mprotect(BANK(a, 1, 0), PAGE, PROT_READ | PROT_WRITE);
    }
}

/* Bytes compare() leaves out: below the red zone of the instance's stack,
 * where the ABI lets anything change at any time (a signal handler may run
 * there), and where a promoted site's stub saves what it uses. */
static uintptr_t skip_lo, skip_hi;
#define DT_STUB_STACK 1024

/* First difference between two results; 0 when they agree. */
static int compare(struct result *x, struct result *y, struct arena *a, char *why, size_t n)
{
    if (x->fault.signo != y->fault.signo || x->fault.code != y->fault.code ||
        (x->fault.signo && x->fault.addr != y->fault.addr)) {
        snprintf(why, n, "signal: plain %d/%d@%#llx watched %d/%d@%#llx", x->fault.signo, x->fault.code,
                 (unsigned long long)x->fault.addr, y->fault.signo, y->fault.code, (unsigned long long)y->fault.addr);
        return 1;
    }
    if (x->fault.signo && (x->fault.rip != y->fault.rip || x->fault.trapno != y->fault.trapno ||
                           x->fault.err != y->fault.err)) {
        snprintf(why, n, "signal context (at %#llx): plain rip %#llx trap %llu err %#llx, watched rip %#llx trap %llu "
                 "err %#llx", (unsigned long long)x->fault.addr, (unsigned long long)x->fault.rip, (unsigned long long)x->fault.trapno,
                 (unsigned long long)x->fault.err, (unsigned long long)y->fault.rip,
                 (unsigned long long)y->fault.trapno, (unsigned long long)y->fault.err);
        return 1;
    }
    for (int r = 0; r < 16; r++)
        if (x->st.gpr[r] != y->st.gpr[r]) {
            snprintf(why, n, "%s: plain %#llx watched %#llx", gpr_name[r], (unsigned long long)x->st.gpr[r],
                     (unsigned long long)y->st.gpr[r]);
            return 1;
        }
    const uint64_t fl = 0x8d5 | 0x400;
    if ((x->st.rflags ^ y->st.rflags) & fl) {
        snprintf(why, n, "rflags: plain %#llx watched %#llx", (unsigned long long)(x->st.rflags & fl),
                 (unsigned long long)(y->st.rflags & fl));
        return 1;
    }
    if (xs_diff(x->st.xsave, y->st.xsave, why, n))
        return 1;
    for (int i = 0; i < DATA_PAGES * PAGE; i++)
        if (x->mem[i] != y->mem[i] && !((uintptr_t)(a->data + i) >= skip_lo && (uintptr_t)(a->data + i) < skip_hi)) {
            static const char *pn[8] = {"P0", "P1", "P2", "P3", "S0", "S1", "S2", "S3"};
            snprintf(why, n, "memory %s+%#x (%p): plain %02x watched %02x", pn[i / PAGE], i % PAGE,
                     (void *)(a->data + i), x->mem[i], y->mem[i]);
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* the child: one batch of forms                                             */
/* ------------------------------------------------------------------------- */

struct form {
    uint8_t bytes[16];
    unsigned len;
    char src[64];
};

static int out_fd = 1, err_fd = -1;
static off_t err_off;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if (k > (int)sizeof line - 2)
        k = (int)sizeof line - 2;
    for (int i = 0; i < k; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[k++] = '\n';
    ssize_t w = write(out_fd, line, (size_t)k);
    (void)w;
}

/* The engine's own words about the last runs (stderr goes to a file). */
static void engine_said(char *out, size_t n)
{
    out[0] = 0;
    if (err_fd < 0)
        return;
    char buf[4096];
    ssize_t got = pread(err_fd, buf, sizeof buf - 1, err_off);
    if (got <= 0)
        return;
    err_off += got;
    buf[got] = 0;
    /* "cannot relocate the instruction at 0x.. (bytes; REASON): single-stepping" */
    char *p = strstr(buf, "cannot relocate");
    if (p) {
        char *semi = strchr(p, ';'), *end = semi ? strstr(semi, "): ") : NULL;
        if (semi && end) {
            size_t k = (size_t)(end - semi - 2);
            if (k >= n)
                k = n - 1;
            memcpy(out, semi + 2, k);
            out[k] = 0;
            return;
        }
    }
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    size_t k = strlen(buf) < n - 9 ? strlen(buf) : n - 9;
    memcpy(out, "engine: ", 8);
    memcpy(out + 8, buf, k);
    out[8 + k] = 0;
}

/* -v: every differing vector, mask and general register, with its value
 * before the instruction. */
static void dump_difference(int idx, struct config *c, struct result *x, struct result *y)
{
    uint8_t *in = c->st->xsave;
    xs_normalise(x->st.xsave);
    xs_normalise(y->st.xsave);
    for (int r = 0; r < 16; r++)
        if (x->st.gpr[r] != y->st.gpr[r] || c->st->gpr[r] != x->st.gpr[r])
            emit("N %d %s before %#llx plain %#llx watched %#llx", idx, gpr_name[r],
                 (unsigned long long)c->st->gpr[r], (unsigned long long)x->st.gpr[r],
                 (unsigned long long)y->st.gpr[r]);
    for (int k = 0; k < 8 && (dt_xfeatures & 0x20); k++) {
        uint64_t b = get_le(xs_comp(in, 5) + 8 * k, 8), p = get_le(xs_comp(x->st.xsave, 5) + 8 * k, 8),
                 w = get_le(xs_comp(y->st.xsave, 5) + 8 * k, 8);
        if (b != p || p != w)
            emit("N %d k%d before %#llx plain %#llx watched %#llx", idx, k, (unsigned long long)b,
                 (unsigned long long)p, (unsigned long long)w);
    }
    for (int id = 0; id < 32; id++) {
        uint8_t vb[64] = {0}, vp[64] = {0}, vw[64] = {0};
        xs_vec_access(in, id, 0, vb, 64, 0);
        xs_vec_access(x->st.xsave, id, 0, vp, 64, 0);
        xs_vec_access(y->st.xsave, id, 0, vw, 64, 0);
        if (!memcmp(vb, vp, 64) && !memcmp(vp, vw, 64))
            continue;
        char hb[129], hp[129], hw[129];
        hex(hb, vb, 64);
        hex(hp, vp, 64);
        hex(hw, vw, 64);
        emit("N %d zmm%d before  %s", idx, id, hb);
        emit("N %d zmm%d plain   %s", idx, id, hp);
        emit("N %d zmm%d watched %s", idx, id, hw);
    }
}

static struct config cfg;
static struct dt_state cfg_state;
static struct result res_plain, res_plain2, res_watched, res_promoted;

static void run_form(int idx, const struct form *f, int slot, int verbose)
{
    struct plan p;
    char hx[40], why[512] = "", said[256];
    hex(hx, f->bytes, f->len);
    if (plan_form(&p, f->bytes, f->len) != 0) {
        emit("R %d EXCL %s", idx, p.exclude);
        return;
    }
    struct arena *a = &arenas[p.arena];
    cfg.st = &cfg_state;
    uint64_t seed = 0;
    for (unsigned i = 0; i < f->len; i++)
        seed = seed * 131 + f->bytes[i];
    int any_ok = 0, all_ud = 1, stepped = 0, trapped = 0, promoted = 0;
    char step_reason[256] = "";
    for (int pl = 0; pl < PL_COUNT; pl++) {
        if (configure(&cfg, &p, pl, arenas[p.code_arena].code + slot * CODE_SLOT, seed) != 0)
            continue;
        run_once(&cfg, &p, 0, &res_plain, NULL);
        run_once(&cfg, &p, 0, &res_plain2, NULL);
        if (res_plain.fault.signo != SIGILL)
            all_ud = 0;
        if (compare(&res_plain, &res_plain2, a, why, sizeof why)) {
            emit("R %d EXCL not deterministic (%s: %s)", idx, pl_name[pl], why);
            return;
        }
        run_once(&cfg, &p, 1, &res_watched, promote_pass ? &res_promoted : NULL);
        engine_said(said, sizeof said);
        if (res_watched.watch_failed) {
            emit("R %d EXCL memwatch_watch failed: %s", idx, strerror(res_watched.watch_failed));
            return;
        }
        if (res_watched.traps)
            trapped = 1;
        if (res_watched.steps) {
            stepped = 1;
            if (said[0] && !step_reason[0])
                snprintf(step_reason, sizeof step_reason, "%s", said);
        } else if (said[0] && verbose) {
            emit("N %d %s: %s", idx, pl_name[pl], said);
        }
        /* The watches cover whole pages: an instruction that completed after
         * trapping touched a watched byte, and counts exactly once. */
        if (!res_watched.fault.signo && !compare(&res_plain, &res_watched, a, why, sizeof why) &&
            (res_watched.silent || res_watched.accesses != (res_watched.traps ? 1u : 0u))) {
            emit("R %d DIV %s: counted %llu accesses and %llu silent ones (1 and 0 expected)", idx, pl_name[pl],
                 (unsigned long long)res_watched.accesses, (unsigned long long)res_watched.silent);
            return;
        }
        if (compare(&res_plain, &res_watched, a, why, sizeof why)) {
            if (verbose)
                dump_difference(idx, &cfg, &res_plain, &res_watched);
            emit("R %d DIV %s: %s%s%s", idx, pl_name[pl], why, said[0] ? " [" : "", said[0] ? said : "");
            return;
        }
        /* A stack the instance cannot write (S0 read-only, rsp on it) is no
         * stack for a stub, as for a signal handler: compared only unpromoted. */
        int stack_writable = !(cfg.p0_read_only && cfg.st->gpr[4] > (uintptr_t)BANK(a, 1, 0) &&
                               cfg.st->gpr[4] <= (uintptr_t)BANK(a, 1, 1));
        if (promote_pass && res_promoted.promoted && stack_writable) {
            /* through the stub: the same end, the same count */
            skip_hi = cfg.st->gpr[4] - 128;
            skip_lo = skip_hi - DT_STUB_STACK;
            int differs = compare(&res_plain, &res_promoted, a, why, sizeof why);
            skip_lo = skip_hi = 0;
            if (differs) {
                if (verbose)
                    dump_difference(idx, &cfg, &res_plain, &res_promoted);
                emit("R %d DIV %s, promoted: %s", idx, pl_name[pl], why);
                return;
            }
            if (!res_watched.fault.signo &&
                (res_promoted.accesses != res_watched.accesses || res_promoted.silent != res_watched.silent)) {
                emit("R %d DIV %s, promoted: counted %llu accesses and %llu silent ones (%llu and %llu first)", idx,
                     pl_name[pl], (unsigned long long)res_promoted.accesses,
                     (unsigned long long)res_promoted.silent, (unsigned long long)res_watched.accesses,
                     (unsigned long long)res_watched.silent);
                return;
            }
            promoted = 1;
        }
        any_ok = 1;
    }
    if (all_ud) {
        emit("R %d EXCL raises #UD natively", idx);
        return;
    }
    if (!any_ok) {
        emit("R %d EXCL no placement applies", idx);
        return;
    }
    if (stepped)
        emit("R %d UNSUP %s", idx, step_reason[0] ? step_reason : "single-stepped (no reason printed)");
    else
        emit("R %d OK%s%s", idx, trapped ? "" : " untrapped", promoted ? " promoted" : "");
}

static void child_setup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void run_batch(const struct form *forms, int from, int to, int verbose)
{
    child_setup();
    for (int i = from; i < to; i++) {
        emit("B %d", i);
        run_form(i, &forms[i], i - from, verbose);
    }
}

/* ------------------------------------------------------------------------- */
/* the parent: batches, crashes, timeouts, the report                        */
/* ------------------------------------------------------------------------- */

enum { ST_NONE, ST_OK, ST_DIV, ST_UNSUP, ST_EXCL };
struct outcome {
    int status;
    int untrapped;
    int promoted;
    char text[512];
};

static struct form *forms;
static struct outcome *outcomes;
static int nforms;
static int verbose;

static int parse_hex(const char *s, uint8_t *out)
{
    int n = 0;
    while (n < 15 && s[0] && s[1] && s[0] != '\t' && s[0] != ' ') {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static void load_corpus(const char *path, int every, int max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[4096];
    int k = 0, taken = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (k++ % every)
            continue;
        if (max && taken >= max)
            break;
        struct form fm = {0};
        fm.len = (unsigned)parse_hex(line, fm.bytes);
        if (!fm.len)
            continue;
        char *tab = strchr(line, '\t'), *hash = strchr(line, '#');
        const char *src = path;
        if (tab) {
            src = tab + 1;
            char *t2 = strchr(src, '\t');
            if (t2)
                *t2 = 0;
        } else if (hash) {
            src = hash + 1;
            while (*src == ' ')
                src++;
        }
        snprintf(fm.src, sizeof fm.src, "%s", src);
        fm.src[strcspn(fm.src, "\n")] = 0;
        forms = realloc(forms, (size_t)(nforms + 1) * sizeof *forms);
        forms[nforms++] = fm;
        taken++;
    }
    fclose(f);
}

static void disasm(const struct form *f, char *out, size_t n)
{
    ZydisDecoder d;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    ZydisFormatter fmt;
    dt_decoder_init(&d);
    ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, f->bytes, f->len, &zi, ops)) ||
        !ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt, &zi, ops, zi.operand_count_visible, out, n, 0, NULL)))
        snprintf(out, n, "(undecodable)");
}

struct job {
    pid_t pid;
    int fd;
    int from, to, current;
    char buf[8192];
    size_t len;
    struct timespec last;
    char errpath[64];
    int killed;
};

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1000.0 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static void job_start(struct job *j, int from, int to)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    static int seq;
    snprintf(j->errpath, sizeof j->errpath, "/tmp/diffrun.%d.%d.err", getpid(), seq++);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        out_fd = fds[1];
        int e = open(j->errpath, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
        if (e >= 0) {
            dup2(e, 2);
            err_fd = e;
        }
        run_batch(forms, from, to, verbose);
        _exit(0);
    }
    close(fds[1]);
    j->pid = pid;
    j->fd = fds[0];
    j->from = from;
    j->to = to;
    j->current = from - 1;
    j->len = 0;
    j->killed = 0;
    clock_gettime(CLOCK_MONOTONIC, &j->last);
}

static void job_line(struct job *j, char *line)
{
    int idx;
    char kind[16];
    if (sscanf(line, "B %d", &idx) == 1 && line[0] == 'B') {
        j->current = idx;
        return;
    }
    if (line[0] == 'N') {
        if (verbose)
            fprintf(stderr, "%s\n", line);
        return;
    }
    if (sscanf(line, "R %d %15s", &idx, kind) != 2 || idx < 0 || idx >= nforms)
        return;
    struct outcome *o = &outcomes[idx];
    const char *rest = strstr(line, kind) + strlen(kind);
    while (*rest == ' ')
        rest++;
    snprintf(o->text, sizeof o->text, "%s", rest);
    if (strcmp(kind, "OK") == 0) {
        o->status = ST_OK;
        o->untrapped = strstr(rest, "untrapped") != NULL;
        o->promoted = strstr(rest, "promoted") != NULL;
    } else if (strcmp(kind, "DIV") == 0)
        o->status = ST_DIV;
    else if (strcmp(kind, "UNSUP") == 0)
        o->status = ST_UNSUP;
    else
        o->status = ST_EXCL;
}

/* The child is gone: a form it started and did not finish crashed it. */
static int job_end(struct job *j)
{
    int status = 0;
    waitpid(j->pid, &status, 0);
    int resume = j->to;
    if (j->current >= j->from && j->current < j->to && outcomes[j->current].status == ST_NONE) {
        struct outcome *o = &outcomes[j->current];
        char tail[300] = "";
        int e = open(j->errpath, O_RDONLY);
        if (e >= 0) {
            off_t end = lseek(e, 0, SEEK_END);
            off_t from = end > 280 ? end - 280 : 0;
            ssize_t got = pread(e, tail, 280, from);
            tail[got > 0 ? got : 0] = 0;
            close(e);
            for (char *q = tail; *q; q++)
                if (*q == '\n')
                    *q = ' ';
        }
        o->status = ST_DIV;
        if (j->killed)
            snprintf(o->text, sizeof o->text, "timeout (no progress in %d ms) %s", FORM_TIMEOUT_MS, tail);
        else if (WIFSIGNALED(status))
            snprintf(o->text, sizeof o->text, "runner child killed by signal %d %s", WTERMSIG(status), tail);
        else
            snprintf(o->text, sizeof o->text, "runner child exited with %d mid-form %s", WEXITSTATUS(status), tail);
        resume = j->current + 1;
    }
    if (!getenv("DIFFRUN_KEEP")) unlink(j->errpath);
    close(j->fd);
    return resume;
}

int main(int argc, char **argv)
{
    int every = 1, max = 0, jobs = 2, c;
    const char *details = NULL;
    while ((c = getopt(argc, argv, "e:m:j:vpo:")) != -1) {
        switch (c) {
        case 'e': every = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'm': max = atoi(optarg); break;
        case 'j': jobs = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'v': verbose = 1; break;
        case 'p': promote_pass = 1; break;
        case 'o': details = optarg; break;
        default:
            fprintf(stderr, "usage: diffrun [-e EVERY] [-m MAX] [-j JOBS] [-v] [-p] [-o DETAILS] CORPUS...\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "diffrun: no corpus\n");
        return 2;
    }
    dt_cpu_probe();
    if (!(dt_cpu.l1c & bit_OSXSAVE) || !dt_has_avx()) {
        printf("diffrun: the harness needs XSAVE and AVX, which this CPU or kernel lacks\n");
        return 77;
    }
    for (int i = optind; i < argc; i++)
        load_corpus(argv[i], every, max);
    outcomes = calloc((size_t)nforms, sizeof *outcomes);
    xs_init_template();
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base);
    if (arena_make(&arenas[0], fs_base, 0) != 0 || arena_make(&arenas[1], 0, 1) != 0) {
        fprintf(stderr, "diffrun: cannot place the test arenas\n");
        return 2;
    }
    gs_base = (uintptr_t)arenas[0].base;
    syscall(SYS_arch_prctl, ARCH_SET_GS, gs_base);
    /* Make the library set itself up (and the executor pages) before the
     * first fork, so every child starts from the same state. */
    memwatch_stats_t st;
    memwatch_get_stats(&st);

    struct job js[16];
    if (jobs > 16)
        jobs = 16;
    int active = 0, next = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        while (active < jobs && next < nforms) {
            int to = next + BATCH < nforms ? next + BATCH : nforms;
            job_start(&js[active++], next, to);
            next = to;
        }
        if (!active)
            break;
        struct pollfd pf[16];
        for (int i = 0; i < active; i++)
            pf[i] = (struct pollfd){.fd = js[i].fd, .events = POLLIN};
        poll(pf, (nfds_t)active, 500);
        for (int i = 0; i < active; i++) {
            struct job *j = &js[i];
            int done = 0;
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t got = read(j->fd, j->buf + j->len, sizeof j->buf - 1 - j->len);
                if (got <= 0) {
                    done = 1;
                } else {
                    j->len += (size_t)got;
                    j->buf[j->len] = 0;
                    char *start = j->buf, *nl;
                    while ((nl = strchr(start, '\n'))) {
                        *nl = 0;
                        job_line(j, start);
                        start = nl + 1;
                    }
                    j->len -= (size_t)(start - j->buf);
                    memmove(j->buf, start, j->len);
                    clock_gettime(CLOCK_MONOTONIC, &j->last);
                }
            } else if (since(&j->last) > FORM_TIMEOUT_MS) {
                kill(j->pid, SIGKILL);
                j->killed = 1;
            }
            if (done) {
                int resume = job_end(j);
                int to = j->to;
                js[i] = js[--active];
                i--;
                if (resume < to) {
                    job_start(&js[active++], resume, to);
                }
            }
        }
    }

    /* the report */
    int n = 0, div = 0, unsup = 0, excl = 0, untrapped = 0, promoted = 0;
    FILE *det = details ? fopen(details, "w") : NULL;
    for (int i = 0; i < nforms; i++) {
        struct outcome *o = &outcomes[i];
        if (o->status == ST_EXCL || o->status == ST_NONE) {
            excl++;
            continue;
        }
        n++;
        if (o->status == ST_DIV) div++;
        if (o->status == ST_UNSUP) unsup++;
        if (o->status == ST_OK && o->untrapped) untrapped++;
        if (o->status == ST_OK && o->promoted) promoted++;
    }
    char hx[40], text[160];
    if (div) {
        printf("divergences:\n");
        for (int i = 0; i < nforms; i++)
            if (outcomes[i].status == ST_DIV) {
                hex(hx, forms[i].bytes, forms[i].len);
                disasm(&forms[i], text, sizeof text);
                printf("  DIV %-30s %-44s %s: %s\n", hx, text, forms[i].src, outcomes[i].text);
            }
    }
    /* unsupported, grouped by reason */
    if (unsup) {
        printf("unsupported, by reason:\n");
        char *done = calloc((size_t)nforms, 1);
        for (int i = 0; i < nforms; i++) {
            if (outcomes[i].status != ST_UNSUP || done[i])
                continue;
            int cnt = 0;
            for (int k = i; k < nforms; k++)
                if (outcomes[k].status == ST_UNSUP && strcmp(outcomes[k].text, outcomes[i].text) == 0)
                    cnt++;
            printf("  %d  %s\n", cnt, outcomes[i].text);
            int shown = 0;
            for (int k = i; k < nforms; k++)
                if (outcomes[k].status == ST_UNSUP && strcmp(outcomes[k].text, outcomes[i].text) == 0) {
                    done[k] = 1;
                    if (shown++ < 12 || verbose) {
                        hex(hx, forms[k].bytes, forms[k].len);
                        disasm(&forms[k], text, sizeof text);
                        printf("      %-30s %s\n", hx, text);
                    }
                }
            if (shown > 12 && !verbose)
                printf("      ... and %d more\n", shown - 12);
        }
        free(done);
    }
    if (det) {
        for (int i = 0; i < nforms; i++) {
            static const char *sn[] = {"NONE", "OK", "DIV", "UNSUP", "EXCL"};
            hex(hx, forms[i].bytes, forms[i].len);
            disasm(&forms[i], text, sizeof text);
            fprintf(det, "%s\t%s\t%s\t%s\t%s%s\n", sn[outcomes[i].status], hx, text, forms[i].src, outcomes[i].text,
                    outcomes[i].untrapped ? " (never trapped)" : "");
        }
        fclose(det);
    }
    printf("excluded: %d (raise #UD natively, not deterministic, or cannot be placed)\n", excl);
    printf("never trapped (masked off or no access in every placement): %d\n", untrapped);
    if (promote_pass)
        printf("through a promoted site as well (the same end and count): %d\n", promoted);
    printf("time: %.1f s\n", since(&t0) / 1000.0);
    printf("%d forms, %d divergences, %d unsupported\n", n, div, unsup);
    return div ? 1 : 0;
}
