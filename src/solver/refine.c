/* src/solver/refine.c — iterative refinement in double of approximate solves
 * (mixed precision): x += LU_s^-1 (b - (I - A) x), each residual computed
 * from T streamed from the table (residual.c), until every right-hand side
 * reaches lf->tol; when refinement stalls, the dense double backend takes
 * over, planned like any method. */
#include "core/context_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "solver/backend.h"
#include "solver/leontief_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define tp emb_lf_tp

/* Refinement steps before giving up, and the factor by which each step must
 * shrink the worst residual (else it has stalled). */
#define MIXED_MAX_STEPS 10
#define MIXED_MIN_GAIN 4.0

double emb_lf_vecmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m || isnan(v[i]) ? (isnan(v[i]) ? INFINITY : v[i]) : m;
    return m;
}

/* Replace the approximate backend by the dense double one (after a stalled
 * refinement).  Planned like any method, before anything is freed: the
 * double factor plus what stays live beside it (`live` bytes of the
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
    lf->be->release(lf);
    lf->be = &emb_backend_dense;
    lf->kind = lf->st.kind = EMB_SOLVER_DENSE;
    lf->st.fell_back = 1;
    emb_status st = lf->be->factorise(lf, NULL);
    if (st == EMB_OK)
        return EMB_OK;
    lf->be->release(lf); /* a half-built matrix must not be solved with */
    if (st == EMB_ENOMEM) {
        char why[512]; /* the allocator's message, copied: emb_raise rewrites that buffer */
        snprintf(why, sizeof why, "%s", emb_errmsg());
        return emb_raise(EMB_ENOMEM, "%s: mixed precision stalled (relative residual %.2e after "
                                     "%zu refinement step(s)) and the dense double fallback could "
                                     "not be allocated (%s)", tp(t), worst, step, why);
    }
    return st;
}

emb_status emb_lf_refine(emb_leontief *lf, size_t nd, double *Xd, const double *Bd, size_t nt,
                         double *Xt, const double *Bt, double *R, double *rel)
{
    size_t N = lf->N, nc = nd + nt;
    emb_status st;
    double prev = INFINITY;
    for (size_t step = 0;; step++) {
        double *Rd = R, *Rt = R + N * nd;
        if ((step > 0 && (st = emb_ctx_poll("refining the mixed-precision solution"))) ||
            (st = emb_lf_residual_pass(lf, nd, Xd, Bd, Rd, rel, nt, Xt, Bt, Rt, rel + nd)))
            return st;
        double worst = emb_lf_vecmax(rel, nc);
        if (step > lf->st.refinement_steps)
            lf->st.refinement_steps = step;
        if (worst <= lf->tol)
            return EMB_OK;
        if (step >= MIXED_MAX_STEPS || !(worst * MIXED_MIN_GAIN <= prev)) {
            if ((st = fall_back_to_dense(lf, worst, step, 2.0 * 8.0 * (double)N * (double)nc)))
                return st;
            if (nd)
                memcpy(Xd, Bd, N * nd * sizeof(double));
            if (nt)
                memcpy(Xt, Bt, N * nt * sizeof(double));
            if ((st = emb_lf_apply(lf, 0, nd, Xd, N, NULL)) ||
                (st = emb_lf_apply(lf, 1, nt, Xt, N, NULL)))
                return st;
            return emb_lf_residual_pass(lf, nd, Xd, Bd, NULL, rel, nt, Xt, Bt, NULL, rel + nd);
        }
        prev = worst;
        if ((st = emb_lf_apply(lf, 0, nd, Rd, N, NULL)) ||
            (st = emb_lf_apply(lf, 1, nt, Rt, N, NULL)))
            return st;
        for (size_t i = 0; i < N * nd; i++)
            Xd[i] += Rd[i];
        for (size_t i = 0; i < N * nt; i++)
            Xt[i] += Rt[i];
    }
}
