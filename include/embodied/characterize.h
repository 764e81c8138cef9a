/* embodied/characterize.h — characterisation: impact indicators (e.g.
 * greenhouse gases in CO2-equivalents) as weighted sums of stressor rows.
 *
 * A characterisation file is a CSV (the format is specified in
 * datasets/README.md, "Characterisation"; datasets/characterization/ ships
 * IPCC AR6 GWP100 for EXIOBASE 3):
 *
 *     # comment lines start with '#'
 *     stressor,impact,factor,unit,stressor_unit
 *     satellite/CO2 - combustion - air,GHG AR6 GWP100,1,kg CO2-eq,kg
 *     satellite/CH4 - combustion - air,GHG AR6 GWP100,27.0,kg CO2-eq,kg
 *
 * Each row says: impact += factor x every stressor whose full name matches
 * the `stressor` glob (fnmatch(3), no flags, so '*' also matches '/'; a name
 * without '*', '?', '[' or '\' matches only itself).  For each impact, in
 * order of first appearance, one row is appended to the table's stressors:
 *     F[impact]   = sum over its rows and matched stressors s of factor * F[s]
 *     F_Y[impact] = the same over F_Y
 * so every account computed later (PBA, CBA, flows, M) exists for it too.
 *
 * Units: `factor` converts one unit of the stressor into one unit of the
 * impact.  A row that states `stressor_unit` requires every stressor it
 * matches to have exactly that unit; the stressors matched by rows that do
 * not state it must all share one unit within the impact.  The impact's
 * unit is `unit` (the same on all its rows) or, when no row gives one, the
 * unit its stressors share.
 *
 * Every row must match at least one stressor; a stressor may be matched at
 * most once per impact (no double counting); an impact may not reuse an
 * existing stressor name.  Every violation is one message naming the file,
 * line (and column), and nothing in the table changes.
 *
 * The file is read through the importers' delimited-text reader and the
 * allocation wrapper: a line longer than 64 KiB (or a quarter of the memory
 * limit, embodied/memory.h) or a cell longer than 4096 bytes is EMB_EINPUT
 * naming the file and line, with no more than one buffer of it read.
 */
#ifndef EMBODIED_CHARACTERIZE_H
#define EMBODIED_CHARACTERIZE_H

#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Append the impacts of characterisation file csv_path to t (t->k grows by
 * the number of impacts; F, F_Y, stressors and stressor_units with it).
 * EMB_EIO: the file cannot be read; EMB_EINPUT: malformed file (also an
 * over-long line or cell, a NUL byte), bad factor, unit clash, double counting, name clash,
 * or a file none of whose patterns matches any stressor of t (a file for
 * another table: the message lists the names the file expects and those t
 * has); EMB_EUSAGE: one stressor pattern matches no stressor of t while
 * others do (the message names the closest stressors).  On failure t is
 * unchanged. */
EMB_API emb_status emb_table_characterize(emb_table *t, const char *csv_path);

#ifdef __cplusplus
}
#endif
#endif
