/* embodied/csr.h — sparse matrices in compressed sparse row form: the
 * type, its checks, a builder that grows one row at a time, and the
 * transpose (src/core/csr.c).  Every CSR in the library (HDF5 groups, the
 * generator, the GLORIA importer, dense-to-CSR copies, the sparse solver)
 * is this type, built with these functions.
 */
#ifndef EMBODIED_CSR_H
#define EMBODIED_CSR_H

#include <stddef.h>
#include <stdint.h>

#include "embodied/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A sparse matrix in compressed sparse row form, scipy.sparse.csr_matrix's
 * layout: the entries of row i are data[indptr[i] .. indptr[i+1]) in columns
 * indices[indptr[i] .. indptr[i+1]), strictly increasing within a row (sorted,
 * no duplicates); indptr[0] = 0, indptr non-decreasing, indptr[n_rows] = nnz.
 *
 * Column indices are 32-bit, so n_cols <= EMB_CSR_MAX_DIM = 2^31 - 1: a
 * non-zero then costs 12 bytes rather than 16, a third less memory and
 * memory traffic in the sparse products, which are bandwidth-bound.  No MRIO
 * comes near the limit (GLORIA has N = 19,680, EXIOBASE 9,800; the dense
 * solver's LAPACK is limited to 32-bit sizes anyway), and 2^31 - 1 rather
 * than 2^32 - 1 keeps every index representable in scipy's default int32
 * and in the signed int32 the HDF5 writer stores.  indptr is size_t: nnz may
 * exceed 2^32.
 * Ownership: an emb_csr owns its three arrays; free it with emb_csr_free(). */
#define EMB_CSR_MAX_DIM ((size_t)INT32_MAX)

typedef struct emb_csr {
    size_t n_rows, n_cols;
    size_t nnz;        /* == indptr[n_rows] */
    size_t *indptr;    /* [n_rows + 1] */
    uint32_t *indices; /* [nnz] column of each entry */
    double *data;      /* [nnz] value of each entry */
} emb_csr;

/* Allocate an n_rows x n_cols CSR with room for nnz entries: indptr zeroed,
 * indices and data uninitialised, m->nnz = nnz.  Dimensions above
 * EMB_CSR_MAX_DIM are refused (EMB_ENOMEM).  *out owned by the caller. */
EMB_API emb_status emb_csr_create(size_t n_rows, size_t n_cols, size_t nnz, emb_csr **out);

/* Free; NULL is a no-op. */
EMB_API void emb_csr_free(emb_csr *m);

/* Check the CSR invariants above and that every value is finite; the first
 * violation is raised as EMB_EINPUT naming `file`, dataset `ds` (e.g. "/Z")
 * and the row and column or position. */
EMB_API emb_status emb_csr_check(const emb_csr *m, const char *file, const char *ds);

/* A CSR grown row by row: entries are appended to the current row, in
 * increasing column order, then the row is ended; rows never ended are
 * empty.  indices and data grow by half (through the allocation wrapper)
 * when full, never beyond max_nnz entries when max_nnz > 0 (the bound of
 * the caller's plan; more is EMB_ENOMEM naming `what`).  A caller may also
 * write entries itself: emb_csr_builder_reserve(b, n), then up to n entries
 * at m->indices/m->data [m->nnz ...), m->nnz advanced, then end the row.
 * Finish hands the matrix over; free (also after a failure) releases what
 * is left. */
typedef struct emb_csr_builder {
    emb_csr *m;       /* the matrix: rows [0, row) ended, m->nnz entries so far */
    size_t row;       /* rows ended */
    size_t cap;       /* entries m->indices and m->data hold */
    size_t max_nnz;   /* 0: no bound but the memory limit */
    const char *what; /* names the matrix in messages */
} emb_csr_builder;

/* Start an n_rows x n_cols matrix with room for cap entries (0: a default).
 * On failure b holds nothing (emb_csr_builder_free is still safe). */
EMB_API emb_status emb_csr_builder_init(emb_csr_builder *b, size_t n_rows, size_t n_cols, size_t cap,
                                size_t max_nnz, const char *what);

/* Room for n more entries after m->nnz. */
EMB_API emb_status emb_csr_builder_reserve(emb_csr_builder *b, size_t n);

/* Append entry (current row, col) = v; col must exceed the row's last
 * column (not checked here: emb_csr_check does). */
EMB_API emb_status emb_csr_builder_push(emb_csr_builder *b, size_t col, double v);

/* Append the entries of dense row[0, n_cols) that are not +0.0 (-0.0 is
 * kept, so that dense -> CSR -> dense is bit-identical). */
EMB_API emb_status emb_csr_builder_dense_row(emb_csr_builder *b, const double *row);

/* End the current row (EMB_EINTERNAL past the last row). */
EMB_API emb_status emb_csr_builder_end_row(emb_csr_builder *b);

/* End the remaining rows (empty), give back the unused capacity, and hand
 * the matrix over: *out owned by the caller, b left empty. */
EMB_API emb_status emb_csr_builder_finish(emb_csr_builder *b, emb_csr **out);

/* Free what b holds; a zeroed or finished builder is a no-op. */
EMB_API void emb_csr_builder_free(emb_csr_builder *b);

/* C = A' (n_cols x n_rows, columns sorted within each row: CSC of A read as
 * CSR).  *out owned by the caller. */
EMB_API emb_status emb_csr_transpose(const emb_csr *A, emb_csr **out);

#ifdef __cplusplus
}
#endif
#endif
