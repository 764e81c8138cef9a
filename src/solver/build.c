/* src/solver/build.c — I - A from the table, once: the dense matrix formed in
 * place from T's rows (the row-major buffer LAPACK reads as (I - A)^T), its
 * norms and column sums, the NaN/Inf check, and what the factorised
 * methods learn from it (productivity). */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/parallel.h"
#include "solver/leontief_impl.h"
#include "solver/output.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define tp emb_lf_tp

/* Locate the first non-finite entry of row i of T (called only when a sum
 * over the row was not finite, so the common path pays nothing; the row is
 * read again because the working copy may already be scaled). */
emb_status emb_lf_bad_row(const emb_table *t, size_t i)
{
    size_t N = t->N, j = 0;
    const char *ds = t->tech_kind == EMB_TECH_Z ? "/Z" : "/A";
    double *row = emb_alloc(N, sizeof *row, "row");
    if (!row)
        return EMB_ENOMEM;
    emb_status st = emb_table_tech_rows(t, i, 1, row);
    if (st == EMB_OK) {
        while (j < N && isfinite(row[j]))
            j++;
        if (j == N)
            st = emb_raise(EMB_EINPUT, "%s: dataset %s: the entries of row %zu (%s/%s) are finite "
                                       "but their sum overflows (values near 1e308)",
                           tp(t), ds, i, t->regions[i / t->n_s], t->sectors[i % t->n_s]);
        else
            st = emb_raise(EMB_EINPUT, "%s: dataset %s: %s at row %zu (%s/%s), column %zu (%s/%s)",
                           tp(t), ds, isnan(row[j]) ? "NaN" : "infinite value", i,
                           t->regions[i / t->n_s], t->sectors[i % t->n_s], j,
                           t->regions[j / t->n_s], t->sectors[j % t->n_s]);
    }
    emb_free(row);
    return st;
}

/* Rows [begin, end) of a block just read (double, row-major, ld N): row sums
 * into sums[] (when wanted) and, for mixed precision, the conversion into the
 * float working matrix.  A NaN/Inf gives a non-finite sum, found by the
 * caller; so does a value beyond float range in mixed mode (flagged by
 * making the sum NaN). */
typedef struct load_job {
    const double *W;  /* block rows */
    size_t N;
    double *sums;     /* [n] or NULL */
    float *dst;       /* mixed: float rows of the block, else NULL */
} load_job;

static void load_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    (void)tid;
    const load_job *j = ctx;
    size_t N = j->N;
    for (size_t i = begin; i < end; i++) {
        const double *row = j->W + i * N;
        double s = 0;
        for (size_t c = 0; c < N; c++)
            s += row[c];
        if (j->dst) {
            float *f = j->dst + i * N;
            double big = 0;
            for (size_t c = 0; c < N; c++) {
                f[c] = (float)row[c];
                big = fabs(row[c]) > big ? fabs(row[c]) : big;
            }
            if (big > FLT_MAX)
                s = NAN;
        }
        if (j->sums)
            j->sums[i] = s;
    }
}

/* Fill the working matrix (lf->lu or lf->lus) with T; when x must be
 * computed (Z tables without x), also lf->x = T 1 + Y 1.  The reads are
 * sequential (HDF5); the per-row work of each block runs on all threads
 * while the block is still in cache.  W: a block buffer for mixed mode. */
static emb_status load_T(emb_leontief *lf, const emb_table *t, int need_rowsums, double *W,
                         double *sums)
{
    size_t N = t->N, nb = emb_lf_block_rows(N);
    for (size_t r0 = 0; r0 < N; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        double *blk = lf->lu ? lf->lu + r0 * N : W;
        emb_status st = emb_table_tech_rows(t, r0, n, blk);
        if (st)
            return st;
        if (!need_rowsums && lf->lu)
            continue; /* finiteness is checked while forming I - A */
        load_job j = {blk, N, sums + r0, lf->lus ? lf->lus + r0 * N : NULL};
        emb_parallel_for(n, 8, emb_parallel_threads(), load_range, &j); /* no per-thread state */
        for (size_t i = r0; i < r0 + n; i++) {
            if (!isfinite(sums[i])) {
                const double *row = blk + (i - r0) * N;
                size_t c = 0;
                while (c < N && isfinite(row[c]) && !(lf->lus && fabs(row[c]) > FLT_MAX))
                    c++;
                if (c < N && isfinite(row[c])) /* finite, beyond float */
                    return emb_raise(EMB_ENUMERIC, "%s: value %.17g at row %zu (%s/%s), column "
                                                   "%zu is beyond single-precision range: use "
                                                   "--solver dense", tp(t), row[c], i,
                                     t->regions[i / t->n_s], t->sectors[i % t->n_s], c);
                return emb_lf_bad_row(t, i);
            }
            if (need_rowsums)
                lf->x[i] = sums[i] + emb_output_fd_total(t, i);
        }
    }
    return EMB_OK;
}

/* In place, rows [begin, end): T -> I - A with A = Z diag(1/x) or A = T;
 * the absolute row sums (inf-norm candidates, also the NaN/Inf check) and
 * this thread's absolute column sums of I - A (1-norm) and column sums of A
 * (productivity).  Double or float storage; sums in double either way. */
typedef struct form_job {
    double *lu;
    float *lus;
    const double *rinv; /* NULL for A tables */
    size_t N;
    double *rowabs;     /* [N] */
    double *colabs;     /* [nthreads][2N]: |I - A| column sums, then A column sums */
    int *negA;          /* [nthreads]: A has a negative entry in this thread's rows */
} form_job;

static void form_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    const form_job *j = ctx;
    size_t N = j->N;
    double *cs = j->colabs + (size_t)tid * 2 * N, *ca = cs + N;
    memset(cs, 0, 2 * N * sizeof *cs);
    for (size_t i = begin; i < end; i++) {
        double rs = 0;
        if (j->lu) {
            double *row = j->lu + i * N;
            if (j->rinv)
                for (size_t c = 0; c < N; c++)
                    row[c] = -row[c] * j->rinv[c];
            else
                for (size_t c = 0; c < N; c++)
                    row[c] = -row[c];
            row[i] += 1.0;
            int neg = 0;
            for (size_t c = 0; c < N; c++) {
                double a = fabs(row[c]);
                rs += a;
                cs[c] += a;
                ca[c] -= row[c];
                neg |= (row[c] > 0) & (c != i); /* a_ic = -row[c] < 0 */
            }
            neg |= row[i] > 1.0; /* a_ii = 1 - row[i] < 0 */
            j->negA[tid] |= neg;
            ca[i] += 1.0;
        } else {
            float *row = j->lus + i * N;
            for (size_t c = 0; c < N; c++) {
                double v = j->rinv ? -(double)row[c] * j->rinv[c] : -(double)row[c];
                if (c == i)
                    v += 1.0;
                row[c] = (float)v;
                double a = fabs(v);
                rs += a;
                cs[c] += a;
                ca[c] -= v;
                j->negA[tid] |= c == i ? v > 1.0 : v > 0;
            }
            ca[i] += 1.0;
        }
        j->rowabs[i] = rs;
    }
}

/* Form I - A on all threads; both norms; a row with NaN/Inf is an error. */
static emb_status form_I_minus_A(emb_leontief *lf, const emb_table *t, double *rowabs)
{
    size_t N = lf->N;
    unsigned nt = emb_parallel_threads();
    double *colabs = emb_alloc((size_t)nt * 2 * N, sizeof(double), "column norms");
    if (!colabs)
        return EMB_ENOMEM;
    int negA[EMB_MAX_THREADS] = {0};
    form_job j = {lf->lu, lf->lus, lf->tech == EMB_TECH_Z ? lf->rinv : NULL, N, rowabs, colabs,
                  negA};
    /* Ranges of whole rows: at least 16 rows per thread; the count that
     * sized colabs and negA, not a second reading of OpenBLAS's setting. */
    emb_parallel_for(N, 16, nt, form_range, &j);
    size_t used = (N + 15) / 16 < nt ? (N + 15) / 16 : nt;
    double ninf = 0, n1 = 0;
    for (size_t i = 0; i < N; i++) {
        if (!isfinite(rowabs[i])) {
            emb_free(colabs);
            return emb_lf_bad_row(t, i);
        }
        if (rowabs[i] > ninf)
            ninf = rowabs[i];
    }
    lf->st.max_colsum_A = 0;
    lf->st.n_colsum_ge1 = 0;
    for (size_t c = 0; c < N; c++) {
        double s = 0, a = 0;
        for (size_t u = 0; u < used; u++) {
            s += colabs[u * 2 * N + c];
            a += colabs[u * 2 * N + N + c];
        }
        if (s > n1)
            n1 = s;
        lf->colA[c] = a;
        if (c == 0 || a > lf->st.max_colsum_A)
            lf->st.max_colsum_A = a, lf->st.worst_column = c;
        lf->st.n_colsum_ge1 += a >= 1.0;
    }
    emb_free(colabs);
    lf->a_nonneg = 1;
    for (unsigned u = 0; u < nt; u++)
        lf->a_nonneg &= !negA[u];
    lf->anorm_inf = ninf;
    lf->anorm_one = n1;
    return EMB_OK;
}

/* x, 1/x and I - A in the working matrix (leontief_impl.h). */
emb_status emb_lf_build(emb_leontief *lf, double *W)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    double *rowabs = emb_alloc(N, sizeof(double), "row norms");
    if (!rowabs)
        return EMB_ENOMEM;
    emb_status st;
    int have_x = t->x != NULL;
    if (have_x)
        memcpy(lf->x, t->x, N * sizeof(double));
    int need_rowsums = !have_x && t->tech_kind == EMB_TECH_Z;
    if ((st = load_T(lf, t, need_rowsums, W, rowabs)))
        goto done;
    int x_known = have_x || t->tech_kind == EMB_TECH_Z;
    if (need_rowsums && (st = emb_output_screen(t, lf->x, NULL, &lf->st.n_negative_x)))
        goto done;
    if (have_x && (st = emb_output_check_given(t, lf->x)))
        goto done;
    emb_output_rinv(lf->x, N, x_known, lf->rinv);
    if ((st = form_I_minus_A(lf, t, rowabs)))
        goto done;
    lf->st.anorm1 = lf->anorm_one;
done:
    emb_free(rowabs);
    return st;
}

/* lf->colA[j] = sum_i A_ij and the stats on it, from the table's storage:
 * the CSR entries, or T streamed in row blocks. */
emb_status emb_lf_table_colsums(emb_leontief *lf)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    const double *scale = t->tech_kind == EMB_TECH_Z ? lf->rinv : NULL;
    if (t->csr) {
        const emb_csr *m = t->csr;
        for (size_t i = 0; i < N; i++)
            for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
                lf->colA[m->indices[p]] += m->data[p];
    } else {
        size_t nb = emb_lf_block_rows(N);
        double *W = emb_alloc(nb * N, sizeof(double), "row block");
        if (!W)
            return EMB_ENOMEM;
        for (size_t r0 = 0; r0 < N; r0 += nb) {
            size_t n = r0 + nb > N ? N - r0 : nb;
            emb_status st = emb_table_tech_rows(t, r0, n, W);
            if (st) {
                emb_free(W);
                return st;
            }
            for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < N; c++)
                    lf->colA[c] += W[i * N + c];
        }
        emb_free(W);
    }
    lf->st.max_colsum_A = 0;
    lf->st.n_colsum_ge1 = 0;
    for (size_t c = 0; c < N; c++) {
        if (scale)
            lf->colA[c] *= scale[c];
        if (c == 0 || lf->colA[c] > lf->st.max_colsum_A)
            lf->st.max_colsum_A = lf->colA[c], lf->st.worst_column = c;
        lf->st.n_colsum_ge1 += lf->colA[c] >= 1.0;
    }
    return EMB_OK;
}

/* Some column of A sums to >= 1 (a sector whose inputs cost at least its
 * output).  That alone does not make the economy unproductive; what does is
 * spectral radius >= 1, i.e. (I - A)^-1 not non-negative.  One solve with a
 * positive right-hand side tells: v = (I - A)^-1 1 must be >= 0.  If it is
 * not, the error names the columns with the largest sums. */
/* v = (I - A)^-1 1: its smallest and largest entries (NaN/Inf count as -Inf
 * and Inf). */
emb_status emb_lf_ones_solve(emb_leontief *lf, double *vmin, double *vmax)
{
    size_t N = lf->N;
    double *v = emb_alloc(N, sizeof(double), "(I - A)^-1 1");
    if (!v)
        return EMB_ENOMEM;
    for (size_t i = 0; i < N; i++)
        v[i] = 1.0;
    emb_status st = emb_lf_apply(lf, 0, 1, v, N, NULL);
    *vmax = 0, *vmin = 0;
    for (size_t i = 0; i < N && st == EMB_OK; i++) {
        *vmax = isfinite(v[i]) ? fmax(*vmax, fabs(v[i])) : INFINITY;
        *vmin = isfinite(v[i]) ? fmin(*vmin, v[i]) : -INFINITY;
    }
    emb_free(v);
    return st;
}

emb_status emb_lf_check_productive(emb_leontief *lf)
{
    double vmin, vmax;
    emb_status st = emb_lf_ones_solve(lf, &vmin, &vmax);
    if (st || vmin >= -1e-9 * vmax)
        return st;
    return emb_lf_not_productive(lf);
}

/* The error, naming the columns of A with the largest sums. */
emb_status emb_lf_not_productive(emb_leontief *lf)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    /* Up to three worst columns, for the message. */
    size_t w[3] = {N, N, N};
    for (size_t c = 0; c < N; c++)
        for (int q = 0; q < 3; q++)
            if (w[q] == N || lf->colA[c] > lf->colA[w[q]]) {
                for (int r = 2; r > q; r--)
                    w[r] = w[r - 1];
                w[q] = c;
                break;
            }
    char cols[512] = "";
    size_t len = 0;
    for (int q = 0; q < 3 && w[q] < N && len < sizeof cols; q++)
        len += (size_t)snprintf(cols + len, sizeof cols - len, "%s%s/%s %.6g", q ? ", " : "",
                                t->regions[w[q] / t->n_s], t->sectors[w[q] % t->n_s],
                                lf->colA[w[q]]);
    return emb_raise(EMB_ENUMERIC, "%s: the economy is not productive: (I - A)^-1 has negative "
                                   "entries (spectral radius of A >= 1); %zu column(s) of A sum to "
                                   ">= 1, the largest: %s", tp(t), lf->st.n_colsum_ge1, cols);
}
