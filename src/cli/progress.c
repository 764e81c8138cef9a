/* src/cli/progress.c — phases and a bar on stderr for long work (accounts,
 * flows, synth), only when stderr is a terminal and the run has taken over
 * a second: reading, factorising (elapsed time and an estimate from the
 * factorisation's cost and a measured rate, for N >= 1000), solving,
 * writing.  Nothing at
 * all when stderr is not a terminal.
 *
 * The library reports its phases through a context's progress callback
 * (embodied/progress.h); the CLI announces its own (reading the table,
 * writing results) with cli_phase_begin/cli_phase_end.  A factorisation is
 * one LAPACK call with no report inside, so a ticker thread redraws the line
 * four times a second while a phase is active.  The line is erased whenever
 * a phase ends, so the CLI's own messages between phases stay clean. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    pthread_mutex_t mu;
    pthread_t ticker;
    int started, stop, active, drawn;
    emb_context *ctx;
    double run_t0, phase_t0, after; /* draw only once now - run_t0 >= after */
    char phase[160];
    unsigned long long done, total;
    double estimate; /* seconds, for a factorisation; 0 = none */
    double rate;     /* measured double-precision LU flop/s; 0 = not yet */
} P = {.mu = PTHREAD_MUTEX_INITIALIZER};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_seconds(double s, char *buf, size_t cap)
{
    if (s < 60)
        snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, cap, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}

/* The status line, redrawn in place (caller holds the lock). */
static void draw(void)
{
    double t = now();
    if (!P.active || t - P.run_t0 < P.after)
        return;
    char el[32], est[32], line[400];
    fmt_seconds(t - P.phase_t0, el, sizeof el);
    if (P.estimate > 0) {
        fmt_seconds(P.estimate, est, sizeof est);
        snprintf(line, sizeof line, "  %s: %s elapsed, about %s in all", P.phase, el, est);
    } else if (P.total > 1 && strcmp(P.phase, EMB_PROGRESS_FACTORISING) != 0) {
        /* a count (a factorisation's is flops: no bar) */
        int width = 30, fill = (int)((double)P.done / (double)P.total * width);
        if (fill > width)
            fill = width;
        snprintf(line, sizeof line, "  %-28.28s [%.*s%*s] %5.1f%%  %s", P.phase, fill,
                 "##############################", width - fill, "",
                 100.0 * (double)P.done / (double)P.total, el);
    } else
        snprintf(line, sizeof line, "  %s: %s elapsed", P.phase, el);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    P.drawn = 1;
}

static void erase(void)
{
    if (P.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    P.drawn = 0;
}

static void *tick(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 250000000};
    for (;;) {
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&P.mu);
        int stop = P.stop;
        if (!stop)
            draw();
        pthread_mutex_unlock(&P.mu);
        if (stop)
            return NULL;
    }
}

/* Double-precision rate of this machine for a large LU (flop/s): a
 * 512 x 512 matrix product (twice, the faster counting: the first call also
 * starts OpenBLAS's threads), times 0.8, since a large LU spends its time in
 * such products at somewhat below their rate.  The factorisation's
 * estimate is its cost (2/3 N^3) over this rate. */
static double measure_rate(void)
{
    enum { n = 512 };
    double *a = malloc(sizeof(double) * n * n * 3);
    double best = 0;
    if (!a)
        return 0;
    for (size_t i = 0; i < (size_t)n * n * 2; i++)
        a[i] = 1.0 / (1.0 + (double)(i % 97));
    for (int rep = 0; rep < 2; rep++) {
        double t0 = now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, a + n * n, n,
                    0.0, a + 2 * n * n, n);
        double dt = now() - t0;
        if (dt > 0 && (best == 0 || dt < best))
            best = dt;
    }
    free(a);
    return best > 0 ? 0.8 * 2.0 * n * n * n / best : 0;
}

static void begin(const char *what, unsigned long long done, unsigned long long total)
{
    snprintf(P.phase, sizeof P.phase, "%s", what);
    P.phase_t0 = now();
    P.active = 1;
    P.done = done, P.total = total;
    P.estimate = 0;
}

/* The library's phases (embodied/progress.h). */
static void on_progress(void *user, const char *what, unsigned long long done,
                        unsigned long long total)
{
    (void)user;
    pthread_mutex_lock(&P.mu);
    if (!P.active || strcmp(P.phase, what) != 0) {
        begin(what, done, total);
        /* an estimate where the factorisation can take a while: N >= 1000 */
        if (!strcmp(what, EMB_PROGRESS_FACTORISING) && total >= 666666666ull) {
            if (P.rate == 0)
                P.rate = measure_rate();
            P.estimate = P.rate > 0 ? (double)total / P.rate : 0;
        }
    }
    P.done = done, P.total = total;
    if (total && done >= total) { /* the phase is over: the line goes */
        P.active = 0;
        erase();
    } else
        draw();
    pthread_mutex_unlock(&P.mu);
}

static void stop_ticker(void)
{
    pthread_mutex_lock(&P.mu);
    P.stop = 1;
    P.active = 0;
    erase();
    pthread_mutex_unlock(&P.mu);
    if (P.started)
        pthread_join(P.ticker, NULL);
    P.started = 0;
    emb_context_free(P.ctx);
    P.ctx = NULL;
}

const emb_context *cli_progress_context(void)
{
    if (P.ctx || P.stop)
        return P.ctx;
    if (!isatty(STDERR_FILENO))
        return NULL;
    /* EMBODIED_PROGRESS_AFTER: seconds before anything is drawn (default
     * 1; the test sets 0 to see the phases of a short run). */
    const char *env = getenv("EMBODIED_PROGRESS_AFTER");
    char *end;
    double after = env && *env ? strtod(env, &end) : 1.0;
    P.after = env && *env && !*end && after >= 0 ? after : 1.0;
    if (emb_context_create(&P.ctx))
        return NULL;
    emb_context_set_progress(P.ctx, on_progress, NULL);
    P.run_t0 = now();
    if (pthread_create(&P.ticker, NULL, tick, NULL) == 0) {
        P.started = 1;
        atexit(stop_ticker);
    }
    return P.ctx;
}

const emb_context *cli_progress_context_if_any(void) { return P.ctx; }

void cli_phase_begin(const char *what)
{
    if (!P.ctx)
        return;
    pthread_mutex_lock(&P.mu);
    begin(what, 0, 0);
    draw();
    pthread_mutex_unlock(&P.mu);
}

void cli_phase_end(void)
{
    if (!P.ctx)
        return;
    pthread_mutex_lock(&P.mu);
    P.active = 0;
    erase();
    pthread_mutex_unlock(&P.mu);
}
