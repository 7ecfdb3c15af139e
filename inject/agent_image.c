/*
 * inject/agent_image.c - mapping the capture agent (build/memwatch-agent.so)
 * into a stopped process and starting it (see inject.h, agent/agent.h).
 *
 * The image is position-independent and self-contained: its only dynamic
 * relocations are R_X86_64_RELATIVE (the build checks; anything else is
 * refused here).  So there is no loader to run: the file's segments are laid
 * out in a local copy, relocated for the address the process gave, written
 * into a private mapping of a memfd named "memwatch-agent" (the name
 * /proc/PID/maps shows, which is how a second attach knows), and each
 * segment gets its protection, RELRO read-only.  The entry point then runs
 * on a stack of its own, with the configuration text in a page of its own;
 * both go when it returns.
 */
#include "inject/inject.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/sys.h"

#define MW_AGENT_NAME "memwatch-agent"
#define MW_AGENT_STACK (256 * 1024)
#define MW_AGENT_START_MS 30000
#define MW_PAGE 4096UL

struct mw_image {
    const unsigned char *file;   /* the file, mapped read-only here */
    size_t file_len;
    const Elf64_Ehdr *eh;
    const Elf64_Phdr *ph;
    size_t span;                 /* bytes from the first to the end of the last segment */
    const Elf64_Rela *rela;      /* its dynamic relocations */
    size_t nrela;
};

static size_t mw_strlen0(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int mw_within(const struct mw_image *im, uint64_t off, uint64_t len)
{
    return off <= im->file_len && len <= im->file_len - off;
}

/* The file offset of a virtual address inside a PT_LOAD segment. */
static int mw_vaddr_to_off(const struct mw_image *im, uint64_t va, uint64_t *off)
{
    for (int i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];
        if (p->p_type == PT_LOAD && va >= p->p_vaddr && va < p->p_vaddr + p->p_filesz) {
            *off = p->p_offset + (va - p->p_vaddr);
            return 1;
        }
    }
    return 0;
}

static enum mw_inj mw_image_parse(struct mw_image *im)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->file;
    if (im->file_len < sizeof *eh || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
        eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_machine != EM_X86_64 || eh->e_type != ET_DYN || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        !mw_within(im, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return MW_INJ_BAD_IMAGE;
    im->eh = eh;
    im->ph = (const Elf64_Phdr *)(im->file + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    size_t ndyn = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];
        if (p->p_type == PT_LOAD) {
            if (!mw_within(im, p->p_offset, p->p_filesz) || p->p_filesz > p->p_memsz)
                return MW_INJ_BAD_IMAGE;
            uint64_t end = (p->p_vaddr + p->p_memsz + MW_PAGE - 1) & ~(MW_PAGE - 1);
            if (end > im->span)
                im->span = end;
        } else if (p->p_type == PT_DYNAMIC && mw_within(im, p->p_offset, p->p_filesz)) {
            dyn = (const Elf64_Dyn *)(im->file + p->p_offset);
            ndyn = p->p_filesz / sizeof *dyn;
        } else if (p->p_type == PT_INTERP) {
            return MW_INJ_BAD_IMAGE; /* it would need a loader */
        }
    }
    uint64_t rela = 0, relasz = 0, off;
    for (size_t i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
        if (dyn[i].d_tag == DT_RELA)
            rela = dyn[i].d_un.d_ptr;
        else if (dyn[i].d_tag == DT_RELASZ)
            relasz = dyn[i].d_un.d_val;
        else if (dyn[i].d_tag == DT_NEEDED || dyn[i].d_tag == DT_JMPREL)
            return MW_INJ_BAD_IMAGE;
    }
    if (relasz) {
        if (!mw_vaddr_to_off(im, rela, &off) || !mw_within(im, off, relasz))
            return MW_INJ_BAD_IMAGE;
        im->rela = (const Elf64_Rela *)(im->file + off);
        im->nrela = relasz / sizeof(Elf64_Rela);
    }
    if (!im->span || eh->e_entry >= im->span)
        return MW_INJ_BAD_IMAGE;
    return MW_INJ_OK;
}

/* The segments laid out at base (a local copy), relocated for base. */
static enum mw_inj mw_image_build(const struct mw_image *im, unsigned char *copy, uint64_t base)
{
    for (int i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        const unsigned char *from = im->file + p->p_offset;
        for (uint64_t k = 0; k < p->p_filesz; k++)
            copy[p->p_vaddr + k] = from[k];
    }
    for (size_t i = 0; i < im->nrela; i++) {
        const Elf64_Rela *r = &im->rela[i];
        uint32_t type = (uint32_t)ELF64_R_TYPE(r->r_info);
        if (type == R_X86_64_NONE)
            continue;
        if (type != R_X86_64_RELATIVE || r->r_offset > im->span - 8)
            return MW_INJ_BAD_IMAGE;
        uint64_t v = base + (uint64_t)r->r_addend;
        for (int b = 0; b < 8; b++)
            copy[r->r_offset + b] = (unsigned char)(v >> (8 * b));
    }
    return MW_INJ_OK;
}

static int mw_seg_prot(uint32_t flags)
{
    return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) | ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Each segment its protection, then RELRO read-only (relocations are done). */
static enum mw_inj mw_image_protect(struct mw_tracee *t, const struct mw_image *im, uint64_t base)
{
    long r;
    enum mw_inj e = MW_INJ_OK;
    for (int pass = 0; pass < 2 && e == MW_INJ_OK; pass++) {
        for (int i = 0; i < im->eh->e_phnum && e == MW_INJ_OK; i++) {
            const Elf64_Phdr *p = &im->ph[i];
            if (p->p_type != (pass == 0 ? PT_LOAD : PT_GNU_RELRO))
                continue;
            uint64_t lo = p->p_vaddr & ~(MW_PAGE - 1), hi = (p->p_vaddr + p->p_memsz + MW_PAGE - 1) & ~(MW_PAGE - 1);
            if (pass == 1)
                hi = (p->p_vaddr + p->p_memsz) & ~(MW_PAGE - 1); /* RELRO's end may share a page with data */
            if (hi <= lo)
                continue;
            int prot = pass == 0 ? mw_seg_prot(p->p_flags) : PROT_READ;
            e = mw_remote_syscall(t, &r, SYS_mprotect, (long)(base + lo), (long)(hi - lo), prot, 0, 0, 0);
            if (e == MW_INJ_OK && r != 0) {
                t->errno_value = (int)-r;
                e = MW_INJ_FAILED;
            }
        }
    }
    return e;
}

/* A private mapping of a named memfd, span bytes: where the image goes. */
static enum mw_inj mw_image_room(struct mw_tracee *t, size_t span, uint64_t *base)
{
    uint64_t page;
    long fd = -1, r;
    enum mw_inj e = mw_remote_alloc(t, MW_PAGE, &page);
    if (e != MW_INJ_OK)
        return e;
    e = mw_remote_write(t, page, MW_AGENT_NAME, sizeof MW_AGENT_NAME);
    if (e == MW_INJ_OK)
        e = mw_remote_syscall(t, &fd, SYS_memfd_create, (long)page, MFD_CLOEXEC, 0, 0, 0, 0);
    if (e == MW_INJ_OK && fd < 0) {
        t->errno_value = (int)-fd;
        e = MW_INJ_FAILED;
    }
    if (e == MW_INJ_OK)
        e = mw_remote_syscall(t, &r, SYS_ftruncate, fd, (long)span, 0, 0, 0, 0);
    if (e == MW_INJ_OK) {
        e = mw_remote_syscall(t, &r, SYS_mmap, 0, (long)span, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (e == MW_INJ_OK && mw_sys_failed(r)) {
            t->errno_value = (int)-r;
            e = MW_INJ_FAILED;
        }
        *base = (uint64_t)r;
    }
    if (fd >= 0)
        mw_remote_syscall(t, &r, SYS_close, fd, 0, 0, 0, 0, 0);
    mw_remote_free(t, page, MW_PAGE);
    return e;
}

/* The image's entry, on a stack of its own, with the configuration. */
static enum mw_inj mw_image_start(struct mw_tracee *t, uint64_t entry, const char *config, long *status)
{
    size_t clen = mw_strlen0(config) + 1, csize = (clen + MW_PAGE - 1) & ~(MW_PAGE - 1);
    uint64_t cfg = 0, stack = 0, ret = 0;
    enum mw_inj e = mw_remote_alloc(t, csize, &cfg);
    if (e == MW_INJ_OK)
        e = mw_remote_write(t, cfg, config, clen);
    if (e == MW_INJ_OK)
        e = mw_remote_alloc(t, MW_AGENT_STACK, &stack);
    if (e == MW_INJ_OK) {
        const long args[6] = {(long)cfg, 0, 0, 0, 0, 0};
        e = mw_remote_call(t, entry, stack + MW_AGENT_STACK, args, MW_AGENT_START_MS, &ret);
        *status = (long)ret;
    }
    if (stack)
        mw_remote_free(t, stack, MW_AGENT_STACK);
    if (cfg)
        mw_remote_free(t, cfg, csize);
    return e;
}

static enum mw_inj mw_file_map(const char *path, struct mw_image *im)
{
    long fd = mw_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return MW_INJ_BAD_IMAGE;
    struct stat st;
    long r = MW_SYS2(SYS_fstat, fd, &st);
    void *m = r == 0 && st.st_size > 0 ? mw_sys_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0)
                                       : (void *)-EINVAL;
    mw_sys_close((int)fd);
    if (mw_sys_failed((long)m))
        return MW_INJ_BAD_IMAGE;
    im->file = m;
    im->file_len = (size_t)st.st_size;
    return MW_INJ_OK;
}

enum mw_inj mw_inject_agent(struct mw_tracee *t, const char *path, const char *config, long *agent_status)
{
    struct mw_image im = {0};
    unsigned char *copy = NULL;
    uint64_t base = 0;
    long r;
    *agent_status = -1;
    enum mw_inj e = mw_file_map(path, &im);
    if (e == MW_INJ_OK)
        e = mw_image_parse(&im);
    if (e == MW_INJ_OK) {
        copy = mw_sys_mmap(NULL, im.span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mw_sys_failed((long)copy)) {
            copy = NULL;
            t->errno_value = ENOMEM;
            e = MW_INJ_FAILED;
        }
    }
    if (e == MW_INJ_OK)
        e = mw_remote_make_gate(t);
    if (e == MW_INJ_OK)
        e = mw_image_room(t, im.span, &base);
    if (e == MW_INJ_OK)
        e = mw_image_build(&im, copy, base);
    if (e == MW_INJ_OK)
        e = mw_remote_write(t, base, copy, im.span);
    if (e == MW_INJ_OK)
        e = mw_image_protect(t, &im, base);
    if (e == MW_INJ_OK)
        e = mw_image_start(t, base + im.eh->e_entry, config, agent_status);
    if (base && (e != MW_INJ_OK || *agent_status != 0) && e != MW_INJ_GONE)
        mw_remote_syscall(t, &r, SYS_munmap, (long)base, (long)im.span, 0, 0, 0, 0);
    if (copy)
        mw_sys_munmap(copy, im.span);
    if (im.file)
        mw_sys_munmap((void *)im.file, im.file_len);
    return e;
}
