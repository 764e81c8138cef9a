/* src/solver/leontief.c — the front end of the Leontief solver
 * (embodied/solver.h): choose the method (choose.c) -> look its backend up
 * (backend.h) -> plan -> factorise -> solve / tsolve, refined (refine.c) or
 * checked (residual.c) as the backend's flags say -> stats.  It never
 * branches on the method except through the backend table. */
#include "core/context_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/parallel.h"
#include "core/plan.h"
#include "embodied/memory.h"
#include "solver/backend.h"
#include "solver/choose.h"
#include "solver/leontief_impl.h"

#include <stdio.h>
#include <string.h>

/* Mixed: the relative residual every right-hand side must reach by default
 * (the sparse backend sets its own). */
#define MIXED_DEFAULT_TOL 1e-12

/* The methods, indexed by nothing but their kind: one entry per backend. */
static const emb_solver_backend *const backends[] = {&emb_backend_dense, &emb_backend_mixed,
                                                     &emb_backend_sparse};

static const emb_solver_backend *backend_for(emb_solver_kind k)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (backends[i]->kind == k)
            return backends[i];
    return NULL;
}

const char *emb_lf_tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

#define tp emb_lf_tp

const char *emb_solver_name(emb_solver_kind k)
{
    switch (k) {
    case EMB_SOLVER_AUTO: return "auto";
    case EMB_SOLVER_DENSE: return "dense";
    case EMB_SOLVER_MIXED: return "mixed";
    case EMB_SOLVER_SPARSE: return "sparse";
    case EMB_SOLVER_SCALAPACK: return "scalapack";
    }
    return "?";
}

emb_status emb_solver_parse(const char *s, emb_solver_kind *k)
{
    for (int i = EMB_SOLVER_AUTO; i <= EMB_SOLVER_SCALAPACK; i++)
        if (!strcmp(s, emb_solver_name((emb_solver_kind)i))) {
            *k = (emb_solver_kind)i;
            return EMB_OK;
        }
    return emb_raise(EMB_EUSAGE, "--solver '%s': expected dense, mixed, sparse, scalapack or auto",
                     s);
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

static emb_status create(const emb_table *t, const emb_solver_opts *opts, emb_leontief **out)
{
    *out = NULL;
    size_t N = t->N;
    emb_leontief *lf = emb_calloc(1, sizeof *lf, "Leontief solver");
    if (!lf)
        return EMB_ENOMEM;
    lf->t = t;
    lf->N = N;
    lf->ctx = opts && opts->ctx ? opts->ctx : emb_ctx_current();
    lf->tech = t->tech_kind;
    lf->st.N = N;
    lf->st.requested = opts ? opts->kind : EMB_SOLVER_AUTO;
    lf->tol = opts && opts->tol > 0 ? opts->tol : MIXED_DEFAULT_TOL;
    emb_status st;
    if ((st = choose(lf, opts)))
        goto fail;
    if (!(lf->be = backend_for(lf->kind))) {
        st = emb_raise(EMB_EINTERNAL, "no backend for solver kind %d", (int)lf->kind);
        goto fail;
    }
    if ((st = lf->be->plan(lf, opts)))
        goto fail;
    st = EMB_ENOMEM;
    if (!(lf->x = emb_alloc(N, sizeof(double), "gross output x")) ||
        !(lf->rinv = emb_alloc(N, sizeof(double), "1/x")) ||
        !(lf->colA = emb_calloc(N, sizeof(double), "column sums of A")))
        goto fail;
    /* One LAPACK call (or the preconditioner's blocks): only its start and
     * end can be reported, with its size for the caller's estimate. */
    double nd = (double)N, flops = lf->kind == EMB_SOLVER_DENSE   ? 2.0 / 3.0 * nd * nd * nd
                                   : lf->kind == EMB_SOLVER_MIXED ? 1.0 / 3.0 * nd * nd * nd
                                                                  : 0;
    unsigned long long total = flops > 0 ? (unsigned long long)flops : 1;
    emb_ctx_report(EMB_PROGRESS_FACTORISING, 0, total);
    if ((st = lf->be->factorise(lf, opts)))
        goto fail;
    emb_ctx_report(EMB_PROGRESS_FACTORISING, total, total);
    *out = lf;
    return EMB_OK;
fail:
    emb_leontief_free(lf);
    return st;
}

emb_status emb_leontief_factor(const emb_table *t, emb_leontief **out)
{
    emb_solver_opts o = {.kind = EMB_SOLVER_DENSE};
    return emb_leontief_create(t, &o, out);
}

const double *emb_leontief_x(const emb_leontief *lf) { return lf->x; }

/* ---- solving ------------------------------------------------------------ */

emb_status emb_lf_apply(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                        double *res)
{
    if (res)
        *res = 0;
    if (nrhs == 0)
        return EMB_OK;
    emb_status st = emb_lf_check_counts("Leontief solve", lf->N, nrhs, 0, ldb);
    if (st)
        return st;
    double t0 = emb_lf_now();
    st = lf->be->solve(lf, trans, nrhs, B, ldb, res);
    lf->st.seconds_solve += emb_lf_now() - t0;
    lf->st.n_solves += nrhs;
    return st;
}

static emb_status solve_checked(emb_leontief *lf, size_t nd, double *Xd, size_t nt, double *Xt,
                                double *res_d, double *res_t)
{
    size_t N = lf->N;
    *res_d = *res_t = 0;
    if (nd == 0 && nt == 0)
        return EMB_OK;
    emb_status st = emb_lf_check_counts("emb_leontief_solve_checked", N, nd, nt, N);
    if (st || (st = emb_ctx_poll("solving the Leontief system")))
        return st;
    size_t nc = nd + nt; /* N nc doubles: checked just above */
    if (lf->be->self_checked) {
        st = emb_lf_apply(lf, 0, nd, Xd, N, res_d);
        return st ? st : emb_lf_apply(lf, 1, nt, Xt, N, res_t);
    }
    int refines = lf->be->refines;
    st = EMB_ENOMEM;
    /* B: the right-hand sides (kept); R: residuals, then corrections. */
    double *B = emb_alloc(N * nc, sizeof(double), "right-hand sides (copy)");
    double *R = refines ? emb_alloc(N * nc, sizeof(double), "refinement residuals") : NULL;
    double *rel = emb_alloc(nc, sizeof(double), "relative residuals");
    if (!B || !rel || (refines && !R))
        goto done;
    if (nd)
        memcpy(B, Xd, N * nd * sizeof(double));
    if (nt)
        memcpy(B + N * nd, Xt, N * nt * sizeof(double));
    double *Bd = B, *Bt = B + N * nd;
    if ((st = emb_lf_apply(lf, 0, nd, Xd, N, NULL)) || (st = emb_lf_apply(lf, 1, nt, Xt, N, NULL)))
        goto done;
    if (refines) /* x += LU^-1 (b - (I - A) x) until every column reaches tol */
        st = emb_lf_refine(lf, nd, Xd, Bd, nt, Xt, Bt, R, rel);
    else /* exact up to rounding: one check */
        st = emb_lf_residual_pass(lf, nd, Xd, Bd, NULL, rel, nt, Xt, Bt, NULL, rel + nd);
done:
    if (st == EMB_OK) {
        *res_d = emb_lf_vecmax(rel, nd);
        *res_t = emb_lf_vecmax(rel + nd, nt);
    }
    emb_free(B), emb_free(R), emb_free(rel);
    return st;
}

/* Exact backends: the solves alone.  Refining ones: through solve_checked,
 * since an unrefined single-precision answer is never what a caller wants. */
static emb_status solve_one_set(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb)
{
    emb_status poll = emb_ctx_poll("solving the Leontief system");
    if (poll)
        return poll;
    if (!lf->be->refines || nrhs == 0)
        return emb_lf_apply(lf, trans, nrhs, B, ldb, NULL);
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
    st = trans ? solve_checked(lf, 0, NULL, nrhs, X, &rd, &rt)
               : solve_checked(lf, nrhs, X, 0, NULL, &rd, &rt);
    if (X != B) {
        for (size_t c = 0; c < nrhs && st == EMB_OK; c++)
            memcpy(B + c * ldb, X + c * N, N * sizeof(double));
        emb_free(X);
    }
    return st;
}

static emb_status residuals(emb_leontief *lf, const emb_table *t, size_t nrhs_d, const double *Xd,
                            const double *Bd, size_t nrhs_t, const double *Xt, const double *Bt,
                            double *res_direct, double *res_trans)
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
        *res_direct = emb_lf_vecmax(rel, nrhs_d);
        *res_trans = emb_lf_vecmax(rel + nrhs_d, nrhs_t);
    }
    emb_free(rel);
    return st;
}

void emb_leontief_get_stats(const emb_leontief *lf, emb_solver_stats *st) { *st = lf->st; }

void emb_leontief_free(emb_leontief *lf)
{
    if (!lf)
        return;
    if (lf->be)
        lf->be->release(lf);
    emb_free(lf->x);
    emb_free(lf->rinv);
    emb_free(lf->colA);
    emb_free(lf);
}

/* ---- the public entries: each binds the solver's context for the call ---- */

emb_status emb_leontief_create(const emb_table *t, const emb_solver_opts *opts, emb_leontief **out)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = create(t, opts, out);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_leontief_solve_checked(emb_leontief *lf, size_t nd, double *Xd, size_t nt,
                                      double *Xt, double *res_d, double *res_t)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, lf->ctx);
    emb_status st = solve_checked(lf, nd, Xd, nt, Xt, res_d, res_t);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_leontief_solve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, lf->ctx);
    emb_status st = solve_one_set(lf, 0, nrhs, B, ldb);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_leontief_tsolve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, lf->ctx);
    emb_status st = solve_one_set(lf, 1, nrhs, B, ldb);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_leontief_residuals(emb_leontief *lf, const emb_table *t, size_t nrhs_d,
                                  const double *Xd, const double *Bd, size_t nrhs_t,
                                  const double *Xt, const double *Bt, double *res_direct,
                                  double *res_trans)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, lf->ctx);
    emb_status st = residuals(lf, t, nrhs_d, Xd, Bd, nrhs_t, Xt, Bt, res_direct, res_trans);
    emb_ctx_leave(&f);
    return st;
}
