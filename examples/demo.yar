/*
 * examples/demo.yar - YARA rules for the code examples/exprjit.c generates,
 * used by `make demo`:  build/memwatch report --yara examples/demo.yar DIR
 * Every function exprjit compiles starts with x (mov rax, rdi); products end
 * in imul rax, rcx; only -(x-10)*x+100 negates; none makes a system call.
 */

rule exprjit_prologue : jit exprjit
{
    meta:
        description = "exprjit code: the function starts by loading x (mov rax, rdi)"
    strings:
        $load_x = { 48 89 F8 }
    condition:
        $load_x at 0
}

rule exprjit_product : exprjit
{
    meta:
        description = "a product: pop the left operand into rax, imul rax, rcx"
    strings:
        $imul = { 58 48 0F AF C1 }
    condition:
        $imul
}

rule exprjit_negation : exprjit
{
    meta:
        description = "unary minus: neg rax"
    strings:
        $neg = { 48 F7 D8 }
    condition:
        $neg
}

rule syscall_in_jit_code
{
    meta:
        description = "a system call made from generated code (never in exprjit)"
    strings:
        $syscall = { 0F 05 }
    condition:
        $syscall
}
