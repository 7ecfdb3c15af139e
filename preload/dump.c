/*
 * preload/dump.c - writing captures and accesses (see dump.h).
 *
 * The per-process directory is made at the first thing to write, so a
 * program that makes no code and logs nothing leaves nothing behind.  A fork
 * child starts over: its own <exe>.<childpid>, seq from 1.
 */
#include "preload/dump.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fmt.h"
#include "core/log.h"
#include "core/spin.h"
#include "core/sys.h"
#include "preload/config.h"
#include "preload/jitdump.h"
#include "preload/lifecycle.h"
#include "preload/pack.h"
#include "preload/resume.h"
#include "trampoline/chain.h"
#include "trampoline/regs.h"
#include "trampoline/thread.h"

#define MW_FD_FLOOR 300 /* our descriptors live up here, out of the program's way */
#define MW_CAPTURES_NAME "captures.jsonl"

static int mw_base_fd = -1;       /* $MEMWATCH_DUMP_DIR */
static int mw_proc_fd = -1;       /* <exe>.<pid> */
static int mw_captures_fd = -1;
static int mw_accesses_fd = -1;
static int mw_dump_failed;        /* said once, then quiet */
static long mw_seq;
static char mw_exe[128];
static mw_spin_t mw_dump_lock;

static int mw_keep_high(int fd)
{
    long high = mw_sys_fcntl(fd, F_DUPFD_CLOEXEC, MW_FD_FLOOR);
    if (high < 0)
        return fd;
    mw_sys_close(fd);
    return (int)high;
}

static void mw_exe_name(void)
{
    char path[4096];
    long n = mw_sys_readlink("/proc/self/exe", path, sizeof path - 1);
    const char *base = "unknown";
    if (n > 0) {
        path[n] = 0;
        base = path;
        for (char *p = path; *p; p++)
            if (*p == '/')
                base = p + 1;
    }
    size_t len = mw_strlen(base);
    if (len >= sizeof mw_exe)
        len = sizeof mw_exe - 1;
    memcpy(mw_exe, base, len);
    mw_exe[len] = 0;
}

static void mw_dump_flush_dying(void);

int mw_dump_open(void)
{
    mw_chain_set_die_hook(mw_dump_flush_dying);
    const char *dir = mw_config()->dump_dir;
    mw_exe_name();
    long rc = mw_sys_mkdirat(AT_FDCWD, dir, 0700);
    if (rc != 0 && rc != -EEXIST) {
        mw_warn("cannot create dump directory %s: %s; capture and access logs are off", dir, mw_strerror((int)-rc));
        mw_dump_failed = 1;
        return -1;
    }
    long fd = mw_sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        const char *why = fd == -ENOTDIR ? "not a directory" : fd == -ELOOP ? "a symbolic link is in the way"
                                                                            : mw_strerror((int)-fd);
        mw_warn("cannot use dump directory %s: %s; capture and access logs are off", dir, why);
        mw_dump_failed = 1;
        return -1;
    }
    mw_base_fd = mw_keep_high((int)fd);
    return 0;
}

int mw_dump_usable(void) { return mw_base_fd >= 0 && !mw_dump_failed; }

static void mw_dump_fail(const char *what, long err)
{
    if (!mw_dump_failed)
        mw_warn("cannot write %s in %s: %s; further captures are not written", what, mw_config()->dump_dir,
                mw_strerror((int)-err));
    mw_dump_failed = 1;
}

/* Makes <exe>.<pid> (0700) on first use; refuses anything already there that
 * is not a directory of ours. Caller holds mw_dump_lock. */
static int mw_dump_proc_dir_locked(void)
{
    if (mw_proc_fd >= 0 || mw_dump_failed || mw_base_fd < 0)
        return mw_proc_fd;
    char name[192];
    struct mw_fmt f;
    mw_fmt_init(&f, name, sizeof name);
    mw_fmt_str(&f, mw_exe);
    mw_fmt_char(&f, '.');
    mw_fmt_u64(&f, (uint64_t)mw_sys_getpid());
    mw_fmt_cstr(&f);
    long rc = mw_sys_mkdirat(mw_base_fd, name, 0700);
    if (rc != 0 && rc != -EEXIST) {
        mw_dump_fail("the process directory", rc);
        return -1;
    }
    long fd = mw_sys_openat(mw_base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        mw_dump_fail("the process directory", fd == -ENOTDIR ? -ELOOP : fd);
        return -1;
    }
    struct stat st;
    if (rc == -EEXIST && (MW_SYS2(SYS_fstat, fd, &st) != 0 || st.st_uid != (uid_t)MW_SYS0(SYS_geteuid) ||
                          (st.st_mode & 077))) {
        mw_sys_close((int)fd);
        mw_dump_fail("the process directory (someone else's is in the way)", -EEXIST);
        return -1;
    }
    mw_proc_fd = mw_keep_high((int)fd);
    return mw_proc_fd;
}

static int mw_open_log(int *slot, const char *name, int *existed)
{
    if (*slot >= 0)
        return *slot;
    int dir = mw_dump_proc_dir_locked();
    if (dir < 0)
        return -1;
    *existed = 0;
    long fd = mw_sys_openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -EEXIST) { /* ours, from before an exec: append */
        fd = mw_sys_openat(dir, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0);
        *existed = fd >= 0;
    }
    if (fd < 0) {
        mw_dump_fail(name, fd);
        return -1;
    }
    *slot = mw_keep_high((int)fd);
    return *slot;
}

static int mw_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        long w = mw_sys_write(fd, c, n);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? (int)w : -EIO;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* key: the register's name already quoted, with what goes before and
 * after it ("\"rax\":\""). */
static void mw_fmt_reg(struct mw_fmt *f, const char *key, uint64_t v)
{
    mw_fmt_str(f, key);
    mw_fmt_hex(f, v);
    mw_fmt_char(f, '"');
}

static void mw_fmt_regs(struct mw_fmt *f, const ucontext_t *uc)
{
    static const char *const keys[16] = {
        "\"rax\":\"", ",\"rcx\":\"", ",\"rdx\":\"", ",\"rbx\":\"", ",\"rsp\":\"", ",\"rbp\":\"",
        ",\"rsi\":\"", ",\"rdi\":\"", ",\"r8\":\"", ",\"r9\":\"", ",\"r10\":\"", ",\"r11\":\"",
        ",\"r12\":\"", ",\"r13\":\"", ",\"r14\":\"", ",\"r15\":\""};
    static const int order[16] = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};
    mw_fmt_str(f, "\"regs\":{");
    for (int i = 0; i < 16; i++) /* rax comes first: only its key has no comma */
        mw_fmt_reg(f, keys[order[i]], mw_ctx_gpr(uc, order[i]));
    mw_fmt_reg(f, ",\"rip\":\"", mw_ctx_rip(uc));
    mw_fmt_reg(f, ",\"rflags\":\"", mw_ctx_flags(uc));
    mw_fmt_char(f, '}');
}

static void mw_fmt_key_hex(struct mw_fmt *f, const char *key, uint64_t v)
{
    mw_fmt_printf(f, ",\"%s\":\"", key);
    mw_fmt_hex(f, v);
    mw_fmt_char(f, '"');
}

/* captures.jsonl and the pack, opened together at the first capture.
 * Caller holds mw_dump_lock. */
static int mw_open_captures_locked(void)
{
    if (mw_captures_fd >= 0)
        return 0;
    int existed;
    if (mw_open_log(&mw_captures_fd, MW_CAPTURES_NAME, &existed) < 0)
        return -1;
    uint64_t resume = 0;
    if (existed)
        mw_seq = mw_resume_captures(mw_proc_fd, MW_CAPTURES_NAME, &resume);
    long fd = mw_sys_openat(mw_proc_fd, MW_PACK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;
    if (fd >= 0 && (MW_SYS2(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) ||
                    st.st_uid != (uid_t)MW_SYS0(SYS_geteuid))) {
        mw_sys_close((int)fd);
        fd = -EEXIST;
    }
    long rc = fd < 0 ? fd : mw_pack_open(mw_keep_high((int)fd), resume);
    if (rc != 0) {
        if (fd >= 0)
            mw_sys_close((int)fd);
        mw_sys_close(mw_captures_fd);
        mw_captures_fd = -1;
        mw_dump_fail(MW_PACK_NAME, rc);
        return -1;
    }
    return 0;
}

#define MW_PACK_AHEAD (128 * 1024) /* room kept ready in the pack after each capture */

void mw_dump_capture_store(const struct mw_capture_record *rec, const void *bytes, struct mw_capture_ticket *tk)
{
    /* The bytes cannot change meanwhile: wx.c made them read+execute and
     * holds the table. */
    tk->rec = *rec;
    tk->stored = 0;
    tk->hash = mw_content_hash(bytes, rec->len);
    mw_spin_lock(&mw_dump_lock); /* released by mw_dump_capture_log */
    if (mw_dump_failed || mw_open_captures_locked() < 0)
        return;
    long rc = mw_pack_put(bytes, rec->len, tk->hash, &tk->offset);
    if (rc != 0)
        mw_dump_fail(MW_PACK_NAME, rc);
    tk->stored = rc == 0;
}

long mw_dump_capture_log(struct mw_capture_ticket *tk)
{
    const struct mw_capture_record *rec = &tk->rec;
    long seq = -1;
    if (!tk->stored)
        goto out;
    seq = ++mw_seq;
    char line[2048];
    struct mw_fmt f;
    mw_fmt_init(&f, line, sizeof line);
    mw_fmt_printf(&f, "{\"seq\":%ld", seq);
    mw_fmt_key_hex(&f, "addr", rec->addr);
    mw_fmt_printf(&f, ",\"len\":%lu,\"capture_sequence\":%u", (unsigned long)rec->len, rec->capture_sequence);
    mw_fmt_key_hex(&f, "region", rec->region);
    mw_fmt_key_hex(&f, "fault_addr", rec->fault_addr);
    mw_fmt_printf(&f, ",\"tid\":%d,\"timestamp_ns\":", rec->tid);
    mw_fmt_u64(&f, rec->timestamp_ns);
    mw_fmt_str(&f, ",\"hash\":\"");
    mw_fmt_hex16(&f, tk->hash);
    mw_fmt_str(&f, "\",\"file\":\"" MW_PACK_NAME "\",\"offset\":");
    mw_fmt_u64(&f, tk->offset);
    mw_fmt_char(&f, ',');
    mw_fmt_regs(&f, rec->uc);
    mw_fmt_str(&f, "}\n");
    long rc = f.truncated ? -ENOSPC : mw_write_all(mw_captures_fd, line, f.len);
    if (rc != 0) {
        mw_dump_fail(MW_CAPTURES_NAME, rc);
        seq = -1;
        goto out;
    }
    mw_jitdump_capture(rec, mw_pack_at(tk->offset), seq, mw_proc_fd);
    mw_pack_prepare(MW_PACK_AHEAD);
out:
    mw_spin_unlock(&mw_dump_lock);
    return seq;
}

/* --- access lines, gathered ------------------------------------------------------ */

#define MW_ACCESS_BUF (64 * 1024)
#define MW_ACCESS_AGE_NS (20ULL * 1000 * 1000)

static char mw_access_buf[MW_ACCESS_BUF];
static size_t mw_access_used;
static uint64_t mw_access_oldest;    /* when the first buffered line came */
static mw_spin_t mw_access_lock;     /* taken with the engine's signals blocked or in its handler */

static void mw_access_write_locked(void)
{
    if (mw_access_used && mw_accesses_fd >= 0 && mw_write_all(mw_accesses_fd, mw_access_buf, mw_access_used) != 0)
        mw_dump_fail("accesses.jsonl", -EIO);
    mw_access_used = 0;
}

void mw_dump_flush_accesses(void)
{
    mw_sigmask_t saved; /* a handler on this thread must not find the lock held */
    mw_sigblock_all(&saved);
    mw_spin_lock(&mw_access_lock);
    mw_access_write_locked();
    mw_spin_unlock(&mw_access_lock);
    mw_sigrestore(&saved);
}

/* The process is about to die by a signal (in the engine's handler): write
 * what is buffered, unless this very thread died holding the buffer. */
static void mw_dump_flush_dying(void)
{
    if (__atomic_exchange_n(&mw_access_lock.held, 1, __ATOMIC_ACQUIRE))
        return;
    mw_access_write_locked();
    mw_spin_unlock(&mw_access_lock);
}

/* Called by the access sink, which runs in the engine's own context (its
 * signal handler, or a promoted site's hit path): asynchronous signals are
 * blocked there already, no handler can find the lock held. */
static void mw_access_put(const char *line, size_t n, uint64_t now)
{
    mw_spin_lock(&mw_access_lock);
    if (mw_access_used + n > MW_ACCESS_BUF)
        mw_access_write_locked();
    if (!mw_access_used)
        mw_access_oldest = now;
    memcpy(mw_access_buf + mw_access_used, line, n);
    mw_access_used += n;
    if (now - mw_access_oldest >= MW_ACCESS_AGE_NS)
        mw_access_write_locked();
    mw_spin_unlock(&mw_access_lock);
}

void mw_dump_access(const memwatch_event_t *ev, const char *label, const char *sym)
{
    mw_spin_lock(&mw_dump_lock);
    int existed;
    if (mw_open_log(&mw_accesses_fd, "accesses.jsonl", &existed) < 0) {
        mw_spin_unlock(&mw_dump_lock);
        return;
    }
    mw_spin_unlock(&mw_dump_lock);
    char line[2048];
    struct mw_fmt f;
    mw_fmt_init(&f, line, sizeof line);
    mw_fmt_str(&f, "{\"addr\":\"");
    mw_fmt_hex(&f, (uintptr_t)ev->addr);
    mw_fmt_printf(&f, "\",\"size\":%lu,\"op\":\"%s\"", (unsigned long)ev->size,
                  ev->is_read && ev->is_write ? "rw" : ev->is_write ? "w" : "r");
    mw_fmt_key_hex(&f, "ip", (uintptr_t)ev->ip);
    if (sym && *sym) {
        mw_fmt_str(&f, ",\"sym\":");
        mw_fmt_json_str(&f, sym);
    }
    if (label && *label) {
        mw_fmt_str(&f, ",\"var\":");
        mw_fmt_json_str(&f, label);
    }
    mw_fmt_printf(&f, ",\"tid\":%d,\"timestamp_ns\":", ev->tid);
    mw_fmt_u64(&f, ev->timestamp_ns);
    mw_fmt_str(&f, ",\"before\":\"");
    mw_fmt_bytes_hex(&f, ev->before, ev->nbytes);
    mw_fmt_str(&f, "\",\"after\":\"");
    mw_fmt_bytes_hex(&f, ev->after, ev->nbytes);
    mw_fmt_str(&f, "\"}\n");
    if (f.truncated)
        mw_dump_fail("accesses.jsonl", -ENOSPC);
    else
        mw_access_put(line, f.len, ev->timestamp_ns);
}

void mw_dump_after_fork_child(void)
{
    mw_dump_lock.held = 0;
    mw_access_lock.held = 0;
    mw_access_used = 0; /* the parent's lines (written before the fork: mw_fork_prepare) */
    if (mw_proc_fd >= 0)
        mw_sys_close(mw_proc_fd);
    if (mw_captures_fd >= 0)
        mw_sys_close(mw_captures_fd);
    if (mw_accesses_fd >= 0)
        mw_sys_close(mw_accesses_fd);
    mw_proc_fd = mw_captures_fd = mw_accesses_fd = -1;
    mw_seq = 0;
    mw_pack_forget();
    { void mw_jitdump_after_fork_child(void); mw_jitdump_after_fork_child(); } /* preload/jitdump.h */
}

/* A normal exit: the pack loses the unused tail of its last step.  Another
 * thread may still capture afterwards; the pack then grows again. */
__attribute__((destructor)) static void mw_dump_at_exit(void)
{
    mw_sigmask_t saved; /* a capture on this thread must not find the lock held */
    mw_sigblock_all(&saved);
    mw_spin_lock(&mw_dump_lock);
    mw_pack_trim();
    mw_spin_unlock(&mw_dump_lock);
    mw_sigrestore(&saved);
    mw_dump_flush_accesses();
}
