/* src/solver/leontief_impl.h — the inside of emb_leontief, shared by the
 * solver's files (internal): leontief.c (choice of method, building I - A,
 * factorisation, solves, mixed-precision refinement) and residual.c (the
 * streamed residual pass). */
#ifndef EMB_LEONTIEF_IMPL_H
#define EMB_LEONTIEF_IMPL_H

#include <lapacke.h>

#include "embodied/solver.h"

struct emb_leontief {
    const emb_table *t; /* borrowed: T is streamed from it for every residual pass */
    size_t N;
    emb_solver_kind kind; /* method in use (after any fallback) */
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

/* EMB_EINPUT naming the first non-finite entry of row i of T (or saying the
 * row's sum overflows); called only once a sum over the row was not finite. */
emb_status emb_lf_bad_row(const emb_table *t, size_t i);

#endif
