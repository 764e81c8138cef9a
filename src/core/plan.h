/* src/core/plan.h — allocation plans (internal): the arrays a piece of work
 * is about to allocate, named and sized, checked against the process-wide
 * memory limit (embodied/memory.h) before the first of them is allocated.
 *
 * Sizes are kept as doubles: a hostile file may declare 10^9 x 10^9
 * elements, whose byte count overflows size_t, and the plan must still say
 * how large it is rather than wrap around to something that fits.
 */
#ifndef EMB_PLAN_H
#define EMB_PLAN_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/memory.h" /* emb_fmt_bytes */

#define EMB_PLAN_MAX 24

typedef struct emb_plan_item {
    const char *what; /* static text: "Z", "labels", ... */
    double bytes;
} emb_plan_item;

typedef struct emb_plan {
    size_t n;
    emb_plan_item item[EMB_PLAN_MAX];
} emb_plan;

/* An empty plan. */
void emb_plan_init(emb_plan *p);

/* Add an array of n1 x n2 elements of `elem` bytes (n2 = 1 for a vector);
 * empty arrays are skipped; past EMB_PLAN_MAX items the bytes go to the last. */
void emb_plan_add(emb_plan *p, const char *what, double n1, double n2, double elem);

/* The arrays of emb_table_create(n_r, n_s, n_f, k, ...): Y, F, F_Y, the
 * label slots, T (N x N, named tname) when with_T, and x when with_x. */
void emb_plan_table(emb_plan *p, double n_r, double n_s, double n_f, double k, int with_T,
                    const char *tname, int with_x);

/* Sum of the plan, in bytes. */
double emb_plan_total(const emb_plan *p);

/* EMB_OK when the plan fits emb_memory_limit(); else EMB_ENOMEM with
 *   "<file>: <subject> needs 7.5 GiB (Z 7.2 GiB, Y 210 MiB, ...) but the
 *    memory limit is 4.0 GiB (--max-memory)"
 * listing the largest items first ("machine memory" when the limit is the
 * default).  subject: "the table", "the import", ... */
emb_status emb_plan_check(const emb_plan *p, const char *file, const char *subject);

/* The same against an explicit `limit` (bytes) whose origin the message
 * names ("emb_solver_opts.max_memory"). */
emb_status emb_plan_check_against(const emb_plan *p, const char *file, const char *subject,
                                  double limit, const char *origin);


/* Bytes for a streaming work buffer (a block of rows of T) of at most
 * `want`: no more than a sixteenth of the memory limit, so that small
 * limits shrink the blocks (more, smaller reads) instead of refusing. */
size_t emb_block_bytes(size_t want);

/* The limit's origin for messages: "--max-memory" or "machine memory". */
const char *emb_memory_limit_origin(void);

#endif
