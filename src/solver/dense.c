/* src/solver/dense.c — the dense double backend, LU of I - A in place
 * (dgetrf) and triangular solves (dgetrs); also the LU engine it shares with
 * the mixed backend (mixed.c), which differs only in the precision of the
 * matrix it allocates.
 *
 * Layout trick: the buffer is filled row-major with I - A (build.c).  LAPACK
 * reads it as a column-major matrix, i.e. as (I - A)^T; we factorise that,
 * and use trans = 'T' for (I - A) x = y and 'N' for (I - A)^T m = s.  No
 * transposed copy, no second N x N array. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "solver/backend.h"
#include "solver/leontief_impl.h"
#include "solver/output.h"

#include <math.h>
#include <string.h>

#define tp emb_lf_tp

/* Factorise the matrix built in lf->lu (double) or lf->lus (single) and
 * what follows from it: condition number, productivity, and for an A table
 * without x, x = (I - A)^-1 (Y 1) (leontief_impl.h). */
emb_status emb_lf_lu_factorise(emb_leontief *lf)
{
    const emb_table *t = lf->t;
    size_t N = lf->N;
    double t0 = emb_lf_now();
    emb_status st = EMB_ENOMEM;
    double *W = lf->lus ? emb_alloc(emb_lf_block_rows(N) * N, sizeof(double), "row block") : NULL;
    double *work = emb_alloc(4 * N, sizeof(double), "condition estimate workspace");
    float *swork = lf->lus ? emb_alloc(4 * N, sizeof(float), "condition estimate workspace") : NULL;
    lapack_int *iwork = emb_alloc(N, sizeof(lapack_int), "condition estimate workspace");
    if ((lf->lus && (!W || !swork)) || !work || !iwork)
        goto done;
    int x_known = t->x != NULL || t->tech_kind == EMB_TECH_Z;
    if ((st = emb_lf_build(lf, W)))
        goto done;
    double t1 = emb_lf_now();
    /* The _work entry points: LAPACKE's plain ones first scan the whole
     * matrix for NaN (an O(N^2) pass already made while forming it). */
    lapack_int n = (lapack_int)N, info;
    if (lf->lu)
        info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, lf->lu, n, lf->ipiv);
    else
        info = LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, n, n, lf->lus, n, lf->ipiv);
    double t2 = emb_lf_now();
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
        if ((st = emb_lf_ones_solve(lf, &vmin, &vmax)))
            goto done;
        lf->st.rcond = vmax > 0 && isfinite(vmax) ? 1.0 / (lf->anorm_inf * vmax) : 0.0;
        lf->st.rcond_exact = 1;
        if (vmin < -1e-9 * vmax && (st = emb_lf_not_productive(lf)))
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
        if (lf->st.n_colsum_ge1 && (st = emb_lf_check_productive(lf)))
            goto done;
    }
    lf->st.seconds_build += t1 - t0;
    lf->st.seconds_factor += t2 - t1;
    st = EMB_OK;
    if (!x_known) {
        /* A table without x: x = (I - A)^-1 (Y 1), refined (mixed), screened. */
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
    emb_free(W), emb_free(work), emb_free(swork), emb_free(iwork);
    return st;
}

/* The factor is the plan: 8 N^2 (the O(N) vectors and the 16 MiB row block
 * beside it are noise next to it for any N where the limit matters).  The
 * choice (choose.c) has already refused what does not fit, with the
 * message users know; this is the same check, for a backend used directly. */
static emb_status dense_plan(emb_leontief *lf, const emb_solver_opts *o)
{
    (void)o;
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_add(&p, "Leontief factor I - A, N x N double", (double)lf->N, (double)lf->N,
                 sizeof(double));
    return lf->max_memory > 0 ? emb_plan_check_against(&p, tp(lf->t), "the dense solver",
                                                       lf->max_memory, lf->mem_origin)
                              : EMB_OK;
}

static emb_status dense_factorise(emb_leontief *lf, const emb_solver_opts *o)
{
    (void)o;
    size_t N = lf->N;
    if (!(lf->ipiv = emb_alloc(N, sizeof(lapack_int), "pivots")) ||
        !(lf->lu = emb_alloc_big(N * N, sizeof(double), "Leontief matrix I - A (N x N)")))
        return EMB_ENOMEM;
    return emb_lf_lu_factorise(lf);
}

/* Triangular solves with the factor of the stored (I - A)^T: trans 'T'
 * solves with I - A, 'N' with its transpose. */
static emb_status dense_solve(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                              double *res)
{
    (void)res;
    if (!lf->lu)
        return emb_raise(EMB_EUSAGE, "Leontief solve: the solver has no factor any more (its "
                                     "fallback to dense double failed: see the error it returned)");
    lapack_int n = (lapack_int)lf->N;
    lapack_int info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans ? 'N' : 'T', n,
                                          (lapack_int)nrhs, lf->lu, n, lf->ipiv, B,
                                          (lapack_int)ldb);
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "getrs: argument %d invalid", (int)-info);
    return EMB_OK;
}

static void dense_release(emb_leontief *lf)
{
    emb_free(lf->lu);
    emb_free(lf->ipiv);
    lf->lu = NULL;
    lf->ipiv = NULL;
}

const emb_solver_backend emb_backend_dense = {
    .name = "dense",
    .kind = EMB_SOLVER_DENSE,
    .plan = dense_plan,
    .factorise = dense_factorise,
    .solve = dense_solve,
    .release = dense_release,
    .refines = 0,
    .self_checked = 0,
};
