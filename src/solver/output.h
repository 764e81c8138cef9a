/* src/solver/output.h — gross output x and its screening, one rule for every
 * solver (internal; the public rule is in embodied/solver.h).
 *
 * x comes from one of three places: the table (checked: finite, >= 0),
 * x = Z 1 + Y 1 for Z tables (summed wherever T's rows are at hand: while
 * loading them for the dense factor, from the CSR for the sparse solver, or
 * streamed by emb_table_complete_x), or x = (I - A)^-1 (Y 1) for A tables
 * (solved by whichever method the solver uses).  A computed x is then
 * screened here, and only here:
 *   - x_i < 0 with |x_i| <= EMB_X_ROUNDING * max_j |x_j| is rounding of a
 *     zero-output sector: set to 0 (money compared with money: the tolerance
 *     scales with the table's own output, whatever its currency unit);
 *   - a larger negative x_i is zero output if sector i buys nothing (column
 *     i of T is zero; real WIOD data has such sectors with an inventory
 *     change of -1): kept as computed, 1/x := 0, and counted;
 *   - otherwise it is an input error naming the row. */
#ifndef EMB_SOLVER_OUTPUT_H
#define EMB_SOLVER_OUTPUT_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/table.h"

/* Relative size below which a computed negative x is rounding (above). */
#define EMB_X_ROUNDING 1e-9

/* Y 1 for row i. */
double emb_output_fd_total(const emb_table *t, size_t i);

/* The table's own x ([N]): EMB_EINPUT naming the row unless finite and >= 0. */
emb_status emb_output_check_given(const emb_table *t, const double *x);

/* Screen a computed x ([N], in/out) by the rule above.  colabs: column sums
 * of |T| ([N]) when the caller has them, else NULL (T is then streamed, only
 * when some x_i is negative beyond rounding, which is rare).  *n_neg: the
 * sectors kept as zero output. */
emb_status emb_output_screen(const emb_table *t, double *x, const double *colabs, size_t *n_neg);

/* rinv[i] = 1/x[i] for x[i] > 0, else 0; all 0 when !x_known (an A table
 * whose x is still to be computed). */
void emb_output_rinv(const double *x, size_t N, int x_known, double *rinv);

#endif
