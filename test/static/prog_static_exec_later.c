/*
 * prog_static_exec_later FIFO - a static program that runs a version of
 * its code, says "ready" in the info file, waits for a byte on FIFO, then
 * execs itself again ("again": prints and exits 0).  When the exec fails it
 * says why on stdout and exits 1.
 * For test_static_exec_refused_when_it_cannot_be_followed.sh.
 */
#include "jit.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        printf("second image\n");
        return 0;
    }
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        jit_die("open fifo");
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_emit_ret(page, 0x77);
    printf("first image: %#x\n", jit_call(page));
    fflush(stdout);
    jit_info("pid %d", (int)getpid());
    jit_info("ready");
    char go;
    if (read(fd, &go, 1) != 1)
        jit_die("read fifo");
    char *args[] = {"/proc/self/exe", "again", NULL};
    execv(args[0], args);
    printf("exec failed: %s\n", strerror(errno));
    return 1;
}
