/*
 * trampoline/promote_hit.c - the hit path of promoted sites (see
 * promote_hit.h): the register-saving entry and the call into the fault
 * path's own code.
 */
#include "trampoline/promote_hit.h"

#include <cpuid.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "core/sys.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/xstate.h"

#define MW_FP_XSTATE_MAGIC1 0x46505853U
#define MW_FP_XSTATE_MAGIC2 0x46505845U

/* The alternate stack of this thread, which the rest of the hit path runs
 * on (0 before the thread has its state: the fault path takes the access).
 * Never the program's stack beyond the entry's frame: a program's stack may
 * be small (a coroutine's, a handler's own alternate stack), or a watched
 * page. */
__thread uintptr_t mw_hit_stack_lo __attribute__((tls_model("initial-exec")));
__thread uintptr_t mw_hit_stack_hi __attribute__((tls_model("initial-exec")));

void mw_promo_hit_thread(uintptr_t stack, size_t len)
{
    mw_hit_stack_lo = stack;
    mw_hit_stack_hi = stack ? stack + len : 0;
}

int mw_promo_hit_in_entry(uintptr_t rip)
{
    return rip >= (uintptr_t)mw_promo_hit_entry && rip < (uintptr_t)mw_promo_hit_end;
}

/* What the entry reads RIP-relative. */
uint64_t mw_promo_xfeat;   /* the feature mask of this process's signal frames */
uint64_t mw_promo_xarea;   /* stack bytes for the image: its size, MAGIC2, alignment */
static uint32_t mw_promo_xsize;

/* The frame the entry pushes: general registers in hardware order, the
 * flags, the stub's return address, the site's index. */
struct mw_promo_frame {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t ret;
    uint64_t site;
};
#define MW_PROMO_RED_ZONE 128

/* The state the hit path saves: every component XCR0 enables but the AMX
 * tile data (a component the kernel enables per process, on request, and
 * which the engine's own code never touches: tiles stay in their registers
 * across the hit path).  Standard format: the image ends where the last
 * component does (CPUID leaf 0xD).  No signal is raised to find out: a
 * process memwatch attached to traps its signal calls. */
int mw_promo_hit_setup(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return -1;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t features = (((uint64_t)hi << 32) | lo) & ~(1ULL << 18);
    uint32_t size = 576;
    for (unsigned k = 2; k < 64; k++) {
        if (!(features & (1ULL << k)))
            continue;
        unsigned off, len;
        mw_xstate_component(k, &off, &len);
        if (!len) {
            features &= ~(1ULL << k); /* supervisor or unknown: never in a user image */
            continue;
        }
        if (off + len > size)
            size = off + len;
    }
    mw_promo_xfeat = features;
    mw_promo_xsize = size;
    mw_promo_xarea = size + 4 + 64 + 64;
    return 0;
}

__asm__(".text\n"
        ".globl mw_promo_hit_entry\n"
        ".hidden mw_promo_hit_entry\n"
        ".type mw_promo_hit_entry,@function\n"
        "mw_promo_hit_entry:\n"
        "    pushfq\n"
        "    push %r15\n push %r14\n push %r13\n push %r12\n push %r11\n push %r10\n push %r9\n push %r8\n"
        "    push %rdi\n push %rsi\n push %rbp\n push %rsp\n push %rbx\n push %rdx\n push %rcx\n push %rax\n"
        "    mov %rsp, %rbx\n"
        /* onto this thread's alternate stack: from its top, or below rbx
         * when already on it (a program handler running there) */
        "    mov mw_hit_stack_hi@gottpoff(%rip), %rcx\n"
        "    mov %fs:(%rcx), %rax\n"
        "    test %rax, %rax\n"
        "    jz 2f\n"
        "    cmp %rax, %rbx\n"
        "    ja 4f\n"
        "    mov mw_hit_stack_lo@gottpoff(%rip), %rcx\n"
        "    cmp %fs:(%rcx), %rbx\n"
        "    jbe 4f\n"
        "    mov %rbx, %rax\n"
        "4:  mov %rax, %rsp\n"
        /* the frame, copied to this stack: the program's stack may be a
         * watched page, which the engine's C code must never touch (the
         * entry's own accesses there are carried out as the library's) */
        "    sub $160, %rsp\n"
        "    and $-16, %rsp\n"
        "    mov %rsp, %r13\n"
        "    mov %rbx, %rsi\n"
        "    mov %rsp, %rdi\n"
        "    mov $19, %ecx\n"
        "    cld\n"
        "    rep movsq\n"
        "    sub mw_promo_xarea(%rip), %rsp\n"
        "    and $-64, %rsp\n"
        "    xor %eax, %eax\n"
        "    mov %rax, 512(%rsp)\n mov %rax, 520(%rsp)\n mov %rax, 528(%rsp)\n mov %rax, 536(%rsp)\n"
        "    mov %rax, 544(%rsp)\n mov %rax, 552(%rsp)\n mov %rax, 560(%rsp)\n mov %rax, 568(%rsp)\n"
        "    mov mw_promo_xfeat(%rip), %eax\n"
        "    mov mw_promo_xfeat+4(%rip), %edx\n"
        "    xsave64 (%rsp)\n"
        "    mov %r13, %rdi\n"
        "    mov %rsp, %rsi\n"
        "    mov %rbx, %rdx\n"
        "    call mw_promo_hit\n"
        "    mov %eax, %r12d\n"
        "    mov mw_promo_xfeat(%rip), %eax\n"
        "    mov mw_promo_xfeat+4(%rip), %edx\n"
        "    xrstor64 (%rsp)\n"
        "    test %r12d, %r12d\n"
        "    jz 5f\n"
        "    addq $13, 136(%r13)\n" /* MW_PROMO_HIT_SLOW_OFFSET */
        "5:  mov %r13, %rsi\n"
        "    mov %rbx, %rdi\n"
        "    mov $19, %ecx\n"
        "    cld\n"
        "    rep movsq\n"
        "    mov %rbx, %rsp\n"
        "1:  pop %rax\n pop %rcx\n pop %rdx\n pop %rbx\n lea 8(%rsp), %rsp\n pop %rbp\n pop %rsi\n pop %rdi\n"
        "    pop %r8\n pop %r9\n pop %r10\n pop %r11\n pop %r12\n pop %r13\n pop %r14\n pop %r15\n"
        "    popfq\n"
        "    ret\n"
        "2:  mov %rbx, %rsp\n" /* no thread state yet: the fault path */
        "    addq $13, 136(%rsp)\n"
        "    jmp 1b\n"
        ".globl mw_promo_hit_end\n"
        ".hidden mw_promo_hit_end\n"
        "mw_promo_hit_end:\n"
        ".size mw_promo_hit_entry, .-mw_promo_hit_entry\n");

_Static_assert(MW_PROMO_HIT_SLOW_OFFSET == 13, "the entry's addq");
_Static_assert(sizeof(struct mw_promo_frame) == 19 * 8, "the entry's copy of the frame");

/* The engine's turn: 0 when it completed the access (the frame and image
 * now hold the registers after it), 1 when the fault path must take it.
 * f: the entry's copy of the frame it pushed at frame_at. */
int mw_promo_hit(struct mw_promo_frame *f, uint8_t *image, uintptr_t frame_at);
__attribute__((used)) int mw_promo_hit(struct mw_promo_frame *f, uint8_t *image, uintptr_t frame_at)
{
    mw_sigmask_t saved;
    mw_sigblock_all(&saved);
    int slow = 1;
    uint64_t rip;
    const uint8_t *bytes;
    unsigned len;
    struct mw_thread *t = mw_thread_self();
    if (!t || mw_promo_site_bytes((unsigned)f->site, &rip, &bytes, &len) != 0)
        goto done;
    /* The image describes itself as a signal frame's does. */
    uint32_t magic1 = MW_FP_XSTATE_MAGIC1, magic2 = MW_FP_XSTATE_MAGIC2, ext = mw_promo_xsize + 4;
    memset(image + 464, 0, 48);
    memcpy(image + 464, &magic1, 4);
    memcpy(image + 468, &ext, 4);
    memcpy(image + 472, &mw_promo_xfeat, 8);
    memcpy(image + 480, &mw_promo_xsize, 4);
    memcpy(image + mw_promo_xsize, &magic2, 4);

    ucontext_t uc;
    memset(&uc, 0, sizeof uc);
    f->gpr[MW_RSP] = (uint64_t)frame_at + sizeof *f + MW_PROMO_RED_ZONE;
    mw_ctx_store_gprs(&uc, f->gpr);
    mw_ctx_set_rip(&uc, rip);
    mw_ctx_set_flags(&uc, f->rflags);
    uc.uc_mcontext.gregs[REG_TRAPNO] = 14;
    uc.uc_mcontext.gregs[REG_ERR] = 5;
    uc.uc_mcontext.fpregs = (fpregset_t)image;
    siginfo_t deliver;
    enum mw_verdict v = mw_fault_promoted(t, &uc, bytes, len, &deliver);
    if (v == MW_DONE && mw_ctx_rip(&uc) == rip + len) {
        mw_ctx_load_gprs(&uc, f->gpr);
        f->rflags = mw_ctx_flags(&uc);
        slow = 0;
    }
done:
    mw_sigrestore(&saved);
    return slow;
}
