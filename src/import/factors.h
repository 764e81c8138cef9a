/* src/import/factors.h — the reader of characterisation factor files
 * (internal; format: embodied/characterize.h and datasets/README.md,
 * "Characterisation").
 *
 * The file is read through the delimited-text reader (import/tsv.h) in line
 * mode, so every byte passes the allocation wrapper and the memory limit: a
 * line longer than EMB_FACTORS_MAXLINE (or a quarter of the memory limit),
 * or a cell longer than EMB_TSV_MAXFIELD, is EMB_EINPUT naming the file and
 * line, read no further than the first buffer.  The rows are kept whole in
 * memory: such files have tens of lines.
 */
#ifndef EMB_IMPORT_FACTORS_H
#define EMB_IMPORT_FACTORS_H

#include <stddef.h>

#include "embodied/error.h"

/* Characterisation lines are a few labels and a number (a hundred bytes);
 * 64 KiB holds five cells of the longest label (4096 bytes) many times. */
#define EMB_FACTORS_MAXLINE ((size_t)64 << 10)

/* Columns, in the order the header must name them. */
enum { EMB_FCOL_STRESSOR, EMB_FCOL_IMPACT, EMB_FCOL_FACTOR, EMB_FCOL_UNIT, EMB_FCOL_SUNIT,
       EMB_FCOL_N };
extern const char *const emb_factor_colname[EMB_FCOL_N];

typedef struct emb_factor_row {
    size_t line;             /* 1-based line in the file */
    char *f[EMB_FCOL_N];     /* the cells; unit and stressor_unit NULL when absent or empty */
    double factor;
} emb_factor_row;

typedef struct emb_factors {
    emb_factor_row *rows;
    size_t n, cap;
    size_t ncols;            /* columns named by the header (3 to 5) */
} emb_factors;

/* Read and check the whole file at `path` into *fs (zeroed first; free with
 * emb_factors_free, also after a failure).  EMB_EIO: the file cannot be
 * read; EMB_EINPUT: malformed (header, cells, quoting, a non-finite factor,
 * an over-long line or cell, a NUL byte), no factor rows. */
emb_status emb_factors_read(const char *path, emb_factors *fs);

/* Free the rows; fs itself is the caller's.  NULL is a no-op. */
void emb_factors_free(emb_factors *fs);

#endif
