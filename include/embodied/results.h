/* embodied/results.h — writing computed accounts: an HDF5 results file and
 * tidy long-form CSV (17 significant digits, so values round-trip).
 * Every file is written to a temporary and renamed into place. */
#ifndef EMBODIED_RESULTS_H
#define EMBODIED_RESULTS_H

#include <stdio.h>

#include "embodied/accounts.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results HDF5 (layout in README "Outputs"): labels, pba/cba/imports/exports/
 * unallocated/fy [k][n_r], flows [k][n_r][n_r], M [k][N], x [N], D_* and
 * flows_by_sector when computed, groups, and provenance attributes (input
 * file name and size, version, solver, residuals, date). */
EMB_API emb_status emb_results_write_h5(const emb_accounts *acc, const emb_table *t, const char *path);

/* CSV files in directory `dir` (created if missing): accounts.csv
 * (stressor,unit,region,pba,cba,imports,exports,unallocated; groups after
 * regions), flows.csv (stressor,unit,origin,destination,value), and when
 * computed sectors.csv (stressor,unit,region,sector,D_pba,D_cba,D_imp,D_exp)
 * and flows_by_sector.csv (stressor,unit,origin,sector,destination,value). */
EMB_API emb_status emb_results_write_csv(const emb_accounts *acc, const emb_table *t, const char *dir);

/* Print a %.17g number as CSV would (shared by every CSV writer). */
EMB_API void emb_csv_number(FILE *fp, double v);
/* Print a CSV field, quoted when it contains a comma, quote or newline. */
EMB_API void emb_csv_field(FILE *fp, const char *s);

#ifdef __cplusplus
}
#endif
#endif
