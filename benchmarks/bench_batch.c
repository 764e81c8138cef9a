/* benchmarks/bench_batch.c — `embodied batch` over T generated tables of
 * one size against T bare dgetrf of the same N, in the same run (issue 12,
 * section 4: target batch <= 2.5 x the bare factorisations at N = 1,960).
 *
 * Owns the `bench_batch` executable (not a test).  For each size R x S:
 *   1. generates T tables (emb_synth_table, seeds 1..T) as HDF5 files
 *      t2001.h5 ... in a temporary folder (not timed);
 *   2. bare LAPACK: for each table, I - A in one N x N malloc'd buffer,
 *      LAPACKE_dgetrf_work timed alone; the sum over the T tables is the
 *      reference ("T x dgetrf");
 *   3. the whole command `embodied batch t*.h5 -o DIR -q` (process start,
 *      the damaged-file probe, checksums, reading, solving, checking,
 *      writing results.h5 and the CSVs, the manifest and the series), wall
 *      clock, with the default --jobs (here: the CPUs, one thread each),
 *      --jobs 1 (threads = CPUs) and --jobs 2 --threads 1;
 *   4. the same tables as T separate `embodied accounts t.h5 -o r.h5 --csv
 *      DIR -q` processes (what a shell loop does without batch).
 * Each command runs `repeat` times; the best time is reported.
 * Output, one line per measurement:
 *   what N tables threads seconds ratio
 * where ratio = seconds / (T x dgetrf); --csv FILE appends the same rows.
 * OPENBLAS_NUM_THREADS must be fixed by the caller (benchmarks/run.sh sets
 * it) so that the bare and the batch runs use the same threads. */
#define _DEFAULT_SOURCE
#include "benchutil.h"
#include "embodied/embodied.h"

#include <lapacke.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern int openblas_get_num_threads(void);

/* Seconds of LAPACKE_dgetrf on I - A of the table at path; < 0 on failure. */
static double bare_dgetrf(const char *path)
{
    emb_table *t = NULL;
    if (emb_table_read_h5(path, EMB_READ_TECH_IN_MEMORY, &t) || !t->T) {
        emb_table_free(t);
        return -1;
    }
    size_t N = t->N;
    double *a = malloc(N * N * sizeof *a), *x = calloc(N, sizeof *x);
    lapack_int *ipiv = malloc(N * sizeof *ipiv);
    double sec = -1;
    if (a && x && ipiv) {
        memcpy(a, t->T, N * N * sizeof *a);
        for (size_t i = 0; i < N; i++) {
            double s = 0;
            for (size_t j = 0; j < N; j++)
                s += a[i * N + j];
            for (size_t c = 0; c < t->n_y; c++)
                s += t->Y[i * t->n_y + c];
            x[i] = t->x ? t->x[i] : s;
        }
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++)
                a[i * N + j] = (i == j) - a[i * N + j] * (x[j] > 0 ? 1.0 / x[j] : 0.0);
        double t0 = bench_now();
        lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)N, a,
                                              (lapack_int)N, ipiv);
        sec = info == 0 ? bench_now() - t0 : -1;
    }
    free(a), free(x), free(ipiv);
    emb_table_free(t);
    return sec;
}

/* Wall seconds of `sh -c cmd` (stdout and stderr to /dev/null); < 0 on failure. */
static double timed(const char *cmd)
{
    char full[65600];
    snprintf(full, sizeof full, "%s >/dev/null 2>&1", cmd);
    double t0 = bench_now();
    int rc = system(full);
    double s = bench_now() - t0;
    if (rc != 0) {
        fprintf(stderr, "bench_batch: failed (status %d): %s\n", rc, cmd);
        return -1;
    }
    return s;
}

static FILE *csv;

static void line(const char *what, size_t N, size_t T, const char *threads, double s, double ref)
{
    printf("%-28s %6zu %3zu %8s %9.3f %6.2f\n", what, N, T, threads, s, ref > 0 ? s / ref : 0);
    if (csv)
        fprintf(csv, "%s,%zu,%zu,%s,%.6f,%.4f\n", what, N, T, threads, s, ref > 0 ? s / ref : 0);
    fflush(stdout);
}

static void usage(FILE *fp)
{
    fputs("Usage: bench_batch [--sizes RxS,...] [--tables T] [--repeat K] [--exe EMBODIED]\n"
          "                   [--csv FILE]\n"
          "Default: --sizes 41x35,49x40 (N = 1,435 and 1,960) --tables 8 --repeat 1;\n"
          "EMBODIED defaults to the embodied binary beside benchmarks/ in the build folder.\n",
          fp);
}

int main(int argc, char **argv)
{
    const char *sizes = "41x35,49x40", *exe = NULL, *csv_path = NULL;
    size_t T = 8, repeat = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            sizes = argv[++i];
        else if (!strcmp(argv[i], "--tables") && i + 1 < argc)
            T = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--exe") && i + 1 < argc)
            exe = argv[++i];
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv_path = argv[++i];
        else {
            usage(strcmp(argv[i], "--help") ? stderr : stdout);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (T == 0 || T > 100 || repeat == 0) {
        usage(stderr);
        return 2;
    }
    char exe_buf[4096];
    if (!exe) {
        char self[4000];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return 2;
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        snprintf(exe_buf, sizeof exe_buf, "%s/../embodied", self);
        exe = exe_buf;
    }
    if (csv_path && !(csv = fopen(csv_path, "a"))) {
        perror(csv_path);
        return 2;
    }
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("# bench_batch: %zu tables per size, best of %zu; OPENBLAS_NUM_THREADS=%s (OpenBLAS "
           "uses %d), %ld CPUs; %s\n", T, repeat, env ? env : "(unset)", openblas_get_num_threads(),
           cores, exe);
    printf("%-28s %6s %3s %8s %9s %6s\n", "what", "N", "T", "threads", "seconds", "ratio");
    char tmpl[] = "/tmp/bench_batch.XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        perror("mkdtemp");
        return 2;
    }
    int rc = 0;
    char thr[32];
    snprintf(thr, sizeof thr, "%d", openblas_get_num_threads());
    for (const char *p = sizes; *p && !rc;) {
        size_t R = strtoul(p, (char **)&p, 10), S = *p == 'x' ? strtoul(p + 1, (char **)&p, 10) : 0;
        if (*p == ',')
            p++;
        if (!R || !S) {
            usage(stderr);
            rc = 2;
            break;
        }
        size_t N = R * S;
        char list[16384] = "";
        for (size_t i = 0; i < T && !rc; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/t%zu.h5", dir, 2001 + i);
            emb_synth_opts o = emb_synth_defaults(R, S, 5, 3, 1 + i);
            emb_table *t = NULL;
            if (emb_synth_table(&o, &t) || emb_table_write_h5(t, path, NULL)) {
                fprintf(stderr, "bench_batch: generating %s: %s\n", path, emb_errmsg());
                rc = 1;
            }
            emb_table_free(t);
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, " '%s'", path);
        }
        double ref = 0;
        for (size_t i = 0; i < T && !rc; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/t%zu.h5", dir, 2001 + i);
            double best = -1;
            for (size_t k = 0; k < repeat; k++) {
                double s = bare_dgetrf(path);
                if (s > 0 && (best < 0 || s < best))
                    best = s;
            }
            if (best < 0) {
                fprintf(stderr, "bench_batch: dgetrf failed on %s\n", path);
                rc = 1;
            }
            ref += best;
        }
        if (rc)
            break;
        line("T x dgetrf (bare LAPACK)", N, T, thr, ref, ref);
        struct {
            const char *what, *opts, *threads;
        } runs[] = {{"batch (default --jobs)", "", "auto"},
                    {"batch --jobs 1", "--jobs 1", thr},
                    {"batch --jobs 2 --threads 1", "--jobs 2 --threads 1", "2x1"}};
        for (size_t r = 0; r < 3; r++) {
            double best = -1;
            for (size_t k = 0; k < repeat; k++) {
                char cmd[32768];
                snprintf(cmd, sizeof cmd, "rm -rf '%s/out' && '%s' batch %s -o '%s/out' -q %s", dir,
                         exe, list, dir, runs[r].opts);
                double s = timed(cmd);
                if (s > 0 && (best < 0 || s < best))
                    best = s;
            }
            if (best > 0)
                line(runs[r].what, N, T, runs[r].threads, best, ref);
            else
                rc = 1;
        }
        double best = -1;
        for (size_t k = 0; k < repeat; k++) {
            char cmd[65536];
            snprintf(cmd, sizeof cmd, "rm -rf '%s/sep' && mkdir '%s/sep' && for f in %s; do b=$(basename "
                                      "\"$f\" .h5); '%s' accounts \"$f\" -o '%s'/sep/$b.h5 --csv "
                                      "'%s'/sep/$b -q || exit 1; done", dir, dir, list, exe, dir, dir);
            double s = timed(cmd);
            if (s > 0 && (best < 0 || s < best))
                best = s;
        }
        if (best > 0)
            line("T x accounts (processes)", N, T, thr, best, ref);
        for (size_t i = 0; i < T; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/t%zu.h5", dir, 2001 + i);
            unlink(path);
        }
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_batch: could not remove %s\n", dir);
    if (csv)
        fclose(csv);
    return rc;
}
