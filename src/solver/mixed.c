/* src/solver/mixed.c — the mixed-precision backend: the LU engine of
 * dense.c on a single-precision copy of I - A (sgetrf: twice as fast, half
 * the memory); its solves are approximate and refined in double by
 * refine.c, which falls back to the dense backend if refinement stalls. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "solver/backend.h"
#include "solver/leontief_impl.h"

#define tp emb_lf_tp

/* 4 N^2: the single-precision factor (see dense_plan). */
static emb_status mixed_plan(emb_leontief *lf, const emb_solver_opts *o)
{
    (void)o;
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_add(&p, "Leontief factor I - A, N x N single precision", (double)lf->N,
                 (double)lf->N, sizeof(float));
    return lf->max_memory > 0 ? emb_plan_check_against(&p, tp(lf->t), "the mixed solver",
                                                       lf->max_memory, lf->mem_origin)
                              : EMB_OK;
}

static emb_status mixed_factorise(emb_leontief *lf, const emb_solver_opts *o)
{
    (void)o;
    size_t N = lf->N;
    if (!(lf->ipiv = emb_alloc(N, sizeof(lapack_int), "pivots")) ||
        !(lf->lus = emb_alloc_big(N * N, sizeof(float), "Leontief matrix I - A (N x N, single)")))
        return EMB_ENOMEM;
    return emb_lf_lu_factorise(lf);
}

/* One unrefined solve, through a float copy of B (N x nrhs checked by the
 * front end). */
static emb_status mixed_solve(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                              double *res)
{
    (void)res;
    size_t N = lf->N;
    if (!lf->lus)
        return emb_raise(EMB_EUSAGE, "Leontief solve: the solver has no factor any more");
    float *Bs = emb_alloc(N * nrhs, sizeof(float), "single-precision right-hand sides");
    if (!Bs)
        return EMB_ENOMEM;
    for (size_t c = 0; c < nrhs; c++)
        for (size_t i = 0; i < N; i++)
            Bs[c * N + i] = (float)B[c * ldb + i];
    lapack_int n = (lapack_int)N;
    lapack_int info = LAPACKE_sgetrs_work(LAPACK_COL_MAJOR, trans ? 'N' : 'T', n,
                                          (lapack_int)nrhs, lf->lus, n, lf->ipiv, Bs, n);
    for (size_t c = 0; c < nrhs; c++)
        for (size_t i = 0; i < N; i++)
            B[c * ldb + i] = Bs[c * N + i];
    emb_free(Bs);
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "getrs: argument %d invalid", (int)-info);
    return EMB_OK;
}

static void mixed_release(emb_leontief *lf)
{
    emb_free(lf->lus);
    emb_free(lf->ipiv);
    lf->lus = NULL;
    lf->ipiv = NULL;
}

const emb_solver_backend emb_backend_mixed = {
    .name = "mixed",
    .kind = EMB_SOLVER_MIXED,
    .plan = mixed_plan,
    .factorise = mixed_factorise,
    .solve = mixed_solve,
    .release = mixed_release,
    .refines = 1,
    .self_checked = 0,
};
