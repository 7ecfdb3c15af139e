/*
 * preload/interpose_dl.c - dlopen and dlclose: MEMWATCH_WATCH entries that
 * name a variable of a library loaded later start when it is loaded, and
 * watches inside a library end before it is unloaded.
 *
 * dlopen looks at its return address to learn who called it: the caller's
 * DT_RUNPATH/DT_RPATH, $ORIGIN and namespace decide where a relative name is
 * searched.  A plain wrapper would make libmemwatch the caller and break
 * programs that load plugins from their own RUNPATH (the well-known trouble
 * with sanitizer dlopen interceptors).  So the real dlopen is entered with a
 * return address inside the caller's own code: the address of a `ret` byte
 * (0xc3) in the caller's executable segment, with our landing address under
 * it on the stack.  dlopen returns to that byte, which returns to us.  When
 * the caller is not in a loaded object (generated code), or the process runs
 * with a shadow stack (which would refuse the detour), dlopen is called
 * plainly.
 *
 * dlclose: the library's memory is unmapped by the dynamic loader, whose own
 * munmap the engine never sees, so the watches inside it are ended first and
 * wait for the library to come back; if dlclose leaves it loaded (another
 * reference), they start again at once.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>

#include "core/sys.h"
#include "preload/interpose_mem.h"
#include "preload/modules.h"
#include "preload/symbols.h"
#include "preload/watch_env.h"
#include "trampoline/features.h"

#define MW_API __attribute__((visibility("default")))

typedef void *(*mw_dlopen_fn)(const char *, int);
typedef int (*mw_dlclose_fn)(void *);

/* fn(file, mode), entered with return address `via` (a ret instruction),
 * under which lies the landing that returns to our caller.  The stack is
 * kept as the ABI wants it at fn's entry (rsp + 8 aligned to 16). */
void *mw_dl_call_via(mw_dlopen_fn fn, const char *file, int mode, const void *via);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl mw_dl_call_via\n"
        ".hidden mw_dl_call_via\n"
        ".type mw_dl_call_via, @function\n"
        "mw_dl_call_via:\n"
        ".cfi_startproc\n"
        "    push %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "    mov %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "    sub $8, %rsp\n"          /* rsp = 8 mod 16 */
        "    mov %rdi, %rax\n"
        "    mov %rsi, %rdi\n"
        "    mov %edx, %esi\n"
        "    lea 1f(%rip), %r11\n"
        "    push %r11\n"             /* where the ret byte returns to; rsp = 0 mod 16 */
        "    push %rcx\n"             /* fn's return address: the ret byte; rsp = 8 mod 16 */
        "    jmp *%rax\n"
        "1:  leave\n"
        ".cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size mw_dl_call_via, .-mw_dl_call_via\n");

struct mw_ret_query {
    uintptr_t caller;
    const void *ret;
};

/* A 0xc3 byte in the readable, executable segment holding q->caller:
 * the nearest one after it (the caller's own epilogue, as a rule). */
static int mw_find_ret(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct mw_ret_query *q = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & (PF_X | PF_R)) != (PF_X | PF_R))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_filesz;
        if (q->caller < lo || q->caller >= hi)
            continue;
        for (uintptr_t p = q->caller; p < hi; p++)
            if (*(const unsigned char *)p == 0xc3) {
                q->ret = (const void *)p;
                return 1;
            }
        for (uintptr_t p = q->caller; p-- > lo;)
            if (*(const unsigned char *)p == 0xc3) {
                q->ret = (const void *)p;
                return 1;
            }
        return 1;
    }
    return 0;
}

/* A shadow stack (CET) would fault on the detour's return. */
MW_API void *dlopen(const char *file, int mode)
{
    static mw_dlopen_fn real;
    if (!real)
        real = (mw_dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
    if (!real)
        return NULL;
    struct mw_ret_query q = {(uintptr_t)__builtin_return_address(0), NULL};
    if (!mw_feature_shadow_stack())
        dl_iterate_phdr(mw_find_ret, &q);
    void *h = q.ret ? mw_dl_call_via(real, file, mode, q.ret) : real(file, mode);
    if (h) {
        mw_modules_refresh();
        mw_watch_env_after_load();
    }
    return h;
}

struct mw_map_query {
    const void *handle;
    uintptr_t addr;    /* its l_addr */
    const void *ld;    /* its l_ld */
    int found;
};

/* Is handle one of the base namespace's link maps?  The list is walked with
 * the loader's list lock held (inside dl_iterate_phdr), and the handle is
 * only compared, never read through: it may be stale. */
static int mw_known_map(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)info;
    (void)size;
    struct mw_map_query *q = data;
    for (const struct link_map *l = _r_debug.r_map; l; l = l->l_next)
        if ((const void *)l == q->handle) {
            q->addr = l->l_addr;
            q->ld = l->l_ld;
            q->found = 1;
            break;
        }
    return 1;
}

/* The loaded extent of the object whose l_addr and l_ld the query holds. */
struct mw_extent_query {
    uintptr_t addr;
    const void *ld;
    uintptr_t lo, hi;
    int found;
};

static int mw_object_extent(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct mw_extent_query *q = data;
    if (info->dlpi_addr != q->addr)
        return 0;
    int is_it = 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC && (const void *)(info->dlpi_addr + ph->p_vaddr) == q->ld)
            is_it = 1;
        if (ph->p_type == PT_LOAD) {
            uintptr_t a = info->dlpi_addr + ph->p_vaddr;
            if (a < lo)
                lo = a;
            if (a + ph->p_memsz > hi)
                hi = a + ph->p_memsz;
        }
    }
    if (!is_it)
        return 0;
    q->lo = lo & ~(uintptr_t)4095;
    q->hi = (hi + 4095) & ~(uintptr_t)4095;
    q->found = 1;
    return 1;
}

MW_API int dlclose(void *handle)
{
    static mw_dlclose_fn real;
    if (!real)
        real = (mw_dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
    if (!real)
        return -1;
    struct mw_map_query q = {handle, 0, NULL, 0};
    dl_iterate_phdr(mw_known_map, &q);
    struct mw_extent_query e = {q.addr, q.ld, 0, 0, 0};
    if (q.found)
        dl_iterate_phdr(mw_object_extent, &e);
    uintptr_t lo, hi;
    int ours = q.found && mw_symbols_ready() && mw_symbols_object_range(q.addr, q.ld, &lo, &hi) == 0;
    if (ours)
        mw_watch_env_before_unload(lo, hi);
    int rc = real(handle);
    /* Still loaded (another reference)?  Otherwise the loader unmapped it
     * with its own munmap: whatever was watched or tracked there is gone. */
    struct mw_extent_query again = {q.addr, q.ld, 0, 0, 0};
    if (e.found && (dl_iterate_phdr(mw_object_extent, &again), !again.found)) {
        mw_mem_unmapped(e.lo, e.hi);
        mw_modules_unloaded(e.lo, e.hi);
    }
    if (ours)
        mw_watch_env_after_load();
    return rc;
}
