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
#include "embodied/solver.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct emb_leontief {
    size_t N;
    double *lu;         /* [N][N]: I - A row-major, then its LU factors */
    lapack_int *ipiv;   /* [N] */
    double *x;          /* [N] gross output used */
    double *rinv;       /* [N] 1/x with 1/0 := 0 */
    emb_tech_kind kind;
    double anorm_inf;   /* ||I - A||_inf */
    double anorm_one;   /* ||I - A||_1 */
    emb_solver_stats st;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

/* Refuse sizes LAPACK cannot index or the machine cannot hold, before
 * allocating (N*N*8 overflow and out-of-memory are user errors). */
static emb_status check_size(const emb_table *t)
{
    size_t N = t->N, NN, bytes;
    if (N > (size_t)INT_MAX)
        return emb_raise(EMB_ENOMEM, "%s: N = %zu industries exceeds LAPACK's 32-bit index limit "
                                     "(%d)", tp(t), N, INT_MAX);
    if (emb_mul_overflows(N, N, &NN) || emb_mul_overflows(NN, sizeof(double), &bytes))
        return emb_raise(EMB_ENOMEM, "%s: N = %zu: an N x N matrix overflows the address space",
                         tp(t), N);
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0) {
        double phys = (double)pages * (double)psize;
        if ((double)bytes > phys)
            return emb_raise(EMB_ENOMEM, "%s: the Leontief factor needs %.2f GiB (N = %zu), more "
                                         "than this machine's %.2f GiB of memory",
                             tp(t), (double)bytes / 1073741824.0, N, phys / 1073741824.0);
    }
    return EMB_OK;
}

/* Locate the first non-finite entry of row i of T (called only when a sum
 * over the row was not finite, so the common path pays nothing; the row is
 * read again because the working copy may already be scaled). */
static emb_status bad_row(const emb_table *t, size_t i)
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

/* Y 1 for row i. */
static double fd_total(const emb_table *t, size_t i)
{
    double s = 0;
    const double *y = t->Y + i * t->n_y;
    for (size_t c = 0; c < t->n_y; c++)
        s += y[c];
    return s;
}

static emb_status negative_x(const emb_table *t, size_t i, double v)
{
    return emb_raise(EMB_EINPUT, "%s: gross output x = Z 1 + Y 1 is negative (%.17g) at row %zu "
                                 "(region %s, sector %s) and the sector buys inputs; output must be "
                                 ">= 0", tp(t), v, i, t->regions[i / t->n_s], t->sectors[i % t->n_s]);
}

/* Computed x_i < 0 happens in real data (WIOD 2009: LUX c5 and c8 have no
 * inputs, no sales and an inventory change of -1 from rounding).  Such a
 * sector buys nothing, so it produces nothing: it is treated as a zero-output
 * sector (1/x := 0, as pymrio's A and S are zero there too) and counted.  A
 * sector with negative x that does buy inputs is an input error.
 * `colabs` = column sums of |T| (N), or NULL to scan the buffer `T` (ld N). */
static emb_status screen_negative_x(const emb_table *t, double *x, const double *colabs,
                                    const double *T, size_t *n_neg)
{
    size_t N = t->N;
    *n_neg = 0;
    for (size_t j = 0; j < N; j++) {
        if (!(x[j] < 0))
            continue;
        double c = 0;
        if (colabs)
            c = colabs[j];
        else
            for (size_t i = 0; i < N; i++)
                c += fabs(T[i * N + j]);
        if (c != 0)
            return negative_x(t, j, x[j]);
        (*n_neg)++;
    }
    return EMB_OK;
}

/* Rows of T per streaming block: about 16 MiB, at least 1. */
static size_t block_rows(size_t N)
{
    size_t nb = (16u << 20) / (N * sizeof(double) + 1);
    return nb < 1 ? 1 : nb > N ? N : nb;
}

/* Row sums of rows [begin, end) of the working buffer into sums[]; NaN/Inf
 * rows give a non-finite sum, found by the caller. */
typedef struct rowsum_job {
    const double *T;
    size_t N;
    double *sums;
} rowsum_job;

static void rowsum_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    (void)tid;
    const rowsum_job *j = ctx;
    for (size_t i = begin; i < end; i++) {
        const double *row = j->T + i * j->N;
        double s = 0;
        for (size_t c = 0; c < j->N; c++)
            s += row[c];
        j->sums[i] = s;
    }
}

/* Fill lf->lu with T; when x must be computed (Z tables without x), also
 * lf->x = T 1 + Y 1 and the finiteness check (otherwise form_I_minus_A
 * checks).  The reads are sequential (HDF5); the row sums of each block run
 * on all threads while the block is still in cache. */
static emb_status load_T(emb_leontief *lf, const emb_table *t, int need_rowsums)
{
    size_t N = t->N, nb = block_rows(N);
    for (size_t r0 = 0; r0 < N; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        emb_status st = emb_table_tech_rows(t, r0, n, lf->lu + r0 * N);
        if (st)
            return st;
        if (!need_rowsums)
            continue;
        rowsum_job j = {lf->lu + r0 * N, N, lf->x + r0};
        emb_parallel_for(n, 8, rowsum_range, &j);
        for (size_t i = r0; i < r0 + n; i++) {
            if (!isfinite(lf->x[i]))
                return bad_row(t, i);
            lf->x[i] += fd_total(t, i);
        }
    }
    return EMB_OK;
}

/* In place, rows [begin, end): T -> I - A with A = Z diag(1/x) or A = T;
 * the absolute row sums (inf-norm candidates, also the NaN/Inf check) and
 * this thread's absolute column sums (1-norm). */
typedef struct form_job {
    double *lu;
    const double *rinv; /* NULL for A tables */
    size_t N;
    double *rowabs;     /* [N] */
    double *colabs;     /* [nthreads][N] */
} form_job;

static void form_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    const form_job *j = ctx;
    size_t N = j->N;
    double *cs = j->colabs + (size_t)tid * N;
    memset(cs, 0, N * sizeof *cs);
    for (size_t i = begin; i < end; i++) {
        double *row = j->lu + i * N, rs = 0;
        if (j->rinv)
            for (size_t c = 0; c < N; c++)
                row[c] = -row[c] * j->rinv[c];
        else
            for (size_t c = 0; c < N; c++)
                row[c] = -row[c];
        row[i] += 1.0;
        for (size_t c = 0; c < N; c++) {
            double a = fabs(row[c]);
            rs += a;
            cs[c] += a;
        }
        j->rowabs[i] = rs;
    }
}

/* Form I - A on all threads; both norms; a row with NaN/Inf is an error. */
static emb_status form_I_minus_A(emb_leontief *lf, const emb_table *t, double *rowabs)
{
    size_t N = lf->N;
    unsigned nt = emb_parallel_threads();
    double *colabs = emb_alloc((size_t)nt * N, sizeof(double), "column norms");
    if (!colabs)
        return EMB_ENOMEM;
    form_job j = {lf->lu, lf->kind == EMB_TECH_Z ? lf->rinv : NULL, N, rowabs, colabs};
    /* Ranges of whole rows: at least 16 rows per thread. */
    emb_parallel_for(N, 16, form_range, &j);
    size_t used = N < 16 * (size_t)nt ? (N + 15) / 16 : nt;
    double ninf = 0, n1 = 0;
    for (size_t i = 0; i < N; i++) {
        if (!isfinite(rowabs[i])) {
            emb_free(colabs);
            return bad_row(t, i);
        }
        if (rowabs[i] > ninf)
            ninf = rowabs[i];
    }
    for (size_t c = 0; c < N; c++) {
        double s = 0;
        for (size_t u = 0; u < used && u < nt; u++)
            s += colabs[u * N + c];
        if (s > n1)
            n1 = s;
    }
    emb_free(colabs);
    lf->anorm_inf = ninf;
    lf->anorm_one = n1;
    return EMB_OK;
}

emb_status emb_leontief_factor(const emb_table *t, emb_leontief **out)
{
    *out = NULL;
    emb_status st = check_size(t);
    if (st)
        return st;
    size_t N = t->N;
    double t0 = now();
    emb_leontief *lf = emb_calloc(1, sizeof *lf, "Leontief solver");
    if (!lf)
        return EMB_ENOMEM;
    lf->N = N;
    lf->kind = t->tech_kind;
    lf->st.N = N;
    double *colsum = NULL; /* [N] absolute row sums of I - A, then a work vector */
    if (!(lf->x = emb_alloc(N, sizeof(double), "gross output x")) ||
        !(lf->rinv = emb_alloc(N, sizeof(double), "1/x")) ||
        !(lf->ipiv = emb_alloc(N, sizeof(lapack_int), "pivots")) ||
        !(colsum = emb_alloc(N, sizeof(double), "row norms")) ||
        !(lf->lu = emb_alloc_big(N * N, sizeof(double), "Leontief matrix I - A (N x N)"))) {
        st = EMB_ENOMEM;
        goto fail;
    }
    int have_x = t->x != NULL;
    if (have_x)
        memcpy(lf->x, t->x, N * sizeof(double));
    if ((st = load_T(lf, t, !have_x && t->tech_kind == EMB_TECH_Z)))
        goto fail;
    int x_known = have_x || t->tech_kind == EMB_TECH_Z;
    if (!have_x && x_known &&
        (st = screen_negative_x(t, lf->x, NULL, lf->lu, &lf->st.n_negative_x)))
        goto fail;
    for (size_t i = 0; i < N; i++) {
        if (have_x && (lf->x[i] < 0 || !isfinite(lf->x[i]))) {
            st = emb_raise(EMB_EINPUT, "%s: dataset /x: output %.17g at row %zu (region %s, sector "
                                       "%s) must be finite and >= 0", tp(t), lf->x[i], i,
                           t->regions[i / t->n_s], t->sectors[i % t->n_s]);
            goto fail;
        }
        lf->rinv[i] = x_known && lf->x[i] > 0 ? 1.0 / lf->x[i] : 0.0;
    }
    if ((st = form_I_minus_A(lf, t, colsum)))
        goto fail;
    lf->st.anorm1 = lf->anorm_one;
    double t1 = now();
    /* The _work entry points: LAPACKE's plain ones first scan the whole
     * matrix for NaN (an O(N^2) pass we already made while forming it). */
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)N,
                                          lf->lu, (lapack_int)N, lf->ipiv);
    double t2 = now();
    if (info > 0) {
        size_t p = (size_t)info - 1;
        st = emb_raise(EMB_ENUMERIC, "%s: I - A is singular (zero pivot %zu, near region %s, sector "
                                     "%s): the economy is not productive (some column sums of A "
                                     "reach 1)", tp(t), p, t->regions[p / t->n_s], t->sectors[p % t->n_s]);
        goto fail;
    } else if (info < 0) {
        st = emb_raise(EMB_EINTERNAL, "dgetrf: argument %d invalid", (int)-info);
        goto fail;
    }
    /* rcond of the stored (I - A)^T in the 1-norm = rcond of I - A in the inf-norm. */
    double rcond = 0;
    double *work = emb_alloc(4 * N, sizeof(double), "dgecon workspace");
    lapack_int *iwork = emb_alloc(N, sizeof(lapack_int), "dgecon workspace");
    if (!work || !iwork) {
        emb_free(work), emb_free(iwork);
        st = EMB_ENOMEM;
        goto fail;
    }
    info = LAPACKE_dgecon_work(LAPACK_COL_MAJOR, '1', (lapack_int)N, lf->lu, (lapack_int)N,
                               lf->anorm_inf, &rcond, work, iwork);
    emb_free(work), emb_free(iwork);
    lf->st.rcond = info == 0 ? rcond : NAN;
    lf->st.seconds_build = t1 - t0;
    lf->st.seconds_factor = t2 - t1;
    if (!x_known) {
        /* A table without x: x = (I - A)^-1 (Y 1). */
        for (size_t i = 0; i < N; i++)
            lf->x[i] = fd_total(t, i);
        if ((st = emb_leontief_solve(lf, 1, lf->x, N)))
            goto fail;
        for (size_t i = 0; i < N; i++) {
            if (lf->x[i] < 0 && lf->x[i] > -1e-9 * lf->anorm_one)
                lf->x[i] = 0; /* rounding of a zero-output sector */
            if (lf->x[i] < 0) {
                st = emb_raise(EMB_EINPUT, "%s: gross output x = (I - A)^-1 (Y 1) is negative "
                                           "(%.17g) at row %zu (region %s, sector %s)", tp(t),
                               lf->x[i], i, t->regions[i / t->n_s], t->sectors[i % t->n_s]);
                goto fail;
            }
            lf->rinv[i] = lf->x[i] > 0 ? 1.0 / lf->x[i] : 0.0;
        }
    }
    emb_free(colsum);
    *out = lf;
    return EMB_OK;
fail:
    emb_free(colsum);
    emb_leontief_free(lf);
    return st;
}

const double *emb_leontief_x(const emb_leontief *lf) { return lf->x; }

static emb_status solve(emb_leontief *lf, char trans, size_t nrhs, double *B, size_t ldb)
{
    if (nrhs == 0)
        return EMB_OK;
    if (ldb < lf->N || nrhs > (size_t)INT_MAX || ldb > (size_t)INT_MAX)
        return emb_raise(EMB_EUSAGE, "Leontief solve: %zu right-hand sides with leading dimension "
                                     "%zu (N = %zu)", nrhs, ldb, lf->N);
    double t0 = now();
    lapack_int info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans, (lapack_int)lf->N,
                                          (lapack_int)nrhs, lf->lu, (lapack_int)lf->N, lf->ipiv, B,
                                          (lapack_int)ldb);
    lf->st.seconds_solve += now() - t0;
    lf->st.n_solves += nrhs;
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "dgetrs: argument %d invalid", (int)-info);
    return EMB_OK;
}

/* (I - A) = stored^T: trans 'T'.  (I - A)^T = stored: 'N'. */
emb_status emb_leontief_solve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    return solve(lf, 'T', nrhs, B, ldb);
}

emb_status emb_leontief_tsolve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    return solve(lf, 'N', nrhs, B, ldb);
}

static double colmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > m || isnan(v[i]))
            m = isnan(v[i]) ? INFINITY : fabs(v[i]);
    return m;
}

/* Residual pass context: A = T diag(rinv) is never formed; the scaling is
 * folded into the right-hand sides instead (A X = T (diag(rinv) X),
 * A^T m = diag(rinv) (T^T m)), so each block of T goes straight from the
 * file into two dgemm calls. */
emb_status emb_leontief_residuals(emb_leontief *lf, const emb_table *t,
                                  size_t nrhs_d, const double *Xd, const double *Bd,
                                  size_t nrhs_t, const double *Xt, const double *Bt,
                                  double *res_direct, double *res_trans)
{
    size_t N = lf->N, nb = block_rows(N);
    *res_direct = *res_trans = 0;
    if (nrhs_d == 0 && nrhs_t == 0)
        return EMB_OK;
    double t0 = now();
    int scaled = lf->kind == EMB_TECH_Z;
    emb_status st = EMB_ENOMEM;
    double *W = emb_alloc(nb * N, sizeof(double), "residual block");
    double *P = emb_alloc(nb * (nrhs_d ? nrhs_d : 1), sizeof(double), "residual products");
    double *Acc = emb_calloc(N * (nrhs_t ? nrhs_t : 1), sizeof(double), "residual A^T m");
    double *Rd = emb_alloc(N * (nrhs_d ? nrhs_d : 1), sizeof(double), "residual vectors");
    double *Xs = scaled ? emb_alloc(N * (nrhs_d ? nrhs_d : 1), sizeof(double), "scaled solutions")
                        : NULL;
    if (!W || !P || !Acc || !Rd || (scaled && !Xs))
        goto done;
    const double *Xa = Xd; /* what T's blocks multiply */
    if (scaled && nrhs_d) {
        for (size_t c = 0; c < nrhs_d; c++)
            for (size_t i = 0; i < N; i++)
                Xs[c * N + i] = Xd[c * N + i] * lf->rinv[i];
        Xa = Xs;
    }
    for (size_t r0 = 0; r0 < N; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if ((st = emb_table_tech_rows(t, r0, n, W)))
            goto done;
        /* W (row-major n x N, T's rows r0..) is column-major N x n = T_blk^T. */
        if (nrhs_d) {
            /* P = T_blk Xa = A_blk X  (n x nrhs_d, column-major, ld n) */
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)nrhs_d, (int)N, 1.0,
                        W, (int)N, Xa, (int)N, 0.0, P, (int)n);
            for (size_t c = 0; c < nrhs_d; c++)
                for (size_t i = 0; i < n; i++) {
                    size_t g = c * N + r0 + i;
                    Rd[g] = Bd[g] - (Xd[g] - P[c * n + i]);
                }
        }
        if (nrhs_t) /* Acc += T_blk^T m[r0..] */
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)nrhs_t, (int)n, 1.0,
                        W, (int)N, Xt + r0, (int)N, 1.0, Acc, (int)N);
    }
    for (size_t c = 0; c < nrhs_d; c++) {
        double den = lf->anorm_inf * colmax(Xd + c * N, N) + colmax(Bd + c * N, N);
        double r = colmax(Rd + c * N, N);
        double rel = den > 0 ? r / den : r;
        if (!(rel <= *res_direct))
            *res_direct = isnan(rel) ? INFINITY : rel;
    }
    for (size_t c = 0; c < nrhs_t; c++) {
        double *a = Acc + c * N;
        const double *xc = Xt + c * N, *bc = Bt + c * N;
        for (size_t i = 0; i < N; i++)
            a[i] = bc[i] - (xc[i] - (scaled ? a[i] * lf->rinv[i] : a[i]));
        /* ||(I - A)^T||_inf = ||I - A||_1 */
        double den = lf->anorm_one * colmax(xc, N) + colmax(bc, N);
        double r = colmax(a, N);
        double rel = den > 0 ? r / den : r;
        if (!(rel <= *res_trans))
            *res_trans = isnan(rel) ? INFINITY : rel;
    }
    st = EMB_OK;
done:
    emb_free(W), emb_free(P), emb_free(Acc), emb_free(Rd), emb_free(Xs);
    lf->st.seconds_residual += now() - t0;
    return st;
}

void emb_leontief_get_stats(const emb_leontief *lf, emb_solver_stats *st) { *st = lf->st; }

void emb_leontief_free(emb_leontief *lf)
{
    if (!lf)
        return;
    emb_free(lf->lu);
    emb_free(lf->ipiv);
    emb_free(lf->x);
    emb_free(lf->rinv);
    emb_free(lf);
}

emb_status emb_table_complete_x(emb_table *t)
{
    if (t->x)
        return EMB_OK;
    emb_status st;
    if (t->tech_kind == EMB_TECH_Z) {
        /* x = Z 1 + Y 1, streamed; no factorisation needed. */
        size_t N = t->N, nb = block_rows(N);
        double *W = emb_alloc(nb * N, sizeof(double), "row block");
        double *colabs = emb_calloc(N, sizeof(double), "column sums");
        if (!W || !colabs || (st = emb_table_alloc_x(t))) {
            emb_free(W), emb_free(colabs);
            return EMB_ENOMEM;
        }
        for (size_t r0 = 0; r0 < N && !st; r0 += nb) {
            size_t n = r0 + nb > N ? N - r0 : nb;
            if ((st = emb_table_tech_rows(t, r0, n, W)))
                break;
            for (size_t i = 0; i < n; i++) {
                double s = 0;
                for (size_t j = 0; j < N; j++)
                    s += W[i * N + j];
                if (!isfinite(s)) {
                    st = bad_row(t, r0 + i);
                    break;
                }
                t->x[r0 + i] = s + fd_total(t, r0 + i);
                for (size_t j = 0; j < N; j++)
                    colabs[j] += fabs(W[i * N + j]);
            }
        }
        size_t n_neg = 0;
        if (!st && (st = screen_negative_x(t, t->x, colabs, NULL, &n_neg)) == EMB_OK)
            for (size_t i = 0; i < N; i++)
                if (t->x[i] < 0)
                    t->x[i] = 0; /* stored x: the sector produces nothing (see screen_negative_x) */
        emb_free(W), emb_free(colabs);
        if (st) {
            emb_free(t->x);
            t->x = NULL;
        }
        return st;
    }
    emb_leontief *lf = NULL;
    if ((st = emb_leontief_factor(t, &lf)))
        return st;
    if ((st = emb_table_alloc_x(t)) == EMB_OK)
        memcpy(t->x, lf->x, t->N * sizeof(double));
    emb_leontief_free(lf);
    return st;
}
