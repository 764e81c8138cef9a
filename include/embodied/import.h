/* embodied/import.h — importers from the text layouts MRIO databases ship in.
 * Each builds an in-memory emb_table (T in memory) that emb_table_write_h5()
 * saves in the embodied-mrio format.  Importers read and convert; they never
 * call the solver (an A table without x is completed by the caller, see
 * emb_import_pymrio). */
#ifndef EMBODIED_IMPORT_H
#define EMBODIED_IMPORT_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/context.h"
#include "embodied/progress.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options shared by all importers; a zero-filled struct (or NULL) means the
 * defaults.  Fields a format has no use for are ignored (documented per
 * importer). */
typedef struct emb_import_opts {
    /* Extensions (satellite-account folders) to keep, by folder name; NULL or
     * n_extensions == 0 keeps all. */
    const char *const *extensions;
    size_t n_extensions;
    /* Stressors to keep: fnmatch(3) glob patterns (no flags: '*' also
     * matches '/') matched against the full stressor name
     * ("air_emissions/CO2/air"); a stressor is kept when any pattern
     * matches, the others are skipped while reading, never stored; none
     * given keeps all.  A pattern that matches no stressor (of the kept
     * extensions) is an error naming it (pymrio: EMB_EUSAGE, with the
     * closest names). */
    const char *const *stressor_patterns;
    size_t n_stressor_patterns;
    /* Formats without emissions (OECD ICIO): a stressor table CSV. */
    const char *stressors_csv;
    /* Rename regions after reading, by a named scheme; NULL or "" keeps the
     * labels as spelled in the files.  "exiobase3": pymrio's parse_exiobase3
     * renaming of older EXIOBASE 3 codes (AUS -> AU, ..., WWF -> WF).  Only
     * emb_import_pymrio uses it (an unknown scheme is EMB_EUSAGE). */
    const char *rename_regions;
    /* Progress of reading input files (see embodied/progress.h); may be NULL. */
    emb_progress_fn progress;
    void *progress_ctx;
    /* Per-call settings (embodied/context.h: memory limit, interruption;
     * its progress callback when `progress` is NULL); NULL = defaults. */
    const emb_context *ctx;
} emb_import_opts;

/* Import the pymrio / EXIOBASE-3 text layout from `path`, a folder or a .zip
 * (file_parameters.json at the root or inside one top-level folder):
 * Z.txt or A.txt (+ x.txt), Y.txt, unit.txt, and every extension sub-folder
 * with F.txt and F_Y.txt (or F_hh.txt) and unit.txt.  Stressors are named
 * "<extension folder>/<stressor>[/<compartment>]".  Importers never call the
 * solver: where only A is given and x.txt is absent (EXIOBASE 3 downloads),
 * the table comes back with t->tech_kind == EMB_TECH_A and t->x == NULL,
 * t->source says so, and the caller completes it with emb_table_complete_x()
 * (embodied/solver.h: x = (I - A)^-1 (Y 1), an N x N factorisation) before
 * emb_table_validate(), emb_table_write_h5() or the accounts, which need x
 * with A (`embodied import` does this and says so on stderr).
 * opts->rename_regions ("exiobase3") renames the regions as pymrio's
 * parse_exiobase3 does, once the files are read (messages about the files
 * name the codes as spelled there); a new name that is already a region is
 * EMB_EINPUT.  t->source counts the regions renamed.
 * Files are parsed as streams; memory is bounded by the arrays produced.
 * opts may be NULL. *out is owned by the caller. */
EMB_API emb_status emb_import_pymrio(const char *path, const emb_import_opts *opts, emb_table **out);

/* Import Eora26 from `path`, a folder or a .zip holding Eora26_YYYY_bp_{T,FD,
 * Q,QY}.txt and labels_{T,FD,Q}.txt (at the top or inside one top-level
 * folder; labels missing from a zip are looked for in an indices.zip beside
 * it).  Basic prices only; the year comes from the file names.  Regions are
 * the ISO3 codes of labels_T.txt; the Rest-of-World region ("ROW") is dropped
 * as pymrio does and the sums dropped are written into t->source.  Stressors
 * are labels_Q.txt's cells joined by '/', their unit the "(...)" ending the
 * first cell ("unknown" without); opts->stressor_patterns selects among them
 * (a pattern matching none is EMB_EUSAGE); other options are ignored.  Money
 * is in 1000 USD.  VA.txt is not read.  opts may be NULL. */
EMB_API emb_status emb_import_eora26(const char *path, const emb_import_opts *opts, emb_table **out);

/* Import an OECD ICIO table (2016-2023 releases) from `path`: the CSV, the
 * release's zip holding one CSV, or "ZIP:MEMBER".  CN1/CN2 and MX1/MX2 are
 * added into CHN and MEX; value-added rows are dropped; the output row is
 * checked against Z 1 + Y 1 (findings in t->source) and x is not stored.
 * Stressors come from opts->stressors_csv (wide: rows stressor[, unit],
 * columns REGION_SECTOR codes; long: region, sector, stressor, value[, unit]),
 * matched by code; a code that matches no industry or final-demand column is
 * EMB_EINPUT.  Without it the table has k = 0 stressors.  opts->extensions is
 * ignored.  *out owned by the caller. */
EMB_API emb_status emb_import_oecd_icio(const char *path, const emb_import_opts *opts, emb_table **out);

/* Import plain CSV matrices described by a JSON manifest (datasets/README.md,
 * "Plain CSV tables"): `path` is a folder or .zip holding manifest.json, or
 * the manifest itself.  Z or A (+ x), Y, F with stressor and unit labels,
 * optional F_Y and x; labels as spelled.  opts->extensions is ignored;
 * opts->stressors_csv is EMB_EUSAGE (stressors belong in F).
 * *out owned by the caller. */
EMB_API emb_status emb_import_csv(const char *path, const emb_import_opts *opts, emb_table **out);

/* Import a GLORIA release (MRIO v57+) from `path`, the folder holding
 * GLORIA_MRIOs_<v>_<year> and GLORIA_SatelliteAccounts_0<v>_<year> (folders
 * or zips) and GLORIA_ReadMe_0<v>.xlsx: the T-, Y- and V-Results and the TQ-
 * and YQ-Results satellites at basic prices (Markup001).  Built as pymrio's
 * parse_gloria does: a product-by-product table under the industry-technology
 * assumption, Z = U diag(g)^-1 V (g = V 1), x = U 1 + Y 1 = Z 1 + Y 1,
 * F = TQ diag(g)^-1 V, F_Y = YQ; value added becomes stressors
 * "VA/<category>".  An industry without output (g = 0) is mapped to its own
 * product, so its inputs and emissions are kept (pymrio drops them); a
 * product left with x = 0 keeps no inputs, and its emissions are reported
 * by the accounts as unallocated (datasets/README.md, GLORIA).
 * Z is held as CSR (t->csr).  Regions are the ReadMe's ISO3 acronyms;
 * regions with an all-zero T (DYE in 2022) are dropped and named in
 * t->source.  Stressors are "Q/<Sat_head_indicator>/<Sat_indicator>" with
 * Sat_unit; opts->extensions selects "Q" and/or "VA",
 * opts->stressor_patterns the stressors; opts->stressors_csv is ignored.
 * Money: 1000 USD.  *out owned by the caller. */
EMB_API emb_status emb_import_gloria(const char *path, const emb_import_opts *opts, emb_table **out);

#ifdef __cplusplus
}
#endif
#endif
