/* embodied/solver.h — the Leontief system (I - A) x = y, factorised once.
 *
 * Plan once, solve many (KLU's analyse/factor/solve/tsolve shape):
 *   emb_leontief_factor  builds I - A in ONE N x N buffer, in place, straight
 *                        from Z (or A) and x, and factorises it with LAPACK
 *                        dgetrf.  The buffer holds the row-major I - A, which
 *                        LAPACK (column-major) sees as (I - A)^T, so no
 *                        transposed copy is ever made: solves with (I - A) use
 *                        trans='T', multiplier solves with (I - A)^T use 'N'.
 *   emb_leontief_solve   B := (I - A)^-1 B      (e.g. L y_d for each region d)
 *   emb_leontief_tsolve  B := (I - A)^-T B      (rows of M = S (I - A)^-1)
 * The inverse (I - A)^-1 is never formed.
 *
 * Definitions (pymrio-compatible): x = Z 1 + Y 1 when not given;
 * A = Z diag(1/x) with 1/0 := 0.  For an A table without x,
 * x = (I - A)^-1 (Y 1).  A computed x_i < 0 is accepted only for a sector
 * that buys no inputs (column i of Z is zero; real WIOD data has such
 * sectors with an inventory change of -1): it is treated as zero output and
 * counted in emb_solver_stats.n_negative_x; otherwise it is an input error.
 *
 * Memory: 8 N^2 bytes for the factor plus O(N) vectors.  Sizes above what
 * LAPACK's 32-bit integers can index, or a factor larger than physical
 * memory, are refused with EMB_ENOMEM before allocating.
 */
#ifndef EMBODIED_SOLVER_H
#define EMBODIED_SOLVER_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_leontief emb_leontief;

typedef struct emb_solver_stats {
    size_t N;
    double anorm1;         /* ||(I - A)||_1 before factorisation */
    double rcond;          /* LAPACK dgecon estimate of 1/cond_inf(I - A) */
    double seconds_build;  /* reading T and forming I - A */
    double seconds_factor; /* dgetrf */
    double seconds_solve;  /* all solves so far */
    double seconds_residual; /* residual checks (streaming T again) */
    size_t n_solves;       /* right-hand sides solved so far */
    size_t n_negative_x;   /* sectors with x = Z 1 + Y 1 < 0 and no inputs, treated as zero output */
} emb_solver_stats;

/* Factorise I - A of table t.  Fails with EMB_EINPUT on negative or
 * non-finite data (naming the row and column), EMB_ENUMERIC when I - A is
 * singular (naming the pivot's industry).  *out owned by the caller. */
emb_status emb_leontief_factor(const emb_table *t, emb_leontief **out);

/* Gross output used by the factorisation ([N], owned by lf). */
const double *emb_leontief_x(const emb_leontief *lf);

/* B := (I - A)^-1 B.  B is N x nrhs column-major with leading dimension
 * ldb >= N (each right-hand side contiguous). */
emb_status emb_leontief_solve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb);

/* B := (I - A)^-T B, same layout. */
emb_status emb_leontief_tsolve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb);

/* Relative residuals of solutions against the original system, computed by
 * streaming T from t once (no second N x N buffer):
 *   direct:     max_j ||b_j - (I - A) x_j||_inf / (||I - A||_inf ||x_j||_inf + ||b_j||_inf)
 *   transposed: the same for (I - A)^T.
 * X/B pairs are column-major with leading dimension N; pass nrhs 0 to skip a
 * set.  Results in *res_direct and *res_trans (0 when skipped); the time
 * spent is added to the stats (seconds_residual). */
emb_status emb_leontief_residuals(emb_leontief *lf, const emb_table *t,
                                  size_t nrhs_d, const double *Xd, const double *Bd,
                                  size_t nrhs_t, const double *Xt, const double *Bt,
                                  double *res_direct, double *res_trans);

void emb_leontief_get_stats(const emb_leontief *lf, emb_solver_stats *st);

/* Free; NULL is a no-op. */
void emb_leontief_free(emb_leontief *lf);

/* For an A table without x (EXIOBASE ships A and Y): compute
 * x = (I - A)^-1 (Y 1) and store it in t->x.  Z tables: x = Z 1 + Y 1.
 * No-op when t->x is already set. */
emb_status emb_table_complete_x(emb_table *t);

#ifdef __cplusplus
}
#endif
#endif
