/*
 * trampoline/backend.c - choosing the backend for a run of pages (see
 * backend.h), and what both backends share.
 */
#include "trampoline/backend.h"

#include <errno.h>
#include <sys/mman.h>

#include "core/log.h"
#include "core/sys.h"
#include "trampoline/promote.h"

static int mw_toggle_only;

void mw_backend_force_toggle(int on) { mw_toggle_only = on; }

int mw_backend_attach(struct mw_page **pages, size_t n, const struct mw_map *m)
{
    if (m->special)
        return -ENOTSUP;
    if (mw_toggle_only)
        return mw_toggle_attach(pages, n, m);
    int rc = mw_alias_attach(pages, n, m);
    /* Out of kernel mappings or memory, toggling would fail the same way
     * (or succeed only to leave a watch other threads can slip past). */
    if (rc == 0 || rc == -ENOMEM)
        return rc;
    mw_debug("no alias view for %p (+%lu pages): %s; toggling protection instead", (void *)pages[0]->addr,
             (unsigned long)n, mw_strerror(-rc));
    return mw_toggle_attach(pages, n, m);
}

int mw_backend_detach(struct mw_page *p, int prot)
{
    mw_promo_page_changed(p);
    if (p->promo_kept && p->backend == MW_BACKEND_ALIAS) {
        /* Stubs may still reach it through its second views: it stays the
         * same memory, open to the program. */
        p->prog_prot = prot;
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot);
        p->view_prot = prot;
        return 0;
    }
    if (p->backend == MW_BACKEND_ALIAS) {
        int rc = mw_alias_detach(p, prot);
        if (rc != 0) {
            mw_debug("page %p stays closed after its last watch: %s", (void *)p->addr, mw_strerror(-rc));
            return rc;
        }
    } else {
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot);
    }
    p->backend = MW_BACKEND_NONE;
    p->view_prot = prot;
    return 0;
}

void mw_backend_reprotect(struct mw_page *p)
{
    mw_promo_page_changed(p);
    int prot = mw_page_watch_prot(p);
    if (prot != p->view_prot) {
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot);
        p->view_prot = prot;
    }
}

void mw_backend_forget(struct mw_page *p)
{
    mw_promo_page_changed(p);
    if (p->backend == MW_BACKEND_ALIAS)
        mw_alias_release(p);
    p->backend = MW_BACKEND_NONE;
}
