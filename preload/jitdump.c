/*
 * preload/jitdump.c - perf's jitdump file for captured code (see jitdump.h).
 *
 * With MEMWATCH_JITDUMP=1 every capture becomes one JIT_CODE_LOAD record in
 * <dump dir>/<exe>.<pid>/jit-<pid>.dump, named memwatch:<seq>@0x<addr>, so
 * that `perf record -k 1` + `perf inject --jit` + `perf report` attribute
 * samples inside captured code to those names.  The format is the one
 * perf's tools/perf/util/jitdump.h describes (version 1): a file header, then
 * records, each a prefix {id, total_size, timestamp} and its body.
 *
 * perf finds the file through its "marker": an executable mapping of the
 * file, which perf record logs as an MMAP2 event; `perf inject --jit` then
 * reads the whole file, so records written after the marker are seen too.
 * The mapping is made with a raw mmap (the library's mmap interposer must
 * not track it) and kept for the life of the process.  Timestamps are
 * CLOCK_MONOTONIC, the clock `perf record -k 1` stamps samples with.
 *
 * Everything is lazy: the file (and the process directory) appears at the
 * first capture, so a run that captures nothing leaves nothing.  The capture
 * path runs in the fault handler: raw syscalls only, a spinlock around the
 * lazy open, and one writev(2) per record on an O_APPEND file, so records
 * of concurrent captures never interleave.  A fork child starts a file of
 * its own; an exec'd image of the same pid appends to the file its earlier
 * image made (code_index is the capture's seq, which goes on across exec).
 */
#include "preload/jitdump.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "core/fmt.h"
#include "core/log.h"
#include "core/spin.h"
#include "core/sys.h"
#include "preload/config.h"

#define MW_JIT_MAGIC 0x4A695444u   /* "JiTD" as perf writes it (little-endian) */
#define MW_JIT_VERSION 1u
#define MW_JIT_CODE_LOAD 0u
#define MW_JIT_FD_FLOOR 300        /* out of the program's way, like dump.c's */

struct mw_jit_header {
    uint32_t magic;
    uint32_t version;
    uint32_t total_size;  /* of this header */
    uint32_t elf_mach;
    uint32_t pad1;
    uint32_t pid;
    uint64_t timestamp;
    uint64_t flags;       /* 0: timestamps are the clock perf record -k uses */
};

struct mw_jit_code_load {
    uint32_t id;          /* prefix: record type */
    uint32_t total_size;  /* prefix: the whole record, name and code included */
    uint64_t timestamp;   /* prefix */
    uint32_t pid;
    uint32_t tid;
    uint64_t vma;
    uint64_t code_addr;
    uint64_t code_size;
    uint64_t code_index;
    /* then the NUL-terminated name, then code_size bytes of code */
};

_Static_assert(sizeof(struct mw_jit_header) == 40, "jitdump header layout");
_Static_assert(sizeof(struct mw_jit_code_load) == 56, "jitdump code-load layout");

struct mw_iovec {
    const void *base;
    size_t len;
};

static int mw_jit_on;             /* MEMWATCH_JITDUMP=1 and capture on */
static int mw_jit_fd = -1;        /* jit-<pid>.dump, O_APPEND */
static int mw_jit_failed;         /* said once, then quiet */
static void *mw_jit_marker;       /* the executable mapping perf looks for */
static mw_spin_t mw_jit_lock;

static uint64_t mw_jit_now(void)
{
    struct timespec ts;
    if (MW_SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void mw_jit_fail(const char *what, long err)
{
    if (!mw_jit_failed)
        mw_warn("cannot %s jit-%ld.dump in %s: %s; perf will not name captured code", what,
                mw_sys_getpid(), mw_config()->dump_dir, mw_strerror((int)-err));
    mw_jit_failed = 1;
}

/* All of iov in one writev (regular files: atomic against other appenders),
 * finishing a short write by hand. */
static long mw_jit_writev(int fd, struct mw_iovec *iov, int n)
{
    long total = 0;
    while (n > 0) {
        long w = MW_SYS3(SYS_writev, fd, iov, n);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? w : -EIO;
        total += w;
        while (n > 0 && (size_t)w >= iov->len) {
            w -= (long)iov->len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->base = (const char *)iov->base + w;
            iov->len -= (size_t)w;
        }
    }
    return total;
}

/* Opens (making it, with its header and marker, when new) this process's
 * file; now stamps the header.  Caller holds mw_jit_lock. */
static int mw_jit_open_locked(uint64_t now, int dir)
{
    if (mw_jit_fd >= 0 || mw_jit_failed)
        return mw_jit_fd;
    if (dir < 0) {
        mw_jit_failed = 1; /* dump.c has said why */
        return -1;
    }
    long pid = mw_sys_getpid();
    char name[64];
    struct mw_fmt f;
    mw_fmt_init(&f, name, sizeof name);
    mw_fmt_str(&f, "jit-");
    mw_fmt_u64(&f, (uint64_t)pid);
    mw_fmt_str(&f, ".dump");
    mw_fmt_cstr(&f);

    /* Read+write: the marker mapping needs a readable descriptor. */
    int created = 1;
    long fd = mw_sys_openat(dir, name, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -EEXIST) { /* an earlier image of this pid (exec) made it: go on appending */
        created = 0;
        fd = mw_sys_openat(dir, name, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0);
        struct stat st;
        if (fd >= 0 && (MW_SYS2(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) ||
                        st.st_uid != (uid_t)MW_SYS0(SYS_geteuid) ||
                        (size_t)st.st_size < sizeof(struct mw_jit_header))) {
            mw_sys_close((int)fd);
            fd = -EEXIST;
        }
    }
    if (fd < 0) {
        mw_jit_fail("create", fd);
        return -1;
    }
    long high = mw_sys_fcntl((int)fd, F_DUPFD_CLOEXEC, MW_JIT_FD_FLOOR);
    if (high >= 0) {
        mw_sys_close((int)fd);
        fd = high;
    }
    if (created) {
        struct mw_jit_header h = {
            .magic = MW_JIT_MAGIC,
            .version = MW_JIT_VERSION,
            .total_size = sizeof h,
            .elf_mach = EM_X86_64,
            .pid = (uint32_t)pid,
            .timestamp = now, /* not after the first record's */
        };
        struct mw_iovec iov = {&h, sizeof h};
        long rc = mw_jit_writev((int)fd, &iov, 1);
        if (rc < 0) {
            mw_sys_close((int)fd);
            mw_jit_fail("write", rc);
            return -1;
        }
        /* The marker: perf record logs executable mappings only. */
        void *m = mw_sys_mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, (int)fd, 0);
        if (mw_sys_failed((long)m)) {
            mw_warn("cannot map jit-%ld.dump executable (%s; a noexec file system?): "
                    "perf inject --jit will not find it",
                    pid, mw_strerror((int)-(long)m));
        } else {
            mw_jit_marker = m;
        }
    }
    mw_jit_fd = (int)fd;
    return mw_jit_fd;
}

void mw_jitdump_start(void)
{
    mw_jit_on = mw_config()->jitdump && mw_config()->capture;
}

void mw_jitdump_capture(const struct mw_capture_record *rec, const void *bytes, long seq, int dir)
{
    if (!mw_jit_on || mw_jit_failed || !rec || !bytes || seq <= 0)
        return;
    /* Stamped before anything else: the code has not run yet, so every
     * sample inside it comes later. */
    uint64_t now = mw_jit_now();
    mw_spin_lock(&mw_jit_lock);
    int fd = mw_jit_open_locked(now, dir);
    mw_spin_unlock(&mw_jit_lock);
    if (fd < 0)
        return;

    char name[64];
    struct mw_fmt f;
    mw_fmt_init(&f, name, sizeof name);
    mw_fmt_str(&f, "memwatch:");
    mw_fmt_u64(&f, (uint64_t)seq);
    mw_fmt_char(&f, '@');
    mw_fmt_hex(&f, rec->addr);
    mw_fmt_cstr(&f);
    size_t name_len = mw_strlen(name) + 1;

    struct mw_jit_code_load r = {
        .id = MW_JIT_CODE_LOAD,
        .total_size = (uint32_t)(sizeof r + name_len + rec->len),
        .timestamp = now,
        .pid = (uint32_t)mw_sys_getpid(),
        .tid = (uint32_t)rec->tid,
        .vma = rec->addr,
        .code_addr = rec->addr,
        .code_size = rec->len,
        .code_index = (uint64_t)seq,
    };
    struct mw_iovec iov[3] = {{&r, sizeof r}, {name, name_len}, {bytes, rec->len}};
    long rc = mw_jit_writev(fd, iov, 3);
    if (rc < 0)
        mw_jit_fail("write", rc);
}

void mw_jitdump_after_fork_child(void)
{
    /* The parent's file and marker are the parent's: the child's first
     * capture makes jit-<childpid>.dump in the child's own directory. */
    mw_jit_lock.held = 0;
    if (mw_jit_marker)
        mw_sys_munmap(mw_jit_marker, 4096);
    mw_jit_marker = NULL;
    if (mw_jit_fd >= 0)
        mw_sys_close(mw_jit_fd);
    mw_jit_fd = -1;
    mw_jit_failed = 0;
}
