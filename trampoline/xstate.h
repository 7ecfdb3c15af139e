/*
 * trampoline/xstate.h - the extended (x87/SSE/AVX/AVX-512/AMX...) state, as
 * the kernel laid it out in a signal frame.
 *
 * The executor runs vector instructions with the program's registers loaded
 * from the signal frame's own image and saved back into it.  How big that
 * image is and which components it holds is decided by the kernel per
 * process, not by the CPU: a process that has not asked for AMX
 * (ARCH_REQ_XCOMP_PERM) gets a frame without the 8 KiB of tile data even on
 * a CPU that has it, so CPUID's maximum size is wrong for the frame.  The
 * frame describes itself in struct _fpx_sw_bytes (in the FXSAVE area's
 * reserved bytes): magic1, the feature mask, the image size; FP_XSTATE_MAGIC2
 * follows the image.  Every xrstor/xsave of the engine uses that mask as its
 * requested-feature bitmap, so it never reads or writes outside the image.
 * A frame without the magic is a bare 512-byte FXSAVE image (a kernel or CPU
 * without XSAVE): fxrstor/fxsave then.
 */
#ifndef MW_TRAMPOLINE_XSTATE_H
#define MW_TRAMPOLINE_XSTATE_H

#include <stdint.h>
#include <ucontext.h>

/* One signal frame's extended state. */
struct mw_xframe {
    uint8_t *image;       /* uc_mcontext.fpregs: FXSAVE area, XSAVE header, components */
    uint64_t features;    /* components the image holds: the RFBM of every xrstor/xsave */
    uint32_t size;        /* bytes of the image (512 for FXSAVE only) */
    uint8_t xsave;        /* 1: XSAVE layout, 0: FXSAVE only */
};

/* The frame's extended state as its _fpx_sw_bytes describe it.  Returns 0,
 * or -1 when the context carries none (xf->image NULL). */
int mw_xframe_of(const ucontext_t *uc, struct mw_xframe *xf);
/* Does the frame hold state component c (and so its bytes at the standard
 * offset)?  Component 0 (x87) and 1 (SSE) are in every frame. */
int mw_xframe_has(const struct mw_xframe *xf, unsigned c);

/* Standard-format offset and size of component c >= 2 (CPUID leaf 0xD);
 * 0, 0 when the CPU does not know it. */
void mw_xstate_component(unsigned c, unsigned *offset, unsigned *size);

/* Bytes an XSAVE of every feature enabled in XCR0 writes, from CPUID: an
 * upper bound of what a program's own xsave-family instruction may touch
 * (decode.c), never the size of a frame. */
unsigned mw_xstate_cpu_max(void);

#endif
