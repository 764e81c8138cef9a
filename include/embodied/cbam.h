/* embodied/cbam.h — exposure of exporters to a carbon border adjustment
 * (the EU's CBAM, Regulation (EU) 2023/956) estimated from an MRIO table
 * (README "CBAM exposure"; implementation src/analysis/cbam.c).
 *
 * A concordance maps table sectors to CBAM goods groups with shares
 * sigma (of that sector's trade in the group's goods).  For each exporter o
 * outside the importer and each sector i of o in group g:
 *   v_{o,i}   = sigma_i (sum_{d in importer} Z_{(o,i),d} 1 + Y_{(o,i),d} 1)      import value
 *   direct             = S_{o,i} v_{o,i}
 *   direct_electricity = direct + sum_{e of o in group electricity} sigma_e S_{o,e} A_{(o,e),(o,i)} v_{o,i}
 *   supply_chain       = M_{o,i} v_{o,i},  M = S (I - A)^-1 (every upstream emission, anywhere)
 * emissions in tonnes (the stressor's unit must be a mass: kg, t, kt, Gg, Mt, Tg), and
 *   cost_eur   = emissions_t max(0, price - exporter_price)
 *   cost_share = cost_eur / (import_value * currency_per_unit)   (when a conversion is given).
 * An MRIO estimate is a sector average per unit of money, not the
 * regulation's installation-level embedded emissions per tonne of product;
 * the supply-chain basis is an upper bound. */
#ifndef EMBODIED_CBAM_H
#define EMBODIED_CBAM_H

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

/* The goods groups of Annex I of the regulation. */
typedef enum emb_cbam_group {
    EMB_CBAM_IRON_STEEL = 0,
    EMB_CBAM_ALUMINIUM,
    EMB_CBAM_CEMENT,
    EMB_CBAM_FERTILISERS,
    EMB_CBAM_HYDROGEN,
    EMB_CBAM_ELECTRICITY,
    EMB_CBAM_N_GROUPS
} emb_cbam_group;

/* "iron_steel", "aluminium", "cement", "fertilisers", "hydrogen",
 * "electricity" (NULL out of range). */
EMB_API const char *emb_cbam_group_name(emb_cbam_group g);

typedef enum emb_cbam_basis {
    EMB_CBAM_DIRECT = 0,
    EMB_CBAM_DIRECT_ELECTRICITY,
    EMB_CBAM_SUPPLY_CHAIN,
    EMB_CBAM_N_BASES
} emb_cbam_basis;

/* "direct", "direct_electricity", "supply_chain" (NULL out of range). */
EMB_API const char *emb_cbam_basis_name(emb_cbam_basis b);

/* A concordance read for one table. */
typedef struct emb_cbam_concordance emb_cbam_concordance;

/* Read a concordance CSV: lines starting with '#' and blank lines are
 * comments (the shipped files open with their caveats), then the header
 * `sector,cbam_group,share` and one row per (sector, group): sector a
 * sector label of t (it applies to that sector of every region), cbam_group
 * one of the groups above, share in (0, 1]; a sector's shares sum to at most
 * 1; a (sector, group) pair appears once.  Violations are EMB_EINPUT naming
 * the file and line (an unknown sector label names the closest labels of
 * the table); a file that cannot be read EMB_EIO.  *out owned by the caller. */
EMB_API emb_status emb_cbam_concordance_read(const char *path, const emb_table *t,
                                             emb_cbam_concordance **out);

/* Number of rows; row i as (sector index, group, share) (EMB_EUSAGE out of range). */
EMB_API size_t emb_cbam_concordance_n_rows(const emb_cbam_concordance *c);
EMB_API emb_status emb_cbam_concordance_row(const emb_cbam_concordance *c, size_t i, size_t *sector,
                                            emb_cbam_group *group, double *share);

EMB_API void emb_cbam_concordance_free(emb_cbam_concordance *c);

/* A carbon price paid at home by one exporter (region or group name: a
 * group sets each member). */
typedef struct emb_cbam_price {
    const char *region;
    double eur_per_t;
} emb_cbam_price;

typedef struct emb_cbam_opts {
    const char *importer;        /* region or group name (required) */
    const char *stressor;        /* stressor name (emb_table_stressor_index); NULL: the table's
                                  * only stressor (EMB_EUSAGE when it has several) */
    double price;                /* EUR per tonne at the border (>= 0; the CLI's default is 80) */
    const emb_cbam_price *exporter_prices; /* [n_exporter_prices]; exporters not listed pay 0 */
    size_t n_exporter_prices;
    double currency_per_unit;    /* euros per unit of the table's money; 0: no cost_share */
    double identity_tol;         /* relative tolerance of the checks; 0 = 1e-9 */
    const emb_context *ctx;      /* per-call settings; NULL = the defaults */
} emb_cbam_opts;

/* One row of the result.  exporter -1 = all exporters, group -1 = all groups. */
typedef struct emb_cbam_row {
    long exporter;          /* region index or -1 */
    int group;              /* emb_cbam_group or -1 */
    emb_cbam_basis basis;
    double import_value;    /* in the table's money */
    double emissions_t;     /* tonnes */
    double price;           /* EUR/t at the border */
    double exporter_price;  /* EUR/t paid at home; NaN for the exporter -1 rows */
    double cost_eur;
    double cost_share;      /* NaN without currency_per_unit or with import_value 0 */
} emb_cbam_row;

typedef struct emb_cbam emb_cbam;

/* CBAM exposure of every exporter outside opts->importer, with lf, a solver
 * of t (one transposed solve for M's row of the stressor; residual <= 1e-8,
 * else EMB_ENUMERIC).  Before returning, checks that the multipliers
 * allocate the world's emissions exactly once, M (Y 1) = S x, within
 * identity_tol (EMB_ENUMERIC otherwise).  Rows: for each exporter (table
 * order) and each group of the concordance (enum order) the three bases;
 * then per exporter its totals (group -1), per group its totals (exporter
 * -1), then the grand total (-1, -1).  *out owned by the caller. */
EMB_API emb_status emb_cbam_compute(const emb_table *t, emb_leontief *lf,
                                    const emb_cbam_concordance *conc, const emb_cbam_opts *opts,
                                    emb_cbam **out);

EMB_API size_t emb_cbam_n_rows(const emb_cbam *c);
EMB_API emb_status emb_cbam_row_get(const emb_cbam *c, size_t i, emb_cbam_row *row);

/* The rows as CSV
 *   exporter,cbam_group,import_value,money_unit,basis,emissions_t,price,
 *   exporter_price,cost_eur,cost_share
 * ("all" for -1; empty exporter_price and cost_share where NaN) or as an
 * aligned table (fmt), to path atomically or to standard output (NULL). */
EMB_API emb_status emb_cbam_write(const emb_cbam *c, const emb_table *t, emb_results_format fmt,
                                  const char *path);

/* The terminal summary: exporters ranked by cost on the direct_electricity
 * basis (then supply_chain), with import value, emissions and cost on every
 * basis; to path atomically or standard output (NULL). */
EMB_API emb_status emb_cbam_write_summary(const emb_cbam *c, const emb_table *t, const char *path);

/* Free; NULL is a no-op. */
EMB_API void emb_cbam_free(emb_cbam *c);

#ifdef __cplusplus
}
#endif
#endif
