/* tests/test_tcba.c — technology-adjusted consumption-based accounts
 * (src/analysis/tcba.c): TCBA_r = CBA_r + sum_i ex_{r,i} (M_{r,i} - Mbar_i).
 *
 * Hand system (test_accounts.c's and test_eebt.c's): 2 regions x 2 sectors,
 * M = (.1, .25, .2, .1), CBA = (57.5, 87.5).  Gross exports to the other
 * region (Z and Y): R1: e_12 = (30 + 10, 0 + 50) = (40, 50);
 * R2: e_21 = (40 + 50, 0 - 10) = (90, -10) (an inventory drawdown makes the
 * export of R2/s2 negative).
 *   Mbar_s1 = (40 * .1 + 90 * .2) / (40 + 90) = 22/130 = 11/65
 *   Mbar_s2 = (50 * .25 + (-10) * .1) / (50 - 10) = 11.5/40 = .2875
 *   TCBA_1 = 57.5 + 40 (.1 - 11/65) + 50 (.25 - .2875) = 57.5 - 36/13 - 1.875 = 55.625 - 36/13
 *   TCBA_2 = 87.5 + 90 (.2 - 11/65) - 10 (.1 - .2875) = 87.5 + 36/13 + 1.875 = 89.375 + 36/13
 * (52.855769..., 92.144230...): R1 exports s1 cleaner than the world average
 * (.1 < .169) and is credited; world TCBA = 145 = world CBA.
 *
 * Generated tables: an independent long double computation of ex (straight
 * from Z and Y) and Mbar from the accounts' M, for every solver, with
 * zero-output sectors, negative final demand and groups; the identity to
 * 1e-10 of the world total; a sector label nobody exports (Mbar = 0). */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-13
#define RTOL 1e-10

START_TEST(hand_system)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "ONE=R1"), EMB_OK);
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.tcba = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    EMB_ASSERT_CLOSE(a->tcba[0], 55.625 - 36.0 / 13, TOL, 1);
    EMB_ASSERT_CLOSE(a->tcba[1], 89.375 + 36.0 / 13, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_tcba[0], 145, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_tcba[1], 55.625 - 36.0 / 13, TOL, 1);
    ck_assert(a->tcba_identity_error < 1e-15);
    ck_assert_ptr_null(a->eebt_cba); /* TCBA alone does not compute EEBT */
    size_t n;
    ck_assert(emb_accounts_array(a, EMB_ACC_TCBA, &n) == a->tcba && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_G_TCBA, &n) == a->g_tcba && n == 2);
    /* the MRIO CBA is untouched */
    EMB_ASSERT_CLOSE(a->cba[0], 57.5, TOL, 1);
    emb_accounts_free(a);
    /* added afterwards: the same numbers, bit for bit */
    emb_accounts *b = NULL, *c = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &c), EMB_OK);
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &b), EMB_OK);
    ck_assert_ptr_null(b->tcba);
    ck_assert_ptr_null(emb_accounts_array(b, EMB_ACC_TCBA, NULL));
    ck_assert_int_eq(emb_accounts_add_tcba(b, t, NULL), EMB_OK);
    ck_assert(memcmp(b->tcba, c->tcba, 2 * sizeof(double)) == 0);
    ck_assert(memcmp(b->g_tcba, c->g_tcba, 2 * sizeof(double)) == 0);
    ck_assert_int_eq(emb_accounts_add_tcba(b, NULL, NULL), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "emb_accounts_add_tcba"), "%s", emb_errmsg());
    emb_accounts_free(b);
    emb_accounts_free(c);
    emb_table_free(t);
}
END_TEST

/* A broken identity (a NaN multiplier planted in the accounts) is
 * EMB_ENUMERIC naming the identity and the stressor, and the accounts keep
 * no TCBA. */
START_TEST(identity_refused)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    double keep = a->M[1];
    a->M[1] = NAN;
    ck_assert_int_eq(emb_accounts_add_tcba(a, t, NULL), EMB_ENUMERIC);
    ck_assert_msg(strstr(emb_errmsg(), "world TCBA = world CBA") && strstr(emb_errmsg(), "CO2"),
                  "%s", emb_errmsg());
    ck_assert_ptr_null(a->tcba);
    a->M[1] = keep;
    ck_assert_int_eq(emb_accounts_add_tcba(a, t, NULL), EMB_OK);
    ck_assert_ptr_nonnull(a->tcba);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Independent TCBA in long double: ex from Z (purchases of zero-output
 * sectors dropped, as A drops them) and Y, M from the accounts. */
static void check_reference(const emb_table *t, const emb_accounts *a)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = t->k, nf = t->n_f, G = t->n_groups;
    const double *x = a->x;
    long double *ex = calloc(N, sizeof *ex);
    ck_assert_ptr_nonnull(ex);
    for (size_t i = 0; i < N; i++)
        for (size_t d = 0; d < R; d++) {
            if (d == i / ns)
                continue;
            for (size_t j = d * ns; j < (d + 1) * ns; j++)
                if (x[j] > 0)
                    ex[i] += t->T[i * N + j];
            for (size_t c = 0; c < nf; c++)
                ex[i] += t->Y[i * t->n_y + d * nf + c];
        }
    ck_assert_msg(a->tcba_identity_error <= RTOL, "identity error %g", a->tcba_identity_error);
    for (size_t s = 0; s < k; s++) {
        const double *M = a->M + s * N;
        double W = 0, wc = 0, wt = 0;
        for (size_t r = 0; r < R; r++) {
            W += fabs(a->pba[s * R + r]) + fabs(a->unallocated[s * R + r]);
            wc += a->cba[s * R + r];
            wt += a->tcba[s * R + r];
        }
        ck_assert_msg(fabs(wt - wc) <= RTOL * W, "world TCBA %.17g vs CBA %.17g", wt, wc);
        for (size_t r = 0; r < R; r++) {
            long double v = a->cba[s * R + r];
            for (size_t q = 0; q < ns; q++) {
                long double num = 0, den = 0;
                for (size_t o = 0; o < R; o++) {
                    num += ex[o * ns + q] * M[o * ns + q];
                    den += ex[o * ns + q];
                }
                long double mbar = den != 0 ? num / den : 0;
                v += ex[r * ns + q] * (M[r * ns + q] - mbar);
            }
            ck_assert_msg(fabsl(v - a->tcba[s * R + r]) <= RTOL * W,
                          "TCBA[%zu][%zu] %.17g vs reference %.17Lg", s, r, a->tcba[s * R + r], v);
        }
        for (size_t g = 0; g < G; g++) {
            double v = 0;
            for (size_t m = 0; m < t->groups[g].n; m++)
                v += a->tcba[s * R + t->groups[g].members[m]];
            ck_assert_msg(fabs(v - a->g_tcba[s * G + g]) <= RTOL * W, "group TCBA %zu", g);
        }
    }
    free(ex);
}

static emb_table *generated(uint64_t seed, int csr)
{
    emb_synth_opts so = emb_synth_defaults(5, 6, 3, 2, seed);
    so.zero_output_frac = 0.1;
    so.zero_output_emits = 1;
    so.negative_inventory = 1;
    so.with_F_Y = 1;
    so.csr = csr;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&so, &t) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_add_group_spec(t, "G=R001,R003,R005"), EMB_OK);
    return t;
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

START_TEST(generated_every_solver)
{
    emb_table *t = generated(31 + (uint64_t)_i, _i == 2);
    emb_table *dense = generated(31 + (uint64_t)_i, 0); /* the reference reads Z densely */
    emb_accounts *first = NULL;
    for (size_t kk = 0; kk < 3; kk++) {
        emb_accounts_opts o = {.tcba = 1, .eebt = (int)(kk & 1), .identity_tol = RTOL};
        o.solver.kind = KINDS[kk];
        emb_accounts *a = NULL;
        ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s: %s",
                      emb_solver_name(KINDS[kk]), emb_errmsg());
        ck_assert_uint_gt(a->n_negative_Y, 0);
        check_reference(dense, a);
        if (!first) {
            first = a;
            continue;
        }
        /* solvers differ by ~1e-13 in M: TCBA agrees to 1e-10 of the world total */
        for (size_t s = 0; s < t->k; s++) {
            double W = 0;
            for (size_t r = 0; r < t->n_r; r++)
                W += fabs(first->pba[s * t->n_r + r]) + fabs(first->unallocated[s * t->n_r + r]);
            for (size_t r = 0; r < t->n_r; r++) {
                size_t i = s * t->n_r + r;
                ck_assert_msg(fabs(a->tcba[i] - first->tcba[i]) <= RTOL * W,
                              "%s vs dense: %.17g vs %.17g", emb_solver_name(KINDS[kk]),
                              a->tcba[i], first->tcba[i]);
            }
        }
        emb_accounts_free(a);
    }
    emb_accounts_free(first);
    emb_table_free(t);
    emb_table_free(dense);
}
END_TEST

/* A sector label that no region exports: Mbar = 0 and no adjustment from it
 * (every entry of its rows in foreign blocks and of the foreign final demand
 * for it zeroed). */
START_TEST(sector_nobody_exports)
{
    emb_table *t = generated(41, 0);
    size_t N = t->N, R = t->n_r, ns = t->n_s, nf = t->n_f, q = 2;
    for (size_t r = 0; r < R; r++) {
        size_t i = r * ns + q;
        for (size_t j = 0; j < N; j++)
            if (j / ns != r)
                t->T[i * N + j] = 0;
        for (size_t d = 0; d < R; d++)
            if (d != r)
                for (size_t c = 0; c < nf; c++)
                    t->Y[i * t->n_y + d * nf + c] = 0;
    }
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.tcba = 1, .identity_tol = RTOL};
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    check_reference(t, a);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Allocation failure at every k of emb_accounts_add_tcba: EMB_ENOMEM and no
 * TCBA until the success, equal to the one call. */
START_TEST(allocation_failures)
{
    emb_table *t = generated(51, 0);
    emb_accounts_opts o = {.tcba = 1};
    emb_accounts *ref = NULL, *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &ref), EMB_OK);
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    long kk;
    for (kk = 0;; kk++) {
        ck_assert_msg(kk < 1000, "no success");
        emb_alloc_fail_after(kk);
        emb_status st = emb_accounts_add_tcba(a, t, NULL);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK)
            break;
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s", kk, emb_errmsg());
        ck_assert_ptr_null(a->tcba);
    }
    ck_assert_msg(kk >= 4, "only %ld allocations", kk);
    ck_assert(memcmp(a->tcba, ref->tcba, t->k * t->n_r * sizeof(double)) == 0);
    emb_accounts_free(a);
    emb_accounts_free(ref);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcba");
    TCase *tc = tcase_create("tcba");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hand_system);
    tcase_add_test(tc, identity_refused);
    tcase_add_loop_test(tc, generated_every_solver, 0, 3);
    tcase_add_test(tc, sector_nobody_exports);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
