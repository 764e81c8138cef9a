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

#ifdef __cplusplus
}
#endif
#endif
