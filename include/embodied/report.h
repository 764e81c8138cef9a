/* embodied/report.h — `embodied report`: a self-contained HTML report (inline
 * SVG and CSS, no script, nothing from the network) of a results HDF5 file
 * written by `embodied accounts -o` (implementation in src/report/). */
#ifndef EMBODIED_REPORT_H
#define EMBODIED_REPORT_H

#include <stddef.h>

#include "embodied/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_report_opts {
    const char *stressor; /* name of the stressor charted (NULL: the first) */
    const char *svg_dir; /* when set, each chart is also written there as a standalone SVG */
    const char *const *pairs; /* "ORIGIN:DESTINATION" (regions or groups): flows by origin sector */
    size_t n_pairs;
    size_t heatmap_regions;   /* regions in the net-transfer heatmap (0: 10) */
    const char *series;       /* the batch series file (DIR/series.csv: year,stressor,unit,region,
                               * pba,cba,imports,exports,unallocated,kind): PBA and CBA of the
                               * charted stressor over the years; NULL: no time series */
} emb_report_opts;

/* report(results) = HTML with PBA vs CBA per region (sorted by PBA), the
 * balance exports - imports per region, the net-transfer heatmap
 * B[o][d] - B[d][o] of the largest regions by PBA and the groups (members
 * summed; no cell between units sharing a region), the flows of the chosen
 * pairs by origin sector (when the results hold flows_by_sector), the time
 * series of opts->series, the data facts (with the run's `warnings`
 * attribute) and provenance (with `input_sha256` when present); each
 * chart's numbers in a <details> table and as data-value attributes (%.17g).
 * Checks sum(balance) = 0, balance = exports - imports and exports = the
 * off-diagonal row sums of flows to 1e-9 of the largest |value|, each
 * pair's sector flows summing to its flow, and the series' exports -
 * imports summing to 0 over the regions of every year, before anything is
 * written (EMB_ENUMERIC otherwise; a malformed series EMB_EINPUT, one
 * without the charted stressor EMB_EUSAGE). */
EMB_API emb_status emb_report_write(const char *results_path, const char *html_path,
                                    const emb_report_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
