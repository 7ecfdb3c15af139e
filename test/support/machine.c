/*
 * machine - one line saying where the tests run: the CPU model, the kernel,
 * and the extended state the kernel saves for this process in a signal
 * frame (its size and feature mask, read from the frame's own
 * _fpx_sw_bytes - the size a signal handler really gets, which is not
 * CPUID's maximum when the CPU has features the process may not use, such
 * as AMX tiles without ARCH_REQ_XCOMP_PERM), and AT_MINSIGSTKSZ.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <ucontext.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define FP_XSTATE_MAGIC1 0x46505853U

static uint32_t frame_size, frame_magic;
static uint64_t frame_features;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)info;
    const ucontext_t *uc = ctx;
    const uint8_t *fx = (const uint8_t *)uc->uc_mcontext.fpregs;
    if (!fx)
        return;
    memcpy(&frame_magic, fx + 464, 4);
    memcpy(&frame_features, fx + 464 + 8, 8);
    memcpy(&frame_size, fx + 464 + 16, 4);
}

static void cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 2;
                v[strcspn(v, "\n")] = 0;
                snprintf(out, n, "%s", v);
            }
            break;
        }
    }
    if (f)
        fclose(f);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    struct utsname u;
    uname(&u);
    printf("machine: %s; kernel %s; ", cpu, u.release);
    if (frame_magic == FP_XSTATE_MAGIC1)
        printf("signal-frame XSAVE %u bytes (features 0x%llx)", frame_size, (unsigned long long)frame_features);
    else
        printf("signal-frame FXSAVE 512 bytes (no XSAVE)");
    printf("; AT_MINSIGSTKSZ %lu\n", getauxval(AT_MINSIGSTKSZ));
    return 0;
}
