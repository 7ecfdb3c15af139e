/*
 * trampoline/features.c - probing CPU and kernel features (see features.h).
 */
#include "trampoline/features.h"

#include <sys/mman.h>

#include "core/log.h"
#include "core/sys.h"

#define MW_ARCH_SHSTK_STATUS 0x5005
#define MW_ARCH_SHSTK_SHSTK 1

static int mw_shstk;
static unsigned mw_va_bits = 47;

/* With 5-level paging the kernel maps above 47 bits only when asked to: a
 * no-replace mapping at 2^47 succeeds only there. */
static unsigned mw_probe_va_bits(void)
{
    uintptr_t hint = (uintptr_t)1 << 47;
    long r = (long)mw_sys_mmap((void *)hint, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                               -1, 0);
    if (mw_sys_failed(r))
        return 47;
    mw_sys_munmap((void *)r, 4096);
    return (uintptr_t)r == hint ? 56 : 47;
}

void mw_features_probe(void)
{
    uint64_t status = 0;
    if (MW_SYS2(SYS_arch_prctl, MW_ARCH_SHSTK_STATUS, &status) == 0 && (status & MW_ARCH_SHSTK_SHSTK)) {
        mw_shstk = 1;
        mw_debug("user shadow stacks are on: calls and returns through watched memory are single-stepped");
    }
    mw_va_bits = mw_probe_va_bits();
}

int mw_feature_shadow_stack(void) { return mw_shstk; }

unsigned mw_feature_va_bits(void) { return mw_va_bits; }

void mw_feature_force_shadow_stack(int on) { mw_shstk = on; }
