/* tests/test_accounts.c — the Leontief solver and the accounts on small
 * systems solved by hand.
 *
 * The hand system: 2 regions (R1, R2) x 2 sectors (s1, s2), one FD category,
 * one stressor.  Industries 0 = R1/s1, 1 = R1/s2, 2 = R2/s1, 3 = R2/s2.
 *   x = (100, 200, 400, 100)
 *   Z[0][1] = 20, Z[2][1] = 40, Z[0][3] = 30, Z[2][3] = 10 (all else 0), so
 *   A[0][1] = .1, A[2][1] = .2, A[0][3] = .3, A[2][3] = .1.  A's non-zero
 *   rows {0,2} meet its non-zero columns {1,3} nowhere, so A^2 = 0 and
 *   L = (I - A)^-1 = I + A exactly.
 *   Y (rows = industries, columns = R1, R2):  (40, 10), (150, 50), (50, 300), (-10, 110)
 *   (row totals 50, 200, 350, 100 = x - Z 1; -10 is an inventory drawdown).
 *   F = (10, 40, 80, 5) -> S = F / x = (.1, .2, .2, .05);  F_Y = (7, 3).
 * X = L Y:  column R1 = (40 + 15 - 3, 150, 30 + 50 - 1, -10) = (52, 150, 79, -10)
 *           column R2 = (10 + 5 + 33, 50, 10 + 300 + 11, 110) = (48, 50, 321, 110)
 * Flows B[o][d] = sum_{i in o} S_i X[i][d]:
 *   B[R1][R1] = 5.2 + 30 = 35.2    B[R1][R2] = 4.8 + 10 = 14.8
 *   B[R2][R1] = 15.8 - .5 = 15.3   B[R2][R2] = 64.2 + 5.5 = 69.7
 * PBA = (50 + 7, 85 + 3) = (57, 88);  CBA = (35.2 + 15.3 + 7, 14.8 + 69.7 + 3) = (57.5, 87.5)
 * imports = (15.3, 14.8), exports = (14.8, 15.3).
 * M = S L = (.1, .01 + .2 + .04, .2, .03 + .02 + .05) = (.1, .25, .2, .1).
 * Per sector (columns (d, j) = consuming region, final product):
 *   D_cba = (.1*40 + .2*50, .25*150 + .1*(-10), .1*10 + .2*300, .25*50 + .1*110) = (14, 36.5, 61, 23.5)
 *   D_imp: L applied to (d, j)'s demand, part made outside d:
 *     (R1,s1): L(40,0,50,0) = (40,0,50,0), R2 part .2*50 = 10
 *     (R1,s2): L(0,150,0,-10) = (12,150,29,-10), R2 part .2*29 - .05*10 = 5.3
 *     (R2,s1): L(10,0,300,0) = (10,0,300,0), R1 part .1*10 = 1
 *     (R2,s2): L(0,50,0,110) = (38,50,21,110), R1 part 3.8 + 10 = 13.8
 *   D_pba = F = (10, 40, 80, 5);  D_exp = S_i * (output for the other region)
 *     = (.1*48, .2*50, .2*79, .05*(-10)) = (4.8, 10, 15.8, -.5)
 */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

#define TOL 1e-13

static void check_hand(const emb_accounts *a)
{
    const double pba[2] = {57, 88}, cba[2] = {57.5, 87.5}, imp[2] = {15.3, 14.8},
                 exp_[2] = {14.8, 15.3}, B[4] = {35.2, 14.8, 15.3, 69.7}, M[4] = {.1, .25, .2, .1},
                 x[4] = {100, 200, 400, 100};
    for (int r = 0; r < 2; r++) {
        EMB_ASSERT_CLOSE(a->pba[r], pba[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->cba[r], cba[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->imports[r], imp[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->exports[r], exp_[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->unallocated[r], 0, TOL, 1);
    }
    for (int i = 0; i < 4; i++) {
        EMB_ASSERT_CLOSE(a->flows[i], B[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->M[i], M[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->x[i], x[i], TOL, 1);
    }
    ck_assert(a->residual_solve < 1e-15 && a->residual_tsolve < 1e-15);
    ck_assert(a->rcond > 0.1);
}

START_TEST(hand_system_Z)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.per_sector = 1, .flows_by_sector = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    check_hand(a);
    const double Dcba[4] = {14, 36.5, 61, 23.5}, Dimp[4] = {10, 5.3, 1, 13.8},
                 Dpba[4] = {10, 40, 80, 5}, Dexp[4] = {4.8, 10, 15.8, -.5};
    for (int i = 0; i < 4; i++) {
        EMB_ASSERT_CLOSE(a->D_cba[i], Dcba[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->D_imp[i], Dimp[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->D_pba[i], Dpba[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->D_exp[i], Dexp[i], TOL, 1);
    }
    /* flows by origin sector: S_i X[i][d] */
    const double fbs[4][2] = {{5.2, 4.8}, {30, 10}, {15.8, 64.2}, {-.5, 5.5}};
    for (int i = 0; i < 4; i++)
        for (int d = 0; d < 2; d++)
            EMB_ASSERT_CLOSE(a->flows_by_sector[i * 2 + d], fbs[i][d], TOL, 1);
    ck_assert_uint_eq(a->n_negative_Y, 1);
    ck_assert_uint_eq(a->n_zero_output, 0);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(hand_system_A_with_x)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_A, 1);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    check_hand(a);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(complete_x_from_A)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_A, 0);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    const double x[4] = {100, 200, 400, 100};
    for (int i = 0; i < 4; i++)
        EMB_ASSERT_CLOSE(t->x[i], x[i], TOL, 1);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    emb_table_free(t);
    t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    for (int i = 0; i < 4; i++)
        EMB_ASSERT_CLOSE(t->x[i], x[i], TOL, 1);
    emb_table_free(t);
}
END_TEST

START_TEST(groups_and_flow_lookup)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "ONE=R2"), EMB_OK);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    ck_assert_uint_eq(a->n_groups, 2);
    EMB_ASSERT_CLOSE(a->g_pba[0], 145, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_cba[0], 145, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_imports[0], 30.1, TOL, 1); /* sum of members (pymrio convention) */
    EMB_ASSERT_CLOSE(a->g_pba[1], 88, TOL, 1);
    double v;
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "R2", "R1", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, 15.3, TOL, 1);
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "WORLD", "R1", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, 50.5, TOL, 1);
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "WORLD", "WORLD", &v), EMB_OK);
    EMB_ASSERT_CLOSE(v, 135, TOL, 1);
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "MN", "R1", &v), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "'MN'"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_accounts_flow(a, t, 3, "R1", "R1", &v), EMB_EUSAGE);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* One region, two sectors; sector 2 has no output but emits 3 (the WIOD
 * quirk): pymrio would drop it; here it is unallocated and the totals close. */
START_TEST(zero_output_sector_is_unallocated)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(1, 2, 1, 1, EMB_TECH_Z, 1, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "MN");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "coal");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 1, "idle");
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "hh");
    emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "CO2");
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    t->T[0] = 25; /* x0 = 25 + 75 = 100, A00 = .25, L00 = 4/3 */
    t->Y[0] = 75;
    t->F[0] = 60;
    t->F[1] = 3;
    t->F_Y[0] = 1;
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    EMB_ASSERT_CLOSE(a->unallocated[0], 3, TOL, 1);
    EMB_ASSERT_CLOSE(a->pba[0], 61, TOL, 1);
    EMB_ASSERT_CLOSE(a->cba[0], 61, TOL, 1); /* .6 * 4/3 * 75 + 1 */
    EMB_ASSERT_CLOSE(a->M[0], 0.8, TOL, 1);
    EMB_ASSERT_CLOSE(a->M[1], 0, TOL, 1);
    ck_assert_uint_eq(a->n_zero_output, 1);
    ck_assert_uint_eq(a->n_zero_output_emitting, 1);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(non_productive_economy_is_numerical_error)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(1, 1, 1, 1, EMB_TECH_A, 1, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "X");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "s");
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "hh");
    emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "CO2");
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    emb_table_alloc_x(t);
    t->x[0] = 10;
    t->T[0] = 1.0; /* A = 1: I - A = 0 */
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_ENUMERIC);
    ck_assert_msg(strstr(emb_errmsg(), "singular"), "%s", emb_errmsg());
    ck_assert_ptr_null(a);
    emb_table_free(t);
}
END_TEST

START_TEST(negative_output_and_nan_are_input_errors)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    emb_table_set_path(t, "neg.h5");
    t->Y[2] = -500; /* row 1: x = 0 + (-500 + 50) < 0 */
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "neg.h5") && strstr(emb_errmsg(), "negative") &&
                      strstr(emb_errmsg(), "R1") && strstr(emb_errmsg(), "s2"), "%s", emb_errmsg());
    t->Y[2] = 150;
    t->T[6] = NAN; /* row 1, column 2 */
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "NaN") && strstr(emb_errmsg(), "row 1"), "%s", emb_errmsg());
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounts");
    TCase *tc = tcase_create("hand");
    tcase_add_test(tc, hand_system_Z);
    tcase_add_test(tc, hand_system_A_with_x);
    tcase_add_test(tc, complete_x_from_A);
    tcase_add_test(tc, groups_and_flow_lookup);
    tcase_add_test(tc, zero_output_sector_is_unallocated);
    tcase_add_test(tc, non_productive_economy_is_numerical_error);
    tcase_add_test(tc, negative_output_and_nan_are_input_errors);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
