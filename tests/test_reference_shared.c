/* tests/test_reference_shared.c — cross-validation against pymrio 0.4.2's
 * results in ../shared/testdata (the suite skips where ../shared is absent,
 * and fails under CI=true):
 *  - pymrio's test MRIO (6 regions x 8 sectors, 2 emission stressors): x, A,
 *    M, D_cba/pba/imp/exp by sector and by region, both bilateral matrices;
 *  - REAL data, WIOD 2009 (41 x 35, CO2): regional accounts, M, the 41 x 41
 *    bilateral matrix, the EU27 grouping, and the 249.46 Gg of CO2 in
 *    zero-output sectors, which pymrio drops and we report as unallocated.
 * Tolerance: 1e-9 relative, element by element (values below 1e-12 of the
 * array's largest magnitude compared absolutely at that floor). */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-9

static const char *shared;

/* A pymrio reference CSV, by path relative to ../shared/testdata. */
static emb_test_csv csv_read(const char *rel, size_t nhdr, size_t nidx)
{
    return emb_test_csv_read(emb_test_pathf("%s/%s", shared, rel), nhdr, nidx);
}

static emb_table *import_test_mrio(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", shared, name);
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, NULL, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s", path, emb_errmsg());
    return t;
}

/* Every solver must reproduce the references (loop tests over these). */
static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};
#define N_KINDS ((int)(sizeof KINDS / sizeof KINDS[0]))

static void check_test_mrio(const char *name, emb_solver_kind kind)
{
    emb_table *t = import_test_mrio(name);
    ck_assert_uint_eq(t->n_r, 6);
    ck_assert_uint_eq(t->n_s, 8);
    emb_accounts_opts o = {.per_sector = 1, .identity_tol = 1e-10};
    o.solver.kind = kind;
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(a->solver.kind, kind);
    size_t N = t->N, R = t->n_r;
    const char *R_ = "pymrio-test-mrio.reference/";
    char rel[256];

    snprintf(rel, sizeof rel, "%sx.csv", R_);
    emb_test_csv x = csv_read(rel, 1, 2);
    ck_assert_uint_eq(x.rows, N);
    emb_test_compare("x", a->x, &x, 0, N, RTOL);
    emb_test_csv_free(&x);

    /* A = Z diag(1/x), rebuilt from the imported Z */
    snprintf(rel, sizeof rel, "%sA.csv", R_);
    emb_test_csv A = csv_read(rel, 2, 2);
    double *Ag = malloc(N * N * sizeof(double));
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            Ag[i * N + j] = a->x[j] > 0 ? t->T[i * N + j] / a->x[j] : 0;
    emb_test_compare("A", Ag, &A, 0, N, RTOL);
    free(Ag);
    emb_test_csv_free(&A);

    const char *stressors[2] = {"emissions/emission_type1/air", "emissions/emission_type2/water"};
    for (int q = 0; q < 2; q++) {
        long s = emb_table_stressor_index(t, stressors[q]);
        ck_assert_msg(s >= 0, "stressor %s not imported", stressors[q]);
        struct {
            const char *file;
            const double *by_sector;
        } sec[] = {{"emissions_M.csv", a->M}, {"emissions_D_cba.csv", a->D_cba},
                   {"emissions_D_pba.csv", a->D_pba}, {"emissions_D_imp.csv", a->D_imp},
                   {"emissions_D_exp.csv", a->D_exp}};
        for (size_t f = 0; f < sizeof sec / sizeof sec[0]; f++) {
            snprintf(rel, sizeof rel, "%s%s", R_, sec[f].file);
            emb_test_csv c = csv_read(rel, 2, 2);
            ck_assert_uint_eq(c.cols, N);
            emb_test_compare(sec[f].file, sec[f].by_sector + (size_t)s * N, &c, (size_t)q, 1, RTOL);
            emb_test_csv_free(&c);
        }
        struct {
            const char *file;
            const double *reg;
        } reg[] = {{"emissions_D_cba_reg.csv", a->cba}, {"emissions_D_pba_reg.csv", a->pba},
                   {"emissions_D_imp_reg.csv", a->imports}, {"emissions_D_exp_reg.csv", a->exports}};
        for (size_t f = 0; f < sizeof reg / sizeof reg[0]; f++) {
            snprintf(rel, sizeof rel, "%s%s", R_, reg[f].file);
            emb_test_csv c = csv_read(rel, 1, 2);
            ck_assert_uint_eq(c.cols, R);
            emb_test_compare(reg[f].file, reg[f].reg + (size_t)s * R, &c, (size_t)q, 1, RTOL);
            emb_test_csv_free(&c);
        }
        snprintf(rel, sizeof rel, "%semissions_bilateral_emission_type%d.csv", R_, q + 1);
        emb_test_csv b = csv_read(rel, 1, 1);
        ck_assert_uint_eq(b.rows, R);
        emb_test_compare(rel, a->flows + (size_t)s * R * R, &b, 0, R, RTOL);
        emb_test_csv_free(&b);
    }
    emb_accounts_free(a);
    emb_table_free(t);
}

START_TEST(test_mrio_folder) { check_test_mrio("pymrio-test-mrio", KINDS[_i]); }
END_TEST

START_TEST(test_mrio_zip) { check_test_mrio("pymrio-test-mrio.zip", KINDS[_i]); }
END_TEST

static const char *EU27[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST",
                             "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA", "LTU", "LUX",
                             "LVA", "MLT", "NLD", "POL", "PRT", "ROM", "SVK", "SVN", "SWE"};

START_TEST(wiod_2009_real_data)
{
    emb_table *t = import_test_mrio("wiod2013-2009-co2.zip");
    ck_assert_uint_eq(t->n_r, 41);
    ck_assert_uint_eq(t->n_s, 35);
    ck_assert_uint_eq(t->k, 1);
    /* Groups of the reference: EU27 and Other_WIOD (the rest of the WIOD countries). */
    ck_assert_int_eq(emb_table_add_group(t, "EU27", 27, EU27), EMB_OK);
    const char *big[] = {"CHN", "USA", "JPN", "IND", "RUS", "RoW"};
    const char *other[41];
    size_t no = 0;
    for (size_t r = 0; r < t->n_r; r++) {
        int taken = 0;
        for (size_t j = 0; j < 27; j++)
            taken |= strcmp(t->regions[r], EU27[j]) == 0;
        for (size_t j = 0; j < 6; j++)
            taken |= strcmp(t->regions[r], big[j]) == 0;
        if (!taken)
            other[no++] = t->regions[r];
    }
    ck_assert_int_eq(emb_table_add_group(t, "Other_WIOD", no, other), EMB_OK);

    emb_accounts_opts o = {.identity_tol = 1e-10};
    o.solver.kind = KINDS[_i];
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(a->solver.kind, KINDS[_i]);
    size_t R = t->n_r;
    const char *W = "wiod2013-2009-co2.reference/";
    char rel[256];
    struct {
        const char *file;
        const double *v;
    } reg[] = {{"pymrio_co2_D_pba_reg.csv", a->pba}, {"pymrio_co2_D_cba_reg.csv", a->cba},
               {"pymrio_co2_D_imp_reg.csv", a->imports}, {"pymrio_co2_D_exp_reg.csv", a->exports}};
    for (size_t f = 0; f < 4; f++) {
        snprintf(rel, sizeof rel, "%s%s", W, reg[f].file);
        emb_test_csv c = csv_read(rel, 1, 2);
        ck_assert_uint_eq(c.cols, R);
        emb_test_compare(reg[f].file, reg[f].v, &c, 0, 1, RTOL);
        emb_test_csv_free(&c);
    }
    snprintf(rel, sizeof rel, "%spymrio_co2_M.csv", W);
    emb_test_csv m = csv_read(rel, 2, 2);
    emb_test_compare("M", a->M, &m, 0, 1, RTOL);
    emb_test_csv_free(&m);
    snprintf(rel, sizeof rel, "%sbilateral_co2_41x41_Gg.csv", W);
    emb_test_csv b = csv_read(rel, 1, 1);
    ck_assert_uint_eq(b.rows, R);
    for (size_t r = 0; r < R; r++)
        ck_assert_str_eq(b.first[r], t->regions[r]);
    emb_test_compare("bilateral 41x41", a->flows, &b, 0, R, RTOL);
    emb_test_csv_free(&b);

    /* Grouped bilateral matrix (8 x 8) through emb_accounts_flow. */
    const char *units[8] = {"CHN", "EU27", "USA", "JPN", "IND", "RUS", "RoW", "Other_WIOD"};
    snprintf(rel, sizeof rel, "%sbilateral_co2_grouped_Gg.csv", W);
    emb_test_csv g = csv_read(rel, 1, 1);
    ck_assert_uint_eq(g.rows, 8);
    double G8[64];
    for (size_t i = 0; i < 8; i++) {
        ck_assert_str_eq(g.first[i], units[i]);
        for (size_t j = 0; j < 8; j++)
            ck_assert_int_eq(emb_accounts_flow(a, t, 0, units[i], units[j], &G8[i * 8 + j]), EMB_OK);
    }
    emb_test_compare("bilateral grouped", G8, &g, 0, 8, RTOL);
    emb_test_csv_free(&g);
    /* Headline numbers of ../shared/README.md */
    double v;
    emb_accounts_flow(a, t, 0, "CHN", "EU27", &v);
    EMB_ASSERT_CLOSE(v, 325529.47861896653, RTOL, 0);
    emb_accounts_flow(a, t, 0, "EU27", "CHN", &v);
    EMB_ASSERT_CLOSE(v, 44798.49813661063, RTOL, 0);

    /* Grouped PBA/CBA/imports/exports: columns 2..5 of pba_cba_grouped_Gg.csv */
    snprintf(rel, sizeof rel, "%spba_cba_grouped_Gg.csv", W);
    emb_test_csv pc = csv_read(rel, 1, 1);
    ck_assert_uint_eq(pc.rows, 8);
    for (size_t i = 0; i < 8; i++) {
        ck_assert_str_eq(pc.first[i], units[i]);
        long gi = emb_table_group_index(t, units[i]);
        long ri = emb_table_region_index(t, units[i]);
        double got[4];
        if (gi >= 0) {
            got[0] = a->g_pba[gi], got[1] = a->g_cba[gi];
            got[2] = a->g_imports[gi], got[3] = a->g_exports[gi];
        } else {
            got[0] = a->pba[ri], got[1] = a->cba[ri];
            got[2] = a->imports[ri], got[3] = a->exports[ri];
        }
        for (int c = 0; c < 4; c++)
            EMB_ASSERT_CLOSE(got[c], pc.v[i * pc.cols + 2 + (size_t)c], RTOL, 0);
    }
    emb_test_csv_free(&pc);

    /* The 249.46 Gg in zero-output sectors: unallocated, not vanished. */
    double un = 0;
    for (size_t r = 0; r < R; r++)
        un += a->unallocated[r];
    /* (the text layout keeps 11 significant digits of these F values) */
    EMB_ASSERT_CLOSE(un, 249.45523891001724, RTOL, 0);
    EMB_ASSERT_CLOSE(a->unallocated[emb_table_region_index(t, "CHN")], 166.38888798978016, RTOL, 0);
    EMB_ASSERT_CLOSE(a->unallocated[emb_table_region_index(t, "SVK")], 52.85, RTOL, 0);
    ck_assert_uint_eq(a->n_zero_output, 20);
    ck_assert_uint_eq(a->n_zero_output_emitting, 8);
    ck_assert_uint_eq(a->n_negative_Y, 824);
    /* sum F + F_Y = world PBA + unallocated (checks.json totals) */
    double wp = 0;
    for (size_t r = 0; r < R; r++)
        wp += a->pba[r];
    EMB_ASSERT_CLOSE(wp, 28849329.155669127, RTOL, 0);
    EMB_ASSERT_CLOSE(wp + un, 24870226.62645995 + 3979351.9844480893, 1e-12, 0);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("reference_shared");
    Suite *s = suite_create("reference_shared");
    TCase *tc = tcase_create("pymrio");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_mrio_folder, 0, N_KINDS);
    tcase_add_loop_test(tc, test_mrio_zip, 0, N_KINDS);
    tcase_add_loop_test(tc, wiod_2009_real_data, 0, N_KINDS);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
