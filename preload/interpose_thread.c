/*
 * preload/interpose_thread.c - pthread_create: every new thread gets its
 * engine state and alternate signal stack before its start routine runs.
 *
 * Without it a fault in a new thread would run the handler on the thread's
 * own stack (fine, until that stack is the watched memory) and the thread's
 * state would be made lazily inside the handler.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include <stdint.h>

#include "core/arena.h"
#include "trampoline/thread.h"
#include "preload/init.h"

#define MW_API __attribute__((visibility("default")))

typedef int (*mw_pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

void mw_lifecycle_thread_started(uint64_t prog_blocked);

struct mw_start {
    void *(*start)(void *);
    void *arg;
    uint64_t prog_blocked; /* the creator's view of its mask is the new thread's */
};

static void *mw_thread_trampoline(void *p)
{
    struct mw_start s = *(struct mw_start *)p;
    mw_free(p);
    mw_lifecycle_thread_started(s.prog_blocked);
    return s.start(s.arg);
}

MW_API int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    static mw_pthread_create_fn real;
    if (!real)
        real = (mw_pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (!real)
        return ENOSYS;
    mw_init_once();
    struct mw_start *s = mw_alloc(sizeof *s);
    if (!s)
        return real(thread, attr, start, arg);
    s->start = start;
    s->arg = arg;
    struct mw_thread *self = mw_thread_peek();
    s->prog_blocked = self ? self->prog_blocked : 0;
    int rc = real(thread, attr, mw_thread_trampoline, s);
    if (rc != 0)
        mw_free(s);
    return rc;
}
