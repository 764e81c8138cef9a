/* embodied/io.h — reading and writing tables in the embodied-mrio HDF5
 * format (version 1, specified in datasets/README.md).
 *
 * Every writer produces its file atomically: it writes
 * ".<name>.embodied-tmp.<host>.<pid>.<random>" (created exclusively, never
 * through a symbolic link) in the destination directory, flushes and fsyncs
 * it, and renames it over <path> (or, inside an output set of
 * embodied/results.h, leaves it for the set's commit); on any failure the
 * temporary file is removed and <path> is left as it was.
 */
#ifndef EMBODIED_IO_H
#define EMBODIED_IO_H

#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMB_MRIO_FORMAT "embodied-mrio"
#define EMB_MRIO_FORMAT_VERSION 1

typedef enum emb_read_flags {
    EMB_READ_DEFAULT = 0,     /* stream T from the file (the solver's build pass reads it) */
    EMB_READ_TECH_IN_MEMORY = 1 /* load T into t->T */
} emb_read_flags;

/* Read the table in `path`.  Checks the format attributes, every dataset's
 * presence, type class (floating point / string) and shape against the label
 * counts before allocating, then runs emb_table_validate().  With the default
 * flags the file stays open until emb_table_free().  A technology matrix
 * stored as a CSR group is always loaded (t->csr, O(nnz) bytes), whatever
 * the flags, after its indptr and indices have been validated. */
EMB_API emb_status emb_table_read_h5(const char *path, int flags, emb_table **out);

/* The same with per-call settings (embodied/context.h; NULL = defaults): the
 * read's plan is checked against the context's memory limit.  A streamed T
 * is read later, by the solver, under the context of that call. */
EMB_API emb_status emb_table_read_h5_ctx(const char *path, int flags, const emb_context *ctx,
                                 emb_table **out);

typedef struct emb_write_opts {
    int deflate; /* 0: contiguous, uncompressed; 1..9: chunked with gzip at that level */
    int csr;     /* technology matrix as  0: the table holds it (CSR tables as a CSR group,
                    dense and streamed ones as an N x N dataset);  1: a CSR group (data,
                    indices, indptr, attribute shape; datasets/README.md);  -1: an N x N
                    dataset */
    const emb_context *ctx; /* per-call settings (embodied/context.h); NULL = defaults */
} emb_write_opts;

/* Write `t` (T from memory or streamed) atomically to `path`.  opts may be NULL. */
EMB_API emb_status emb_table_write_h5(const emb_table *t, const char *path, const emb_write_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
