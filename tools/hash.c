/*
 * tools/hash.c - XXH3_64bits from Debian's libxxhash-dev, used header-only
 * (inlined), like the library's dump writer.
 */
#include "tools/hash.h"

#include <inttypes.h>
#include <stdio.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t mwt_content_hash(const void *bytes, size_t len)
{
    return XXH3_64bits(bytes, len);
}

const char *mwt_hash_text(uint64_t hash, char out[MWT_HASH_TEXT])
{
    snprintf(out, MWT_HASH_TEXT, "0x%016" PRIx64, hash);
    return out;
}
