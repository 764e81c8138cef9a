/* tests/test_drilldown.c — the drill-down of a trade pair
 * (embodied/drilldown.h): a 2 regions x 2 sectors system solved by hand,
 * the sums and cross-checks on generated tables (zero-output sectors,
 * negative final demand, groups, every solver), the writer (--top and its
 * 'other' row), and the errors.
 *
 * The hand-solved system (regions R1, R2; sectors a, b; order 1a 1b 2a 2b):
 *   A has three entries: A[1a,2b] = 0.5, A[2a,1a] = 0.5, A[1b,1a] = 0.2, so
 *   A^3 = 0 and L = I + A + A^2 with A^2[2a,2b] = 0.25, A^2[1b,2b] = 0.1.
 *   Y (one category per region), rows 1a 1b 2a 2b: R1 = [2 1 0 3], R2 = [0 2 1 4];
 *   Y 1 = [2 3 1 7], x = L Y 1 = [5.5 4.1 3.75 7],
 *   Z = A diag(x): Z[1a,2b] = 3.5, Z[2a,1a] = 2.75, Z[1b,1a] = 1.1 (x = Z 1 + Y 1 holds);
 *   S = [2 1 4 0.5], F = S x = [11 4.1 15 3.5].
 * Pair R1 -> R2, y_D = [0 2 1 4], L y_D = [2 2.4 2 4]:
 *   by origin sector: 1a 2 x 2 = 4, 1b 1 x 2.4 = 2.4; B[R1][R2] = 6.4;
 *   by final product: S_O L = [2.2 1 0 1.1], times y_D: 1a 0, 1b 2, 2a 0, 2b 4.4;
 *   both: (1a, 2b) 2 x 0.5 x 4 = 4, (1b, 1b) 1 x 1 x 2 = 2, (1b, 2b) 1 x 0.1 x 4 = 0.4.
 * Pair R2 -> R2: 2a 4 x 2 = 8, 2b 0.5 x 4 = 2, B = 10; by final product
 *   S_O L = [2 0 4 1.5], times y_D: 2a 4, 2b 6. */
#include "core/alloc.h" /* emb_alloc_fail_after */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static char *slurp(const char *path)
{
    size_t len;
    return emb_test_slurp(path, &len);
}

static emb_table *hand_table(void)
{
    const double Z[16] = {0, 0, 0, 3.5, /* 1a */
                          1.1, 0, 0, 0, /* 1b */
                          2.75, 0, 0, 0, /* 2a */
                          0, 0, 0, 0};  /* 2b */
    const double Y[8] = {2, 0, 1, 2, 0, 1, 3, 4};
    const double F[4] = {11, 4.1, 15, 3.5};
    const char *regions[] = {"R1", "R2"}, *sectors[] = {"steel", "power"}, *fd[] = {"hh"};
    const char *stressors[] = {"CO2"}, *units[] = {"kt"};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z, NULL, Y, F, NULL, regions,
                                           sectors, fd, stressors, units, &t),
                     EMB_OK);
    return t;
}

static emb_leontief *solver(const emb_table *t, emb_solver_kind kind)
{
    emb_solver_opts so = {.kind = kind};
    emb_leontief *lf = NULL;
    emb_status st = emb_leontief_create(t, &so, &lf);
    ck_assert_msg(st == EMB_OK, "emb_leontief_create: %s", emb_errmsg());
    return lf;
}

static emb_drilldown *drill(const emb_table *t, emb_leontief *lf, const char *o, const char *d,
                            emb_drilldown_by by)
{
    emb_drilldown_opts opts = {.by = by, .identity_tol = 1e-10};
    emb_drilldown *dd = NULL;
    emb_status st = emb_drilldown_compute(t, lf, o, d, &opts, &dd);
    ck_assert_msg(st == EMB_OK, "emb_drilldown_compute %s -> %s: %s", o, d, emb_errmsg());
    return dd;
}

static emb_drilldown_row row(const emb_drilldown *dd, size_t s, size_t i)
{
    emb_drilldown_row r;
    ck_assert_int_eq(emb_drilldown_row_get(dd, s, i, &r), EMB_OK);
    return r;
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

START_TEST(hand_solved)
{
    emb_table *t = hand_table();
    emb_leontief *lf = solver(t, KINDS[_i]);
    const double tol = 1e-12; /* mixed precision refines to 1e-12 */

    emb_drilldown *dd = drill(t, lf, "R1", "R2", EMB_DRILL_ORIGIN_SECTOR);
    EMB_ASSERT_CLOSE(emb_drilldown_flow(dd, 0), 6.4, tol, 0);
    ck_assert_uint_eq(emb_drilldown_n_rows(dd, 0), 2);
    emb_drilldown_row r = row(dd, 0, 0);
    ck_assert_int_eq(r.origin_region, 0);
    ck_assert_int_eq(r.origin_sector, 0);
    ck_assert_int_eq(r.product_region, -1);
    EMB_ASSERT_CLOSE(r.value, 4, tol, 0);
    r = row(dd, 0, 1);
    ck_assert_int_eq(r.origin_sector, 1);
    EMB_ASSERT_CLOSE(r.value, 2.4, tol, 0);
    emb_drilldown_free(dd);

    dd = drill(t, lf, "R1", "R2", EMB_DRILL_FINAL_PRODUCT);
    ck_assert_uint_eq(emb_drilldown_n_rows(dd, 0), 4); /* every product of every region */
    r = row(dd, 0, 0);
    ck_assert_int_eq(r.origin_region, -1);
    ck_assert_int_eq(r.product_region, 1);
    ck_assert_int_eq(r.product_sector, 1);
    EMB_ASSERT_CLOSE(r.value, 4.4, tol, 0);
    r = row(dd, 0, 1);
    ck_assert_int_eq(r.product_region, 0);
    ck_assert_int_eq(r.product_sector, 1);
    EMB_ASSERT_CLOSE(r.value, 2, tol, 0);
    ck_assert(fabs(row(dd, 0, 2).value) < 1e-15 && fabs(row(dd, 0, 3).value) < 1e-15);
    emb_drilldown_free(dd);

    dd = drill(t, lf, "R1", "R2", EMB_DRILL_BOTH);
    const double want[3][5] = {{0, 0, 1, 1, 4}, {0, 1, 0, 1, 2}, {0, 1, 1, 1, 0.4}};
    /* mixed precision may leave ~1e-17 where the exact entry is 0: only the
     * three non-zero entries above are exactly non-zero for dense */
    size_t n = emb_drilldown_n_rows(dd, 0);
    ck_assert_uint_ge(n, 3);
    for (size_t i = 0; i < 3; i++) {
        r = row(dd, 0, i);
        ck_assert_int_eq(r.origin_region, (long)want[i][0]);
        ck_assert_int_eq(r.origin_sector, (long)want[i][1]);
        ck_assert_int_eq(r.product_region, (long)want[i][2]);
        ck_assert_int_eq(r.product_sector, (long)want[i][3]);
        EMB_ASSERT_CLOSE(r.value, want[i][4], tol, 0);
    }
    for (size_t i = 3; i < n; i++)
        ck_assert(fabs(row(dd, 0, i).value) < 1e-14);
    emb_drilldown_free(dd);

    dd = drill(t, lf, "R2", "R2", EMB_DRILL_FINAL_PRODUCT);
    EMB_ASSERT_CLOSE(emb_drilldown_flow(dd, 0), 10, tol, 0);
    EMB_ASSERT_CLOSE(row(dd, 0, 0).value, 6, tol, 0);
    ck_assert_int_eq(row(dd, 0, 0).product_sector, 1);
    EMB_ASSERT_CLOSE(row(dd, 0, 1).value, 4, tol, 0);
    emb_drilldown_free(dd);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

/* Generated tables: every view against independent sums of the accounts. */
START_TEST(generated_identities)
{
    emb_solver_kind kind = KINDS[_i % 3];
    emb_synth_opts so = emb_synth_defaults(5, 7, 3, 2, 11 + (uint64_t)_i);
    so.zero_output_frac = 0.1;
    so.zero_output_emits = 1;
    so.negative_inventory = 1;
    so.csr = kind == EMB_SOLVER_SPARSE;
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_OK);
    /* Negative final demand for R001's own products bought by R003's rows
     * (inventory draws larger than purchases), keeping Y 1 > 0 so x > 0. */
    for (size_t i = 2 * t->n_s; i < 3 * t->n_s; i++) {
        double tot = 0, r1 = 0;
        for (size_t c = 0; c < t->n_y; c++)
            tot += t->Y[i * t->n_y + c];
        for (size_t c = 0; c < t->n_f; c++)
            r1 += t->Y[i * t->n_y + c];
        if (tot - r1 - 0.1 * tot <= 0)
            continue;
        for (size_t c = 0; c < t->n_f; c++)
            t->Y[i * t->n_y + c] = -0.1 * tot / (double)t->n_f;
    }
    const char *g1[] = {"R001", "R003"}, *g2[] = {"R002", "R004", "R005"};
    const char *all[] = {"R001", "R002", "R003", "R004", "R005"};
    ck_assert_int_eq(emb_table_add_group(t, "GA", 2, g1), EMB_OK);
    ck_assert_int_eq(emb_table_add_group(t, "GB", 3, g2), EMB_OK);
    ck_assert_int_eq(emb_table_add_group(t, "WORLD", 5, all), EMB_OK);
    emb_accounts_opts ao = {.per_sector = 1, .flows_by_sector = 1, .identity_tol = 1e-10};
    ao.solver.kind = kind;
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &ao, &a) == EMB_OK, "%s", emb_errmsg());
    emb_leontief *lf = solver(t, kind);
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = t->k;
    int negative_seen = 0;
    const char *pairs[][2] = {{"R001", "R002"}, {"R003", "R003"}, {"GA", "R004"},
                              {"R002", "GB"},   {"GA", "GB"},     {"WORLD", "R005"},
                              {"R002", "R001"}, {"GB", "R001"}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        const char *O = pairs[p][0], *D = pairs[p][1];
        const size_t *om, *dm;
        size_t on, dn, o1, d1;
        ck_assert_int_eq(emb_table_resolve_unit(t, O, &om, &on, &o1), EMB_OK);
        ck_assert_int_eq(emb_table_resolve_unit(t, D, &dm, &dn, &d1), EMB_OK);
        size_t om_copy[8], dm_copy[8];
        memcpy(om_copy, om, on * sizeof *om);
        memcpy(dm_copy, dm, dn * sizeof *dm);
        emb_drilldown *v[3];
        for (int b = 0; b < 3; b++)
            v[b] = drill(t, lf, O, D, (emb_drilldown_by)(b + 1));
        for (size_t s = 0; s < k; s++) {
            double B;
            ck_assert_int_eq(emb_accounts_flow(a, t, s, O, D, &B), EMB_OK);
            double W = 0; /* scale: the stressor's world total */
            for (size_t r = 0; r < R; r++)
                W += fabs(a->pba[s * R + r]);
            for (int b = 0; b < 3; b++) {
                double sum = 0;
                for (size_t i = 0; i < emb_drilldown_n_rows(v[b], s); i++) {
                    emb_drilldown_row r = row(v[b], s, i);
                    sum += r.value;
                    negative_seen |= r.value < 0;
                    if (i > 0)
                        ck_assert(fabs(r.value) <= fabs(row(v[b], s, i - 1).value));
                }
                ck_assert_msg(fabs(sum - B) <= 1e-10 * W, "%s -> %s view %d: %.17g vs %.17g", O,
                              D, b + 1, sum, B);
                EMB_ASSERT_CLOSE(emb_drilldown_flow(v[b], s), B, 1e-13, 1e-300);
            }
            /* origin sector = flows_by_sector summed over D's regions, entry by entry */
            for (size_t i = 0; i < emb_drilldown_n_rows(v[0], s); i++) {
                emb_drilldown_row r = row(v[0], s, i);
                double want = 0;
                for (size_t q = 0; q < dn; q++)
                    want += a->flows_by_sector[(s * N + (size_t)r.origin_region * ns +
                                                (size_t)r.origin_sector) * R + dm_copy[q]];
                ck_assert_msg(fabs(r.value - want) <= 1e-10 * W, "origin sector entry");
            }
            /* both, summed over products = origin-sector entries; summed over
             * origin sectors = final-product entries */
            double *bys = calloc(N, sizeof *bys), *byp = calloc(N, sizeof *byp);
            for (size_t i = 0; i < emb_drilldown_n_rows(v[2], s); i++) {
                emb_drilldown_row r = row(v[2], s, i);
                bys[(size_t)r.origin_region * ns + (size_t)r.origin_sector] += r.value;
                byp[(size_t)r.product_region * ns + (size_t)r.product_sector] += r.value;
            }
            for (size_t i = 0; i < emb_drilldown_n_rows(v[0], s); i++) {
                emb_drilldown_row r = row(v[0], s, i);
                size_t at = (size_t)r.origin_region * ns + (size_t)r.origin_sector;
                ck_assert_msg(fabs(bys[at] - r.value) <= 1e-10 * W, "both vs origin sector");
            }
            for (size_t i = 0; i < emb_drilldown_n_rows(v[1], s); i++) {
                emb_drilldown_row r = row(v[1], s, i);
                size_t at = (size_t)r.product_region * ns + (size_t)r.product_sector;
                ck_assert_msg(fabs(byp[at] - r.value) <= 1e-10 * W, "both vs final product");
            }
            /* the whole world as origin: the final-product view summed over
             * product regions is D_cba of a single destination */
            if (!strcmp(O, "WORLD")) {
                for (size_t j = 0; j < ns; j++) {
                    double sum = 0;
                    for (size_t r = 0; r < R; r++)
                        sum += byp[r * ns + j];
                    ck_assert_msg(fabs(sum - a->D_cba[s * N + dm_copy[0] * ns + j]) <= 1e-10 * W,
                                  "final product vs D_cba");
                }
            }
            free(bys);
            free(byp);
        }
        (void)om_copy;
        for (int b = 0; b < 3; b++)
            emb_drilldown_free(v[b]);
    }
    ck_assert_msg(negative_seen, "the generated tables should give negative entries (inventories)");
    emb_leontief_free(lf);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* --top K: K rows, then 'other' with the rest; all rows sum to the flow. */
START_TEST(writer_top)
{
    emb_table *t = hand_table();
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_drilldown *dd = drill(t, lf, "R1", "R2", EMB_DRILL_BOTH);
    char *dir = emb_test_tmpdir();
    const char *path = emb_test_pathf("%s/d.csv", dir);
    ck_assert_int_eq(emb_drilldown_write(dd, t, NULL, 0, 1, EMB_RESULTS_CSV, path), EMB_OK);
    char *text = slurp(path);
    /* header, the largest row, then 'other' = 2 + 0.4 */
    char *l2 = emb_test_line_start(text, 2), *l3 = emb_test_line_start(text, 3);
    ck_assert_ptr_nonnull(strstr(text, "stressor,unit,origin,destination,origin_region,origin_sector,"
                                       "product_region,product_sector,value,share\n"));
    ck_assert_int_eq(strncmp(l2, "CO2,kt,R1,R2,R1,steel,R2,power,", 31), 0);
    ck_assert_int_eq(strncmp(l3, "CO2,kt,R1,R2,other,,,,", 22), 0);
    double v2, s2, v3, s3;
    ck_assert_int_eq(sscanf(l2 + 31, "%lf,%lf", &v2, &s2), 2);
    ck_assert_int_eq(sscanf(l3 + 22, "%lf,%lf", &v3, &s3), 2);
    EMB_ASSERT_CLOSE(v2, 4, 1e-14, 0);
    EMB_ASSERT_CLOSE(s2, 0.625, 1e-14, 0);
    EMB_ASSERT_CLOSE(v3, 2.4, 1e-14, 0);
    EMB_ASSERT_CLOSE(v2 + v3, emb_drilldown_flow(dd, 0), 1e-15, 0);
    ck_assert_ptr_null(strchr(l3, '\n') ? strchr(strchr(l3, '\n') + 1, ',') : NULL);
    free(text);
    /* without --top: every row; the origin-sector view leaves the product columns empty */
    emb_drilldown_free(dd);
    dd = drill(t, lf, "R1", "R2", EMB_DRILL_ORIGIN_SECTOR);
    const size_t sel[] = {0};
    ck_assert_int_eq(emb_drilldown_write(dd, t, sel, 1, 0, EMB_RESULTS_CSV, path), EMB_OK);
    text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "\nCO2,kt,R1,R2,R1,steel,,,"));
    ck_assert_ptr_nonnull(strstr(text, "\nCO2,kt,R1,R2,R1,power,,,"));
    ck_assert_ptr_null(strstr(text, "other"));
    free(text);
    /* the final-product view's 'other' goes in product_region */
    emb_drilldown_free(dd);
    dd = drill(t, lf, "R1", "R2", EMB_DRILL_FINAL_PRODUCT);
    ck_assert_int_eq(emb_drilldown_write(dd, t, NULL, 0, 2, EMB_RESULTS_CSV, path), EMB_OK);
    text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "\nCO2,kt,R1,R2,,,other,,"));
    free(text);
    /* errors: a stressor out of range, a drill-down of another table */
    const size_t bad[] = {3};
    ck_assert_int_eq(emb_drilldown_write(dd, t, bad, 1, 0, EMB_RESULTS_CSV, path), EMB_EUSAGE);
    emb_table *other = NULL;
    emb_synth_opts so = emb_synth_defaults(3, 2, 1, 1, 1);
    ck_assert_int_eq(emb_synth_table(&so, &other), EMB_OK);
    ck_assert_int_eq(emb_drilldown_write(dd, other, NULL, 0, 0, EMB_RESULTS_CSV, path), EMB_EUSAGE);
    emb_table_free(other);
    emb_drilldown_free(dd);
    emb_leontief_free(lf);
    emb_table_free(t);
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(errors)
{
    emb_table *t = hand_table();
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_drilldown_opts o = {.by = EMB_DRILL_ORIGIN_SECTOR};
    emb_drilldown *dd = (emb_drilldown *)1;
    ck_assert_int_eq(emb_drilldown_compute(t, lf, "XX", "R2", &o, &dd), EMB_EUSAGE);
    ck_assert_ptr_null(dd);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "'XX' is neither a region nor a group"));
    ck_assert_int_eq(emb_drilldown_compute(t, NULL, "R1", "R2", &o, &dd), EMB_EUSAGE);
    o.by = 7;
    ck_assert_int_eq(emb_drilldown_compute(t, lf, "R1", "R2", &o, &dd), EMB_EUSAGE);
    emb_drilldown_by by;
    ck_assert_int_eq(emb_drilldown_parse_by("final-product", &by), EMB_OK);
    ck_assert_int_eq(by, EMB_DRILL_FINAL_PRODUCT);
    ck_assert_int_eq(emb_drilldown_parse_by("origin", &by), EMB_EUSAGE);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "origin-sector, final-product, both"));
    ck_assert(isnan(emb_drilldown_flow(NULL, 0)));
    ck_assert_uint_eq(emb_drilldown_n_rows(NULL, 0), 0);
    emb_drilldown_free(NULL);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

/* Allocation failure at every k: EMB_ENOMEM, nothing leaked (ASan), then success. */
START_TEST(alloc_failures)
{
    emb_table *t = hand_table();
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_drilldown_opts o = {.by = (emb_drilldown_by)(_i + 1)};
    int failures = 0;
    for (long n = 0;; n++) {
        emb_drilldown *dd = NULL;
        emb_alloc_fail_after(n);
        emb_status st = emb_drilldown_compute(t, lf, "R1", "R2", &o, &dd);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            EMB_ASSERT_CLOSE(emb_drilldown_flow(dd, 0), 6.4, 1e-13, 0);
            emb_drilldown_free(dd);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
        ck_assert_ptr_null(dd);
        failures++;
        ck_assert_int_lt(n, 10000);
    }
    ck_assert_int_gt(failures, 0);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

/* Interruption at every poll: EMB_EINTERRUPTED, nothing returned, nothing
 * leaked (ASan); with no interruption the same call succeeds. */
static int stop_after(void *user)
{
    long *n = user;
    return (*n)-- <= 0;
}

START_TEST(interrupted)
{
    emb_table *t = hand_table();
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    emb_drilldown_opts o = {.by = EMB_DRILL_BOTH, .ctx = ctx};
    int stops = 0;
    for (long k = 0;; k++) {
        long left = k;
        emb_context_set_interrupt(ctx, stop_after, &left);
        emb_drilldown *dd = NULL;
        emb_status st = emb_drilldown_compute(t, lf, "R1", "R2", &o, &dd);
        if (st == EMB_OK) {
            emb_drilldown_free(dd);
            break;
        }
        ck_assert_int_eq(st, EMB_EINTERRUPTED);
        ck_assert_ptr_null(dd);
        stops++;
        ck_assert_int_lt(k, 1000);
    }
    ck_assert_int_gt(stops, 1);
    emb_context_free(ctx);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("drilldown");
    TCase *tc = tcase_create("drilldown");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, hand_solved, 0, 3);
    tcase_add_loop_test(tc, generated_identities, 0, 6);
    tcase_add_test(tc, writer_top);
    tcase_add_test(tc, errors);
    tcase_add_loop_test(tc, alloc_failures, 0, 3);
    tcase_add_test(tc, interrupted);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
