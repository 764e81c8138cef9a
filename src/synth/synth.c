/* src/synth/synth.c — the deterministic MRIO generator (embodied/synth.h).
 *
 * Owns emb_synth_defaults() and emb_synth_table().  Bit-identical output for a
 * given seed on every machine: the only randomness is our own xoshiro256**
 * (seeded by splitmix64), draws happen in one fixed sequential order, and
 * every value is derived with + - * / on doubles in a fixed order — no libm
 * call, whose last bit may differ between libms.  No FMA contraction either:
 * GCC's ISO C modes default to -ffp-contract=off, and clang (whose default
 * fuses a*b+c within an expression on FMA targets) is told so below.
 *
 * How a table is built (why in each step's comment):
 *   1. zero-output sectors: a random subset of round(frac N) industries
 *      (at least 1 when frac > 0, at most N - 1 so that something produces);
 *   2. gross output x, chosen first: region size x sector size x noise, each a
 *      product of uniforms — a skewed, lognormal-like spread of 3-4 decades;
 *   3. A, held as CSR: supplier weights x_i v_ij (domestic block ~70 %
 *      dense with the diagonal always present, foreign blocks of density
 *      foreign_density), each column normalised to a target sum c_j in
 *      [colsum_lo, colsum_hi] (default [0.25, 0.75]) split into a domestic
 *      and an import share;
 *   4. balancing: rows whose intermediate sales exceed row_max x_i (0.85 by
 *      default) are scaled down (to row_target x_i, 0.8) and columns
 *      rescaled to c_j, alternately, until no row needs it (two or three
 *      passes) — so that final demand x - Z 1 stays positive.  For column
 *      targets above 0.75 the bound moves up with them (row_max = hi +
 *      0.4 (1 - hi)): the x-weighted mean of the row ratios equals that of
 *      the c_j, so a fixed 0.85 could not be met at c = 0.95;
 *   5. Z = A diag(x); y_i = x_i - (Z 1)_i, spread over destination regions and
 *      FD categories (mostly domestic households), with small negative
 *      inventory changes in the last category of some regions; so that
 *      Z 1 + Y 1 reproduces x up to rounding;
 *   6. F: intensities x output, 80 % of each stressor in 3 "dirty" sectors;
 *      some zero-output sectors emit; F_Y on households.
 * Memory: the CSR of Z (12 bytes per non-zero) plus O(N + n_y) work
 * vectors, and for dense output T (8 N^2 bytes), filled from the CSR at the
 * end.  Every entry still costs one draw (so the sequence, and the table, do
 * not depend on the storage), but the passes after step 3 touch only the
 * non-zeros: skipping a zero changes no sum (x + 0.0 == x for the non-negative
 * sums here) and no product, so dense and CSR output are the same numbers,
 * bit for bit.  N = 19,680 at 1 % foreign density: ~70 MB of CSR.
 */
#include "embodied/synth.h"

#include "core/context_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Row ratios (Z 1)_i / x_i above this are scaled down during balancing
 * (column targets up to 0.75; see row_bounds for higher ones). */
#define ROW_MAX 0.85
/* ... and brought down to this one, below the bound, so that the column
 * corrections that follow do not push them straight back over it. */
#define ROW_TARGET 0.8
/* Default range of the column sums of A. */
#define COLSUM_LO 0.25
#define COLSUM_HI 0.75
/* Balancing passes before giving up on the (soft) row bound; columns are
 * always exact.  Typical tables need 1-4. */
#define MAX_PASSES 40
/* Density of the domestic blocks (off-diagonal). */
#define DOMESTIC_DENSITY 0.7
/* Probability that a (row, destination region) inventory entry is negative. */
#define NEG_INVENTORY_PROB 0.1

emb_synth_opts emb_synth_defaults(size_t n_r, size_t n_s, size_t n_f, size_t k, uint64_t seed)
{
    emb_synth_opts o;
    memset(&o, 0, sizeof o);
    o.n_r = n_r, o.n_s = n_s, o.n_f = n_f, o.k = k, o.seed = seed;
    o.foreign_density = 0.3;
    o.zero_output_frac = 0.02;
    o.colsum_lo = COLSUM_LO;
    o.colsum_hi = COLSUM_HI;
    /* On by default: the unallocated account exists because real tables
     * (WIOD) have emitting zero-output sectors, so tests should meet them. */
    o.zero_output_emits = 1;
    o.negative_inventory = 1;
    o.with_F_Y = 1;
    return o;
}

/* ---- PRNG: xoshiro256** (Blackman & Vigna), seeded through splitmix64 ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *st)
{
    uint64_t z = (*st += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&st);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits: exact, no rounding. */
static inline double unif(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform integer in [0, n), n >= 1; the modulo bias is < n / 2^64. */
static inline size_t unif_index(rng *r, size_t n) { return (size_t)(rng_next(r) % (uint64_t)n); }

/* ---- generator state ---- */

typedef struct gen {
    const emb_synth_opts *o;
    emb_table *t;
    rng r;
    size_t n_zero;
    unsigned char *zero; /* [N] 1 for zero-output industries */
    double *x;           /* [N] intended gross output */
    double *c;           /* [N] target column sums of A */
    double *fd, *ff;     /* [N] column factors for the domestic / foreign rows */
    double *colsum;      /* [N] */
    double *y;           /* [N] final-demand row totals */
    double *share;       /* [n_y] one row's split of final demand */
    double *rsize;       /* [n_r] region sizes */
    size_t *perm;        /* [N] sampling; perm[0..n_zero) = zero-output industries */
    size_t *sperm;       /* [n_s] sampling of dirty sectors */
    unsigned char *dirty; /* [n_s] */
    emb_csr_builder zb;  /* A, row by row (build_A) */
    emb_csr *Z;          /* then A, then Z, as CSR (zb finished) */
    double row_max, row_target; /* balancing bounds */
} gen;

static void gen_free(gen *g)
{
    emb_free(g->zero);
    emb_free(g->x);
    emb_free(g->c);
    emb_free(g->fd);
    emb_free(g->ff);
    emb_free(g->colsum);
    emb_free(g->y);
    emb_free(g->share);
    emb_free(g->rsize);
    emb_free(g->perm);
    emb_free(g->sperm);
    emb_free(g->dirty);
    emb_csr_builder_free(&g->zb);
    emb_csr_free(g->Z);
}

static emb_status gen_alloc(gen *g)
{
    const emb_table *t = g->t;
    size_t N = t->N;
    if (!(g->zero = emb_calloc(N, 1, "synth: zero-output flags")) ||
        !(g->x = emb_alloc(N, sizeof(double), "synth: gross output")) ||
        !(g->c = emb_alloc(N, sizeof(double), "synth: column targets")) ||
        !(g->fd = emb_alloc(N, sizeof(double), "synth: column factors")) ||
        !(g->ff = emb_alloc(N, sizeof(double), "synth: column factors")) ||
        !(g->colsum = emb_alloc(N, sizeof(double), "synth: column sums")) ||
        !(g->y = emb_alloc(N, sizeof(double), "synth: final-demand totals")) ||
        !(g->share = emb_alloc(t->n_y, sizeof(double), "synth: final-demand shares")) ||
        !(g->rsize = emb_alloc(t->n_r, sizeof(double), "synth: region sizes")) ||
        !(g->perm = emb_alloc(N, sizeof(size_t), "synth: permutation")) ||
        !(g->sperm = emb_alloc(t->n_s, sizeof(size_t), "synth: permutation")) ||
        !(g->dirty = emb_alloc(t->n_s, 1, "synth: dirty sectors")))
        return EMB_ENOMEM;
    /* Room for the expected non-zeros (+ 1/8 and a margin: the counts are
     * binomial) and one row of slack (see weights); grown if needed. */
    double fdens = g->o->foreign_density, n_s = (double)t->n_s;
    double expect = (double)N * (DOMESTIC_DENSITY * n_s + 1.0 + fdens * ((double)N - n_s));
    double want = expect * 1.125 + (double)N + 4096.0, lim = (double)N * (double)N + (double)N;
    /* Never more than N^2 entries: the plan's bound on the growth. */
    return emb_csr_builder_init(&g->zb, N, N, (size_t)(want < lim ? want : lim), N * N,
                                "synth: Z");
}

/* The generator's allocation plan, checked against the memory limit before
 * anything is allocated: the table (dense Z unless csr), the CSR it builds Z
 * in (as sized by gen_alloc) and its O(N) work vectors. */
static emb_status plan(const emb_synth_opts *o)
{
    double n_r = (double)o->n_r, n_s = (double)o->n_s, N = n_r * n_s;
    double expect = N * (DOMESTIC_DENSITY * n_s + 1.0 + o->foreign_density * (N - n_s));
    double nnz = expect * 1.125 + N + 4096.0;
    if (nnz > N * N + N)
        nnz = N * N + N;
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, n_r, n_s, (double)o->n_f, (double)o->k, !o->csr, "Z", 0);
    emb_plan_add(&p, "CSR of Z", nnz, 1, sizeof(double) + sizeof(uint32_t));
    emb_plan_add(&p, "CSR row pointers", N + 1, 1, sizeof(size_t));
    emb_plan_add(&p, "work vectors", N, 9, sizeof(double));
    return emb_plan_check(&p, "synth", "the generated table");
}

/* Draw m distinct indices of [0, n) into perm[0..m) (partial Fisher-Yates). */
static void sample(rng *r, size_t *perm, size_t n, size_t m)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + unif_index(r, n - i);
        size_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
}

/* Step 1.  round(frac N) computed without libm: frac N + 0.5 truncated. */
static void pick_zero_sectors(gen *g)
{
    size_t N = g->t->N;
    size_t n = 0;
    if (g->o->zero_output_frac > 0) {
        n = (size_t)(g->o->zero_output_frac * (double)N + 0.5);
        if (n < 1)
            n = 1;
    }
    if (n > N - 1)
        n = N - 1;
    g->n_zero = n;
    sample(&g->r, g->perm, N, n);
    for (size_t i = 0; i < n; i++)
        g->zero[g->perm[i]] = 1;
    /* perm[0..n) keeps the zero-output industries in draw order: the first
     * half of them are the emitting ones (step 6). */
}

/* Step 2.  A product of three uniforms has a log-gamma-like, right-skewed
 * distribution: regions and sectors span two to three decades each, like the
 * spread between, e.g., Malta and China in a real MRIO. */
static double skewed(rng *r)
{
    double a = 0.1 + unif(r), b = 0.1 + unif(r), c = 0.1 + unif(r);
    return a * b * c;
}

static void gross_output(gen *g)
{
    const emb_table *t = g->t;
    double *ssize = g->c; /* borrowed: sector sizes [n_s] before c is set */
    for (size_t r = 0; r < t->n_r; r++)
        g->rsize[r] = skewed(&g->r);
    for (size_t s = 0; s < t->n_s; s++)
        ssize[s] = skewed(&g->r);
    for (size_t i = 0; i < t->N; i++) {
        double noise = 0.5 + unif(&g->r);
        double v = 1000.0 * g->rsize[i / t->n_s] * ssize[i % t->n_s] * noise;
        g->x[i] = g->zero[i] ? 0.0 : v;
    }
}

/* Step 3.  Supplier weight w_ij = x_i v with v skewed towards small values
 * (m^2): many small inputs, a few large ones.  The same uniform decides
 * whether the entry exists (u < density) and, rescaled (u / density, again
 * uniform on [0, 1)), its size — one draw per entry, and no branch on it
 * (a random branch mispredicts half the time; this loop is the generator's
 * cost): every entry is stored at position p and p advances only when it
 * exists (the caller guarantees room for a whole row).  Columns of
 * zero-output industries get weights here too: their factor 0 wipes them in
 * the first balancing pass.  Columns j0..j1-1; returns the new p. */
static size_t weights(rng *r, double xi, double dens, size_t j0, size_t j1, double *wsum,
                      uint32_t *idx, double *val, size_t p)
{
    double inv = dens > 0 ? 1.0 / dens : 0.0;
    for (size_t j = j0; j < j1; j++) {
        double u = unif(r), m = u * inv;
        int present = u < dens;
        double w = present ? xi * (0.01 + m * m) : 0.0;
        wsum[j] += w;
        idx[p] = (uint32_t)j;
        val[p] = w;
        p += (size_t)present;
    }
    return p;
}

static emb_status build_A(gen *g)
{
    emb_table *t = g->t;
    size_t N = t->N, n_s = t->n_s;
    double fdens = g->o->foreign_density;
    double lo = g->o->colsum_lo, span = g->o->colsum_hi - g->o->colsum_lo;
    double *wdom = g->fd, *wfor = g->ff; /* column sums of the weights */
    double *imp = g->colsum;             /* import share of each column */
    emb_csr *m = g->zb.m;
    emb_status st;

    for (size_t j = 0; j < N; j++) {
        wdom[j] = wfor[j] = 0.0;
        g->c[j] = g->zero[j] ? 0.0 : lo + span * unif(&g->r);
        imp[j] = 0.05 + 0.35 * unif(&g->r);
    }
    size_t p = 0;
    for (size_t i = 0; i < N; i++) {
        if (g->zero[i]) {
            if ((st = emb_csr_builder_end_row(&g->zb))) /* empty row */
                return st;
            continue;
        }
        /* Room for one more row of up to N entries (written in place). */
        if ((st = emb_csr_builder_reserve(&g->zb, N)))
            return st;
        uint32_t *idx = m->indices;
        double *val = m->data, xi = g->x[i];
        size_t d0 = (i / n_s) * n_s, d1 = d0 + n_s;
        p = weights(&g->r, xi, fdens, 0, d0, wfor, idx, val, p);
        p = weights(&g->r, xi, DOMESTIC_DENSITY, d0, i, wdom, idx, val, p);
        /* The diagonal's draw like any other, but the entry always kept. */
        size_t pd = p;
        weights(&g->r, xi, DOMESTIC_DENSITY, i, i + 1, wdom, idx, val, p);
        p = weights(&g->r, xi, DOMESTIC_DENSITY, i + 1, d1, wdom, idx, val, p + 1);
        p = weights(&g->r, xi, fdens, d1, N, wfor, idx, val, p);
        /* Own-sector input: always there, and large. */
        wdom[i] -= val[pd];
        val[pd] = xi * (0.5 + unif(&g->r));
        wdom[i] += val[pd];
        m->nnz = p;
        if ((st = emb_csr_builder_end_row(&g->zb)))
            return st;
    }
    if ((st = emb_csr_builder_finish(&g->zb, &g->Z)))
        return st;
    /* Column factors: domestic rows share c_j (1 - imp_j), foreign rows
     * c_j imp_j; a column without foreign suppliers is all domestic.  wdom_j
     * > 0 for every producing column (its diagonal). */
    for (size_t j = 0; j < N; j++) {
        if (g->zero[j]) {
            g->fd[j] = g->ff[j] = 0.0;
            continue;
        }
        double dsum = wdom[j], fsum = wfor[j];
        if (fsum > 0) {
            g->fd[j] = g->c[j] * (1.0 - imp[j]) / dsum;
            g->ff[j] = g->c[j] * imp[j] / fsum;
        } else {
            g->fd[j] = g->c[j] / dsum;
            g->ff[j] = 0.0;
        }
    }
    return EMB_OK;
}

/* Step 4, one pass: apply the column factors, scale down each row whose
 * ratio (Z 1)_i / x_i exceeds ROW_MAX, accumulate the column sums of A.
 * Returns the number of rows scaled. */
static size_t balance_pass(gen *g)
{
    emb_table *t = g->t;
    const emb_csr *m = g->Z;
    size_t N = t->N, n_s = t->n_s, scaled = 0;
    for (size_t j = 0; j < N; j++)
        g->colsum[j] = 0.0;
    for (size_t i = 0; i < N; i++) {
        if (g->zero[i])
            continue;
        size_t p0 = m->indptr[i], p1 = m->indptr[i + 1];
        double *row = m->data;
        const uint32_t *col = m->indices;
        size_t d0 = (i / n_s) * n_s, d1 = d0 + n_s;
        double z = 0.0;
        for (size_t p = p0; p < p1; p++) {
            size_t j = col[p];
            double a = row[p] * ((j >= d0 && j < d1) ? g->fd[j] : g->ff[j]);
            row[p] = a;
            z += a * g->x[j];
        }
        double ratio = z / g->x[i];
        if (ratio > g->row_max) {
            double f = g->row_target / ratio;
            for (size_t p = p0; p < p1; p++)
                row[p] *= f;
            scaled++;
        }
        for (size_t p = p0; p < p1; p++)
            g->colsum[col[p]] += row[p];
    }
    /* Next factors restore the target column sums exactly. */
    for (size_t j = 0; j < N; j++) {
        double f = g->colsum[j] > 0 ? g->c[j] / g->colsum[j] : 0.0;
        g->fd[j] = g->ff[j] = f;
    }
    return scaled;
}

/* Step 5a: last column correction, Z = A diag(x), y = x - Z 1. */
static void finish_Z(gen *g)
{
    emb_table *t = g->t;
    size_t N = t->N;
    for (size_t j = 0; j < N; j++)
        g->fd[j] *= g->x[j]; /* fd_j = g_j x_j */
    emb_csr *m = g->Z;
    for (size_t i = 0; i < N; i++) {
        g->y[i] = 0.0;
        if (g->zero[i])
            continue;
        double z = 0.0;
        for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
            m->data[p] *= g->fd[m->indices[p]];
            z += m->data[p];
        }
        g->y[i] = g->x[i] - z;
    }
    /* Drop the entries wiped to zero (columns of zero-output industries),
     * in place: the CSR is then exactly the non-zeros of Z. */
    size_t q = 0, p0 = 0;
    for (size_t i = 0; i < N; i++) {
        size_t p1 = m->indptr[i + 1];
        for (size_t p = p0; p < p1; p++)
            if (m->data[p] != 0.0) {
                m->indices[q] = m->indices[p];
                m->data[q++] = m->data[p];
            }
        p0 = p1;
        m->indptr[i + 1] = q;
    }
    m->nnz = q;
}

/* Step 5b: spread y_i over the n_y final-demand columns.  Shares: 60-90 %
 * to the producing region (all of it with one region), the rest over the
 * other regions in proportion to their size; within a region 55-80 % to
 * households (category 0).  Negative inventory changes (category n_f - 1)
 * take q in [0.2 %, 2 %] of the row and the positive shares are raised by the
 * same amount, so each row still sums to y_i.  The first producing row always
 * gets one, so a table asked for them has them (needs n_y >= 2). */
static void final_demand(gen *g)
{
    emb_table *t = g->t;
    size_t n_r = t->n_r, n_f = t->n_f, n_y = t->n_y;
    int neg = g->o->negative_inventory && n_y >= 2;
    int forced = 0;
    double *sh = g->share;
    for (size_t i = 0; i < t->N; i++) {
        if (g->zero[i])
            continue;
        size_t o = i / t->n_s;
        double h = n_r == 1 ? 1.0 : 0.6 + 0.3 * unif(&g->r);
        double fsum = 0.0;
        for (size_t d = 0; d < n_r; d++) {
            double w = d == o ? 0.0 : g->rsize[d] * (0.05 + unif(&g->r));
            sh[d * n_f] = w; /* region weight, parked in category 0 */
            fsum += w;
        }
        for (size_t d = 0; d < n_r; d++) {
            double reg = d == o ? h : (1.0 - h) * sh[d * n_f] / fsum;
            if (n_f == 1) {
                sh[d] = reg;
                continue;
            }
            double hh = 0.55 + 0.25 * unif(&g->r), csum = 0.0;
            for (size_t c = 1; c < n_f; c++) {
                sh[d * n_f + c] = 0.05 + unif(&g->r);
                csum += sh[d * n_f + c];
            }
            sh[d * n_f] = reg * hh;
            for (size_t c = 1; c < n_f; c++)
                sh[d * n_f + c] = reg * (1.0 - hh) * sh[d * n_f + c] / csum;
        }
        if (neg) {
            /* Never the households of a multi-category region, never the
             * producing region's only category: some positive share stays. */
            double qsum = 0.0, taken = 0.0;
            for (size_t d = 0; d < n_r; d++) {
                double u = unif(&g->r);
                int pick = u < NEG_INVENTORY_PROB;
                size_t col = d * n_f + n_f - 1;
                if (!forced && ((n_f >= 2 && d == o) || (n_f == 1 && d != o)))
                    pick = forced = 1;
                if (!pick || (n_f == 1 && d == o))
                    continue;
                double q = 0.002 + 0.018 * unif(&g->r);
                taken += sh[col];
                qsum += q;
                sh[col] = -q;
            }
            if (qsum > 0) {
                double up = (1.0 + qsum) / (1.0 - taken);
                for (size_t c = 0; c < n_y; c++)
                    if (sh[c] > 0)
                        sh[c] *= up;
            }
        }
        double *Yi = t->Y + i * n_y;
        for (size_t c = 0; c < n_y; c++)
            Yi[c] = g->y[i] * sh[c];
    }
}

/* Step 6.  Per stressor: world total E = sum(x) times an intensity of
 * 0.05-0.5 kt per M.USD; 80 % of E in 3 dirty sectors (all regions), 20 % in
 * the others, each proportional to x_i times a noisy intensity.  Half of the
 * zero-output industries (rounded up) emit ~ half an average industry.
 * Household direct emissions: 3-13 % of the region's industry emissions. */
static void stressors(gen *g)
{
    emb_table *t = g->t;
    size_t N = t->N, n_s = t->n_s;
    double X = 0.0;
    for (size_t i = 0; i < N; i++)
        X += g->x[i];
    size_t n_prod = N - g->n_zero;
    size_t n_emit = g->o->zero_output_emits ? (g->n_zero + 1) / 2 : 0;
    size_t nd = n_s < 3 ? n_s : 3;
    for (size_t s = 0; s < t->k; s++) {
        double *F = t->F + s * N;
        double E = X * (0.05 + 0.45 * unif(&g->r));
        sample(&g->r, g->sperm, n_s, nd);
        memset(g->dirty, 0, n_s);
        for (size_t m = 0; m < nd; m++)
            g->dirty[g->sperm[m]] = 1;
        double dsum = 0.0, csum = 0.0;
        for (size_t i = 0; i < N; i++) {
            F[i] = 0.0;
            if (g->zero[i])
                continue;
            double v = g->x[i] * (0.2 + unif(&g->r));
            F[i] = v;
            if (g->dirty[i % n_s])
                dsum += v;
            else
                csum += v;
        }
        /* All sectors dirty (n_s <= 3), or every dirty industry idle. */
        double fdirty = csum == 0 ? 1.0 : dsum == 0 ? 0.0 : 0.8;
        double kd = dsum > 0 ? fdirty * E / dsum : 0.0;
        double kc = csum > 0 ? (1.0 - fdirty) * E / csum : 0.0;
        for (size_t i = 0; i < N; i++)
            F[i] *= g->dirty[i % n_s] ? kd : kc;
        for (size_t m = 0; m < n_emit; m++)
            F[g->perm[m]] = 0.5 * (E / (double)n_prod) * (0.5 + unif(&g->r));
        if (g->o->with_F_Y) {
            for (size_t r = 0; r < t->n_r; r++) {
                double ind = 0.0;
                for (size_t si = 0; si < n_s; si++)
                    ind += F[r * n_s + si];
                t->F_Y[s * t->n_y + r * t->n_f] = ind * (0.03 + 0.1 * unif(&g->r));
            }
        }
    }
}

static emb_status set_labels(emb_table *t)
{
    char buf[32];
    emb_status st = EMB_OK;
    for (size_t r = 0; r < t->n_r && !st; r++) {
        snprintf(buf, sizeof buf, "R%03zu", r + 1);
        st = emb_table_set_label(t, EMB_LABEL_REGION, r, buf);
    }
    for (size_t s = 0; s < t->n_s && !st; s++) {
        snprintf(buf, sizeof buf, "S%03zu", s + 1);
        st = emb_table_set_label(t, EMB_LABEL_SECTOR, s, buf);
    }
    for (size_t c = 0; c < t->n_f && !st; c++) {
        snprintf(buf, sizeof buf, "FD%zu", c + 1);
        st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, c, buf);
    }
    for (size_t s = 0; s < t->k && !st; s++) {
        snprintf(buf, sizeof buf, "E%zu", s + 1);
        if (!(st = emb_table_set_label(t, EMB_LABEL_STRESSOR, s, buf)))
            st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, s, "kt");
    }
    return st;
}

/* v in the fewest digits that read back as v (0.6, not 0.59999999999999998). */
static void shortest(char buf[32], double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static emb_status set_provenance(emb_table *t, const emb_synth_opts *o)
{
    char buf[600];
    int n = snprintf(buf, sizeof buf,
             "embodied synth seed=%" PRIu64 " n_r=%zu n_s=%zu n_f=%zu k=%zu foreign_density=%g "
             "zero_output_frac=%g zero_output_emits=%d negative_inventory=%d with_F_Y=%d",
             o->seed, o->n_r, o->n_s, o->n_f, o->k, o->foreign_density, o->zero_output_frac,
             o->zero_output_emits != 0, o->negative_inventory != 0, o->with_F_Y != 0);
    /* Only when not the default, so default tables keep their old text. */
    if (n > 0 && (size_t)n < sizeof buf && (o->colsum_lo != COLSUM_LO || o->colsum_hi != COLSUM_HI)) {
        char lo[32], hi[32];
        shortest(lo, o->colsum_lo);
        shortest(hi, o->colsum_hi);
        snprintf(buf + n, sizeof buf - (size_t)n, " colsum=[%s,%s]", lo, hi);
    }
    if (!(t->source = emb_strdup(buf)) || !(t->monetary_unit = emb_strdup("M.USD")))
        return EMB_ENOMEM;
    return EMB_OK;
}

static emb_status check_opts(const emb_synth_opts *o)
{
    if (o->n_r == 0 || o->n_s == 0 || o->n_f == 0)
        return emb_raise(EMB_EUSAGE, "synth: regions (%zu), sectors (%zu) and final-demand "
                                     "categories (%zu) must all be at least 1",
                         o->n_r, o->n_s, o->n_f);
    /* Written as !(a <= v && v <= b) so that NaN is refused too. */
    if (!(o->foreign_density >= 0.0 && o->foreign_density <= 1.0))
        return emb_raise(EMB_EUSAGE, "synth: foreign_density %g is not in [0, 1]",
                         o->foreign_density);
    if (!(o->zero_output_frac >= 0.0 && o->zero_output_frac < 1.0))
        return emb_raise(EMB_EUSAGE, "synth: zero_output_frac %g is not in [0, 1)",
                         o->zero_output_frac);
    if (!(o->colsum_lo > 0.0 && o->colsum_lo <= o->colsum_hi && o->colsum_hi < 1.0))
        return emb_raise(EMB_EUSAGE, "synth: column sums of A [%g, %g]: need 0 < lo <= hi < 1 "
                                     "(a column sum >= 1 makes the economy unproductive)",
                         o->colsum_lo, o->colsum_hi);
    return EMB_OK;
}

/* Balancing bounds: today's constants for column targets up to 0.75 (so
 * default tables are unchanged); above, the bound rises with the targets,
 * leaving final demand at least 0.4 (1 - hi) of output in every row. */
static void row_bounds(gen *g)
{
    double hi = g->o->colsum_hi;
    if (hi <= COLSUM_HI) {
        g->row_max = ROW_MAX;
        g->row_target = ROW_TARGET;
    } else {
        g->row_max = hi + 0.4 * (1.0 - hi);
        g->row_target = g->row_max - (1.0 - g->row_max) / 3.0;
    }
}

/* Hand the CSR to the table: as t->csr, or expanded into t->T. */
static emb_status store_Z(gen *g)
{
    emb_table *t = g->t;
    emb_csr *m = g->Z;
    if (g->o->csr) {
        g->Z = NULL;
        return emb_table_set_tech_csr(t, m); /* takes m */
    }
    size_t N = t->N;
    for (size_t i = 0; i < N; i++)
        for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
            t->T[i * N + m->indices[p]] = m->data[p];
    return EMB_OK;
}

static emb_status synth_table(const emb_synth_opts *o, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "synth: no output pointer");
    *out = NULL;
    if (!o)
        return emb_raise(EMB_EUSAGE, "synth: no options (use emb_synth_defaults)");
    emb_status st = check_opts(o);
    if (st)
        return st;
    if ((st = plan(o)))
        return st;
    gen g;
    memset(&g, 0, sizeof g);
    g.o = o;
    if ((st = emb_table_create(o->n_r, o->n_s, o->n_f, o->k, EMB_TECH_Z, !o->csr, &g.t)) ||
        (st = set_labels(g.t)) || (st = set_provenance(g.t, o)))
        goto fail;
    if (g.t->N > EMB_CSR_MAX_DIM) {
        st = emb_raise(EMB_ENOMEM, "synth: N = %zu exceeds %zu industries", g.t->N,
                       EMB_CSR_MAX_DIM);
        goto fail;
    }
    if ((st = gen_alloc(&g)))
        goto fail;
    row_bounds(&g);
    rng_seed(&g.r, o->seed);
    pick_zero_sectors(&g);
    gross_output(&g);
    if ((st = build_A(&g)))
        goto fail;
    for (int pass = 0; pass < MAX_PASSES; pass++)
        if (balance_pass(&g) == 0)
            break;
    finish_Z(&g);
    final_demand(&g);
    stressors(&g);
    if ((st = store_Z(&g)))
        goto fail;
    gen_free(&g);
    *out = g.t;
    return EMB_OK;
fail:
    gen_free(&g);
    emb_table_free(g.t);
    return st;
}

emb_status emb_synth_table(const emb_synth_opts *o, emb_table **out)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, o ? o->ctx : NULL);
    emb_status st = synth_table(o, out);
    emb_ctx_leave(&f);
    return st;
}
