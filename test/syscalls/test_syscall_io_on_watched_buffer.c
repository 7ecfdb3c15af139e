/* read/write/readv/writev/send/recv/sendmsg/recvmsg/pread/pwrite on watched
 * buffers succeed as they would unwatched (not EFAULT), move the right bytes,
 * and each call is reported as one access by the caller. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "memwatch.h"
#include "mwtest.h"

static int events;
static void *last_ip;
static int last_write;
static size_t last_size;

static void on_access(const memwatch_event_t *ev, void *user)
{
    (void)user;
    events++;
    last_ip = ev->ip;
    last_write = ev->is_write;
    last_size = ev->size;
}

int main(void)
{
    char *page = mwtest_pages(2);
    memwatch_id_t id;
    CHECK(memwatch_watch(page, 8192, MEMWATCH_RW, on_access, NULL, &id) == 0);
    int p[2];
    CHECK(pipe(p) == 0);

    /* write from a watched buffer, read back into an ordinary one */
    memcpy(page, "hello", 5); /* through the engine */
    int e0 = events;
    CHECK_EQ(write(p[1], page, 5), 5);
    CHECK_EQ(events - e0, 1);
    CHECK(!last_write && last_size == 5);
    char plain[16] = {0};
    CHECK_EQ(read(p[0], plain, sizeof plain), 5);
    CHECK(memcmp(plain, "hello", 5) == 0);

    /* read into a watched buffer straddling both pages */
    CHECK_EQ(write(p[1], "0123456789", 10), 10);
    e0 = events;
    CHECK_EQ(read(p[0], page + 4090, 10), 10);
    CHECK_EQ(events - e0, 1);
    CHECK(last_write && last_size == 10);
    CHECK(memcmp(page + 4090, "0123456789", 10) == 0);

    /* readv / writev mixing watched and plain entries */
    struct iovec out[2] = {{page, 3}, {plain, 2}};
    CHECK_EQ(writev(p[1], out, 2), 5);
    char back1[8] = {0};
    struct iovec in[2] = {{back1, 2}, {page + 100, 3}};
    CHECK_EQ(readv(p[0], in, 2), 5);
    CHECK(memcmp(back1, "he", 2) == 0 && memcmp(page + 100, "lhe", 3) == 0);

    /* send / recv / sendmsg / recvmsg */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(send(sv[0], page, 5, 0), 5);
    CHECK_EQ(recv(sv[1], page + 200, 5, 0), 5);
    CHECK(memcmp(page + 200, "hello", 5) == 0);
    struct iovec mi = {page + 4000, 200};
    memset(page + 4000, 'x', 200);
    struct msghdr m = {.msg_iov = &mi, .msg_iovlen = 1};
    CHECK_EQ(sendmsg(sv[0], &m, 0), 200);
    struct iovec ri = {page + 6000, 200};
    struct msghdr rm = {.msg_iov = &ri, .msg_iovlen = 1};
    CHECK_EQ(recvmsg(sv[1], &rm, MSG_WAITALL), 200);
    CHECK(page[6000] == 'x' && page[6199] == 'x');

    /* pread / pwrite on a file */
    char path[] = "/tmp/mwtest-io-XXXXXX";
    int fd = mkstemp(path);
    CHECK_EQ(pwrite(fd, page, 5, 10), 5);
    memset(page + 300, 0, 5);
    CHECK_EQ(pread(fd, page + 300, 5, 10), 5);
    CHECK(memcmp(page + 300, "hello", 5) == 0);
    unlink(path);

    /* an unwatched buffer that is really bad still fails */
    void *volatile bad = (void *)8;
    CHECK_EQ(write(p[1], "z", 1), 1);
    CHECK_EQ(read(p[0], bad, 1), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK(memwatch_unwatch(id) == 0);
    return mwtest_done();
}
