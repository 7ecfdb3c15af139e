/*
 * watch_asm.h - helpers the watch and api tests share: exact-count checks,
 * single-instruction accessors written in asm (so the compiler cannot change
 * the instruction form), flag bits and a look at /proc/self/maps.
 */
#ifndef WATCH_ASM_H
#define WATCH_ASM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memwatch.h"
#include "mwtest.h"

#define PAGE 4096

/* RFLAGS bits. */
#define FL_CF 0x001u
#define FL_PF 0x004u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u

/* Reads RFLAGS into operand `op` (a 64-bit register) without touching the
 * red zone below rsp; lea leaves the flags alone. */
#define WA_GET_FLAGS(op) "lea -128(%%rsp), %%rsp\n\tpushfq\n\tpopq " op "\n\tlea 128(%%rsp), %%rsp\n\t"

static inline uint64_t wa_single_steps(void)
{
    memwatch_stats_t s;
    memwatch_get_stats(&s);
    return s.single_steps;
}

static inline uint64_t wa_silent(void)
{
    memwatch_stats_t s;
    memwatch_get_stats(&s);
    return s.silent;
}

/*
 * Runs the statement(s) and checks that the trap count moved by exactly n.
 * Every form these tests name must be relocated or emulated by the engine,
 * never single-stepped, so the single-step counter must not move either.
 */
#define EXPECT_TRAPS(n, ...)                                                        \
    do {                                                                            \
        uint64_t wa_s0 = wa_single_steps();                                         \
        uint32_t wa_t0 = _get_trap_count();                                         \
        __VA_ARGS__;                                                                \
        uint32_t wa_t1 = _get_trap_count();                                         \
        uint64_t wa_s1 = wa_single_steps();                                         \
        CHECK_EQ(wa_t1 - wa_t0, (n));                                               \
        CHECK_EQ(wa_s1 - wa_s0, 0);                                                 \
    } while (0)

/* Single-instruction accessors: exactly one mov each. */
static inline uint8_t wa_ld8(const void *p)
{
    uint8_t v;
    __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(p) : "memory");
    return v;
}
static inline uint16_t wa_ld16(const void *p)
{
    uint16_t v;
    __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(p) : "memory");
    return v;
}
static inline uint32_t wa_ld32(const void *p)
{
    uint32_t v;
    __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(p) : "memory");
    return v;
}
static inline uint64_t wa_ld64(const void *p)
{
    uint64_t v;
    __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory");
    return v;
}
static inline void wa_st8(void *p, uint8_t v) { __asm__ volatile("movb %1, (%0)" : : "r"(p), "q"(v) : "memory"); }
static inline void wa_st16(void *p, uint16_t v) { __asm__ volatile("movw %1, (%0)" : : "r"(p), "r"(v) : "memory"); }
static inline void wa_st32(void *p, uint32_t v) { __asm__ volatile("movl %1, (%0)" : : "r"(p), "r"(v) : "memory"); }
static inline void wa_st64(void *p, uint64_t v) { __asm__ volatile("movq %1, (%0)" : : "r"(p), "r"(v) : "memory"); }

static inline pid_t wa_gettid(void) { return (pid_t)syscall(SYS_gettid); }

/*
 * The permissions /proc/self/maps shows for the page holding addr ("rw-p"
 * style, 4 characters plus NUL into out); "none" when nothing maps it.
 */
static inline void wa_maps_perms(const void *addr, char out[5])
{
    strcpy(out, "none");
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[512];
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi) {
            memcpy(out, perms, 5);
            break;
        }
    }
    fclose(f);
}

#endif
