/* src/solver/prefetch.c — double-buffered row-block reader (see prefetch.h). */
#include "solver/prefetch.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct emb_prefetch {
    const emb_table *t;
    size_t N, nb;
    double *buf[2];
    size_t r0[2], n[2];
    int full[2];             /* block i holds data not yet handed out */
    emb_status st;           /* reader's first failure */
    char msg[1024];          /* its message (error text is per thread) */
    size_t next_read;        /* first row the reader reads next */
    int next_take;           /* buffer the consumer takes next */
    int stop, threaded, done;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Read the block starting at row r0 into buffer b (no lock held). */
static emb_status read_block(emb_prefetch *p, int b, size_t r0)
{
    size_t n = r0 + p->nb > p->N ? p->N - r0 : p->nb;
    p->r0[b] = r0;
    p->n[b] = n;
    return n ? emb_table_tech_rows(p->t, r0, n, p->buf[b]) : EMB_OK;
}

static void *reader(void *arg)
{
    emb_prefetch *p = arg;
    for (int b = 0;; b ^= 1) {
        pthread_mutex_lock(&p->mu);
        while (p->full[b] && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        size_t r0 = p->next_read;
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        emb_status st = read_block(p, b, r0);
        pthread_mutex_lock(&p->mu);
        if (st && !p->st) {
            p->st = st;
            snprintf(p->msg, sizeof p->msg, "%s", emb_errmsg());
        }
        p->next_read = r0 + p->n[b];
        p->full[b] = 1;
        int last = st || p->n[b] == 0;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (last)
            return NULL;
    }
}

emb_status emb_prefetch_open(const emb_table *t, size_t nb, emb_prefetch **out)
{
    *out = NULL;
    emb_prefetch *p = emb_calloc(1, sizeof *p, "prefetch");
    if (!p)
        return EMB_ENOMEM;
    p->t = t;
    p->N = t->N;
    p->nb = nb < 1 ? 1 : nb;
    if (!(p->buf[0] = emb_alloc(p->nb * p->N, sizeof(double), "row block")) ||
        !(p->buf[1] = emb_alloc(p->nb * p->N, sizeof(double), "row block"))) {
        emb_free(p->buf[0]), emb_free(p);
        return EMB_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threaded = pthread_create(&p->th, NULL, reader, p) == 0;
    *out = p;
    return EMB_OK;
}

emb_status emb_prefetch_next(emb_prefetch *p, const double **rows, size_t *r0, size_t *n)
{
    *rows = NULL, *r0 = 0, *n = 0;
    if (p->done)
        return EMB_OK;
    int b = p->next_take;
    if (!p->threaded) { /* no thread: read here, one buffer */
        emb_status st = read_block(p, 0, p->next_read);
        if (st)
            return st;
        p->next_read += p->n[0];
        *rows = p->buf[0], *r0 = p->r0[0], *n = p->n[0];
        p->done = *n == 0;
        return EMB_OK;
    }
    pthread_mutex_lock(&p->mu);
    /* Hand back the block taken last time: the reader may refill it. */
    if (p->full[b ^ 1] == 2) {
        p->full[b ^ 1] = 0;
        pthread_cond_broadcast(&p->cv);
    }
    while (!p->full[b] && !p->st)
        pthread_cond_wait(&p->cv, &p->mu);
    emb_status st = p->st;
    if (st) {
        pthread_mutex_unlock(&p->mu);
        return emb_raise(st, "%s", p->msg);
    }
    p->full[b] = 2; /* in use by the consumer */
    pthread_mutex_unlock(&p->mu);
    *rows = p->buf[b], *r0 = p->r0[b], *n = p->n[b];
    p->done = *n == 0;
    p->next_take = b ^ 1;
    return EMB_OK;
}

void emb_prefetch_close(emb_prefetch *p)
{
    if (!p)
        return;
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    emb_free(p->buf[0]), emb_free(p->buf[1]);
    emb_free(p);
}
