/* embodied/progress.h — how long-running library calls report progress.
 *
 * The library never prints: a caller that wants a progress bar passes a
 * callback, which is called from the calling thread with the name of the
 * file or phase, the units done and the total (0 when unknown).  Calls are
 * rate-limited by the library (at most every few MiB of input), and the last
 * call for a file has done == total.  The CLI draws a bar on stderr only when
 * stderr is a terminal. */
#ifndef EMBODIED_PROGRESS_H
#define EMBODIED_PROGRESS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*emb_progress_fn)(void *ctx, const char *what, unsigned long long done,
                                unsigned long long total);

/* Phases reported through a context's callback (embodied/context.h), as
 * `what`, so a caller can show them:
 *  - EMB_PROGRESS_FACTORISING: once before the factorisation of I - A
 *    (done 0) and once after (done == total); total is its cost in
 *    double-precision floating-point operations (2/3 N^3 dense, half that
 *    mixed), 1 when unknown (sparse), so that with a measured rate a caller
 *    can estimate its duration;
 *  - EMB_PROGRESS_SOLVING: the accounts' right-hand sides solved so far;
 *  - EMB_PROGRESS_WRITING: rows of the technology matrix written. */
#define EMB_PROGRESS_FACTORISING "factorising I - A"
#define EMB_PROGRESS_SOLVING "solving"
#define EMB_PROGRESS_WRITING "writing the table"

#ifdef __cplusplus
}
#endif
#endif
