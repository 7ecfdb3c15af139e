/*
 * core/spin.h - a test-and-set spinlock for very short critical sections.
 *
 * Only for code that already runs with signals blocked (or inside the fault
 * handler), so that no handler can interrupt the holder on its own thread and
 * spin forever.
 */
#ifndef MW_CORE_SPIN_H
#define MW_CORE_SPIN_H

typedef struct {
    volatile int held;
} mw_spin_t;

static inline void mw_spin_lock(mw_spin_t *l)
{
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static inline void mw_spin_unlock(mw_spin_t *l) { __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE); }

#endif
