/* tests/test_sda_shared.c — structural decomposition on real data: the WIOD
 * 2009 table in ../shared (41 regions x 35 industries, CO2) against a
 * perturbed copy of itself standing in for the next year (the suite skips
 * where ../shared is absent).
 *
 * The copy ("2010") changes every factor at once, deterministically:
 *   F[i]   *= 1 + 0.05 sin(i)                    (intensity)
 *   Z[i][j] *= 1.03 + 0.03 sin(7 i + j)          (technology)
 *   Y[i][c] *= (1.1 + 0.1 cos(i + c)) (1 + 0.02 (r mod 5)) for consumer r of
 *              column c, positive entries only   (structure and level)
 *   F_Y    *= 1.04                               (household direct)
 * and x is recomputed as Z 1 + Y 1 (every factor >= 1 and inventory drawdowns
 * kept, so that no output turns negative).  What is checked: cba0 is pymrio's
 * D_cba_reg (reference CSV, 1e-9); cba0 and cba1 equal emb_accounts_compute's
 * CBA of each table; every row (41 regions, EU27 from a groups file, World)
 * is additive, |residual| <= 1e-10 (|delta| + |cba0|); the group and the
 * world rows are the sums of their members; the table against itself gives
 * zero effects (1e-12).  China's row is printed (TAP comment) for the README
 * example. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *shared;

static emb_table *import_wiod(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/wiod2013-2009-co2.zip", shared);
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, NULL, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s", path, emb_errmsg());
    return t;
}

static void perturb(emb_table *t)
{
    size_t N = t->N, ny = t->n_y;
    for (size_t s = 0; s < t->k; s++)
        for (size_t i = 0; i < N; i++)
            t->F[s * N + i] *= 1 + 0.05 * sin((double)i);
    if (t->T) {
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++)
                t->T[i * N + j] *= 1.03 + 0.03 * sin((double)(7 * i + j));
    } else {
        ck_assert_ptr_nonnull(t->csr);
        for (size_t i = 0; i < N; i++)
            for (size_t p = t->csr->indptr[i]; p < t->csr->indptr[i + 1]; p++)
                t->csr->data[p] *= 1.03 + 0.03 * sin((double)(7 * i + t->csr->indices[p]));
    }
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < ny; c++)
            if (t->Y[i * ny + c] > 0)
                t->Y[i * ny + c] *= (1.1 + 0.1 * cos((double)(i + c))) *
                                    (1 + 0.02 * (double)((c / t->n_f) % 5));
    for (size_t i = 0; i < t->k * ny; i++)
        t->F_Y[i] *= 1.04;
    t->year = 0;
    emb_free(t->x);
    t->x = NULL;
    ck_assert_int_eq(emb_table_set_path(t, "wiod-perturbed-2010.h5"), EMB_OK);
}

static const char *const EU27[27] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                                     "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                                     "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

START_TEST(wiod_2009_against_a_perturbed_copy)
{
    emb_table *t0 = import_wiod(), *t1 = import_wiod();
    ck_assert_uint_eq(t0->n_r, 41);
    perturb(t1);
    /* EU27 through a groups file. */
    char *dir = emb_test_tmpdir();
    const char *gpath = emb_test_pathf("%s/eu27.csv", dir);
    char text[2048] = "group,member\n";
    for (size_t i = 0; i < 27; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "EU27,%s\n", EU27[i]);
    emb_test_spits(gpath, text);
    ck_assert_msg(emb_table_add_groups_file(t0, gpath) == EMB_OK, "%s", emb_errmsg());

    emb_sda *r = NULL;
    ck_assert_msg(emb_sda_compute(t0, t1, NULL, &r) == EMB_OK, "%s", emb_errmsg());
    size_t R = t0->n_r, rows = emb_sda_n_rows(r);
    ck_assert_uint_eq(rows, R + 2);
    ck_assert_str_eq(emb_sda_row_name(r, R), "EU27");
    ck_assert_str_eq(emb_sda_row_name(r, R + 1), "World");
    ck_assert_int_eq(emb_sda_year(r, 0), 2009);
    ck_assert_int_eq(emb_sda_year(r, 1), 2010);

    /* cba0 = pymrio's D_cba_reg (F_Y included). */
    double cba0[41], cba1[41];
    for (size_t d = 0; d < R; d++) {
        cba0[d] = emb_sda_value(r, 0, d, EMB_SDA_CBA0);
        cba1[d] = emb_sda_value(r, 0, d, EMB_SDA_CBA1);
    }
    emb_test_csv c = emb_test_csv_read(
        emb_test_pathf("%s/wiod2013-2009-co2.reference/pymrio_co2_D_cba_reg.csv", shared), 1, 2);
    ck_assert_uint_eq(c.cols, R);
    emb_test_compare("cba0 vs pymrio D_cba_reg", cba0, &c, 0, 1, 1e-9);
    emb_test_csv_free(&c);

    /* cba0, cba1 = the accounts' CBA of each table. */
    const emb_table *tt[2] = {t0, t1};
    const double *mine[2] = {cba0, cba1};
    for (int y = 0; y < 2; y++) {
        emb_accounts *a = NULL;
        ck_assert_msg(emb_accounts_compute(tt[y], NULL, &a) == EMB_OK, "%s", emb_errmsg());
        double world = 0;
        for (size_t d = 0; d < R; d++)
            world += fabs(a->cba[d]);
        for (size_t d = 0; d < R; d++)
            ck_assert_msg(fabs(mine[y][d] - a->cba[d]) <= 1e-11 * world,
                          "year %d %s: sda %.17g vs accounts %.17g", y, t0->regions[d],
                          mine[y][d], a->cba[d]);
        emb_accounts_free(a);
    }

    /* Additivity of every row; the group and the world are sums. */
    for (size_t i = 0; i < rows; i++) {
        double d = emb_sda_value(r, 0, i, EMB_SDA_DELTA), c0 = emb_sda_value(r, 0, i, EMB_SDA_CBA0);
        double sum = 0;
        for (int f = EMB_SDA_INTENSITY; f <= EMB_SDA_HOUSEHOLD_DIRECT; f++)
            sum += emb_sda_value(r, 0, i, f);
        ck_assert_msg(fabs(d - sum) <= 1e-10 * (fabs(d) + fabs(c0)), "%s: delta %.17g, effects %.17g",
                      emb_sda_row_name(r, i), d, sum);
        ck_assert_msg(fabs(emb_sda_value(r, 0, i, EMB_SDA_RESIDUAL)) <= 1e-10 * (fabs(d) + fabs(c0)),
                      "%s residual", emb_sda_row_name(r, i));
    }
    for (int f = 0; f < EMB_SDA_RESIDUAL; f++) {
        double eu = 0, world = 0;
        for (size_t d = 0; d < R; d++) {
            double v = emb_sda_value(r, 0, d, f);
            world += v;
            for (size_t j = 0; j < 27; j++)
                if (strcmp(t0->regions[d], EU27[j]) == 0)
                    eu += v;
        }
        EMB_ASSERT_CLOSE(emb_sda_value(r, 0, R, f), eu, 1e-12, 1e-6);
        EMB_ASSERT_CLOSE(emb_sda_value(r, 0, R + 1, f), world, 1e-12, 1e-6);
    }
    /* Every factor moved: every effect of the world row is non-zero. */
    for (int f = EMB_SDA_INTENSITY; f <= EMB_SDA_HOUSEHOLD_DIRECT; f++)
        ck_assert(fabs(emb_sda_value(r, 0, R + 1, f)) > 1.0);

    long chn = emb_table_region_index(t0, "CHN");
    ck_assert_int_ge(chn, 0);
    printf("# CHN CO2 (Gg) 2009 -> perturbed copy: cba0 %.1f cba1 %.1f delta %.1f intensity %.1f "
           "technology %.1f fd_structure %.1f fd_level %.1f household_direct %.1f residual %.3g\n",
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_CBA0), emb_sda_value(r, 0, (size_t)chn, EMB_SDA_CBA1),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_DELTA),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_INTENSITY),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_TECHNOLOGY),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_FD_STRUCTURE),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_FD_LEVEL),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_HOUSEHOLD_DIRECT),
           emb_sda_value(r, 0, (size_t)chn, EMB_SDA_RESIDUAL));
    /* The headline CBA of ../shared/README.md. */
    EMB_ASSERT_CLOSE(emb_sda_value(r, 0, (size_t)chn, EMB_SDA_CBA0), 5652622.22373843, 1e-9, 0);
    emb_sda_free(r);

    /* The table against itself: nothing changed, every effect 0 (to rounding:
     * the two factorisations of the same matrix need not agree to the bit
     * when OpenBLAS splits the work across threads differently). */
    ck_assert_msg(emb_sda_compute(t0, t0, NULL, &r) == EMB_OK, "%s", emb_errmsg());
    for (size_t i = 0; i < rows; i++)
        for (int f = EMB_SDA_DELTA; f < EMB_SDA_NFIELDS; f++)
            ck_assert_msg(fabs(emb_sda_value(r, 0, i, f)) <= 1e-12 * fabs(emb_sda_value(r, 0, i, EMB_SDA_CBA0)),
                          "%s field %d = %.3g", emb_sda_row_name(r, i), f, emb_sda_value(r, 0, i, f));
    emb_sda_free(r);
    emb_test_rmtree(dir);
    free(dir);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("sda_shared");
    Suite *s = suite_create("sda_shared");
    TCase *tc = tcase_create("sda_shared");
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, wiod_2009_against_a_perturbed_copy);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
