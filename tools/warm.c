/*
 * tools/warm.c - warming the packs of a run (see warm.h).  One read+write
 * shared mapping per pack, grown (by mapping again) as the file grows; the
 * mapping is never read or written, only populated.
 */
#include "tools/warm.h"
#include "tools/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define MWT_WARM_MAX 256               /* packs followed at once */
#define MWT_WARM_WINDOW (64UL << 20)   /* mappings grow in these steps */

struct mwt_pack {
    char *path;
    char *map;
    size_t mapped;
    off_t warmed;                      /* populated up to here */
    bool gone;                         /* not a pack we can use: left alone */
};

struct mwt_warm {
    struct mwt_pack packs[MWT_WARM_MAX];
    size_t n;
};

static void mwt_warm_process(void *arg, const struct mwt_proc *p)
{
    struct mwt_warm *w = arg;
    if (w->n < MWT_WARM_MAX)
        w->packs[w->n++] = (struct mwt_pack){ mwt_path_join(p->path, "code.pack"), NULL, 0, 0, false };
}

struct mwt_warm *mwt_warm_new(struct mwt_follow *f)
{
    struct mwt_warm *w = mwt_xcalloc(1, sizeof *w);
    struct mwt_consumer c = { mwt_warm_process, NULL, NULL, w };
    mwt_follow_add(f, &c);
    return w;
}

static void mwt_warm_one(struct mwt_pack *k)
{
    int fd = open(k->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return; /* not there yet */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        k->gone = true;
        goto done;
    }
    if (st.st_size <= k->warmed) {
        if (st.st_size < k->warmed) /* cut back (a normal exit): nothing more to do */
            k->warmed = st.st_size;
        goto done;
    }
    if ((size_t)st.st_size > k->mapped) {
        if (k->map)
            munmap(k->map, k->mapped);
        size_t len = ((size_t)st.st_size + MWT_WARM_WINDOW - 1) / MWT_WARM_WINDOW * MWT_WARM_WINDOW;
        k->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (k->map == MAP_FAILED) {
            k->map = NULL;
            k->mapped = 0;
            k->gone = true;
            goto done;
        }
        k->mapped = len;
    }
    off_t from = k->warmed & ~(off_t)4095;
    /* Errors are the library's to meet (a full disk): it writes these pages
     * itself when they are not there. */
    madvise(k->map + from, (size_t)(st.st_size - from), MADV_POPULATE_WRITE);
    k->warmed = st.st_size;
done:
    close(fd);
}

void mwt_warm_tick(struct mwt_warm *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (!w->packs[i].gone)
            mwt_warm_one(&w->packs[i]);
}

void mwt_warm_free(struct mwt_warm *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        if (w->packs[i].map)
            munmap(w->packs[i].map, w->packs[i].mapped);
        free(w->packs[i].path);
    }
    free(w);
}
