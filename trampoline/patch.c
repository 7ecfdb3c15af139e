/*
 * trampoline/patch.c - writing code under running threads (see patch.h).
 */
#include "trampoline/patch.h"

#include <fcntl.h>
#include <string.h>

#include "core/sys.h"

#define MW_MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE (1 << 5)
#define MW_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)
#define MW_PATCH_FD_FLOOR 300

static int mw_mem_fd = -1;
static int mw_sync_ok;

static int mw_patch_open(void)
{
    if (mw_mem_fd >= 0)
        mw_sys_close(mw_mem_fd);
    mw_mem_fd = -1;
    mw_sync_ok = MW_SYS3(SYS_membarrier, MW_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
    long fd = mw_sys_openat(AT_FDCWD, "/proc/self/mem", O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    long high = mw_sys_fcntl((int)fd, F_DUPFD_CLOEXEC, MW_PATCH_FD_FLOOR);
    if (high >= 0) {
        mw_sys_close((int)fd);
        fd = high;
    }
    mw_mem_fd = (int)fd;
    return mw_sync_ok ? 0 : -1;
}

int mw_patch_init(void) { return mw_patch_open(); }
int mw_patch_after_fork_child(void) { return mw_mem_fd >= 0 ? mw_patch_open() : -1; }
int mw_patch_ready(void) { return mw_mem_fd >= 0 && mw_sync_ok; }

/* Every other thread of the process executes a serialising instruction
 * before this returns: none can still run bytes it fetched before. */
static void mw_patch_sync(void) { MW_SYS3(SYS_membarrier, MW_MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0); }

static int mw_patch_write(uintptr_t addr, const uint8_t *bytes, size_t n)
{
    return MW_SYS4(SYS_pwrite64, mw_mem_fd, bytes, n, addr) == (long)n ? 0 : -1;
}

int mw_patch_replace(uintptr_t addr, const uint8_t *old, const uint8_t *new, size_t n)
{
    uint8_t now[16];
    if (!mw_patch_ready() || n == 0 || n > sizeof now)
        return -1;
    if (mw_sys_safe_read(now, (const void *)addr, n) != (long)n || memcmp(now, old, n) != 0)
        return -1;
    static const uint8_t int3 = 0xcc;
    if (n == 1) {
        int rc = mw_patch_write(addr, new, 1);
        mw_patch_sync();
        return rc;
    }
    if (mw_patch_write(addr, &int3, 1) != 0)
        return -1;
    mw_patch_sync();
    int rc = mw_patch_write(addr + 1, new + 1, n - 1);
    mw_patch_sync();
    /* Whatever happened to the tail, byte 0 ends as new (tail written) or
     * old (tail refused: it is still the old tail). */
    mw_patch_write(addr, rc == 0 ? new : old, 1);
    mw_patch_sync();
    return rc;
}

int mw_patch_trapping_byte(uint8_t b)
{
    switch (b) {
    case 0xcc:                                        /* int3: SIGTRAP */
    case 0xf4:                                        /* hlt: #GP, SIGSEGV */
    case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e: case 0x1f:
    case 0x27: case 0x2f: case 0x37: case 0x3f: case 0x60: case 0x61:
    case 0xce: case 0xd4: case 0xd5: case 0xd6:      /* invalid in 64-bit mode: #UD, SIGILL */
        return 1;
    default:
        return 0;
    }
}

int mw_patch_span(uintptr_t addr, const uint8_t *old, int32_t rel)
{
    uint8_t now[5], jump[5] = {0xe9};
    static const uint8_t int3 = 0xcc;
    memcpy(jump + 1, &rel, 4);
    if (!mw_patch_ready() || mw_sys_safe_read(now, (const void *)addr, 5) != 5 || memcmp(now, old, 5) != 0)
        return -1;
    if (mw_patch_write(addr, &int3, 1) != 0) /* byte 0 first: nothing enters while the rest changes */
        return -1;
    mw_patch_sync();
    for (unsigned k = 1; k < 5; k++) {
        if (mw_patch_write(addr + k, jump + k, 1) != 0)
            return -1; /* bytes written so far trap: the fault path and mw_promo_trap cope */
        mw_patch_sync();
    }
    int rc = mw_patch_write(addr, jump, 1);
    mw_patch_sync();
    return rc;
}

int mw_patch_unspan(uintptr_t addr, const uint8_t *orig)
{
    static const uint8_t int3 = 0xcc;
    if (!mw_patch_ready() || mw_patch_write(addr, &int3, 1) != 0)
        return -1;
    mw_patch_sync();
    for (unsigned k = 4; k >= 1; k--) {
        mw_patch_write(addr + k, orig + k, 1);
        mw_patch_sync();
    }
    int rc = mw_patch_write(addr, orig, 1);
    mw_patch_sync();
    return rc;
}
