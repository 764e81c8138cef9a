/* src/core/parallel.h — a minimal parallel-for for the O(N^2) passes that
 * are not BLAS calls (forming I - A, norms, row sums, scaling) (internal).
 *
 * Plain pthreads, created per call and joined before returning: for passes
 * over 8 N^2 bytes the ~20 us of thread start-up is noise, and no thread
 * outlives the call to spin against OpenBLAS's own threads in dgetrf.
 * The thread count follows OpenBLAS's (OPENBLAS_NUM_THREADS), so one setting
 * governs the whole run. */
#ifndef EMB_PARALLEL_H
#define EMB_PARALLEL_H

#include <stddef.h>

/* Upper bound on threads a parallel-for uses. */
#define EMB_MAX_THREADS 64

/* Work on [begin, end) as part `tid` of `nthreads`. */
typedef void (*emb_range_fn)(void *ctx, size_t begin, size_t end, unsigned tid);

/* Threads emb_parallel_for will use: openblas_get_num_threads(), clamped to
 * [1, EMB_MAX_THREADS]. */
unsigned emb_parallel_threads(void);

/* Split [0, n) into `nthreads` contiguous ranges (fewer when n < grain *
 * nthreads; nthreads is clamped to [1, EMB_MAX_THREADS]) and run fn on each,
 * the last on the calling thread; tid < nthreads always.  If a thread cannot
 * be started its range runs on the caller: never fails.
 * The count is the caller's, not read here: a caller that sizes per-thread
 * workspace decides the count once (emb_parallel_threads()) and passes the
 * same number to every parallel-for using that workspace, so a change of
 * OpenBLAS's setting between two calls (threadpoolctl's
 * openblas_set_num_threads) cannot make tid outrun the workspace. */
void emb_parallel_for(size_t n, size_t grain, unsigned nthreads, emb_range_fn fn, void *ctx);

#endif
