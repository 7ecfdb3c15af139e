/*
 * preload/attach.c - starting the library in a running process (see
 * attach.h).
 *
 * What can fail is checked before anything changes (the configuration, the
 * gate, the dump directory), so a refused start leaves the process as it
 * was and the injector can unload us.  Then the normal start-up runs, in
 * trap mode's "adopted" form (full filter, fork caught by the filter), and
 * last the executable memory already there is adopted.
 */
#include "preload/attach.h"

#include <errno.h>
#include <fcntl.h>

#include "core/sys.h"
#include "preload/adopt.h"
#include "preload/config.h"
#include "preload/init.h"
#include "preload/seccomp.h"

#define MW_API __attribute__((visibility("default")))

static int mw_attaching;

int mw_attach_in_progress(void) { return mw_attaching || mw_syscall_gate_present(); }

/* Can the process make and write into the dump directory?  (The library
 * would only say so on the program's stderr, which the user of --pid does
 * not see.) */
static int mw_dump_dir_writable(const char *dir)
{
    long rc = mw_sys_mkdirat(AT_FDCWD, dir, 0700);
    if (rc != 0 && rc != -EEXIST)
        return 0;
    long fd = mw_sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    rc = MW_SYS4(SYS_faccessat, fd, ".", 2 /* W_OK */ | 1 /* X_OK */, 0);
    mw_sys_close((int)fd);
    return rc == 0;
}

MW_API int __memwatch_attach(const char *config)
{
    if (mw_attaching)
        return MW_ATTACH_ALREADY;
    if (mw_config_adopt(config) != 0)
        return MW_ATTACH_BAD_CONFIG;
    if (mw_syscall_gate_take() != 0)
        return MW_ATTACH_NO_GATE;
    const struct mw_config *c = mw_config();
    if ((c->capture || c->watch) && !mw_dump_dir_writable(c->dump_dir))
        return MW_ATTACH_NO_DUMP_DIR;
    mw_attaching = 1;
    mw_init_once();
    if (mw_syscalls_status() != MW_TRAP_ON)
        return MW_ATTACH_NO_FILTER;
    mw_adopt_executable_memory();
    return MW_ATTACH_OK;
}
