/* tests/soak.c — the load test (not part of `meson test`; run by
 * scripts/soak.sh, normally on the sanitizer build).
 *
 * One long-running process does ITER accounts computations through the
 * library API on generated tables of random sizes and options (random
 * solver, per-sector accounts, groups, some tables written to HDF5 and read
 * back streamed), checks every result's accounting identities, and checks
 * that heap in use does not grow: the bytes allocated after a warm-up are
 * compared with those at the end (ASan's allocator statistics under ASan,
 * glibc's mallinfo2 otherwise).  Exit status 0 only if every computation
 * succeeded, every identity held and memory stayed flat. */
#define _GNU_SOURCE
#include "embodied/embodied.h"

#include <hdf5.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#endif
/* Heap in use.  HDF5 1.10 keeps caches that outlive every file: its free
 * lists, and a datatype-conversion path for the variable-length strings of
 * each file written or read (about 3 kB per file), released only by
 * H5close().  So the flat-memory check closes the HDF5 library (which the
 * next call reopens) before measuring: what remains is what this program and
 * the embodied library hold.  The growth of HDF5's caches is reported too. */
#ifdef SOAK_ASAN
/* In the ASan runtime (GCC ships no header declaring it). */
size_t __sanitizer_get_current_allocated_bytes(void);
static double raw_heap(void) { return (double)__sanitizer_get_current_allocated_bytes(); }
#else
static double raw_heap(void) { return (double)mallinfo2().uordblks; }
#endif
static double hdf5_cache; /* bytes released by the last H5close() */
static double heap_bytes(void)
{
    double before = raw_heap();
    H5close();
    double after = raw_heap();
    hdf5_cache = before - after;
    return after;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static size_t pick(size_t lo, size_t hi) { return lo + (size_t)(next() % (hi - lo + 1)); }

static int one(size_t it, const char *tmpfile)
{
    size_t n_r = pick(1, 8), n_s = pick(1, 12), n_f = pick(1, 3), k = pick(1, 3);
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, n_f, k, next());
    o.foreign_density = (double)pick(0, 10) / 10.0;
    o.zero_output_frac = (double)pick(0, 3) / 20.0;
    emb_table *t = NULL, *u = NULL;
    emb_accounts *a = NULL;
    emb_status st = emb_synth_table(&o, &t);
    if (!st && n_r >= 2 && next() % 2) {
        const char *m[] = {t->regions[0], t->regions[1]};
        st = emb_table_add_group(t, "G", 2, m);
    }
    if (!st && next() % 3 == 0) { /* through a file, T streamed */
        if (!(st = emb_table_write_h5(t, tmpfile, NULL)))
            st = emb_table_read_h5(tmpfile, EMB_READ_DEFAULT, &u);
    }
    emb_accounts_opts ao = {.per_sector = (int)(next() % 2), .flows_by_sector = (int)(next() % 2)};
    ao.solver.kind = next() % 2 ? EMB_SOLVER_MIXED : EMB_SOLVER_DENSE;
    if (!st)
        st = emb_accounts_compute(u ? u : t, &ao, &a);
    double worst = 0;
    if (!st)
        st = emb_accounts_check(a, 1e-10, &worst);
    if (st)
        fprintf(stderr, "soak: iteration %zu (%zu x %zu, %s): %s: %s\n", it, n_r, n_s,
                emb_solver_name(ao.solver.kind), emb_strerror(st), emb_errmsg());
    emb_accounts_free(a);
    emb_table_free(u);
    emb_table_free(t);
    return st ? 1 : 0;
}

int main(int argc, char **argv)
{
    size_t iters = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 500;
    if (argc > 2)
        rng = strtoull(argv[2], NULL, 10) | 1;
    char tmpfile[256];
    snprintf(tmpfile, sizeof tmpfile, "/tmp/embodied-soak-%ld.h5", (long)getpid());
    size_t warm = iters / 10 < 20 ? (iters < 20 ? iters : 20) : iters / 10;
    double base = 0, peak = 0;
    int fails = 0;
    for (size_t it = 0; it < iters; it++) {
        fails += one(it, tmpfile);
        if (it + 1 == warm)
            base = heap_bytes();
        if (it + 1 > warm && (it + 1) % 50 == 0) {
            double h = heap_bytes();
            peak = h > peak ? h : peak;
        }
        if ((it + 1) % 100 == 0)
            fprintf(stderr, "soak: %zu/%zu computations, %d failed, heap %.1f kB\n", it + 1, iters,
                    fails, raw_heap() / 1024.0);
    }
    unlink(tmpfile);
    double end = heap_bytes();
    /* Flat: what is in use at the end may not exceed the warm-up level by
     * more than 64 kB (allocator caches, HDF5's free lists). */
    int grew = end > base + 65536.0;
    printf("soak: %zu computations, %d failed; heap in use after warm-up %.1f kB, at the end "
           "%.1f kB (peak between %.1f kB): %s; HDF5's caches held %.1f kB at the end\n", iters,
           fails, base / 1024.0, end / 1024.0, peak / 1024.0, grew ? "GREW" : "flat",
           hdf5_cache / 1024.0);
    return fails || grew ? 1 : 0;
}
