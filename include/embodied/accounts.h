/* embodied/accounts.h — production- and consumption-based accounts and the
 * bilateral flow matrix (pymrio-compatible definitions; README "What the
 * engine computes").
 *
 * With S = F diag(1/x) (1/0 := 0), X = (I - A)^-1 Y_reg where Y_reg (N x n_r)
 * is final demand summed over each region's categories, and M = S (I - A)^-1:
 *   flows[s][o][d] = sum_{i in o} S[s][i] X[i][d]                 (B, by stressor)
 *   pba[s][r]      = sum_{i in r, x_i > 0} F[s][i] + F_Y_r        (pymrio D_pba_reg)
 *   cba[s][r]      = sum_o flows[s][o][r] + F_Y_r                 (pymrio D_cba_reg)
 *   imports[s][r]  = sum_{o != r} flows[s][o][r]                  (pymrio D_imp_reg)
 *   exports[s][r]  = sum_{d != r} flows[s][r][d]                  (pymrio D_exp_reg)
 *   unallocated[s][r] = sum_{i in r, x_i = 0} F[s][i]  (emissions of zero-output sectors,
 *                       which pymrio drops silently; reported here)
 * so that world PBA = world CBA, sum F + F_Y = world PBA + unallocated,
 * row sums of B = PBA - F_Y, column sums = CBA - F_Y, CBA = PBA + imports - exports.
 *
 * Per-sector accounts (opts.per_sector), pymrio's D_* (k x N):
 *   D_pba[s][i] = S[s][i] x_i;   D_exp[s][i] = S[s][i] sum_{d != r(i)} X[i][d];
 *   D_cba[s][(d,j)] = sum_r M[s][(r,j)] Y_reg[(r,j)][d]   (by consuming region d and final product j);
 *   D_imp[s][(d,j)] = sum_{i not in d} S[s][i] (L Y_reg[:,d] masked to product j)[i]
 *                     (the part emitted outside d, summed directly over the foreign origins).
 * Every import and export is such a direct sum, never a total minus the
 * domestic part, so a small trade share keeps its relative precision.
 *
 * Per-capita and intensity accounts (src/accounts/intensity.c), only where
 * the table has the denominator: with pop_r the table's population
 * (t->population) and va_r = sum_{i in r} F[v][i] over the table's
 * value-added row v (emb_table_value_added_stressor; not necessarily a
 * stressor computed), and sums over members for groups:
 *   pba_per_capita[s][r] = pba[s][r] / pop_r,  cba_per_capita = cba / pop_r
 *   pba_per_va[s][r] = pba[s][r] / va_r,  cba_per_va = cba / va_r  (NaN where va_r <= 0)
 * checked: per_capita x pop = account (relative 1e-12).
 *
 * Trade analyses (src/analysis/; README "What the engine computes"), with
 * A_rr the domestic block of region r, Z' = A diag(x) (Z without the
 * purchases of zero-output sectors, 1/0 := 0 as in A) and y_rd = region d's
 * final demand for region r's products summed over d's categories:
 *   e_rd = Z'_rd 1 + y_rd (r != d),  e_rr = y_rr        (bilateral gross exports)
 *   m_dom[s][r]    = S_r (I - A_rr)^-1                   (domestic multipliers)
 *   eebt_flows[s][r][d] = m_dom[s][r] . e_rd              (EEBT, Peters 2008)
 *   eebt_exports[s][r] = sum_{d != r} eebt_flows[s][r][d];  eebt_imports[s][d] = sum_{r != d} ...
 *   eebt_cba[s][d] = pba[s][d] - eebt_exports[s][d] + eebt_imports[s][d]
 * checked: row sums of eebt_flows = PBA - F_Y, column sums + F_Y = eebt_cba,
 * world eebt_cba = world PBA.  With ex_{r,i} = sum_{d != r} e_rd[i] and
 * Mbar[s][i] = sum_r ex_{r,i} M[s][(r,i)] / sum_r ex_{r,i} (0 where that sum is 0):
 *   tcba[s][r] = cba[s][r] + sum_i ex_{r,i} (M[s][(r,i)] - Mbar[s][i])   (Kander et al. 2015)
 * checked: world TCBA = world CBA.  Groups: sums over members.
 */
#ifndef EMBODIED_ACCOUNTS_H
#define EMBODIED_ACCOUNTS_H

#include <stddef.h>

#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/solver.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_accounts_opts {
    int per_sector;       /* compute D_cba, D_pba, D_imp, D_exp [k][N] */
    int flows_by_sector;  /* compute flows_by_sector [k][N][n_r] */
    double identity_tol;  /* relative tolerance of the identity checks; 0 = default 1e-9 */
    emb_solver_opts solver; /* method, tolerance, memory bound (zero-filled: auto) */
    const emb_context *ctx; /* per-call settings (embodied/context.h) for every stage and the
                             * solver it creates; NULL = the process-wide defaults */
    /* Trade analyses beside the MRIO accounts (formulas below; src/analysis/): */
    int eebt;             /* EEBT: domestic multipliers, eebt_* accounts and flows */
    int eebt_by_sector;   /* also eebt_flows_by_sector [k][N][n_r] (implies eebt) */
    int tcba;             /* technology-adjusted CBA: tcba [k][n_r] */
    /* Compute only what is asked: the table's stressors stressors[0 .. n_stressors)
     * (indices into t->stressors, distinct, in the order wanted).  Only these
     * rows of S are formed and solved (k' = n_stressors transposed solves
     * instead of k) and every result has k' rows, row s being table stressor
     * stressors[s] (emb_accounts_stressor_index); their values are those of
     * the full computation (to the last bits a BLAS kernel's column count can
     * move).  NULL / 0 = every stressor.  The array is copied. */
    const size_t *stressors;
    size_t n_stressors;
} emb_accounts_opts;

typedef struct emb_accounts {
    size_t k, n_r, n_s, N;
    size_t *stressor;    /* [k] the table stressor of row s (opts.stressors; identity when all) */
    double *x;           /* [N] gross output used */
    double *M;           /* [k][N] multipliers S (I - A)^-1 */
    double *pba, *cba, *imports, *exports, *unallocated, *fy; /* [k][n_r]; fy = F_Y by region */
    double *flows;       /* [k][n_r][n_r], origin x destination */
    double *D_cba, *D_pba, *D_imp, *D_exp; /* [k][N] or NULL */
    double *flows_by_sector;               /* [k][N][n_r] or NULL */
    /* group accounts, one row per table group: [k][n_groups] */
    size_t n_groups;
    double *g_pba, *g_cba, *g_imports, *g_exports, *g_unallocated;
    /* quality of the computation */
    double residual_solve;   /* max relative residual of the L y_d solves */
    double residual_tsolve;  /* max relative residual of the multiplier solves */
    double rcond;            /* LAPACK reciprocal condition estimate of I - A (inf-norm) */
    double identity_error;   /* worst relative violation of the accounting identities */
    size_t n_zero_output;    /* sectors with x = 0 */
    size_t n_zero_output_emitting; /* ... of which with non-zero F */
    size_t n_negative_Y;
    size_t n_negative_x;     /* sectors with x < 0 that buy nothing: treated as zero output */
    /* wall-clock seconds: reading T and forming I - A; factorisation; all
     * solves; residual checks; the whole computation */
    double seconds_build, seconds_factor, seconds_solve, seconds_residual, seconds_total;
    emb_solver_stats solver; /* the solver's own report: method used and why, refinement,
                              * fallback, passes over T */
    /* EEBT (opts.eebt; NULL otherwise): emissions embodied in bilateral trade
     * with the exporter's domestic technology (formulas below). */
    double *m_dom;           /* [k][N] domestic multipliers m_r = S_r (I - A_rr)^-1 */
    double *eebt_flows;      /* [k][n_r][n_r] T, origin x destination, diagonal = domestic final demand */
    double *eebt_flows_by_sector; /* [k][N][n_r] m_r elementwise e_rd (opts.eebt_by_sector) */
    double *eebt_cba, *eebt_imports, *eebt_exports; /* [k][n_r] */
    double *g_eebt_cba, *g_eebt_imports, *g_eebt_exports; /* [k][n_groups] */
    double residual_domestic;     /* max relative residual of the domestic multiplier solves */
    double eebt_identity_error;   /* worst relative violation of the EEBT identities */
    /* TCBA (opts.tcba; NULL otherwise). */
    double *tcba;                 /* [k][n_r] */
    double *g_tcba;               /* [k][n_groups] */
    double tcba_identity_error;   /* |world TCBA - world CBA| / world total */
    double seconds_analyses;      /* wall-clock seconds of the EEBT / TCBA step of
                                   * emb_accounts_compute / assemble (pass over T included) */
    /* Per-capita accounts (formulas above; NULL when the table has no population). */
    double *population;           /* [n_r] persons */
    double *pba_per_capita, *cba_per_capita;     /* [k][n_r] stressor units per person */
    double *g_population;         /* [n_groups] */
    double *g_pba_per_capita, *g_cba_per_capita; /* [k][n_groups] */
    /* Intensity accounts (NULL when the table has no value-added row). */
    long value_added_stressor;    /* the table's value-added row, -1 when none */
    double *value_added;          /* [n_r] money (the table's monetary unit) */
    double *pba_per_va, *cba_per_va;             /* [k][n_r] stressor units per unit of value added */
    double *g_value_added;        /* [n_groups] */
    double *g_pba_per_va, *g_cba_per_va;         /* [k][n_groups] */
    double per_capita_identity_error; /* worst relative |per_capita x pop - account| / |account| */
} emb_accounts;

/* Compute every account of table t.  Factorises once, solves n_r direct and
 * k transposed right-hand sides (plus, for per-sector D_imp, min(N, k n_r)
 * more), checks every solve's residual (EMB_ENUMERIC above 1e-8) and the
 * identities (EMB_ENUMERIC above opts.identity_tol).  opts may be NULL.
 * The one-call composition of the stages below:
 *   emb_leontief_create(t, &opts->solver, &lf);
 *   emb_accounts_prepare(t, emb_leontief_x(lf), opts, &prep);
 *   emb_accounts_solve_all(prep, lf);
 *   emb_accounts_assemble(prep, out);
 * and its results are bit-identical to those of that sequence. */
EMB_API emb_status emb_accounts_compute(const emb_table *t, const emb_accounts_opts *opts, emb_accounts **out);

/* ---- Staged accounts: prepare, solve (anywhere, in any pieces), assemble ----
 *
 * The right-hand sides of the computation are two numbered sets of columns
 * of length N:
 *   EMB_ACCOUNTS_DIRECT      (I - A) v = b:    columns 0 .. n_r-1 are Y_reg[:, d];
 *       with opts.per_sector and k n_r > N, N more: column n_r + d n_s + j is
 *       Y_reg[:, d] masked to product j (rows (r, j) for every r).
 *   EMB_ACCOUNTS_TRANSPOSED  (I - A)^T m = b:  columns 0 .. k-1 are S[s, :]^T (rows of M);
 *       with opts.per_sector and k n_r <= N, k n_r more: column k + d k + s is
 *       S[s, :]^T with region d's entries zeroed (D_imp's foreign multipliers).
 * emb_accounts_n_rhs() says how many of each.  Every column must be solved
 * once, by any solver of the same table (dense, mixed, sparse, a second
 * process: an MPI rank can solve a range and send back the columns), in any
 * order and any number of pieces, before emb_accounts_assemble() turns the
 * solutions into the accounts.  A per-sector column is reduced into D_imp as
 * soon as it is set (nothing N x N is kept); each column's contribution is
 * written to its own entries, so the order of the pieces does not matter, and
 * with the same solver and the same column blocks as emb_accounts_solve_all
 * the result is bit-identical to emb_accounts_compute (other block sizes can
 * move the last bit: BLAS kernels depend on the column count).  Calls on one
 * prep must not overlap (solve pieces in parallel into buffers of their own,
 * then set them one at a time).  Memory: the prep holds the accounts' arrays,
 * S, Y_reg and X = L Y_reg (N x n_r); emb_accounts_solve_range() adds
 * N x min(count, 256). */
typedef struct emb_accounts_prep emb_accounts_prep;

typedef enum emb_accounts_rhs_kind {
    EMB_ACCOUNTS_DIRECT = 1,    /* solved with (I - A): emb_leontief_solve */
    EMB_ACCOUNTS_TRANSPOSED = 2 /* solved with (I - A)^T: emb_leontief_tsolve */
} emb_accounts_rhs_kind;

/* Stage 1: check the plan against the memory limit, allocate the results,
 * form S = F diag(1/x), Y_reg, PBA, F_Y by region and the unallocated
 * emissions.  x [N] is the gross output the solvers use: pass
 * emb_leontief_x(lf) of a solver of t (for a Z table without x the solver
 * computes x = Z 1 + Y 1 and screens negative entries), or NULL to take t->x
 * (EMB_EUSAGE when the table has none).  No solver is created here, so the
 * prep can be made where no factorisation will ever be.  x is copied; t must
 * outlive the prep.  *out owned by the caller (emb_accounts_prep_free). */
EMB_API emb_status emb_accounts_prepare(const emb_table *t, const double *x, const emb_accounts_opts *opts,
                                emb_accounts_prep **out);

/* Number of right-hand sides of the given kind (see above). */
EMB_API size_t emb_accounts_n_rhs(const emb_accounts_prep *prep, emb_accounts_rhs_kind which);

/* Right-hand sides first .. first+count-1 of the given kind into B (N x count,
 * column-major, leading dimension ldb >= N).  EMB_EUSAGE on a range out of
 * bounds or ldb < N. */
EMB_API emb_status emb_accounts_rhs(const emb_accounts_prep *prep, emb_accounts_rhs_kind which,
                            size_t first, size_t count, double *B, size_t ldb);

/* Record the solutions of right-hand sides first .. first+count-1 (X, N x
 * count, leading dimension ldx >= N) and the largest relative residual of
 * the piece (as emb_leontief_residuals defines it).  A residual above 1e-8
 * (or NaN) is refused with EMB_ENUMERIC and nothing is recorded; a column
 * set twice keeps the second solution. */
EMB_API emb_status emb_accounts_set_solution(emb_accounts_prep *prep, emb_accounts_rhs_kind which,
                                     size_t first, size_t count, const double *X, size_t ldx,
                                     double residual);

/* Solve right-hand sides first .. first+count-1 of the given kind with lf (a
 * solver of the prep's table) in batches of at most 256 columns, check their
 * residuals (emb_leontief_solve_checked) and record them.  The solver's
 * statistics (method, rcond, times) are copied into the prep: the accounts
 * report those of the last solver used. */
EMB_API emb_status emb_accounts_solve_range(emb_accounts_prep *prep, emb_leontief *lf,
                                    emb_accounts_rhs_kind which, size_t first, size_t count);

/* Solve every right-hand side with lf as emb_accounts_compute does: the n_r
 * direct and k transposed ones in one call (one residual pass), in place in
 * the results, then the per-sector ones in batches of 256. */
EMB_API emb_status emb_accounts_solve_all(emb_accounts_prep *prep, emb_leontief *lf);

/* Stage 3: flows, CBA, imports, exports, per-sector and by-sector accounts,
 * groups, then the identity checks, then the trade analyses opts asked for
 * (EEBT, TCBA: as emb_accounts_add_eebt / _add_tcba, one pass over T
 * shared).  Refused (EMB_EUSAGE, naming the first missing range) while any
 * right-hand side has not been solved; the prep is
 * then unchanged and can still be completed.  Otherwise the prep is spent
 * (a second call is EMB_EUSAGE) and still has to be freed.  *out owned by
 * the caller. */
EMB_API emb_status emb_accounts_assemble(emb_accounts_prep *prep, emb_accounts **out);

/* Free; NULL is a no-op. */
EMB_API void emb_accounts_prep_free(emb_accounts_prep *prep);

/* Recheck the identities of a result; the worst relative violation is
 * returned in *worst.  EMB_ENUMERIC (naming the identity, stressor and region)
 * if it exceeds tol. */
EMB_API emb_status emb_accounts_check(const emb_accounts *acc, double tol, double *worst);

/* Emissions of stressor s released in the regions of `origin` for the final
 * demand of `destination` (each a region or group name of t). */
EMB_API emb_status emb_accounts_flow(const emb_accounts *acc, const emb_table *t, size_t s,
                                     const char *origin, const char *destination, double *value);

EMB_API void emb_accounts_free(emb_accounts *acc);

/* EEBT beside computed accounts acc of table t (formulas above): one pass
 * over the technology matrix (bilateral gross exports e_rd and the domestic
 * blocks), n_r LUs of n_s x n_s (dgetrf, in parallel over regions), k
 * transposed solves per region with each block's residual checked
 * (EMB_ENUMERIC above 1e-8 naming the region), then the flows, accounts and
 * group sums and their identities (EMB_ENUMERIC naming identity, stressor
 * and region above opts->identity_tol, default 1e-9).  Uses
 * opts->eebt_by_sector, identity_tol and ctx (opts may be NULL).  Fills
 * acc->m_dom, eebt_* (replacing earlier ones); on failure acc is unchanged.
 * emb_accounts_compute and emb_accounts_assemble call it when opts.eebt or
 * opts.eebt_by_sector is set. */
EMB_API emb_status emb_accounts_add_eebt(emb_accounts *acc, const emb_table *t,
                                         const emb_accounts_opts *opts);

/* Technology-adjusted CBA beside computed accounts acc of table t (formula
 * above; one pass over the technology matrix for the gross exports), checked
 * world TCBA = world CBA.  Fills acc->tcba, g_tcba (replacing earlier ones);
 * on failure acc is unchanged.  Called by emb_accounts_compute and
 * emb_accounts_assemble when opts.tcba is set (one pass shared with EEBT). */
EMB_API emb_status emb_accounts_add_tcba(emb_accounts *acc, const emb_table *t,
                                         const emb_accounts_opts *opts);

/* ---- Accessors: everything a binding needs without mirroring
 * emb_accounts' layout (which may change).  Pointers point into acc: valid
 * until emb_accounts_free(); never free them.  A NULL acc gives 0 or NULL. */

/* Dimensions: stressors k, regions n_r, sectors per region n_s, industries
 * N = n_r n_s, groups (one row per group of the table, in its order). */
EMB_API size_t emb_accounts_n_stressors(const emb_accounts *acc);
EMB_API size_t emb_accounts_n_regions(const emb_accounts *acc);
EMB_API size_t emb_accounts_n_sectors(const emb_accounts *acc);
EMB_API size_t emb_accounts_n_industries(const emb_accounts *acc);
EMB_API size_t emb_accounts_n_groups(const emb_accounts *acc);

/* The table stressor (index into the table's stressors) of the accounts'
 * row s: s itself unless opts.stressors chose a subset; (size_t)-1 when s is
 * out of range or acc is NULL. */
EMB_API size_t emb_accounts_stressor_index(const emb_accounts *acc, size_t s);

/* The result arrays, row-major, stressor first: */
typedef enum emb_accounts_field {
    EMB_ACC_PBA = 0,         /* [k][n_r] */
    EMB_ACC_CBA,             /* [k][n_r] */
    EMB_ACC_IMPORTS,         /* [k][n_r] */
    EMB_ACC_EXPORTS,         /* [k][n_r] */
    EMB_ACC_UNALLOCATED,     /* [k][n_r] */
    EMB_ACC_FY,              /* [k][n_r] F_Y summed by region */
    EMB_ACC_FLOWS,           /* [k][n_r][n_r] origin x destination */
    EMB_ACC_M,               /* [k][N] multipliers S (I - A)^-1 */
    EMB_ACC_X,               /* [N] gross output used */
    EMB_ACC_D_CBA,           /* [k][N], only with opts.per_sector */
    EMB_ACC_D_PBA,           /* [k][N], only with opts.per_sector */
    EMB_ACC_D_IMP,           /* [k][N], only with opts.per_sector */
    EMB_ACC_D_EXP,           /* [k][N], only with opts.per_sector */
    EMB_ACC_FLOWS_BY_SECTOR, /* [k][N][n_r], only with opts.flows_by_sector */
    EMB_ACC_G_PBA,           /* [k][n_groups] */
    EMB_ACC_G_CBA,           /* [k][n_groups] */
    EMB_ACC_G_IMPORTS,       /* [k][n_groups] */
    EMB_ACC_G_EXPORTS,       /* [k][n_groups] */
    EMB_ACC_G_UNALLOCATED,   /* [k][n_groups] */
    EMB_ACC_M_DOM,           /* [k][N] domestic multipliers, only with opts.eebt */
    EMB_ACC_EEBT_FLOWS,      /* [k][n_r][n_r], only with opts.eebt */
    EMB_ACC_EEBT_FLOWS_BY_SECTOR, /* [k][N][n_r], only with opts.eebt_by_sector */
    EMB_ACC_EEBT_CBA,        /* [k][n_r], only with opts.eebt (EEBT PBA = EMB_ACC_PBA) */
    EMB_ACC_EEBT_IMPORTS,    /* [k][n_r], only with opts.eebt */
    EMB_ACC_EEBT_EXPORTS,    /* [k][n_r], only with opts.eebt */
    EMB_ACC_G_EEBT_CBA,      /* [k][n_groups], only with opts.eebt */
    EMB_ACC_G_EEBT_IMPORTS,  /* [k][n_groups], only with opts.eebt */
    EMB_ACC_G_EEBT_EXPORTS,  /* [k][n_groups], only with opts.eebt */
    EMB_ACC_TCBA,            /* [k][n_r], only with opts.tcba */
    EMB_ACC_G_TCBA,          /* [k][n_groups], only with opts.tcba */
    EMB_ACC_POPULATION,      /* [n_r], only when the table has a population */
    EMB_ACC_PBA_PER_CAPITA,  /* [k][n_r], idem */
    EMB_ACC_CBA_PER_CAPITA,  /* [k][n_r], idem */
    EMB_ACC_G_POPULATION,    /* [n_groups], idem */
    EMB_ACC_G_PBA_PER_CAPITA, /* [k][n_groups], idem */
    EMB_ACC_G_CBA_PER_CAPITA, /* [k][n_groups], idem */
    EMB_ACC_VALUE_ADDED,     /* [n_r], only when the table has a value-added row */
    EMB_ACC_PBA_PER_VA,      /* [k][n_r], idem */
    EMB_ACC_CBA_PER_VA,      /* [k][n_r], idem */
    EMB_ACC_G_VALUE_ADDED,   /* [n_groups], idem */
    EMB_ACC_G_PBA_PER_VA,    /* [k][n_groups], idem */
    EMB_ACC_G_CBA_PER_VA     /* [k][n_groups], idem */
} emb_accounts_field;

/* Pointer to array `f` and its number of elements in *n_elements (may be
 * NULL); NULL and 0 when it was not computed, is empty (no stressors, no
 * groups) or `f` is unknown. */
EMB_API const double *emb_accounts_array(const emb_accounts *acc, emb_accounts_field f,
                                         size_t *n_elements);

/* Quality of the computation: the largest relative residual of the direct
 * and of the transposed (multiplier) solves, the reciprocal condition number
 * of I - A, the worst relative violation of the identities (NaN for a NULL
 * acc), and the name of the solver used ("dense", "mixed", "sparse"). */
EMB_API double emb_accounts_residual_solve(const emb_accounts *acc);
EMB_API double emb_accounts_residual_tsolve(const emb_accounts *acc);
EMB_API double emb_accounts_rcond(const emb_accounts *acc);
EMB_API double emb_accounts_identity_error(const emb_accounts *acc);
EMB_API const char *emb_accounts_solver_name(const emb_accounts *acc);

/* The data facts of the run as text, one line each, "warning: ..." or
 * "note: ..." (what the CLI prints after "embodied: "; README "Data facts"):
 * zero-output sectors that emit (per stressor, the unallocated sum), columns
 * of A summing to >= 1, an ill-conditioned I - A (rcond < 1e-8), sectors with
 * x < 0 treated as zero output, negative final-demand entries.  snprintf's
 * contract: at most size bytes into buf (NUL-terminated when size > 0) and
 * the length of the whole text returned (0: nothing to report; NULL acc or
 * t: 0). */
EMB_API size_t emb_accounts_warnings(const emb_accounts *acc, const emb_table *t, char *buf,
                                     size_t size);

#ifdef __cplusplus
}
#endif
#endif
