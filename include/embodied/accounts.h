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
 *   D_imp[s][(d,j)] = D_cba[s][(d,j)] minus the part produced in d.
 */
#ifndef EMBODIED_ACCOUNTS_H
#define EMBODIED_ACCOUNTS_H

#include <stddef.h>

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
} emb_accounts_opts;

typedef struct emb_accounts {
    size_t k, n_r, n_s, N;
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
} emb_accounts;

/* Compute every account of table t.  Factorises once, solves n_r direct and
 * k transposed right-hand sides (plus, for per-sector D_imp, min(N, k n_r)
 * more), checks every solve's residual (EMB_ENUMERIC above 1e-8) and the
 * identities (EMB_ENUMERIC above opts.identity_tol).  opts may be NULL. */
EMB_API emb_status emb_accounts_compute(const emb_table *t, const emb_accounts_opts *opts, emb_accounts **out);

/* Recheck the identities of a result; the worst relative violation is
 * returned in *worst.  EMB_ENUMERIC (naming the identity, stressor and region)
 * if it exceeds tol. */
EMB_API emb_status emb_accounts_check(const emb_accounts *acc, double tol, double *worst);

/* Emissions of stressor s released in the regions of `origin` for the final
 * demand of `destination` (each a region or group name of t). */
EMB_API emb_status emb_accounts_flow(const emb_accounts *acc, const emb_table *t, size_t s,
                                     const char *origin, const char *destination, double *value);

EMB_API void emb_accounts_free(emb_accounts *acc);

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
    EMB_ACC_G_UNALLOCATED    /* [k][n_groups] */
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

#ifdef __cplusplus
}
#endif
#endif
