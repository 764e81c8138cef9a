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
 * x = (I - A)^-1 (Y 1).  A computed x (either formula) is screened by one
 * rule, the same for every method (src/solver/output.c): x_i < 0 with
 * |x_i| <= 1e-9 max_j |x_j| is rounding and becomes 0 (money against
 * money, whatever the unit); a larger negative x_i is accepted only for a
 * sector that buys no inputs (column i of Z or A is zero; real WIOD data has
 * such sectors with an inventory change of -1): it is treated as zero output
 * (1/x := 0) and counted in emb_solver_stats.n_negative_x; otherwise it is
 * an input error (EMB_EINPUT naming the row).
 *
 * Methods (emb_solver_kind): dense double LU; mixed = the same LU in single
 * precision (sgetrf, twice as fast, half the memory) refined in double with
 * residuals computed by streaming T from the table, until every right-hand
 * side reaches tol, with fallback to dense if refinement stalls (planned
 * like any method: if 8 N^2 plus the solve's live arrays does not fit
 * max_memory, or cannot be allocated, the solve fails with EMB_ENOMEM saying
 * that mixed precision stalled and why dense did not take over; the solver
 * stays valid to free); sparse (CSR).
 *
 * Memory: 8 N^2 bytes (dense) or 4 N^2 (mixed) for the factor plus O(N)
 * vectors and a 16 MiB row block.  Sizes above what LAPACK's 32-bit integers
 * can index, or a factor larger than max_memory (default: the process-wide
 * limit, embodied/memory.h), are refused with EMB_ENOMEM before allocating.
 * Right-hand-side counts and leading dimensions are checked before any work:
 * above INT_MAX (LAPACK's indices) EMB_EUSAGE, an N x (nd + nt) array
 * beyond the address space EMB_ENOMEM.
 *
 * Threads: each call decides its thread count once (OpenBLAS's setting,
 * OPENBLAS_NUM_THREADS or openblas_set_num_threads) and sizes its work for
 * it; the setting may change between calls on the same solver.
 */
#ifndef EMBODIED_SOLVER_H
#define EMBODIED_SOLVER_H

#include <stddef.h>

#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_leontief emb_leontief;

/* How the Leontief system is solved (--solver). */
typedef enum emb_solver_kind {
    EMB_SOLVER_AUTO = 0, /* choose from N, the storage and the memory available */
    EMB_SOLVER_DENSE,    /* double LU in place (dgetrf) */
    EMB_SOLVER_MIXED,    /* float LU (sgetrf) + iterative refinement in double; falls back to dense */
    EMB_SOLVER_SPARSE,   /* CSR + preconditioned iteration */
    EMB_SOLVER_SCALAPACK /* distributed LU over MPI ranks (embodied/mpi.h, emb_mpi_accounts);
                          * not a backend of emb_leontief_create, which refuses it */
} emb_solver_kind;

/* "auto", "dense", "mixed", "sparse", "scalapack". */
EMB_API const char *emb_solver_name(emb_solver_kind k);
/* Parse a --solver argument; EMB_EUSAGE naming the choices otherwise. */
EMB_API emb_status emb_solver_parse(const char *s, emb_solver_kind *k);

typedef struct emb_solver_opts {
    emb_solver_kind kind; /* EMB_SOLVER_AUTO (0) by default */
    double tol;           /* mixed: relative residual every right-hand side must reach; 0 = 1e-12 */
    double max_memory;    /* bytes the solver may plan for; 0 = the memory limit in force,
                             emb_memory_limit() (embodied/memory.h, or the context's) */
    const emb_context *ctx; /* per-call settings (embodied/context.h) for every call on the
                             * solver (it must outlive the solver); NULL = the caller's
                             * context when created inside another call, else the defaults */
} emb_solver_opts;

typedef struct emb_solver_stats {
    size_t N;
    emb_solver_kind requested; /* as asked (may be auto) */
    emb_solver_kind kind;      /* as used, after any fallback */
    int fell_back;             /* mixed refinement stalled and dense double took over */
    char explain[384];         /* why this method (auto's reasoning, or "requested"), and any fallback */
    double anorm1;         /* ||(I - A)||_1 before factorisation */
    double rcond;          /* 1/cond_inf(I - A): exact from (I - A)^-1 1 when A >= 0, else
                            * LAPACK's estimate (dgecon; sgecon for mixed); NaN for sparse */
    int rcond_exact;       /* rcond computed exactly (A >= 0), not estimated */
    double seconds_build;  /* reading T and forming I - A */
    double seconds_factor; /* dgetrf / sgetrf */
    double seconds_solve;  /* all triangular solves so far */
    double seconds_residual; /* residual passes (streaming T again) */
    size_t n_solves;       /* right-hand sides solved so far */
    size_t n_passes;       /* residual passes over T so far */
    size_t refinement_steps; /* mixed: most refinement steps any solve needed */
    size_t n_negative_x;   /* sectors with x = Z 1 + Y 1 < 0 and no inputs, treated as zero output */
    double max_colsum_A;   /* largest column sum of A (>= 1: inputs exceed output there) */
    size_t worst_column;   /* where it is */
    size_t n_colsum_ge1;   /* columns with sum >= 1 (negative value added) */
} emb_solver_stats;

/* Plan and factorise I - A of table t with the method opts asks for (NULL:
 * auto).  The table must outlive the solver (T is streamed from it again for
 * residuals).  Fails with EMB_EINPUT on negative or non-finite data (naming
 * the row and column), EMB_ENUMERIC when I - A is singular (naming the
 * pivot's industry), EMB_ENOMEM when the plan does not fit max_memory.
 * *out owned by the caller. */
EMB_API emb_status emb_leontief_create(const emb_table *t, const emb_solver_opts *opts, emb_leontief **out);

/* Solve both sets and check them: Xd (N x nd) := (I - A)^-1 Xd and Xt (N x nt)
 * := (I - A)^-T Xt, column-major with leading dimension N, then the max
 * relative residuals of each set against the original system (see
 * emb_leontief_residuals) in *res_d, *res_t.  Mixed precision refines every
 * column until its residual is <= tol, falling back to dense double (and
 * saying so in the stats) if refinement stalls. */
EMB_API emb_status emb_leontief_solve_checked(emb_leontief *lf, size_t nd, double *Xd, size_t nt,
                                              double *Xt, double *res_d, double *res_t);

/* emb_leontief_create with the dense double solver. */
EMB_API emb_status emb_leontief_factor(const emb_table *t, emb_leontief **out);

/* Gross output used by the factorisation ([N], owned by lf). */
EMB_API const double *emb_leontief_x(const emb_leontief *lf);

/* B := (I - A)^-1 B.  B is N x nrhs column-major with leading dimension
 * ldb >= N (each right-hand side contiguous).  Dense: triangular solves only;
 * mixed: refined to tol (one residual pass per step, see solve_checked). */
EMB_API emb_status emb_leontief_solve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb);

/* B := (I - A)^-T B, same layout. */
EMB_API emb_status emb_leontief_tsolve(emb_leontief *lf, size_t nrhs, double *B, size_t ldb);

/* Relative residuals of solutions against the original system, computed by
 * streaming T from t once (no second N x N buffer):
 *   direct:     max_j ||b_j - (I - A) x_j||_inf / (||I - A||_inf ||x_j||_inf + ||b_j||_inf)
 *   transposed: the same for (I - A)^T.
 * X/B pairs are column-major with leading dimension N; pass nrhs 0 to skip a
 * set.  Results in *res_direct and *res_trans (0 when skipped); the time
 * spent is added to the stats (seconds_residual). */
EMB_API emb_status emb_leontief_residuals(emb_leontief *lf, const emb_table *t,
                                          size_t nrhs_d, const double *Xd, const double *Bd,
                                          size_t nrhs_t, const double *Xt, const double *Bt,
                                          double *res_direct, double *res_trans);

EMB_API void emb_leontief_get_stats(const emb_leontief *lf, emb_solver_stats *st);

/* Free; NULL is a no-op. */
EMB_API void emb_leontief_free(emb_leontief *lf);

/* The explicit step that completes a table's gross output, for callers
 * (the CLI) to run after import and before writing or computing.  For an A table
 * without x (EXIOBASE ships A and Y): compute x = (I - A)^-1 (Y 1) (dense
 * double) and store it in t->x.  Z tables: x = Z 1 + Y 1, streamed, no
 * factorisation.  x is screened by the rule above (a negative x kept as
 * zero output is stored as 0); EMB_EINPUT naming the row otherwise.  No-op
 * when t->x is already set. */
EMB_API emb_status emb_table_complete_x(emb_table *t);

#ifdef __cplusplus
}
#endif
#endif
