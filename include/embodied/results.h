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

/* *is_results = 1 when path is an HDF5 file whose root attribute
 * results_format is "embodied-results" (a file emb_results_write_h5 wrote),
 * else 0 (also for a file that is not HDF5 or cannot be opened: the table
 * reader then says why).  Reads one attribute. */
EMB_API emb_status emb_results_probe(const char *path, int *is_results);

/* Read results file `path` back, solving nothing: *table gets its labels,
 * stressor units, monetary unit, year and groups (no matrices: T NULL, Y
 * and F zero, so it can name regions and groups but not be solved) and
 * *acc the stored accounts (pba, cba, imports, exports, unallocated, fy,
 * flows, M, x, the group accounts, and D_*, flows_by_sector, tcba, EEBT
 * when stored).  The stored accounts must satisfy the identities of
 * emb_accounts_check within 1e-9 (EMB_ENUMERIC naming the identity
 * otherwise); EMB_EINPUT when the file is not a results file of format
 * version 1 or a dataset is missing or of the wrong shape.  Both owned by
 * the caller (emb_table_free, emb_accounts_free). */
EMB_API emb_status emb_results_read_h5(const char *path, emb_table **table, emb_accounts **acc);

/* Recompute the group accounts of acc for every group of t (groups added to
 * the table after the accounts were computed or read): g_pba, g_cba,
 * g_imports, g_exports, g_unallocated and, where acc has them, g_tcba and
 * g_eebt_* = sums over the member regions (the convention of
 * emb_accounts_compute: a group's imports include trade between its
 * members).  On failure acc is unchanged. */
EMB_API emb_status emb_results_regroup(emb_accounts *acc, const emb_table *t);

/* CSV files in folder `dir`: accounts.csv
 * (stressor,unit,region,pba,cba,imports,exports,unallocated,balance[,tcba],kind;
 * balance = exports - imports; tcba when computed; group rows after the
 * regions; kind = region or group), flows.csv
 * (stressor,unit,origin,destination,value,kind: per stressor the region
 * pairs, kind region, then every pair with a group on either side, kind
 * group, each the sum over the member regions), and when computed
 * sectors.csv (stressor,unit,region,sector,D_pba,D_cba,D_imp,D_exp),
 * flows_by_sector.csv (stressor,unit,origin,sector,destination,value),
 * eebt_accounts.csv (stressor,unit,region,pba,cba,imports,exports,balance,kind;
 * kind = region or group), eebt_flows.csv (as flows.csv) and
 * eebt_flows_by_sector.csv (stressor,unit,origin,origin_sector,destination,value).
 * The folder is built beside `dir` and renamed into place as a unit; an
 * existing `dir` is replaced as a whole (exchanged, then removed), so it
 * must hold nothing but such result files (emb_results_check_csv_dir). */
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

/* Output sets: every output written between emb_results_begin_set and
 * emb_results_commit_set (results, CSV folders, tables, reports, by any
 * writer of this library, on the calling thread) is left complete as a
 * temporary in its destination directory, and commit_set renames them all
 * into place or none: a failed rename, or a signal handled with
 * emb_results_interrupt meanwhile, undoes the renames already done (a
 * replaced file or folder comes back).  One set per process at a time
 * (EMB_EUSAGE otherwise).  commit_set: EMB_EIO naming the output that failed,
 * EMB_EINTERRUPTED after a signal; the set is closed either way.
 * discard_set removes every temporary of the set (a failed command). */
EMB_API emb_status emb_results_begin_set(void);
EMB_API emb_status emb_results_commit_set(void);
EMB_API void emb_results_discard_set(void);

/* For a signal handler (async-signal-safe): no commit in progress: remove
 * every temporary (as emb_results_remove_temporaries) and return 1, the
 * caller ends the process (later commits are refused); a commit in progress:
 * return 0 and let it undo its renames and return EMB_EINTERRUPTED, after
 * which the caller ends the process. */
EMB_API int emb_results_interrupt(void);

/* Check, before any work, that `dir` can receive the CSV results of
 * emb_results_write_csv: a missing folder whose parent is a writable
 * directory, or a real folder that holds nothing but result files of
 * embodied (the folder is replaced as a unit, so that no file of an earlier
 * run stays): EMB_EUSAGE for an empty name, else EMB_EIO naming the path or
 * the foreign entry.  *exists = whether the folder exists. */
EMB_API emb_status emb_results_check_csv_dir(const char *dir, int *exists);

/* Call hook(tmp_path) for every output file (results and tables) once its
 * temporary is complete and synced, just before it is renamed into place
 * or handed to the open output set, on the writing thread; NULL (the
 * default) = none.  A process-wide setting for tests that must interrupt a
 * run at a known point (the CLI's EMBODIED_TEST_SIGNAL_AFTER_TEMP) and for
 * callers that log. */
EMB_API void emb_results_set_commit_hook(void (*hook)(const char *tmp_path));
/* Call during(path) in every commit after its first rename (path: that
 * output's final name), so that a test can interrupt a commit halfway;
 * NULL (the default) = none. */
EMB_API void emb_results_set_during_commit_hook(void (*during)(const char *path));

#ifdef __cplusplus
}
#endif
#endif
