/* tests/test_accounts_precision.c — every entry of every account against an
 * extended-precision reference computed here, on small generated tables
 * (N <= 30), one of them built so that imports are a 1e-7 share of the
 * consumption footprint.
 *
 * The reference is an independent implementation: long double (64-bit
 * mantissa) Gaussian elimination with partial pivoting on an explicitly
 * formed I - A, the inverse formed column by column (N <= 30, so that is
 * cheap and simple), and every account summed with Neumaier's compensated
 * summation straight from its definition (pymrio's calc_accounts): D_imp is
 * S times the foreign block of L diag-by-blocks(Y_reg), imports and exports
 * the flows summed over the other regions.  Nothing here calls the library's
 * solver.
 *
 * Tolerance 1e-12 relative per entry (entries that are exactly zero in the
 * reference compare absolutely): the data are non-negative apart from a few
 * inventory draw-downs and cond(I - A) <= 9, so a computation that sums the
 * terms of each definition directly is good to ~1e-14; one that forms a
 * small share as the difference of two large numbers (D_cba minus the
 * domestic part, a column sum minus the domestic flow) loses
 * log10(large/small) digits, 7 on the 1e-7 table. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-12
#define ATOL 1e-12

typedef long double ld;

/* Neumaier's compensated sum. */
typedef struct {
    ld s, c;
} ksum;

static void kadd(ksum *k, ld v)
{
    ld t = k->s + v;
    if (fabsl(k->s) >= fabsl(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static ld kval(const ksum *k) { return k->s + k->c; }

typedef struct {
    size_t N, R, ns, k, G;
    ld *x, *S, *L, *Yreg, *X, *M; /* x [N], S [k][N], L [N][N], Yreg [N][R], X [N][R], M [k][N] */
    double *pba, *cba, *imp, *exp_, *unalloc, *fy, *flows, *Mout, *xout;
    double *Dpba, *Dcba, *Dimp, *Dexp, *fbs;
    double *gpba, *gcba, *gimp, *gexp, *gun;
} ref;

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* L = (I - A)^-1 by Gaussian elimination with partial pivoting, in long double. */
static void invert(size_t N, ld *IA, ld *L)
{
    size_t *perm = xcalloc(N, sizeof *perm);
    for (size_t i = 0; i < N; i++)
        perm[i] = i;
    /* LU in place, row-major, rows swapped physically. */
    for (size_t c = 0; c < N; c++) {
        size_t p = c;
        for (size_t i = c + 1; i < N; i++)
            if (fabsl(IA[i * N + c]) > fabsl(IA[p * N + c]))
                p = i;
        ck_assert_msg(IA[p * N + c] != 0, "reference: I - A singular at column %zu", c);
        if (p != c) {
            for (size_t j = 0; j < N; j++) {
                ld tmp = IA[c * N + j];
                IA[c * N + j] = IA[p * N + j];
                IA[p * N + j] = tmp;
            }
            size_t tp = perm[c];
            perm[c] = perm[p];
            perm[p] = tp;
        }
        for (size_t i = c + 1; i < N; i++) {
            ld f = IA[i * N + c] / IA[c * N + c];
            IA[i * N + c] = f;
            for (size_t j = c + 1; j < N; j++)
                IA[i * N + j] -= f * IA[c * N + j];
        }
    }
    ld *y = xcalloc(N, sizeof *y);
    for (size_t col = 0; col < N; col++) {
        /* Solve (I - A) l = e_col: P (I - A) = LU, so L U l = P e_col. */
        for (size_t i = 0; i < N; i++) {
            ksum s = {perm[i] == col ? 1.0L : 0.0L, 0};
            for (size_t j = 0; j < i; j++)
                kadd(&s, -IA[i * N + j] * y[j]);
            y[i] = kval(&s);
        }
        for (size_t i = N; i-- > 0;) {
            ksum s = {y[i], 0};
            for (size_t j = i + 1; j < N; j++)
                kadd(&s, -IA[i * N + j] * L[j * N + col]);
            L[i * N + col] = kval(&s) / IA[i * N + i];
        }
    }
    free(y);
    free(perm);
}

static double *dalloc(size_t n) { return xcalloc(n, sizeof(double)); }

static void ref_compute(const emb_table *t, ref *r)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = t->k, nf = t->n_f, G = t->n_groups;
    r->N = N, r->R = R, r->ns = ns, r->k = k, r->G = G;
    ck_assert_ptr_nonnull(t->T);
    ck_assert(t->tech_kind == EMB_TECH_Z);
    r->x = xcalloc(N, sizeof(ld));
    r->S = xcalloc(k * N, sizeof(ld));
    r->L = xcalloc(N * N, sizeof(ld));
    r->Yreg = xcalloc(N * R, sizeof(ld));
    r->X = xcalloc(N * R, sizeof(ld));
    r->M = xcalloc(k * N, sizeof(ld));
    ld *IA = xcalloc(N * N, sizeof(ld));
    /* x = Z 1 + Y 1 (or the table's x). */
    for (size_t i = 0; i < N; i++) {
        ksum s = {0, 0};
        if (t->x)
            kadd(&s, t->x[i]);
        else {
            for (size_t j = 0; j < N; j++)
                kadd(&s, t->T[i * N + j]);
            for (size_t c = 0; c < t->n_y; c++)
                kadd(&s, t->Y[i * t->n_y + c]);
        }
        r->x[i] = kval(&s);
        ck_assert(r->x[i] >= 0);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            IA[i * N + j] = (i == j) - (r->x[j] > 0 ? (ld)t->T[i * N + j] / r->x[j] : 0.0L);
    invert(N, IA, r->L);
    for (size_t s = 0; s < k; s++)
        for (size_t i = 0; i < N; i++)
            r->S[s * N + i] = r->x[i] > 0 ? (ld)t->F[s * N + i] / r->x[i] : 0.0L;
    for (size_t i = 0; i < N; i++)
        for (size_t d = 0; d < R; d++) {
            ksum s = {0, 0};
            for (size_t c = 0; c < nf; c++)
                kadd(&s, t->Y[i * t->n_y + d * nf + c]);
            r->Yreg[i * R + d] = kval(&s);
        }
    for (size_t i = 0; i < N; i++)
        for (size_t d = 0; d < R; d++) {
            ksum s = {0, 0};
            for (size_t j = 0; j < N; j++)
                kadd(&s, r->L[i * N + j] * r->Yreg[j * R + d]);
            r->X[i * R + d] = kval(&s);
        }
    for (size_t s = 0; s < k; s++)
        for (size_t j = 0; j < N; j++) {
            ksum a = {0, 0};
            for (size_t i = 0; i < N; i++)
                kadd(&a, r->S[s * N + i] * r->L[i * N + j]);
            r->M[s * N + j] = kval(&a);
        }
    size_t kR = k * R;
    r->pba = dalloc(kR), r->cba = dalloc(kR), r->imp = dalloc(kR), r->exp_ = dalloc(kR);
    r->unalloc = dalloc(kR), r->fy = dalloc(kR), r->flows = dalloc(kR * R);
    r->Mout = dalloc(k * N), r->xout = dalloc(N);
    r->Dpba = dalloc(k * N), r->Dcba = dalloc(k * N);
    r->Dimp = dalloc(k * N), r->Dexp = dalloc(k * N);
    r->fbs = dalloc(k * N * R);
    r->gpba = dalloc(k * G), r->gcba = dalloc(k * G), r->gimp = dalloc(k * G);
    r->gexp = dalloc(k * G), r->gun = dalloc(k * G);
    for (size_t i = 0; i < N; i++)
        r->xout[i] = (double)r->x[i];
    for (size_t i = 0; i < k * N; i++)
        r->Mout[i] = (double)r->M[i];
    /* Per-sector columns: v = L (Y_reg[:,d] masked to product j). */
    ld *v = xcalloc(N, sizeof(ld));
    ld *Dc = xcalloc(k * N, sizeof(ld)), *Di = xcalloc(k * N, sizeof(ld));
    for (size_t d = 0; d < R; d++)
        for (size_t j = 0; j < ns; j++) {
            for (size_t i = 0; i < N; i++) {
                ksum a = {0, 0};
                for (size_t o = 0; o < R; o++)
                    kadd(&a, r->L[i * N + o * ns + j] * r->Yreg[(o * ns + j) * R + d]);
                v[i] = kval(&a);
            }
            for (size_t s = 0; s < k; s++) {
                ksum all = {0, 0}, fo = {0, 0};
                for (size_t i = 0; i < N; i++) {
                    kadd(&all, r->S[s * N + i] * v[i]);
                    if (i / ns != d)
                        kadd(&fo, r->S[s * N + i] * v[i]);
                }
                Dc[s * N + d * ns + j] = kval(&all);
                Di[s * N + d * ns + j] = kval(&fo);
            }
        }
    for (size_t s = 0; s < k; s++) {
        ld *fy = xcalloc(R, sizeof(ld));
        for (size_t d = 0; d < R; d++) {
            ksum a = {0, 0};
            for (size_t c = 0; c < nf; c++)
                kadd(&a, t->F_Y[s * t->n_y + d * nf + c]);
            fy[d] = kval(&a);
            r->fy[s * R + d] = (double)fy[d];
        }
        /* flows and flows by sector */
        ld *B = xcalloc(R * R, sizeof(ld));
        for (size_t o = 0; o < R; o++)
            for (size_t d = 0; d < R; d++) {
                ksum a = {0, 0};
                for (size_t i = o * ns; i < (o + 1) * ns; i++) {
                    ld f = r->S[s * N + i] * r->X[i * R + d];
                    kadd(&a, f);
                    r->fbs[(s * N + i) * R + d] = (double)f;
                }
                B[o * R + d] = kval(&a);
                r->flows[(s * R + o) * R + d] = (double)B[o * R + d];
            }
        for (size_t q = 0; q < R; q++) {
            ksum pba = {0, 0}, un = {0, 0}, col = {0, 0}, im = {0, 0}, ex = {0, 0};
            for (size_t i = q * ns; i < (q + 1) * ns; i++) {
                if (r->x[i] > 0)
                    kadd(&pba, t->F[s * N + i]);
                else
                    kadd(&un, t->F[s * N + i]);
            }
            kadd(&pba, fy[q]);
            for (size_t o = 0; o < R; o++) {
                kadd(&col, B[o * R + q]);
                if (o != q) {
                    kadd(&im, B[o * R + q]);
                    kadd(&ex, B[q * R + o]);
                }
            }
            kadd(&col, fy[q]);
            r->pba[s * R + q] = (double)kval(&pba);
            r->cba[s * R + q] = (double)kval(&col);
            r->imp[s * R + q] = (double)kval(&im);
            r->exp_[s * R + q] = (double)kval(&ex);
            r->unalloc[s * R + q] = (double)kval(&un);
        }
        for (size_t g = 0; g < G; g++) {
            ksum a[5] = {{0, 0}};
            for (size_t m = 0; m < t->groups[g].n; m++) {
                size_t q = t->groups[g].members[m];
                /* the regions' accounts, each correctly rounded */
                kadd(&a[0], r->pba[s * R + q]);
                kadd(&a[1], r->cba[s * R + q]);
                kadd(&a[2], r->imp[s * R + q]);
                kadd(&a[3], r->exp_[s * R + q]);
                kadd(&a[4], r->unalloc[s * R + q]);
            }
            r->gpba[s * G + g] = (double)kval(&a[0]), r->gcba[s * G + g] = (double)kval(&a[1]);
            r->gimp[s * G + g] = (double)kval(&a[2]), r->gexp[s * G + g] = (double)kval(&a[3]);
            r->gun[s * G + g] = (double)kval(&a[4]);
        }
        for (size_t i = 0; i < N; i++) {
            ksum e = {0, 0};
            for (size_t d = 0; d < R; d++)
                if (d != i / ns)
                    kadd(&e, r->X[i * R + d]);
            r->Dpba[s * N + i] = r->x[i] > 0 ? t->F[s * N + i] : 0.0;
            r->Dexp[s * N + i] = (double)(r->S[s * N + i] * kval(&e));
            r->Dcba[s * N + i] = (double)Dc[s * N + i];
            r->Dimp[s * N + i] = (double)Di[s * N + i];
        }
        free(B);
        free(fy);
    }
    free(v), free(Dc), free(Di), free(IA);
}

static void ref_free(ref *r)
{
    void *p[] = {r->x, r->S, r->L, r->Yreg, r->X, r->M, r->pba, r->cba, r->imp, r->exp_,
                 r->unalloc, r->fy, r->flows, r->Mout, r->xout, r->Dpba, r->Dcba, r->Dimp,
                 r->Dexp, r->fbs, r->gpba, r->gcba, r->gimp, r->gexp, r->gun};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
}

/* Worst relative error of got[0..n) against want; fails naming the entry. */
static double compare(const char *table, const char *what, const double *got, const double *want,
                      size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        double e = w == 0 ? fabs(g) / ATOL * RTOL : fabs(g - w) / fabs(w);
        if (!(e <= RTOL))
            ck_abort_msg("%s: %s[%zu] = %.17g, reference %.17g: relative error %.3g > %.0e", table,
                         what, i, g, w, e, RTOL);
        if (e > worst)
            worst = e;
    }
    return worst;
}

static void check_table(const char *name, emb_table *t, const emb_accounts_opts *ao)
{
    ref r;
    memset(&r, 0, sizeof r);
    ref_compute(t, &r);
    emb_accounts *a = NULL;
    emb_status st = emb_accounts_compute(t, ao, &a);
    ck_assert_msg(st == EMB_OK, "%s: %s", name, emb_errmsg());
    size_t k = t->k, R = t->n_r, N = t->N, G = t->n_groups;
    compare(name, "x", a->x, r.xout, N);
    compare(name, "M", a->M, r.Mout, k * N);
    compare(name, "pba", a->pba, r.pba, k * R);
    compare(name, "cba", a->cba, r.cba, k * R);
    compare(name, "imports", a->imports, r.imp, k * R);
    compare(name, "exports", a->exports, r.exp_, k * R);
    compare(name, "unallocated", a->unallocated, r.unalloc, k * R);
    compare(name, "fy", a->fy, r.fy, k * R);
    compare(name, "flows", a->flows, r.flows, k * R * R);
    compare(name, "D_pba", a->D_pba, r.Dpba, k * N);
    compare(name, "D_cba", a->D_cba, r.Dcba, k * N);
    compare(name, "D_imp", a->D_imp, r.Dimp, k * N);
    compare(name, "D_exp", a->D_exp, r.Dexp, k * N);
    compare(name, "flows_by_sector", a->flows_by_sector, r.fbs, k * N * R);
    compare(name, "group pba", a->g_pba, r.gpba, k * G);
    compare(name, "group cba", a->g_cba, r.gcba, k * G);
    compare(name, "group imports", a->g_imports, r.gimp, k * G);
    compare(name, "group exports", a->g_exports, r.gexp, k * G);
    compare(name, "group unallocated", a->g_unallocated, r.gun, k * G);
    emb_accounts_free(a);
    ref_free(&r);
}

static emb_table *gen(size_t n_r, size_t n_s, size_t n_f, size_t k, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, n_f, k, seed);
    o.zero_output_frac = 0.05;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "synth: %s", emb_errmsg());
    ck_assert_ptr_nonnull(t->T);
    if (n_r >= 3) {
        const char *m[] = {t->regions[0], t->regions[2]};
        ck_assert_int_eq(emb_table_add_group(t, "G02", 2, m), EMB_OK);
    }
    return t;
}

static const emb_accounts_opts all_opts = {.per_sector = 1, .flows_by_sector = 1};

/* Both ways of D_imp: k n_r <= N (masked multipliers) and k n_r > N (one
 * direct solve per consumed product). */
START_TEST(generated_tables)
{
    static const size_t sz[][4] = {{1, 1, 1, 1}, {2, 3, 2, 1}, {3, 4, 2, 2}, {5, 6, 2, 3},
                                   {3, 2, 2, 4}, {4, 3, 1, 6}, {6, 5, 3, 1}, {2, 15, 2, 2}};
    for (size_t c = 0; c < sizeof sz / sizeof sz[0]; c++) {
        emb_table *t = gen(sz[c][0], sz[c][1], sz[c][2], sz[c][3], 300 + c);
        char name[64];
        snprintf(name, sizeof name, "table %zux%zu k=%zu", sz[c][0], sz[c][1], sz[c][3]);
        check_table(name, t, &all_opts);
        emb_table_free(t);
    }
}
END_TEST

/* Trade shrunk to a 1e-7 share: foreign blocks of Z and foreign final demand
 * scaled by 1e-7, so D_cba / D_imp and cba / imports are ~1e7.  The old code
 * (D_cba minus the domestic part, column sum minus the domestic flow) was
 * 4e-9 off here. */
static emb_table *tiny_trade(size_t n_r, size_t n_s, size_t k, uint64_t seed)
{
    emb_table *t = gen(n_r, n_s, 2, k, seed);
    size_t N = t->N, ns = t->n_s;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++)
            if (i / ns != j / ns)
                t->T[i * N + j] *= 1e-7;
        for (size_t c = 0; c < t->n_y; c++)
            if (i / ns != c / t->n_f)
                t->Y[i * t->n_y + c] *= 1e-7;
    }
    return t;
}

START_TEST(tiny_import_shares)
{
    /* k n_r <= N and k n_r > N: both ways of D_imp */
    static const size_t sz[][3] = {{3, 8, 2}, {4, 5, 2}, {3, 2, 5}, {5, 2, 4}};
    for (size_t c = 0; c < sizeof sz / sizeof sz[0]; c++) {
        emb_table *t = tiny_trade(sz[c][0], sz[c][1], sz[c][2], 500 + c);
        /* The table really has the ratio the test is about. */
        emb_accounts *a = NULL;
        ck_assert_int_eq(emb_accounts_compute(t, &all_opts, &a), EMB_OK);
        double worst = 0;
        for (size_t i = 0; i < t->k * t->N; i++)
            if (a->D_imp[i] != 0 && fabs(a->D_cba[i] / a->D_imp[i]) > worst)
                worst = fabs(a->D_cba[i] / a->D_imp[i]);
        ck_assert_msg(worst > 5e6, "largest D_cba / D_imp only %.3g", worst);
        emb_accounts_free(a);
        char name[64];
        snprintf(name, sizeof name, "tiny-trade table %zux%zu k=%zu", sz[c][0], sz[c][1], sz[c][2]);
        check_table(name, t, &all_opts);
        emb_table_free(t);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounts_precision");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, generated_tables);
    tcase_add_test(tc, tiny_import_shares);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
