/*
 * tools/disasm.h - turns a capture's bytes into a listing at its runtime
 * address: one line per instruction (Zydis, Intel syntax), one per byte that
 * does not decode, one per long run of zero bytes.
 */
#ifndef MWT_DISASM_H
#define MWT_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The bytes column is at least this wide (7 bytes: "48 89 c8" lines up
 * with "b8 01 00 00 00"); a listing with longer instructions widens it. */
#define MWT_HEX_MIN_WIDTH 23

/* Zero runs at least this long collapse into one "... N zero bytes" line. */
#define MWT_ZERO_RUN 16
/* Instructions listed per capture unless --full. */
#define MWT_DEFAULT_LIMIT 200

enum mwt_dkind { MWT_D_INSN, MWT_D_BAD, MWT_D_ZEROS };

struct mwt_dline {
    enum mwt_dkind kind;
    uint64_t addr;   /* runtime address of the first byte */
    size_t off;      /* offset of the first byte in the capture */
    size_t len;      /* bytes the line covers */
    uint64_t key;    /* hash of bytes and text: lines that differ differ here, nearly always */
    char text[128];  /* "mov eax, 0x1", "(bad)", "... N zero bytes" */
};

struct mwt_listing {
    const unsigned char *bytes; /* the capture's bytes (not owned) */
    struct mwt_dline *lines;
    size_t n, cap;
    size_t ninsn;    /* instruction and (bad) lines */
    size_t rest;     /* bytes left out because of the limit */
    int addr_width;  /* hex digits that every address of the listing fits */
    int hex_width;   /* width of the bytes column: 23, or the widest line's */
};

/* Lists len bytes at runtime address addr; limit 0 lists everything. */
void mwt_disasm(const unsigned char *bytes, size_t len, uint64_t addr, size_t limit,
                struct mwt_listing *out);
void mwt_listing_free(struct mwt_listing *l);

/* True when two lines hold the same bytes and text (addresses aside). */
bool mwt_dline_same(const struct mwt_listing *a, size_t i, const struct mwt_listing *b, size_t j);

/* The line's bytes as "b8 01 00" (empty for a zero run); out holds 48 bytes. */
void mwt_dline_hex(const struct mwt_listing *l, const struct mwt_dline *d, char *out);

/* "<prefix>0x7f..1000  b8 01 00 00 00          mov eax, 0x1\n" */
void mwt_dline_print(FILE *f, const char *prefix, const struct mwt_listing *l,
                     const struct mwt_dline *d);

#endif /* MWT_DISASM_H */
