/*
 * preload/symbols.h - names for addresses and addresses for names: the
 * symbols of the executable and the libraries it has loaded.
 *
 * The index is built outside the fault handler (at start-up, and after each
 * dlopen) from each object's ELF file on disk: its .dynsym and, when the
 * file is not stripped (or its build-id debug file is installed under
 * /usr/lib/debug/.build-id), its .symtab.  Objects are appended and never
 * freed, so the fault handler can read the index without a lock.
 */
#ifndef MW_PRELOAD_SYMBOLS_H
#define MW_PRELOAD_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/* A variable found by name. */
struct mw_symbol {
    uintptr_t addr;       /* runtime address */
    size_t size;          /* the symbol's own size (st_size), may be 0 */
    const char *name;     /* as the symbol table spells it (index memory) */
    const char *object;   /* path of the object that defines it */
    unsigned matches;     /* definitions at distinct addresses in that object (two
                           * file-scope statics of one name); the first is returned */
};

/* Indexes the objects loaded now that are not indexed yet and forgets the
 * ones that were unloaded.  Not for signal context; serialised inside.
 * Returns how many objects were added. */
int mw_symbols_sync(void);

/* Has mw_symbols_sync run at least once? */
int mw_symbols_ready(void);

/* Finds a data symbol (a global or static variable) by name: the executable
 * first, then the libraries in load order, as the dynamic linker would.
 * An exact name wins; otherwise a compiler-made variant of it (a function's
 * static `name.0`, `name.lto_priv.0`).  The library's own symbols are never
 * returned.  0, or -ENOENT. */
int mw_symbols_find_var(const char *name, struct mw_symbol *out);

/* The range [*lo, *hi) of the loaded object whose load address (l_addr)
 * is base and whose dynamic section is at dyn; 0 or -ENOENT. */
int mw_symbols_object_range(uintptr_t base, const void *dyn, uintptr_t *lo, uintptr_t *hi);

/* Writes "function+0xoff" (the nearest preceding function symbol of the
 * object that contains ip) into buf, NUL-terminated, and returns its length;
 * 0 (and "") when no object or symbol covers ip.  Async-signal-safe: reads
 * the index only. */
size_t mw_symbols_describe(uintptr_t ip, char *buf, size_t cap);

#endif
