/*
 * agent/start.c - the agent's entry point (see agent.h), called once by the
 * injector on a stack of its own in the stopped process.
 *
 * In order: adopt the configuration, take the engine's signals (keeping the
 * program's handlers as the program's), open the dump directory, then the
 * seccomp filter - after which the agent can no longer leave - and last the
 * executable memory already there (a running process).  Everything before
 * the filter is undone when a later step fails, so a failed start leaves the
 * process as it found it (the injector then unmaps the image).
 */
#include "agent/agent.h"

#include "core/sys.h"
#include "preload/adopt.h"
#include "preload/config.h"
#include "preload/dump.h"
#include "preload/lifecycle.h"
#include "preload/seccomp.h"
#include "preload/sigview.h"
#include "trampoline/fault.h"
#include "trampoline/thread.h"

/* The image's own extent (the linker's), for telling our faults apart. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char etext[] __attribute__((visibility("hidden")));

static int mw_agent_started;

__attribute__((visibility("default"))) long mw_agent_start(const char *config)
{
    if (mw_agent_started)
        return MW_AGENT_ALREADY;
    /* Before any other call: an image that inherited the filter across exec
     * would have them trapped, with no handler yet. */
    if (mw_syscall_gate_take() != 0)
        return MW_AGENT_NO_FILTER;
    if (mw_config_adopt(config) != 0)
        return MW_AGENT_BAD_CONFIG;
    mw_fault_set_self_text((uintptr_t)__ehdr_start, (uintptr_t)etext);
    struct mw_thread *t = mw_thread_self();
    if (mw_fault_install() != 0) {
        mw_fault_uninstall();
        return MW_AGENT_NO_HANDLER;
    }
    mw_capture_start();
    if (mw_config()->capture && !mw_dump_usable()) {
        mw_fault_uninstall();
        return MW_AGENT_NO_DUMP_DIR;
    }
    mw_syscalls_start();
    if (mw_syscalls_status() != MW_TRAP_ON) {
        mw_fault_uninstall();
        return MW_AGENT_NO_FILTER;
    }
    mw_sigview_adopt_kernel_mask(t);
    mw_adopt_executable_memory();
    mw_agent_started = 1;
    return MW_AGENT_OK;
}
