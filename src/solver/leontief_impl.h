/* src/solver/leontief_impl.h — the inside of emb_leontief, shared by the
 * solver's files (internal): leontief.c (the front end: choose -> plan ->
 * factorise -> solve), choose.c (the method), backend.h and one file per
 * backend (dense.c, mixed.c, sparse.c), output.c (x and its screening),
 * build.c (I - A), refine.c (mixed-precision refinement and its fallback)
 * and residual.c (the streamed residual pass). */
#ifndef EMB_LEONTIEF_IMPL_H
#define EMB_LEONTIEF_IMPL_H

#include <lapacke.h>

#include "embodied/solver.h"

struct emb_leontief {
    const emb_table *t; /* borrowed: T is streamed from it for every residual pass */
    size_t N;
    emb_solver_kind kind; /* method in use (after any fallback) */
    const struct emb_solver_backend *be; /* its operations (backend.h) */
    size_t sparse_batch; /* sparse: right-hand sides per lockstep batch, as planned */
    double *lu;         /* dense: [N][N] I - A row-major, then its LU factors; else NULL */
    float *lus;         /* mixed: the same in single precision; else NULL */
    struct emb_sparse *sp; /* sparse: the iterative solver (src/solver/sparse.h); else NULL */
    lapack_int *ipiv;   /* [N] */
    double *x;          /* [N] gross output used */
    double *rinv;       /* [N] 1/x with 1/0 := 0 */
    double *colA;       /* [N] column sums of A (1 - value-added share) */
    emb_tech_kind tech;
    double anorm_inf;   /* ||I - A||_inf */
    double anorm_one;   /* ||I - A||_1 */
    int a_nonneg;       /* A has no negative entry */
    double tol;         /* mixed: target relative residual of every right-hand side */
    double max_memory;  /* bytes the solver may plan for (0: no limit), for the fallback too */
    const char *mem_origin; /* where that limit came from, for messages */
    const emb_context *ctx; /* bound for every public call on the solver (NULL: the caller's) */
    emb_solver_stats st;
};

/* Rows of T per streaming block: about 16 MiB (less under a small memory
 * limit, core/plan.h emb_block_bytes), at least 1. */
size_t emb_lf_block_rows(size_t N);

/* One pass over T (streamed from lf->t): for the direct set, Rd = Bd - (I - A) Xd
 * and relres_d[c] for each of its nd columns; for the transposed set the same
 * with (I - A)^T.  All arrays column-major, leading dimension N; Rd/Rt may be
 * NULL when only the relative residuals are wanted, relres_* may be NULL.
 * Relative residual of a column: ||r||_inf / (||I - A||_inf ||x||_inf + ||b||_inf)
 * (the 1-norm for the transposed set, ||(I - A)^T||_inf = ||I - A||_1). */
emb_status emb_lf_residual_pass(emb_leontief *lf, size_t nd, const double *Xd, const double *Bd,
                                double *Rd, double *relres_d, size_t nt, const double *Xt,
                                const double *Bt, double *Rt, double *relres_t);

double emb_lf_now(void);

/* Counts that come through the public API, checked before anything is
 * allocated or read (fn names the entry point): nd and nt right-hand sides
 * with leading dimension ldb (>= N) each within LAPACK's 32-bit indices
 * (EMB_EUSAGE), and ldb x (nd + nt) doubles addressable (EMB_ENOMEM). */
emb_status emb_lf_check_counts(const char *fn, size_t N, size_t nd, size_t nt, size_t ldb);

const char *emb_lf_tp(const emb_table *t); /* the table's path for messages */

/* Front end (leontief.c): B := op(I - A)^-1 B through the backend, counts
 * checked, time and count added to the stats; res as backend.h's solve. */
emb_status emb_lf_apply(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                        double *res);

/* build.c: x (the table's, checked, or Z 1 + Y 1 summed while loading and
 * screened), 1/x, and I - A formed in the backend's working matrix (lf->lu
 * or lf->lus, allocated), with its norms, column sums of A and the NaN/Inf
 * check.  W: a row block buffer when the matrix is single precision. */
emb_status emb_lf_build(emb_leontief *lf, double *W);
/* build.c: lf->colA and its stats from the table's storage (CSR or rows). */
emb_status emb_lf_table_colsums(emb_leontief *lf);
/* build.c: v = (I - A)^-1 1 with the current factor: min and max entries. */
emb_status emb_lf_ones_solve(emb_leontief *lf, double *vmin, double *vmax);
/* build.c: EMB_ENUMERIC naming the largest column sums unless (I - A)^-1 1 >= 0. */
emb_status emb_lf_check_productive(emb_leontief *lf);
emb_status emb_lf_not_productive(emb_leontief *lf);

/* dense.c: the LU engine of dense and mixed (the precision is that of the
 * matrix the backend allocated): build, getrf, condition, productivity,
 * and x = (I - A)^-1 (Y 1) for an A table without x. */
emb_status emb_lf_lu_factorise(emb_leontief *lf);

/* refine.c: after a first approximate solve of both sets (Xd, Xt) of the
 * right-hand sides Bd, Bt (column-major, ld N), refine until every relative
 * residual (rel[nd + nt]) is <= lf->tol, falling back to dense double when
 * refinement stalls.  R: N x (nd + nt) workspace. */
emb_status emb_lf_refine(emb_leontief *lf, size_t nd, double *Xd, const double *Bd, size_t nt,
                         double *Xt, const double *Bt, double *R, double *rel);

/* max_i v_i (NaN counts as +Inf), 0 for n = 0. */
double emb_lf_vecmax(const double *v, size_t n);

/* EMB_EINPUT naming the first non-finite entry of row i of T (or saying the
 * row's sum overflows); called only once a sum over the row was not finite. */
emb_status emb_lf_bad_row(const emb_table *t, size_t i);

#endif
