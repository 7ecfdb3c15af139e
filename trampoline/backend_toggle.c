/*
 * trampoline/backend_toggle.c - the toggling backend (see backend.h).
 *
 * The fallback when no alias view can be had: the page keeps its watch
 * protection and each access opens it with mprotect for as long as the
 * relocated instruction runs (route.c calls mw_toggle_open/close), counted
 * per page so that concurrent accesses do not close it under each other.
 * Other threads can reach the page unwatched while it is open; the region
 * reports this mode (README, limits).
 */
#include <errno.h>
#include <sys/mman.h>

#include "core/sys.h"
#include "trampoline/backend.h"
#include "trampoline/route.h"

void mw_toggle_open(struct mw_page *p)
{
    mw_spin_lock(&p->toggle_lock);
    if (p->toggle_open++ == 0)
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, p->prog_prot);
    mw_spin_unlock(&p->toggle_lock);
}

void mw_toggle_close(struct mw_page *p)
{
    mw_spin_lock(&p->toggle_lock);
    if (--p->toggle_open == 0)
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, p->view_prot);
    mw_spin_unlock(&p->toggle_lock);
}

int mw_toggle_attach(struct mw_page **pages, size_t n, const struct mw_map *m)
{
    for (size_t i = 0; i < n; i++) {
        struct mw_page *p = pages[i];
        p->prog_prot = m->prot;
        p->backend = MW_BACKEND_TOGGLE;
        p->view_prot = mw_page_watch_prot(p);
        long rc = mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, p->view_prot);
        if (rc != 0) {
            for (size_t j = 0; j <= i; j++) {
                mw_sys_mprotect((void *)pages[j]->addr, MW_PAGE_SIZE, m->prot);
                pages[j]->backend = MW_BACKEND_NONE;
                pages[j]->view_prot = m->prot;
            }
            return (int)rc;
        }
    }
    return 0;
}
