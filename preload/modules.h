/*
 * preload/modules.h - the loaded objects' code, handed to the engine.
 */
#ifndef MW_PRELOAD_MODULES_H
#define MW_PRELOAD_MODULES_H

#include <stdint.h>

/* Reads the loaded objects (dl_iterate_phdr) and gives the engine their
 * text and unwind tables.  At start-up and after dlopen/dlclose. */
void mw_modules_refresh(void);
/* dlclose unmapped [lo, hi): promoted sites there are forgotten (their code
 * is gone), then the list is read again. */
void mw_modules_unloaded(uintptr_t lo, uintptr_t hi);

#endif
