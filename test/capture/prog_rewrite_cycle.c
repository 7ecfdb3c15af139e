/*
 * prog_rewrite_cycle - one function at the start of one RWX page, rewritten
 * three times (each version longer than the last, so the page holds exactly
 * that version and zeros) and called after each rewrite.  The calls go
 * through mwt_call_marked, which loads every general register with a marker
 * (rax the function, the others the constants below), sets or clears the
 * carry flag (set for odd versions) and notes the stack pointer, so the
 * test can tell that regs are the registers of the faulting instruction.
 * For test_capture_rwx_rewrite_cycle.sh.
 */
#include "jit.h"

int mwt_call_marked(void *fn, int carry);
uint64_t mwt_marked_rsp; /* rsp just before the call */

__asm__(".text\n"
        ".globl mwt_call_marked\n"
        ".type mwt_call_marked, @function\n"
        "mwt_call_marked:\n"
        "    push %rbp\n"
        "    push %rbx\n"
        "    push %r12\n"
        "    push %r13\n"
        "    push %r14\n"
        "    push %r15\n"
        "    mov %rdi, %rax\n"
        "    mov %esi, %r11d\n"
        "    movabs $0xb0b0b0b0b0b0b0b1, %rbx\n"
        "    movabs $0xc0c0c0c0c0c0c0c1, %rcx\n"
        "    movabs $0xd0d0d0d0d0d0d0d1, %rdx\n"
        "    movabs $0x5151515151515151, %rsi\n"
        "    movabs $0xd1d1d1d1d1d1d1d1, %rdi\n"
        "    movabs $0xbbbbbbbbbbbbbbb1, %rbp\n"
        "    movabs $0x0808080808080808, %r8\n"
        "    movabs $0x0909090909090909, %r9\n"
        "    movabs $0x1010101010101010, %r10\n"
        "    movabs $0x1212121212121212, %r12\n"
        "    movabs $0x1313131313131313, %r13\n"
        "    movabs $0x1414141414141414, %r14\n"
        "    movabs $0x1515151515151515, %r15\n"
        "    mov %rsp, mwt_marked_rsp(%rip)\n"
        "    test %r11d, %r11d\n"
        "    movabs $0x1111111111111111, %r11\n" /* mov keeps the flags */
        "    jz 1f\n"
        "    stc\n"
        "    jmp 2f\n"
        "1:  clc\n"
        "2:  call *%rax\n"
        "    pop %r15\n"
        "    pop %r14\n"
        "    pop %r13\n"
        "    pop %r12\n"
        "    pop %rbx\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size mwt_call_marked, .-mwt_call_marked\n");

int main(void)
{
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("pid %d", (int)getpid());
    jit_info("tid %d", (int)jit_gettid());
    jit_info("fn %p", (void *)page);
    for (int v = 1; v <= 3; v++) {
        size_t n = v == 1 ? jit_emit_ret(page, 0x1000)
                 : v == 2 ? jit_emit_ret_add(page, 0x2000, 0x22)
                          : jit_emit_ret_add2(page, 0x3000, 0x33, 0x300);
        jit_info_code("code", page, n);
        int r = mwt_call_marked(page, v & 1);
        jit_info("rsp %#lx carry %d", (unsigned long)mwt_marked_rsp - 8, v & 1);
        printf("version %d returns %#x\n", v, r);
    }
    return 0;
}
