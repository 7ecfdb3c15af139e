/*
 * trampoline/xstate.c - reading a signal frame's extended state description,
 * and CPUID leaf 0xD for component offsets (see xstate.h).
 */
#include "trampoline/xstate.h"

#include <cpuid.h>
#include <string.h>

#define MW_FP_XSTATE_MAGIC1 0x46505853U
#define MW_FP_XSTATE_MAGIC2 0x46505845U
#define MW_SW_BYTES 464 /* struct _fpx_sw_bytes within the FXSAVE area */
#define MW_FXSAVE_SIZE 512
#define MW_XSAVE_MIN 576 /* legacy area + XSAVE header */

int mw_xframe_of(const ucontext_t *uc, struct mw_xframe *xf)
{
    uint8_t *x = (uint8_t *)uc->uc_mcontext.fpregs;
    xf->image = x;
    xf->features = 3;
    xf->size = MW_FXSAVE_SIZE;
    xf->xsave = 0;
    if (!x)
        return -1;
    uint32_t magic1, extended, size, magic2;
    uint64_t features;
    memcpy(&magic1, x + MW_SW_BYTES, 4);
    memcpy(&extended, x + MW_SW_BYTES + 4, 4);
    memcpy(&features, x + MW_SW_BYTES + 8, 8);
    memcpy(&size, x + MW_SW_BYTES + 16, 4);
    if (magic1 != MW_FP_XSTATE_MAGIC1 || size < MW_XSAVE_MIN || (uint64_t)size + 4 > extended ||
        (features & 3) != 3)
        return 0;
    memcpy(&magic2, x + size, 4);
    if (magic2 != MW_FP_XSTATE_MAGIC2)
        return 0;
    xf->features = features;
    xf->size = size;
    xf->xsave = 1;
    return 0;
}

int mw_xframe_has(const struct mw_xframe *xf, unsigned c)
{
    if (c < 2)
        return 1;
    if (!xf->xsave || c >= 64 || !(xf->features & (1ULL << c)))
        return 0;
    unsigned off, len;
    mw_xstate_component(c, &off, &len);
    return len && off + len <= xf->size;
}

static unsigned mw_xoff[64], mw_xlen[64];
static unsigned mw_xmax;
static int mw_xready;

static void mw_xstate_probe(void)
{
    unsigned a, b, c, d;
    mw_xmax = MW_FXSAVE_SIZE;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE)) {
        __cpuid_count(0xd, 0, a, b, c, d);
        if (b >= MW_XSAVE_MIN)
            mw_xmax = b;
        for (unsigned k = 2; k < 32; k++) {
            __cpuid_count(0xd, k, a, b, c, d);
            if (c & 1) /* supervisor state: never in a user frame */
                continue;
            mw_xlen[k] = a;
            mw_xoff[k] = b;
        }
    }
    __atomic_store_n(&mw_xready, 1, __ATOMIC_RELEASE);
}

void mw_xstate_component(unsigned c, unsigned *offset, unsigned *size)
{
    if (!__atomic_load_n(&mw_xready, __ATOMIC_ACQUIRE))
        mw_xstate_probe();
    *offset = c < 64 ? mw_xoff[c] : 0;
    *size = c < 64 ? mw_xlen[c] : 0;
}

unsigned mw_xstate_cpu_max(void)
{
    if (!__atomic_load_n(&mw_xready, __ATOMIC_ACQUIRE))
        mw_xstate_probe();
    return mw_xmax;
}
