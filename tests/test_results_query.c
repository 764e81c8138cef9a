/* tests/test_results_query.c — a results file read back (emb_results_read_h5)
 * and queried without solving: every stored array bit-identical to the
 * computed accounts, the flows and summary writers give the same text from
 * either, groups added afterwards are member sums equal to computing with
 * them, damaged or foreign files refused; and the CLI: `flows R.h5` and
 * `accounts R.h5` answer with the input table deleted (so nothing can have
 * been solved), say "read from results file", refuse --solver/--by/-o. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "io/h5util.h"
#include "results/results_nc.h"
#include "testutil.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;

static void setup(void) { tmp = emb_test_tmpdir(); }

static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

static emb_table *demo(void)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_src_path("datasets/demo.h5"), 0, &t), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "ASIA=CN,MN"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "REST=US,RU,RoW"), EMB_OK);
    return t;
}

static emb_accounts *compute(const emb_table *t, int all)
{
    emb_accounts_opts o = {.per_sector = all, .flows_by_sector = all, .eebt_by_sector = all,
                           .eebt = all, .tcba = all};
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    return a;
}

/* a and b hold the same n doubles, bit for bit (both NULL: absent in both). */
static void same(const char *what, const double *a, const double *b, size_t n)
{
    ck_assert_msg((a == NULL) == (b == NULL), "%s: present in one only", what);
    if (a)
        ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0, "%s differs", what);
}

static void same_accounts(const emb_accounts *a, const emb_accounts *b)
{
    size_t k = a->k, R = a->n_r, N = a->N, G = a->n_groups;
    ck_assert_uint_eq(b->k, k);
    ck_assert_uint_eq(b->n_r, R);
    ck_assert_uint_eq(b->N, N);
    ck_assert_uint_eq(b->n_groups, G);
    const struct {
        const char *name;
        const double *x, *y;
        size_t n;
    } v[] = {
        {"pba", a->pba, b->pba, k * R}, {"cba", a->cba, b->cba, k * R},
        {"imports", a->imports, b->imports, k * R}, {"exports", a->exports, b->exports, k * R},
        {"unallocated", a->unallocated, b->unallocated, k * R}, {"fy", a->fy, b->fy, k * R},
        {"flows", a->flows, b->flows, k * R * R}, {"M", a->M, b->M, k * N}, {"x", a->x, b->x, N},
        {"D_cba", a->D_cba, b->D_cba, k * N}, {"D_pba", a->D_pba, b->D_pba, k * N},
        {"D_imp", a->D_imp, b->D_imp, k * N}, {"D_exp", a->D_exp, b->D_exp, k * N},
        {"flows_by_sector", a->flows_by_sector, b->flows_by_sector, k * N * R},
        {"g_pba", a->g_pba, b->g_pba, k * G}, {"g_cba", a->g_cba, b->g_cba, k * G},
        {"g_imports", a->g_imports, b->g_imports, k * G},
        {"g_exports", a->g_exports, b->g_exports, k * G},
        {"g_unallocated", a->g_unallocated, b->g_unallocated, k * G},
        {"tcba", a->tcba, b->tcba, k * R}, {"g_tcba", a->g_tcba, b->g_tcba, k * G},
        {"eebt_cba", a->eebt_cba, b->eebt_cba, k * R},
        {"eebt_imports", a->eebt_imports, b->eebt_imports, k * R},
        {"eebt_exports", a->eebt_exports, b->eebt_exports, k * R},
        {"eebt_flows", a->eebt_flows, b->eebt_flows, k * R * R}, {"m_dom", a->m_dom, b->m_dom, k * N},
        {"eebt_flows_by_sector", a->eebt_flows_by_sector, b->eebt_flows_by_sector, k * N * R},
        {"g_eebt_cba", a->g_eebt_cba, b->g_eebt_cba, k * G},
        {"g_eebt_imports", a->g_eebt_imports, b->g_eebt_imports, k * G},
        {"g_eebt_exports", a->g_eebt_exports, b->g_eebt_exports, k * G},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        same(v[i].name, v[i].x, v[i].y, v[i].n);
}

static char *file_text(const char *path)
{
    size_t n;
    char *s = emb_test_slurp(path, &n);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(test_read_back_bit_identical)
{
    emb_table *t = demo();
    emb_accounts *a = compute(t, 1);
    const char *r = emb_test_pathf("%s/r.h5", tmp);
    ck_assert_int_eq(emb_results_write_h5(a, t, r), EMB_OK);
    int is = -1;
    ck_assert_int_eq(emb_results_probe(r, &is), EMB_OK);
    ck_assert_int_eq(is, 1);
    emb_table *u = NULL;
    emb_accounts *b = NULL;
    ck_assert_int_eq(emb_results_read_h5(r, &u, &b), EMB_OK);
    ck_assert_ptr_null(u->T);
    ck_assert_ptr_null(u->csr);
    same_accounts(a, b);
    ck_assert_uint_eq(u->n_r, t->n_r);
    ck_assert_uint_eq(u->n_s, t->n_s);
    for (size_t i = 0; i < t->n_r; i++)
        ck_assert_str_eq(u->regions[i], t->regions[i]);
    for (size_t i = 0; i < t->n_s; i++)
        ck_assert_str_eq(u->sectors[i], t->sectors[i]);
    for (size_t i = 0; i < t->k; i++) {
        ck_assert_str_eq(u->stressors[i], t->stressors[i]);
        ck_assert_str_eq(u->stressor_units[i], t->stressor_units[i]);
    }
    ck_assert_uint_eq(u->n_groups, 2);
    for (size_t g = 0; g < 2; g++) {
        ck_assert_str_eq(u->groups[g].name, t->groups[g].name);
        ck_assert_uint_eq(u->groups[g].n, t->groups[g].n);
        ck_assert(!memcmp(u->groups[g].members, t->groups[g].members,
                          t->groups[g].n * sizeof *t->groups[g].members));
    }
    ck_assert_str_eq(u->monetary_unit, t->monetary_unit);
    /* The writers give the same text from either. */
    emb_flow_pair p[] = {{"CN", "REST"}, {"ASIA", "EU27"}, {"REST", "ASIA"}, {"US", "CN"}};
    const char *f1 = emb_test_pathf("%s/f1.csv", tmp), *f2 = emb_test_pathf("%s/f2.csv", tmp);
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, p, 4, 0, EMB_RESULTS_CSV, f1), EMB_OK);
    ck_assert_int_eq(emb_results_write_flows(b, u, NULL, 0, p, 4, 0, EMB_RESULTS_CSV, f2), EMB_OK);
    char *s1 = file_text(f1), *s2 = file_text(f2);
    ck_assert_str_eq(s1, s2);
    ck_assert_msg(strstr(s1, ",CN,REST,"), "%s", s1);
    free(s1);
    free(s2);
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, p, 2, 1, EMB_RESULTS_TEXT, f1), EMB_OK);
    ck_assert_int_eq(emb_results_write_flows(b, u, NULL, 0, p, 2, 1, EMB_RESULTS_TEXT, f2), EMB_OK);
    s1 = file_text(f1), s2 = file_text(f2);
    ck_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    ck_assert_int_eq(emb_results_write_summary(a, t, NULL, 0, f1), EMB_OK);
    ck_assert_int_eq(emb_results_write_summary(b, u, NULL, 0, f2), EMB_OK);
    s1 = file_text(f1), s2 = file_text(f2);
    ck_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    emb_accounts_free(a);
    emb_accounts_free(b);
    emb_table_free(t);
    emb_table_free(u);
}
END_TEST

/* A group defined after the fact: its accounts (emb_results_regroup) equal
 * those computed with the group from the start, bit for bit. */
START_TEST(test_regroup_equals_compute)
{
    emb_table *t = demo();
    emb_accounts *a = compute(t, 1);
    const char *r = emb_test_pathf("%s/r.h5", tmp);
    ck_assert_int_eq(emb_results_write_h5(a, t, r), EMB_OK);
    emb_table *u = NULL;
    emb_accounts *b = NULL;
    ck_assert_int_eq(emb_results_read_h5(r, &u, &b), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(u, "NORTH=RU,EU27,US"), EMB_OK);
    ck_assert_int_eq(emb_results_regroup(b, u), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "NORTH=RU,EU27,US"), EMB_OK);
    emb_accounts *c = compute(t, 1);
    same_accounts(c, b);
    emb_accounts_free(a);
    emb_accounts_free(b);
    emb_accounts_free(c);
    emb_table_free(t);
    emb_table_free(u);
}
END_TEST

/* Not a results file, or stored accounts that are no longer accounts. */
START_TEST(test_refused)
{
    int is = -1;
    emb_table *u = NULL;
    emb_accounts *b = NULL;
    const char *table = emb_test_src_path("datasets/demo.h5");
    ck_assert_int_eq(emb_results_probe(table, &is), EMB_OK);
    ck_assert_int_eq(is, 0);
    ck_assert_int_eq(emb_results_read_h5(table, &u, &b), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "not an embodied results file"), "%s", emb_errmsg());
    ck_assert_ptr_null(u);
    const char *txt = emb_test_pathf("%s/x.txt", tmp);
    emb_test_spits(txt, "not hdf5\n");
    ck_assert_int_eq(emb_results_probe(txt, &is), EMB_OK);
    ck_assert_int_eq(is, 0);
    ck_assert_int_ne(emb_results_read_h5(txt, &u, &b), EMB_OK);
    /* cba edited: CBA = PBA + imports - exports no longer holds */
    emb_table *t = demo();
    emb_accounts *a = compute(t, 0);
    const char *r = emb_test_pathf("%s/r.h5", tmp);
    ck_assert_int_eq(emb_results_write_h5(a, t, r), EMB_OK);
    hid_t f = H5Fopen(r, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "cba", H5P_DEFAULT);
    double *cba = malloc(a->k * a->n_r * sizeof *cba);
    memcpy(cba, a->cba, a->k * a->n_r * sizeof *cba);
    cba[1] *= 1.001;
    ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cba), 0);
    H5Dclose(d);
    H5Fclose(f);
    free(cba);
    ck_assert_int_eq(emb_results_read_h5(r, &u, &b), EMB_ENUMERIC);
    ck_assert_msg(strstr(emb_errmsg(), r), "%s", emb_errmsg());
    ck_assert_ptr_null(b);
    /* a dataset missing */
    ck_assert_int_eq(emb_results_write_h5(a, t, emb_test_pathf("%s/s.h5", tmp)), EMB_OK);
    f = H5Fopen(emb_test_pathf("%s/s.h5", tmp), H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(H5Ldelete(f, "flows", H5P_DEFAULT), 0);
    H5Fclose(f);
    ck_assert_int_eq(emb_results_read_h5(emb_test_pathf("%s/s.h5", tmp), &u, &b), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "flows"), "%s", emb_errmsg());
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Every allocation of the reader (and of regroup) failing in turn: EMB_ENOMEM
 * and nothing returned or leaked (ASan), never a crash; then success. */
START_TEST(test_read_allocation_failures)
{
    emb_table *t = demo();
    emb_accounts *a = compute(t, 1);
    const char *r = emb_test_pathf("%s/r.h5", tmp);
    ck_assert_int_eq(emb_results_write_h5(a, t, r), EMB_OK);
    emb_accounts_free(a);
    emb_table_free(t);
    int done = 0;
    for (long k = 0; !done && k < 100000; k++) {
        emb_table *u = NULL;
        emb_accounts *b = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_results_read_h5(r, &u, &b);
        if (st == EMB_OK) {
            st = emb_table_add_group_spec(u, "NORTH=RU,EU27");
            if (st == EMB_OK)
                st = emb_results_regroup(b, u);
            done = st == EMB_OK;
        } else {
            ck_assert_ptr_null(u);
            ck_assert_ptr_null(b);
        }
        emb_alloc_fail_after(-1);
        ck_assert_msg(st == EMB_OK || st == EMB_ENOMEM, "k = %ld: %d %s", k, (int)st, emb_errmsg());
        emb_accounts_free(b);
        emb_table_free(u);
    }
    ck_assert(done);
}
END_TEST

/* Datasets the netCDF description does not name (a later change's) get
 * dimensions from their shape, group_* ones the group axis even where there
 * are as many groups as regions, so every netCDF-4 reader still opens the
 * file (h5netcdf refuses a dataset without dimension scales). */
START_TEST(test_netcdf_unknown_datasets)
{
    emb_table *t = demo(); /* 6 regions */
    for (int g = 0; g < 4; g++) {
        char spec[64];
        snprintf(spec, sizeof spec, "G%d=%s", g, t->regions[g]);
        ck_assert_int_eq(emb_table_add_group_spec(t, spec), EMB_OK);
    }
    ck_assert_uint_eq(t->n_groups, t->n_r); /* as many groups as regions */
    const char *fn = emb_test_pathf("%s/u.h5", tmp);
    hid_t f = H5Fcreate(fn, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    size_t kR[2] = {t->k, t->n_r}, kN[2] = {t->k, t->N};
    double *z = calloc(t->k * t->N, sizeof *z);
    ck_assert_int_eq(emb_h5_write_doubles(f, fn, "pba_per_capita", 2, kR, z, 0), EMB_OK);
    ck_assert_int_eq(emb_h5_write_doubles(f, fn, "group_pba_per_capita", 2, kR, z, 0), EMB_OK);
    ck_assert_int_eq(emb_h5_write_doubles(f, fn, "intensity", 2, kN, z, 0), EMB_OK);
    free(z);
    ck_assert_int_eq(emb_results_h5_netcdf(f, fn, NULL, t), EMB_OK);
    static const char *want[][3] = {{"pba_per_capita", "stressor", "region"},
                                    {"group_pba_per_capita", "stressor", "group"},
                                    {"intensity", "stressor", "sector_index"}};
    for (size_t i = 0; i < 3; i++) {
        hid_t d = H5Dopen2(f, want[i][0], H5P_DEFAULT);
        for (unsigned ax = 0; ax < 2; ax++) {
            hid_t sc = H5Dopen2(f, want[i][1 + ax], H5P_DEFAULT);
            ck_assert_msg(H5DSis_attached(d, sc, ax) > 0, "%s axis %u is not %s", want[i][0], ax,
                          want[i][1 + ax]);
            H5Dclose(sc);
        }
        H5Dclose(d);
    }
    H5Fclose(f);
    emb_table_free(t);
}
END_TEST

/* Run the CLI in sh; stdout and stderr into files of tmp; the exit status. */
static int cli(const char *args, char **out, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/embodied' %s >out.txt 2>err.txt", tmp,
             b ? b : "build", args);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed", cmd);
    *out = file_text(emb_test_pathf("%s/out.txt", tmp));
    *err = file_text(emb_test_pathf("%s/err.txt", tmp));
    return WEXITSTATUS(rc);
}

START_TEST(test_cli_queries_without_table)
{
    char *o, *e, *o1, *e1;
    /* the table copied, the results computed from the copy, the copy
     * deleted: whatever answers now cannot have solved anything */
    size_t n;
    char *bytes = emb_test_slurp(emb_test_src_path("datasets/demo.h5"), &n);
    emb_test_spit(emb_test_pathf("%s/t.h5", tmp), bytes, n);
    free(bytes);
    const char *g = "-g ASIA=CN,MN -g REST=US,RU,RoW";
    char args[1024];
    snprintf(args, sizeof args, "accounts t.h5 -o r.h5 --flows-by-sector %s", g);
    ck_assert_int_eq(cli(args, &o, &e), 0);
    free(e);
    snprintf(args, sizeof args, "flows t.h5 --from CN --to REST --from ASIA --to EU27 --csv %s", g);
    ck_assert_int_eq(cli(args, &o1, &e1), 0);
    free(e1);
    char *summary = o;
    ck_assert_int_eq(unlink(emb_test_pathf("%s/t.h5", tmp)), 0);
    ck_assert_int_eq(cli("flows r.h5 --from CN --to REST --from ASIA --to EU27 --csv", &o, &e), 0);
    ck_assert_str_eq(o, o1);
    ck_assert_msg(strstr(e, "read from results file") && strstr(e, "nothing solved"), "%s", e);
    free(o);
    free(o1);
    free(e);
    /* --from alone / --to alone: all destinations / all origins, groups included */
    ck_assert_int_eq(cli("flows r.h5 --from CN --csv", &o, &e), 0);
    ck_assert_msg(strstr(o, ",CN,CN,") && strstr(o, ",CN,RoW,") && strstr(o, ",CN,ASIA,") &&
                      strstr(o, ",CN,REST,") && !strstr(o, "kt,MN,"), "%s", o);
    free(o);
    free(e);
    ck_assert_int_eq(cli("flows r.h5 --to REST --csv", &o, &e), 0);
    ck_assert_msg(strstr(o, ",CN,REST,") && strstr(o, ",ASIA,REST,") && strstr(o, ",REST,REST,") &&
                      !strstr(o, ",CN,CN,"), "%s", o);
    free(o);
    free(e);
    /* by sector, stored */
    ck_assert_int_eq(cli("flows r.h5 --from ASIA --to US --by-sector --csv", &o, &e), 0);
    ck_assert_msg(strstr(o, ",ASIA,agriculture,US,"), "%s", o);
    free(o);
    free(e);
    /* the summary equals that of the run that solved */
    ck_assert_int_eq(cli("accounts r.h5", &o, &e), 0);
    ck_assert_str_eq(o, summary);
    ck_assert_msg(strstr(e, "read from results file"), "%s", e);
    free(o);
    free(e);
    free(summary);
    /* what needs a solve, or is not stored, is refused with one clear line */
    static const char *refused[][2] = {
        {"flows r.h5 --from CN --to US --solver dense", "--solver"},
        {"flows r.h5 --from CN --to US --by origin-sector", "--by"},
        {"flows r.h5 --from CN --to US --explain", "--explain"},
        {"accounts r.h5 --solver sparse", "--solver"},
        {"accounts r.h5 -o again.h5", "-o"},
        {"accounts r.h5 --sectors", "--sectors"},
        {"accounts r.h5 --eebt", "--eebt"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ck_assert_int_eq(cli(refused[i][0], &o, &e), 2);
        ck_assert_msg(strstr(e, "results file") && strstr(e, refused[i][1]), "%s: %s",
                      refused[i][0], e);
        ck_assert_str_eq(o, "");
        free(o);
        free(e);
    }
    ck_assert_int_eq(access(emb_test_pathf("%s/again.h5", tmp), F_OK), -1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("results_query");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_read_back_bit_identical);
    tcase_add_test(tc, test_regroup_equals_compute);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_read_allocation_failures);
    tcase_add_test(tc, test_netcdf_unknown_datasets);
    tcase_add_test(tc, test_cli_queries_without_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return emb_test_run(suite()); }
