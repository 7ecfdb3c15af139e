/*
 * trampoline/features.h - CPU and kernel features that change what the
 * engine must do, found once at start-up from what the kernel gives the
 * process (never from CPUID alone: a feature the CPU has may be off).
 *
 *   user shadow stacks (CET, kernel 6.6+, glibc 2.39+): a call or ret the
 *       engine carried out by hand would leave the shadow stack behind, and
 *       the program's next ret would die of a control-protection fault; with
 *       shadow stacks on, calls and returns through watched memory are
 *       single-stepped instead (the CPU keeps both stacks in step).
 *   5-level paging: user addresses may use 57 bits, so "canonical" is not
 *       the 48-bit rule.
 */
#ifndef MW_TRAMPOLINE_FEATURES_H
#define MW_TRAMPOLINE_FEATURES_H

#include <stdint.h>

/* Probes the features; at start-up, on the main thread, before any fault. */
void mw_features_probe(void);
/* Are user shadow stacks on for this process? */
int mw_feature_shadow_stack(void);
/* The number of bits of a user virtual address (47 or 56), for canonicality. */
unsigned mw_feature_va_bits(void);
/* Tests only: pretend shadow stacks are on (or off). */
void mw_feature_force_shadow_stack(int on);

#endif
