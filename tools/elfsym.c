/*
 * tools/elfsym.c - finding a function of another process (see attach.h):
 * the objects it has mapped (/proc/PID/maps), each one's load address (its
 * mapping at file offset 0), and the symbol in its .dynsym, read from the
 * file as the process sees it (/proc/PID/root/PATH, so a process in another
 * mount namespace is read right).
 */
#include "tools/attach.h"
#include "tools/util.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct mwt_object {
    char *path;
    uint64_t base;
};

/* The symbol's value in the file at path (0 when not defined there);
 * *absolute when the file is not position-independent (ET_EXEC). */
static uint64_t mwt_file_symbol(const char *path, const char *name, bool *absolute)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    uint64_t value = 0;
    void *m = fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr)
                  ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                  : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED)
        return 0;
    const unsigned char *f = m;
    size_t len = (size_t)st.st_size;
    const Elf64_Ehdr *eh = m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
        (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff)
        goto done;
    *absolute = eh->e_type == ET_EXEC;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum && !value; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset || strs->sh_offset > len ||
            strs->sh_size > len - strs->sh_offset)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(f + sh[i].sh_offset);
        const char *names = (const char *)(f + strs->sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
            if (sym[k].st_shndx == SHN_UNDEF || ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC ||
                sym[k].st_name >= strs->sh_size)
                continue;
            if (strncmp(names + sym[k].st_name, name, strs->sh_size - sym[k].st_name) == 0) {
                value = sym[k].st_value;
                break;
            }
        }
    }
done:
    munmap(m, len);
    return value;
}

/* The objects mapped in the process, each once, the C library first. */
static size_t mwt_objects(pid_t pid, struct mwt_object **out)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    struct mwt_object *v = NULL;
    size_t n = 0, cap = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, off;
        char file[4096];
        if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %4095s", &lo, &off, file) != 3 || file[0] != '/' || off != 0)
            continue;
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strcmp(v[i].path, file) == 0;
        if (seen)
            continue;
        v = mwt_grow(v, &cap, n + 1, sizeof *v);
        v[n++] = (struct mwt_object){mwt_xstrdup(file), lo};
        const char *base = strrchr(file, '/') + 1;
        if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0) { /* to the front */
            struct mwt_object libc = v[n - 1];
            memmove(v + 1, v, (n - 1) * sizeof *v);
            v[0] = libc;
        }
    }
    if (f)
        fclose(f);
    *out = v;
    return n;
}

uint64_t mwt_remote_symbol(pid_t pid, const char *name)
{
    struct mwt_object *objs;
    size_t n = mwt_objects(pid, &objs);
    uint64_t addr = 0;
    for (size_t i = 0; i < n; i++) {
        if (!addr) {
            char *in_ns = mwt_xasprintf("/proc/%d/root%s", (int)pid, objs[i].path);
            bool absolute = false;
            uint64_t v = mwt_file_symbol(in_ns, name, &absolute);
            if (!v)
                v = mwt_file_symbol(objs[i].path, name, &absolute);
            free(in_ns);
            if (v)
                addr = absolute ? v : objs[i].base + v;
        }
        free(objs[i].path);
    }
    free(objs);
    return addr;
}
