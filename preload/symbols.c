/*
 * preload/symbols.c - the symbol index (see symbols.h).
 *
 * One mw_symobj per loaded object (dl_iterate_phdr), holding two arrays in
 * arena memory: its function symbols sorted by address (for "function+0xoff"
 * in the fault handler) and its data symbols (for watching by name).  The
 * symbols come from the object's file on disk, mapped read-only with a raw
 * mmap for the time of the parse: .dynsym always, .symtab when the file is
 * not stripped, else the .symtab of /usr/lib/debug/.build-id/xx/yyyy.debug
 * when that debug file is installed.  An object whose file cannot be read
 * (the vDSO, a deleted or memfd-loaded library) falls back to the dynamic
 * symbols its PT_DYNAMIC names in memory.
 *
 * Lock-free reading: an object is filled completely, then published by a
 * release store of the object count; objects are never freed (an unloaded
 * one is only marked dead), so the handler can never read freed memory.
 * Writers (start-up, the dlopen/dlclose interposers) are serialised by a
 * mutex.  No libc stdio and no malloc: files are read with raw syscalls,
 * memory comes from the private arena, sorting is our own heapsort.
 */
#include "preload/symbols.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/fmt.h"
#include "core/log.h"
#include "core/sys.h"

#define MW_SYMOBJ_MAX 4096

/* One symbol: runtime address, size (capped at 4 GiB), name offset. */
struct mw_sym_entry {
    uintptr_t addr;
    uint32_t size;
    uint32_t name;
};

struct mw_symobj {
    uintptr_t base;               /* l_addr: what symbol values are relative to */
    uintptr_t lo, hi;             /* extent of its PT_LOAD segments */
    uintptr_t dyn;                /* its PT_DYNAMIC, at runtime (0: none) */
    const void *phdr;             /* with base, identifies the object */
    char *path;                   /* display path */
    char *strs;                   /* all names, NUL-terminated */
    struct mw_sym_entry *funcs;   /* sorted by address, one per address */
    size_t nfuncs;
    struct mw_sym_entry *vars;    /* in symbol-table order */
    size_t nvars;
    int live;                     /* 0 once unloaded (read atomically) */
    int self;                     /* libmemwatch itself: never watched by name */
    unsigned seen;                /* the sync generation that last saw it */
};

static struct mw_symobj *mw_objs[MW_SYMOBJ_MAX];
static unsigned mw_nobjs;         /* published with release, read with acquire */
static unsigned mw_gen;
static int mw_ready;
static int mw_full_warned;
static pthread_mutex_t mw_sym_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- reading ELF */

/* One symbol table and what is needed to read it safely. */
struct mw_symtab {
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *strs;
    size_t strsz;
    const Elf64_Shdr *sh;         /* section headers, to classify NOTYPE symbols (may be NULL) */
    size_t shnum;
};

/* A file mapped read-only for the time of a parse. */
struct mw_mapped {
    const unsigned char *p;
    size_t size;
};

static int mw_map_file(const char *path, struct mw_mapped *m)
{
    m->p = NULL;
    m->size = 0;
    long fd = mw_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return (int)fd;
    struct stat st;
    long rc = MW_SYS2(SYS_fstat, fd, &st);
    if (rc == 0 && (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)))
        rc = -ENOEXEC;
    if (rc == 0) {
        void *p = mw_sys_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0);
        if (mw_sys_failed((long)p))
            rc = (long)p;
        else {
            m->p = p;
            m->size = (size_t)st.st_size;
        }
    }
    mw_sys_close((int)fd);
    return (int)rc;
}

static void mw_unmap_file(struct mw_mapped *m)
{
    if (m->p)
        mw_sys_munmap((void *)m->p, m->size);
    m->p = NULL;
}

static int mw_in_file(const struct mw_mapped *m, uint64_t off, uint64_t len)
{
    return off <= m->size && len <= m->size - off;
}

/* The file's SHT_SYMTAB or SHT_DYNSYM table; 0 when it has one. */
static int mw_elf_table(const struct mw_mapped *m, uint32_t type, struct mw_symtab *t)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m->p;
    memset(t, 0, sizeof *t);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff == 0)
        return -1;
    size_t shnum = eh->e_shnum;
    if (!mw_in_file(m, eh->e_shoff, sizeof(Elf64_Shdr)))
        return -1;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m->p + eh->e_shoff);
    if (shnum == 0)
        shnum = sh[0].sh_size; /* more than SHN_LORESERVE sections */
    if (!mw_in_file(m, eh->e_shoff, (uint64_t)shnum * sizeof(Elf64_Shdr)))
        return -1;
    for (size_t i = 0; i < shnum; i++) {
        const Elf64_Shdr *s = &sh[i];
        if (s->sh_type != type || s->sh_entsize != sizeof(Elf64_Sym) || s->sh_link >= shnum)
            continue;
        const Elf64_Shdr *str = &sh[s->sh_link];
        if (str->sh_type != SHT_STRTAB || !mw_in_file(m, s->sh_offset, s->sh_size) ||
            !mw_in_file(m, str->sh_offset, str->sh_size) || str->sh_size == 0)
            continue;
        t->syms = (const Elf64_Sym *)(m->p + s->sh_offset);
        t->nsyms = s->sh_size / sizeof(Elf64_Sym);
        t->strs = (const char *)(m->p + str->sh_offset);
        t->strsz = str->sh_size;
        t->sh = sh;
        t->shnum = shnum;
        return 0;
    }
    return -1;
}

/* What a symbol is to us: 1 function, 2 variable, 0 neither. */
static int mw_sym_kind(const struct mw_symtab *t, const Elf64_Sym *s)
{
    if (s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS || s->st_value == 0 || s->st_name == 0 ||
        s->st_name >= t->strsz)
        return 0;
    const char *name = t->strs + s->st_name;
    if (name[0] == '$' || (name[0] == '.' && name[1] == 'L'))
        return 0;
    switch (ELF64_ST_TYPE(s->st_info)) {
    case STT_FUNC:
    case STT_GNU_IFUNC:
        return 1;
    case STT_OBJECT:
    case STT_COMMON:
        return 2;
    case STT_NOTYPE: /* assembler labels: by their section */
        if (!t->sh || s->st_shndx >= t->shnum)
            return 0;
        if (!(t->sh[s->st_shndx].sh_flags & SHF_ALLOC))
            return 0;
        return t->sh[s->st_shndx].sh_flags & SHF_EXECINSTR ? 1 : 2;
    default: /* sections, files, TLS (no fixed address) */
        return 0;
    }
}

/* Length of the name of s, bounded by its string table. */
static size_t mw_sym_name_len(const struct mw_symtab *t, const Elf64_Sym *s)
{
    const char *n = t->strs + s->st_name;
    size_t max = t->strsz - s->st_name, i = 0;
    while (i < max && n[i])
        i++;
    return i < max ? i : 0; /* unterminated: skip */
}

/* ------------------------------------------------------- in-memory dynamic symbols */

/* Symbols in the GNU hash table: one past the highest index it reaches. */
static size_t mw_gnu_hash_count(const uint32_t *h)
{
    uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
    const uint32_t *buckets = h + 4 + (size_t)bloom_size * 2; /* 64-bit bloom words */
    const uint32_t *chain = buckets + nbuckets;
    uint32_t max = 0;
    for (uint32_t i = 0; i < nbuckets; i++)
        if (buckets[i] > max)
            max = buckets[i];
    if (max < symoffset)
        return symoffset;
    while (!(chain[max - symoffset] & 1))
        max++;
    return (size_t)max + 1;
}

/* The dynamic symbol table as the object's PT_DYNAMIC names it in memory
 * (glibc relocates d_ptr in place for most objects, not for the vDSO). */
static int mw_dyn_table(uintptr_t base, uintptr_t dyn, struct mw_symtab *t)
{
    memset(t, 0, sizeof *t);
    if (!dyn)
        return -1;
    uintptr_t symtab = 0, strtab = 0, strsz = 0, hash = 0, gnu_hash = 0;
    for (const Elf64_Dyn *d = (const Elf64_Dyn *)dyn; d->d_tag != DT_NULL; d++) {
        uintptr_t v = d->d_un.d_ptr;
        switch (d->d_tag) {
        case DT_SYMTAB: symtab = v; break;
        case DT_STRTAB: strtab = v; break;
        case DT_STRSZ: strsz = v; break;
        case DT_HASH: hash = v; break;
        case DT_GNU_HASH: gnu_hash = v; break;
        default: break;
        }
    }
#define MW_REL(p) ((p) && (p) < base ? (p) + base : (p))
    symtab = MW_REL(symtab);
    strtab = MW_REL(strtab);
    hash = MW_REL(hash);
    gnu_hash = MW_REL(gnu_hash);
#undef MW_REL
    if (!symtab || !strtab || !strsz || (!hash && !gnu_hash))
        return -1;
    t->syms = (const Elf64_Sym *)symtab;
    t->nsyms = hash ? ((const uint32_t *)hash)[1] : mw_gnu_hash_count((const uint32_t *)gnu_hash);
    t->strs = (const char *)strtab;
    t->strsz = strsz;
    return 0;
}

/* ------------------------------------------------------------------- sorting */

static int mw_entry_before(const struct mw_sym_entry *a, const struct mw_sym_entry *b)
{
    return a->addr < b->addr;
}

static void mw_sift(struct mw_sym_entry *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && mw_entry_before(&v[child], &v[child + 1]))
            child++;
        if (!mw_entry_before(&v[root], &v[child]))
            return;
        struct mw_sym_entry tmp = v[root];
        v[root] = v[child];
        v[child] = tmp;
        root = child;
    }
}

static void mw_heapsort(struct mw_sym_entry *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        mw_sift(v, i, n);
    for (size_t end = n; end-- > 1;) {
        struct mw_sym_entry tmp = v[0];
        v[0] = v[end];
        v[end] = tmp;
        mw_sift(v, 0, end);
    }
}

/* Which of two functions at one address names it: one with a size, then a
 * name without a leading underscore (memcpy over __memcpy_avx_unaligned),
 * then the shorter. */
static int mw_better_name(const struct mw_symobj *o, const struct mw_sym_entry *a, const struct mw_sym_entry *b)
{
    if ((a->size != 0) != (b->size != 0))
        return a->size != 0;
    const char *na = o->strs + a->name, *nb = o->strs + b->name;
    if ((na[0] == '_') != (nb[0] == '_'))
        return na[0] != '_';
    return mw_strlen(na) < mw_strlen(nb);
}

/* Sorts the functions and keeps one per address. */
static void mw_funcs_finish(struct mw_symobj *o)
{
    mw_heapsort(o->funcs, o->nfuncs);
    size_t out = 0;
    for (size_t i = 0; i < o->nfuncs; i++) {
        if (out > 0 && o->funcs[out - 1].addr == o->funcs[i].addr) {
            if (mw_better_name(o, &o->funcs[i], &o->funcs[out - 1]))
                o->funcs[out - 1] = o->funcs[i];
            continue;
        }
        o->funcs[out++] = o->funcs[i];
    }
    o->nfuncs = out;
}

/* ----------------------------------------------------------------- building */

#define MW_MAX_TABLES 3

/* Copies the interesting symbols of tables[] into o (two passes: count, fill). */
static int mw_obj_fill(struct mw_symobj *o, const struct mw_symtab *tables, int ntables)
{
    size_t nf = 0, nv = 0, bytes = 1;
    for (int k = 0; k < ntables; k++)
        for (size_t i = 0; i < tables[k].nsyms; i++) {
            const Elf64_Sym *s = &tables[k].syms[i];
            int kind = mw_sym_kind(&tables[k], s);
            size_t len = kind ? mw_sym_name_len(&tables[k], s) : 0;
            if (!len)
                continue;
            nf += kind == 1;
            nv += kind == 2;
            bytes += len + 1;
        }
    if (bytes > UINT32_MAX)
        return -ENOMEM;
    o->strs = mw_alloc(bytes);
    o->funcs = nf ? mw_alloc(nf * sizeof *o->funcs) : NULL;
    o->vars = nv ? mw_alloc(nv * sizeof *o->vars) : NULL;
    if (!o->strs || (nf && !o->funcs) || (nv && !o->vars))
        return -ENOMEM;
    size_t at = 1; /* offset 0 is the empty name */
    for (int k = 0; k < ntables; k++)
        for (size_t i = 0; i < tables[k].nsyms; i++) {
            const Elf64_Sym *s = &tables[k].syms[i];
            int kind = mw_sym_kind(&tables[k], s);
            size_t len = kind ? mw_sym_name_len(&tables[k], s) : 0;
            if (!len)
                continue;
            memcpy(o->strs + at, tables[k].strs + s->st_name, len);
            struct mw_sym_entry e = {
                .addr = o->base + s->st_value,
                .size = s->st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)s->st_size,
                .name = (uint32_t)at,
            };
            at += len + 1;
            if (kind == 1)
                o->funcs[o->nfuncs++] = e;
            else
                o->vars[o->nvars++] = e;
        }
    mw_funcs_finish(o);
    return 0;
}

/* The NT_GNU_BUILD_ID of an object, from its PT_NOTE segments in memory. */
static size_t mw_build_id(const struct dl_phdr_info *info, const unsigned char **id)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(Elf64_Nhdr) <= end) {
            const Elf64_Nhdr *n = (const Elf64_Nhdr *)p;
            const unsigned char *name = p + sizeof *n;
            const unsigned char *desc = name + ((n->n_namesz + 3) & ~3u);
            const unsigned char *next = desc + ((n->n_descsz + 3) & ~3u);
            if (next > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                n->n_descsz > 1 && n->n_descsz <= 64) {
                *id = desc;
                return n->n_descsz;
            }
            p = next;
        }
    }
    return 0;
}

/* /usr/lib/debug/.build-id/ab/cdef....debug for a build id. */
static void mw_debug_path(const unsigned char *id, size_t n, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    struct mw_fmt f;
    mw_fmt_init(&f, buf, cap);
    mw_fmt_str(&f, "/usr/lib/debug/.build-id/");
    for (size_t i = 0; i < n; i++) {
        mw_fmt_char(&f, hex[id[i] >> 4]);
        mw_fmt_char(&f, hex[id[i] & 15]);
        if (i == 0)
            mw_fmt_char(&f, '/');
    }
    mw_fmt_str(&f, ".debug");
    mw_fmt_cstr(&f);
}

static char *mw_strdup_arena(const char *s)
{
    size_t n = mw_strlen(s);
    char *d = mw_alloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* Reads the symbols of one loaded object. */
static struct mw_symobj *mw_obj_build(const struct dl_phdr_info *info, int is_exe)
{
    struct mw_symobj *o = mw_alloc(sizeof *o);
    if (!o)
        return NULL;
    o->base = info->dlpi_addr;
    o->phdr = info->dlpi_phdr;
    o->lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_DYNAMIC)
            o->dyn = a;
        if (ph->p_type != PT_LOAD)
            continue;
        if (a < o->lo)
            o->lo = a;
        if (a + ph->p_memsz > o->hi)
            o->hi = a + ph->p_memsz;
    }
    if (o->lo == UINTPTR_MAX)
        o->lo = o->hi = 0;
    o->self = (uintptr_t)mw_obj_build >= o->lo && (uintptr_t)mw_obj_build < o->hi;

    char exe[4096];
    const char *open_path = info->dlpi_name;
    if (is_exe) {
        open_path = "/proc/self/exe";
        long n = mw_sys_readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        o->path = mw_strdup_arena(n > 0 ? exe : "(executable)");
    } else {
        o->path = mw_strdup_arena(open_path && *open_path ? open_path : "(unnamed)");
    }

    struct mw_symtab tables[MW_MAX_TABLES];
    int ntables = 0;
    struct mw_mapped file = {0}, debug = {0};
    if (open_path && *open_path && mw_map_file(open_path, &file) == 0) {
        if (mw_elf_table(&file, SHT_DYNSYM, &tables[ntables]) == 0)
            ntables++;
        if (mw_elf_table(&file, SHT_SYMTAB, &tables[ntables]) == 0)
            ntables++;
        else {
            const unsigned char *id;
            size_t idn = mw_build_id(info, &id);
            char path[256];
            if (idn) {
                mw_debug_path(id, idn, path, sizeof path);
                if (mw_map_file(path, &debug) == 0 && mw_elf_table(&debug, SHT_SYMTAB, &tables[ntables]) == 0)
                    ntables++;
            }
        }
    } else if (mw_dyn_table(o->base, o->dyn, &tables[0]) == 0) {
        ntables = 1;
    }
    if (mw_obj_fill(o, tables, ntables) != 0)
        mw_debug("symbols of %s: out of memory; its names are not known", o->path);
    mw_unmap_file(&debug);
    mw_unmap_file(&file);
    return o;
}

/* ------------------------------------------------------------------- syncing */

struct mw_sync {
    int first;   /* the next object reported is the first: the executable */
    int added;
};

static int mw_sync_one(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct mw_sync *ctx = data;
    int is_exe = ctx->first; /* dl_iterate_phdr reports the executable first */
    ctx->first = 0;
    unsigned n = mw_nobjs;
    for (unsigned i = 0; i < n; i++) {
        struct mw_symobj *o = mw_objs[i];
        if (o->live && o->base == info->dlpi_addr && o->phdr == (const void *)info->dlpi_phdr) {
            o->seen = mw_gen;
            return 0;
        }
    }
    if (n == MW_SYMOBJ_MAX) {
        if (!mw_full_warned)
            mw_warn("more than %d loaded objects: the symbols of %s and later ones are not known",
                    MW_SYMOBJ_MAX, info->dlpi_name);
        mw_full_warned = 1;
        return 0;
    }
    struct mw_symobj *o = mw_obj_build(info, is_exe);
    if (!o)
        return 0;
    o->seen = mw_gen;
    o->live = 1;
    mw_objs[n] = o;
    __atomic_store_n(&mw_nobjs, n + 1, __ATOMIC_RELEASE);
    ctx->added++;
    return 0;
}

int mw_symbols_sync(void)
{
    pthread_mutex_lock(&mw_sym_lock);
    mw_gen++;
    struct mw_sync ctx = {1, 0};
    dl_iterate_phdr(mw_sync_one, &ctx);
    unsigned n = mw_nobjs;
    for (unsigned i = 0; i < n; i++)
        if (mw_objs[i]->live && mw_objs[i]->seen != mw_gen)
            __atomic_store_n(&mw_objs[i]->live, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&mw_ready, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&mw_sym_lock);
    return ctx.added;
}

int mw_symbols_ready(void) { return __atomic_load_n(&mw_ready, __ATOMIC_ACQUIRE); }

/* ------------------------------------------------------------------ lookups */

/* name is sym, or a compiler's variant of it: sym followed by '.' */
static int mw_name_match(const char *have, const char *want, int exact)
{
    size_t i = 0;
    for (; want[i]; i++)
        if (have[i] != want[i])
            return 0;
    return exact ? have[i] == 0 : have[i] == '.';
}

static int mw_find_pass(const char *name, int exact, struct mw_symbol *out)
{
    unsigned n = __atomic_load_n(&mw_nobjs, __ATOMIC_ACQUIRE);
    int found = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct mw_symobj *o = mw_objs[i];
        if (!__atomic_load_n(&o->live, __ATOMIC_ACQUIRE) || o->self)
            continue;
        for (size_t k = 0; k < o->nvars; k++) {
            const struct mw_sym_entry *e = &o->vars[k];
            if (!mw_name_match(o->strs + e->name, name, exact))
                continue;
            if (!found) {
                out->addr = e->addr;
                out->size = e->size;
                out->name = o->strs + e->name;
                out->object = o->path;
                out->matches = 1;
                found = 1;
            } else if (e->addr != out->addr) {
                out->matches++;
                /* .dynsym and .symtab list a symbol twice: only distinct
                 * addresses count, and a same-address twin fills in a size. */
            } else if (!out->size && e->size) {
                out->size = e->size;
            }
        }
        /* The first object that defines it wins, as with the dynamic linker
         * (an executable's copy of a library's variable is the live one). */
        if (found)
            break;
    }
    return found;
}

int mw_symbols_find_var(const char *name, struct mw_symbol *out)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name)
        return -ENOENT;
    pthread_mutex_lock(&mw_sym_lock);
    int found = mw_find_pass(name, 1, out) || mw_find_pass(name, 0, out);
    pthread_mutex_unlock(&mw_sym_lock);
    return found ? 0 : -ENOENT;
}

int mw_symbols_object_range(uintptr_t base, const void *dyn, uintptr_t *lo, uintptr_t *hi)
{
    unsigned n = __atomic_load_n(&mw_nobjs, __ATOMIC_ACQUIRE);
    for (unsigned i = n; i-- > 0;) {
        const struct mw_symobj *o = mw_objs[i];
        if (__atomic_load_n(&o->live, __ATOMIC_ACQUIRE) && o->base == base && o->dyn == (uintptr_t)dyn) {
            *lo = o->lo;
            *hi = o->hi;
            return 0;
        }
    }
    return -ENOENT;
}

size_t mw_symbols_describe(uintptr_t ip, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    buf[0] = 0;
    unsigned n = __atomic_load_n(&mw_nobjs, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++) {
        const struct mw_symobj *o = mw_objs[i];
        if (!__atomic_load_n(&o->live, __ATOMIC_ACQUIRE) || ip < o->lo || ip >= o->hi)
            continue;
        /* The last function at or before ip. */
        size_t lo = 0, hi = o->nfuncs;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (o->funcs[mid].addr <= ip)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return 0;
        const struct mw_sym_entry *e = &o->funcs[lo - 1];
        struct mw_fmt f;
        mw_fmt_init(&f, buf, cap);
        mw_fmt_str(&f, o->strs + e->name);
        mw_fmt_char(&f, '+');
        mw_fmt_hex(&f, ip - e->addr);
        mw_fmt_cstr(&f);
        return f.truncated ? 0 : f.len;
    }
    return 0;
}
