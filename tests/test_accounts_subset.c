/* tests/test_accounts_subset.c — compute only what is asked
 * (emb_accounts_opts.stressors): on generated tables, the accounts of a
 * subset of the stressors solve k' < k transposed right-hand sides, hold k'
 * rows in the order asked, and equal the full computation's rows of those
 * stressors to 1e-15 (every array: regional, flows, M, per-sector, by
 * sector, groups, EEBT, TCBA); the writers label the rows with the table's
 * names of the subset; bad subsets are refused before any work. */
#include "embodied/embodied.h"
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

static emb_table *gen(size_t n_r, size_t n_s, size_t k, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 2, k, seed);
    o.zero_output_frac = 0.05;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "synth: %s", emb_errmsg());
    const char *m[] = {t->regions[0], t->regions[2]};
    ck_assert_int_eq(emb_table_add_group(t, "G02", 2, m), EMB_OK);
    return t;
}

/* Row q of the subset's array (rows of `len` values) against row sel[q] of
 * the full one: each value within rtol of the full row's largest magnitude. */
static void same_rows(const char *what, const double *full, const double *sub, const size_t *sel,
                      size_t nsel, size_t len, double rtol)
{
    ck_assert_msg((full == NULL) == (sub == NULL), "%s computed in one run only", what);
    if (!full)
        return;
    for (size_t q = 0; q < nsel; q++) {
        const double *f = full + sel[q] * len, *s = sub + q * len;
        double big = 0;
        for (size_t i = 0; i < len; i++)
            big = fmax(big, fabs(f[i]));
        for (size_t i = 0; i < len; i++)
            if (!(fabs(f[i] - s[i]) <= rtol * big))
                ck_abort_msg("%s: subset row %zu (table stressor %zu), entry %zu: %.17g vs full "
                             "%.17g (diff %.3g of the row's largest, > %.0e)", what, q, sel[q], i,
                             s[i], f[i], fabs(f[i] - s[i]) / (big > 0 ? big : 1), rtol);
    }
}

static void compare(const emb_accounts *full, const emb_accounts *sub, const size_t *sel,
                    size_t nsel)
{
    size_t R = full->n_r, N = full->N, G = full->n_groups;
    const double tol = 1e-15;
    ck_assert_uint_eq(sub->k, nsel);
    ck_assert_uint_eq(emb_accounts_n_stressors(sub), nsel);
    for (size_t q = 0; q < nsel; q++)
        ck_assert_uint_eq(emb_accounts_stressor_index(sub, q), sel[q]);
    ck_assert_uint_eq(emb_accounts_stressor_index(sub, nsel), (size_t)-1);
    ck_assert_uint_eq(emb_accounts_stressor_index(full, 1), 1);
    for (size_t i = 0; i < N; i++)
        ck_assert(full->x[i] == sub->x[i]);
    const struct {
        const char *name;
        const double *f, *s;
        size_t len;
    } arr[] = {
        {"pba", full->pba, sub->pba, R},
        {"cba", full->cba, sub->cba, R},
        {"imports", full->imports, sub->imports, R},
        {"exports", full->exports, sub->exports, R},
        {"unallocated", full->unallocated, sub->unallocated, R},
        {"fy", full->fy, sub->fy, R},
        {"flows", full->flows, sub->flows, R * R},
        {"M", full->M, sub->M, N},
        {"D_cba", full->D_cba, sub->D_cba, N},
        {"D_pba", full->D_pba, sub->D_pba, N},
        {"D_imp", full->D_imp, sub->D_imp, N},
        {"D_exp", full->D_exp, sub->D_exp, N},
        {"flows_by_sector", full->flows_by_sector, sub->flows_by_sector, N * R},
        {"g_pba", full->g_pba, sub->g_pba, G},
        {"g_cba", full->g_cba, sub->g_cba, G},
        {"g_imports", full->g_imports, sub->g_imports, G},
        {"g_exports", full->g_exports, sub->g_exports, G},
        {"m_dom", full->m_dom, sub->m_dom, N},
        {"eebt_flows", full->eebt_flows, sub->eebt_flows, R * R},
        {"eebt_flows_by_sector", full->eebt_flows_by_sector, sub->eebt_flows_by_sector, N * R},
        {"eebt_cba", full->eebt_cba, sub->eebt_cba, R},
        {"eebt_imports", full->eebt_imports, sub->eebt_imports, R},
        {"eebt_exports", full->eebt_exports, sub->eebt_exports, R},
        {"g_eebt_cba", full->g_eebt_cba, sub->g_eebt_cba, G},
        {"tcba", full->tcba, sub->tcba, R},
        {"g_tcba", full->g_tcba, sub->g_tcba, G},
    };
    for (size_t a = 0; a < sizeof arr / sizeof arr[0]; a++)
        same_rows(arr[a].name, arr[a].f, arr[a].s, sel, nsel, arr[a].len, tol);
}

static const emb_accounts_opts everything = {.per_sector = 1, .flows_by_sector = 1, .eebt = 1,
                                             .eebt_by_sector = 1, .tcba = 1};

/* Subsets in table order, out of order, and of one stressor, on a table
 * whose per-sector imports go by masked multipliers (k n_r <= N) in both
 * runs, for the dense and the sparse solver: the subset's rows equal the
 * full run's. */
START_TEST(subset_equals_full_rows)
{
    emb_table *t = gen(5, 7, 6, 4242); /* N = 35, k n_r = 30 */
    static const size_t subsets[][3] = {{1, 4, 0}, {5, 2, 0}, {3, 0, 0}};
    static const size_t nsub[] = {2, 2, 1};
    for (int sk = 0; sk < 2; sk++) {
        emb_accounts_opts o = everything;
        o.solver.kind = sk ? EMB_SOLVER_SPARSE : EMB_SOLVER_DENSE;
        emb_accounts *full = NULL;
        OK(emb_accounts_compute(t, &o, &full));
        for (size_t c = 0; c < 3; c++) {
            emb_accounts_opts so = o;
            so.stressors = subsets[c], so.n_stressors = nsub[c];
            emb_accounts *sub = NULL;
            OK(emb_accounts_compute(t, &so, &sub));
            compare(full, sub, subsets[c], nsub[c]);
            double worst;
            OK(emb_accounts_check(sub, 1e-9, &worst));
            emb_accounts_free(sub);
        }
        emb_accounts_free(full);
    }
    emb_table_free(t);
}
END_TEST

/* k n_r > N in the full run (per-sector imports by N direct solves, one
 * per consumed product) but k' n_r <= N in the subset's (by k' n_r masked
 * multipliers): two ways to the same D_imp, equal to 1e-15 here too. */
START_TEST(subset_changes_the_per_sector_path)
{
    emb_table *t = gen(4, 3, 5, 77); /* N = 12, k n_r = 20 > 12, k' n_r = 8 */
    emb_accounts_opts o = {.per_sector = 1, .solver.kind = EMB_SOLVER_DENSE};
    emb_accounts *full = NULL, *sub = NULL;
    OK(emb_accounts_compute(t, &o, &full));
    const size_t sel[] = {3, 0};
    o.stressors = sel, o.n_stressors = 2;
    OK(emb_accounts_compute(t, &o, &sub));
    compare(full, sub, sel, 2);
    emb_accounts_free(full);
    emb_accounts_free(sub);
    emb_table_free(t);
}
END_TEST

/* The staged path solves only the subset's multipliers: k' transposed
 * right-hand sides (plus k' n_r masked ones for per-sector imports) instead
 * of k (+ k n_r); assembling them gives the one-call subset's numbers. */
START_TEST(staged_solves_only_the_subset)
{
    emb_table *t = gen(4, 6, 5, 99); /* N = 24 */
    emb_solver_opts sv = {.kind = EMB_SOLVER_DENSE};
    emb_leontief *lf = NULL;
    OK(emb_leontief_create(t, &sv, &lf));
    const size_t sel[] = {4, 1};
    emb_accounts_opts o = {.per_sector = 1, .stressors = sel, .n_stressors = 2};
    emb_accounts_prep *p = NULL, *pf = NULL;
    OK(emb_accounts_prepare(t, emb_leontief_x(lf), &o, &p));
    emb_accounts_opts of = {.per_sector = 1};
    OK(emb_accounts_prepare(t, emb_leontief_x(lf), &of, &pf));
    /* k' n_r = 8 <= N: per-sector imports by 8 masked multipliers. */
    ck_assert_uint_eq(emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED), 2 + 2 * 4);
    ck_assert_uint_eq(emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT), 4);
    /* The full run: k = 5 multipliers and k n_r = 20 masked ones. */
    ck_assert_uint_eq(emb_accounts_n_rhs(pf, EMB_ACCOUNTS_TRANSPOSED), 5 + 5 * 4);
    /* The right-hand side of transposed column 0 is S[4]^T: F[4] / x. */
    double *b = malloc(t->N * sizeof *b);
    OK(emb_accounts_rhs(p, EMB_ACCOUNTS_TRANSPOSED, 0, 1, b, t->N));
    const double *x = emb_leontief_x(lf);
    for (size_t i = 0; i < t->N; i++)
        ck_assert(b[i] == (x[i] > 0 ? t->F[4 * t->N + i] / x[i] : 0.0));
    free(b);
    OK(emb_accounts_solve_all(p, lf));
    emb_accounts *a = NULL, *ref = NULL;
    OK(emb_accounts_assemble(p, &a));
    emb_accounts_opts oc = o;
    oc.solver = sv;
    OK(emb_accounts_compute(t, &oc, &ref));
    for (size_t i = 0; i < 2 * t->n_r; i++)
        ck_assert(a->cba[i] == ref->cba[i]);
    ck_assert_uint_eq(a->stressor[0], 4);
    emb_accounts_free(a);
    emb_accounts_free(ref);
    emb_accounts_prep_free(p);
    emb_accounts_prep_free(pf);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

/* An index out of range, one asked twice, or a count without an array:
 * EMB_EUSAGE naming the problem, from compute (before the factorisation)
 * and from prepare; nothing returned. */
START_TEST(bad_subsets_refused)
{
    emb_table *t = gen(3, 4, 3, 5);
    const size_t out_of_range[] = {0, 3}, twice[] = {2, 0, 2};
    struct {
        const size_t *sel;
        size_t n;
        const char *says;
    } cases[] = {{out_of_range, 2, "stressors[1] = 3 out of range"},
                 {twice, 3, "asked for twice"},
                 {NULL, 2, "stressors is NULL"}};
    for (size_t c = 0; c < 3; c++) {
        emb_accounts_opts o = {.stressors = cases[c].sel, .n_stressors = cases[c].n};
        emb_accounts *a = NULL;
        ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_EUSAGE);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(emb_errmsg(), cases[c].says), "%s", emb_errmsg());
        emb_accounts_prep *p = NULL;
        double *x = calloc(t->N, sizeof *x);
        for (size_t i = 0; i < t->N; i++)
            x[i] = 1;
        ck_assert_int_eq(emb_accounts_prepare(t, x, &o, &p), EMB_EUSAGE);
        ck_assert_ptr_null(p);
        free(x);
    }
    emb_table_free(t);
}
END_TEST

/* The writers name the subset's rows with the table's labels: results.h5's
 * /stressors and /stressor_units, accounts.csv's stressor column, the
 * summary's headings; a stressor not asked for appears nowhere. */
START_TEST(writers_label_the_subset)
{
    emb_table *t = gen(3, 4, 4, 17);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR, 2, "CH4 kept"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 2, "kg CH4"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR, 1, "N2O dropped"), EMB_OK);
    const size_t sel[] = {2, 0};
    emb_accounts_opts o = {.per_sector = 1, .eebt = 1, .stressors = sel, .n_stressors = 2};
    emb_accounts *a = NULL;
    OK(emb_accounts_compute(t, &o, &a));
    char *dir = emb_test_tmpdir();
    const char *h5 = emb_test_pathf("%s/r.h5", dir), *csv = emb_test_pathf("%s/csv", dir),
               *sum = emb_test_pathf("%s/summary.txt", dir);
    OK(emb_results_write_h5(a, t, h5));
    OK(emb_results_write_csv(a, t, csv));
    OK(emb_results_write_summary(a, t, NULL, 0, sum));
    hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t d = H5Dopen2(f, "stressors", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[1];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], 2);
    H5Sclose(sp);
    H5Dclose(d);
    d = H5Dopen2(f, "pba", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t d2[2];
    H5Sget_simple_extent_dims(sp, d2, NULL);
    ck_assert_uint_eq(d2[0], 2);
    double *pba = malloc(2 * t->n_r * sizeof *pba);
    ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, pba) >= 0);
    for (size_t i = 0; i < 2 * t->n_r; i++)
        ck_assert(pba[i] == a->pba[i]);
    free(pba);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    size_t len;
    char *text = emb_test_slurp(emb_test_pathf("%s/accounts.csv", csv), &len);
    ck_assert_msg(strstr(text, "\nCH4 kept,kg CH4,") && !strstr(text, "N2O dropped"), "%s", text);
    ck_assert_msg(strstr(text, emb_test_pathf("\n%s,", t->stressors[0])), "%s", text);
    /* CH4 (row 0) comes before stressor 0 (row 1): the order asked. */
    ck_assert(strstr(text, "CH4 kept") < strstr(text, emb_test_pathf("\n%s,", t->stressors[0])));
    free(text);
    text = emb_test_slurp(emb_test_pathf("%s/eebt_accounts.csv", csv), &len);
    ck_assert_msg(strstr(text, "\nCH4 kept,kg CH4,") && !strstr(text, "N2O dropped"), "%s", text);
    free(text);
    text = emb_test_slurp(sum, &len);
    ck_assert_msg(strstr(text, "CH4 kept [kg CH4]") && !strstr(text, "N2O"), "%s", text);
    free(text);
    /* A selection of rows beyond the subset is refused. */
    const size_t bad[] = {2};
    ck_assert_int_eq(emb_results_write_summary(a, t, bad, 1, sum), EMB_EUSAGE);
    emb_accounts_free(a);
    emb_test_rmtree(dir);
    free(dir);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounts_subset");
    TCase *tc = tcase_create("subset");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, subset_equals_full_rows);
    tcase_add_test(tc, subset_changes_the_per_sector_path);
    tcase_add_test(tc, staged_solves_only_the_subset);
    tcase_add_test(tc, bad_subsets_refused);
    tcase_add_test(tc, writers_label_the_subset);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
