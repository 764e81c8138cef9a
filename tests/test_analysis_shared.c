/* tests/test_analysis_shared.c — the trade analyses on REAL data: WIOD 2009
 * (41 regions x 35 industries, CO2 in Gg, ../shared/testdata; the suite
 * skips where ../shared is absent and fails under CI=true).
 *
 * There is no published EEBT or TCBA of this table to compare with, so what
 * is checked is what must hold whatever the data:
 *  - EEBT: the identities (row sums of T = PBA - F_Y per region, column sums
 *    + F_Y = CBA^EEBT, world CBA^EEBT = world PBA = 28,849,329.16 Gg, the
 *    checks.json total) to 1e-10 of the world total; the domestic multipliers
 *    against an independent long double elimination of each 35 x 35 block
 *    (1e-12 of the largest); the flows by exporting sector add up to the
 *    flows; EU27 group sums;
 *  - TCBA: world TCBA = world CBA (1e-10);
 *  - the MRIO accounts computed beside them still match pymrio (1e-9), and
 *    the net transfer CHN -> EU27 is 325,529.48 - 44,798.50 Gg;
 *  - every solver (dense, mixed, sparse) gives the same EEBT (it depends on
 *    x only) and TCBA within 1e-10. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-10

static const char *shared;

static const char *EU27[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                             "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                             "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

static emb_table *wiod(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/wiod2013-2009-co2.zip", shared);
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, NULL, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s", path, emb_errmsg());
    ck_assert_uint_eq(t->n_r, 41);
    ck_assert_uint_eq(t->n_s, 35);
    ck_assert_int_eq(emb_table_add_group(t, "EU27", 27, EU27), EMB_OK);
    return t;
}

/* m = S_r (I - A_rr)^-1 for one region by Gaussian elimination with partial
 * pivoting in long double on (I - A_rr)^T, straight from Z and x. */
static void domestic_reference(const emb_table *t, const double *x, size_t r, long double *m)
{
    size_t N = t->N, ns = t->n_s;
    long double *M = malloc(ns * ns * sizeof *M);
    ck_assert_ptr_nonnull(M);
    for (size_t q = 0; q < ns; q++) {
        size_t jq = r * ns + q;
        for (size_t i = 0; i < ns; i++) {
            size_t ji = r * ns + i;
            M[q * ns + i] = (q == i) - (x[jq] > 0 ? (long double)t->T[ji * N + jq] / x[jq] : 0);
        }
        m[q] = x[jq] > 0 ? (long double)t->F[jq] / x[jq] : 0; /* k = 1 */
    }
    for (size_t c = 0; c < ns; c++) {
        size_t p = c;
        for (size_t i = c + 1; i < ns; i++)
            if (fabsl(M[i * ns + c]) > fabsl(M[p * ns + c]))
                p = i;
        for (size_t j = 0; j < ns && p != c; j++) {
            long double tmp = M[c * ns + j];
            M[c * ns + j] = M[p * ns + j];
            M[p * ns + j] = tmp;
        }
        if (p != c) {
            long double tmp = m[c];
            m[c] = m[p];
            m[p] = tmp;
        }
        for (size_t i = c + 1; i < ns; i++) {
            long double f = M[i * ns + c] / M[c * ns + c];
            for (size_t j = c; j < ns; j++)
                M[i * ns + j] -= f * M[c * ns + j];
            m[i] -= f * m[c];
        }
    }
    for (size_t c = ns; c-- > 0;) {
        long double v = m[c];
        for (size_t j = c + 1; j < ns; j++)
            v -= M[c * ns + j] * m[j];
        m[c] = v / M[c * ns + c];
    }
    free(M);
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

START_TEST(wiod_2009_eebt_tcba)
{
    emb_table *t = wiod();
    size_t R = t->n_r, N = t->N, ns = t->n_s;
    emb_accounts *a[3] = {NULL, NULL, NULL};
    for (int kk = 0; kk < 3; kk++) {
        emb_accounts_opts o = {.eebt_by_sector = 1, .tcba = 1, .identity_tol = RTOL};
        o.solver.kind = KINDS[kk];
        ck_assert_msg(emb_accounts_compute(t, &o, &a[kk]) == EMB_OK, "%s: %s",
                      emb_solver_name(KINDS[kk]), emb_errmsg());
    }
    const emb_accounts *d = a[0];
    /* the MRIO accounts beside the analyses: pymrio's, unchanged */
    emb_test_csv c = emb_test_csv_read(
        emb_test_pathf("%s/wiod2013-2009-co2.reference/pymrio_co2_D_cba_reg.csv", shared), 1, 2);
    emb_test_compare("D_cba_reg", d->cba, &c, 0, 1, 1e-9);
    emb_test_csv_free(&c);

    /* identities (the library checked them to 1e-10 already; recomputed here) */
    ck_assert_msg(d->eebt_identity_error <= RTOL, "%g", d->eebt_identity_error);
    ck_assert_msg(d->tcba_identity_error <= RTOL, "%g", d->tcba_identity_error);
    ck_assert_msg(d->residual_domestic <= 1e-13, "%g", d->residual_domestic);
    double W = 0, wp = 0, we = 0, wc = 0, wt = 0;
    for (size_t r = 0; r < R; r++) {
        W += fabs(d->pba[r]) + fabs(d->unallocated[r]);
        wp += d->pba[r], we += d->eebt_cba[r], wc += d->cba[r], wt += d->tcba[r];
    }
    EMB_ASSERT_CLOSE(wp, 28849329.155669127, 1e-9, 0);
    ck_assert_msg(fabs(we - wp) <= RTOL * W, "world EEBT CBA %.17g vs PBA %.17g", we, wp);
    ck_assert_msg(fabs(wt - wc) <= RTOL * W, "world TCBA %.17g vs CBA %.17g", wt, wc);
    for (size_t r = 0; r < R; r++) {
        double rs = 0, cs = 0;
        for (size_t q = 0; q < R; q++) {
            rs += d->eebt_flows[r * R + q];
            cs += d->eebt_flows[q * R + r];
        }
        ck_assert_msg(fabs(rs - (d->pba[r] - d->fy[r])) <= RTOL * W, "%s: row sum %.17g vs PBA - F_Y "
                      "%.17g", t->regions[r], rs, d->pba[r] - d->fy[r]);
        ck_assert_msg(fabs(cs + d->fy[r] - d->eebt_cba[r]) <= RTOL * W, "%s: column sum",
                      t->regions[r]);
        /* by exporting sector, adding up to the flows */
        for (size_t q = 0; q < R; q++) {
            double v = 0;
            for (size_t j = 0; j < ns; j++)
                v += d->eebt_flows_by_sector[(r * ns + j) * R + q];
            ck_assert_msg(fabs(v - d->eebt_flows[r * R + q]) <= RTOL * W, "by sector %s -> %s",
                          t->regions[r], t->regions[q]);
        }
    }
    /* domestic multipliers against the long double reference */
    long double *m = malloc(ns * sizeof *m);
    double mmax = 0;
    for (size_t i = 0; i < N; i++)
        mmax = fmax(mmax, fabs(d->m_dom[i]));
    for (size_t r = 0; r < R; r++) {
        domestic_reference(t, d->x, r, m);
        for (size_t j = 0; j < ns; j++)
            ck_assert_msg(fabsl(m[j] - d->m_dom[r * ns + j]) <= 1e-12 * mmax,
                          "m_dom %s/%s: %.17g vs %.17Lg", t->regions[r], t->sectors[j],
                          d->m_dom[r * ns + j], m[j]);
    }
    free(m);
    /* EU27 group: sums of members; world balance of EEBT trade is 0 */
    long eu = emb_table_group_index(t, "EU27");
    double ge = 0;
    for (size_t q = 0; q < 27; q++)
        ge += d->eebt_cba[emb_table_region_index(t, EU27[q])];
    ck_assert_msg(fabs(ge - d->g_eebt_cba[eu]) <= RTOL * W, "EU27 EEBT CBA");
    /* net transfer CHN -> EU27 (MRIO flows of ../shared/README.md) */
    double fw, bw;
    ck_assert_int_eq(emb_accounts_flow(d, t, 0, "CHN", "EU27", &fw), EMB_OK);
    ck_assert_int_eq(emb_accounts_flow(d, t, 0, "EU27", "CHN", &bw), EMB_OK);
    EMB_ASSERT_CLOSE(fw - bw, 325529.47861896653 - 44798.49813661063, 1e-9, 0);
    char *tmp = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/net.csv", tmp);
    emb_flow_pair pair = {"CHN", "EU27"};
    ck_assert_int_eq(emb_results_write_net_flows(d, t, NULL, 0, &pair, 1, EMB_RESULTS_CSV, p), EMB_OK);
    size_t n;
    char *s = emb_test_slurp(p, &n);
    ck_assert_msg(strstr(s, "\nco2/CO2/air,Gg,CHN,EU27,325529.478") && strstr(s, ",280730.98"),
                  "%s", s);
    free(s);
    emb_test_rmtree(tmp);
    free(tmp);
    /* every solver: EEBT bit for bit (x only), TCBA within 1e-10 */
    for (int kk = 1; kk < 3; kk++) {
        ck_assert_msg(memcmp(d->eebt_flows, a[kk]->eebt_flows, R * R * sizeof(double)) == 0,
                      "%s: EEBT differs from dense", emb_solver_name(KINDS[kk]));
        for (size_t r = 0; r < R; r++)
            ck_assert_msg(fabs(d->tcba[r] - a[kk]->tcba[r]) <= RTOL * W, "%s: TCBA %s",
                          emb_solver_name(KINDS[kk]), t->regions[r]);
    }
    /* what the README quotes (printed, for the record) */
    long chn = emb_table_region_index(t, "CHN");
    printf("# CHN: PBA %.0f, CBA %.0f, CBA EEBT %.0f, TCBA %.0f; EU27: PBA %.0f, CBA %.0f, "
           "CBA EEBT %.0f, TCBA %.0f\n",
           d->pba[chn], d->cba[chn], d->eebt_cba[chn], d->tcba[chn], d->g_pba[eu], d->g_cba[eu],
           d->g_eebt_cba[eu], d->g_tcba[eu]);
    for (int kk = 0; kk < 3; kk++)
        emb_accounts_free(a[kk]);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("analysis_shared");
    Suite *s = suite_create("analysis_shared");
    TCase *tc = tcase_create("wiod");
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, wiod_2009_eebt_tcba);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
