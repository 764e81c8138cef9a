/* tests/test_groups_shared.c — the shipped WIOD 2013 group files on the real
 * WIOD 2009 table (../shared): every wiod2013 file's members are regions of
 * the real label set; EU27_2009 (eu27_2009_wiod2013.csv) is exactly the EU27
 * of the pymrio reference and gives its grouped PBA, CBA, imports, exports
 * and the CHN <-> EU27 flows (1e-9); and through the CLI, a results file
 * queried with `--groups eu27_2009` answers the reference CHN -> EU27 flow
 * without solving, while `--groups eu27` picks the WIOD EU27 of 2020 (26
 * members: Croatia is in WIOD's RoW). */
#include "embodied/embodied.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *shared;
static char *tmp;

/* The EU27 of shared/README.md (the reference's grouping). */
static const char *EU27_2009[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                                  "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                                  "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

static void setup(void) { tmp = emb_test_tmpdir(); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

static emb_table *wiod(void)
{
    emb_table *t = NULL;
    const char *path = emb_test_pathf("%s/wiod2013-2009-co2.zip", shared);
    ck_assert_msg(emb_import_pymrio(path, NULL, &t) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->n_r, 41);
    return t;
}

static const char *group_file(const char *name)
{
    return emb_test_src_path(emb_test_pathf("datasets/groups/%s.csv", name));
}

/* Row `name` of a reference CSV (one header line, one index column). */
static const double *ref_row(const emb_test_csv *c, const char *name)
{
    for (size_t i = 0; i < c->rows; i++)
        if (!strcmp(c->first[i], name))
            return c->v + i * c->cols;
    ck_abort_msg("reference row %s missing", name);
    return NULL;
}

START_TEST(test_wiod_files_fit_real_labels)
{
    static const char *files[][2] = {{"eu27_wiod2013", "26"}, {"eu28_wiod2013", "27"},
                                     {"eu27_2009_wiod2013", "27"}, {"oecd_wiod2013", "30"},
                                     {"brics_wiod2013", "4"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        emb_table *t = wiod();
        ck_assert_msg(emb_table_add_groups_file(t, group_file(files[i][0])) == EMB_OK, "%s: %s",
                      files[i][0], emb_errmsg());
        ck_assert_uint_eq(t->n_groups, 1);
        ck_assert_uint_eq(t->groups[0].n, (size_t)atoi(files[i][1]));
        emb_table_free(t);
    }
    /* the files of the other codes do not fit WIOD's (ROM, no HRV, two-letter codes) */
    static const char *other[] = {"eu27_iso3", "eu27_exiobase3", "oecd_iso3", "brics_iso3"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        emb_table *t = wiod();
        ck_assert_int_eq(emb_table_add_groups_file(t, group_file(other[i])), EMB_EINPUT);
        ck_assert_uint_eq(t->n_groups, 0);
        emb_table_free(t);
    }
}
END_TEST

START_TEST(test_eu27_2009_gives_reference)
{
    emb_table *t = wiod();
    ck_assert_int_eq(emb_table_add_groups_file(t, group_file("eu27_2009_wiod2013")), EMB_OK);
    const emb_group *g = &t->groups[0];
    ck_assert_str_eq(g->name, "EU27_2009");
    ck_assert_uint_eq(g->n, 27);
    for (size_t i = 0; i < 27; i++) {
        int found = 0;
        for (size_t m = 0; m < g->n; m++)
            found |= !strcmp(t->regions[g->members[m]], EU27_2009[i]);
        ck_assert_msg(found, "%s missing", EU27_2009[i]);
    }
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    const char *dir = emb_test_pathf("%s/wiod2013-2009-co2.reference", shared);
    emb_test_csv pc = emb_test_csv_read(emb_test_pathf("%s/pba_cba_grouped_Gg.csv", dir), 1, 1);
    const double *eu = ref_row(&pc, "EU27");
    /* columns: PBA industries, F_Y, PBA total, CBA total, imports, exports, net */
    EMB_ASSERT_CLOSE(a->g_pba[0], eu[2], 1e-9, 0);
    EMB_ASSERT_CLOSE(a->g_cba[0], eu[3], 1e-9, 0);
    emb_test_csv_free(&pc);
    emb_test_csv bg = emb_test_csv_read(emb_test_pathf("%s/bilateral_co2_grouped_Gg.csv", dir), 1, 1);
    /* header: producing_region,CHN,EU27,USA,... */
    double v;
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "CHN", "EU27_2009", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, ref_row(&bg, "CHN")[1], 1e-9, 0);
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "EU27_2009", "CHN", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, ref_row(&bg, "EU27")[0], 1e-9, 0);
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "EU27_2009", "EU27_2009", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, ref_row(&bg, "EU27")[1], 1e-9, 0);
    emb_test_csv_free(&bg);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

static int cli(const char *args, char **out, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/embodied' %s >out.txt 2>err.txt", tmp,
             b ? b : "build", args);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed", cmd);
    size_t n;
    *out = emb_test_slurp(emb_test_pathf("%s/out.txt", tmp), &n);
    *err = emb_test_slurp(emb_test_pathf("%s/err.txt", tmp), &n);
    return WEXITSTATUS(rc);
}

START_TEST(test_cli_results_file_with_shipped_groups)
{
    emb_table *t = wiod();
    ck_assert_int_eq(emb_table_write_h5(t, emb_test_pathf("%s/w.h5", tmp), NULL), EMB_OK);
    emb_table_free(t);
    char *o, *e;
    ck_assert_int_eq(cli("accounts w.h5 -q -o r.h5", &o, &e), 0);
    free(o);
    free(e);
    /* groups defined on the results file: flows are member sums, read, not solved */
    ck_assert_int_eq(cli("flows r.h5 --groups eu27_2009 --from CHN --to EU27_2009 --csv", &o, &e), 0);
    ck_assert_msg(strstr(e, "eu27_2009_wiod2013.csv (EU27_2009: 27 regions)") &&
                      strstr(e, "read from results file"), "%s", e);
    const char *line = strstr(o, "\nco2/CO2/air,Gg,CHN,EU27_2009,");
    ck_assert_msg(line, "%s", o);
    double v = strtod(strrchr(line + 1, ',') + 1, NULL);
    EMB_ASSERT_CLOSE(v, 325529.47861896653, 1e-9, 0); /* bilateral_co2_grouped_Gg.csv */
    free(o);
    free(e);
    ck_assert_int_eq(cli("accounts r.h5 --groups eu27_2009 --csv c", &o, &e), 0);
    ck_assert_msg(strstr(o, "\nEU27_2009 "), "%s", o);
    free(o);
    free(e);
    size_t n;
    char *csv = emb_test_slurp(emb_test_pathf("%s/c/accounts.csv", tmp), &n);
    line = strstr(csv, "\nco2/CO2/air,Gg,EU27_2009,");
    ck_assert_msg(line && strstr(line, ",group\n"), "%s", csv);
    char *end;
    double pba = strtod(line + strlen("\nco2/CO2/air,Gg,EU27_2009,"), &end),
           cba = strtod(end + 1, NULL);
    EMB_ASSERT_CLOSE(pba, 4020179.427959288, 1e-9, 0); /* pba_cba_grouped_Gg.csv */
    EMB_ASSERT_CLOSE(cba, 4711965.50733336, 1e-9, 0);
    free(csv);
    ck_assert_int_eq(cli("flows r.h5 --groups eu27 --from CHN --to EU27 --csv", &o, &e), 0);
    ck_assert_msg(strstr(e, "eu27_wiod2013.csv (EU27: 26 regions)"), "%s", e);
    free(o);
    free(e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("groups_shared");
    TCase *tc = tcase_create("wiod");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_wiod_files_fit_real_labels);
    tcase_add_test(tc, test_eu27_2009_gives_reference);
    tcase_add_test(tc, test_cli_results_file_with_shipped_groups);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    shared = emb_test_require_shared("groups_shared");
    return emb_test_run(suite());
}
