/*
 * bench/cycle.c - the code-capture cycle and the cost of big address-space
 * calls, each against its baseline measured in the same run (`make bench`).
 *
 * The W->X->W cycle: a JIT writes a new function into one 4 KiB page and
 * calls it, again and again; every call runs code nobody has seen, so every
 * call is a capture.  Three ways to do it, measured round after round in
 * turn, the best round of each kept (many short rounds: on a shared machine
 * each way gets its quiet moments):
 *   floor    the program's own SIGSEGV handler does the least a capture
 *            needs: 2 faults, 2 mprotect, a 4 KiB copy (to memory);
 *   library  the same program with libmemwatch preloaded (a child process
 *            of this one), writing captures.jsonl and code.pack; and again
 *            under the memwatch launcher (found beside the library), which
 *            warms the pack's pages from another CPU (tools/warm.h);
 *   ptrace   an emt-style monitor: this process traces the program, stops
 *            it at each SIGSEGV, copies the page with process_vm_readv,
 *            flips the protection by making the program run mprotect (its
 *            registers pointed at a `syscall; int3` of its own), and
 *            resumes it with the signal suppressed.
 * The reserve round: mmap 4 GiB PROT_NONE, mprotect 64 MiB of it read+write,
 * munmap it - plain, under the library with nothing tracked, and under the
 * library with code pages tracked elsewhere, each in a fresh process.
 *
 * Usage: cycle LIBMEMWATCH [CYCLES [ROUNDS]].  The dump goes where
 * MEMWATCH_DUMP_DIR says.  Every figure is taken in a fresh process (this
 * program run again with a mode), so all start alike.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096
#define RESERVE (4UL << 30)
#define COMMIT (64UL << 20)

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "cycle: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* --- the program: write a new function, call it ---------------------------- */

static unsigned char *jit_page(int prot)
{
    void *p = mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    memset(p, 0x90, PAGE);
    return p;
}

/* ns per cycle over n cycles: `mov eax, i; ret`, a different function each
 * time.  One cycle first, not timed: what happens once per process (the
 * dump directory and files made at the first capture) is not a cycle. */
static double jit_cycles(unsigned char *p, int n, int base)
{
    double t0 = 0;
    for (int i = -1; i < n; i++) {
        if (i == 0)
            t0 = now_ns();
        int v = base + i;
        p[0] = 0xb8;
        memcpy(p + 1, &v, 4);
        p[5] = 0xc3;
        int (*fn)(void);
        void *code = p;
        memcpy(&fn, &code, sizeof fn);
        __asm__ volatile("" : : "r"(code) : "memory");
        if (fn() != v) {
            fprintf(stderr, "cycle: the function returned the wrong value\n");
            exit(2);
        }
    }
    return (now_ns() - t0) / n;
}

/* --- floor: the program's own handler -------------------------------------- */

static unsigned char *floor_page;
static unsigned char floor_copy[PAGE];

static void floor_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    if (uc->uc_mcontext.gregs[REG_ERR] & 0x10) { /* instruction fetch: capture */
        mprotect(floor_page, PAGE, PROT_READ | PROT_EXEC);
        memcpy(floor_copy, floor_page, PAGE);
        __asm__ volatile("" : : "r"(floor_copy) : "memory");
    } else {
        mprotect(floor_page, PAGE, PROT_READ | PROT_WRITE);
    }
}

static double run_floor(int n)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = floor_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    floor_page = jit_page(PROT_READ | PROT_WRITE);
    double t = jit_cycles(floor_page, n, 0);
    munmap(floor_page, PAGE);
    sigaction(SIGSEGV, &old, NULL);
    return t;
}

/* --- the ptrace monitor's gadget ---------------------------------------------- */

void cycle_gadget(void);
__asm__(".text\n.globl cycle_gadget\ncycle_gadget:\n\tsyscall\n\tint3\n");

/* --- children: the same program, report one figure on fd 3 ------------------ */

static void report(double v)
{
    char buf[64];
    int len = snprintf(buf, sizeof buf, "%.1f\n", v);
    if (write(3, buf, (size_t)len) != len)
        _exit(3);
}

static double reserve_round(int n)
{
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
        char *p = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            die("mmap 4 GiB");
        if (mprotect(p, COMMIT, PROT_READ | PROT_WRITE) != 0)
            die("mprotect");
        munmap(p, RESERVE);
    }
    return (now_ns() - t0) / n;
}

static int child_main(const char *mode, int n)
{
    if (strcmp(mode, "floor") == 0) {
        report(run_floor(n));
    } else if (strcmp(mode, "jit") == 0) {
        report(jit_cycles(jit_page(PROT_READ | PROT_WRITE | PROT_EXEC), n, 0));
    } else if (strcmp(mode, "reserve") == 0) {
        report(reserve_round(n));
    } else if (strcmp(mode, "reserve-tracked") == 0) {
        /* Code pages tracked elsewhere: two JIT regions, run once. */
        for (int k = 0; k < 2; k++)
            jit_cycles(jit_page(PROT_READ | PROT_WRITE | PROT_EXEC), 1, k);
        report(reserve_round(n));
    } else if (strcmp(mode, "ptrace") == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            die("PTRACE_TRACEME");
        char gadget[32]; /* where the monitor finds `syscall; int3` in this image */
        int glen = snprintf(gadget, sizeof gadget, "%p\n", (void *)cycle_gadget);
        if (write(3, gadget, (size_t)glen) != glen)
            return 3;
        raise(SIGSTOP);
        report(jit_cycles(jit_page(PROT_READ | PROT_WRITE), n, 0));
    } else {
        return 2;
    }
    return 0;
}


/* Makes the stopped tracee run mprotect(addr, PAGE, prot) and puts its
 * registers back. */
static void inject_mprotect(pid_t pid, uintptr_t gadget, uintptr_t addr, int prot)
{
    struct user_regs_struct saved, r;
    int st;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0)
        die("PTRACE_GETREGS");
    r = saved;
    r.rip = gadget;
    r.rax = SYS_mprotect;
    r.rdi = addr;
    r.rsi = PAGE;
    r.rdx = (unsigned long)prot;
    ptrace(PTRACE_SETREGS, pid, NULL, &r);
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
        die("injected mprotect");
    ptrace(PTRACE_GETREGS, pid, NULL, &r);
    if ((long)r.rax != 0) {
        errno = (int)-(long)r.rax;
        die("the tracee's mprotect");
    }
    ptrace(PTRACE_SETREGS, pid, NULL, &saved);
}

/* A line the child writes on the pipe (unbuffered: one read per byte). */
static void read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap && read(fd, buf + n, 1) == 1 && buf[n] != '\n')
        n++;
    buf[n] = 0;
}

/* Drives the tracee until it ends; its wait status. */
static int monitor(pid_t pid, int fd)
{
    char line[64];
    read_line(fd, line, sizeof line);
    uintptr_t gadget = (uintptr_t)strtoull(line, NULL, 16);
    static unsigned char copy[PAGE];
    int st;
    uintptr_t page = 0;
    int executable = 0; /* the page's protection as the monitor set it */
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
        die("tracee start");
    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL);
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) {
        int sig = WSTOPSIG(st);
        siginfo_t si;
        if (sig != SIGSEGV || ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) != 0) {
            ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
            continue;
        }
        uintptr_t at = (uintptr_t)si.si_addr & ~(uintptr_t)(PAGE - 1);
        if (at != page) { /* the JIT page: read+write until it first runs */
            page = at;
            executable = 0;
        }
        if (!executable) {
            inject_mprotect(pid, gadget, page, PROT_READ | PROT_EXEC);
            struct iovec local = {copy, PAGE}, remote = {(void *)page, PAGE};
            if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != PAGE)
                die("process_vm_readv");
        } else {
            inject_mprotect(pid, gadget, page, PROT_READ | PROT_WRITE);
        }
        executable = !executable;
        ptrace(PTRACE_CONT, pid, NULL, NULL); /* the fault is suppressed: the instruction runs again */
    }
    return st;
}

/* Empties the dump directory after each child: pages of a file removed
 * before writeback are dropped, not written, so the disk stays quiet for the
 * next child (otherwise later rounds meet the writeback of earlier ones). */
static void clean_dump(void)
{
    const char *dir = getenv("MEMWATCH_DUMP_DIR");
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096], path[4096 + 256];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        struct dirent *f;
        while (s && (f = readdir(s))) {
            snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
            if (f->d_name[0] != '.')
                unlink(path);
        }
        if (s)
            closedir(s);
        rmdir(sub);
    }
    if (d)
        closedir(d);
}

/* Runs this program as `mode` and returns the figure it reports: with the
 * library preloaded when lib, under the launcher too when launcher, driven
 * by the ptrace monitor when traced. */
static const char *yara_rules; /* BENCH_YARA: the launched row again with --yara */

static double spawn(const char *self, const char *mode, int n, const char *lib, const char *launcher, int traced,
                    int yara)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(fds[1], 3);
        char count[16];
        snprintf(count, sizeof count, "%d", n);
        unsetenv("LD_PRELOAD");
        if (launcher) {
            setenv("MEMWATCH_LIB", lib, 1);
            if (yara)
                execl(launcher, launcher, "-q", "--yara", yara_rules, "--", self, "--child", mode, count,
                      (char *)NULL);
            execl(launcher, launcher, "-q", "--", self, "--child", mode, count, (char *)NULL);
        }
        if (lib)
            setenv("LD_PRELOAD", lib, 1);
        execl(self, self, "--child", mode, count, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    int st = traced ? monitor(pid, fds[0]) : 0;
    char buf[64] = "";
    ssize_t got = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    if (!traced)
        waitpid(pid, &st, 0);
    if (got <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "cycle: the %s child failed (status %#x)\n", mode, st);
        exit(2);
    }
    clean_dump();
    return atof(buf);
}

static void row(const char *what, double ns, double base)
{
    printf("  %-62s %9.2f us %7.2fx\n", what, ns / 1000, ns / base);
}

static const char *fs_name(const char *dir)
{
    struct statfs s;
    if (!dir || statfs(dir, &s) != 0)
        return "?";
    switch ((unsigned long)s.f_type) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    default: return "other";
    }
}

static void best(double *b, double v)
{
    if (v < *b)
        *b = v;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2], atoi(argv[3]));
    if (argc < 2) {
        fprintf(stderr, "usage: cycle LIBMEMWATCH [CYCLES [ROUNDS]]\n");
        return 2;
    }
    const char *lib = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 500, rounds = argc > 3 ? atoi(argv[3]) : 41;
    int nres = n / 4 > 10 ? n / 4 : 10;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        die("readlink /proc/self/exe");
    self[len] = 0;

    /* The launcher beside the library, as make installs and builds them. */
    char launcher[4096];
    snprintf(launcher, sizeof launcher, "%.*s/memwatch", (int)(strrchr(lib, '/') ? strrchr(lib, '/') - lib : 1),
             strrchr(lib, '/') ? lib : ".");
    int have_launcher = access(launcher, X_OK) == 0;
    double floor = 1e30, withlib = 1e30, launched = 1e30, scanned = 1e30, traced = 1e30, plain = 1e30, res0 = 1e30,
           res1 = 1e30;
    yara_rules = getenv("BENCH_YARA");
    for (int r = 0; r < rounds; r++) {
        best(&floor, spawn(self, "floor", n, NULL, NULL, 0, 0));
        best(&withlib, spawn(self, "jit", n, lib, NULL, 0, 0));
        if (have_launcher)
            best(&launched, spawn(self, "jit", n, lib, launcher, 0, 0));
        if (have_launcher && yara_rules)
            best(&scanned, spawn(self, "jit", n, lib, launcher, 0, 1));
        best(&traced, spawn(self, "ptrace", n, NULL, NULL, 1, 0));
        best(&plain, spawn(self, "reserve", nres, NULL, NULL, 0, 0));
        best(&res0, spawn(self, "reserve", nres, lib, NULL, 0, 0));
        best(&res1, spawn(self, "reserve-tracked", nres, lib, NULL, 0, 0));
    }
    printf("W->X->W cycle with a 4 KiB capture: best of %d rounds of %d cycles, in turn in one run\n", rounds, n);
    row("in-process floor (own handler: 2 faults, 2 mprotect, 4 KiB copy)", floor, floor);
    char what[128];
    snprintf(what, sizeof what, "libmemwatch, preloaded (dump on %s)", fs_name(getenv("MEMWATCH_DUMP_DIR")));
    row(what, withlib, floor);
    if (have_launcher)
        row("libmemwatch, under the memwatch launcher", launched, floor);
    if (have_launcher && yara_rules)
        row("the same, each capture scanned live (--yara)", scanned, floor);
    row("emt-style ptrace monitor (process_vm_readv, injected mprotect)", traced, floor);
    printf("4 GiB PROT_NONE reserve, commit 64 MiB, unmap: best of %d rounds of %d\n", rounds, nres);
    row("plain", plain, plain);
    row("libmemwatch, nothing tracked", res0, plain);
    row("libmemwatch, code pages tracked elsewhere", res1, plain);
    return 0;
}
