/* benchmarks/bench_sparse.c — the sparse iterative Leontief solver
 * (src/solver/sparse.h) on GLORIA-like tables.
 *
 * Owns the `bench_sparse` executable (not a test).  For each spectral radius
 * rho (--rho, default 0.6,0.8,0.95):
 *   1. a child generates a CSR table, R regions x S sectors (default 164 x
 *      120, N = 19,680, GLORIA's size) with foreign density D (default 0.01,
 *      about 1.4 % overall) and every column sum of A equal to rho (so
 *      rho(A) = rho), and writes it to a temporary HDF5 file (--table FILE
 *      reads a given file instead);
 *   2. a child per method (--method, default auto) reads it (CSR, O(nnz)),
 *      builds the solver (emb_sparse_create) and solves the n_r final-demand
 *      right-hand sides (Y summed by region) and the k multiplier systems
 *      (I - A)^T m = s_k, all to --tol (default 1e-10);
 *   3. with --dense, a child runs the dense LAPACK solver on the same table
 *      (emb_leontief_factor: 8 N^2 bytes, ~1 min at N = 19,680) and reports
 *      the largest normwise difference from the sparse solutions.
 * Each child's peak RSS is its ru_maxrss from wait4(), so no measurement
 * counts another's memory.  One line per measurement:
 *   rho what N threads seconds passes iterations residual peakRSS_MiB
 * and per table the acceptance line: create + all solves <= 15 s and peak
 * RSS <= 2 GiB (the target for N = 19,680).  The child's CPU time
 * (user + system, from wait4) is printed too: on a shared machine it tells
 * how much of the wall time was waiting for a core.
 */
#define _DEFAULT_SOURCE /* wait4(), mkdtemp() */
#include "benchutil.h"
#include "embodied/embodied.h"
#include "solver/sparse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern int openblas_get_num_threads(void);
extern char *openblas_get_corename(void);

#define TARGET_SECONDS 15.0
#define TARGET_MIB 2048.0

typedef struct args {
    size_t regions, sectors, n_f, k;
    double density, tol;
    uint64_t seed;
    double rho[8];
    int n_rho;
    int methods[3], n_methods;
    size_t batch, restart;
    int repeat, dense;
    const char *table;
} args;

typedef struct meas {
    int ok;
    double t_gen, t_write;                     /* generator child */
    size_t nnz, nnz_off, N, n_r, k;
    double t_read, t_create, t_direct, t_trans; /* solver child */
    double t_prod, t_prec, t_orth;
    size_t it_d, it_t, pass_d, pass_t;
    double res_d, res_t;
    char method[32];
    double t_factor, t_dsolve, diff_d, diff_t; /* dense child */
    double peak_mib, cpu; /* from wait4: peak RSS, user + system CPU seconds */
    char err[512];
} meas;

static void fail(meas *m, const char *what, emb_status st)
{
    snprintf(m->err, sizeof m->err, "%s: %s: %s", what, emb_strerror(st), emb_errmsg());
}

static void run_generate(const args *a, double rho, const char *table, meas *m)
{
    emb_synth_opts o = emb_synth_defaults(a->regions, a->sectors, a->n_f, a->k, a->seed);
    o.foreign_density = a->density;
    o.colsum_lo = o.colsum_hi = rho;
    o.csr = 1;
    emb_table *t = NULL;
    double t0 = bench_now();
    emb_status st = emb_synth_table(&o, &t);
    m->t_gen = bench_now() - t0;
    if (st) {
        fail(m, "emb_synth_table", st);
        return;
    }
    m->nnz = t->csr->nnz;
    t0 = bench_now();
    st = emb_table_write_h5(t, table, NULL);
    m->t_write = bench_now() - t0;
    emb_table_free(t);
    if (st) {
        fail(m, "emb_table_write_h5", st);
        return;
    }
    m->ok = 1;
}

/* Right-hand sides: Y by region (N x n_r) and S^T (N x k), column-major. */
static int rhs(const emb_table *t, const double *x, double **Bd, double **Bt)
{
    size_t N = t->N;
    *Bd = calloc(N * t->n_r, sizeof **Bd);
    *Bt = calloc(N * (t->k ? t->k : 1), sizeof **Bt);
    if (!*Bd || !*Bt)
        return -1;
    for (size_t i = 0; i < N; i++)
        for (size_t r = 0; r < t->n_r; r++)
            for (size_t f = 0; f < t->n_f; f++)
                (*Bd)[r * N + i] += t->Y[i * t->n_y + r * t->n_f + f];
    for (size_t s = 0; s < t->k; s++)
        for (size_t i = 0; i < N; i++)
            (*Bt)[s * N + i] = x[i] > 0 ? t->F[s * N + i] / x[i] : 0.0;
    return 0;
}

static int save(const char *path, const double *a, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t w = fwrite(a, sizeof *a, n, fp);
    return fclose(fp) == 0 && w == n ? 0 : -1;
}

static void run_sparse(const args *a, int method, const char *table, const char *sol, meas *m)
{
    emb_table *t = NULL;
    emb_sparse *s = NULL;
    double *Bd = NULL, *Bt = NULL;
    double t0 = bench_now();
    emb_status st = emb_table_read_h5(table, EMB_READ_DEFAULT, &t);
    m->t_read = bench_now() - t0;
    if (st) {
        fail(m, "emb_table_read_h5", st);
        return;
    }
    emb_sparse_opts o;
    emb_sparse_defaults(&o);
    o.method = (emb_sparse_method)method;
    o.tol = a->tol;
    if (a->batch)
        o.batch = a->batch;
    if (a->restart)
        o.restart = a->restart;
    t0 = bench_now();
    st = emb_sparse_create(t, &o, &s);
    m->t_create = bench_now() - t0;
    if (st) {
        fail(m, "emb_sparse_create", st);
        goto done;
    }
    emb_sparse_info info;
    emb_sparse_get_info(s, &info);
    m->nnz = info.nnz_A, m->nnz_off = info.nnz_off;
    m->N = t->N, m->n_r = t->n_r, m->k = t->k;
    if (rhs(t, emb_sparse_x(s), &Bd, &Bt)) {
        snprintf(m->err, sizeof m->err, "out of memory for the right-hand sides");
        goto done;
    }
    emb_sparse_report rd, rt;
    if ((st = emb_sparse_solve(s, 0, t->n_r, Bd, t->N, &rd))) {
        fail(m, "emb_sparse_solve", st);
        goto done;
    }
    if ((st = emb_sparse_solve(s, 1, t->k, Bt, t->N, &rt))) {
        fail(m, "emb_sparse_solve (transposed)", st);
        goto done;
    }
    m->t_direct = rd.seconds, m->t_trans = rt.seconds;
    m->t_prod = rd.seconds_products + rt.seconds_products;
    m->t_prec = rd.seconds_precond + rt.seconds_precond;
    m->t_orth = rd.seconds_orth + rt.seconds_orth;
    m->it_d = rd.iterations, m->it_t = rt.iterations;
    m->pass_d = rd.passes, m->pass_t = rt.passes;
    m->res_d = rd.max_residual, m->res_t = rt.max_residual;
    snprintf(m->method, sizeof m->method, "%s", rd.method);
    if (sol) {
        char p[4200];
        snprintf(p, sizeof p, "%s.d", sol);
        int e = save(p, Bd, t->N * t->n_r);
        snprintf(p, sizeof p, "%s.t", sol);
        if (e || save(p, Bt, t->N * t->k)) {
            snprintf(m->err, sizeof m->err, "cannot save solutions to %s", sol);
            goto done;
        }
    }
    m->ok = 1;
done:
    free(Bd), free(Bt);
    emb_sparse_free(s);
    emb_table_free(t);
}

static double normwise(const double *a, const double *b, size_t N, size_t n)
{
    double worst = 0;
    for (size_t c = 0; c < n; c++) {
        double d = 0, mx = 0;
        for (size_t i = 0; i < N; i++) {
            d = fmax(d, fabs(a[c * N + i] - b[c * N + i]));
            mx = fmax(mx, fabs(b[c * N + i]));
        }
        worst = fmax(worst, mx > 0 ? d / mx : d);
    }
    return worst;
}

static double *load(const char *path, size_t n)
{
    FILE *fp = fopen(path, "rb");
    double *a = fp ? malloc(n * sizeof *a) : NULL;
    if (a && fread(a, sizeof *a, n, fp) != n) {
        free(a);
        a = NULL;
    }
    if (fp)
        fclose(fp);
    return a;
}

static void run_dense(const char *table, const char *sol, meas *m)
{
    emb_table *t = NULL;
    emb_leontief *lf = NULL;
    double *Bd = NULL, *Bt = NULL, *Sd = NULL, *St = NULL;
    emb_status st = emb_table_read_h5(table, EMB_READ_DEFAULT, &t);
    if (st) {
        fail(m, "emb_table_read_h5", st);
        return;
    }
    double t0 = bench_now();
    if ((st = emb_leontief_factor(t, &lf))) {
        fail(m, "emb_leontief_factor", st);
        goto done;
    }
    m->t_factor = bench_now() - t0;
    if (rhs(t, emb_leontief_x(lf), &Bd, &Bt)) {
        snprintf(m->err, sizeof m->err, "out of memory");
        goto done;
    }
    t0 = bench_now();
    if ((st = emb_leontief_solve(lf, t->n_r, Bd, t->N)) ||
        (st = emb_leontief_tsolve(lf, t->k, Bt, t->N))) {
        fail(m, "emb_leontief_solve", st);
        goto done;
    }
    m->t_dsolve = bench_now() - t0;
    char p[4200];
    snprintf(p, sizeof p, "%s.d", sol);
    Sd = load(p, t->N * t->n_r);
    snprintf(p, sizeof p, "%s.t", sol);
    St = load(p, t->N * t->k);
    if (!Sd || !St) {
        snprintf(m->err, sizeof m->err, "cannot load the sparse solutions %s", sol);
        goto done;
    }
    m->diff_d = normwise(Sd, Bd, t->N, t->n_r);
    m->diff_t = normwise(St, Bt, t->N, t->k);
    m->ok = 1;
done:
    free(Bd), free(Bt), free(Sd), free(St);
    emb_leontief_free(lf);
    emb_table_free(t);
}

/* ---- fork, collect the result and the child's peak RSS ---- */

enum job { JOB_GENERATE, JOB_SPARSE, JOB_DENSE };

typedef struct job_ctx {
    enum job job;
    const args *a;
    double rho;
    int method;
    const char *table, *sol;
} job_ctx;

static void child(void *ctx, void *out)
{
    const job_ctx *c = ctx;
    meas *m = out;
    if (c->job == JOB_GENERATE)
        run_generate(c->a, c->rho, c->table, m);
    else if (c->job == JOB_SPARSE)
        run_sparse(c->a, c->method, c->table, c->sol, m);
    else
        run_dense(c->table, c->sol, m);
}

static int in_child(enum job job, const args *a, double rho, int method, const char *table,
                    const char *sol, meas *out)
{
    job_ctx c = {job, a, rho, method, table, sol};
    struct rusage ru;
    if (bench_fork(child, &c, out, sizeof *out, &ru, out->err, sizeof out->err))
        return -1;
    out->peak_mib = (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
    out->cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
               (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    return out->ok ? 0 : -1;
}

static void line(double rho, const char *what, size_t N, double sec, long passes, long iters,
                 double res, double mib)
{
    char p[24] = "-", it[24] = "-", r[24] = "-", mm[24] = "-";
    if (passes >= 0)
        snprintf(p, sizeof p, "%ld", passes);
    if (iters >= 0)
        snprintf(it, sizeof it, "%ld", iters);
    if (res >= 0)
        snprintf(r, sizeof r, "%.2e", res);
    if (mib >= 0)
        snprintf(mm, sizeof mm, "%.0f", mib);
    char rh[16] = "file";
    if (rho > 0)
        snprintf(rh, sizeof rh, "%4.2f", rho);
    printf("%-4s  %-26s %6zu %3d %9.3f %7s %6s %9s %8s\n", rh, what, N, openblas_get_num_threads(),
           sec, p, it, r, mm);
}

static const char *method_name(int m)
{
    return m == EMB_SPARSE_GMRES ? "gmres" : m == EMB_SPARSE_RICHARDSON ? "block-jacobi" : "auto";
}

static void usage(FILE *fp)
{
    fputs("Usage: bench_sparse [--regions R] [--sectors S] [--density D] [--rho R1,R2,...]\n"
          "                    [--fd N_F] [--stressors K] [--seed SEED] [--tol T]\n"
          "                    [--method auto|gmres|jacobi|all] [--batch B] [--restart M]\n"
          "                    [--repeat N] [--table FILE] [--dense]\n"
          "Defaults: 164 x 120 (N = 19,680), foreign density 0.01, rho 0.6,0.8,0.95, 6 FD\n"
          "categories, 3 stressors, tol 1e-10, method auto.  Each measurement runs in its own\n"
          "process (peak RSS per child).  Set OPENBLAS_NUM_THREADS to fix the threads.\n",
          fp);
}

int main(int argc, char **argv)
{
    args a = {164, 120, 6, 3, 0.01, 1e-10, 1, {0.6, 0.8, 0.95}, 3, {EMB_SPARSE_AUTO}, 1,
              0, 0, 1, 0, NULL};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "--dense")) {
            a.dense = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_sparse: %s needs a value\n", o);
            return 2;
        }
        i++;
        char *end = NULL;
        double d = strtod(v, &end);
        int num = end && end != v && *end == '\0' && d > 0;
        if (!strcmp(o, "--table"))
            a.table = v;
        else if (!strcmp(o, "--rho")) {
            a.n_rho = 0;
            for (const char *p = v; *p && a.n_rho < 8;) {
                double r = strtod(p, &end);
                if (end == p || !(r > 0 && r < 1)) {
                    fprintf(stderr, "bench_sparse: --rho '%s': values in (0, 1)\n", v);
                    return 2;
                }
                a.rho[a.n_rho++] = r;
                p = *end == ',' ? end + 1 : end;
            }
        } else if (!strcmp(o, "--method")) {
            a.n_methods = 1;
            if (!strcmp(v, "gmres"))
                a.methods[0] = EMB_SPARSE_GMRES;
            else if (!strcmp(v, "jacobi"))
                a.methods[0] = EMB_SPARSE_RICHARDSON;
            else if (!strcmp(v, "auto"))
                a.methods[0] = EMB_SPARSE_AUTO;
            else if (!strcmp(v, "all")) { /* auto is gmres */
                a.n_methods = 2;
                a.methods[0] = EMB_SPARSE_GMRES, a.methods[1] = EMB_SPARSE_RICHARDSON;
            } else {
                fprintf(stderr, "bench_sparse: --method '%s': auto, gmres, jacobi or all\n", v);
                return 2;
            }
        } else if (!num) {
            fprintf(stderr, "bench_sparse: %s: '%s' is not a positive number\n", o, v);
            return 2;
        } else if (!strcmp(o, "--regions"))
            a.regions = (size_t)d;
        else if (!strcmp(o, "--sectors"))
            a.sectors = (size_t)d;
        else if (!strcmp(o, "--fd"))
            a.n_f = (size_t)d;
        else if (!strcmp(o, "--stressors"))
            a.k = (size_t)d;
        else if (!strcmp(o, "--density"))
            a.density = d;
        else if (!strcmp(o, "--tol"))
            a.tol = d;
        else if (!strcmp(o, "--seed"))
            a.seed = (uint64_t)d;
        else if (!strcmp(o, "--batch"))
            a.batch = (size_t)d;
        else if (!strcmp(o, "--restart"))
            a.restart = (size_t)d;
        else if (!strcmp(o, "--repeat"))
            a.repeat = d > 100 ? 100 : (int)d;
        else {
            fprintf(stderr, "bench_sparse: unknown option %s\n", o);
            usage(stderr);
            return 2;
        }
    }
    const char *tmpbase = getenv("TMPDIR");
    char dir[4096], table[4200], sol[4200];
    snprintf(dir, sizeof dir, "%s/embodied-bench-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_sparse: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(sol, sizeof sol, "%s/solutions", dir);
    size_t N = a.regions * a.sectors;
    if (a.table)
        a.n_rho = 1;
    printf("# bench_sparse: embodied %s, OpenBLAS %s, %d threads; %s\n", emb_version(),
           openblas_get_corename(), openblas_get_num_threads(),
           a.table ? a.table : "generated tables");
    if (!a.table)
        printf("# N = %zu (%zu regions x %zu sectors), foreign density %g, %zu FD categories, "
               "%zu stressors, seed %llu; tol %g\n", N, a.regions, a.sectors, a.density, a.n_f,
               a.k, (unsigned long long)a.seed, a.tol);
    printf("# rho  what                            N thr   seconds  passes  iters  residual  "
           "peakMiB\n");
    int rc = 0;
    for (int q = 0; q < a.n_rho; q++) {
        double rho = a.table ? 0 : a.rho[q];
        meas g;
        if (a.table)
            snprintf(table, sizeof table, "%s", a.table);
        else {
            snprintf(table, sizeof table, "%s/table.h5", dir);
            if (in_child(JOB_GENERATE, &a, rho, 0, table, NULL, &g)) {
                fprintf(stderr, "bench_sparse: generate: %s\n", g.err);
                rc = 1;
                break;
            }
            printf("# rho %.2f: nnz(A) = %zu (%.2f %% of N^2)\n", rho, g.nnz,
                   100.0 * (double)g.nnz / ((double)N * (double)N));
            line(rho, "generate (synth, CSR)", N, g.t_gen, -1, -1, -1, g.peak_mib);
            line(rho, "write table", N, g.t_write, -1, -1, -1, -1);
        }
        for (int mi = 0; mi < a.n_methods; mi++) {
            double best = INFINITY;
            meas mb;
            memset(&mb, 0, sizeof mb);
            for (int r = 0; r < a.repeat; r++) {
                meas m;
                if (in_child(JOB_SPARSE, &a, rho, a.methods[mi], table, a.dense ? sol : NULL, &m)) {
                    fprintf(stderr, "bench_sparse: %s: %s\n", method_name(a.methods[mi]), m.err);
                    rc = 1;
                    break;
                }
                double tot = m.t_create + m.t_direct + m.t_trans;
                if (tot < best)
                    best = tot, mb = m;
            }
            if (rc)
                break;
            char w[64];
            N = mb.N;
            printf("# %s: nnz(A_O) = %zu of %zu; in the solves: products %.3f s, block solves "
                   "%.3f s, Gram-Schmidt %.3f s; the child's CPU time (read included) %.2f s\n",
                   mb.method, mb.nnz_off, mb.nnz, mb.t_prod, mb.t_prec, mb.t_orth, mb.cpu);
            line(rho, "read table (CSR)", N, mb.t_read, -1, -1, -1, -1);
            line(rho, "create (A, A_O^T, blocks)", N, mb.t_create, -1, -1, -1, -1);
            snprintf(w, sizeof w, "solve %zu direct", mb.n_r);
            line(rho, w, N, mb.t_direct, (long)mb.pass_d, (long)mb.it_d, mb.res_d, -1);
            snprintf(w, sizeof w, "solve %zu transposed", mb.k);
            line(rho, w, N, mb.t_trans, (long)mb.pass_t, (long)mb.it_t, mb.res_t, -1);
            snprintf(w, sizeof w, "TOTAL %s", mb.method);
            double tot = mb.t_create + mb.t_direct + mb.t_trans;
            line(rho, w, N, tot, (long)(mb.pass_d + mb.pass_t), -1, fmax(mb.res_d, mb.res_t),
                 mb.peak_mib);
            int ok = tot <= TARGET_SECONDS && mb.peak_mib <= TARGET_MIB;
            printf("# %s %s: create + solves %.2f s (target %.0f), peak RSS %.0f MiB "
                   "(target %.0f) %s\n", a.table ? a.table : "generated", mb.method,
                   tot, TARGET_SECONDS, mb.peak_mib, TARGET_MIB, ok ? "PASS" : "FAIL");
            if (a.dense && mi == 0) {
                meas d;
                if (in_child(JOB_DENSE, &a, rho, 0, table, sol, &d)) {
                    fprintf(stderr, "bench_sparse: dense: %s\n", d.err);
                    rc = 1;
                    break;
                }
                line(rho, "dense factor (dgetrf)", N, d.t_factor, -1, -1, -1, d.peak_mib);
                line(rho, "dense solves", N, d.t_dsolve, -1, -1, -1, -1);
                printf("# sparse vs dense, max normwise difference %.2e (direct), %.2e "
                       "(transposed)\n", d.diff_d, d.diff_t);
            }
        }
        if (rc)
            break;
    }
    char p[4300];
    snprintf(p, sizeof p, "%s/table.h5", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s.d", sol);
    unlink(p);
    snprintf(p, sizeof p, "%s.t", sol);
    unlink(p);
    rmdir(dir);
    return rc;
}
