/*
 * tools/hash.h - the content hash of captured bytes, the same function the
 * library writes into a dump's `hash` field (XXH3_64bits, seed 0), so a hash
 * the tools compute or show means the same thing as the one in the dump.
 */
#ifndef MWT_HASH_H
#define MWT_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Room for "0x" + 16 hex digits + NUL. */
#define MWT_HASH_TEXT 19

uint64_t mwt_content_hash(const void *bytes, size_t len);

/* "0x" and 16 lower-case hex digits, as the dump prints a hash. */
const char *mwt_hash_text(uint64_t hash, char out[MWT_HASH_TEXT]);

#endif /* MWT_HASH_H */
