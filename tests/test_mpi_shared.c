/* tests/test_mpi_shared.c — the scalapack solver on real data: pymrio's
 * test MRIO and WIOD 2009 (CO2), imported from ../shared/testdata, written
 * as tables and run with `mpirun -np P embodied accounts --solver
 * scalapack` for P = 1, 2, 3, 4; the results file must match pymrio's
 * references (1e-9: x and multipliers, per-sector and regional accounts,
 * the bilateral matrices) and every account of the serial dense solver
 * (1e-12, the EU27 group included). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embodied/embodied.h"
#include "mpiutil.h"
#include "testutil.h"

/* Set-up outside any test case (Check's asserts need one): bail out. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("Bail out! %s:%d: %s: %s\n", __FILE__, __LINE__, #cond, emb_errmsg());          \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define RTOL 1e-9
#define TIMEOUT 300

static const char *shared;
static char *dir;

static const int PS[] = {1, 2, 3, 4};
#define N_PS 4

static const char *EU27 = "EU27=AUT,BEL,BGR,CYP,CZE,DEU,DNK,ESP,EST,FIN,FRA,GBR,GRC,HUN,IRL,ITA,"
                          "LTU,LUX,LVA,MLT,NLD,POL,PRT,ROM,SVK,SVN,SWE";

static void import_write(const char *name, const char *h5)
{
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(emb_test_pathf("%s/%s", shared, name), NULL, &t);
    REQUIRE(st == EMB_OK);
    REQUIRE(emb_table_write_h5(t, emb_test_pathf("%s/%s", dir, h5), NULL) == EMB_OK);
    emb_table_free(t);
}

/* The results of P ranks on table h5 (options extra) and the serial dense
 * accounts of the same table, compared (1e-12); *out the results path. */
static emb_accounts *run_and_compare(const char *h5, int P, const char *extra, const char *group,
                                     char **out, emb_table **tout)
{
    char *tpath = strdup(emb_test_pathf("%s/%s", dir, h5));
    emb_table *t = NULL;
    ck_assert_msg(emb_table_read_h5(tpath, EMB_READ_DEFAULT, &t) == EMB_OK, "%s", emb_errmsg());
    if (group)
        ck_assert_int_eq(emb_table_add_group_spec(t, group), EMB_OK);
    emb_accounts_opts o = {.per_sector = strstr(extra, "--sectors") != NULL};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    *out = strdup(emb_test_pathf("%s/%s.p%d.results.h5", dir, h5, P));
    char *args = malloc(16384), *err = NULL;
    snprintf(args, 16384, "accounts '%s' -o '%s' --force --solver scalapack -q %s %s%s", tpath,
             *out, extra, group ? "-g " : "", group ? group : "");
    int rc = mpi_run(dir, P, args, TIMEOUT, &err);
    ck_assert_msg(rc == 0, "P = %d: exit %d: %s", P, rc, err);
    double worst = mpi_compare_results(*out, a, 1e-12, 1e-3);
    fprintf(stderr, "# %s, P = %d: worst relative difference from serial dense %.3g\n", h5, P,
            worst);
    free(args), free(err), free(tpath);
    *tout = t;
    return a;
}

static void compare_ref(const char *what, const char *out, const char *ds, size_t offset,
                        const char *ref, size_t nhdr, size_t nidx, size_t row0, size_t nrows)
{
    size_t n = 0;
    double *v = mpi_read_dataset(out, ds, &n);
    ck_assert_msg(v != NULL, "%s: no dataset %s", out, ds);
    emb_test_csv c = emb_test_csv_read(emb_test_pathf("%s/%s", shared, ref), nhdr, nidx);
    ck_assert_uint_le(offset + nrows * c.cols, n);
    emb_test_compare(what, v + offset, &c, row0, nrows, RTOL);
    emb_test_csv_free(&c);
    free(v);
}

START_TEST(pymrio_test_mrio)
{
    int P = PS[_i];
    char *out = NULL;
    emb_table *t = NULL;
    emb_accounts *a = run_and_compare("test_mrio.h5", P, "--sectors", NULL, &out, &t);
    size_t N = t->N, R = t->n_r;
    const char *R_ = "pymrio-test-mrio.reference/";
    compare_ref("x", out, "x", 0, emb_test_pathf("%sx.csv", R_), 1, 2, 0, N);
    const char *stressors[2] = {"emissions/emission_type1/air", "emissions/emission_type2/water"};
    for (int q = 0; q < 2; q++) {
        long s = emb_table_stressor_index(t, stressors[q]);
        ck_assert_int_ge(s, 0);
        const char *sec[][2] = {{"emissions_M.csv", "M"}, {"emissions_D_cba.csv", "D_cba"},
                                {"emissions_D_pba.csv", "D_pba"}, {"emissions_D_imp.csv", "D_imp"},
                                {"emissions_D_exp.csv", "D_exp"}};
        for (size_t f = 0; f < 5; f++)
            compare_ref(sec[f][0], out, sec[f][1], (size_t)s * N,
                        emb_test_pathf("%s%s", R_, sec[f][0]), 2, 2, (size_t)q, 1);
        const char *reg[][2] = {{"emissions_D_cba_reg.csv", "cba"}, {"emissions_D_pba_reg.csv", "pba"},
                                {"emissions_D_imp_reg.csv", "imports"},
                                {"emissions_D_exp_reg.csv", "exports"}};
        for (size_t f = 0; f < 4; f++)
            compare_ref(reg[f][0], out, reg[f][1], (size_t)s * R,
                        emb_test_pathf("%s%s", R_, reg[f][0]), 1, 2, (size_t)q, 1);
        compare_ref("bilateral", out, "flows", (size_t)s * R * R,
                    emb_test_pathf("%semissions_bilateral_emission_type%d.csv", R_, q + 1), 1, 1,
                    0, R);
    }
    free(out);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(wiod_2009)
{
    int P = PS[_i];
    char *out = NULL;
    emb_table *t = NULL;
    emb_accounts *a = run_and_compare("wiod2009.h5", P, "", EU27, &out, &t);
    size_t R = t->n_r;
    ck_assert_uint_eq(R, 41);
    const char *W = "wiod2013-2009-co2.reference/";
    const char *reg[][2] = {{"pymrio_co2_D_pba_reg.csv", "pba"}, {"pymrio_co2_D_cba_reg.csv", "cba"},
                            {"pymrio_co2_D_imp_reg.csv", "imports"},
                            {"pymrio_co2_D_exp_reg.csv", "exports"}};
    for (size_t f = 0; f < 4; f++)
        compare_ref(reg[f][0], out, reg[f][1], 0, emb_test_pathf("%s%s", W, reg[f][0]), 1, 2, 0, 1);
    compare_ref("M", out, "M", 0, emb_test_pathf("%spymrio_co2_M.csv", W), 2, 2, 0, 1);
    compare_ref("bilateral 41x41", out, "flows", 0,
                emb_test_pathf("%sbilateral_co2_41x41_Gg.csv", W), 1, 1, 0, R);
    /* EU27 as a group: the grouped reference's row (PBA, CBA, imports, exports) */
    emb_test_csv pc = emb_test_csv_read(emb_test_pathf("%s/%spba_cba_grouped_Gg.csv", shared, W),
                                        1, 1);
    size_t n = 0;
    const char *gds[4] = {"group_pba", "group_cba", "group_imports", "group_exports"};
    int found = 0;
    for (size_t i = 0; i < pc.rows; i++) {
        if (strcmp(pc.first[i], "EU27"))
            continue;
        found = 1;
        for (int c = 0; c < 4; c++) {
            double *g = mpi_read_dataset(out, gds[c], &n);
            ck_assert_ptr_nonnull(g);
            EMB_ASSERT_CLOSE(g[0], pc.v[i * pc.cols + 2 + (size_t)c], RTOL, 0);
            free(g);
        }
    }
    ck_assert(found);
    emb_test_csv_free(&pc);
    free(out);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("mpi_shared");
    dir = emb_test_tmpdir();
    if (!dir) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }
    import_write("pymrio-test-mrio", "test_mrio.h5");
    import_write("wiod2013-2009-co2.zip", "wiod2009.h5");
    Suite *s = suite_create("mpi_shared");
    TCase *tc = tcase_create("scalapack");
    tcase_set_timeout(tc, 2 * TIMEOUT);
    tcase_add_loop_test(tc, pymrio_test_mrio, 0, N_PS);
    tcase_add_loop_test(tc, wiod_2009, 0, N_PS);
    suite_add_tcase(s, tc);
    int rc = emb_test_run(s);
    emb_test_rmtree(dir);
    free(dir);
    return rc;
}
