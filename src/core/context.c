/* src/core/context.c — emb_context (embodied/context.h) and the binding of
 * the running call's context to the calling thread (core/context_impl.h). */
#include "core/context_impl.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <stdlib.h>

extern int openblas_get_num_threads(void);    /* OpenBLAS extension */
extern void openblas_set_num_threads(int n);  /* OpenBLAS extension */

/* The innermost context bound on this thread. */
static _Thread_local const emb_context *current;

emb_status emb_context_create(emb_context **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_context_create: out is NULL");
    *out = NULL;
    emb_context *c = emb_calloc(1, sizeof *c, "context");
    if (!c)
        return EMB_ENOMEM;
    c->alloc_fail_after = -1;
    *out = c;
    return EMB_OK;
}

void emb_context_free(emb_context *ctx) { emb_free(ctx); }

void emb_context_set_memory_limit(emb_context *ctx, size_t bytes)
{
    if (ctx)
        ctx->memory_limit = bytes;
}

size_t emb_context_memory_limit(const emb_context *ctx) { return ctx ? ctx->memory_limit : 0; }

void emb_context_set_threads(emb_context *ctx, unsigned threads)
{
    if (ctx)
        ctx->threads = threads;
}

unsigned emb_context_threads(const emb_context *ctx) { return ctx ? ctx->threads : 0; }

void emb_context_set_progress(emb_context *ctx, emb_progress_fn fn, void *user)
{
    if (ctx)
        ctx->progress = fn, ctx->progress_user = user;
}

void emb_context_set_interrupt(emb_context *ctx, emb_interrupt_fn fn, void *user)
{
    if (ctx)
        ctx->interrupt = fn, ctx->interrupt_user = user;
}

void emb_context_set_alloc_fail_after(emb_context *ctx, long n)
{
    if (ctx)
        ctx->alloc_fail_after = n < 0 ? -1 : n;
}

void emb_ctx_enter(emb_ctx_frame *f, const emb_context *ctx)
{
    f->prev = current;
    /* NULL, or the context already bound (accounts passing theirs on to
     * the solver): nothing to bind, and a fault injection already counting
     * must not be restarted. */
    f->bound = ctx != NULL && ctx != current;
    f->blas_threads_saved = 0;
    if (!f->bound)
        return;
    current = ctx;
    if (ctx->threads > 0) {
        int had = openblas_get_num_threads();
        if (had != (int)ctx->threads) {
            f->blas_threads_saved = had > 0 ? had : 1;
            openblas_set_num_threads((int)ctx->threads);
        }
    }
    if (ctx->alloc_fail_after >= 0)
        emb_alloc_fail_after(ctx->alloc_fail_after);
}

void emb_ctx_leave(emb_ctx_frame *f)
{
    if (!f->bound)
        return;
    if (f->blas_threads_saved > 0)
        openblas_set_num_threads(f->blas_threads_saved);
    if (current && current->alloc_fail_after >= 0)
        emb_alloc_fail_after(-1); /* an injection that did not fire ends with the call */
    current = f->prev;
}

const emb_context *emb_ctx_current(void) { return current; }

size_t emb_ctx_memory_limit(void) { return current ? current->memory_limit : 0; }

unsigned emb_ctx_threads(unsigned max)
{
    int n = current && current->threads ? (int)current->threads : openblas_get_num_threads();
    if (n < 1)
        n = 1;
    if ((unsigned)n > max)
        n = (int)max;
    return (unsigned)n;
}

emb_progress_fn emb_ctx_progress(void **user)
{
    if (!current || !current->progress) {
        if (user)
            *user = NULL;
        return NULL;
    }
    if (user)
        *user = current->progress_user;
    return current->progress;
}

void emb_ctx_report(const char *what, unsigned long long done, unsigned long long total)
{
    if (current && current->progress)
        current->progress(current->progress_user, what, done, total);
}

emb_status emb_ctx_poll(const char *where)
{
    if (!current || !current->interrupt)
        return EMB_OK;
    if (!current->interrupt(current->interrupt_user))
        return EMB_OK;
    return emb_raise(EMB_EINTERRUPTED, "interrupted by the caller (%s)", where ? where : "running");
}
