/* benchmarks/bench_import.c — `embodied import pymrio` on an EXIOBASE-sized
 * text table: input MB/s and peak memory against the arrays it produces.
 *
 * Owns the `bench_import` executable (not a test).  For R regions x S
 * sectors (default 49 x 200, N = 9800: EXIOBASE 3 pxp; A.txt is then about
 * 1 GB of text):
 *   1. generates, in a temporary folder, the text layout EXIOBASE 3 ships and
 *      pymrio saves: file_parameters.json, A.txt, Y.txt, x.txt (unless
 *      --no-x), unit.txt, metadata.json and one extension `satellite/` (F.txt,
 *      F_hh.txt, unit.txt; stressors with EXIOBASE 3 air-emission names), with
 *      the header rows of the format sample and numbers written as pandas
 *      writes float64 (shortest round-trip repr: "0.0", "0.00123...",
 *      "1.2345678901234567e-05"; A about 1/3 non-zero, column sums ~0.2);
 *   2. "read": every input byte read with read(2) — the I/O floor;
 *   3. "import": emb_import_pymrio() alone;
 *   4. "import+write": emb_import_pymrio() then emb_table_write_h5() (as
 *      `embodied import` runs; the writer fsyncs), --repeat times.
 * Each measurement runs in its own forked child and its peak RSS is that
 * child's ru_maxrss from wait4(); the parent never holds more than a row.
 *
 * Output: a header block, then one line per measurement:
 *   what N input_MB seconds MB/s peakRSS_MiB arrays_MiB rss/arrays
 * MB/s is input text (10^6 bytes) per second; arrays_MiB the doubles the
 * table holds and the HDF5 file receives: 8 (N^2 + N n_y + k N + k n_y + N).
 * Targets (README "Performance"): import+write >= 150 MB/s, peak RSS <= 1.2 x
 * arrays.  Without x.txt, x = (I - A)^-1 Y 1 needs an N x N LU: the peak
 * then doubles by design (reported, not a target).  The folder is removed
 * at exit unless --keep.
 */
#define _DEFAULT_SOURCE /* wait4(), mkdtemp() */
#include "benchutil.h"
#include "embodied/embodied.h"

#include <errno.h>
#include <fcntl.h>
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

#define TARGET_MBS 150.0
#define TARGET_RSS_RATIO 1.2
#define POOL (1u << 18) /* distinct formatted numbers per kind */

typedef struct args {
    size_t regions, sectors, n_f, k;
    uint64_t seed;
    int repeat, with_x, keep;
    const char *csv, *tmpdir, *input;
} args;

typedef struct meas {
    int ok;
    double t_gen, t_import, t_write;
    double bytes;     /* input bytes (generator: written; read: read) */
    double peak_mib;  /* filled by the parent from wait4 */
    char err[512];
} meas;

/* ---- the generator ---- */

static uint64_t rng_state;
static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rng() >> 11) * 0x1p-53; }

/* v as Python's repr writes a float64 (what pandas.to_csv writes): the
 * shortest of %.15g..%.17g that reads back exactly; "x.0" for integers. */
static int repr(double v, char *buf, size_t cap)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".en"))
        n += snprintf(buf + n, cap - (size_t)n, ".0");
    return n;
}

/* A pool of formatted numbers, log-uniform in [lo, hi]. */
typedef struct pool {
    char *text;
    uint32_t off[POOL];
    uint8_t len[POOL];
} pool;

static int pool_make(pool *p, double lo, double hi)
{
    if (!(p->text = malloc((size_t)POOL * 32)))
        return -1;
    size_t w = 0;
    for (uint32_t i = 0; i < POOL; i++) {
        double v = exp(log(lo) + (log(hi) - log(lo)) * unif());
        int n = repr(v, p->text + w, 32);
        p->off[i] = (uint32_t)w, p->len[i] = (uint8_t)n;
        w += (size_t)n;
    }
    return 0;
}

/* A cell: "0.0" with probability p_zero, else a pool entry. */
static void cell(FILE *f, const pool *p, double p_zero)
{
    uint64_t r = rng();
    if ((double)(r >> 11) * 0x1p-53 < p_zero)
        fputs("0.0", f);
    else {
        uint32_t i = (uint32_t)(r & (POOL - 1));
        fwrite(p->text + p->off[i], 1, p->len[i], f);
    }
}

static const char *stressor_names[] = {"CO2 - combustion - air", "CH4 - combustion - air",
                                       "N2O - combustion - air", "SF6 - air",
                                       "NOx - combustion - air", "SOx - combustion - air"};
#define N_NAMES (sizeof stressor_names / sizeof stressor_names[0])

static void region_name(size_t r, char *b) { snprintf(b, 64, "R%02zu", r); }
static void sector_name(size_t s, char *b) { snprintf(b, 64, "Sector %03zu products", s); }
static void category_name(size_t c, char *b) { snprintf(b, 64, "Final demand category %zu", c); }

/* Header rows "<what>[\t]\t<label>..." for (region, inner) columns. */
static void col_headers(FILE *f, const args *a, size_t n_inner, void (*inner)(size_t, char *),
                        const char *inner_what, int two_index_cols)
{
    char b[64];
    fputs(two_index_cols ? "region\t" : "region", f);
    for (size_t r = 0; r < a->regions; r++)
        for (size_t i = 0; i < n_inner; i++) {
            region_name(r, b);
            fprintf(f, "\t%s", b);
        }
    fprintf(f, "\n%s%s", inner_what, two_index_cols ? "\t" : "");
    for (size_t r = 0; r < a->regions; r++)
        for (size_t i = 0; i < n_inner; i++) {
            inner(i, b);
            fprintf(f, "\t%s", b);
        }
    fputc('\n', f);
    if (two_index_cols) { /* pandas' row of index names */
        fputs("region\tsector", f);
        for (size_t c = 0; c < a->regions * n_inner; c++)
            fputc('\t', f);
        fputc('\n', f);
    }
}

static FILE *open_out(const char *dir, const char *rel, meas *m)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(m->err, sizeof m->err, "%.400s: %s", path, strerror(errno));
    else
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int close_out(FILE *f, meas *m)
{
    long pos = ftell(f);
    if (ferror(f) | fclose(f)) {
        snprintf(m->err, sizeof m->err, "write failed: %s", strerror(errno));
        return -1;
    }
    m->bytes += (double)pos;
    return 0;
}

static void run_generate(const args *a, const char *dir, meas *m)
{
    double t0 = bench_now();
    size_t N = a->regions * a->sectors, ny = a->regions * a->n_f;
    char b[64], c[64];
    pool pa, py, pf;
    rng_state = a->seed;
    /* A: column sums ~ 0.34 N * mean(pool) ~ 0.2; F, Y: magnitudes of kg, M.EUR. */
    if (pool_make(&pa, 1e-12, 10.0 / (double)N) || pool_make(&py, 1e-3, 1e4) ||
        pool_make(&pf, 1.0, 1e9)) {
        snprintf(m->err, sizeof m->err, "out of memory");
        return;
    }
    char sat[4200];
    snprintf(sat, sizeof sat, "%s/satellite", dir);
    if (mkdir(sat, 0755) != 0) {
        snprintf(m->err, sizeof m->err, "mkdir %.400s: %s", sat, strerror(errno));
        return;
    }
    FILE *f;
    if (!(f = open_out(dir, "file_parameters.json", m)))
        return;
    fprintf(f, "{\n    \"files\": {\n"
               "        \"A\": {\"name\": \"A.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},\n"
               "        \"Y\": {\"name\": \"Y.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},\n"
               "%s"
               "        \"unit\": {\"name\": \"unit.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"1\"}\n"
               "    },\n    \"systemtype\": \"IOSystem\"\n}\n",
            a->with_x ? "        \"x\": {\"name\": \"x.txt\", \"nr_index_col\": \"2\", "
                        "\"nr_header\": \"1\"},\n" : "");
    if (close_out(f, m) || !(f = open_out(dir, "metadata.json", m)))
        return;
    fprintf(f, "{\"description\": \"bench_import synthetic EXIOBASE-like table\", "
               "\"name\": \"bench_%zux%zu\", \"system\": \"pxp\"}\n", a->regions, a->sectors);
    if (close_out(f, m) || !(f = open_out(dir, "A.txt", m)))
        return;
    col_headers(f, a, a->sectors, sector_name, "sector", 1);
    for (size_t i = 0; i < N; i++) {
        region_name(i / a->sectors, b), sector_name(i % a->sectors, c);
        fprintf(f, "%s\t%s", b, c);
        for (size_t j = 0; j < N; j++) {
            fputc('\t', f);
            cell(f, &pa, 0.66);
        }
        fputc('\n', f);
    }
    if (close_out(f, m) || !(f = open_out(dir, "Y.txt", m)))
        return;
    col_headers(f, a, a->n_f, category_name, "category", 1);
    for (size_t i = 0; i < N; i++) {
        region_name(i / a->sectors, b), sector_name(i % a->sectors, c);
        fprintf(f, "%s\t%s", b, c);
        for (size_t j = 0; j < ny; j++) {
            fputc('\t', f);
            cell(f, &py, 0.3);
        }
        fputc('\n', f);
    }
    if (close_out(f, m))
        return;
    if (a->with_x) {
        if (!(f = open_out(dir, "x.txt", m)))
            return;
        fputs("region\tsector\tindout\n", f);
        for (size_t i = 0; i < N; i++) {
            region_name(i / a->sectors, b), sector_name(i % a->sectors, c);
            fprintf(f, "%s\t%s\t", b, c);
            cell(f, &py, 0.01);
            fputc('\n', f);
        }
        if (close_out(f, m))
            return;
    }
    if (!(f = open_out(dir, "unit.txt", m)))
        return;
    fputs("region\tsector\tunit\n", f);
    for (size_t i = 0; i < N; i++) {
        region_name(i / a->sectors, b), sector_name(i % a->sectors, c);
        fprintf(f, "%s\t%s\tM.EUR\n", b, c);
    }
    if (close_out(f, m) || !(f = open_out(dir, "satellite/file_parameters.json", m)))
        return;
    fputs("{\n    \"files\": {\n"
          "        \"F\": {\"name\": \"F.txt\", \"nr_index_col\": \"1\", \"nr_header\": \"2\"},\n"
          "        \"F_hh\": {\"name\": \"F_hh.txt\", \"nr_index_col\": \"1\", \"nr_header\": \"2\"},\n"
          "        \"unit\": {\"name\": \"unit.txt\", \"nr_index_col\": \"1\", \"nr_header\": \"1\"}\n"
          "    },\n    \"systemtype\": \"Extension\",\n    \"name\": \"Satellite Accounts\"\n}\n", f);
    if (close_out(f, m) || !(f = open_out(dir, "satellite/F.txt", m)))
        return;
    col_headers(f, a, a->sectors, sector_name, "sector", 0);
    for (size_t s = 0; s < a->k; s++) {
        fputs(stressor_names[s % N_NAMES], f);
        if (s >= N_NAMES)
            fprintf(f, " %zu", s / N_NAMES);
        for (size_t j = 0; j < N; j++) {
            fputc('\t', f);
            cell(f, &pf, 0.1);
        }
        fputc('\n', f);
    }
    if (close_out(f, m) || !(f = open_out(dir, "satellite/F_hh.txt", m)))
        return;
    col_headers(f, a, a->n_f, category_name, "category", 0);
    for (size_t s = 0; s < a->k; s++) {
        fputs(stressor_names[s % N_NAMES], f);
        if (s >= N_NAMES)
            fprintf(f, " %zu", s / N_NAMES);
        for (size_t j = 0; j < ny; j++) {
            fputc('\t', f);
            cell(f, &pf, j % a->n_f == 0 ? 0.1 : 1.0); /* households only */
        }
        fputc('\n', f);
    }
    if (close_out(f, m) || !(f = open_out(dir, "satellite/unit.txt", m)))
        return;
    fputs("stressor\tunit\n", f);
    for (size_t s = 0; s < a->k; s++) {
        fputs(stressor_names[s % N_NAMES], f);
        if (s >= N_NAMES)
            fprintf(f, " %zu", s / N_NAMES);
        fputs("\tkg\n", f);
    }
    if (close_out(f, m))
        return;
    free(pa.text), free(py.text), free(pf.text);
    m->t_gen = bench_now() - t0;
    m->ok = 1;
}

/* ---- the measurements ---- */

static const char *input_files[] = {"file_parameters.json", "metadata.json", "A.txt", "Y.txt",
                                    "x.txt", "unit.txt", "satellite/file_parameters.json",
                                    "satellite/F.txt", "satellite/F_hh.txt", "satellite/unit.txt"};
#define N_INPUT (sizeof input_files / sizeof input_files[0])

/* Every input byte through read(2) into a 1 MiB buffer. */
static void run_read(const char *dir, meas *m)
{
    static char buf[1 << 20];
    double t0 = bench_now();
    unsigned sum = 0;
    for (size_t i = 0; i < N_INPUT; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, input_files[i]);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue; /* x.txt with --no-x */
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            m->bytes += (double)n;
            sum += (unsigned char)buf[n - 1];
        }
        close(fd);
    }
    m->t_import = bench_now() - t0;
    m->ok = sum != 0xFFFFFFFFu; /* keep the loop */
}

static void run_import(const char *dir, const char *out, meas *m)
{
    emb_table *t = NULL;
    double t0 = bench_now();
    emb_status st = emb_import_pymrio(dir, NULL, &t);
    /* As `embodied import` does: an A table without x.txt is completed by
     * the caller (importers never call the solver). */
    if (!st && t->tech_kind == EMB_TECH_A && !t->x)
        st = emb_table_complete_x(t);
    m->t_import = bench_now() - t0;
    if (st) {
        snprintf(m->err, sizeof m->err, "emb_import_pymrio: %s: %s", emb_strerror(st), emb_errmsg());
        emb_table_free(t);
        return;
    }
    if (out) {
        t0 = bench_now();
        st = emb_table_write_h5(t, out, NULL);
        m->t_write = bench_now() - t0;
        if (st) {
            snprintf(m->err, sizeof m->err, "emb_table_write_h5: %s: %s", emb_strerror(st),
                     emb_errmsg());
            emb_table_free(t);
            return;
        }
    }
    emb_table_free(t);
    m->ok = 1;
}

enum job { JOB_GENERATE, JOB_READ, JOB_IMPORT, JOB_IMPORT_WRITE };

typedef struct job_ctx {
    enum job job;
    const args *a;
    const char *dir, *out;
} job_ctx;

static void child(void *ctx, void *res)
{
    const job_ctx *c = ctx;
    meas *m = res;
    if (c->job == JOB_GENERATE)
        run_generate(c->a, c->dir, m);
    else if (c->job == JOB_READ)
        run_read(c->dir, m);
    else
        run_import(c->dir, c->job == JOB_IMPORT_WRITE ? c->out : NULL, m);
}

static int in_child(enum job job, const args *a, const char *dir, const char *out, meas *res)
{
    job_ctx c = {job, a, dir, out};
    struct rusage ru;
    if (bench_fork(child, &c, res, sizeof *res, &ru, res->err, sizeof res->err))
        return -1;
    res->peak_mib = (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
    return res->ok ? 0 : -1;
}

/* ---- reporting ---- */

typedef struct report {
    const args *a;
    size_t N;
    double input_mb, arrays_mib;
    FILE *csv;
} report;

static void line(const report *r, const char *what, double sec, double mb, double rss)
{
    double mbs = sec > 0 ? mb / sec : 0;
    char m[32] = "-", q[32] = "-";
    if (rss >= 0) {
        snprintf(m, sizeof m, "%.1f", rss);
        snprintf(q, sizeof q, "%.3f", rss / r->arrays_mib);
    }
    printf("%-14s %6zu %9.1f %9.3f %8.1f %11s %11.1f %10s\n", what, r->N, mb, sec, mbs, m,
           r->arrays_mib, q);
    if (r->csv)
        fprintf(r->csv, "%s,%zu,%zu,%zu,%.1f,%.4f,%.1f,%s,%.1f,%s\n", what + strspn(what, " "),
                r->a->regions,
                r->a->sectors, r->N, mb, sec, mbs, rss >= 0 ? m : "", r->arrays_mib,
                rss >= 0 ? q : "");
}

static void usage(FILE *fp)
{
    fputs("Usage: bench_import [--regions R] [--sectors S] [--fd N_F] [--stressors K]\n"
          "                    [--repeat N] [--no-x] [--seed SEED] [--tmpdir DIR] [--keep]\n"
          "                    [--csv FILE] [--input DIR]\n"
          "Generates an EXIOBASE-like pymrio text folder (default 49 x 200: A.txt ~ 1 GB)\n"
          "and times emb_import_pymrio + emb_table_write_h5 on it, each run in its own\n"
          "process (peak RSS per child).  Needs ~2.5x the text size of disk in TMPDIR.\n"
          "--input DIR reuses a folder made with --keep (R, S, --fd, --stressors and\n"
          "--no-x must match it; it is not removed).\n",
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

static void rm_dir(const char *dir)
{
    char p[4200];
    for (size_t i = 0; i < N_INPUT; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, input_files[i]);
        remove(p);
    }
    snprintf(p, sizeof p, "%s/out.h5", dir);
    remove(p);
    snprintf(p, sizeof p, "%s/satellite", dir);
    rmdir(p);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    args a = {49, 200, 7, 4, 2024, 1, 1, 0, NULL, NULL, NULL};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t n;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--no-x")) {
            a.with_x = 0;
            continue;
        } else if (!strcmp(o, "--keep")) {
            a.keep = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_import: %s needs a value\n", o);
            return 2;
        }
        i++;
        if (!strcmp(o, "--csv")) {
            a.csv = v;
            continue;
        }
        if (!strcmp(o, "--tmpdir")) {
            a.tmpdir = v;
            continue;
        }
        if (!strcmp(o, "--input")) {
            a.input = v;
            continue;
        }
        if (parse_size(v, &n)) {
            fprintf(stderr, "bench_import: %s: '%s' is not a positive integer\n", o, v);
            return 2;
        }
        if (!strcmp(o, "--regions"))
            a.regions = n;
        else if (!strcmp(o, "--sectors"))
            a.sectors = n;
        else if (!strcmp(o, "--fd"))
            a.n_f = n;
        else if (!strcmp(o, "--stressors"))
            a.k = n;
        else if (!strcmp(o, "--repeat"))
            a.repeat = n > 100 ? 100 : (int)n;
        else if (!strcmp(o, "--seed"))
            a.seed = n;
        else {
            fprintf(stderr, "bench_import: unknown option %s\n", o);
            usage(stderr);
            return 2;
        }
    }
    const char *base = a.tmpdir ? a.tmpdir : getenv("TMPDIR");
    char dir[4096], out[4200];
    snprintf(dir, sizeof dir, "%s/embodied-bench-import-XXXXXX", base && *base ? base : "/tmp");
    if (a.input) {
        snprintf(dir, sizeof dir, "%s", a.input);
        a.keep = 1;
    } else if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_import: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(out, sizeof out, "%s/out.h5", dir);

    size_t N = a.regions * a.sectors, ny = a.regions * a.n_f;
    report r = {&a, N, 0, 0, NULL};
    r.arrays_mib = 8.0 * ((double)N * (double)N + (double)N * (double)ny + (double)a.k * (double)N +
                          (double)a.k * (double)ny + (double)N) / 1048576.0;
    printf("# bench_import: embodied %s, N = %zu (%zu regions x %zu sectors), %zu FD categories, "
           "%zu stressors, %s, seed %llu\n",
           emb_version(), N, a.regions, a.sectors, a.n_f, a.k,
           a.with_x ? "x.txt given" : "no x.txt (x = (I - A)^-1 Y 1 computed: N x N LU)",
           (unsigned long long)a.seed);
    printf("# folder %s; CPUs online %ld\n", dir, sysconf(_SC_NPROCESSORS_ONLN));
    int rc = 0;
    meas m;
    if (a.input) {
        struct stat sb;
        for (size_t i = 0; i < N_INPUT; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", dir, input_files[i]);
            if (stat(p, &sb) == 0)
                r.input_mb += (double)sb.st_size / 1e6;
        }
        printf("# input %.1f MB of text in %s\n", r.input_mb, dir);
    } else {
        if (in_child(JOB_GENERATE, &a, dir, out, &m)) {
            fprintf(stderr, "bench_import: generating: %s\n", m.err);
            rc = 1;
            goto done;
        }
        r.input_mb = m.bytes / 1e6;
        printf("# generated %.1f MB of text in %.1f s\n", r.input_mb, m.t_gen);
    }
    if (a.csv && !(r.csv = fopen(a.csv, "a"))) {
        fprintf(stderr, "bench_import: %s: %s\n", a.csv, strerror(errno));
        rc = 1;
        goto done;
    }
    printf("%-14s %6s %9s %9s %8s %11s %11s %10s\n", "what", "N", "input_MB", "seconds", "MB/s",
           "peakRSS_MiB", "arrays_MiB", "rss/arrays");
    if (in_child(JOB_READ, &a, dir, out, &m) == 0)
        line(&r, "read", m.t_import, m.bytes / 1e6, -1);
    if (in_child(JOB_IMPORT, &a, dir, out, &m)) {
        fprintf(stderr, "bench_import: %s\n", m.err);
        rc = 1;
        goto done;
    }
    line(&r, "import", m.t_import, r.input_mb, m.peak_mib);
    double best = 0, best_rss = 0;
    for (int i = 0; i < a.repeat; i++) {
        if (in_child(JOB_IMPORT_WRITE, &a, dir, out, &m)) {
            fprintf(stderr, "bench_import: %s\n", m.err);
            rc = 1;
            goto done;
        }
        double sec = m.t_import + m.t_write;
        line(&r, "  import", m.t_import, r.input_mb, -1);
        line(&r, "  write_h5", m.t_write, r.input_mb, -1);
        line(&r, "import+write", sec, r.input_mb, m.peak_mib);
        if (best == 0 || sec < best)
            best = sec, best_rss = m.peak_mib;
        remove(out);
    }
    double mbs = r.input_mb / best, ratio = best_rss / r.arrays_mib;
    printf("# best import+write: %.1f MB/s (target >= %.0f: %s), peak RSS %.2f x arrays "
           "(target <= %.1f: %s)\n", mbs, TARGET_MBS, mbs >= TARGET_MBS ? "PASS" : "FAIL", ratio,
           TARGET_RSS_RATIO, ratio <= TARGET_RSS_RATIO ? "PASS" : a.with_x ? "FAIL" : "n/a: LU");
done:
    if (r.csv)
        fclose(r.csv);
    if (!a.keep)
        rm_dir(dir);
    else if (!a.input)
        printf("# kept %s\n", dir);
    else
        remove(out);
    return rc;
}
