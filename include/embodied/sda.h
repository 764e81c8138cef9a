/* embodied/sda.h — structural decomposition of the change in consumption-
 * based emissions between two tables (two years): README "Structural
 * decomposition".
 *
 * For each consuming region d, with y_d = final demand of d summed over its
 * categories, level v_d = 1'y_d and structure w_d = y_d / v_d (so that
 * y_d = w_d v_d; w_d includes the origin mix: who supplies d), industry CBA
 *   CBA_d = S L w_d v_d,   S = F diag(1/x) (1/0 := 0), L = (I - A)^-1,
 * and CBA_d(1) - CBA_d(0) is split exactly into four effects, intensity
 * (S), technology (L), final-demand structure (w) and level (v), by the
 * Shapley decomposition: with f(a, b, c, e) = S_a L_b w_c v_e (each index
 * 0 or 1: the year a factor is taken from), the effect of a factor is
 *   sum over the 8 settings of the three others of
 *       weight(number of them at year 1) x (f with the factor at 1 - f with it at 0),
 *   weight(0) = weight(3) = 1/4, weight(1) = weight(2) = 1/12,
 * the average over the 4! orders of changing the factors one at a time.
 * The effects add up to f(1,1,1,1) - f(0,0,0,0) with no residual in exact
 * arithmetic.  Household direct emissions (F_Y) change separately:
 *   delta = cba1 - cba0 = intensity + technology + fd_structure + fd_level
 *           + household_direct + residual,
 * cba0/cba1 the accounts' CBA (F_Y included, emb_accounts_compute).  Groups
 * of regions and the world are sums of their members' effects (a group is
 * not decomposed on its pooled final demand).
 *
 * Work: two factorisations (one per table, one alive at a time) and 2 n_r
 * solves with each (L_b w_c, b, c in {0, 1}), residuals checked; then
 * k x n_r x 8 dot products of length N.
 */
#ifndef EMBODIED_SDA_H
#define EMBODIED_SDA_H

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

typedef struct emb_sda_opts {
    double deflate1;        /* divide the second table's money (Z, Y, x) by this price index
                             * before decomposing: S_1 := deflate1 S_1, v_1 := v_1 / deflate1
                             * (A and w are unchanged, CBA too); 0 or 1 = none */
    double residual_tol;    /* |residual| allowed, relative to |delta| + |cba0|; 0 = 1e-10 */
    emb_solver_opts solver; /* method, tolerance, memory bound of both factorisations
                             * (zero-filled: auto) */
    const emb_context *ctx; /* per-call settings (embodied/context.h); NULL = defaults */
} emb_sda_opts;

typedef struct emb_sda emb_sda;

/* The columns of a decomposition row (order of the CSV output). */
typedef enum emb_sda_field {
    EMB_SDA_CBA0 = 0,         /* CBA of the first table, F_Y included */
    EMB_SDA_CBA1,             /* CBA of the second table */
    EMB_SDA_DELTA,            /* cba1 - cba0 */
    EMB_SDA_INTENSITY,        /* effect of S */
    EMB_SDA_TECHNOLOGY,       /* effect of L */
    EMB_SDA_FD_STRUCTURE,     /* effect of w */
    EMB_SDA_FD_LEVEL,         /* effect of v */
    EMB_SDA_HOUSEHOLD_DIRECT, /* F_Y(1) - F_Y(0) of the region */
    EMB_SDA_RESIDUAL,         /* delta - the five above (rounding only) */
    EMB_SDA_NFIELDS
} emb_sda_field;

/* Year of a table for the decomposition's output: t->year when set, else
 * the last 4-digit number (1900..2199, not part of a longer run of digits)
 * in the file name of t->path; 0 when neither says. */
EMB_API int emb_sda_table_year(const emb_table *t);

/* Decompose CBA(t1) - CBA(t0) for every stressor, region, group of t0 and
 * the world (formulas above).  The tables must have the same regions,
 * sectors and stressors (names and units), in the same order (EMB_EINPUT
 * naming the first difference; final-demand categories may differ, each
 * region's are summed); a region whose final demand
 * sums to zero in either table has no structure w (EMB_EINPUT naming it);
 * a group of t0 named "World" is refused (EMB_EUSAGE: the world row's name).
 * Every solve's residual is checked (EMB_ENUMERIC above 1e-8), then the
 * world identity of each table (sum_d S L y_d = sum of F over the sectors
 * with x > 0, to 1e-9 of sum |F|) and, before
 * the result is returned, every row's residual against opts.residual_tol
 * (EMB_ENUMERIC naming the stressor, row and identity).  opts may be NULL.
 * *out owned by the caller (emb_sda_free). */
EMB_API emb_status emb_sda_compute(const emb_table *t0, const emb_table *t1, const emb_sda_opts *opts,
                                   emb_sda **out);

/* Dimensions: stressors (those of the tables), rows (regions, then groups
 * of t0, then "World"). */
EMB_API size_t emb_sda_n_stressors(const emb_sda *r);
EMB_API size_t emb_sda_n_rows(const emb_sda *r);

/* Name of row i (region, group or "World"), stressor s and its unit; NULL
 * out of range. */
EMB_API const char *emb_sda_row_name(const emb_sda *r, size_t i);
EMB_API const char *emb_sda_stressor(const emb_sda *r, size_t s);
EMB_API const char *emb_sda_stressor_unit(const emb_sda *r, size_t s);

/* Years of the two tables (emb_sda_table_year; which = 0 or 1). */
EMB_API int emb_sda_year(const emb_sda *r, int which);

/* Value of field f for stressor s and row i; NaN out of range. */
EMB_API double emb_sda_value(const emb_sda *r, size_t s, size_t i, emb_sda_field f);

/* Largest |residual| / (|delta| + |cba0|) over every row (0 when exact). */
EMB_API double emb_sda_worst_residual(const emb_sda *r);

/* Largest relative residual of the solves L_b w_c (emb_leontief_residuals). */
EMB_API double emb_sda_residual_solve(const emb_sda *r);

/* The report of table `which`'s (0 or 1) factorisation and solves: method
 * and why, rcond, times.  EMB_EUSAGE on a bad argument. */
EMB_API emb_status emb_sda_solver_stats(const emb_sda *r, int which, emb_solver_stats *st);

/* Write the decomposition of stressors sel[0 .. nsel) (sel NULL: all) as
 *   stressor,unit,region,year0,year1,cba0,cba1,delta,intensity,technology,
 *   fd_structure,fd_level,household_direct,residual
 * (CSV, %.17g; a year unknown (0) is an empty cell) or as aligned columns
 * after a header line (EMB_RESULTS_TEXT), to path atomically or to standard
 * output (path NULL).  EMB_EUSAGE on a stressor index out of range, before
 * anything is written. */
EMB_API emb_status emb_sda_write(const emb_sda *r, const size_t *sel, size_t nsel,
                                 emb_results_format fmt, const char *path);

/* Free; NULL is a no-op. */
EMB_API void emb_sda_free(emb_sda *r);

#ifdef __cplusplus
}
#endif
#endif
