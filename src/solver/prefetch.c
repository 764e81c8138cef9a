/* src/solver/prefetch.c — overlapped row-block streaming (see prefetch.h). */
#include "solver/prefetch.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <pthread.h>

typedef struct stream {
    emb_block_fn fn;
    void *ctx;
    double *buf[2];
    size_t r0[2], n[2];
    int full[2];  /* block read, not yet processed */
    int end;      /* no more blocks will come */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} stream;

static void *worker(void *arg)
{
    stream *s = arg;
    for (int b = 0;; b ^= 1) {
        pthread_mutex_lock(&s->mu);
        while (!s->full[b] && !s->end)
            pthread_cond_wait(&s->cv, &s->mu);
        int have = s->full[b];
        pthread_mutex_unlock(&s->mu);
        if (!have)
            return NULL; /* end, and nothing left in order */
        s->fn(s->ctx, s->buf[b], s->r0[b], s->n[b]);
        pthread_mutex_lock(&s->mu);
        s->full[b] = 0;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

emb_status emb_stream_blocks(const emb_table *t, size_t nb, emb_block_fn fn, void *ctx)
{
    size_t N = t->N;
    if (nb < 1)
        nb = 1;
    stream s = {.fn = fn, .ctx = ctx};
    if (!(s.buf[0] = emb_alloc(nb * N, sizeof(double), "row block")) ||
        !(s.buf[1] = emb_alloc(nb * N, sizeof(double), "row block"))) {
        emb_free(s.buf[0]);
        return EMB_ENOMEM;
    }
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    pthread_t th;
    int threaded = pthread_create(&th, NULL, worker, &s) == 0;
    emb_status st = EMB_OK;
    int b = 0;
    for (size_t r0 = 0; r0 < N; r0 += nb, b ^= 1) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if (threaded) { /* wait until the worker is done with this buffer */
            pthread_mutex_lock(&s.mu);
            while (s.full[b])
                pthread_cond_wait(&s.cv, &s.mu);
            pthread_mutex_unlock(&s.mu);
        }
        if ((st = emb_table_tech_rows(t, r0, n, s.buf[b])))
            break;
        s.r0[b] = r0, s.n[b] = n;
        if (!threaded) {
            fn(ctx, s.buf[b], r0, n);
            continue;
        }
        pthread_mutex_lock(&s.mu);
        s.full[b] = 1;
        pthread_cond_broadcast(&s.cv);
        pthread_mutex_unlock(&s.mu);
    }
    if (threaded) {
        pthread_mutex_lock(&s.mu);
        s.end = 1;
        pthread_cond_broadcast(&s.cv);
        pthread_mutex_unlock(&s.mu);
        pthread_join(th, NULL);
    }
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    emb_free(s.buf[0]), emb_free(s.buf[1]);
    return st;
}
