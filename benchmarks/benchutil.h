/* benchmarks/benchutil.h — what the benchmark harnesses share: a monotonic
 * clock and the forked measurement (each measurement runs in its own child
 * process, so that its peak RSS is its own and a crash is reported, not
 * fatal). */
#ifndef EMB_BENCHUTIL_H
#define EMB_BENCHUTIL_H

#include <stddef.h>
#include <sys/resource.h>

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* Run job(ctx, out) in a forked child, which sends the `size` bytes at `out`
 * back through a pipe; *ru receives the child's resource usage (ru_maxrss:
 * its peak RSS in KiB).  Returns 0 when the child reported, else -1 with the
 * reason (pipe/fork failure, the signal or status the child died of) in
 * err[errlen]; *out is then zero-filled. */
int bench_fork(void (*job)(void *ctx, void *out), void *ctx, void *out, size_t size,
               struct rusage *ru, char *err, size_t errlen);

#endif
