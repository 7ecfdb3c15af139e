/*
 * test/diff/harness.S - runs one instruction with a complete register state
 * and saves the complete state after it (see harness.h).
 *
 * Everything is reached RIP-relative through globals, so every general
 * register, rsp included, can hold a test value while the instruction runs,
 * and nothing between the state load and the state save touches the stack or
 * the flags: the instruction's code ends with `jmp [rip+0]; .quad dt_back`,
 * which changes neither.
 */
    .intel_syntax noprefix
    .text

/* struct dt_state: gpr[16] at 0, rflags at 128, XSAVE image at 192. */
#define GPR(n) (8 * (n))
#define RFLAGS 128
#define XSAVE 192

/* int dt_run(void): 0 when the code jumped back to dt_back, 1 when the fault
 * handler redirected a signal to dt_landing (it filled dt_out itself). */
    .globl dt_run
    .type dt_run, @function
dt_run:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov [rip + dt_host_rsp], rsp
    mov eax, [rip + dt_xfeatures]
    mov edx, [rip + dt_xfeatures + 4]
    xrstor64 [rip + dt_in + XSAVE]
    push qword ptr [rip + dt_in + RFLAGS]
    popfq
    mov rax, [rip + dt_in + GPR(0)]
    mov rcx, [rip + dt_in + GPR(1)]
    mov rdx, [rip + dt_in + GPR(2)]
    mov rbx, [rip + dt_in + GPR(3)]
    mov rbp, [rip + dt_in + GPR(5)]
    mov rsi, [rip + dt_in + GPR(6)]
    mov rdi, [rip + dt_in + GPR(7)]
    mov r8,  [rip + dt_in + GPR(8)]
    mov r9,  [rip + dt_in + GPR(9)]
    mov r10, [rip + dt_in + GPR(10)]
    mov r11, [rip + dt_in + GPR(11)]
    mov r12, [rip + dt_in + GPR(12)]
    mov r13, [rip + dt_in + GPR(13)]
    mov r14, [rip + dt_in + GPR(14)]
    mov r15, [rip + dt_in + GPR(15)]
    mov rsp, [rip + dt_in + GPR(4)]
    jmp qword ptr [rip + dt_code]

    .globl dt_back
    .type dt_back, @function
dt_back:
    mov [rip + dt_out + GPR(0)], rax
    mov [rip + dt_out + GPR(1)], rcx
    mov [rip + dt_out + GPR(2)], rdx
    mov [rip + dt_out + GPR(3)], rbx
    mov [rip + dt_out + GPR(4)], rsp
    mov [rip + dt_out + GPR(5)], rbp
    mov [rip + dt_out + GPR(6)], rsi
    mov [rip + dt_out + GPR(7)], rdi
    mov [rip + dt_out + GPR(8)], r8
    mov [rip + dt_out + GPR(9)], r9
    mov [rip + dt_out + GPR(10)], r10
    mov [rip + dt_out + GPR(11)], r11
    mov [rip + dt_out + GPR(12)], r12
    mov [rip + dt_out + GPR(13)], r13
    mov [rip + dt_out + GPR(14)], r14
    mov [rip + dt_out + GPR(15)], r15
    mov rsp, [rip + dt_host_rsp]
    pushfq
    pop qword ptr [rip + dt_out + RFLAGS]
    mov eax, [rip + dt_xfeatures]
    mov edx, [rip + dt_xfeatures + 4]
    xsave64 [rip + dt_out + XSAVE]
    xor eax, eax
    jmp 1f

/* The fault handler sends a signal raised by the instruction here. */
    .globl dt_landing
    .type dt_landing, @function
dt_landing:
    mov rsp, [rip + dt_host_rsp]
    mov eax, 1
1:
    /* The C side expects the ABI's floating-point environment: no pending
     * x87 exception, default control words, clean upper vector state. */
    cld
    fninit
    ldmxcsr [rip + dt_host_mxcsr]
    vzeroupper
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

    .data
/* The extended-state components the kernel saves for this process (its
 * signal frame's feature mask): what every xrstor/xsave here asks for, so
 * none writes past an image sized like the kernel's. */
    .globl dt_xfeatures
    .balign 8
dt_xfeatures:
    .quad 3
    .globl dt_host_mxcsr
dt_host_mxcsr:
    .long 0x1f80

    .section .note.GNU-stack,"",@progbits
