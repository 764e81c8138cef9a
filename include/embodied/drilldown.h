/* embodied/drilldown.h — the drill-down of one trade pair: the emissions
 * released in an origin O (region or group) for the final demand of a
 * destination D, B[O][D] = sum_{i in O} S_i (L y_D)_i, split three ways
 * (README "Drill-down of a trade pair"; implementation src/analysis/drilldown.c):
 *   by origin sector i in O:          v_i     = S_i (L y_D)_i
 *   by final product p (any region):  v_p     = (S restricted to O) L e_p  y_{p,D}
 *   both (origin sector x product):   v_{i,p} = S_i L_{i,p} y_{p,D}
 * with L = (I - A)^-1, S = F diag(1/x) and y_D the final demand of D's
 * regions summed over their categories.  The final-product view needs k
 * transposed solves (one per stressor), the combined view one transposed
 * solve per sector of O (rows of L); the inverse is never formed.  Each
 * view must sum to B[O][D] as the accounts compute it: checked for every
 * stressor before anything is returned (EMB_ENUMERIC naming the view, the
 * stressor and both numbers otherwise). */
#ifndef EMBODIED_DRILLDOWN_H
#define EMBODIED_DRILLDOWN_H

#include <stddef.h>

#include "embodied/api.h"
#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/results.h"
#include "embodied/solver.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which split (flows --by). */
typedef enum emb_drilldown_by {
    EMB_DRILL_ORIGIN_SECTOR = 1, /* one row per (origin region, sector) of O */
    EMB_DRILL_FINAL_PRODUCT = 2, /* one row per product (region, sector) bought by D's final demand */
    EMB_DRILL_BOTH = 3           /* one row per origin sector and product (non-zero entries only) */
} emb_drilldown_by;

/* "origin-sector", "final-product", "both" into *by; EMB_EUSAGE naming the
 * choices otherwise. */
EMB_API emb_status emb_drilldown_parse_by(const char *s, emb_drilldown_by *by);

typedef struct emb_drilldown_opts {
    emb_drilldown_by by;
    double identity_tol;    /* relative tolerance of the sum checks; 0 = 1e-9 */
    const emb_context *ctx; /* per-call settings; NULL = the defaults */
} emb_drilldown_opts;

typedef struct emb_drilldown emb_drilldown;

/* One row of a drill-down.  Indices are -1 where the column does not apply
 * (no product in the origin-sector view, no origin sector in the
 * final-product view). */
typedef struct emb_drilldown_row {
    long origin_region, origin_sector;   /* region index, sector index */
    long product_region, product_sector;
    double value;                        /* in the stressor's unit */
} emb_drilldown_row;

/* Drill down the pair (origin, destination), each a region or group name of
 * t, for every stressor of t, with lf, a solver of t (emb_leontief_create;
 * the caller factorises once for any number of pairs).  The pair's flow is
 * taken from the staged accounts solved with lf (emb_accounts_prepare /
 * solve_all / assemble, emb_accounts_flow), the views from their own
 * solves; every solve's residual must be <= 1e-8 (EMB_ENUMERIC).  Rows are
 * sorted by |value| descending within each stressor.  *out owned by the
 * caller (emb_drilldown_free). */
EMB_API emb_status emb_drilldown_compute(const emb_table *t, emb_leontief *lf, const char *origin,
                                         const char *destination, const emb_drilldown_opts *opts,
                                         emb_drilldown **out);

/* B[O][D] of stressor s as the accounts computed it (NaN when s is out of
 * range or dd is NULL). */
EMB_API double emb_drilldown_flow(const emb_drilldown *dd, size_t s);

/* Number of rows of stressor s (0 when out of range), and row i of stressor
 * s into *row (EMB_EUSAGE when out of range). */
EMB_API size_t emb_drilldown_n_rows(const emb_drilldown *dd, size_t s);
EMB_API emb_status emb_drilldown_row_get(const emb_drilldown *dd, size_t s, size_t i,
                                         emb_drilldown_row *row);

/* Largest relative difference between a view's sum and B[O][D] over the
 * stressors (what the check measured). */
EMB_API double emb_drilldown_identity_error(const emb_drilldown *dd);

/* Write the drill-down of stressors sel[0 .. nsel) (sel NULL: all) as CSV
 *   stressor,unit,origin,destination,origin_region,origin_sector,
 *   product_region,product_sector,value,share
 * (columns that do not apply empty; share = value / B[O][D], empty when
 * B[O][D] = 0) or as an aligned table (fmt), to path atomically or to
 * standard output (path NULL).  top > 0 keeps the first `top` rows of each
 * stressor and adds one row `other` (origin_region) holding the sum of the
 * rest, summed directly, so that the rows still sum to B[O][D]. */
EMB_API emb_status emb_drilldown_write(const emb_drilldown *dd, const emb_table *t, const size_t *sel,
                                       size_t nsel, size_t top, emb_results_format fmt,
                                       const char *path);

/* Free; NULL is a no-op. */
EMB_API void emb_drilldown_free(emb_drilldown *dd);

#ifdef __cplusplus
}
#endif
#endif
