/*
 * test/diff/cpu.h - what this CPU can run, asked of CPUID once, in terms the
 * corpus (Zydis ISA sets) and the runner (XSAVE layout) both speak.
 * Header-only: both tools are single programs.
 */
#ifndef DT_CPU_H
#define DT_CPU_H

#include <Zydis/Zydis.h>
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

struct dt_cpu {
    unsigned l1c, l1d, l7b, l7c, l7d, l7_1a, e1c, e1d, xd1a;
    uint64_t xcr0;
    unsigned xsave_size;          /* standard-format XSAVE of every XCR0 feature */
    unsigned xoff[32], xlen[32];  /* offset and size of each state component */
    int amd;
};

static struct dt_cpu dt_cpu;

static inline void dt_cpu_probe(void)
{
    unsigned a, b, c, d;
    memset(&dt_cpu, 0, sizeof dt_cpu);
    __cpuid(0, a, b, c, d);
    dt_cpu.amd = b == 0x68747541; /* "Auth" */
    __cpuid(1, a, b, dt_cpu.l1c, dt_cpu.l1d);
    __cpuid_count(7, 0, a, dt_cpu.l7b, dt_cpu.l7c, dt_cpu.l7d);
    __cpuid_count(7, 1, dt_cpu.l7_1a, b, c, d);
    __cpuid(0x80000001, a, b, dt_cpu.e1c, dt_cpu.e1d);
    if (dt_cpu.l1c & bit_OSXSAVE) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        dt_cpu.xcr0 = ((uint64_t)hi << 32) | lo;
        __cpuid_count(0xd, 0, a, b, c, d);
        dt_cpu.xsave_size = b;
        __cpuid_count(0xd, 1, dt_cpu.xd1a, b, c, d);
        for (unsigned i = 2; i < 32; i++) {
            if (!(dt_cpu.xcr0 & (1ULL << i)))
                continue;
            __cpuid_count(0xd, i, a, b, c, d);
            dt_cpu.xlen[i] = a;
            dt_cpu.xoff[i] = b;
        }
    }
}

#define DT_B(word, bit) ((dt_cpu.word >> (bit)) & 1)

static inline int dt_has_avx(void) { return DT_B(l1c, 28) && (dt_cpu.xcr0 & 6) == 6; }
static inline int dt_has_avx512(void) { return DT_B(l7b, 16) && (dt_cpu.xcr0 & 0xe6) == 0xe6; }

/* Does the CPU run instructions of this Zydis ISA set?  Unknown sets say no:
 * the corpus only keeps what it can prove runnable. */
static inline int dt_cpu_has_isa_set(ZydisISASet set)
{
    const char *n = ZydisISASetGetString(set);
    if (!n)
        return 0;
    size_t ln = strlen(n);
    int vl = ln > 4 && (strcmp(n + ln - 4, "_128") == 0 || strcmp(n + ln - 4, "_256") == 0);
    int avx512 = dt_has_avx512() && (!vl || DT_B(l7b, 31));
#define IS(s) (strcmp(n, s) == 0)
#define PRE(s) (strncmp(n, s, strlen(s)) == 0)
    if (IS("I86") || IS("I186") || IS("I386") || IS("I486") || IS("PENTIUMREAL") || IS("PPRO") ||
        IS("LONGMODE") || IS("LAHF") || IS("PAUSE") || IS("CMOV") || IS("FAT_NOP") || IS("PREFETCH_NOP"))
        return 1;
    if (IS("X87") || IS("FCMOV")) return DT_B(l1d, 0);
    if (IS("PENTIUMMMX")) return DT_B(l1d, 23);
    if (IS("FXSAVE") || IS("FXSAVE64")) return DT_B(l1d, 24);
    if (IS("SSE") || IS("SSEMXCSR") || IS("SSE_PREFETCH")) return DT_B(l1d, 25);
    if (IS("SSE2") || IS("SSE2MMX")) return DT_B(l1d, 26);
    if (IS("SSE3") || IS("SSE3X87")) return DT_B(l1c, 0);
    if (IS("SSSE3") || IS("SSSE3MMX")) return DT_B(l1c, 9);
    if (IS("SSE4")) return DT_B(l1c, 19);
    if (IS("SSE42")) return DT_B(l1c, 20);
    if (IS("POPCNT")) return DT_B(l1c, 23);
    if (IS("SSE4A")) return DT_B(e1c, 6);
    if (IS("AES")) return DT_B(l1c, 25);
    if (IS("PCLMULQDQ")) return DT_B(l1c, 1);
    if (IS("MOVBE")) return DT_B(l1c, 22);
    if (IS("CMPXCHG16B")) return DT_B(l1c, 13);
    if (IS("XSAVE")) return DT_B(l1c, 27);
    if (IS("XSAVEOPT")) return DT_B(xd1a, 0);
    if (IS("XSAVEC")) return DT_B(xd1a, 1);
    if (IS("CLFSH")) return DT_B(l1d, 19);
    if (IS("CLFLUSHOPT")) return DT_B(l7b, 23);
    if (IS("CLWB")) return DT_B(l7b, 24);
    if (IS("CLZERO")) return dt_cpu.amd; /* CPUID 0x80000008 EBX bit 0; AMD only */
    if (IS("MOVDIR")) return DT_B(l7c, 27) && DT_B(l7c, 28);
    if (IS("LZCNT")) return DT_B(e1c, 5);
    if (IS("BMI1")) return DT_B(l7b, 3);
    if (IS("BMI2")) return DT_B(l7b, 8);
    if (IS("ADOX_ADCX")) return DT_B(l7b, 19);
    if (IS("SHA")) return DT_B(l7b, 29);
    if (IS("GFNI")) return DT_B(l7c, 8);
    if (IS("AVX")) return dt_has_avx();
    if (IS("AVX2") || IS("AVX2GATHER")) return dt_has_avx() && DT_B(l7b, 5);
    if (IS("FMA")) return dt_has_avx() && DT_B(l1c, 12);
    if (IS("F16C")) return dt_has_avx() && DT_B(l1c, 29);
    if (IS("AVXAES")) return dt_has_avx() && DT_B(l1c, 25);
    if (IS("VAES")) return dt_has_avx() && DT_B(l7c, 9);
    if (IS("VPCLMULQDQ")) return dt_has_avx() && DT_B(l7c, 10);
    if (IS("AVX_GFNI")) return dt_has_avx() && DT_B(l7c, 8);
    if (IS("AVX_VNNI")) return dt_has_avx() && DT_B(l7_1a, 4);
    if (IS("FMA4")) return dt_has_avx() && DT_B(e1c, 16);
    if (IS("XOP")) return dt_has_avx() && DT_B(e1c, 11);
    if (IS("TBM")) return DT_B(e1c, 21);
    if (IS("AMD3DNOW")) return DT_B(e1d, 31);
    if (PRE("AVX512F_")) return avx512;
    if (PRE("AVX512CD_")) return avx512 && DT_B(l7b, 28);
    if (PRE("AVX512DQ_")) return avx512 && DT_B(l7b, 17);
    if (PRE("AVX512BW_")) return avx512 && DT_B(l7b, 30);
    if (PRE("AVX512_IFMA_")) return avx512 && DT_B(l7b, 21);
    if (PRE("AVX512_VBMI_")) return avx512 && DT_B(l7c, 1);
    if (PRE("AVX512_VBMI2_")) return avx512 && DT_B(l7c, 6);
    if (PRE("AVX512_GFNI_")) return avx512 && DT_B(l7c, 8);
    if (PRE("AVX512_VAES_")) return avx512 && DT_B(l7c, 9);
    if (PRE("AVX512_VPCLMULQDQ_")) return avx512 && DT_B(l7c, 10);
    if (PRE("AVX512_VNNI_")) return avx512 && DT_B(l7c, 11);
    if (PRE("AVX512_BITALG_")) return avx512 && DT_B(l7c, 12);
    if (PRE("AVX512_VPOPCNTDQ_")) return avx512 && DT_B(l7c, 14);
    if (PRE("AVX512_VP2INTERSECT_")) return avx512 && DT_B(l7d, 8);
    if (PRE("AVX512_FP16_")) return avx512 && DT_B(l7d, 23);
    if (PRE("AVX512_BF16_")) return avx512 && DT_B(l7_1a, 5);
#undef IS
#undef PRE
    return 0;
}

/* A decoder that reads instructions as this CPU runs them: on AMD an
 * operand-size prefix makes a near branch 16-bit (Intel ignores it). */
static inline void dt_decoder_init(ZydisDecoder *d)
{
    ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    if (dt_cpu.amd)
        ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE);
}

#endif
