/* tests/test_sparse.c — the sparse iterative Leontief solver
 * (src/solver/sparse.h): agreement with the dense LAPACK solver on generated
 * tables (several sizes, zero-output sectors, spectral radius 0.6, 0.8,
 * 0.95, dense and CSR storage, every method and block size), hand-solved
 * 2 x 2 systems, non-productive economies (EMB_ENUMERIC with a message),
 * input and usage errors, and allocation-failure loops.
 *
 * Agreement is normwise per right-hand side: max_i |x_i - x_dense_i| /
 * ||x_dense||_inf <= 1e-10, with the solver asked for a relative residual of
 * 1e-12 (the forward difference is about cond(I - A) times the residual;
 * cond_inf(I - A) reaches ~20-40 at rho = 0.95, so the default residual
 * target 1e-10 alone would not guarantee 1e-10 here).  Runs at the default
 * target check the residual itself, recomputed here from the dense matrix. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "solver/sparse.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGREE 1e-10

static emb_table *gen(size_t n_r, size_t n_s, double rho, int csr, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 3, 2, seed);
    o.foreign_density = 0.1;
    o.zero_output_frac = 0.05;
    if (rho > 0)
        o.colsum_lo = o.colsum_hi = rho;
    o.csr = csr;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "%s", emb_errmsg());
    return t;
}

/* Y summed by region: N x n_r column-major. */
static double *yreg(const emb_table *t)
{
    double *B = calloc(t->N * t->n_r, sizeof *B);
    ck_assert_ptr_nonnull(B);
    for (size_t i = 0; i < t->N; i++)
        for (size_t r = 0; r < t->n_r; r++)
            for (size_t f = 0; f < t->n_f; f++)
                B[r * t->N + i] += t->Y[i * t->n_y + r * t->n_f + f];
    return B;
}

/* S^T = (F diag(1/x))^T: N x k column-major. */
static double *sT(const emb_table *t, const double *x)
{
    double *S = calloc(t->N * (t->k ? t->k : 1), sizeof *S);
    ck_assert_ptr_nonnull(S);
    for (size_t s = 0; s < t->k; s++)
        for (size_t i = 0; i < t->N; i++)
            S[s * t->N + i] = x[i] > 0 ? t->F[s * t->N + i] / x[i] : 0.0;
    return S;
}

/* Normwise difference of column-major a, b (N x n), each column relative to
 * ||b_c||_inf; the worst column. */
static double normwise(const double *a, const double *b, size_t N, size_t n)
{
    double worst = 0;
    for (size_t c = 0; c < n; c++) {
        double d = 0, m = 0;
        for (size_t i = 0; i < N; i++) {
            d = fmax(d, fabs(a[c * N + i] - b[c * N + i]));
            m = fmax(m, fabs(b[c * N + i]));
        }
        if (isnan(d))
            return INFINITY;
        worst = fmax(worst, m > 0 ? d / m : d);
    }
    return worst;
}

/* Dense I - A (row-major) of table t with gross output x. */
static double *dense_ima(const emb_table *t, const double *x)
{
    size_t N = t->N;
    double *M = malloc(N * N * sizeof *M);
    ck_assert_ptr_nonnull(M);
    ck_assert_int_eq(emb_table_tech_rows(t, 0, N, M), EMB_OK);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double a = t->tech_kind == EMB_TECH_Z ? (x[j] > 0 ? M[i * N + j] / x[j] : 0.0)
                                                  : M[i * N + j];
            M[i * N + j] = (i == j) - a;
        }
    return M;
}

/* The relative residual of the solver's definition, recomputed densely. */
static double true_residual(const double *M, size_t N, int trans, const double *X, const double *B,
                            size_t n)
{
    double anorm = 0, worst = 0;
    for (size_t i = 0; i < N; i++) {
        double r = 0;
        for (size_t j = 0; j < N; j++)
            r += fabs(trans ? M[j * N + i] : M[i * N + j]);
        anorm = fmax(anorm, r);
    }
    for (size_t c = 0; c < n; c++) {
        double rn = 0, xn = 0, bn = 0;
        for (size_t i = 0; i < N; i++) {
            double v = B[c * N + i];
            for (size_t j = 0; j < N; j++)
                v -= (trans ? M[j * N + i] : M[i * N + j]) * X[c * N + j];
            rn = fmax(rn, fabs(v));
            xn = fmax(xn, fabs(X[c * N + i]));
            bn = fmax(bn, fabs(B[c * N + i]));
        }
        worst = fmax(worst, rn / (anorm * xn + bn));
    }
    return worst;
}

/* Solve the n_r direct and k transposed systems of t with the sparse solver
 * (opts) and the dense one; assert agreement and, at tolerance tol, that the
 * reported and recomputed residuals meet it. */
static void agree(const emb_table *t, const emb_sparse_opts *opts, double agree_tol)
{
    size_t N = t->N, R = t->n_r, k = t->k;
    emb_leontief *lf = NULL;
    ck_assert_msg(emb_leontief_factor(t, &lf) == EMB_OK, "%s", emb_errmsg());
    emb_sparse *s = NULL;
    ck_assert_msg(emb_sparse_create(t, opts, &s) == EMB_OK, "%s", emb_errmsg());
    const double *xd = emb_leontief_x(lf), *xs = emb_sparse_x(s);
    for (size_t i = 0; i < N; i++)
        if (!(xs[i] == xd[i] || fabs(xs[i] - xd[i]) <= 1e-13 * fabs(xd[i])))
            ck_abort_msg("x[%zu]: sparse %.17g, dense %.17g", i, xs[i], xd[i]);
    double *Bd = yreg(t), *Bs = yreg(t), *B0 = yreg(t);
    double *Md = sT(t, xd), *Ms = sT(t, xd), *M0 = sT(t, xd);
    ck_assert_int_eq(emb_leontief_solve(lf, R, Bd, N), EMB_OK);
    ck_assert_int_eq(emb_leontief_tsolve(lf, k, Md, N), EMB_OK);
    emb_sparse_report rd, rt;
    ck_assert_msg(emb_sparse_solve(s, 0, R, Bs, N, &rd) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_sparse_solve(s, 1, k, Ms, N, &rt) == EMB_OK, "%s", emb_errmsg());
    double tol = opts && opts->tol > 0 ? opts->tol : 1e-10;
    ck_assert_msg(rd.max_residual <= tol && rt.max_residual <= tol, "reported residuals %g %g",
                  rd.max_residual, rt.max_residual);
    ck_assert_uint_eq(rd.nrhs, R);
    ck_assert_uint_ge(rd.passes, rd.iterations);
    double dd = normwise(Bs, Bd, N, R), dt = normwise(Ms, Md, N, k);
    ck_assert_msg(dd <= agree_tol && dt <= agree_tol,
                  "N = %zu: sparse vs dense differ by %.3g (direct), %.3g (transposed); %zu and "
                  "%zu iterations, %s", N, dd, dt, rd.iterations, rt.iterations, rd.method);
    if (N <= 400) { /* the residual, recomputed independently */
        double *IA = dense_ima(t, xd);
        double r1 = true_residual(IA, N, 0, Bs, B0, R), r2 = true_residual(IA, N, 1, Ms, M0, k);
        ck_assert_msg(r1 <= 1.01 * tol && r2 <= 1.01 * tol, "recomputed residuals %g %g", r1, r2);
        free(IA);
    }
    free(Bd), free(Bs), free(B0), free(Md), free(Ms), free(M0);
    emb_sparse_free(s);
    emb_leontief_free(lf);
}

static emb_sparse_opts tight(emb_sparse_method m)
{
    emb_sparse_opts o;
    emb_sparse_defaults(&o);
    o.tol = 1e-12;
    o.method = m;
    return o;
}

START_TEST(agrees_with_dense_sizes)
{
    static const size_t sz[][2] = {{1, 1}, {1, 6}, {5, 1}, {3, 4}, {6, 9}, {12, 20}, {30, 40}};
    for (size_t q = 0; q < sizeof sz / sizeof sz[0]; q++)
        for (int csr = 0; csr <= 1; csr++) {
            emb_table *t = gen(sz[q][0], sz[q][1], 0, csr, 100 + q);
            emb_sparse_opts o = tight(EMB_SPARSE_AUTO);
            agree(t, &o, AGREE);
            agree(t, NULL, 1e-8); /* the defaults: residual 1e-10, checked inside */
            emb_table_free(t);
        }
}
END_TEST

START_TEST(agrees_with_dense_spectral_radius)
{
    static const double rho[] = {0.6, 0.8, 0.95};
    for (size_t q = 0; q < 3; q++)
        for (int m = EMB_SPARSE_AUTO; m <= EMB_SPARSE_RICHARDSON; m++) {
            emb_table *t = gen(8, 15, rho[q], 1, 7 + q);
            emb_sparse_opts o = tight((emb_sparse_method)m);
            agree(t, &o, AGREE);
            emb_table_free(t);
        }
}
END_TEST

START_TEST(block_sizes_batches_and_restarts)
{
    emb_table *t = gen(5, 12, 0.9, 1, 3);
    static const size_t blocks[] = {1, 5, 12, 100};
    for (size_t q = 0; q < 4; q++) {
        emb_sparse_opts o = tight(EMB_SPARSE_GMRES);
        o.block = blocks[q];
        o.batch = 2;  /* 5 right-hand sides in 3 batches */
        o.restart = 3; /* several GMRES cycles */
        agree(t, &o, AGREE);
    }
    emb_table_free(t);
}
END_TEST

/* x with a negative Z 1 + Y 1 in a sector without inputs (the WIOD quirk:
 * zero output), an A table with x, an A table without x. */
START_TEST(gross_output_like_the_dense_solver)
{
    emb_table *t = gen(3, 4, 0, 0, 5);
    size_t N = t->N, z = N;
    /* a sector with no inputs: empty column; give its row a negative total */
    for (size_t j = 0; j < N && z == N; j++) {
        double c = 0;
        for (size_t i = 0; i < N; i++)
            c += fabs(t->T[i * N + j]);
        if (c == 0)
            z = j;
    }
    ck_assert_uint_lt(z, N);
    t->Y[z * t->n_y] = -1.0;
    emb_sparse_opts o = tight(EMB_SPARSE_AUTO);
    agree(t, &o, AGREE);
    emb_sparse *s = NULL;
    ck_assert_int_eq(emb_sparse_create(t, NULL, &s), EMB_OK);
    emb_sparse_info info;
    emb_sparse_get_info(s, &info);
    ck_assert_uint_eq(info.n_negative_x, 1);
    ck_assert(emb_sparse_x(s)[z] < 0); /* kept as computed, 1/x := 0 */
    emb_sparse_free(s);
    /* negative x in a sector that buys inputs: an input error */
    size_t b = N;
    for (size_t j = 0; j < N && b == N; j++)
        for (size_t i = 0; i < N; i++)
            if (t->T[i * N + j] != 0)
                b = j;
    ck_assert_uint_lt(b, N);
    t->Y[b * t->n_y] = -1e9;
    ck_assert_int_eq(emb_sparse_create(t, NULL, &s), EMB_EINPUT);
    char want[32];
    snprintf(want, sizeof want, "row %zu ", b);
    ck_assert_msg(strstr(emb_errmsg(), "negative") && strstr(emb_errmsg(), want), "%s",
                  emb_errmsg());
    emb_table_free(t);

    /* The same economy as an A table, with and without x. */
    t = gen(4, 5, 0.7, 0, 6);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    N = t->N;
    for (size_t i = 0; i < N * N; i++)
        t->T[i] = t->x[i % N] > 0 ? t->T[i] / t->x[i % N] : 0.0;
    t->tech_kind = EMB_TECH_A;
    agree(t, &o, AGREE);
    double *x = t->x;
    t->x = NULL;
    ck_assert_msg(emb_sparse_create(t, &o, &s) == EMB_OK, "%s", emb_errmsg());
    double *xs = malloc(N * sizeof *xs);
    memcpy(xs, emb_sparse_x(s), N * sizeof *xs);
    double dx = normwise(xs, x, N, 1);
    ck_assert_msg(dx <= AGREE, "x = (I - A)^-1 (Y 1) differs from Z 1 + Y 1 by %.3g", dx);
    free(xs);
    emb_sparse_free(s);
    t->x = x;
    emb_table_free(t);
}
END_TEST

/* 2 x 2: A = [.2 .3; .1 .4] (an A table with x), (I - A)^-1 = [.6 .3; .1 .8] / .45.
 * As 1 region x 2 sectors (one 2 x 2 block: exact after one block solve) and as
 * 2 regions x 1 sector (blocks of 1, the coupling in A_O). */
START_TEST(hand_2x2)
{
    for (int layout = 0; layout < 2; layout++) {
        emb_table *t = NULL;
        size_t n_r = layout ? 2 : 1, n_s = layout ? 1 : 2;
        ck_assert_int_eq(emb_table_create(n_r, n_s, 1, 1, EMB_TECH_A, 1, &t), EMB_OK);
        static const double A[4] = {.2, .3, .1, .4};
        memcpy(t->T, A, sizeof A);
        ck_assert_int_eq(emb_table_alloc_x(t), EMB_OK);
        t->x[0] = t->x[1] = 1.0;
        emb_sparse_opts o;
        emb_sparse_defaults(&o);
        o.tol = 1e-15;
        emb_sparse *s = NULL;
        ck_assert_msg(emb_sparse_create(t, &o, &s) == EMB_OK, "%s", emb_errmsg());
        emb_sparse_info info;
        emb_sparse_get_info(s, &info);
        ck_assert_uint_eq(info.n_blocks, layout ? 2 : 1);
        ck_assert_uint_eq(info.nnz_A, 4);
        ck_assert_uint_eq(info.nnz_off, layout ? 2 : 0);
        EMB_ASSERT_CLOSE(info.anorm_inf, 1.1, 1e-15, 1);  /* rows: .8 + .3, .1 + .6 */
        EMB_ASSERT_CLOSE(info.anorm_one, 0.9, 1e-15, 1);  /* columns: .8 + .1, .3 + .6 */
        double B[4] = {1, 2, 0, 0}, T[2] = {1, 2};
        emb_sparse_report rep;
        ck_assert_int_eq(emb_sparse_solve(s, 0, 2, B, 2, &rep), EMB_OK);
        EMB_ASSERT_CLOSE(B[0], 1.2 / .45, 1e-14, 1);
        EMB_ASSERT_CLOSE(B[1], 1.7 / .45, 1e-14, 1);
        ck_assert(B[2] == 0 && B[3] == 0); /* b = 0: x = 0, no iteration */
        ck_assert_uint_ge(rep.iterations, 1);
        /* (I - A)^-T [1 2] = [.6 .1; .3 .8] [1 2] / .45 = [.8 1.9] / .45 */
        ck_assert_int_eq(emb_sparse_solve(s, 1, 1, T, 2, &rep), EMB_OK);
        EMB_ASSERT_CLOSE(T[0], 0.8 / .45, 1e-14, 1);
        EMB_ASSERT_CLOSE(T[1], 1.9 / .45, 1e-14, 1);
        emb_sparse_free(s);
        emb_table_free(t);
    }
}
END_TEST

/* Column sums of A equal to 1: I - A singular, and b outside its range.
 * Every method ends with EMB_ENUMERIC naming the column and the residual. */
START_TEST(non_productive_economy_fails_clearly)
{
    for (int layout = 0; layout < 2; layout++)
        for (int m = EMB_SPARSE_AUTO; m <= EMB_SPARSE_RICHARDSON; m++) {
            emb_table *t = NULL;
            size_t n_r = layout ? 2 : 1, n_s = layout ? 1 : 2;
            ck_assert_int_eq(emb_table_create(n_r, n_s, 1, 1, EMB_TECH_A, 1, &t), EMB_OK);
            /* layout 0: one 2 x 2 block, itself singular (left in A_O);
             * layout 1: blocks of 1 (.5), the singular coupling in A_O. */
            static const double A[4] = {.5, .5, .5, .5};
            memcpy(t->T, A, sizeof A);
            ck_assert_int_eq(emb_table_alloc_x(t), EMB_OK);
            t->x[0] = t->x[1] = 1.0;
            emb_sparse_opts o;
            emb_sparse_defaults(&o);
            o.method = (emb_sparse_method)m;
            o.max_iter = 300;
            emb_sparse *s = NULL;
            ck_assert_msg(emb_sparse_create(t, &o, &s) == EMB_OK, "%s", emb_errmsg());
            emb_sparse_info info;
            emb_sparse_get_info(s, &info);
            ck_assert_uint_eq(info.n_blocks_singular, layout ? 0 : 1);
            double B[4] = {1, 1, 0, 3};
            emb_sparse_report rep;
            emb_status st = emb_sparse_solve(s, 0, 2, B, 2, &rep);
            ck_assert_msg(st == EMB_ENUMERIC, "layout %d method %d: status %d, x = %g %g %g %g, "
                          "residual %g after %zu passes", layout, m, st, B[0], B[1], B[2], B[3],
                          rep.max_residual, rep.passes);
            const char *msg = emb_errmsg();
            ck_assert_msg(strstr(msg, "right-hand side ") && strstr(msg, "did not converge") &&
                              strstr(msg, "productive"), "%s", msg);
            ck_assert(rep.max_residual > o.tol);
            emb_sparse_free(s);
            emb_table_free(t);
        }
}
END_TEST

START_TEST(usage_and_input_errors)
{
    emb_table *t = gen(3, 4, 0, 1, 2);
    size_t N = t->N;
    emb_sparse *s = NULL;
    emb_sparse_opts o;
    emb_sparse_defaults(&o);
    o.tol = 2;
    ck_assert_int_eq(emb_sparse_create(t, &o, &s), EMB_EUSAGE);
    ck_assert_ptr_null(s);
    emb_sparse_defaults(&o);
    o.method = (emb_sparse_method)7;
    ck_assert_int_eq(emb_sparse_create(t, &o, &s), EMB_EUSAGE);
    ck_assert_int_eq(emb_sparse_create(t, NULL, &s), EMB_OK);
    double *B = calloc(2 * N + 1, sizeof *B);
    ck_assert_int_eq(emb_sparse_solve(s, 0, 1, B, N - 1, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_sparse_solve(s, 2, 1, B, N, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_sparse_solve(s, 0, 0, B, N, NULL), EMB_OK);
    B[N + 3] = NAN; /* column 1, row 2 of a layout with ldb N + 1 */
    ck_assert_int_eq(emb_sparse_solve(s, 0, 2, B, N + 1, NULL), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "right-hand side 1") && strstr(emb_errmsg(), "row 2"), "%s",
                  emb_errmsg());
    free(B);
    emb_sparse_free(s);
    emb_sparse_free(NULL);
    /* A non-finite entry of a table that was not validated. */
    t->csr->data[5] = INFINITY;
    ck_assert_int_eq(emb_sparse_create(t, NULL, &s), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "/Z") && strstr(emb_errmsg(), "infinite") &&
                      strstr(emb_errmsg(), "column"), "%s", emb_errmsg());
    ck_assert_ptr_null(s);
    emb_table_free(t);
}
END_TEST

START_TEST(alloc_failure_loop)
{
    emb_table *t = gen(3, 4, 0.8, 1, 4);
    size_t N = t->N;
    int done = 0;
    for (long k = 0; k < 500 && !done; k++) {
        emb_sparse *s = (emb_sparse *)1;
        double *B = yreg(t), *S = sT(t, t->F); /* any values */
        emb_alloc_fail_after(k);
        emb_status st = emb_sparse_create(t, NULL, &s);
        if (st == EMB_OK) {
            st = emb_sparse_solve(s, 0, t->n_r, B, N, NULL);
            if (st == EMB_OK)
                st = emb_sparse_solve(s, 1, t->k, S, N, NULL);
            emb_sparse_free(s);
            done = st == EMB_OK;
        } else
            ck_assert_ptr_null(s);
        emb_alloc_fail_after(-1);
        ck_assert_msg(st == EMB_OK || st == EMB_ENOMEM, "k = %ld: %d %s", k, st, emb_errmsg());
        free(B), free(S);
    }
    ck_assert(done);
    emb_table_free(t);
}
END_TEST

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

/* Issue 10, defect 1: the GMRES workspace holds one partial sum per thread,
 * sized by the thread count of the solve that allocated it.  Raising
 * OpenBLAS's thread count between two solves on the same solver (what
 * Python's threadpoolctl does) must not make the second solve write past
 * it (it did: ASan, a 3,072-byte write past a 2,688-byte block), and the
 * answers must not change. */
START_TEST(thread_count_raised_between_solves)
{
    int before = openblas_get_num_threads();
    emb_table *t = gen(3, 4, 0.8, 1, 6);
    size_t N = t->N;
    double *B1 = yreg(t), *B2 = yreg(t), *B3 = yreg(t);
    openblas_set_num_threads(1);
    emb_sparse *s = NULL;
    ck_assert_msg(emb_sparse_create(t, NULL, &s) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_sparse_solve(s, 0, t->n_r, B1, N, NULL) == EMB_OK, "%s", emb_errmsg());
    openblas_set_num_threads(16);
    ck_assert_msg(emb_sparse_solve(s, 0, t->n_r, B2, N, NULL) == EMB_OK, "%s", emb_errmsg());
    openblas_set_num_threads(1); /* and down again: the larger workspace serves */
    ck_assert_msg(emb_sparse_solve(s, 0, t->n_r, B3, N, NULL) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(normwise(B2, B1, N, t->n_r) <= 1e-12, "%g", normwise(B2, B1, N, t->n_r));
    ck_assert_msg(normwise(B3, B1, N, t->n_r) <= 1e-12, "%g", normwise(B3, B1, N, t->n_r));
    emb_sparse_free(s);
    /* The same through the front end, with the transposed set. */
    emb_solver_opts so = {.kind = EMB_SOLVER_SPARSE};
    emb_leontief *lf = NULL;
    ck_assert_msg(emb_leontief_create(t, &so, &lf) == EMB_OK, "%s", emb_errmsg());
    double *S1 = sT(t, emb_leontief_x(lf)), *S2 = sT(t, emb_leontief_x(lf));
    ck_assert_int_eq(emb_leontief_tsolve(lf, t->k, S1, N), EMB_OK);
    openblas_set_num_threads(16);
    ck_assert_int_eq(emb_leontief_tsolve(lf, t->k, S2, N), EMB_OK);
    ck_assert_msg(normwise(S2, S1, N, t->k) <= 1e-12, "%g", normwise(S2, S1, N, t->k));
    emb_leontief_free(lf);
    openblas_set_num_threads(before);
    free(B1), free(B2), free(B3), free(S1), free(S2);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sparse");
    TCase *tc = tcase_create("sparse");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, agrees_with_dense_sizes);
    tcase_add_test(tc, agrees_with_dense_spectral_radius);
    tcase_add_test(tc, block_sizes_batches_and_restarts);
    tcase_add_test(tc, gross_output_like_the_dense_solver);
    tcase_add_test(tc, hand_2x2);
    tcase_add_test(tc, non_productive_economy_fails_clearly);
    tcase_add_test(tc, usage_and_input_errors);
    tcase_add_test(tc, alloc_failure_loop);
    tcase_add_test(tc, thread_count_raised_between_solves);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
