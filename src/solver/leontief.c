/* src/solver/leontief.c — the dense Leontief solver: I - A built in one N x N
 * buffer straight from the table's rows, LU-factorised in place by LAPACK
 * dgetrf, then solved for just the right-hand sides needed.  Also the
 * streamed residual check and the completion of x for A tables.
 *
 * Layout trick: the buffer is filled row-major with I - A.  LAPACK reads it as
 * a column-major matrix, i.e. as (I - A)^T; we factorise that, and use
 * trans = 'T' for (I - A) x = y and 'N' for (I - A)^T m = s.  No transposed
 * copy, no second N x N array.
 */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/parallel.h"
#include "core/plan.h"
#include "embodied/memory.h"
#include "solver/choose.h"
#include "solver/leontief_impl.h"
#include "solver/output.h"
#include "solver/sparse.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Mixed: refinement steps before giving up, and the factor by which each
 * step must shrink the worst residual (else it has stalled). */
#define MIXED_MAX_STEPS 10
#define MIXED_MIN_GAIN 4.0
#define MIXED_DEFAULT_TOL 1e-12
/* Sparse: the residual target.  The issue asks <= 1e-10; that is normwise,
 * and small entries (a 28 Gg flow among millions) then differ from dense by
 * more than 1e-9 relative.  1e-13 keeps every account of the WIOD reference
 * within 1e-9 of pymrio, for a few more passes per batch. */
#define SPARSE_DEFAULT_TOL 1e-13

static double now(void) { return emb_lf_now(); }
static emb_status lu_solve(emb_leontief *lf, char trans, size_t nrhs, double *B, size_t ldb);

static const char *tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

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

/* ---- building I - A --------------------------------------------------- */

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

/* Some column of A sums to >= 1 (a sector whose inputs cost at least its
 * output).  That alone does not make the economy unproductive; what does is
 * spectral radius >= 1, i.e. (I - A)^-1 not non-negative.  One solve with a
 * positive right-hand side tells: v = (I - A)^-1 1 must be >= 0.  If it is
 * not, the error names the columns with the largest sums. */
/* v = (I - A)^-1 1: its smallest and largest entries (NaN/Inf count as -Inf
 * and Inf). */
static emb_status ones_solve(emb_leontief *lf, double *vmin, double *vmax)
{
    size_t N = lf->N;
    double *v = emb_alloc(N, sizeof(double), "(I - A)^-1 1");
    if (!v)
        return EMB_ENOMEM;
    for (size_t i = 0; i < N; i++)
        v[i] = 1.0;
    emb_status st = lu_solve(lf, 'T', 1, v, N);
    *vmax = 0, *vmin = 0;
    for (size_t i = 0; i < N && st == EMB_OK; i++) {
        *vmax = isfinite(v[i]) ? fmax(*vmax, fabs(v[i])) : INFINITY;
        *vmin = isfinite(v[i]) ? fmin(*vmin, v[i]) : -INFINITY;
    }
    emb_free(v);
    return st;
}

static emb_status not_productive(emb_leontief *lf);

static emb_status check_productive(emb_leontief *lf)
{
    double vmin, vmax;
    emb_status st = ones_solve(lf, &vmin, &vmax);
    if (st || vmin >= -1e-9 * vmax)
        return st;
    return not_productive(lf);
}

/* The error, naming the columns of A with the largest sums. */
static emb_status not_productive(emb_leontief *lf)
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

/* Build I - A in the working matrix of lf (lu or lus, already allocated) and
 * LU-factorise it; lf->x and lf->rinv are set (x computed for Z tables
 * without x).  For an A table without x, x = (I - A)^-1 (Y 1) after the
 * factorisation. */
static emb_status build_and_factor(emb_leontief *lf)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    double t0 = now();
    emb_status st = EMB_ENOMEM;
    double *rowabs = emb_alloc(N, sizeof(double), "row norms");
    double *W = lf->lus ? emb_alloc(emb_lf_block_rows(N) * N, sizeof(double), "row block") : NULL;
    double *work = emb_alloc(4 * N, sizeof(double), "condition estimate workspace");
    float *swork = lf->lus ? emb_alloc(4 * N, sizeof(float), "condition estimate workspace") : NULL;
    lapack_int *iwork = emb_alloc(N, sizeof(lapack_int), "condition estimate workspace");
    if (!rowabs || (lf->lus && (!W || !swork)) || !work || !iwork)
        goto done;
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
    double t1 = now();
    /* The _work entry points: LAPACKE's plain ones first scan the whole
     * matrix for NaN (an O(N^2) pass already made while forming it). */
    lapack_int n = (lapack_int)N, info;
    if (lf->lu)
        info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, lf->lu, n, lf->ipiv);
    else
        info = LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, n, n, lf->lus, n, lf->ipiv);
    double t2 = now();
    if (info > 0) {
        size_t p = (size_t)info - 1;
        st = emb_raise(EMB_ENUMERIC, "%s: I - A is singular (zero pivot %zu, near region %s, sector "
                                     "%s): the economy is not productive (some column sums of A "
                                     "reach 1)", tp(t), p, t->regions[p / t->n_s], t->sectors[p % t->n_s]);
        goto done;
    } else if (info < 0) {
        st = emb_raise(EMB_EINTERNAL, "getrf: argument %d invalid", (int)-info);
        goto done;
    }
    /* The condition number.  For A >= 0 (every MRIO without negative
     * entries) and a productive economy, (I - A)^-1 >= 0, so its inf-norm is
     * exactly max_i ((I - A)^-1 1)_i: one solve, which also decides
     * productivity (that vector must be >= 0), instead of dgecon's several
     * passes over the factor.  Otherwise LAPACK's estimate (dgecon/sgecon on
     * the stored (I - A)^T in the 1-norm = I - A in the inf-norm). */
    if (lf->a_nonneg) {
        double vmin, vmax;
        if ((st = ones_solve(lf, &vmin, &vmax)))
            goto done;
        lf->st.rcond = vmax > 0 && isfinite(vmax) ? 1.0 / (lf->anorm_inf * vmax) : 0.0;
        lf->st.rcond_exact = 1;
        if (vmin < -1e-9 * vmax && (st = not_productive(lf)))
            goto done;
    } else {
        if (lf->lu) {
            double rcond = 0;
            info = LAPACKE_dgecon_work(LAPACK_COL_MAJOR, '1', n, lf->lu, n, lf->anorm_inf, &rcond,
                                       work, iwork);
            lf->st.rcond = info == 0 ? rcond : NAN;
        } else {
            float rcond = 0;
            info = LAPACKE_sgecon_work(LAPACK_COL_MAJOR, '1', n, lf->lus, n, (float)lf->anorm_inf,
                                       &rcond, swork, iwork);
            lf->st.rcond = info == 0 ? rcond : NAN;
        }
        if (lf->st.n_colsum_ge1 && (st = check_productive(lf)))
            goto done;
    }
    lf->st.seconds_build += t1 - t0;
    lf->st.seconds_factor += t2 - t1;
    st = EMB_OK;
    if (!x_known) {
        /* A table without x: x = (I - A)^-1 (Y 1). */
        for (size_t i = 0; i < N; i++)
            lf->x[i] = emb_output_fd_total(t, i);
        double res_d, res_t;
        if ((st = emb_leontief_solve_checked(lf, 1, lf->x, 0, NULL, &res_d, &res_t)))
            goto done;
        if ((st = emb_output_screen(t, lf->x, NULL, &lf->st.n_negative_x)))
            goto done;
        emb_output_rinv(lf->x, N, 1, lf->rinv);
    }
done:
    emb_free(rowabs), emb_free(W), emb_free(work), emb_free(swork), emb_free(iwork);
    return st;
}

/* ---- choosing the method ---------------------------------------------- */

const char *emb_solver_name(emb_solver_kind k)
{
    switch (k) {
    case EMB_SOLVER_AUTO: return "auto";
    case EMB_SOLVER_DENSE: return "dense";
    case EMB_SOLVER_MIXED: return "mixed";
    case EMB_SOLVER_SPARSE: return "sparse";
    }
    return "?";
}

emb_status emb_solver_parse(const char *s, emb_solver_kind *k)
{
    for (int i = EMB_SOLVER_AUTO; i <= EMB_SOLVER_SPARSE; i++)
        if (!strcmp(s, emb_solver_name((emb_solver_kind)i))) {
            *k = (emb_solver_kind)i;
            return EMB_OK;
        }
    return emb_raise(EMB_EUSAGE, "--solver '%s': expected dense, mixed, sparse or auto", s);
}

/* The memory the solver may plan for, and where that number came from. */
static double solver_limit(const emb_solver_opts *o, const char **origin)
{
    if (o && o->max_memory > 0) {
        *origin = "emb_solver_opts.max_memory";
        return o->max_memory;
    }
    *origin = emb_memory_limit_origin();
    return (double)emb_memory_limit();
}

/* The method (choose.c) from the table's storage and the limit; a refusal
 * raised with the table's path. */
static emb_status choose(emb_leontief *lf, const emb_solver_opts *o)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    const char *origin;
    double mem = solver_limit(o, &origin);
    emb_solver_storage storage = t->csr ? EMB_STORAGE_CSR : t->T ? EMB_STORAGE_DENSE
                                                                 : EMB_STORAGE_STREAMED;
    double density = t->csr ? (double)t->csr->nnz / ((double)N * (double)N) : 1.0;
    emb_solver_choice c;
    emb_status st = emb_solver_choose(N, storage, density, mem, origin, emb_parallel_threads(),
                                      o ? o->kind : EMB_SOLVER_AUTO, &c);
    snprintf(lf->st.explain, sizeof lf->st.explain, "%s", st ? "" : c.explain);
    lf->kind = lf->st.kind = c.kind;
    lf->max_memory = mem;
    lf->mem_origin = origin;
    return st ? emb_raise(st, "%s: %s", tp(t), c.explain) : EMB_OK;
}

/* Allocate the working matrix of the chosen precision. */
static emb_status alloc_work(emb_leontief *lf)
{
    size_t N = lf->N;
    if (lf->kind == EMB_SOLVER_MIXED)
        lf->lus = emb_alloc_big(N * N, sizeof(float), "Leontief matrix I - A (N x N, single)");
    else
        lf->lu = emb_alloc_big(N * N, sizeof(double), "Leontief matrix I - A (N x N)");
    return lf->lu || lf->lus ? EMB_OK : EMB_ENOMEM;
}

/* lf->colA[j] = sum_i A_ij and the stats on it, from the table's storage:
 * the CSR entries, or T streamed in row blocks. */
static emb_status table_colsums(emb_leontief *lf)
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

/* The sparse method: its own build (CSR of A, block-Jacobi preconditioner,
 * x as the dense path computes it); x, 1/x and the norms copied for the
 * common code. */
static emb_status create_sparse(emb_leontief *lf, const emb_solver_opts *o)
{
    size_t N = lf->N;
    emb_sparse_opts so;
    emb_sparse_defaults(&so);
    so.tol = o && o->tol > 0 ? o->tol : SPARSE_DEFAULT_TOL;
    lf->tol = so.tol;
    /* Its plan (sparse.h, "Memory"), before anything is built: A, A_O and
     * A_O^T as CSR (12 bytes a non-zero each; a dense table's non-zeros are
     * known only once read, so only a CSR table's count here: the copy grows
     * within the limit as it is built), the preconditioner's blocks and
     * inverses, a GMRES batch.  Under a tight limit the batch shrinks (fewer
     * right-hand sides in lockstep: more passes over A_O, same results)
     * before the plan is refused. */
    const emb_table *t = lf->t;
    const char *origin;
    double mem = solver_limit(o, &origin);
    double b = (double)(t->n_s < EMB_SPARSE_BLOCK_MAX ? t->n_s : EMB_SPARSE_BLOCK_MAX);
    double m = (double)so.restart, dN = (double)N;
    emb_plan p;
    for (;;) {
        double w = (double)((so.batch + 7) / 8 * 8);
        emb_plan_init(&p);
        if (t->csr)
            emb_plan_add(&p, "A, A_O, A_O^T as CSR", (double)t->csr->nnz, 3,
                         sizeof(double) + sizeof(uint32_t));
        emb_plan_add(&p, "preconditioner blocks", dN, b, 4 * sizeof(double));
        emb_plan_add(&p, "GMRES batch", dN, w * (m + 6), sizeof(double));
        emb_plan_add(&p, "vectors", dN, 8, sizeof(double));
        if (emb_plan_total(&p) <= mem || so.batch <= 8)
            break;
        so.batch /= 2;
    }
    emb_status st = emb_plan_check_against(&p, tp(t), "the sparse solver", mem, origin);
    if (st)
        return st;
    double t0 = now();
    st = emb_sparse_create(lf->t, &so, &lf->sp);
    if (st)
        return st;
    if (!(lf->x = emb_alloc(N, sizeof(double), "gross output x")) ||
        !(lf->rinv = emb_alloc(N, sizeof(double), "1/x")))
        return EMB_ENOMEM;
    memcpy(lf->x, emb_sparse_x(lf->sp), N * sizeof(double));
    for (size_t i = 0; i < N; i++)
        lf->rinv[i] = lf->x[i] > 0 ? 1.0 / lf->x[i] : 0.0;
    emb_sparse_info info;
    emb_sparse_get_info(lf->sp, &info);
    lf->anorm_inf = info.anorm_inf;
    lf->anorm_one = lf->st.anorm1 = info.anorm_one;
    lf->st.n_negative_x = info.n_negative_x;
    lf->st.rcond = NAN; /* no factorisation to estimate it from */
    lf->st.seconds_build = info.seconds_build;
    lf->st.seconds_factor = now() - t0 - info.seconds_build; /* the preconditioner */
    /* Column sums of A from the table (O(nnz) for a CSR table), then the
     * same productivity check as the factorised methods. */
    if (!(lf->colA = emb_calloc(N, sizeof(double), "column sums of A")))
        return EMB_ENOMEM;
    if ((st = table_colsums(lf)))
        return st;
    return lf->st.n_colsum_ge1 ? check_productive(lf) : EMB_OK;
}

/* Sparse solves of one set; the solver's own true residuals (double, from
 * the CSR) are the check. */
static emb_status sparse_solve(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                               double *res)
{
    *res = 0;
    if (nrhs == 0)
        return EMB_OK;
    emb_sparse_report rep;
    double t0 = now();
    emb_status st = emb_sparse_solve(lf->sp, trans, nrhs, B, ldb, &rep);
    lf->st.seconds_solve += now() - t0;
    lf->st.n_solves += nrhs;
    lf->st.n_passes += rep.passes;
    if (rep.iterations > lf->st.refinement_steps)
        lf->st.refinement_steps = rep.iterations;
    *res = rep.max_residual;
    return st;
}

emb_status emb_leontief_create(const emb_table *t, const emb_solver_opts *opts, emb_leontief **out)
{
    *out = NULL;
    size_t N = t->N;
    emb_leontief *lf = emb_calloc(1, sizeof *lf, "Leontief solver");
    if (!lf)
        return EMB_ENOMEM;
    lf->t = t;
    lf->N = N;
    lf->tech = t->tech_kind;
    lf->st.N = N;
    lf->st.requested = opts ? opts->kind : EMB_SOLVER_AUTO;
    lf->tol = opts && opts->tol > 0 ? opts->tol : MIXED_DEFAULT_TOL;
    emb_status st;
    if ((st = choose(lf, opts)))
        goto fail;
    if (lf->kind == EMB_SOLVER_SPARSE) {
        if ((st = create_sparse(lf, opts)))
            goto fail;
        *out = lf;
        return EMB_OK;
    }
    st = EMB_ENOMEM;
    if (!(lf->x = emb_alloc(N, sizeof(double), "gross output x")) ||
        !(lf->rinv = emb_alloc(N, sizeof(double), "1/x")) ||
        !(lf->ipiv = emb_alloc(N, sizeof(lapack_int), "pivots")) ||
        !(lf->colA = emb_alloc(N, sizeof(double), "column sums of A")) || (st = alloc_work(lf)))
        goto fail;
    if ((st = build_and_factor(lf)))
        goto fail;
    *out = lf;
    return EMB_OK;
fail:
    emb_leontief_free(lf);
    return st;
}

emb_status emb_leontief_factor(const emb_table *t, emb_leontief **out)
{
    emb_solver_opts o = {EMB_SOLVER_DENSE, 0, 0};
    return emb_leontief_create(t, &o, out);
}

const double *emb_leontief_x(const emb_leontief *lf) { return lf->x; }

/* ---- solving ------------------------------------------------------------ */

/* Triangular solves with the current factor: B := op(I - A)^-1 B, where the
 * stored matrix is (I - A)^T: trans 'T' solves with I - A, 'N' with its
 * transpose.  Mixed: through a float copy of B. */
static emb_status lu_solve(emb_leontief *lf, char trans, size_t nrhs, double *B, size_t ldb)
{
    if (nrhs == 0)
        return EMB_OK;
    size_t N = lf->N;
    emb_status st = emb_lf_check_counts("Leontief solve", N, nrhs, 0, ldb);
    if (st)
        return st;
    if (lf->sp) {
        double res;
        return sparse_solve(lf, trans == 'N', nrhs, B, ldb, &res);
    }
    if (!lf->lu && !lf->lus)
        return emb_raise(EMB_EUSAGE, "Leontief solve: the solver has no factor any more (its "
                                     "fallback to dense double failed: see the error it returned)");
    double t0 = now();
    lapack_int n = (lapack_int)N, info;
    if (lf->lu) {
        info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans, n, (lapack_int)nrhs, lf->lu, n,
                                   lf->ipiv, B, (lapack_int)ldb);
    } else {
        float *Bs = emb_alloc(N * nrhs, sizeof(float), "single-precision right-hand sides");
        if (!Bs)
            return EMB_ENOMEM;
        for (size_t c = 0; c < nrhs; c++)
            for (size_t i = 0; i < N; i++)
                Bs[c * N + i] = (float)B[c * ldb + i];
        info = LAPACKE_sgetrs_work(LAPACK_COL_MAJOR, trans, n, (lapack_int)nrhs, lf->lus, n,
                                   lf->ipiv, Bs, n);
        for (size_t c = 0; c < nrhs; c++)
            for (size_t i = 0; i < N; i++)
                B[c * ldb + i] = Bs[c * N + i];
        emb_free(Bs);
    }
    lf->st.seconds_solve += now() - t0;
    lf->st.n_solves += nrhs;
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "getrs: argument %d invalid", (int)-info);
    return EMB_OK;
}

static double vecmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m || isnan(v[i]) ? (isnan(v[i]) ? INFINITY : v[i]) : m;
    return m;
}

/* Replace the single-precision factor by the dense double one (after a
 * stalled refinement).  Planned like any method, before anything is freed:
 * the double factor plus what stays live beside it (`live` bytes of the
 * caller's solve, the solver's vectors) must fit max_memory, else a clean
 * EMB_ENOMEM and the mixed solver is kept as it was.  Then the float matrix
 * is freed first, so peak memory stays that of dense; if the double one
 * cannot be allocated or built, the solver is left without a factor (its
 * solves then say so) but valid to free. */
static emb_status fall_back_to_dense(emb_leontief *lf, double worst, size_t step, double live)
{
    const emb_table *t = lf->t;
    size_t N = lf->N, NN;
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_add(&p, "Leontief factor I - A, N x N double", (double)N, (double)N, sizeof(double));
    emb_plan_add(&p, "right-hand sides and residuals", live, 1, 1);
    emb_plan_add(&p, "vectors", (double)N, 10, sizeof(double));
    double need = emb_plan_total(&p);
    if (emb_mul_overflows(N, N, &NN) || (lf->max_memory > 0 && need > lf->max_memory)) {
        char b[32], f[32], l[32];
        return emb_raise(EMB_ENOMEM, "%s: mixed precision stalled (relative residual %.2e after "
                                     "%zu refinement step(s)) and dense double does not fit the "
                                     "memory limit: it needs %s (the N x N double factor %s, "
                                     "N = %zu, and the solve's arrays) but the limit is %s (%s)",
                         tp(t), worst, step, emb_fmt_bytes(need, b, sizeof b),
                         emb_fmt_bytes((double)N * (double)N * 8.0, f, sizeof f), N,
                         emb_fmt_bytes(lf->max_memory, l, sizeof l), lf->mem_origin);
    }
    size_t len = strlen(lf->st.explain);
    snprintf(lf->st.explain + len, sizeof lf->st.explain - len,
             "; refinement stalled at relative residual %.2e after %zu step(s): fell back to dense",
             worst, step);
    emb_free(lf->lus);
    lf->lus = NULL;
    lf->kind = lf->st.kind = EMB_SOLVER_DENSE;
    lf->st.fell_back = 1;
    emb_status st = EMB_ENOMEM;
    if ((lf->lu = emb_alloc_big(NN, sizeof(double), "Leontief matrix I - A (N x N)")) &&
        (st = build_and_factor(lf)) == EMB_OK)
        return EMB_OK;
    emb_free(lf->lu); /* a half-built matrix must not be solved with */
    lf->lu = NULL;
    if (st == EMB_ENOMEM) {
        char why[512]; /* the allocator's message, copied: emb_raise rewrites that buffer */
        snprintf(why, sizeof why, "%s", emb_errmsg());
        return emb_raise(EMB_ENOMEM, "%s: mixed precision stalled (relative residual %.2e after "
                                     "%zu refinement step(s)) and the dense double fallback could "
                                     "not be allocated (%s)", tp(t), worst, step, why);
    }
    return st;
}

emb_status emb_leontief_solve_checked(emb_leontief *lf, size_t nd, double *Xd, size_t nt,
                                      double *Xt, double *res_d, double *res_t)
{
    size_t N = lf->N;
    *res_d = *res_t = 0;
    if (nd == 0 && nt == 0)
        return EMB_OK;
    emb_status st = emb_lf_check_counts("emb_leontief_solve_checked", N, nd, nt, N);
    if (st)
        return st;
    size_t nc = nd + nt; /* N nc doubles: checked just above */
    if (lf->sp) {
        st = sparse_solve(lf, 0, nd, Xd, N, res_d);
        return st ? st : sparse_solve(lf, 1, nt, Xt, N, res_t);
    }
    st = EMB_ENOMEM;
    /* B: the right-hand sides (kept); R: residuals, then corrections. */
    double *B = emb_alloc(N * nc, sizeof(double), "right-hand sides (copy)");
    double *R = lf->lus ? emb_alloc(N * nc, sizeof(double), "refinement residuals") : NULL;
    double *rel = emb_alloc(nc, sizeof(double), "relative residuals");
    if (!B || !rel || (lf->lus && !R))
        goto done;
    if (nd)
        memcpy(B, Xd, N * nd * sizeof(double));
    if (nt)
        memcpy(B + N * nd, Xt, N * nt * sizeof(double));
    double *Bd = B, *Bt = B + N * nd;
    if ((st = lu_solve(lf, 'T', nd, Xd, N)) || (st = lu_solve(lf, 'N', nt, Xt, N)))
        goto done;
    if (!lf->lus) { /* dense: one check */
        st = emb_lf_residual_pass(lf, nd, Xd, Bd, NULL, rel, nt, Xt, Bt, NULL, rel + nd);
        goto done;
    }
    /* Mixed: x += (LU_s)^-1 (b - (I - A) x), residuals in double from T. */
    double prev = INFINITY;
    for (size_t step = 0;; step++) {
        double *Rd = R, *Rt = R + N * nd;
        if ((st = emb_lf_residual_pass(lf, nd, Xd, Bd, Rd, rel, nt, Xt, Bt, Rt, rel + nd)))
            goto done;
        double worst = vecmax(rel, nc);
        if (step > lf->st.refinement_steps)
            lf->st.refinement_steps = step;
        if (worst <= lf->tol)
            break;
        if (step >= MIXED_MAX_STEPS || !(worst * MIXED_MIN_GAIN <= prev)) {
            if ((st = fall_back_to_dense(lf, worst, step, 2.0 * 8.0 * (double)N * (double)nc)))
                goto done;
            if (nd)
                memcpy(Xd, Bd, N * nd * sizeof(double));
            if (nt)
                memcpy(Xt, Bt, N * nt * sizeof(double));
            if ((st = lu_solve(lf, 'T', nd, Xd, N)) || (st = lu_solve(lf, 'N', nt, Xt, N)))
                goto done;
            st = emb_lf_residual_pass(lf, nd, Xd, Bd, NULL, rel, nt, Xt, Bt, NULL, rel + nd);
            goto done;
        }
        prev = worst;
        if ((st = lu_solve(lf, 'T', nd, Rd, N)) || (st = lu_solve(lf, 'N', nt, Rt, N)))
            goto done;
        for (size_t i = 0; i < N * nd; i++)
            Xd[i] += Rd[i];
        for (size_t i = 0; i < N * nt; i++)
            Xt[i] += Rt[i];
    }
done:
    if (st == EMB_OK) {
        *res_d = vecmax(rel, nd);
        *res_t = vecmax(rel + nd, nt);
    }
    emb_free(B), emb_free(R), emb_free(rel);
    return st;
}

/* Dense: triangular solves only.  Mixed: refined (solve_checked), since an
 * unrefined single-precision answer is never what a caller wants. */
static emb_status solve_one_set(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb)
{
    if (lf->lu || lf->sp || nrhs == 0)
        return lu_solve(lf, trans ? 'N' : 'T', nrhs, B, ldb);
    size_t N = lf->N;
    emb_status st = emb_lf_check_counts(trans ? "emb_leontief_tsolve" : "emb_leontief_solve", N,
                                        nrhs, 0, ldb);
    if (st)
        return st;
    double *X = B, rd, rt;
    if (ldb != N && !(X = emb_alloc(N * nrhs, sizeof(double), "right-hand sides")))
        return EMB_ENOMEM;
    if (X != B)
        for (size_t c = 0; c < nrhs; c++)
            memcpy(X + c * N, B + c * ldb, N * sizeof(double));
    st = trans ? emb_leontief_solve_checked(lf, 0, NULL, nrhs, X, &rd, &rt)
               : emb_leontief_solve_checked(lf, nrhs, X, 0, NULL, &rd, &rt);
    if (X != B) {
        for (size_t c = 0; c < nrhs && st == EMB_OK; c++)
            memcpy(B + c * ldb, X + c * N, N * sizeof(double));
        emb_free(X);
    }
    return st;
}

emb_status emb_leontief_solve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    return solve_one_set(lf, 0, nrhs, B, ldb);
}

emb_status emb_leontief_tsolve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    return solve_one_set(lf, 1, nrhs, B, ldb);
}

emb_status emb_leontief_residuals(emb_leontief *lf, const emb_table *t, size_t nrhs_d,
                                  const double *Xd, const double *Bd, size_t nrhs_t,
                                  const double *Xt, const double *Bt, double *res_direct,
                                  double *res_trans)
{
    *res_direct = *res_trans = 0;
    if (t != lf->t)
        return emb_raise(EMB_EUSAGE, "emb_leontief_residuals: not the table the solver was made "
                                     "from");
    if (nrhs_d == 0 && nrhs_t == 0)
        return EMB_OK;
    emb_status st = emb_lf_check_counts("emb_leontief_residuals", lf->N, nrhs_d, nrhs_t, lf->N);
    if (st)
        return st;
    size_t nc = nrhs_d + nrhs_t;
    double *rel = emb_alloc(nc, sizeof(double), "relative residuals");
    if (!rel)
        return EMB_ENOMEM;
    st = emb_lf_residual_pass(lf, nrhs_d, Xd, Bd, NULL, rel, nrhs_t, Xt, Bt, NULL, rel + nrhs_d);
    if (st == EMB_OK) {
        *res_direct = vecmax(rel, nrhs_d);
        *res_trans = vecmax(rel + nrhs_d, nrhs_t);
    }
    emb_free(rel);
    return st;
}

void emb_leontief_get_stats(const emb_leontief *lf, emb_solver_stats *st) { *st = lf->st; }

void emb_leontief_free(emb_leontief *lf)
{
    if (!lf)
        return;
    emb_free(lf->lu);
    emb_free(lf->lus);
    emb_sparse_free(lf->sp);
    emb_free(lf->ipiv);
    emb_free(lf->x);
    emb_free(lf->rinv);
    emb_free(lf->colA);
    emb_free(lf);
}
