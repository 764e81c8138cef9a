/* embodied/spa.h — structural path analysis: the largest supply-chain paths
 * that carry emissions into one region's final demand (src/analysis/spa.c,
 * the writer in src/analysis/spa_write.c; README "Structural path analysis").
 *
 * A path of order n runs from the final product j0 bought by D's final
 * demand through the suppliers j1, ..., jn to the emitting industry jn:
 *   value = S_jn A_{jn,j(n-1)} ... A_{j1,j0} y_{j0,D}   (order 0: S_j0 y_j0,D),
 * with S = F diag(1/x) for one stressor (restricted to the industries of O
 * with `from`) and y_D = D's final demand summed over its categories (and
 * over its members for a group).  The sum over all paths of all orders is
 * total = S L y_D: D's industry CBA, or the flow B[O][D] with `from`
 * (household direct emissions F_Y are not paths).
 *
 * Search: depth first with an explicit stack bounded by max_order (never
 * recursion).  A partial path ending at j with coefficient c (the product
 * y A ... A up to j) can carry at most |c| Mabs_j in its whole subtree,
 * Mabs = |S| L >= 0 (= M when S >= 0; |S| keeps the bound valid for
 * stressors with negative entries), so the subtree is pruned when
 * |c| Mabs_j < threshold |total|.  Unlike a cut on the direct emissions
 * S_j c (MARIO's), this never loses a subtree whose upstream carries more
 * than the threshold.  Children are tried in decreasing order of their
 * bound, so a node stops at its first child below the threshold.  A heap
 * keeps the `top` paths by |value| among those with |value| >= threshold
 * |total| (the sign kept): every such path is found, so the list is exact.
 *
 * Cost: Mabs by one transposed solve and L |y_D| (and L y_D) by one direct
 * solve, with the library's solver (sparse by default: no N x N array).
 * Since the coefficient reaching j is at most (L |y_D|)_j, an edge (i, j)
 * with (L |y_D|)_j A_ij Mabs_i below the threshold can never be crossed: the
 * search keeps only the edges above it, read in one pass over A, so its
 * memory is O(N + kept edges + top) beside the solver's O(nnz(A)).
 */
#ifndef EMBODIED_SPA_H
#define EMBODIED_SPA_H

#include <stddef.h>

#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/solver.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of emb_spa_opts (a zero field takes its default). */
#define EMB_SPA_DEFAULT_TOP 100
#define EMB_SPA_DEFAULT_MAX_ORDER 20
#define EMB_SPA_DEFAULT_THRESHOLD 1e-5
/* Largest max_order accepted (the explicit stack holds max_order + 1 frames). */
#define EMB_SPA_MAX_ORDER 1000

typedef struct emb_spa_opts {
    const char *to;      /* consuming region or group D (required) */
    const char *from;    /* emitting region or group O; NULL = every region */
    size_t stressor;     /* index of the stressor (emb_table_stressor_index) */
    size_t top;          /* K, paths kept; 0 = EMB_SPA_DEFAULT_TOP */
    size_t max_order;    /* longest path (suppliers after the final producer); 0 =
                            EMB_SPA_DEFAULT_MAX_ORDER; at most EMB_SPA_MAX_ORDER */
    double threshold;    /* share of |total| below which a subtree is pruned, in (0, 1); 0 =
                            EMB_SPA_DEFAULT_THRESHOLD.  A tiny value (1e-300) enumerates
                            every path with a non-zero bound up to max_order (exponential:
                            small tables only) */
    emb_solver_opts solver; /* how M and L y_D are solved; kind EMB_SOLVER_AUTO = sparse
                               (GMRES on a CSR copy of A: O(nnz) memory, no factorisation) */
    const emb_context *ctx; /* per-call settings (embodied/context.h); NULL = defaults */
} emb_spa_opts;

typedef struct emb_spa_result {
    size_t stressor;
    size_t n_to, n_from;   /* member regions of D and of O (n_from = n_r without `from`) */
    size_t *to, *from;     /* [n_to], [n_from] their indices */
    char *to_name, *from_name; /* as given (from_name NULL without `from`) */
    size_t top, max_order;
    double threshold;      /* relative, as used */
    double total;          /* S L y_D (or the flow B[O][D]) */
    double total_check;    /* the same from the other solve, Mabs y_D or M y_D: the identity
                              checked to 1e-9 of |total| (+ the largest |path| mass) */
    double cutoff;         /* threshold |total|: the absolute pruning level */
    size_t n_paths;        /* paths listed (<= top), ranked by |value| descending */
    double *value;         /* [n_paths] signed path values */
    size_t *order;         /* [n_paths] path orders */
    size_t *path_start;    /* [n_paths + 1] offsets into nodes */
    size_t *nodes;         /* industries of path p: nodes[path_start[p] ..], j0 (the final
                              producer) first, the emitting industry jn last */
    double sum_top;        /* sum of the listed values */
    double coverage;       /* sum of the values of every path visited (every node whose
                              subtree bound reached the cutoff) */
    size_t n_above;        /* paths with |value| >= cutoff (n_paths = min(top, n_above)) */
    size_t nodes_visited;  /* partial paths visited (each is a path: coverage sums them) */
    size_t edges_kept;     /* edges of A the search could cross (see the header) */
    size_t nnz_A;          /* non-zeros of A read */
    size_t deepest;        /* largest order visited */
    double residual_solve, residual_tsolve; /* the solver's relative residuals */
    double seconds_M;      /* the solver: create, Mabs and L y_D */
    double seconds_edges;  /* the pass over A */
    double seconds_search; /* the depth-first search */
    double seconds_total;
    emb_solver_stats solver;
} emb_spa_result;

/* The `top` largest paths of opts (see the header) into *out: solves Mabs
 * and L y_D once, checks total = S (L y_D) against Mabs y_D (or M y_D) and
 * that the coverage and the listed sum stay within the total's bounds
 * (EMB_ENUMERIC naming the identity), then searches.  EMB_EUSAGE on an
 * unknown region or group, a stressor out of range, a threshold outside
 * (0, 1) or NaN (0 is the default), max_order above EMB_SPA_MAX_ORDER;
 * EMB_EINPUT on a table without stressors.  *out owned by the caller (emb_spa_free). */
EMB_API emb_status emb_spa_compute(const emb_table *t, const emb_spa_opts *opts,
                                   emb_spa_result **out);

/* Output formats of emb_spa_write. */
typedef enum emb_spa_format {
    EMB_SPA_TEXT = 0, /* a title line, aligned columns, the summary line */
    EMB_SPA_CSV = 1   /* rank,value,share,order,path (%.17g) and a final "# summary" line */
} emb_spa_format;

/* Write r (a result of table t) as rank,value,share,order,path, path as
 * "REGION:sector > ... > final demand of D" from the emitting industry to
 * the final product, then the summary line (total, sum of the top K,
 * coverage, nodes visited, seconds); to path atomically, or to standard
 * output when path is NULL. */
EMB_API emb_status emb_spa_write(const emb_spa_result *r, const emb_table *t, emb_spa_format fmt,
                                 const char *path);

/* Free; NULL is a no-op. */
EMB_API void emb_spa_free(emb_spa_result *r);

#ifdef __cplusplus
}
#endif
#endif
