/* tests/test_trade_shared.c — the trade analyses on REAL data, WIOD 2009
 * (../shared/testdata; the suite skips where it is absent and fails under
 * CI=true):
 *  - CHN -> EU27 drilled down by origin sector and by final product (and
 *    both) sums to the reference flow of bilateral_co2_grouped_Gg.csv
 *    (325,529.48 Gg) to 1e-9, for every solver;
 *  - CBAM exposure to the EU27 with the shipped WIOD concordance
 *    (datasets/cbam/wiod2013.csv): every exporter outside the EU27 ranked,
 *    totals consistent, and the CLI printing the ranking. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


static char *slurp(const char *path)
{
    size_t len;
    return emb_test_slurp(path, &len);
}

static const char *shared;

static const char *EU27[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                             "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                             "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

static emb_table *wiod(void)
{
    emb_table *t = NULL;
    const char *p = emb_test_pathf("%s/wiod2013-2009-co2.zip", shared);
    ck_assert_msg(emb_import_pymrio(p, NULL, &t) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_add_group(t, "EU27", 27, EU27), EMB_OK);
    return t;
}

/* The reference flow CHN -> EU27 (Gg), read from the grouped bilateral table. */
static double reference_flow(void)
{
    emb_test_csv g = emb_test_csv_read(
        emb_test_pathf("%s/wiod2013-2009-co2.reference/bilateral_co2_grouped_Gg.csv", shared), 1, 1);
    ck_assert_str_eq(g.first[0], "CHN");
    double v = g.v[0 * g.cols + 1]; /* column EU27 */
    emb_test_csv_free(&g);
    return v;
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

START_TEST(chn_eu27_drilldown)
{
    emb_table *t = wiod();
    double ref = reference_flow();
    EMB_ASSERT_CLOSE(ref, 325529.47861896653, 1e-15, 0);
    emb_solver_opts so = {.kind = KINDS[_i]};
    emb_leontief *lf = NULL;
    ck_assert_msg(emb_leontief_create(t, &so, &lf) == EMB_OK, "%s", emb_errmsg());
    const emb_drilldown_by views[] = {EMB_DRILL_ORIGIN_SECTOR, EMB_DRILL_FINAL_PRODUCT,
                                      EMB_DRILL_BOTH};
    for (int v = 0; v < 3; v++) {
        emb_drilldown_opts o = {.by = views[v], .identity_tol = 1e-9};
        emb_drilldown *dd = NULL;
        ck_assert_msg(emb_drilldown_compute(t, lf, "CHN", "EU27", &o, &dd) == EMB_OK, "%s",
                      emb_errmsg());
        EMB_ASSERT_CLOSE(emb_drilldown_flow(dd, 0), ref, 1e-9, 0);
        double sum = 0;
        size_t n = emb_drilldown_n_rows(dd, 0);
        for (size_t i = 0; i < n; i++) {
            emb_drilldown_row r;
            emb_drilldown_row_get(dd, 0, i, &r);
            sum += r.value;
        }
        EMB_ASSERT_CLOSE(sum, ref, 1e-9, 0);
        if (views[v] == EMB_DRILL_ORIGIN_SECTOR)
            ck_assert_uint_eq(n, 35);
        if (views[v] == EMB_DRILL_FINAL_PRODUCT)
            ck_assert_uint_eq(n, 1435);
        /* CHN's largest contributor: electricity (c17) by origin sector */
        emb_drilldown_row top;
        emb_drilldown_row_get(dd, 0, 0, &top);
        if (views[v] == EMB_DRILL_ORIGIN_SECTOR)
            ck_assert_str_eq(t->sectors[top.origin_sector], "c17");
        emb_drilldown_free(dd);
    }
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

START_TEST(cbam_wiod)
{
    emb_table *t = wiod();
    emb_cbam_concordance *conc = NULL;
    ck_assert_msg(emb_cbam_concordance_read(emb_test_src_path("datasets/cbam/wiod2013.csv"), t,
                                            &conc) == EMB_OK, "%s", emb_errmsg());
    emb_leontief *lf = NULL;
    ck_assert_int_eq(emb_leontief_create(t, NULL, &lf), EMB_OK);
    emb_cbam_opts o = {.importer = "EU27", .stressor = "CO2/air", .price = 80,
                       .currency_per_unit = 0.72e6, .identity_tol = 1e-9};
    emb_cbam *c = NULL;
    ck_assert_msg(emb_cbam_compute(t, lf, conc, &o, &c) == EMB_OK, "%s", emb_errmsg());
    /* 14 exporters outside the EU27 (41 - 27), 6 groups in the concordance */
    ck_assert_uint_eq(emb_cbam_n_rows(c), 3 * (14 * 6 + 14 + 6 + 1));
    double chn = 0, total = 0, best = 0;
    long best_r = -1;
    for (size_t i = 0; i < emb_cbam_n_rows(c); i++) {
        emb_cbam_row r;
        emb_cbam_row_get(c, i, &r);
        if (r.group != -1 || r.basis != EMB_CBAM_DIRECT_ELECTRICITY)
            continue;
        ck_assert(r.emissions_t > 0 && r.import_value > 0);
        if (r.exporter == -1) {
            total = r.cost_eur;
            continue;
        }
        if (!strcmp(t->regions[r.exporter], "CHN"))
            chn = r.cost_eur;
        if (r.cost_eur > best)
            best = r.cost_eur, best_r = r.exporter;
        /* the supply chain is an upper bound of the direct bases */
        emb_cbam_row sc;
        emb_cbam_row_get(c, i + 1, &sc);
        ck_assert_int_eq(sc.basis, EMB_CBAM_SUPPLY_CHAIN);
        ck_assert(sc.emissions_t >= r.emissions_t);
    }
    ck_assert(chn > 0 && total > chn);
    ck_assert_int_ge(best_r, 0);
    char *dir = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/summary.txt", dir);
    ck_assert_int_eq(emb_cbam_write_summary(c, t, p), EMB_OK);
    char *text = slurp(p);
    char want[64];
    snprintf(want, sizeof want, "   1 %-10s ", t->regions[best_r]);
    ck_assert_msg(strstr(text, want), "summary does not rank %s first:\n%s", t->regions[best_r], text);
    free(text);
    emb_test_rmtree(dir);
    free(dir);
    emb_cbam_free(c);
    emb_leontief_free(lf);
    emb_cbam_concordance_free(conc);
    emb_table_free(t);
}
END_TEST

/* The CLI end to end: import the zip, `flows --by` (not read as --by-sector)
 * and `cbam` printing the ranking. */
START_TEST(cli_wiod)
{
    const char *build = getenv("EMB_BUILD_ROOT");
    ck_assert_ptr_nonnull(build);
    char *dir = emb_test_tmpdir();
    char cmd[8192];
    const char *exe = emb_test_pathf("%s/embodied", build);
    const char *h5 = emb_test_pathf("%s/wiod.h5", dir);
    snprintf(cmd, sizeof cmd, "'%s' import pymrio '%s/wiod2013-2009-co2.zip' -o '%s' 2>/dev/null", exe,
             shared, h5);
    ck_assert_int_eq(system(cmd), 0);
    const char *eu = "EU27=AUT,BEL,BGR,CYP,CZE,DEU,DNK,ESP,EST,FIN,FRA,GBR,GRC,HUN,IRL,ITA,LTU,LUX,"
                     "LVA,MLT,NLD,POL,PRT,ROM,SVK,SVN,SWE";
    const char *csv = emb_test_pathf("%s/d.csv", dir);
    snprintf(cmd, sizeof cmd, "'%s' flows '%s' -g %s --from CHN --to EU27 --by final-product "
                              "--top 5 -o '%s' 2>/dev/null", exe, h5, eu, csv);
    ck_assert_int_eq(system(cmd), 0);
    char *text = slurp(csv);
    /* header, 5 rows, other: 7 lines summing to the flow */
    double sum = 0;
    int lines = 0;
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"), lines++) {
        if (lines == 0)
            continue;
        /* value is the 9th field */
        char *f = l;
        for (int k = 0; k < 8; k++)
            f = strchr(f, ',') + 1;
        sum += strtod(f, NULL);
    }
    ck_assert_int_eq(lines, 7);
    EMB_ASSERT_CLOSE(sum, 325529.47861896653, 1e-9, 0);
    free(text);
    const char *out = emb_test_pathf("%s/cbam.out", dir);
    snprintf(cmd, sizeof cmd, "'%s' cbam '%s' -g %s --importer EU27 --concordance '%s' "
                              "--exporter-price USA=10 > '%s' 2>/dev/null",
             exe, h5, eu, emb_test_src_path("datasets/cbam/wiod2013.csv"), out);
    ck_assert_int_eq(system(cmd), 0);
    text = slurp(out);
    ck_assert_ptr_nonnull(strstr(text, "ranked by cost on the direct_electricity basis"));
    ck_assert_ptr_nonnull(strstr(text, "   1 "));
    ck_assert_ptr_nonnull(strstr(text, " CHN "));
    free(text);
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("trade_shared");
    Suite *s = suite_create("trade_shared");
    TCase *tc = tcase_create("wiod");
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, chn_eu27_drilldown, 0, 3);
    tcase_add_test(tc, cbam_wiod);
    tcase_add_test(tc, cli_wiod);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
