/*
 * test-modes: objects
 *
 * The kernel sizes a signal frame's extended state for what the process may
 * use, not for what the CPU has: a process without AMX permission on a CPU
 * with AMX gets a frame without tile data, and a kernel or CPU without XSAVE
 * gives a bare 512-byte FXSAVE image.  This CPU cannot produce such frames,
 * so they are made here: the engine's fault path is called with a context
 * whose extended state describes fewer features than the CPU has (x87+SSE,
 * 576 bytes; x87+SSE+AVX, 832 bytes; FXSAVE only, 512 bytes) and ends right
 * before a guard page, with a canary in between.  A watched SSE or AVX load,
 * store or AVX2 gather must complete with the right values and count, and
 * nothing may touch the canary or the guard (a write there kills the test).
 */
#include <signal.h>
#include <ucontext.h>

#include "memwatch.h"
#include "mwtest.h"
#include "trampoline/fault.h"

#define MAGIC1 0x46505853U
#define MAGIC2 0x46505845U
#define CANARY 0xa5

static const uint8_t movaps_load[] = {0x0f, 0x28, 0x07};            /* movaps xmm0, [rdi] */
static const uint8_t movups_store[] = {0x0f, 0x11, 0x0f};           /* movups [rdi], xmm1 */
static const uint8_t vmovups_load[] = {0xc5, 0xfc, 0x10, 0x07};     /* vmovups ymm0, [rdi] */
static const uint8_t vpgatherdd[] = {0xc4, 0xe2, 0x6d, 0x90, 0x04, 0x8f}; /* vpgatherdd ymm0, [rdi+ymm1*4], ymm2 */

struct frame {
    uint8_t *image, *end, *guard;
    uint32_t size;
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* An image of size bytes (+4 for MAGIC2) ending as close to a guard page as
 * its 64-byte alignment allows; xsave 0 makes a bare FXSAVE image. */
static struct frame frame_make(uint32_t size, uint64_t features, int xsave)
{
    uint8_t *base = mwtest_pages(3);
    struct frame f = {.guard = base + 2 * 4096, .size = size};
    mprotect(f.guard, 4096, PROT_NONE);
    size_t need = xsave ? size + 4 : size;
    f.image = f.guard - ((need + 63) & ~(size_t)63);
    f.end = f.image + need;
    memset(base, CANARY, 2 * 4096);
    memset(f.image, 0, need);
    __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])f.image)); /* sane x87 and MXCSR */
    memset(f.image + 464, 0, 48);
    if (xsave) {
        put32(f.image + 464, MAGIC1);
        put32(f.image + 468, size + 4);
        put64(f.image + 472, features);
        put32(f.image + 480, size);
        memset(f.image + 512, 0, 64);
        put64(f.image + 512, 3); /* XSTATE_BV: x87 and SSE live, the rest initial */
        put32(f.image + size, MAGIC2);
    }
    return f;
}

static int canary_intact(const struct frame *f)
{
    for (const uint8_t *p = f->end; p < f->guard; p++)
        if (*p != CANARY)
            return 0;
    for (const uint8_t *p = f->guard - 2 * 4096; p < f->image; p++)
        if (*p != CANARY)
            return 0;
    return 1;
}

/* A SIGSEGV on the watched page, as the kernel would deliver it, with the
 * given frame; returns the context afterwards. */
static void fault(ucontext_t *uc, const struct frame *f, const uint8_t *code, void *rdi, int write)
{
    uint64_t stack[512];
    memset(uc, 0, sizeof *uc);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)code;
    uc->uc_mcontext.gregs[REG_RDI] = (greg_t)(uintptr_t)rdi;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)&stack[256];
    uc->uc_mcontext.gregs[REG_EFL] = 0x202;
    uc->uc_mcontext.gregs[REG_TRAPNO] = 14;
    uc->uc_mcontext.gregs[REG_ERR] = write ? 7 : 5;
    uc->uc_mcontext.fpregs = (fpregset_t)f->image;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGSEGV;
    info.si_code = SEGV_ACCERR;
    info.si_addr = rdi;
    mw_signal_entry(SIGSEGV, &info, uc);
}

static uint8_t pattern(unsigned i) { return (uint8_t)(0x30 + i * 7); }

/* The program's own code is linked into the same object as the engine here,
 * so it must not touch the watched page itself (a fault in "the library's
 * code" ends the process): expected values come from the pattern. */
static uint8_t expect_page[4096];

int main(void)
{
    uint8_t *page = mwtest_pages(1);
    for (unsigned i = 0; i < 4096; i++)
        page[i] = expect_page[i] = pattern(i);
    memwatch_id_t id;
    CHECK(memwatch_watch(page, 4096, MEMWATCH_RW, NULL, NULL, &id) == 0);
    uint64_t count = 0, expect = 0;
    ucontext_t uc;

    /* x87+SSE only (576 bytes): a load and a store. */
    struct frame sse = frame_make(576, 3, 1);
    fault(&uc, &sse, movaps_load, page + 64, 0);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)movaps_load + 3);
    CHECK(memcmp(sse.image + 160, expect_page + 64, 16) == 0);
    CHECK(canary_intact(&sse));
    expect++;
    for (unsigned i = 0; i < 16; i++)
        sse.image[160 + 16 + i] = (uint8_t)(0xe0 + i); /* xmm1 */
    fault(&uc, &sse, movups_store, page + 200, 1);
    memwatch_unwatch(id);
    CHECK(memcmp(page + 200, sse.image + 176, 16) == 0);
    CHECK(memwatch_watch(page, 4096, MEMWATCH_RW, NULL, NULL, &id) == 0);
    CHECK(canary_intact(&sse));
    expect = 0;

    /* A bare FXSAVE image (no XSAVE magic), right before the guard. */
    struct frame fx = frame_make(512, 3, 0);
    CHECK(fx.end == fx.guard);
    fault(&uc, &fx, movaps_load, page + 1024, 0);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)movaps_load + 3);
    CHECK(memcmp(fx.image + 160, expect_page + 1024, 16) == 0);
    expect++;

    /* x87+SSE+AVX (832 bytes): a 256-bit load, and a gather whose mask is a
     * vector register (its upper half lives in the AVX component, and there
     * is no AVX-512 component to write). */
    struct frame avx = frame_make(832, 7, 1);
    fault(&uc, &avx, vmovups_load, page + 512, 0);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)vmovups_load + 4);
    CHECK(memcmp(avx.image + 160, expect_page + 512, 16) == 0);
    CHECK(memcmp(avx.image + 576, expect_page + 512 + 16, 16) == 0);
    CHECK(canary_intact(&avx));
    expect++;

    struct frame g = frame_make(832, 7, 1);
    uint8_t fcw_mxcsr[32];
    memcpy(fcw_mxcsr, g.image, 32);
    uint32_t idx[8] = {7, 0, 3, 100, 5, 9, 2, 1};
    memcpy(g.image + 160 + 16, idx, 16);      /* ymm1 low: indices 0..3 */
    memcpy(g.image + 576 + 16, idx + 4, 16);  /* ymm1 high: indices 4..7 */
    memset(g.image + 160 + 32, 0xff, 16);     /* ymm2: every lane enabled */
    memset(g.image + 576 + 32, 0xff, 16);
    put64(g.image + 512, 7);
    fault(&uc, &g, vpgatherdd, page + 256, 0);
    CHECK_EQ(uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)vpgatherdd + 6);
    for (unsigned l = 0; l < 8; l++) {
        uint32_t got, want;
        memcpy(&got, (l < 4 ? g.image + 160 + 4 * l : g.image + 576 + 4 * (l - 4)), 4);
        memcpy(&want, expect_page + 256 + 4 * idx[l], 4);
        CHECK_EQ(got, want);
    }
    for (unsigned i = 0; i < 16; i++) /* the mask is cleared when the gather completes */
        CHECK(g.image[160 + 32 + i] == 0 && g.image[576 + 32 + i] == 0);
    CHECK(memcmp(fcw_mxcsr, g.image, 32) == 0);
    CHECK(canary_intact(&g));
    expect++;

    CHECK(memwatch_region_count(id, &count) == 0);
    CHECK_EQ(count, expect);
    return mwtest_done();
}
