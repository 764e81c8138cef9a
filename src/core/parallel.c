/* src/core/parallel.c — emb_parallel_for over pthreads (see parallel.h). */
#include "core/context_impl.h"
#include "core/parallel.h"

#include <pthread.h>

extern int openblas_get_num_threads(void); /* OpenBLAS extension */

typedef struct part {
    emb_range_fn fn;
    void *ctx;
    size_t begin, end;
    unsigned tid;
} part;

static void *run_part(void *arg)
{
    part *p = arg;
    p->fn(p->ctx, p->begin, p->end, p->tid);
    return NULL;
}

unsigned emb_parallel_threads(void)
{
    return emb_ctx_threads(EMB_MAX_THREADS); /* the running call's context, else OpenBLAS's */
}

void emb_parallel_for(size_t n, size_t grain, unsigned nthreads, emb_range_fn fn, void *ctx)
{
    if (n == 0)
        return;
    size_t nt = nthreads < 1 ? 1 : nthreads > EMB_MAX_THREADS ? EMB_MAX_THREADS : nthreads;
    if (grain < 1)
        grain = 1;
    if (nt > (n + grain - 1) / grain)
        nt = (n + grain - 1) / grain;
    part parts[EMB_MAX_THREADS];
    pthread_t th[EMB_MAX_THREADS];
    int started[EMB_MAX_THREADS] = {0};
    for (size_t t = 0; t < nt; t++) {
        parts[t] = (part){fn, ctx, n * t / nt, n * (t + 1) / nt, (unsigned)t};
        if (t + 1 < nt)
            started[t] = pthread_create(&th[t], NULL, run_part, &parts[t]) == 0;
    }
    for (size_t t = 0; t + 1 < nt; t++)
        if (!started[t])
            run_part(&parts[t]); /* no thread: do it here */
    run_part(&parts[nt - 1]);
    for (size_t t = 0; t + 1 < nt; t++)
        if (started[t])
            pthread_join(th[t], NULL);
}
