/*
 * trampoline/xstate.c - CPUID leaf 0xD, read once (see xstate.h).
 */
#include "trampoline/xstate.h"

#include <cpuid.h>

static unsigned mw_xsize;
static int mw_xsave_ok = -1;

static void mw_xstate_probe(void)
{
    unsigned a, b, c, d;
    mw_xsize = 512;
    mw_xsave_ok = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    if (!(c & bit_OSXSAVE))
        return;
    __cpuid_count(0xd, 0, a, b, c, d);
    if (b >= 512) {
        mw_xsize = b;
        mw_xsave_ok = 1;
    }
}

unsigned mw_xstate_size(void)
{
    if (mw_xsave_ok < 0)
        mw_xstate_probe();
    return mw_xsize;
}

int mw_xstate_has_xsave(void)
{
    if (mw_xsave_ok < 0)
        mw_xstate_probe();
    return mw_xsave_ok;
}
