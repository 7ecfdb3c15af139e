/*
 * trampoline/xstate.h - facts about the CPU's extended (XSAVE) state.
 *
 * The executor runs vector instructions with the program's registers loaded
 * from the signal frame's XSAVE image, and an xsave-family instruction writes
 * as many bytes as the enabled features need; both sizes come from CPUID
 * leaf 0xD, read once.
 */
#ifndef MW_TRAMPOLINE_XSTATE_H
#define MW_TRAMPOLINE_XSTATE_H

/* Bytes an XSAVE of every feature enabled in XCR0 writes (512 without XSAVE). */
unsigned mw_xstate_size(void);
/* Non-zero when the CPU and kernel use XSAVE (signal frames carry an XSAVE header). */
int mw_xstate_has_xsave(void);

#endif
