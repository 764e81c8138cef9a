/* tests/test_access.c — the accessors of embodied/table.h and
 * embodied/accounts.h (what a binding uses instead of the structs) and
 * emb_table_from_arrays: a table from the caller's arrays gives the same
 * accounts as the same table read from datasets/demo.h5, and bad arguments
 * are usage errors naming the argument. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The hand-solved 2 x 2 table of test_accounts.c, as caller arrays. */
static const double Z2[16] = {0, 20, 0, 30, 0, 0, 0, 0, 0, 40, 0, 10, 0, 0, 0, 0};
static const double Y2[8] = {40, 10, 150, 50, 50, 300, -10, 110};
static const double F2[4] = {10, 40, 80, 5};
static const double FY2[2] = {7, 3};
static const char *R2[] = {"R1", "R2"}, *S2[] = {"s1", "s2"}, *C2[] = {"households"},
                  *K2[] = {"CO2"}, *U2[] = {"kt"};

static emb_table *hand_table(void)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z2, NULL, Y2, F2, FY2, R2, S2,
                                           C2, K2, U2, &t),
                     EMB_OK);
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(table_accessors)
{
    emb_table *t = hand_table();
    ck_assert_uint_eq(emb_table_n_regions(t), 2);
    ck_assert_uint_eq(emb_table_n_sectors(t), 2);
    ck_assert_uint_eq(emb_table_n_fd_categories(t), 1);
    ck_assert_uint_eq(emb_table_n_stressors(t), 1);
    ck_assert_uint_eq(emb_table_n_industries(t), 4);
    ck_assert_uint_eq(emb_table_n_fd_columns(t), 2);
    ck_assert_int_eq(emb_table_tech_kind(t), EMB_TECH_Z);
    ck_assert_uint_eq(emb_table_label_count(t, EMB_LABEL_REGION), 2);
    ck_assert_uint_eq(emb_table_label_count(t, EMB_LABEL_STRESSOR_UNIT), 1);
    ck_assert_str_eq(emb_table_label(t, EMB_LABEL_REGION, 1), "R2");
    ck_assert_str_eq(emb_table_label(t, EMB_LABEL_SECTOR, 0), "s1");
    ck_assert_str_eq(emb_table_label(t, EMB_LABEL_FD_CATEGORY, 0), "households");
    ck_assert_str_eq(emb_table_label(t, EMB_LABEL_STRESSOR, 0), "CO2");
    ck_assert_str_eq(emb_table_label(t, EMB_LABEL_STRESSOR_UNIT, 0), "kt");
    ck_assert_ptr_null(emb_table_label(t, EMB_LABEL_REGION, 2));
    ck_assert_ptr_null(emb_table_label(t, (emb_label_kind)99, 0));
    ck_assert_uint_eq(emb_table_label_count(t, (emb_label_kind)99), 0);

    size_t r, c;
    const double *Y = emb_table_array(t, EMB_TABLE_Y, &r, &c);
    ck_assert_ptr_nonnull(Y);
    ck_assert(r == 4 && c == 2);
    ck_assert(memcmp(Y, Y2, sizeof Y2) == 0);
    const double *F = emb_table_array(t, EMB_TABLE_F, &r, &c);
    ck_assert(F && r == 1 && c == 4 && memcmp(F, F2, sizeof F2) == 0);
    const double *FY = emb_table_array(t, EMB_TABLE_F_Y, &r, &c);
    ck_assert(FY && r == 1 && c == 2 && FY[0] == 7 && FY[1] == 3);
    ck_assert_ptr_null(emb_table_array(t, EMB_TABLE_X, &r, &c)); /* Z table without x */
    ck_assert(r == 0 && c == 0);
    ck_assert_ptr_null(emb_table_array(t, (emb_table_field)42, &r, NULL));
    ck_assert_uint_eq(r, 0);
    ck_assert_str_eq(emb_table_path(t), "");
    ck_assert_int_eq(emb_table_set_path(t, "mine.h5"), EMB_OK);
    ck_assert_str_eq(emb_table_path(t), "mine.h5");

    ck_assert_uint_eq(emb_table_n_groups(t), 0);
    ck_assert_ptr_null(emb_table_group_name(t, 0));
    ck_assert_int_eq(emb_table_add_group_spec(t, "BOTH=R2,R1"), EMB_OK);
    ck_assert_uint_eq(emb_table_n_groups(t), 1);
    ck_assert_str_eq(emb_table_group_name(t, 0), "BOTH");
    size_t n;
    const size_t *m = emb_table_group_members(t, 0, &n);
    ck_assert(m && n == 2 && m[0] == 1 && m[1] == 0);
    ck_assert_ptr_null(emb_table_group_members(t, 1, &n));
    ck_assert_uint_eq(n, 0);

    /* NULL table: zeros and NULLs, no crash. */
    ck_assert_uint_eq(emb_table_n_regions(NULL) + emb_table_n_industries(NULL) +
                          emb_table_n_groups(NULL) + emb_table_label_count(NULL, EMB_LABEL_REGION),
                      0);
    ck_assert_ptr_null(emb_table_label(NULL, EMB_LABEL_REGION, 0));
    ck_assert_ptr_null(emb_table_array(NULL, EMB_TABLE_Y, &r, &c));
    ck_assert_str_eq(emb_table_path(NULL), "");
    emb_table_free(t);

    /* A table: x is there. */
    const double A[4] = {0, 0.25, 0.5, 0}, x[2] = {100, 80}, Y1[2] = {75, 30}, F1[2] = {1, 2};
    const char *r1[] = {"R"}, *s1[] = {"a", "b"}, *c1[] = {"h"}, *k1[] = {"CO2"}, *u1[] = {"kt"};
    ck_assert_int_eq(emb_table_from_arrays(1, 2, 1, 1, EMB_TECH_A, A, x, Y1, F1, NULL, r1, s1, c1,
                                           k1, u1, &t),
                     EMB_OK);
    ck_assert_int_eq(emb_table_tech_kind(t), EMB_TECH_A);
    const double *xp = emb_table_array(t, EMB_TABLE_X, &r, &c);
    ck_assert(xp && r == 2 && c == 1 && xp[0] == 100 && xp[1] == 80);
    FY = emb_table_array(t, EMB_TABLE_F_Y, &r, &c); /* NULL F_Y: zeros */
    ck_assert(FY && FY[0] == 0);
    emb_table_free(t);
}
END_TEST

START_TEST(accounts_accessors)
{
    emb_table *t = hand_table();
    ck_assert_int_eq(emb_table_add_group_spec(t, "BOTH=R1,R2"), EMB_OK);
    emb_accounts *acc = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &acc), EMB_OK);
    ck_assert_uint_eq(emb_accounts_n_stressors(acc), 1);
    ck_assert_uint_eq(emb_accounts_n_regions(acc), 2);
    ck_assert_uint_eq(emb_accounts_n_sectors(acc), 2);
    ck_assert_uint_eq(emb_accounts_n_industries(acc), 4);
    ck_assert_uint_eq(emb_accounts_n_groups(acc), 1);
    /* Each field points at its array, with its size. */
    const struct {
        emb_accounts_field f;
        const double *p;
        size_t n;
    } want[] = {
        {EMB_ACC_PBA, acc->pba, 2},         {EMB_ACC_CBA, acc->cba, 2},
        {EMB_ACC_IMPORTS, acc->imports, 2}, {EMB_ACC_EXPORTS, acc->exports, 2},
        {EMB_ACC_UNALLOCATED, acc->unallocated, 2}, {EMB_ACC_FY, acc->fy, 2},
        {EMB_ACC_FLOWS, acc->flows, 4},     {EMB_ACC_M, acc->M, 4},
        {EMB_ACC_X, acc->x, 4},             {EMB_ACC_G_PBA, acc->g_pba, 1},
        {EMB_ACC_G_CBA, acc->g_cba, 1},     {EMB_ACC_G_IMPORTS, acc->g_imports, 1},
        {EMB_ACC_G_EXPORTS, acc->g_exports, 1}, {EMB_ACC_G_UNALLOCATED, acc->g_unallocated, 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n = 99;
        const double *p = emb_accounts_array(acc, want[i].f, &n);
        ck_assert_msg(p == want[i].p && p != NULL && n == want[i].n, "field %d: %p (%zu) vs %p (%zu)",
                      (int)want[i].f, (const void *)p, n, (const void *)want[i].p, want[i].n);
    }
    /* Not computed without per_sector / flows_by_sector; unknown field. */
    const emb_accounts_field absent[] = {EMB_ACC_D_CBA, EMB_ACC_D_PBA, EMB_ACC_D_IMP,
                                         EMB_ACC_D_EXP, EMB_ACC_FLOWS_BY_SECTOR,
                                         (emb_accounts_field)1000};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        size_t n = 99;
        ck_assert_ptr_null(emb_accounts_array(acc, absent[i], &n));
        ck_assert_uint_eq(n, 0);
    }
    ck_assert(emb_accounts_residual_solve(acc) == acc->residual_solve);
    ck_assert(emb_accounts_residual_tsolve(acc) == acc->residual_tsolve);
    ck_assert(emb_accounts_rcond(acc) > 0 && emb_accounts_rcond(acc) == acc->rcond);
    ck_assert(emb_accounts_identity_error(acc) == acc->identity_error);
    ck_assert_str_eq(emb_accounts_solver_name(acc), emb_solver_name(acc->solver.kind));
    emb_accounts_free(acc);

    emb_accounts_opts o = {0};
    o.per_sector = o.flows_by_sector = 1;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &acc), EMB_OK);
    size_t n;
    ck_assert(emb_accounts_array(acc, EMB_ACC_D_CBA, &n) == acc->D_cba && n == 4);
    ck_assert(emb_accounts_array(acc, EMB_ACC_D_EXP, &n) == acc->D_exp && n == 4);
    ck_assert(emb_accounts_array(acc, EMB_ACC_FLOWS_BY_SECTOR, &n) == acc->flows_by_sector &&
              n == 8);
    emb_accounts_free(acc);

    ck_assert_uint_eq(emb_accounts_n_regions(NULL) + emb_accounts_n_groups(NULL), 0);
    ck_assert_ptr_null(emb_accounts_array(NULL, EMB_ACC_PBA, &n));
    ck_assert(isnan(emb_accounts_rcond(NULL)));
    ck_assert_ptr_null(emb_accounts_solver_name(NULL));
    emb_table_free(t);
}
END_TEST

/* The demo table read from datasets/demo.h5, and the same arrays and labels
 * handed to emb_table_from_arrays: the same accounts, array by array. */
START_TEST(from_arrays_matches_demo)
{
    emb_table *file = NULL, *mem = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_src_path("datasets/demo.h5"), EMB_READ_DEFAULT,
                                       &file),
                     EMB_OK);
    ck_assert_int_eq(emb_table_tech_kind(file), EMB_TECH_Z);
    const size_t n_r = emb_table_n_regions(file), n_s = emb_table_n_sectors(file),
                 n_f = emb_table_n_fd_categories(file), k = emb_table_n_stressors(file),
                 N = emb_table_n_industries(file);
    double *Z = malloc(N * N * sizeof *Z);
    ck_assert_ptr_nonnull(Z);
    ck_assert_int_eq(emb_table_tech_rows(file, 0, N, Z), EMB_OK); /* streamed from the file */
    const char **lab[5];
    const emb_label_kind kinds[5] = {EMB_LABEL_REGION, EMB_LABEL_SECTOR, EMB_LABEL_FD_CATEGORY,
                                     EMB_LABEL_STRESSOR, EMB_LABEL_STRESSOR_UNIT};
    for (int i = 0; i < 5; i++) {
        size_t n = emb_table_label_count(file, kinds[i]);
        lab[i] = malloc((n ? n : 1) * sizeof *lab[i]);
        for (size_t j = 0; j < n; j++)
            lab[i][j] = emb_table_label(file, kinds[i], j);
    }
    ck_assert_int_eq(emb_table_from_arrays(n_r, n_s, n_f, k, EMB_TECH_Z, Z,
                                           emb_table_array(file, EMB_TABLE_X, NULL, NULL),
                                           emb_table_array(file, EMB_TABLE_Y, NULL, NULL),
                                           emb_table_array(file, EMB_TABLE_F, NULL, NULL),
                                           emb_table_array(file, EMB_TABLE_F_Y, NULL, NULL),
                                           lab[0], lab[1], lab[2], lab[3], lab[4], &mem),
                     EMB_OK);
    free(Z); /* copied: the caller's arrays may go at once */
    for (int i = 0; i < 5; i++)
        free(lab[i]);
    /* The file's groups, through the accessors. */
    for (size_t g = 0; g < emb_table_n_groups(file); g++) {
        size_t n;
        const size_t *m = emb_table_group_members(file, g, &n);
        const char **names = malloc(n * sizeof *names);
        for (size_t j = 0; j < n; j++)
            names[j] = emb_table_label(file, EMB_LABEL_REGION, m[j]);
        ck_assert_int_eq(emb_table_add_group(mem, emb_table_group_name(file, g), n, names), EMB_OK);
        free(names);
    }
    emb_accounts *a = NULL, *b = NULL;
    ck_assert_int_eq(emb_accounts_compute(file, NULL, &a), EMB_OK);
    ck_assert_int_eq(emb_accounts_compute(mem, NULL, &b), EMB_OK);
    ck_assert_uint_eq(emb_accounts_n_groups(a), emb_accounts_n_groups(b));
    for (int f = EMB_ACC_PBA; f <= EMB_ACC_G_UNALLOCATED; f++) {
        size_t na, nb;
        const double *pa = emb_accounts_array(a, (emb_accounts_field)f, &na);
        const double *pb = emb_accounts_array(b, (emb_accounts_field)f, &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert((pa == NULL) == (pb == NULL));
        for (size_t i = 0; i < na; i++)
            ck_assert_msg(emb_test_close(pa[i], pb[i], 1e-12, 1e-9), "field %d [%zu]: %.17g vs %.17g",
                          f, i, pa[i], pb[i]);
    }
    ck_assert(emb_accounts_array(a, EMB_ACC_PBA, NULL) != NULL);
    ck_assert_str_eq(emb_table_label(mem, EMB_LABEL_REGION, 1), emb_table_label(file, EMB_LABEL_REGION, 1));
    emb_accounts_free(a);
    emb_accounts_free(b);
    emb_table_free(mem);
    emb_table_free(file);
}
END_TEST

/* Missing arrays, zero sizes, empty labels, a bad kind: EMB_EUSAGE naming
 * the argument; bad values: emb_table_validate's EMB_EINPUT.  *out NULL. */
START_TEST(from_arrays_bad_arguments)
{
    emb_table *t = (emb_table *)&t; /* must be reset to NULL */
    const char *empty[] = {"R1", ""}, *nul[] = {NULL, "s2"};
#define FA(n_r, kind, T, x, Y, F, regions, sectors, stressors)                                     \
    emb_table_from_arrays(n_r, 2, 1, 1, kind, T, x, Y, F, NULL, regions, sectors, C2, stressors, U2, &t)
    ck_assert_int_eq(FA(2, EMB_TECH_Z, NULL, NULL, Y2, F2, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "emb_table_from_arrays: T") != NULL, "%s", emb_errmsg());
    ck_assert_ptr_null(t);
    ck_assert_int_eq(FA(2, EMB_TECH_A, Z2, NULL, Y2, F2, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "x (required with an A matrix)"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, NULL, F2, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "Y is NULL"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, NULL, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "F (k > 0 stressors) is NULL"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, F2, NULL, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "regions is NULL"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, F2, R2, S2, NULL), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "stressors is NULL"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(0, EMB_TECH_Z, Z2, NULL, Y2, F2, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "regions (0)"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, (emb_tech_kind)7, Z2, NULL, Y2, F2, R2, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "kind 7"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, F2, empty, S2, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "regions[1] is empty"), "%s", emb_errmsg());
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, F2, R2, nul, K2), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "sectors[0] is NULL"), "%s", emb_errmsg());
    ck_assert_ptr_null(t);
    ck_assert_int_eq(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z2, NULL, Y2, F2, NULL, R2, S2,
                                           C2, K2, U2, NULL),
                     EMB_EUSAGE);
    /* Values: emb_table_validate's checks, naming the dataset. */
    double Ybad[8];
    memcpy(Ybad, Y2, sizeof Ybad);
    Ybad[3] = NAN;
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Ybad, F2, R2, S2, K2), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "/Y") && strstr(emb_errmsg(), "NaN"), "%s", emb_errmsg());
    ck_assert_ptr_null(t);
    const char *dup[] = {"R1", "R1"};
    ck_assert_int_eq(FA(2, EMB_TECH_Z, Z2, NULL, Y2, F2, dup, S2, K2), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "duplicate region"), "%s", emb_errmsg());
    ck_assert_ptr_null(t);
#undef FA
}
END_TEST

/* Every allocation of emb_table_from_arrays may fail: EMB_ENOMEM, *out NULL,
 * no leak (ASan), until it succeeds. */
START_TEST(from_arrays_alloc_failure_loop)
{
    long k, failures = 0;
    emb_status st = EMB_ENOMEM;
    for (k = 0; k < 1000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        st = emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z2, NULL, Y2, F2, FY2, R2, S2, C2, K2,
                                   U2, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            emb_table_free(t);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
        ck_assert_ptr_null(t);
        failures++;
    }
    ck_assert_int_eq(st, EMB_OK);
    ck_assert_int_gt(failures, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("access");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, table_accessors);
    tcase_add_test(tc, accounts_accessors);
    tcase_add_test(tc, from_arrays_matches_demo);
    tcase_add_test(tc, from_arrays_bad_arguments);
    tcase_add_test(tc, from_arrays_alloc_failure_loop);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
