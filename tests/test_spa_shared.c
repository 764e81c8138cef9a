/* tests/test_spa_shared.c — structural path analysis on real data: WIOD
 * 2013 release, year 2009 (../shared/testdata; 41 regions x 35 industries,
 * 824 negative final-demand entries, zero-output sectors that emit).  The
 * total of the paths into CHN's final demand is CHN's industry CBA from the
 * pymrio reference (D_cba_reg minus F_Y), the total of --from CHN --to EU27
 * the reference flow CHN -> EU27, and the largest chain is the README's
 * example (cement, c11, sold to construction, c18). */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *shared;

static const char *EU27[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                             "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                             "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

/* A value of the reference CSV: row `row`, column `col` (header names). */
static double ref_value(const char *file, const char *row, const char *col)
{
    size_t len;
    char *txt = emb_test_slurp(emb_test_pathf("%s/wiod2013-2009-co2.reference/%s", shared, file), &len);
    char *hdr_end = strchr(txt, '\n');
    *hdr_end = '\0';
    int c = 0, want = -1;
    for (char *h = txt, *comma; h; h = comma ? comma + 1 : NULL, c++) {
        comma = strchr(h, ',');
        if (comma)
            *comma = '\0';
        if (strcmp(h, col) == 0)
            want = c;
    }
    ck_assert_msg(want >= 0, "%s: no column %s", file, col);
    double v = NAN;
    for (char *line = hdr_end + 1; *line; line = strchr(line, '\n') + 1) {
        size_t n = strlen(row);
        if (strncmp(line, row, n) == 0 && line[n] == ',') {
            char *p = line;
            for (int k = 0; k < want; k++)
                p = strchr(p, ',') + 1;
            v = strtod(p, NULL);
            break;
        }
        if (!strchr(line, '\n'))
            break;
    }
    free(txt);
    ck_assert_msg(!isnan(v), "%s: no row %s", file, row);
    return v;
}

START_TEST(wiod_2009_china)
{
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(emb_test_pathf("%s/wiod2013-2009-co2.zip", shared), NULL, &t);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_add_group(t, "EU27", 27, EU27), EMB_OK);
    emb_spa_opts o = {.to = "CHN", .top = 20, .threshold = 1e-5};
    emb_spa_result *r = NULL;
    st = emb_spa_compute(t, &o, &r);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    double cba = ref_value("pba_cba_grouped_Gg.csv", "CHN", "CBA_total_Gg (=pymrio D_cba_reg)");
    double fy = ref_value("pba_cba_grouped_Gg.csv", "CHN", "household_direct_FY_Gg");
    EMB_ASSERT_CLOSE(r->total, cba - fy, 1e-9, 0);
    ck_assert_uint_eq(r->n_paths, 20);
    /* the largest chain: CHN c11 (non-metallic minerals) > CHN c18 (construction) */
    long chn = emb_table_region_index(t, "CHN");
    const size_t *nd = r->nodes + r->path_start[0];
    ck_assert_uint_eq(r->order[0], 1);
    ck_assert_str_eq(t->sectors[nd[0] % t->n_s], "c18");
    ck_assert_str_eq(t->sectors[nd[1] % t->n_s], "c11");
    ck_assert(nd[0] / t->n_s == (size_t)chn && nd[1] / t->n_s == (size_t)chn);
    ck_assert(r->value[0] > 0.08 * r->total && r->value[0] < 0.09 * r->total);
    ck_assert(r->sum_top < r->coverage && r->coverage < r->total);
    emb_spa_free(r);

    /* emitted in CHN for EU27's final demand: the reference flow */
    o = (emb_spa_opts){.to = "EU27", .from = "CHN", .top = 10, .threshold = 1e-5};
    st = emb_spa_compute(t, &o, &r);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    EMB_ASSERT_CLOSE(r->total, ref_value("bilateral_co2_grouped_Gg.csv", "CHN", "EU27"), 1e-9, 0);
    for (size_t p = 0; p < r->n_paths; p++) {
        const size_t *q = r->nodes + r->path_start[p];
        ck_assert_msg(q[r->order[p]] / t->n_s == (size_t)chn, "rank %zu emits outside CHN", p + 1);
    }
    emb_spa_free(r);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("spa_shared");
    Suite *s = suite_create("spa_shared");
    TCase *tc = tcase_create("wiod");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, wiod_2009_china);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
