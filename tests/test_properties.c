/* tests/test_properties.c — property tests of the accounts
 * (embodied/accounts.h) on generated MRIOs (embodied/synth.h): every
 * accounting identity, the per-sector and by-sector breakdowns, an
 * independent LAPACK reference for the flows, and the HDF5 round trip
 * (write, read back streamed, same accounts).
 *
 * Tolerances: 1e-10 relative to the stressor's world total (sum |F| + |F_Y|).
 * The generated systems have column sums of A <= 0.8, so cond_1(I - A) <= 9
 * and every computed account is accurate to a few hundred ulps of the world
 * total; 1e-10 leaves room for N up to thousands without hiding a real
 * error (a misplaced region or sector moves a whole share, >> 1e-10).
 * Inner loops test with plain `if` and ck_abort_msg: every ck_assert marks
 * its line through a pipe to the forking runner, which costs a system call. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-10
/* Largest N for which the dense LAPACK reference is computed. */
#define REF_MAX_N 300

static emb_table *gen(const emb_synth_opts *o)
{
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(o, &t) == EMB_OK, "emb_synth_table: %s", emb_errmsg());
    return t;
}

static emb_accounts *compute(const emb_table *t, const emb_accounts_opts *opts)
{
    emb_accounts *a = NULL;
    emb_status st = emb_accounts_compute(t, opts, &a);
    ck_assert_msg(st == EMB_OK, "emb_accounts_compute: %s (%s)", emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(a);
    return a;
}

/* |a - b| <= RTOL * W, with a message naming what was compared. */
#define CLOSE_W(a, b, W, ...)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b), w_ = (W);                                                       \
        if (!(fabs(a_ - b_) <= RTOL * w_)) {                                                       \
            char what_[256];                                                                       \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                            \
            ck_abort_msg("%s: %.17g vs %.17g (diff %.3g = %.3g x world total)", what_, a_, b_,     \
                         fabs(a_ - b_), fabs(a_ - b_) / w_);                                       \
        }                                                                                          \
    } while (0)

/* x = Z 1 + Y 1, as the solver defines it. */
static double *gross_output(const emb_table *t)
{
    size_t N = t->N;
    double *x = calloc(N, sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++) {
        double v = 0;
        for (size_t j = 0; j < N; j++)
            v += t->T[i * N + j];
        for (size_t c = 0; c < t->n_y; c++)
            v += t->Y[i * t->n_y + c];
        x[i] = v;
    }
    return x;
}

/* Independent reference: flows[s][o][d] = sum_{i in o} S_si X_id with
 * X = (I - A)^-1 Y_reg solved by LAPACKE_dgesv on an explicitly formed,
 * column-major I - A (the library instead factorises the row-major buffer as
 * (I - A)^T): the two share no code. */
static double *reference_flows(const emb_table *t, const double *x)
{
    size_t N = t->N, R = t->n_r, k = t->k;
    double *M = malloc(N * N * sizeof *M), *B = calloc(N * R, sizeof *B);
    double *fl = calloc(k * R * R + 1, sizeof *fl);
    lapack_int *ipiv = malloc(N * sizeof *ipiv);
    ck_assert(M && B && fl && ipiv);
    for (size_t j = 0; j < N; j++)
        for (size_t i = 0; i < N; i++)
            M[i + j * N] = (i == j) - (x[j] > 0 ? t->T[i * N + j] / x[j] : 0.0);
    for (size_t i = 0; i < N; i++)
        for (size_t d = 0; d < R; d++)
            for (size_t c = 0; c < t->n_f; c++)
                B[i + d * N] += t->Y[i * t->n_y + d * t->n_f + c];
    lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)R, M,
                                    (lapack_int)N, ipiv, B, (lapack_int)N);
    ck_assert_int_eq(info, 0);
    for (size_t s = 0; s < k; s++)
        for (size_t i = 0; i < N; i++) {
            if (!(x[i] > 0))
                continue;
            double S = t->F[s * N + i] / x[i];
            for (size_t d = 0; d < R; d++)
                fl[(s * R + i / t->n_s) * R + d] += S * B[i + d * N];
        }
    free(M);
    free(B);
    free(ipiv);
    return fl;
}

/* Every property of one result against its table (T in memory). */
static void check_accounts(const emb_table *t, const emb_accounts *a, const emb_accounts_opts *opts)
{
    size_t N = t->N, R = t->n_r, n_s = t->n_s, k = t->k, n_y = t->n_y, n_f = t->n_f;
    ck_assert_uint_eq(a->k, k);
    ck_assert_uint_eq(a->n_r, R);
    ck_assert_uint_eq(a->n_s, n_s);
    ck_assert_uint_eq(a->N, N);

    /* Quality figures. */
    ck_assert_msg(a->residual_solve <= 1e-12, "residual_solve %g", a->residual_solve);
    ck_assert_msg(a->residual_tsolve <= 1e-12, "residual_tsolve %g", a->residual_tsolve);
    ck_assert_msg(a->identity_error <= RTOL, "identity_error %g", a->identity_error);
    ck_assert_msg(a->rcond > 0 && a->rcond <= 1, "rcond %g", a->rcond);
    double worst = -1;
    ck_assert_msg(emb_accounts_check(a, RTOL, &worst) == EMB_OK, "%s", emb_errmsg());
    ck_assert(worst >= 0 && worst <= RTOL);

    /* Gross output and the facts counted. */
    double *x = gross_output(t);
    size_t n_zero = 0, n_zero_emit = 0, n_neg = 0;
    for (size_t i = 0; i < N; i++) {
        if (x[i] == 0) {
            if (a->x[i] != 0.0)
                ck_abort_msg("x[%zu] = %g, expected exactly 0", i, a->x[i]);
            n_zero++;
            int e = 0;
            for (size_t s = 0; s < k; s++)
                e |= t->F[s * N + i] != 0;
            n_zero_emit += e;
        } else if (!emb_test_close(a->x[i], x[i], 1e-13, 0))
            ck_abort_msg("x[%zu] = %.17g, Z 1 + Y 1 = %.17g", i, a->x[i], x[i]);
    }
    for (size_t i = 0; i < N * n_y; i++)
        n_neg += t->Y[i] < 0;
    ck_assert_uint_eq(a->n_zero_output, n_zero);
    ck_assert_uint_eq(a->n_zero_output_emitting, n_zero_emit);
    ck_assert_uint_eq(a->n_negative_Y, n_neg);

    double *ref = N <= REF_MAX_N ? reference_flows(t, x) : NULL;
    double *rs = malloc(R * sizeof *rs), *cs = malloc(R * sizeof *cs);
    ck_assert(rs && cs);
    for (size_t s = 0; s < k; s++) {
        const double *F = t->F + s * N, *FY = t->F_Y + s * n_y;
        const double *B = a->flows + s * R * R;
        const char *sn = t->stressors[s];
        double W = 0, sumF = 0;
        for (size_t i = 0; i < N; i++)
            W += fabs(F[i]), sumF += F[i];
        for (size_t c = 0; c < n_y; c++)
            W += fabs(FY[c]), sumF += FY[c];
        ck_assert(W > 0);

        /* Definitions of fy, pba, unallocated straight from F, F_Y and x. */
        double wp = 0, wc = 0, wu = 0;
        for (size_t r = 0; r < R; r++) {
            size_t q = s * R + r;
            double fy = 0, pba = 0, un = 0;
            for (size_t c = 0; c < n_f; c++)
                fy += FY[r * n_f + c];
            for (size_t i = r * n_s; i < (r + 1) * n_s; i++)
                if (x[i] > 0)
                    pba += F[i];
                else
                    un += F[i];
            CLOSE_W(a->fy[q], fy, W, "%s fy[%s]", sn, t->regions[r]);
            CLOSE_W(a->pba[q], pba + fy, W, "%s pba[%s] = sum F (x > 0) + F_Y", sn, t->regions[r]);
            CLOSE_W(a->unallocated[q], un, W, "%s unallocated[%s]", sn, t->regions[r]);
            wp += a->pba[q], wc += a->cba[q], wu += a->unallocated[q];
        }
        CLOSE_W(wp, wc, W, "%s world PBA = world CBA", sn);
        CLOSE_W(sumF, wp + wu, W, "%s sum F + F_Y = world PBA + unallocated", sn);

        /* The flow matrix and the regional accounts. */
        for (size_t r = 0; r < R; r++)
            rs[r] = cs[r] = 0;
        for (size_t o = 0; o < R; o++)
            for (size_t d = 0; d < R; d++) {
                rs[o] += B[o * R + d];
                cs[d] += B[o * R + d];
                if (ref)
                    CLOSE_W(B[o * R + d], ref[(s * R + o) * R + d], W,
                            "%s flows[%s][%s] vs LAPACK reference", sn, t->regions[o], t->regions[d]);
            }
        for (size_t r = 0; r < R; r++) {
            size_t q = s * R + r;
            const char *rn = t->regions[r];
            CLOSE_W(rs[r], a->pba[q] - a->fy[q], W, "%s row sum of flows[%s] = pba - fy", sn, rn);
            CLOSE_W(cs[r], a->cba[q] - a->fy[q], W, "%s column sum of flows[%s] = cba - fy", sn, rn);
            CLOSE_W(a->cba[q], a->pba[q] + a->imports[q] - a->exports[q], W,
                    "%s cba[%s] = pba + imports - exports", sn, rn);
            CLOSE_W(a->imports[q], cs[r] - B[r * R + r], W, "%s imports[%s]", sn, rn);
            CLOSE_W(a->exports[q], rs[r] - B[r * R + r], W, "%s exports[%s]", sn, rn);
        }

        /* Multipliers (transposed solves) against flows (direct solves):
         * cba_d - fy_d = sum_i M_si Y_reg[i][d]. */
        for (size_t d = 0; d < R; d++) {
            double v = 0;
            for (size_t i = 0; i < N; i++) {
                double yd = 0;
                for (size_t c = 0; c < n_f; c++)
                    yd += t->Y[i * n_y + d * n_f + c];
                v += a->M[s * N + i] * yd;
            }
            CLOSE_W(v, cs[d], W, "%s M Y_reg[:, %s] = column sum of flows", sn, t->regions[d]);
        }

        if (opts && opts->per_sector) {
            ck_assert(a->D_pba && a->D_cba && a->D_imp && a->D_exp);
            for (size_t r = 0; r < R; r++) {
                size_t q = s * R + r;
                const char *rn = t->regions[r];
                double p = 0, c = 0, im = 0, ex = 0;
                for (size_t i = r * n_s; i < (r + 1) * n_s; i++) {
                    p += a->D_pba[s * N + i];
                    c += a->D_cba[s * N + i];
                    im += a->D_imp[s * N + i];
                    ex += a->D_exp[s * N + i];
                }
                CLOSE_W(p + a->fy[q], a->pba[q], W, "%s sum D_pba[%s] + fy = pba", sn, rn);
                CLOSE_W(c + a->fy[q], a->cba[q], W, "%s sum D_cba[%s] + fy = cba", sn, rn);
                CLOSE_W(im, a->imports[q], W, "%s sum D_imp[%s] = imports", sn, rn);
                CLOSE_W(ex, a->exports[q], W, "%s sum D_exp[%s] = exports", sn, rn);
            }
            for (size_t i = 0; i < N; i++) /* D_pba = S x = F where x > 0 */
                CLOSE_W(a->D_pba[s * N + i], x[i] > 0 ? F[i] : 0.0, W, "%s D_pba[%zu]", sn, i);
        } else
            ck_assert(!a->D_pba && !a->D_cba && !a->D_imp && !a->D_exp);

        if (opts && opts->flows_by_sector) {
            ck_assert_ptr_nonnull(a->flows_by_sector);
            for (size_t o = 0; o < R; o++)
                for (size_t d = 0; d < R; d++) {
                    double v = 0;
                    for (size_t i = o * n_s; i < (o + 1) * n_s; i++)
                        v += a->flows_by_sector[(s * N + i) * R + d];
                    CLOSE_W(v, B[o * R + d], W, "%s sum flows_by_sector[%s][%s]", sn,
                            t->regions[o], t->regions[d]);
                }
        } else
            ck_assert_ptr_null(a->flows_by_sector);
    }
    free(rs);
    free(cs);
    free(ref);
    free(x);
}

static void run_case(size_t n_r, size_t n_s, size_t n_f, size_t k, uint64_t seed, double zfrac,
                     int with_F_Y)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, n_f, k, seed);
    o.zero_output_frac = zfrac;
    o.with_F_Y = with_F_Y;
    emb_table *t = gen(&o);
    emb_accounts_opts ao = {.per_sector = 1, .flows_by_sector = 1};
    emb_accounts *a = compute(t, &ao);
    check_accounts(t, a, &ao);
    /* The quirks are really exercised where the size allows them. */
    if (zfrac > 0 && t->N > 1)
        ck_assert_uint_ge(a->n_zero_output_emitting, 1);
    if (t->n_y > 1)
        ck_assert_uint_ge(a->n_negative_Y, 1);
    emb_accounts_free(a);
    emb_table_free(t);
}

START_TEST(one_region_one_sector)
{
    for (size_t k = 1; k <= 3; k++) {
        run_case(1, 1, 1, k, 100 + k, 0.02, 1);
        run_case(1, 1, 3, k, 200 + k, 0.02, 0);
    }
}
END_TEST

START_TEST(small_systems)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        size_t k = 1 + seed % 3;
        run_case(2, 3, 2, k, seed, 0.2, 1);  /* 1 zero-output sector, emitting */
        run_case(5, 7, 4, k, seed, 0.1, 1);  /* 4 zero-output sectors, 2 emitting */
        run_case(5, 7, 1, k, seed, 0.02, 0); /* negative Y in foreign regions' only category */
    }
}
END_TEST

START_TEST(medium_systems)
{
    for (uint64_t seed = 10; seed <= 12; seed++)
        run_case(12, 20, 5, 1 + seed % 3, seed, 0.05, 1);
}
END_TEST

START_TEST(larger_system)
{
    run_case(30, 40, 4, 3, 31, 0.02, 1);
    run_case(30, 40, 2, 2, 32, 0.0, 0);
}
END_TEST

START_TEST(default_options_and_flow_lookup)
{
    emb_synth_opts o = emb_synth_defaults(4, 5, 2, 2, 8);
    emb_table *t = gen(&o);
    emb_accounts *a = compute(t, NULL);
    check_accounts(t, a, NULL);
    double v = -1;
    ck_assert_int_eq(emb_accounts_flow(a, t, 1, "R002", "R004", &v), EMB_OK);
    ck_assert(v == a->flows[(1 * 4 + 1) * 4 + 3]);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Elementwise |a - b| <= 1e-13 max(|a|, |b|), with an absolute floor of
 * 1e-13 x 1e-6 of the array's largest entry for values that are ~0. */
static void same_array(const char *what, const double *a, const double *b, size_t n)
{
    if (!a || !b) {
        ck_assert_msg(!a && !b, "%s present in one result only", what);
        return;
    }
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(a[i]));
    for (size_t i = 0; i < n; i++)
        if (!emb_test_close(a[i], b[i], 1e-13, 1e-6 * scale))
            ck_abort_msg("%s[%zu]: in memory %.17g, streamed %.17g", what, i, a[i], b[i]);
}

START_TEST(hdf5_round_trip_streamed)
{
    static const size_t sz[][4] = {{2, 3, 2, 1}, {5, 7, 3, 3}, {12, 20, 4, 2}};
    char *dir = emb_test_tmpdir();
    ck_assert_ptr_nonnull(dir);
    for (size_t c = 0; c < sizeof sz / sizeof sz[0]; c++) {
        emb_synth_opts o = emb_synth_defaults(sz[c][0], sz[c][1], sz[c][2], sz[c][3], 40 + c);
        o.zero_output_frac = 0.1;
        emb_table *t = gen(&o);
        char path[4200];
        snprintf(path, sizeof path, "%s/synth%zu.h5", dir, c);
        ck_assert_msg(emb_table_write_h5(t, path, NULL) == EMB_OK, "%s", emb_errmsg());
        emb_table *u = NULL;
        ck_assert_msg(emb_table_read_h5(path, EMB_READ_DEFAULT, &u) == EMB_OK, "%s", emb_errmsg());
        ck_assert_ptr_null(u->T); /* streamed, not loaded */
        ck_assert_uint_eq(u->N, t->N);
        ck_assert_uint_eq(u->k, t->k);

        emb_accounts_opts ao = {.per_sector = 1, .flows_by_sector = 1};
        emb_accounts *a = compute(t, &ao), *b = compute(u, &ao);
        size_t k = t->k, R = t->n_r, N = t->N;
        same_array("x", a->x, b->x, N);
        same_array("M", a->M, b->M, k * N);
        same_array("pba", a->pba, b->pba, k * R);
        same_array("cba", a->cba, b->cba, k * R);
        same_array("imports", a->imports, b->imports, k * R);
        same_array("exports", a->exports, b->exports, k * R);
        same_array("unallocated", a->unallocated, b->unallocated, k * R);
        same_array("fy", a->fy, b->fy, k * R);
        same_array("flows", a->flows, b->flows, k * R * R);
        same_array("D_cba", a->D_cba, b->D_cba, k * N);
        same_array("D_pba", a->D_pba, b->D_pba, k * N);
        same_array("D_imp", a->D_imp, b->D_imp, k * N);
        same_array("D_exp", a->D_exp, b->D_exp, k * N);
        same_array("flows_by_sector", a->flows_by_sector, b->flows_by_sector, k * N * R);
        ck_assert_uint_eq(a->n_zero_output, b->n_zero_output);
        ck_assert_uint_eq(a->n_zero_output_emitting, b->n_zero_output_emitting);
        ck_assert_uint_eq(a->n_negative_Y, b->n_negative_Y);
        ck_assert(b->residual_solve <= 1e-12 && b->residual_tsolve <= 1e-12);
        check_accounts(t, b, &ao); /* the streamed result against the in-memory table */
        emb_accounts_free(a);
        emb_accounts_free(b);
        emb_table_free(u);
        emb_table_free(t);
    }
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("properties");
    TCase *tc = tcase_create("properties");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_region_one_sector);
    tcase_add_test(tc, small_systems);
    tcase_add_test(tc, medium_systems);
    tcase_add_test(tc, larger_system);
    tcase_add_test(tc, default_options_and_flow_lookup);
    tcase_add_test(tc, hdf5_round_trip_streamed);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
