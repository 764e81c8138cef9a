/* benchmarks/bench_accounts.c — the accounts pipeline beside bare LAPACK.
 *
 * Owns the `bench_accounts` executable (not a test).  For one size N = R x S:
 *   1. generates a table (emb_synth_table) and writes it to a temporary HDF5
 *      file, as a user's input would be;
 *   2. bare LAPACK: I - A of that table in one N x N buffer, LAPACKE_dgetrf
 *      timed alone — the machine's limit for this N, GFLOP/s = (2/3 N^3) / t;
 *   3. the pipeline as `embodied accounts FILE -o OUT` runs it:
 *      emb_table_read_h5 (streamed) -> emb_accounts_compute ->
 *      emb_results_write_h5, each phase timed ("build+factor" and "solve"
 *      from the accounts' own clocks: streaming T into I - A plus dgetrf, and
 *      all solves; the rest of "accounts" is residual and identity checks).
 * Every measurement runs in its own forked child and its peak RSS is that
 * child's ru_maxrss from wait4(), so the 8 N^2 bytes of one measurement (or
 * of the generator) never count against another.  The parent itself never
 * touches an O(N^2) object.
 *
 * Output: a header block (OpenBLAS core and threads, environment), then one
 * line per measurement, BLIS style:
 *   what N threads seconds GFLOP/s peakRSS_MiB ratio residual
 * where ratio is seconds / bare dgetrf seconds, then the two acceptance
 * ratios: pipeline time / dgetrf time (< 2) and pipeline peak RSS / 8 N^2
 * (< 1.5).  --csv FILE appends the same rows as CSV.
 */
#define _DEFAULT_SOURCE /* wait4() */
#include "embodied/embodied.h"

#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* OpenBLAS extensions; declared here rather than pulling in its cblas.h. */
extern int openblas_get_num_threads(void);
extern char *openblas_get_corename(void);

/* Acceptance targets of the pipeline at N = 4900 (README, benchmarks). */
#define TARGET_TIME_RATIO 2.0
#define TARGET_RSS_RATIO 1.5
#define TARGET_MIN_N 4900
/* Rows per block when streaming T for the bare run. */
#define ROW_BLOCK 64

typedef struct args {
    size_t regions, sectors, n_f, k;
    uint64_t seed;
    int repeat, per_sector;
    const char *csv;
} args;

/* What a child sends back through its pipe. */
typedef struct meas {
    int ok;
    double t_synth, t_write_table;               /* generator child */
    double t_dgetrf, res_dgetrf;                 /* bare child */
    double t_read, t_accounts, t_factor, t_solve, t_write, res_solve, res_tsolve, identity;
    double peak_mib;                             /* filled by the parent from wait4 */
    char err[512];
} meas;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail(meas *m, const char *what, emb_status st)
{
    snprintf(m->err, sizeof m->err, "%s: %s: %s", what, emb_strerror(st), emb_errmsg());
}

/* ---- the measurements, each run in a child ---- */

static void run_generate(const args *a, const char *table, meas *m)
{
    emb_synth_opts o = emb_synth_defaults(a->regions, a->sectors, a->n_f, a->k, a->seed);
    emb_table *t = NULL;
    double t0 = now();
    emb_status st = emb_synth_table(&o, &t);
    m->t_synth = now() - t0;
    if (st) {
        fail(m, "emb_synth_table", st);
        return;
    }
    t0 = now();
    st = emb_table_write_h5(t, table, NULL);
    m->t_write_table = now() - t0;
    emb_table_free(t);
    if (st) {
        fail(m, "emb_table_write_h5", st);
        return;
    }
    m->ok = 1;
}

/* Bare LAPACK on the same I - A: stream Z into the buffer, x = Z 1 + Y 1,
 * a_ij := delta_ij - z_ij / x_j in place (row-major, which LAPACK sees as
 * (I - A)^T: the same flops), then time dgetrf alone.  The residual of one
 * solve (I - A)^T v = 1 is checked by streaming Z a second time, so that no
 * second N x N buffer inflates the peak. */
static void run_dgetrf(const char *table, meas *m)
{
    emb_table *t = NULL;
    double *a = NULL, *x = NULL, *v = NULL, *acc = NULL, *blk = NULL;
    lapack_int *ipiv = NULL;
    emb_status st = emb_table_read_h5(table, EMB_READ_DEFAULT, &t);
    if (st) {
        fail(m, "emb_table_read_h5", st);
        return;
    }
    size_t N = t->N;
    if (N > INT32_MAX / 2) {
        snprintf(m->err, sizeof m->err, "N = %zu too large for 32-bit LAPACK", N);
        goto done;
    }
    a = malloc(N * N * sizeof *a);
    x = calloc(N, sizeof *x), v = malloc(N * sizeof *v), acc = calloc(N, sizeof *acc);
    blk = malloc((size_t)ROW_BLOCK * N * sizeof *blk);
    ipiv = malloc(N * sizeof *ipiv);
    if (!a || !x || !v || !acc || !blk || !ipiv) {
        snprintf(m->err, sizeof m->err, "out of memory for N = %zu", N);
        goto done;
    }
    for (size_t r0 = 0; r0 < N; r0 += ROW_BLOCK) {
        size_t nr = N - r0 < ROW_BLOCK ? N - r0 : ROW_BLOCK;
        if ((st = emb_table_tech_rows(t, r0, nr, a + r0 * N))) {
            fail(m, "emb_table_tech_rows", st);
            goto done;
        }
    }
    for (size_t i = 0; i < N; i++) {
        double s = 0;
        for (size_t j = 0; j < N; j++)
            s += a[i * N + j];
        for (size_t c = 0; c < t->n_y; c++)
            s += t->Y[i * t->n_y + c];
        x[i] = s;
    }
    for (size_t j = 0; j < N; j++)
        v[j] = x[j] > 0 ? 1.0 / x[j] : 0.0; /* v: 1/x for now */
    double *colabs = acc; /* ||I - A||_1 = ||(I - A)^T||_inf, for the residual */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double e = (i == j) - a[i * N + j] * v[j];
            a[i * N + j] = e;
            colabs[j] += fabs(e);
        }
    double anorm = 0;
    for (size_t j = 0; j < N; j++)
        anorm = fmax(anorm, colabs[j]);

    double t0 = now();
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)N, a,
                                     (lapack_int)N, ipiv);
    m->t_dgetrf = now() - t0;
    if (info != 0) {
        snprintf(m->err, sizeof m->err, "dgetrf: info = %d", (int)info);
        goto done;
    }
    for (size_t i = 0; i < N; i++)
        v[i] = 1.0;
    info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)N, 1, a, (lapack_int)N, ipiv, v,
                          (lapack_int)N);
    if (info != 0) {
        snprintf(m->err, sizeof m->err, "dgetrs: info = %d", (int)info);
        goto done;
    }
    /* r = 1 - (I - A)^T v, (A^T v)_j = sum_i z_ij v_i / x_j. */
    memset(acc, 0, N * sizeof *acc);
    for (size_t r0 = 0; r0 < N; r0 += ROW_BLOCK) {
        size_t nr = N - r0 < ROW_BLOCK ? N - r0 : ROW_BLOCK;
        if ((st = emb_table_tech_rows(t, r0, nr, blk))) {
            fail(m, "emb_table_tech_rows", st);
            goto done;
        }
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < N; j++)
                acc[j] += blk[i * N + j] * v[r0 + i];
    }
    double rmax = 0, vmax = 0;
    for (size_t j = 0; j < N; j++) {
        double atv = x[j] > 0 ? acc[j] / x[j] : 0.0;
        rmax = fmax(rmax, fabs(1.0 - (v[j] - atv)));
        vmax = fmax(vmax, fabs(v[j]));
    }
    m->res_dgetrf = rmax / (anorm * vmax + 1.0);
    m->ok = 1;
done:
    free(a), free(x), free(v), free(acc), free(blk), free(ipiv);
    emb_table_free(t);
}

/* What `embodied accounts TABLE -o RESULTS` does, phase by phase. */
static void run_pipeline(const args *a, const char *table, const char *results, meas *m)
{
    emb_table *t = NULL;
    emb_accounts *acc = NULL;
    emb_accounts_opts ao = {.per_sector = a->per_sector};
    double t0 = now();
    emb_status st = emb_table_read_h5(table, EMB_READ_DEFAULT, &t);
    m->t_read = now() - t0;
    if (st) {
        fail(m, "emb_table_read_h5", st);
        return;
    }
    t0 = now();
    st = emb_accounts_compute(t, &ao, &acc);
    m->t_accounts = now() - t0;
    if (st) {
        fail(m, "emb_accounts_compute", st);
        goto done;
    }
    m->t_factor = acc->seconds_build + acc->seconds_factor;
    m->t_solve = acc->seconds_solve;
    m->res_solve = acc->residual_solve;
    m->res_tsolve = acc->residual_tsolve;
    m->identity = acc->identity_error;
    t0 = now();
    st = emb_results_write_h5(acc, t, results);
    m->t_write = now() - t0;
    if (st) {
        fail(m, "emb_results_write_h5", st);
        goto done;
    }
    m->ok = 1;
done:
    emb_accounts_free(acc);
    emb_table_free(t);
}

/* ---- fork, collect the result and the child's peak RSS ---- */

enum job { JOB_GENERATE, JOB_DGETRF, JOB_PIPELINE };

static int in_child(enum job job, const args *a, const char *table, const char *results, meas *out)
{
    int fd[2];
    memset(out, 0, sizeof *out);
    fflush(NULL);
    if (pipe(fd) != 0) {
        snprintf(out->err, sizeof out->err, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->err, sizeof out->err, "fork: %s", strerror(errno));
        close(fd[0]), close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        meas m;
        memset(&m, 0, sizeof m);
        if (job == JOB_GENERATE)
            run_generate(a, table, &m);
        else if (job == JOB_DGETRF)
            run_dgetrf(table, &m);
        else
            run_pipeline(a, table, results, &m);
        ssize_t w = write(fd[1], &m, sizeof m);
        _exit(w == (ssize_t)sizeof m ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    while (got < sizeof *out) {
        ssize_t r = read(fd[0], (char *)out + got, sizeof *out - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (got != sizeof *out) {
        memset(out, 0, sizeof *out);
        snprintf(out->err, sizeof out->err, "child died (%s %d) before reporting",
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return -1;
    }
    out->peak_mib = (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
    return out->ok ? 0 : -1;
}

/* ---- reporting ---- */

typedef struct report {
    FILE *csv;
    size_t N;
    int threads;
    const args *a;
    const char *core;
    double t_ref; /* bare dgetrf seconds */
} report;

static double gflops(size_t N, double s) { return s > 0 ? (2.0 / 3.0) * pow((double)N, 3) / s * 1e-9 : 0; }

/* One BLIS-style line; negative gflop/rss/residual print as "-". */
static void line(const report *r, const char *what, double sec, double gf, double rss, double res)
{
    char g[32] = "-", m[32] = "-", e[32] = "-";
    if (gf >= 0)
        snprintf(g, sizeof g, "%.2f", gf);
    if (rss >= 0)
        snprintf(m, sizeof m, "%.1f", rss);
    if (res >= 0)
        snprintf(e, sizeof e, "%.2e", res);
    double ratio = r->t_ref > 0 ? sec / r->t_ref : 0;
    printf("%-14s %7zu %7d %10.4f %9s %12s %7.3f %10s\n", what, r->N, r->threads, sec, g, m, ratio, e);
    if (r->csv)
        fprintf(r->csv, "%s,%zu,%zu,%zu,%d,%s,%.6f,%s,%s,%.4f,%s\n", what, r->a->regions,
                r->a->sectors, r->N, r->threads, r->core, sec, gf >= 0 ? g : "", rss >= 0 ? m : "",
                ratio, res >= 0 ? e : "");
}

static void usage(FILE *fp)
{
    fputs("Usage: bench_accounts --regions R --sectors S [--repeat N] [--csv FILE]\n"
          "                      [--fd N_F] [--stressors K] [--seed SEED] [--per-sector]\n"
          "Times bare LAPACKE_dgetrf on N = R*S against read -> accounts -> write of a\n"
          "generated table; each measurement in its own process (peak RSS per child).\n"
          "Set OPENBLAS_NUM_THREADS to fix the thread count.\n",
          fp);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    args a = {0, 0, 6, 3, 2024, 1, 0, NULL};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t n;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--per-sector")) {
            a.per_sector = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_accounts: %s needs a value\n", o);
            return 2;
        }
        i++;
        if (!strcmp(o, "--csv")) {
            a.csv = v;
            continue;
        }
        if (parse_size(v, &n)) {
            fprintf(stderr, "bench_accounts: %s: '%s' is not a positive integer\n", o, v);
            return 2;
        }
        if (!strcmp(o, "--regions"))
            a.regions = n;
        else if (!strcmp(o, "--sectors"))
            a.sectors = n;
        else if (!strcmp(o, "--repeat"))
            a.repeat = n > 100 ? 100 : (int)n;
        else if (!strcmp(o, "--fd"))
            a.n_f = n;
        else if (!strcmp(o, "--stressors"))
            a.k = n;
        else if (!strcmp(o, "--seed"))
            a.seed = n;
        else {
            fprintf(stderr, "bench_accounts: unknown option %s\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (!a.regions || !a.sectors) {
        usage(stderr);
        return 2;
    }

    const char *tmpbase = getenv("TMPDIR");
    char dir[4096], table[4200], results[4200];
    snprintf(dir, sizeof dir, "%s/embodied-bench-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_accounts: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(table, sizeof table, "%s/table.h5", dir);
    snprintf(results, sizeof results, "%s/results.h5", dir);

    report r = {NULL, a.regions * a.sectors, openblas_get_num_threads(), &a,
                openblas_get_corename(), 0};
    const char *env_core = getenv("OPENBLAS_CORETYPE"), *env_thr = getenv("OPENBLAS_NUM_THREADS");
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    double nn_mib = 8.0 * (double)r.N * (double)r.N / 1048576.0;
    printf("# bench_accounts: embodied %s, N = %zu (%zu regions x %zu sectors), %zu FD categories, "
           "%zu stressors, seed %llu%s\n",
           emb_version(), r.N, a.regions, a.sectors, a.n_f, a.k, (unsigned long long)a.seed,
           a.per_sector ? ", per-sector accounts" : "");
    printf("# OpenBLAS core %s, %d threads; OPENBLAS_CORETYPE=%s OPENBLAS_NUM_THREADS=%s\n", r.core,
           r.threads, env_core ? env_core : "(unset)", env_thr ? env_thr : "(unset)");
    printf("# %s; %ld CPUs online\n", emb_blas_info(), sysconf(_SC_NPROCESSORS_ONLN));
    printf("# 8 N^2 = %.1f MiB; parent RSS %.1f MiB (counted in every child's peak); best of %d\n",
           nn_mib, (double)self.ru_maxrss / 1024.0, a.repeat);

    int rc = 1;
    if (a.csv) {
        struct stat st;
        int fresh = stat(a.csv, &st) != 0 || st.st_size == 0;
        if (!(r.csv = fopen(a.csv, "a"))) {
            fprintf(stderr, "bench_accounts: %s: %s\n", a.csv, strerror(errno));
            goto cleanup;
        }
        if (fresh)
            fprintf(r.csv, "what,regions,sectors,N,threads,core,seconds,gflops,peak_rss_mib,"
                           "ratio_to_dgetrf,residual\n");
    }

    meas gm, best_d, best_p, m;
    if (in_child(JOB_GENERATE, &a, table, results, &gm)) {
        fprintf(stderr, "bench_accounts: generating the table: %s\n", gm.err);
        goto cleanup;
    }
    /* Best (smallest) time over the repeats; peak RSS the largest seen. */
    memset(&best_d, 0, sizeof best_d);
    memset(&best_p, 0, sizeof best_p);
    for (int rep = 0; rep < a.repeat; rep++) {
        if (in_child(JOB_DGETRF, &a, table, results, &m)) {
            fprintf(stderr, "bench_accounts: bare dgetrf: %s\n", m.err);
            goto cleanup;
        }
        if (rep == 0 || m.t_dgetrf < best_d.t_dgetrf) {
            double pk = fmax(m.peak_mib, best_d.peak_mib);
            best_d = m, best_d.peak_mib = pk;
        } else
            best_d.peak_mib = fmax(best_d.peak_mib, m.peak_mib);
        if (in_child(JOB_PIPELINE, &a, table, results, &m)) {
            fprintf(stderr, "bench_accounts: pipeline: %s\n", m.err);
            goto cleanup;
        }
        double tot = m.t_read + m.t_accounts + m.t_write;
        double btot = best_p.t_read + best_p.t_accounts + best_p.t_write;
        if (rep == 0 || tot < btot) {
            double pk = fmax(m.peak_mib, best_p.peak_mib);
            best_p = m, best_p.peak_mib = pk;
        } else
            best_p.peak_mib = fmax(best_p.peak_mib, m.peak_mib);
    }

    r.t_ref = best_d.t_dgetrf;
    double tot = best_p.t_read + best_p.t_accounts + best_p.t_write;
    double res = fmax(best_p.res_solve, best_p.res_tsolve);
    printf("%-14s %7s %7s %10s %9s %12s %7s %10s\n", "what", "N", "threads", "seconds", "GFLOP/s",
           "peakRSS_MiB", "ratio", "residual");
    line(&r, "synth", gm.t_synth, -1, gm.peak_mib, -1);
    line(&r, "write_table", gm.t_write_table, -1, -1, -1);
    line(&r, "dgetrf", best_d.t_dgetrf, gflops(r.N, best_d.t_dgetrf), best_d.peak_mib,
         best_d.res_dgetrf);
    line(&r, "read", best_p.t_read, -1, -1, -1);
    line(&r, "build+factor", best_p.t_factor, gflops(r.N, best_p.t_factor), -1, -1);
    line(&r, "solve", best_p.t_solve, -1, -1, res);
    line(&r, "accounts", best_p.t_accounts, gflops(r.N, best_p.t_accounts), -1, res);
    line(&r, "write_results", best_p.t_write, -1, -1, -1);
    line(&r, "pipeline", tot, gflops(r.N, tot), best_p.peak_mib, res);

    double tr = tot / best_d.t_dgetrf, mr = best_p.peak_mib / nn_mib;
    /* The targets are set at N = 4900; below, fixed costs (process, HDF5,
     * OpenBLAS buffers) weigh more and the ratios are for information. */
    int judged = r.N >= TARGET_MIN_N;
    printf("# N = %zu: pipeline time / bare dgetrf = %.2f (target < %.1f): %s\n", r.N, tr,
           TARGET_TIME_RATIO, !judged ? "info (target set at N >= 4900)"
                              : tr < TARGET_TIME_RATIO ? "PASS" : "FAIL");
    printf("# N = %zu: pipeline peak RSS / 8N^2 = %.2f (%.1f / %.1f MiB; target < %.1f): %s\n", r.N,
           mr, best_p.peak_mib, nn_mib, TARGET_RSS_RATIO,
           !judged ? "info (target set at N >= 4900)" : mr < TARGET_RSS_RATIO ? "PASS" : "FAIL");
    printf("# identities within %.1e; bare dgetrf peak RSS / 8N^2 = %.2f\n", best_p.identity,
           best_d.peak_mib / nn_mib);
    if (r.csv) {
        fprintf(r.csv, "time_ratio,%zu,%zu,%zu,%d,%s,,,,%.4f,\n", a.regions, a.sectors, r.N,
                r.threads, r.core, tr);
        fprintf(r.csv, "rss_ratio,%zu,%zu,%zu,%d,%s,,,%.1f,%.4f,\n", a.regions, a.sectors, r.N,
                r.threads, r.core, best_p.peak_mib, mr);
    }
    rc = 0;
cleanup:
    if (r.csv && fclose(r.csv) != 0) {
        fprintf(stderr, "bench_accounts: %s: %s\n", a.csv, strerror(errno));
        rc = 1;
    }
    unlink(table);
    unlink(results);
    rmdir(dir);
    return rc;
}
