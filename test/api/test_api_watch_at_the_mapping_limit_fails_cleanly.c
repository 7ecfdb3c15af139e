/*
 * At the kernel's limit on mappings (vm.max_map_count) a watch fails with
 * ENOMEM and disturbs nothing (issue 12).  A child process fills its map
 * with tiny mprotect splits until few mappings are left, then watches one
 * page after another until the kernel refuses: memwatch_watch returns -1
 * with ENOMEM, _watch_address prints exactly one line naming the limit, the
 * refused pages stay ordinary read/write memory (not counted, same contents,
 * same protection in /proc/self/maps), and every earlier watch keeps its
 * protection and contents and counts each write exactly.  Once mappings
 * are given back, the refused watch succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "memwatch.h"
#include "mwtest.h"

#define PAGE 4096UL
#define TRIES 400

/* The protection and name /proc/self/maps shows for the page at p. */
static void mapping_of(const void *p, char perms[5], int *memfd)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    strcpy(perms, "?");
    *memfd = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char pr[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) == 3 && (uintptr_t)p >= lo && (uintptr_t)p < hi) {
            strcpy(perms, pr);
            *memfd = strstr(line, "memfd:memwatch") != NULL;
            break;
        }
    }
    if (f)
        fclose(f);
}

static long stderr_lines(int fd)
{
    char buf[4096];
    long lines = 0, n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (long i = 0; i < n; i++)
            lines += buf[i] == '\n';
    return lines;
}

static int child(int err_fd)
{
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    long limit = 0;
    if (!f || fscanf(f, "%ld", &limit) != 1)
        return 2;
    fclose(f);
    if (limit > 4000000) {
        printf("vm.max_map_count is %ld: too far to reach in a test\n", limit);
        return 0;
    }
    unsigned char *data = mwtest_pages(2 * TRIES + 1);
    for (unsigned long i = 0; i < (2 * TRIES + 1) * PAGE; i++)
        data[i] = (unsigned char)(i / PAGE + 3);
    /* Watch once first: the library's own start-up mappings are made. */
    memwatch_id_t first;
    CHECK_EQ(memwatch_watch(data, 8, MEMWATCH_RW, NULL, NULL, &first), 0);
    CHECK_EQ(memwatch_unwatch(first), 0);

    long splits = (limit - mwtest_count_mappings() - 40) / 2;
    unsigned char *filler = mmap(NULL, (size_t)(2 * splits + 2) * PAGE, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(filler != MAP_FAILED);
    for (long i = 0; i < splits; i++)
        if (mprotect(filler + (2 * i + 1) * PAGE, PAGE, PROT_READ) != 0)
            break;

    memwatch_id_t ids[TRIES];
    int made = 0, err = 0;
    for (; made < TRIES; made++) {
        if (memwatch_watch(data + 2 * made * PAGE, 8, MEMWATCH_RW, NULL, NULL, &ids[made]) != 0) {
            err = errno;
            break;
        }
    }
    printf("%d watches made before the limit (%ld mappings)\n", made, mwtest_count_mappings());
    CHECK(made > 0 && made < TRIES);
    CHECK_EQ(err, ENOMEM);
    unsigned char *refused = data + 2 * made * PAGE;

    /* The trio says it once, on one line. */
    long lines = stderr_lines(err_fd);
    _watch_address(refused, 8, PROT_NONE);
    CHECK_EQ(stderr_lines(err_fd), lines + 1);
    char buf[512] = {0};
    lseek(err_fd, 0, SEEK_SET);
    CHECK(read(err_fd, buf, sizeof buf - 1) > 0 && strstr(buf, "max_map_count") != NULL);

    /* The refused page: ordinary memory, as it was. */
    char perms[5];
    int memfd;
    mapping_of(refused, perms, &memfd);
    CHECK(strcmp(perms, "rw-p") == 0 && !memfd);
    uint32_t c0 = _get_trap_count();
    CHECK_EQ(refused[0], (unsigned char)(2 * made + 3));
    refused[1] = 0x55;
    CHECK_EQ(_get_trap_count(), c0);

    /* The earlier watches: closed, intact, counting. */
    int closed = 0, counted = 0, intact = 0;
    for (int i = 0; i < made; i++) {
        unsigned char *p = data + 2 * i * PAGE;
        mapping_of(p, perms, &memfd);
        closed += strcmp(perms, "---s") == 0 && memfd;
        intact += p[100] == (unsigned char)(2 * i + 3); /* outside the range: silent */
        uint32_t before = _get_trap_count();
        p[0] = 0xaa;
        uint64_t own = 0;
        counted += _get_trap_count() == before + 1 && memwatch_region_count(ids[i], &own) == 0 && own == 1;
    }
    CHECK_EQ(closed, made);
    CHECK_EQ(intact, made);
    CHECK_EQ(counted, made);

    /* Mappings given back: the refused watch now succeeds. */
    CHECK_EQ(mprotect(filler, (size_t)(2 * splits + 2) * PAGE, PROT_READ | PROT_WRITE), 0);
    memwatch_id_t late;
    CHECK_EQ(memwatch_watch(refused, 8, MEMWATCH_RW, NULL, NULL, &late), 0);
    c0 = _get_trap_count();
    refused[2] = 1;
    CHECK_EQ(_get_trap_count(), c0 + 1);
    CHECK_EQ(memwatch_unwatch(late), 0);
    for (int i = 0; i < made; i++)
        CHECK_EQ(memwatch_unwatch(ids[i]), 0);
    CHECK_EQ(data[0], 0xaa);
    CHECK_EQ(data[100], 3);
    CHECK_EQ(refused[1], 0x55);
    return mwtest_done();
}

int main(void)
{
    char path[] = "/tmp/memwatch-limit-XXXXXX";
    int err_fd = mkstemp(path);
    CHECK(err_fd >= 0);
    unlink(path);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err_fd, 2);
        _exit(child(err_fd));
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return mwtest_done();
}
