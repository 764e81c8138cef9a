/* src/core/csr.c — the one CSR module (embodied/csr.h): create, free and
 * check; the row-by-row builder every producer of a CSR uses (HDF5 reader
 * aside, which reads the three arrays whole); and the transpose. */
#include "embodied/csr.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <math.h>
#include <string.h>

emb_status emb_csr_create(size_t n_rows, size_t n_cols, size_t nnz, emb_csr **out)
{
    *out = NULL;
    if (n_rows > EMB_CSR_MAX_DIM || n_cols > EMB_CSR_MAX_DIM)
        return emb_raise(EMB_ENOMEM, "sparse matrix %zu x %zu: dimensions above %zu are not "
                                     "supported (32-bit column indices)", n_rows, n_cols,
                         EMB_CSR_MAX_DIM);
    emb_csr *m = emb_calloc(1, sizeof *m, "sparse matrix");
    if (!m)
        return EMB_ENOMEM;
    m->n_rows = n_rows, m->n_cols = n_cols, m->nnz = nnz;
    if (!(m->indptr = emb_calloc(n_rows + 1, sizeof *m->indptr, "sparse matrix row pointers")) ||
        /* huge pages when large: first-touch faults cost ~500x fewer */
        !(m->indices = emb_alloc_big(nnz, sizeof *m->indices, "sparse matrix column indices")) ||
        !(m->data = emb_alloc_big(nnz, sizeof *m->data, "sparse matrix values"))) {
        emb_csr_free(m);
        return EMB_ENOMEM;
    }
    *out = m;
    return EMB_OK;
}

void emb_csr_free(emb_csr *m)
{
    if (!m)
        return;
    emb_free(m->indptr);
    emb_free(m->indices);
    emb_free(m->data);
    emb_free(m);
}

emb_status emb_csr_check(const emb_csr *m, const char *file, const char *ds)
{
    file = file && *file ? file : "(table)";
    if (m->indptr[0] != 0)
        return emb_raise(EMB_EINPUT, "%s: dataset %s/indptr: entry 0 is %zu, expected 0", file,
                         ds, m->indptr[0]);
    for (size_t i = 0; i < m->n_rows; i++)
        if (m->indptr[i + 1] < m->indptr[i])
            return emb_raise(EMB_EINPUT, "%s: dataset %s/indptr: entry %zu (%zu) is less than "
                                         "entry %zu (%zu); indptr must be non-decreasing",
                             file, ds, i + 1, m->indptr[i + 1], i, m->indptr[i]);
    if (m->indptr[m->n_rows] != m->nnz)
        return emb_raise(EMB_EINPUT, "%s: dataset %s/indptr: last entry is %zu, expected the "
                                     "number of stored entries, %zu", file, ds,
                         m->indptr[m->n_rows], m->nnz);
    for (size_t i = 0; i < m->n_rows; i++)
        for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
            size_t j = m->indices[p];
            if (j >= m->n_cols)
                return emb_raise(EMB_EINPUT, "%s: dataset %s/indices: entry %zu (row %zu) is "
                                             "column %zu, outside 0..%zu", file, ds, p, i, j,
                                 m->n_cols - 1);
            if (p > m->indptr[i] && j <= m->indices[p - 1])
                return emb_raise(EMB_EINPUT, "%s: dataset %s/indices: entry %zu (row %zu) is "
                                             "column %zu after column %u; columns must be strictly "
                                             "increasing within a row (sorted, no duplicates)",
                                 file, ds, p, i, j, (unsigned)m->indices[p - 1]);
            if (!isfinite(m->data[p]))
                return emb_raise(EMB_EINPUT, "%s: dataset %s/data: %s at entry %zu (row %zu, "
                                             "column %zu); values must be finite", file, ds,
                                 isnan(m->data[p]) ? "NaN" : "infinite value", p, i, j);
        }
    return EMB_OK;
}

/* ---- builder ------------------------------------------------------------ */

emb_status emb_csr_builder_init(emb_csr_builder *b, size_t n_rows, size_t n_cols, size_t cap,
                                size_t max_nnz, const char *what)
{
    memset(b, 0, sizeof *b);
    b->max_nnz = max_nnz;
    b->what = what ? what : "sparse matrix";
    if (cap == 0)
        cap = 1024;
    if (max_nnz && cap > max_nnz)
        cap = max_nnz;
    emb_status st = emb_csr_create(n_rows, n_cols, cap, &b->m);
    if (st)
        return st;
    b->m->nnz = 0;
    b->cap = cap;
    return EMB_OK;
}

emb_status emb_csr_builder_reserve(emb_csr_builder *b, size_t n)
{
    emb_csr *m = b->m;
    if (b->cap - m->nnz >= n)
        return EMB_OK;
    if (n > SIZE_MAX - m->nnz)
        return emb_raise(EMB_ENOMEM, "%s: %zu + %zu entries overflow", b->what, m->nnz, n);
    size_t need = m->nnz + n, nc = b->cap + b->cap / 2;
    if (nc < b->cap || nc < need)
        nc = need;
    if (b->max_nnz && nc > b->max_nnz) {
        if (need > b->max_nnz)
            return emb_raise(EMB_ENOMEM, "%s: more than the %zu entries planned", b->what,
                             b->max_nnz);
        nc = b->max_nnz;
    }
    uint32_t *ni = emb_realloc(m->indices, nc, sizeof *ni, b->what);
    if (!ni)
        return EMB_ENOMEM;
    m->indices = ni;
    double *nd = emb_realloc(m->data, nc, sizeof *nd, b->what);
    if (!nd)
        return EMB_ENOMEM;
    m->data = nd;
    b->cap = nc;
    return EMB_OK;
}

emb_status emb_csr_builder_push(emb_csr_builder *b, size_t col, double v)
{
    emb_csr *m = b->m;
    if (m->nnz == b->cap) {
        emb_status st = emb_csr_builder_reserve(b, 1);
        if (st)
            return st;
    }
    m->indices[m->nnz] = (uint32_t)col;
    m->data[m->nnz++] = v;
    return EMB_OK;
}

emb_status emb_csr_builder_dense_row(emb_csr_builder *b, const double *row)
{
    static const double pzero = 0.0;
    for (size_t j = 0; j < b->m->n_cols; j++) {
        if (row[j] == 0.0 && memcmp(&row[j], &pzero, sizeof pzero) == 0)
            continue;
        emb_status st = emb_csr_builder_push(b, j, row[j]);
        if (st)
            return st;
    }
    return EMB_OK;
}

emb_status emb_csr_builder_end_row(emb_csr_builder *b)
{
    if (b->row >= b->m->n_rows)
        return emb_raise(EMB_EINTERNAL, "%s: row %zu ended, the matrix has %zu rows", b->what,
                         b->row, b->m->n_rows);
    b->m->indptr[++b->row] = b->m->nnz;
    return EMB_OK;
}

emb_status emb_csr_builder_finish(emb_csr_builder *b, emb_csr **out)
{
    emb_csr *m = b->m;
    *out = NULL;
    while (b->row < m->n_rows)
        m->indptr[++b->row] = m->nnz;
    /* Give back the slack of the last growth; a failed shrink keeps the
     * larger block (nothing is lost). */
    if (m->nnz < b->cap) {
        size_t n = m->nnz ? m->nnz : 1;
        uint32_t *ni = emb_realloc(m->indices, n, sizeof *ni, b->what);
        if (ni)
            m->indices = ni;
        double *nd = emb_realloc(m->data, n, sizeof *nd, b->what);
        if (nd)
            m->data = nd;
    }
    *out = m;
    memset(b, 0, sizeof *b);
    return EMB_OK;
}

void emb_csr_builder_free(emb_csr_builder *b)
{
    if (!b)
        return;
    emb_csr_free(b->m);
    memset(b, 0, sizeof *b);
}

/* ---- transpose ---------------------------------------------------------- */

/* C = A' */
emb_status emb_csr_transpose(const emb_csr *A, emb_csr **out)
{
    emb_csr *C = NULL;
    emb_status st = emb_csr_create(A->n_cols, A->n_rows, A->nnz, &C);
    if (st)
        return st;
    /* Count the entries of each column, prefix-sum into C's row pointers,
     * then scatter row by row: rows of A in order give sorted columns of C. */
    size_t *next = emb_alloc(A->n_cols + 1, sizeof *next, "transpose row cursors");
    if (!next) {
        emb_csr_free(C);
        return EMB_ENOMEM;
    }
    for (size_t p = 0; p < A->nnz; p++)
        C->indptr[A->indices[p] + 1]++;
    for (size_t j = 0; j < A->n_cols; j++)
        C->indptr[j + 1] += C->indptr[j];
    memcpy(next, C->indptr, (A->n_cols + 1) * sizeof *next);
    for (size_t i = 0; i < A->n_rows; i++)
        for (size_t p = A->indptr[i]; p < A->indptr[i + 1]; p++) {
            size_t q = next[A->indices[p]]++;
            C->indices[q] = (uint32_t)i;
            C->data[q] = A->data[p];
        }
    emb_free(next);
    *out = C;
    return EMB_OK;
}
