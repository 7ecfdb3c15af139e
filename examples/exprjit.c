/*
 * examples/exprjit.c - the bundled demo for memwatch: a tiny JIT that
 * compiles arithmetic expressions of x (+, -, *, unary minus, parentheses,
 * integers) to x86-64 machine code and runs them.  Every expression is
 * written into the SAME page, mapped read+write+execute once, so that page
 * holds several versions of code over time (what memwatch's code capture
 * records as capture_sequence 1, 2, 3...); one more function is compiled the
 * W^X way (mmap read+write, write the code, mprotect read+execute).  Each
 * result is checked against a tree-walking interpreter; the output is the
 * same on every run.  With --busy SECONDS it then spends that long in
 * generated loops (each expression summed over 1..100000), so that a
 * profiler has samples inside captured code.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096

/* ---- parsing: expr := term (('+'|'-') term)*, term := unary ('*' unary)* ---- */

struct node {
    char op;            /* 'n' number, 'x', 'u' negate, '+', '-', '*' */
    long val;
    struct node *l, *r;
};

static struct node pool[256];
static int npool;
static const char *src;

static void die(const char *why)
{
    fprintf(stderr, "exprjit: %s at \"%s\"\n", why, src);
    exit(2);
}

static struct node *mk(char op, long val, struct node *l, struct node *r)
{
    if (npool == (int)(sizeof pool / sizeof pool[0]))
        die("expression too long");
    pool[npool] = (struct node){ op, val, l, r };
    return &pool[npool++];
}

static int peek(void)
{
    while (*src == ' ')
        src++;
    return *src;
}

static struct node *parse_expr(void);

static struct node *parse_unary(void)
{
    int c = peek();
    if (c == '-') {
        src++;
        return mk('u', 0, parse_unary(), NULL);
    }
    if (c == 'x') {
        src++;
        return mk('x', 0, NULL, NULL);
    }
    if (c >= '0' && c <= '9') {
        char *end;
        long v = strtol(src, &end, 10);
        src = end;
        return mk('n', v, NULL, NULL);
    }
    if (c != '(')
        die("expected a number, x or (");
    src++;
    struct node *n = parse_expr();
    if (peek() != ')')
        die("expected )");
    src++;
    return n;
}

static struct node *parse_term(void)
{
    struct node *n = parse_unary();
    while (peek() == '*') {
        src++;
        n = mk('*', 0, n, parse_unary());
    }
    return n;
}

static struct node *parse_expr(void)
{
    struct node *n = parse_term();
    for (int c = peek(); c == '+' || c == '-'; c = peek()) {
        src++;
        n = mk((char)c, 0, n, parse_term());
    }
    return n;
}

static struct node *parse(const char *text)
{
    npool = 0;
    src = text;
    struct node *n = parse_expr();
    if (peek() != '\0')
        die("unexpected character");
    return n;
}

static long eval(const struct node *n, long x)
{
    switch (n->op) {
    case 'n': return n->val;
    case 'x': return x;
    case 'u': return -eval(n->l, x);
    case '+': return eval(n->l, x) + eval(n->r, x);
    case '-': return eval(n->l, x) - eval(n->r, x);
    default:  return eval(n->l, x) * eval(n->r, x);
    }
}

/* ---- code generation: the value in rax, x in rdi, partial results on the stack ---- */

struct code {
    unsigned char b[1024];
    size_t n;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
    if (c->n + n > sizeof c->b)
        die("code too long");
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}

static void gen(struct code *c, const struct node *n)
{
    static const unsigned char mov_rax_rdi[] = { 0x48, 0x89, 0xf8 }, neg_rax[] = { 0x48, 0xf7, 0xd8 },
        push_rax[] = { 0x50 }, mov_rcx_rax_pop_rax[] = { 0x48, 0x89, 0xc1, 0x58 },
        add[] = { 0x48, 0x01, 0xc8 }, sub[] = { 0x48, 0x29, 0xc8 }, imul[] = { 0x48, 0x0f, 0xaf, 0xc1 };
    if (n->op == 'n') {
        unsigned char mov[10] = { 0x48, 0xb8 };          /* movabs rax, imm64 */
        int64_t v = n->val;
        memcpy(mov + 2, &v, 8);
        emit(c, mov, sizeof mov);
    } else if (n->op == 'x') {
        emit(c, mov_rax_rdi, sizeof mov_rax_rdi);
    } else if (n->op == 'u') {
        gen(c, n->l);
        emit(c, neg_rax, sizeof neg_rax);
    } else {
        gen(c, n->l);
        emit(c, push_rax, sizeof push_rax);
        gen(c, n->r);
        emit(c, mov_rcx_rax_pop_rax, sizeof mov_rcx_rax_pop_rax);
        if (n->op == '+')
            emit(c, add, sizeof add);
        else if (n->op == '-')
            emit(c, sub, sizeof sub);
        else
            emit(c, imul, sizeof imul);
    }
}

static void compile(const struct node *n, struct code *c)
{
    static const unsigned char ret[] = { 0xc3 };
    c->n = 0;
    gen(c, n);
    emit(c, ret, sizeof ret);
}

/* ---- running ---- */

typedef long (*jitfn)(long);

static const long xs[] = { -2, 0, 1, 3, 10 };

/* Calls the code at page for every x; 1 when a result differs from eval. */
static int run(const char *text, const struct node *tree, void *page)
{
    jitfn fn = (jitfn)page;
    int bad = 0;
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        long got = fn(xs[i]), want = eval(tree, xs[i]);
        printf("(%s)(%ld) = %ld\n", text, xs[i], got);
        if (got != want) {
            printf("  MISMATCH: the interpreter says %ld\n", want);
            bad = 1;
        }
    }
    return bad;
}

static void *map(int prot)
{
    void *p = mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("exprjit: mmap");
        exit(2);
    }
    return p;
}

/* Several expressions, one after the other, in one read+write+execute page. */
static int rwx_page(void)
{
    static const char *const exprs[] = { "x*x+1", "(x+3)*(x-2)", "x*7-5", "-(x-10)*x+100" };
    unsigned char *page = map(PROT_READ | PROT_WRITE | PROT_EXEC);
    struct code c;
    int bad = 0;
    printf("one rwx page, rewritten for each expression:\n");
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        struct node *tree = parse(exprs[i]);
        compile(tree, &c);
        memset(page, 0, PAGE);
        memcpy(page, c.b, c.n);
        bad |= run(exprs[i], tree, page);
    }
    munmap(page, PAGE);
    return bad;
}

/* One expression compiled the W^X way: write while read+write, then read+execute. */
static int wx_page(void)
{
    static const char *const expr = "x*x*x-2*x";
    unsigned char *page = map(PROT_READ | PROT_WRITE);
    struct code c;
    printf("one page written read+write, then made read+execute:\n");
    struct node *tree = parse(expr);
    compile(tree, &c);
    memcpy(page, c.b, c.n);
    if (mprotect(page, PAGE, PROT_READ | PROT_EXEC) < 0) {
        perror("exprjit: mprotect");
        exit(2);
    }
    int bad = run(expr, tree, page);
    munmap(page, PAGE);
    return bad;
}

/* ---- --busy SECONDS: a while inside generated code (for profilers) ---- */

/* sum(n) = expr(n) + expr(n-1) + ... + expr(1), the loop itself generated:
 *   mov rsi, rdi; xor edx, edx
 *   loop: mov rdi, rsi; <expr>; add rdx, rax; dec rsi; jnz loop
 *   mov rax, rdx; ret
 * The expression's code uses rax, rcx, rdi and the stack, never rsi or rdx. */
static void compile_sum(const struct node *n, struct code *c)
{
    static const unsigned char head[] = { 0x48, 0x89, 0xfe, 0x31, 0xd2 }, x_is_n[] = { 0x48, 0x89, 0xf7 },
        step[] = { 0x48, 0x01, 0xc2, 0x48, 0xff, 0xce }, tail[] = { 0x48, 0x89, 0xd0, 0xc3 };
    c->n = 0;
    emit(c, head, sizeof head);
    size_t loop = c->n;
    emit(c, x_is_n, sizeof x_is_n);
    gen(c, n);
    emit(c, step, sizeof step);
    unsigned char jnz[6] = { 0x0f, 0x85 };
    int32_t rel = (int32_t)((long)loop - (long)(c->n + sizeof jnz));
    memcpy(jnz + 2, &rel, 4);
    emit(c, jnz, sizeof jnz);
    emit(c, tail, sizeof tail);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each expression of the rwx list in turn, rewritten into one rwx page, its
 * generated sum loop run for a quarter of the time. */
static int busy(double seconds)
{
    static const char *const exprs[] = { "x*x+1", "(x+3)*(x-2)", "x*7-5", "-(x-10)*x+100" };
    enum { N = 100000 };
    unsigned char *page = map(PROT_READ | PROT_WRITE | PROT_EXEC);
    struct code c;
    int bad = 0;
    printf("busy for %.1f s in generated code:\n", seconds);
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        struct node *tree = parse(exprs[i]);
        unsigned long want = 0, got = 0, calls = 0;
        for (long x = N; x >= 1; x--)
            want += (unsigned long)eval(tree, x);
        compile_sum(tree, &c);
        memset(page, 0, PAGE);
        memcpy(page, c.b, c.n);
        double end = now_s() + seconds / 4;
        do {
            got = (unsigned long)((jitfn)page)(N);
            calls++;
        } while (got == want && now_s() < end);
        printf("sum of %s for x = 1..%d: %ld (%lu calls)\n", exprs[i], N, (long)got, calls);
        if (got != want) {
            printf("  MISMATCH: the interpreter says %ld\n", (long)want);
            bad = 1;
        }
    }
    munmap(page, PAGE);
    return bad;
}

int main(int argc, char **argv)
{
    double seconds = 0;
    if (argc == 3 && strcmp(argv[1], "--busy") == 0)
        seconds = atof(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: exprjit [--busy SECONDS]\n");
        return 2;
    }
    int bad = rwx_page();
    bad |= wx_page();
    if (seconds > 0)
        bad |= busy(seconds);
    return bad;
}
