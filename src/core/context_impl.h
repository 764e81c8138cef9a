/* src/core/context_impl.h — the context of the running call (internal).
 *
 * A public entry point that takes a context binds it for the duration of
 * the call with emb_ctx_enter()/emb_ctx_leave() (a stack per thread, so a
 * public call made from inside another — accounts calling the solver — keeps
 * the outer context when the inner one is NULL).  Deep code reads the
 * settings through the accessors below, which fall back to the process-wide
 * defaults when no context is bound. */
#ifndef EMB_CONTEXT_IMPL_H
#define EMB_CONTEXT_IMPL_H

#include "embodied/context.h"

#include <stddef.h>

struct emb_context {
    size_t memory_limit;   /* 0: the process-wide limit */
    unsigned threads;      /* 0: OpenBLAS's */
    emb_progress_fn progress;
    void *progress_user;
    emb_interrupt_fn interrupt;
    void *interrupt_user;
    long alloc_fail_after; /* < 0: off */
};

/* Saved state of one binding (on the caller's stack). */
typedef struct emb_ctx_frame {
    const emb_context *prev;
    int bound;               /* this frame bound a context */
    int blas_threads_saved;  /* OpenBLAS's count before the call, or 0 */
} emb_ctx_frame;

/* Bind ctx for this thread until emb_ctx_leave(f) (ctx NULL: keep the one
 * already bound, if any).  Applies the context's thread count to OpenBLAS
 * and its fault injection to the allocation wrapper. */
void emb_ctx_enter(emb_ctx_frame *f, const emb_context *ctx);
void emb_ctx_leave(emb_ctx_frame *f);

/* The context bound on this thread, or NULL. */
const emb_context *emb_ctx_current(void);

/* The memory limit in force for the running call (0 when the context does
 * not set one: use the process-wide limit). */
size_t emb_ctx_memory_limit(void);

/* Threads for the library's own parallel passes: the context's, else
 * OpenBLAS's; clamped to [1, max]. */
unsigned emb_ctx_threads(unsigned max);

/* The context's progress callback, or NULL. */
emb_progress_fn emb_ctx_progress(void **user);

/* Report progress of the running call to its context's callback, if any
 * (embodied/progress.h: the phases the library reports). */
void emb_ctx_report(const char *what, unsigned long long done, unsigned long long total);

/* EMB_EINTERRUPTED (with a message naming `where`) if the running call's
 * interruption callback asks to stop, else EMB_OK.  Cheap when no callback
 * is set. */
emb_status emb_ctx_poll(const char *where);

#endif
