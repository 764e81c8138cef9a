/* embodied/results.h — writing computed accounts: an HDF5 results file,
 * tidy long-form CSV (shortest round-trip numbers), the
 * flows between regions or groups and the per-region summary (the outputs of
 * `embodied accounts` and `embodied flows`; implementation in src/results/).
 * Every file is written to a temporary in its directory and renamed into
 * place, so a failure or a signal leaves no partial result. */
#ifndef EMBODIED_RESULTS_H
#define EMBODIED_RESULTS_H

#include <stddef.h>

#include "embodied/accounts.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results HDF5 (layout in README "Outputs"): labels, pba/cba/imports/exports/
 * unallocated/fy/balance [k][n_r], flows [k][n_r][n_r], M [k][N], x [N], D_*,
 * flows_by_sector, tcba and the /eebt group when computed, groups, and
 * provenance attributes (input file name and size, version, solver,
 * residuals, date). */
EMB_API emb_status emb_results_write_h5(const emb_accounts *acc, const emb_table *t, const char *path);

/* CSV files in directory `dir` (created if missing): accounts.csv
 * (stressor,unit,region,pba,cba,imports,exports,unallocated,balance[,tcba];
 * balance = exports - imports; tcba when computed; groups after regions),
 * flows.csv (stressor,unit,origin,destination,value), and when computed
 * sectors.csv (stressor,unit,region,sector,D_pba,D_cba,D_imp,D_exp),
 * flows_by_sector.csv (stressor,unit,origin,sector,destination,value),
 * eebt_accounts.csv (stressor,unit,region,pba,cba,imports,exports,balance,kind;
 * kind = region or group), eebt_flows.csv (as flows.csv) and
 * eebt_flows_by_sector.csv (stressor,unit,origin,origin_sector,destination,value). */
EMB_API emb_status emb_results_write_csv(const emb_accounts *acc, const emb_table *t, const char *dir);

/* Stressors: every writer labels the accounts' row s with the table's
 * stressor emb_accounts_stressor_index(acc, s) (a subset when
 * emb_accounts_opts.stressors chose one); a selection sel[] below indexes
 * the accounts' rows. */

/* Text formats of the flows writer. */
typedef enum emb_results_format {
    EMB_RESULTS_TEXT = 0, /* aligned columns: stressor, unit, origin, [sector,] destination,
                           * value (%.6f) after a header line */
    EMB_RESULTS_CSV = 1   /* stressor,unit,origin,[sector,]destination,value; shortest round-trip numbers */
} emb_results_format;

/* An origin and a destination, each a region or group name of the table. */
typedef struct emb_flow_pair {
    const char *origin;
    const char *destination;
} emb_flow_pair;

/* The flows of stressors sel[0 .. nsel) (sel NULL: every stressor) for
 * pairs[0 .. npairs) (npairs 0: every region pair, origin-major), each the
 * sum of flows over the origin's and the destination's member regions; with
 * by_sector, one row per origin sector (the accounts must have
 * flows_by_sector).  Written to path atomically, or to standard output when
 * path is NULL (EMB_EIO, "standard output: write error", when that fails).
 * Names and indices are checked before anything is written: EMB_EUSAGE. */
EMB_API emb_status emb_results_write_flows(const emb_accounts *acc, const emb_table *t, const size_t *sel,
                                   size_t nsel, const emb_flow_pair *pairs, size_t npairs,
                                   int by_sector, emb_results_format fmt, const char *path);

/* Net transfers (the balance of emissions embodied in trade between two
 * units): for each pair (npairs 0: every pair of regions o < d, in region
 * order) and selected stressor (sel NULL: all), flow = B[o][d], reverse =
 * B[d][o] and net = flow - reverse, each summed over the member regions of a
 * group; CSV `stressor,unit,origin,destination,flow,reverse,net` or aligned
 * text, to path atomically or standard output (path NULL).  Names and
 * indices are checked before anything is written: EMB_EUSAGE. */
EMB_API emb_status emb_results_write_net_flows(const emb_accounts *acc, const emb_table *t,
                                               const size_t *sel, size_t nsel,
                                               const emb_flow_pair *pairs, size_t npairs,
                                               emb_results_format fmt, const char *path);

/* The summary of `embodied accounts`: per selected stressor (sel NULL: all)
 * a table of PBA, CBA (and beside it the CBA by EEBT and the TCBA when the
 * accounts have them), imports, exports, CBA/PBA and unallocated for each
 * region and group, and the world totals; to path atomically or to standard
 * output (path NULL). */
EMB_API emb_status emb_results_write_summary(const emb_accounts *acc, const emb_table *t,
                                     const size_t *sel, size_t nsel, const char *path);

/* Remove every temporary output file this process is writing (results and
 * tables), for SIGINT/SIGTERM handlers: async-signal-safe (unlink only, no
 * allocation, no lock).  The writers then fail or finish as usual; the
 * caller is expected to exit. */
EMB_API void emb_results_remove_temporaries(void);

/* Call hook(tmp_path) for every output file (results and tables) once its
 * temporary is complete and synced, just before it is renamed into place, on
 * the writing thread; NULL (the default) = none.  A process-wide setting for
 * tests that must interrupt a run at a known point (the CLI's
 * EMBODIED_TEST_SIGNAL_AFTER_TEMP) and for callers that log. */
EMB_API void emb_results_set_commit_hook(void (*hook)(const char *tmp_path));

#ifdef __cplusplus
}
#endif
#endif
