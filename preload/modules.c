/*
 * preload/modules.c - telling the engine which code the program loaded
 * (trampoline/codemap.h): each object's executable text and its unwind
 * table, at start-up and after every dlopen and dlclose.  The library's own
 * object and the vDSO are left out: their code is never patched.
 */
#include "preload/modules.h"

#include <link.h>
#include <string.h>

#include "trampoline/codemap.h"
#include "trampoline/promote.h"
#include "trampoline/table.h"

#define MW_MODULES_MAX 512

struct mw_module_scan {
    struct mw_module mods[MW_MODULES_MAX];
    unsigned n;
    uintptr_t self;
};

static int mw_module_one(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct mw_module_scan *scan = data;
    if (scan->n == MW_MODULES_MAX || (info->dlpi_name && strstr(info->dlpi_name, "linux-vdso")))
        return 0;
    struct mw_module m = {0};
    int self = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && !(ph->p_flags & PF_W)) {
            m.text_lo = m.text_lo && m.text_lo < lo ? m.text_lo : lo;
            m.text_hi = m.text_hi > hi ? m.text_hi : hi;
            self |= scan->self >= lo && scan->self < hi;
        } else if (ph->p_type == PT_GNU_EH_FRAME) {
            m.eh_frame_hdr = lo;
        }
    }
    if (m.text_lo && !self)
        scan->mods[scan->n++] = m;
    return 0;
}

void mw_modules_refresh(void)
{
    static struct mw_module_scan scan; /* big: not on the stack; callers are serialised by the loader */
    scan.n = 0;
    scan.self = (uintptr_t)mw_modules_refresh;
    dl_iterate_phdr(mw_module_one, &scan);
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    mw_codemap_set(scan.mods, scan.n);
    mw_table_unlock(&saved);
}

void mw_modules_unloaded(uintptr_t lo, uintptr_t hi)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    mw_promo_forget_code(lo, hi, 0);
    mw_table_unlock(&saved);
    mw_modules_refresh();
}
