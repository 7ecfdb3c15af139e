/*
 * preload/interpose_io.c - read/write-family calls on watched buffers.
 *
 * read, pread, readv, recv, recvfrom, recvmsg into a watched buffer, and
 * write, pwrite, writev, send, sendto, sendmsg from one, succeed as they
 * would unwatched (the kernel alone would say EFAULT: the pages are closed)
 * and are reported as one access by the caller.  A buffer that touches no
 * watched page costs one table check and goes straight to libc.  Watched
 * buffers travel through a bounce buffer (trampoline/syscall_buf.c); the
 * system call itself runs on the bounce buffer, with no table lock held.
 * Not covered: msg_name and msg_control buffers of recvmsg/sendmsg, and
 * other system calls that take user memory (stat buffers and the like).
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/arena.h"
#include "trampoline/syscall_buf.h"

#define MW_API __attribute__((visibility("default")))
#define MW_CALLER() ((uint64_t)(uintptr_t)__builtin_return_address(0))
#define MW_REAL(name)                                                                                        \
    static __typeof__(&name) real_fn;                                                                        \
    if (!real_fn)                                                                                            \
        real_fn = (__typeof__(&name))dlsym(RTLD_NEXT, #name);                                                \
    if (!real_fn) {                                                                                          \
        errno = ENOSYS;                                                                                      \
        return -1;                                                                                           \
    }

/* --- one buffer --------------------------------------------------------- */

/* Data leaving the process: the watched bytes are read into a bounce buffer. */
static void *mw_out_begin(const void *buf, size_t n, uint64_t ip)
{
    void *b = mw_bounce_alloc(n);
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    if (mw_buf_copy_in(b, buf, n, ip) != 0) {
        mw_bounce_free(b, n);
        errno = EFAULT;
        return NULL;
    }
    return b;
}

/* Data arriving: got bytes of the bounce buffer go to the watched buffer. */
static ssize_t mw_in_end(void *buf, void *b, size_t n, ssize_t got, uint64_t ip)
{
    int err = errno;
    if (got > 0 && mw_buf_copy_out(buf, b, (size_t)got, ip) != 0) {
        got = -1;
        err = EFAULT;
    }
    mw_bounce_free(b, n);
    errno = err;
    return got;
}

static ssize_t mw_out_end(void *b, size_t n, ssize_t r)
{
    int err = errno;
    mw_bounce_free(b, n);
    errno = err;
    return r;
}

MW_API ssize_t read(int fd, void *buf, size_t n)
{
    MW_REAL(read);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n);
    void *b = mw_bounce_alloc(n);
    if (!b)
        return real_fn(fd, buf, n);
    return mw_in_end(buf, b, n, real_fn(fd, b, n), MW_CALLER());
}

MW_API ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    MW_REAL(pread);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, off);
    void *b = mw_bounce_alloc(n);
    if (!b)
        return real_fn(fd, buf, n, off);
    return mw_in_end(buf, b, n, real_fn(fd, b, n, off), MW_CALLER());
}

MW_API ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread(fd, buf, n, off); }

MW_API ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    MW_REAL(recv);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, flags);
    void *b = mw_bounce_alloc(n);
    if (!b)
        return real_fn(fd, buf, n, flags);
    return mw_in_end(buf, b, n, real_fn(fd, b, n, flags), MW_CALLER());
}

MW_API ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
    MW_REAL(recvfrom);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, flags, from, fromlen);
    void *b = mw_bounce_alloc(n);
    if (!b)
        return real_fn(fd, buf, n, flags, from, fromlen);
    return mw_in_end(buf, b, n, real_fn(fd, b, n, flags, from, fromlen), MW_CALLER());
}

MW_API ssize_t write(int fd, const void *buf, size_t n)
{
    MW_REAL(write);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n);
    void *b = mw_out_begin(buf, n, MW_CALLER());
    return b ? mw_out_end(b, n, real_fn(fd, b, n)) : -1;
}

MW_API ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    MW_REAL(pwrite);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, off);
    void *b = mw_out_begin(buf, n, MW_CALLER());
    return b ? mw_out_end(b, n, real_fn(fd, b, n, off)) : -1;
}

MW_API ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }

MW_API ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    MW_REAL(send);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, flags);
    void *b = mw_out_begin(buf, n, MW_CALLER());
    return b ? mw_out_end(b, n, real_fn(fd, b, n, flags)) : -1;
}

MW_API ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen)
{
    MW_REAL(sendto);
    if (!mw_buf_watched(buf, n))
        return real_fn(fd, buf, n, flags, to, tolen);
    void *b = mw_out_begin(buf, n, MW_CALLER());
    return b ? mw_out_end(b, n, real_fn(fd, b, n, flags, to, tolen)) : -1;
}

/* --- vectors ------------------------------------------------------------ */

struct mw_iov_swap {
    struct iovec *iov;    /* the vector handed to the kernel */
    void **bounce;        /* per entry, NULL when not watched */
    int count;
};

static int mw_iov_watched(const struct iovec *iov, int count)
{
    for (int i = 0; i < count; i++)
        if (mw_buf_watched(iov[i].iov_base, iov[i].iov_len))
            return 1;
    return 0;
}

static void mw_iov_release(struct mw_iov_swap *s)
{
    int err = errno;
    for (int i = 0; s->bounce && i < s->count; i++)
        mw_bounce_free(s->bounce[i], s->iov[i].iov_len);
    mw_free(s->iov);
    mw_free(s->bounce);
    errno = err;
}

/* A copy of the vector with bounce buffers for the watched entries; for data
 * leaving the process they are filled (and reported) now. */
static int mw_iov_swap_in(struct mw_iov_swap *s, const struct iovec *iov, int count, int leaving, uint64_t ip)
{
    s->count = count;
    s->iov = mw_alloc(sizeof *s->iov * (size_t)count);
    s->bounce = mw_alloc(sizeof *s->bounce * (size_t)count);
    if (!s->iov || !s->bounce) {
        mw_iov_release(s);
        errno = ENOMEM;
        return -1;
    }
    for (int i = 0; i < count; i++) {
        s->iov[i] = iov[i];
        if (!mw_buf_watched(iov[i].iov_base, iov[i].iov_len))
            continue;
        s->bounce[i] = mw_bounce_alloc(iov[i].iov_len);
        if (!s->bounce[i] ||
            (leaving && mw_buf_copy_in(s->bounce[i], iov[i].iov_base, iov[i].iov_len, ip) != 0)) {
            mw_iov_release(s);
            errno = s->bounce[i] ? EFAULT : ENOMEM;
            return -1;
        }
        s->iov[i].iov_base = s->bounce[i];
    }
    return 0;
}

/* Data arrived: its first got bytes are spread over the entries in order. */
static ssize_t mw_iov_swap_out(struct mw_iov_swap *s, const struct iovec *iov, ssize_t got, uint64_t ip)
{
    int err = errno;
    size_t left = got > 0 ? (size_t)got : 0;
    for (int i = 0; i < s->count && left; i++) {
        size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
        if (s->bounce[i] && mw_buf_copy_out(iov[i].iov_base, s->bounce[i], n, ip) != 0) {
            got = -1;
            err = EFAULT;
            break;
        }
        left -= n;
    }
    mw_iov_release(s);
    errno = err;
    return got;
}

MW_API ssize_t readv(int fd, const struct iovec *iov, int count)
{
    MW_REAL(readv);
    struct mw_iov_swap s;
    if (count <= 0 || !mw_iov_watched(iov, count) || mw_iov_swap_in(&s, iov, count, 0, 0) != 0)
        return real_fn(fd, iov, count);
    return mw_iov_swap_out(&s, iov, real_fn(fd, s.iov, count), MW_CALLER());
}

MW_API ssize_t writev(int fd, const struct iovec *iov, int count)
{
    MW_REAL(writev);
    struct mw_iov_swap s;
    if (count <= 0 || !mw_iov_watched(iov, count))
        return real_fn(fd, iov, count);
    if (mw_iov_swap_in(&s, iov, count, 1, MW_CALLER()) != 0)
        return -1;
    ssize_t r = real_fn(fd, s.iov, count);
    mw_iov_release(&s);
    return r;
}

MW_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    MW_REAL(recvmsg);
    struct mw_iov_swap s;
    int count = (int)msg->msg_iovlen;
    if (count <= 0 || !mw_iov_watched(msg->msg_iov, count) || mw_iov_swap_in(&s, msg->msg_iov, count, 0, 0) != 0)
        return real_fn(fd, msg, flags);
    struct iovec *theirs = msg->msg_iov;
    msg->msg_iov = s.iov;
    ssize_t got = real_fn(fd, msg, flags);
    msg->msg_iov = theirs;
    return mw_iov_swap_out(&s, theirs, got, MW_CALLER());
}

MW_API ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    MW_REAL(sendmsg);
    struct mw_iov_swap s;
    int count = (int)msg->msg_iovlen;
    if (count <= 0 || !mw_iov_watched(msg->msg_iov, count))
        return real_fn(fd, msg, flags);
    if (mw_iov_swap_in(&s, msg->msg_iov, count, 1, MW_CALLER()) != 0)
        return -1;
    struct msghdr copy = *msg;
    copy.msg_iov = s.iov;
    ssize_t r = real_fn(fd, &copy, flags);
    mw_iov_release(&s);
    return r;
}
