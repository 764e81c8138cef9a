/* tests/test_per_capita.c — per-capita and intensity accounts
 * (src/accounts/intensity.c, src/core/population.c): a hand-solved table
 * with a population and a value-added row gives PBA and CBA per person and
 * per unit of value added for regions and groups (checked by hand and as
 * per_capita x population = account to 1e-12); nothing of it without the
 * denominators; the population survives the HDF5 format and is checked
 * there; the population CSV reader names every fault; the writers add the
 * columns and datasets only when they exist; every allocation failure is
 * clean. */
#include "embodied/embodied.h"
#include "core/alloc.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK(call)                                                                                   \
    do {                                                                                           \
        emb_status st_ = (call);                                                                   \
        ck_assert_msg(st_ == EMB_OK, "%s: %s (%s)", #call, emb_strerror(st_), emb_errmsg());     \
    } while (0)

/* The 2 x 2 hand table (tests/testutil.c) with a second row of F: value
 * added VA_j = x_j - sum_i Z_ij = {100, 140, 400, 60}, i.e. 240 for R1 and
 * 460 for R2 (zero F_Y).  PBA of CO2: R1 10 + 40 + 7 = 57, R2 80 + 5 + 3 = 88. */
static emb_table *hand(int with_population)
{
    static const double x[4] = {100, 200, 400, 100};
    static const double Z[16] = {0, 20, 0, 30, 0, 0, 0, 0, 0, 40, 0, 10, 0, 0, 0, 0};
    static const double Y[8] = {40, 10, 150, 50, 50, 300, -10, 110};
    static const double F[8] = {10, 40, 80, 5, 100, 140, 400, 60}, FY[4] = {7, 3, 0, 0};
    const char *regions[] = {"R1", "R2"}, *sectors[] = {"s1", "s2"}, *fd[] = {"households"},
               *str[] = {"CO2", "factor_inputs/Value Added"}, *units[] = {"kt", "M.EUR"};
    emb_table *t = NULL;
    OK(emb_table_from_arrays(2, 2, 1, 2, EMB_TECH_Z, Z, x, Y, F, FY, regions, sectors, fd, str,
                             units, &t));
    const char *g[] = {"R1", "R2"};
    OK(emb_table_add_group(t, "ALL", 2, g));
    if (with_population) {
        const double pop[2] = {1e6, 4e6};
        OK(emb_table_set_population(t, pop));
    }
    return t;
}

START_TEST(by_hand)
{
    emb_table *t = hand(1);
    ck_assert_int_eq(emb_table_value_added_stressor(t), 1);
    emb_accounts *a = NULL;
    OK(emb_accounts_compute(t, NULL, &a));
    size_t R = 2, G = 1;
    ck_assert(a->pba[0] == 57 && a->pba[1] == 88);
    /* per capita */
    ck_assert(a->population[0] == 1e6 && a->population[1] == 4e6 && a->g_population[0] == 5e6);
    ck_assert(a->pba_per_capita[0] == 57 / 1e6 && a->pba_per_capita[1] == 88 / 4e6);
    for (size_t s = 0; s < 2; s++)
        for (size_t r = 0; r < R; r++)
            ck_assert(a->cba_per_capita[s * R + r] == a->cba[s * R + r] / a->population[r]);
    ck_assert(a->g_pba_per_capita[0] == 145 / 5e6);
    ck_assert(a->g_cba_per_capita[0] == a->g_cba[0] / 5e6);
    ck_assert(a->per_capita_identity_error <= 1e-12);
    /* per unit of value added */
    ck_assert_int_eq(a->value_added_stressor, 1);
    ck_assert(a->value_added[0] == 240 && a->value_added[1] == 460 && a->g_value_added[0] == 700);
    ck_assert(a->pba_per_va[0] == 57.0 / 240 && a->pba_per_va[1] == 88.0 / 460);
    ck_assert(a->g_pba_per_va[0] == 145.0 / 700);
    for (size_t r = 0; r < R; r++) /* value added per unit of value added */
        EMB_ASSERT_CLOSE(a->pba_per_va[1 * R + r], 1.0, 1e-15, 0);
    ck_assert(a->cba_per_va[0] == a->cba[0] / 240);
    /* accessors */
    size_t n;
    ck_assert_ptr_eq(emb_accounts_array(a, EMB_ACC_CBA_PER_CAPITA, &n), a->cba_per_capita);
    ck_assert_uint_eq(n, 2 * R);
    ck_assert_ptr_eq(emb_accounts_array(a, EMB_ACC_G_POPULATION, &n), a->g_population);
    ck_assert_uint_eq(n, G);
    ck_assert_ptr_eq(emb_accounts_array(a, EMB_ACC_PBA_PER_VA, &n), a->pba_per_va);
    ck_assert_ptr_eq(emb_table_array(t, EMB_TABLE_POPULATION, &n, NULL), t->population);
    ck_assert_uint_eq(n, 2);
    emb_accounts_free(a);
    /* Only CO2 computed: value added still from the table's row. */
    const size_t only[] = {0};
    emb_accounts_opts o = {.stressors = only, .n_stressors = 1};
    OK(emb_accounts_compute(t, &o, &a));
    ck_assert_uint_eq(a->k, 1);
    ck_assert(a->value_added[1] == 460 && a->pba_per_va[1] == 88.0 / 460);
    ck_assert(a->pba_per_capita[1] == 88 / 4e6);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* No population, no value-added row: no such arrays, and the writers add
 * no column or dataset. */
START_TEST(absent_without_denominators)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 1);
    ck_assert_int_eq(emb_table_value_added_stressor(t), -1);
    emb_accounts *a = NULL;
    OK(emb_accounts_compute(t, NULL, &a));
    ck_assert_ptr_null(a->population);
    ck_assert_ptr_null(a->pba_per_capita);
    ck_assert_ptr_null(a->value_added);
    ck_assert_ptr_null(emb_accounts_array(a, EMB_ACC_POPULATION, NULL));
    char *dir = emb_test_tmpdir();
    OK(emb_results_write_csv(a, t, emb_test_pathf("%s/csv", dir)));
    size_t len;
    char *text = emb_test_slurp(emb_test_pathf("%s/csv/accounts.csv", dir), &len);
    const char *hdr = "stressor,unit,region,pba,cba,imports,exports,unallocated,balance,kind\n";
    ck_assert_msg(strncmp(text, hdr, strlen(hdr)) == 0, "%s", text);
    free(text);
    emb_test_rmtree(dir);
    free(dir);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* The writers: accounts.csv has population, pba_per_capita,
 * cba_per_capita, value_added, pba_per_va, cba_per_va (groups after
 * regions, with their sums); results.h5 the datasets; the summary the
 * columns and their units. */
START_TEST(writers)
{
    emb_table *t = hand(1);
    emb_accounts *a = NULL;
    OK(emb_accounts_compute(t, NULL, &a));
    char *dir = emb_test_tmpdir();
    const char *csv = emb_test_pathf("%s/csv", dir);
    OK(emb_results_write_csv(a, t, csv));
    size_t len;
    char *text = emb_test_slurp(emb_test_pathf("%s/accounts.csv", csv), &len);
    ck_assert_msg(strstr(text, "stressor,unit,region,pba,cba,imports,exports,unallocated,balance,"
                               "population,pba_per_capita,cba_per_capita,value_added,pba_per_va,"
                               "cba_per_va,kind\n"), "%s", text);
    ck_assert_msg(strstr(text, "\nCO2,kt,R1,57,"), "%s", text);
    ck_assert_msg(strstr(text, ",1000000,5.7e-05,"), "%s", text);
    ck_assert_msg(strstr(text, ",240,0.2375,"), "%s", text);
    ck_assert_msg(strstr(text, "\nCO2,kt,ALL,145,"), "%s", text);
    ck_assert_msg(strstr(text, ",5000000,2.9e-05,"), "%s", text);
    free(text);
    const char *h5 = emb_test_pathf("%s/r.h5", dir);
    OK(emb_results_write_h5(a, t, h5));
    hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    double v[4];
    hid_t d = H5Dopen2(f, "cba_per_capita", H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    ck_assert(memcmp(v, a->cba_per_capita, 4 * sizeof(double)) == 0);
    H5Dclose(d);
    static const char *const names[] = {"population", "pba_per_capita", "group_population",
                                        "group_pba_per_capita", "group_cba_per_capita",
                                        "value_added", "pba_per_value_added",
                                        "cba_per_value_added", "group_value_added",
                                        "group_pba_per_value_added",
                                        "group_cba_per_value_added"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(H5Lexists(f, names[i], H5P_DEFAULT) > 0, "no /%s", names[i]);
    H5Fclose(f);
    const char *sum = emb_test_pathf("%s/summary.txt", dir);
    OK(emb_results_write_summary(a, t, NULL, 0, sum));
    text = emb_test_slurp(sum, &len);
    ck_assert_msg(strstr(text, "PBA/cap") && strstr(text, "CBA/VA") &&
                      strstr(text, "/cap: kt per person; /VA: kt per M.EUR of value added"),
                  "%s", text);
    free(text);
    emb_test_rmtree(dir);
    free(dir);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* /population in the table file: written, read back bit for bit; a bad
 * value or shape is an input error naming the dataset. */
START_TEST(hdf5_round_trip)
{
    emb_table *t = hand(1), *b = NULL;
    char *dir = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/t.h5", dir);
    OK(emb_table_write_h5(t, p, NULL));
    OK(emb_table_read_h5(p, EMB_READ_DEFAULT, &b));
    ck_assert_ptr_nonnull(b->population);
    ck_assert(memcmp(b->population, t->population, 2 * sizeof(double)) == 0);
    emb_table_free(b);
    /* Zero persons. */
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "population", H5P_DEFAULT);
    const double bad[2] = {1e6, 0};
    ck_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, bad) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    ck_assert_int_eq(emb_table_read_h5(p, EMB_READ_DEFAULT, &b), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "dataset /population: 0 persons for region R2"), "%s",
                  emb_errmsg());
    /* Three values for two regions. */
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "population", H5P_DEFAULT);
    hsize_t dims[1] = {3};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    d = H5Dcreate2(f, "population", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    ck_assert_int_eq(emb_table_read_h5(p, EMB_READ_DEFAULT, &b), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "/population"), "%s", emb_errmsg());
    /* Without population: none. */
    emb_table_free(t);
    t = emb_test_hand_table(EMB_TECH_Z, 1);
    OK(emb_table_write_h5(t, p, NULL));
    OK(emb_table_read_h5(p, EMB_READ_DEFAULT, &b));
    ck_assert_ptr_null(b->population);
    emb_table_free(b);
    emb_test_rmtree(dir);
    free(dir);
    emb_table_free(t);
}
END_TEST

/* emb_table_read_population_csv: regions in any order; each fault one
 * message naming the file, line and column; the table unchanged. */
START_TEST(population_csv)
{
    emb_table *t = hand(0);
    char *dir = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/pop.csv", dir);
    emb_test_spits(p, "# persons, 2020\nregion,population\n\nR2,4.5e6\n\"R1\",1000\n");
    OK(emb_table_read_population_csv(t, p));
    ck_assert(t->population[0] == 1000 && t->population[1] == 4.5e6);
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"region,persons\nR1,1\nR2,2\n", "line 1: the header must be 'region,population'"},
        {"region,population\nR1,1\nR3,2\n", "line 3, column 1: unknown region 'R3'"},
        {"region,population\nR1,1\nR1,2\n", "line 3, column 1: region 'R1' listed twice"},
        {"region,population\nR1,1\n", "no population for region 'R2'"},
        {"region,population\nR1,0\nR2,2\n", "line 2, column 2: population 0 of region 'R1'"},
        {"region,population\nR1,-3\nR2,2\n", "population -3 of region 'R1'"},
        {"region,population\nR1,many\nR2,2\n", "line 2, column 2"},
        {"region,population\nR1,1,2\nR2,2\n", "expected 2 cells (region,population), found 3"},
        {"", "empty file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        emb_test_spits(p, bad[i].text);
        ck_assert_int_eq(emb_table_read_population_csv(t, p), EMB_EINPUT);
        ck_assert_msg(strstr(emb_errmsg(), bad[i].says), "case %zu: %s", i, emb_errmsg());
        ck_assert_msg(strstr(emb_errmsg(), "pop.csv"), "%s", emb_errmsg());
        ck_assert(t->population[0] == 1000 && t->population[1] == 4.5e6);
    }
    ck_assert_int_eq(emb_table_read_population_csv(t, emb_test_pathf("%s/none.csv", dir)),
                     EMB_EIO);
    const double neg[2] = {1, -1};
    ck_assert_int_eq(emb_table_set_population(t, neg), EMB_EINPUT);
    ck_assert(t->population[1] == 4.5e6);
    OK(emb_table_set_population(t, NULL));
    ck_assert_ptr_null(t->population);
    emb_test_rmtree(dir);
    free(dir);
    emb_table_free(t);
}
END_TEST

/* Every allocation of the accounts with population and value added fails
 * in turn: EMB_ENOMEM, nothing returned (ASan sees no leak), then success. */
START_TEST(allocation_failures)
{
    emb_table *t = hand(1);
    emb_status st = EMB_ENOMEM;
    long k;
    for (k = 0; k < 2000 && st == EMB_ENOMEM; k++) {
        emb_accounts *a = NULL;
        emb_alloc_fail_after(k);
        st = emb_accounts_compute(t, NULL, &a);
        emb_alloc_fail_after(-1);
        if (st == EMB_ENOMEM)
            ck_assert_ptr_null(a);
        emb_accounts_free(a);
    }
    ck_assert_msg(st == EMB_OK, "k = %ld: %s", k, emb_errmsg());
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("per_capita");
    TCase *tc = tcase_create("per_capita");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, by_hand);
    tcase_add_test(tc, absent_without_denominators);
    tcase_add_test(tc, writers);
    tcase_add_test(tc, hdf5_round_trip);
    tcase_add_test(tc, population_csv);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
