/* embodied/context.h — per-call settings: memory limit, threads, progress,
 * interruption and allocation-fault injection.
 *
 * A context is a small opaque object the caller creates, configures and
 * passes to the library's long-running calls (through the `ctx` member of
 * their options: emb_solver_opts, emb_accounts_opts, emb_import_opts,
 * emb_write_opts, emb_synth_opts, or emb_table_read_h5_ctx).  NULL means the
 * process-wide defaults (emb_set_memory_limit(), OpenBLAS's thread count, no
 * interruption), which is what the CLI uses.  Two threads may run calls with
 * different contexts at the same time (a batch driver, a Python thread pool):
 * each call sees only its own.
 *
 * Why the context is bound to the call, not stored in a global: a batch run
 * keeps several tables in one process with different budgets; a binding must
 * interrupt one solve without touching another.  Inside the library the
 * context of the running call is found through the calling thread (the
 * allocation wrapper, which has no handle, reads the limit from it); it is
 * bound when a public call starts and unbound when it returns, so nothing
 * outlives the call.
 *
 * Ownership: the caller owns the context; it must outlive every call it is
 * passed to; emb_context_free() releases it.  A context is read, never
 * written, by the library: one context may serve several concurrent calls.
 */
#ifndef EMBODIED_CONTEXT_H
#define EMBODIED_CONTEXT_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_context emb_context;

/* Return non-zero to ask the running call to stop.  Called from the thread
 * that made the call, between row blocks of reading, between solves and
 * refinement steps, and between writes (never inside a BLAS/LAPACK call, so
 * a single factorisation finishes first).  The call then returns
 * EMB_EINTERRUPTED, leaving no partial output and no leak. */
typedef int (*emb_interrupt_fn)(void *user);

/* A context with the defaults: memory limit and threads of the process,
 * no progress, no interruption, no fault injection.  *out owned by the
 * caller. */
emb_status emb_context_create(emb_context **out);

/* Free; NULL is a no-op. */
void emb_context_free(emb_context *ctx);

/* Memory limit for the plans and single allocations of calls made with
 * this context, in bytes; 0 = the process-wide limit (embodied/memory.h). */
void emb_context_set_memory_limit(emb_context *ctx, size_t bytes);
/* The limit set (0 when it defers to the process-wide one). */
size_t emb_context_memory_limit(const emb_context *ctx);

/* Threads for the library's own parallel passes and for OpenBLAS during a
 * call; 0 = OpenBLAS's current setting (OPENBLAS_NUM_THREADS).  OpenBLAS's
 * thread count is process-wide: with a non-zero value it is set for the
 * duration of each call and restored when the call returns, so concurrent
 * calls with different thread counts see OpenBLAS's last setting (the
 * library's own passes always use the context's). */
void emb_context_set_threads(emb_context *ctx, unsigned threads);
unsigned emb_context_threads(const emb_context *ctx);

/* Progress callback (embodied/progress.h) for calls made with this context
 * that have no callback of their own; NULL = none. */
void emb_context_set_progress(emb_context *ctx, emb_progress_fn fn, void *user);

/* Interruption callback (see emb_interrupt_fn); NULL = never interrupted. */
void emb_context_set_interrupt(emb_context *ctx, emb_interrupt_fn fn, void *user);

/* Fault injection for tests of callers: in each call made with this
 * context, the allocation after the first `n` successful ones fails
 * (EMB_ENOMEM); n < 0 (the default) = never. */
void emb_context_set_alloc_fail_after(emb_context *ctx, long n);

#ifdef __cplusplus
}
#endif
#endif
