/* tests/test_accounts_faults.c — allocation failure injected at the k-th
 * allocation (emb_alloc_fail_after, src/core/alloc.h) for every k, over
 * emb_accounts_compute with every option combination (per_sector,
 * flows_by_sector, groups; dense and sparse solvers), the staged path, and
 * the results writers (HDF5, CSV, flows, summary into a temporary
 * directory).  Every failing run must return EMB_ENOMEM and leave nothing
 * behind (no result, no output file, no temporary; leaks are caught by the
 * sanitizer build, which runs this suite with CK_FORK=no); the loop must
 * reach a successful run whose results equal those computed without
 * injection (bit for bit: the same code path on the same data). */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Far more allocations than any run below makes: reaching it means the loop
 * never succeeded. */
#define MAX_K 5000

static emb_table *table(int groups, size_t n_r, size_t n_s, size_t k)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 2, k, 1000 + n_r);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    if (groups) {
        const char *m[] = {t->regions[0], t->regions[1]};
        ck_assert_int_eq(emb_table_add_group(t, "G01", 2, m), EMB_OK);
    }
    return t;
}

static void same_doubles(const char *what, const double *a, const double *b, size_t n)
{
    ck_assert_msg((a == NULL) == (b == NULL), "%s: present in one result only", what);
    if (a && memcmp(a, b, n * sizeof *a) != 0)
        ck_abort_msg("%s differs from the run without injected failures", what);
}

static void same_accounts(const emb_accounts *a, const emb_accounts *b)
{
    size_t k = a->k, R = a->n_r, N = a->N, G = a->n_groups;
    same_doubles("x", a->x, b->x, N);
    same_doubles("M", a->M, b->M, k * N);
    same_doubles("pba", a->pba, b->pba, k * R);
    same_doubles("cba", a->cba, b->cba, k * R);
    same_doubles("imports", a->imports, b->imports, k * R);
    same_doubles("exports", a->exports, b->exports, k * R);
    same_doubles("flows", a->flows, b->flows, k * R * R);
    same_doubles("D_cba", a->D_cba, b->D_cba, k * N);
    same_doubles("D_imp", a->D_imp, b->D_imp, k * N);
    same_doubles("D_exp", a->D_exp, b->D_exp, k * N);
    same_doubles("flows_by_sector", a->flows_by_sector, b->flows_by_sector, k * N * R);
    same_doubles("group cba", a->g_cba, b->g_cba, k * G);
    same_doubles("group imports", a->g_imports, b->g_imports, k * G);
}

/* Run `body` with the k-th allocation failing, k = 0, 1, ... until it
 * succeeds; every failure must be EMB_ENOMEM.  Returns the k that
 * succeeded. */
#define FAULT_LOOP(k, st, body, on_failure)                                                        \
    long k = 0;                                                                                    \
    for (;; k++) {                                                                                 \
        ck_assert_msg(k < MAX_K, "no success after %d injected failures", MAX_K);                  \
        emb_alloc_fail_after(k);                                                                   \
        emb_status st = EMB_OK;                                                                    \
        body;                                                                                      \
        emb_alloc_fail_after(-1);                                                                  \
        if (st == EMB_OK)                                                                          \
            break;                                                                                 \
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s (%s) instead of EMB_ENOMEM", k,               \
                      emb_strerror(st), emb_errmsg());                                             \
        on_failure;                                                                                \
    }

START_TEST(compute_every_option)
{
    static const emb_solver_kind kinds[] = {EMB_SOLVER_DENSE, EMB_SOLVER_SPARSE};
    for (int groups = 0; groups < 2; groups++) {
        /* k n_r <= N and k n_r > N: both ways of the per-sector imports */
        for (int shape = 0; shape < 2; shape++) {
            emb_table *t = shape ? table(groups, 3, 2, 4) : table(groups, 3, 4, 2);
            for (int opt = 0; opt < 8; opt++) {
                emb_accounts_opts o = {.per_sector = opt & 1, .flows_by_sector = (opt >> 1) & 1};
                o.solver.kind = kinds[(opt >> 2) & 1];
                emb_accounts *ref = NULL;
                ck_assert_int_eq(emb_accounts_compute(t, &o, &ref), EMB_OK);
                emb_accounts *a = NULL;
                FAULT_LOOP(k, st, st = emb_accounts_compute(t, &o, &a), ck_assert_ptr_null(a));
                ck_assert_msg(k > 5, "only %ld allocations: injection not reaching the code", k);
                same_accounts(ref, a);
                emb_accounts_free(a);
                emb_accounts_free(ref);
            }
            emb_table_free(t);
        }
    }
}
END_TEST

/* The staged path: two solvers, pieces, assemble. */
static emb_status staged(const emb_table *t, const emb_accounts_opts *o, emb_accounts **out)
{
    emb_solver_opts dense = {.kind = EMB_SOLVER_DENSE}, sparse = {.kind = EMB_SOLVER_SPARSE};
    emb_leontief *d = NULL, *s = NULL;
    emb_accounts_prep *p = NULL;
    emb_status st;
    *out = NULL;
    if ((st = emb_leontief_create(t, &dense, &d)) || (st = emb_leontief_create(t, &sparse, &s)) ||
        (st = emb_accounts_prepare(t, emb_leontief_x(d), o, &p)))
        goto done;
    size_t nd = emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT),
           nt = emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED);
    if ((st = emb_accounts_solve_range(p, s, EMB_ACCOUNTS_TRANSPOSED, 0, nt)) ||
        (st = emb_accounts_solve_range(p, d, EMB_ACCOUNTS_DIRECT, 1, nd - 1)) ||
        (st = emb_accounts_solve_range(p, d, EMB_ACCOUNTS_DIRECT, 0, 1)))
        goto done;
    /* the caller's own machinery for one more copy of the first column */
    double *B = malloc(t->N * sizeof *B);
    ck_assert_ptr_nonnull(B);
    double rd = 0, rt = 0;
    if (!(st = emb_accounts_rhs(p, EMB_ACCOUNTS_DIRECT, 0, 1, B, t->N)) &&
        !(st = emb_leontief_solve_checked(d, 1, B, 0, NULL, &rd, &rt)))
        st = emb_accounts_set_solution(p, EMB_ACCOUNTS_DIRECT, 0, 1, B, t->N, rd);
    free(B);
    if (!st)
        st = emb_accounts_assemble(p, out);
done:
    emb_accounts_prep_free(p);
    emb_leontief_free(d);
    emb_leontief_free(s);
    return st;
}

START_TEST(staged_path)
{
    for (int shape = 0; shape < 2; shape++) {
        emb_table *t = shape ? table(1, 3, 2, 4) : table(1, 3, 4, 2);
        emb_accounts_opts o = {.per_sector = 1, .flows_by_sector = 1};
        emb_accounts *ref = NULL, *a = NULL;
        ck_assert_int_eq(staged(t, &o, &ref), EMB_OK);
        FAULT_LOOP(k, st, st = staged(t, &o, &a), ck_assert_ptr_null(a));
        ck_assert(k > 5);
        same_accounts(ref, a);
        emb_accounts_free(a);
        emb_accounts_free(ref);
        emb_table_free(t);
    }
}
END_TEST

/* Names in dir, sorted, joined with spaces, into buf. */
static const char *listing(const char *dir, char *buf, size_t cap)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
            strncat(buf, list[i]->d_name, cap - strlen(buf) - 2);
            strcat(buf, " ");
        }
        free(list[i]);
    }
    free(list);
    return buf;
}

/* Every writer into an empty directory: a failure leaves it empty. */
static emb_status write_all(const emb_accounts *a, const emb_table *t, const char *dir)
{
    emb_status st;
    emb_flow_pair pairs[] = {{"G01", t->regions[2]}};
    size_t sel[] = {1};
    if ((st = emb_results_write_h5(a, t, emb_test_pathf("%s/r.h5", dir))) ||
        (st = emb_results_write_csv(a, t, emb_test_pathf("%s/csv", dir))) ||
        (st = emb_results_write_flows(a, t, NULL, 0, NULL, 0, 0, EMB_RESULTS_CSV,
                                      emb_test_pathf("%s/flows.csv", dir))) ||
        (st = emb_results_write_flows(a, t, sel, 1, pairs, 1, 1, EMB_RESULTS_TEXT,
                                      emb_test_pathf("%s/flows.txt", dir))) ||
        (st = emb_results_write_summary(a, t, NULL, 0, emb_test_pathf("%s/summary.txt", dir))))
        return st;
    return EMB_OK;
}

/* Writer w of write_all on its own. */
static emb_status write_one(int w, const emb_accounts *a, const emb_table *t, const char *out)
{
    emb_flow_pair pairs[] = {{"G01", t->regions[2]}};
    size_t sel[] = {1};
    switch (w) {
    case 0: return emb_results_write_h5(a, t, emb_test_pathf("%s/r.h5", out));
    case 1: return emb_results_write_csv(a, t, emb_test_pathf("%s/csv", out));
    case 2:
        return emb_results_write_flows(a, t, NULL, 0, NULL, 0, 0, EMB_RESULTS_CSV,
                                       emb_test_pathf("%s/flows.csv", out));
    case 3:
        return emb_results_write_flows(a, t, sel, 1, pairs, 1, 1, EMB_RESULTS_TEXT,
                                       emb_test_pathf("%s/flows.txt", out));
    default: return emb_results_write_summary(a, t, NULL, 0, emb_test_pathf("%s/summary.txt", out));
    }
}

/* After a failure of writer w: nothing new in out but (for the CSV writer)
 * its directory, empty.  The writers run one at a time, so the files of the
 * earlier ones are there. */
static void left_nothing(const char *out, int w, long k)
{
    static const char *before[] = {"", "r.h5 ", "csv r.h5 ", "csv flows.csv r.h5 ",
                                   "csv flows.csv flows.txt r.h5 "};
    char names[1024], sub[1024];
    listing(out, names, sizeof names);
    if (w == 1 && strcmp(names, "csv r.h5 ") == 0) {
        listing(emb_test_pathf("%s/csv", out), sub, sizeof sub);
        ck_assert_msg(sub[0] == '\0', "k = %ld: csv/ holds %s", k, sub);
    } else {
        ck_assert_msg(strcmp(names, before[w]) == 0, "k = %ld, writer %d: left %s", k, w, names);
    }
}

START_TEST(writers)
{
    emb_table *t = table(1, 3, 4, 2);
    emb_accounts_opts o = {.per_sector = 1, .flows_by_sector = 1};
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    char *base = emb_test_tmpdir();
    char ref[4200], out[4200], names[1024], want[1024];
    snprintf(ref, sizeof ref, "%s/ref", base);
    snprintf(out, sizeof out, "%s/out", base);
    ck_assert_int_eq(mkdir(ref, 0777), 0);
    ck_assert_int_eq(mkdir(out, 0777), 0);
    ck_assert_int_eq(write_all(a, t, ref), EMB_OK);
    listing(ref, want, sizeof want);
    /* Each writer separately, in write_all's order. */
    for (int w = 0; w < 5; w++) {
        FAULT_LOOP(k, st, st = write_one(w, a, t, out), left_nothing(out, w, k));
        ck_assert_msg(k >= 2, "writer %d: only %ld allocations", w, k);
    }
    /* The same files as without injection; the text ones byte for byte. */
    listing(out, names, sizeof names);
    ck_assert_str_eq(names, want);
    const char *texts[] = {"csv/accounts.csv", "csv/flows.csv", "csv/sectors.csv",
                           "csv/flows_by_sector.csv", "flows.csv", "flows.txt", "summary.txt"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t l1, l2;
        char *x = emb_test_slurp(emb_test_pathf("%s/%s", ref, texts[i]), &l1);
        char *y = emb_test_slurp(emb_test_pathf("%s/%s", out, texts[i]), &l2);
        ck_assert_msg(l1 == l2 && memcmp(x, y, l1) == 0, "%s differs", texts[i]);
        free(x);
        free(y);
    }
    emb_test_rmtree(base);
    free(base);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounts_faults");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, compute_every_option);
    tcase_add_test(tc, staged_path);
    tcase_add_test(tc, writers);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
