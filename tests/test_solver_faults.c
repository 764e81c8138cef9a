/* tests/test_solver_faults.c — allocation failure at every k-th allocation
 * (emb_alloc_fail_after) over solver creation and solves, for every backend
 * (dense, mixed, sparse) and every storage of T (a dense array in memory,
 * CSR, streamed from an HDF5 file this test writes): each failing run is a
 * clean EMB_ENOMEM (no crash; no leak under ASan with CK_FORK=no), and the
 * loop must reach a k where nothing fails, whose answers are checked
 * against the dense solver's. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ST_DENSE, ST_CSR, ST_STREAMED, ST_COUNT };
static const char *const storage_name[] = {"dense", "CSR", "streamed"};

/* A small generated table stored as asked; *dir set for the streamed one. */
static emb_table *make(int storage, char **dir)
{
    emb_synth_opts o = emb_synth_defaults(3, 4, 3, 2, 77);
    o.foreign_density = 0.3;
    o.csr = storage == ST_CSR;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "%s", emb_errmsg());
    *dir = NULL;
    if (storage == ST_STREAMED) {
        *dir = emb_test_tmpdir();
        const char *path = emb_test_pathf("%s/t.h5", *dir); /* static buffer */
        ck_assert_msg(emb_table_write_h5(t, path, NULL) == EMB_OK, "%s", emb_errmsg());
        emb_table_free(t);
        t = NULL;
        ck_assert_msg(emb_table_read_h5(path, EMB_READ_DEFAULT, &t) == EMB_OK, "%s", emb_errmsg());
        ck_assert_ptr_null(t->T);
        ck_assert_ptr_null(t->csr);
    }
    if (storage == ST_CSR)
        ck_assert_ptr_nonnull(t->csr);
    if (storage == ST_DENSE)
        ck_assert_ptr_nonnull(t->T);
    return t;
}

/* Y summed by region (N x n_r) and S^T with S = F diag(1/x) (N x k), column-major. */
static double *rhs_direct(const emb_table *t)
{
    double *B = calloc(t->N * t->n_r, sizeof *B);
    ck_assert_ptr_nonnull(B);
    for (size_t i = 0; i < t->N; i++)
        for (size_t r = 0; r < t->n_r; r++)
            for (size_t f = 0; f < t->n_f; f++)
                B[r * t->N + i] += t->Y[i * t->n_y + r * t->n_f + f];
    return B;
}

static double *rhs_trans(const emb_table *t, const double *x)
{
    double *S = calloc(t->N * t->k, sizeof *S);
    ck_assert_ptr_nonnull(S);
    for (size_t s = 0; s < t->k; s++)
        for (size_t i = 0; i < t->N; i++)
            S[s * t->N + i] = x[i] > 0 ? t->F[s * t->N + i] / x[i] : 0.0;
    return S;
}

static void assert_close(const double *got, const double *want, size_t n, const char *what)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(got[i] - want[i]) <= 1e-9 * scale, "%s[%zu]: %.17g vs %.17g", what, i,
                      got[i], want[i]);
}

START_TEST(every_allocation_fails_cleanly)
{
    /* The reference: dense double on the in-memory table, no injection. */
    char *dir0;
    emb_table *t0 = make(ST_DENSE, &dir0);
    size_t N = t0->N, R = t0->n_r, K = t0->k;
    emb_leontief *ref = NULL;
    ck_assert_int_eq(emb_leontief_factor(t0, &ref), EMB_OK);
    double *Ld = rhs_direct(t0), *Mt = rhs_trans(t0, emb_leontief_x(ref));
    double *x0 = malloc(N * sizeof *x0);
    memcpy(x0, emb_leontief_x(ref), N * sizeof *x0);
    ck_assert_int_eq(emb_leontief_solve(ref, R, Ld, N), EMB_OK);
    ck_assert_int_eq(emb_leontief_tsolve(ref, K, Mt, N), EMB_OK);
    emb_leontief_free(ref);
    emb_table_free(t0);

    for (int storage = 0; storage < ST_COUNT; storage++)
        for (int kind = EMB_SOLVER_DENSE; kind <= EMB_SOLVER_SPARSE; kind++) {
            char *dir;
            emb_table *t = make(storage, &dir);
            emb_solver_opts so = {.kind = (emb_solver_kind)kind};
            long failures = 0;
            int done = 0;
            for (long k = 0; k < 5000 && !done; k++) {
                double *B = rhs_direct(t), *S = rhs_trans(t, x0), *B2 = rhs_direct(t),
                       *S2 = rhs_trans(t, x0), rd, rt;
                emb_leontief *lf = (emb_leontief *)1;
                emb_alloc_fail_after(k);
                emb_status st = emb_leontief_create(t, &so, &lf);
                if (st != EMB_OK)
                    ck_assert_ptr_null(lf);
                if (st == EMB_OK)
                    st = emb_leontief_solve(lf, R, B, N);
                if (st == EMB_OK)
                    st = emb_leontief_tsolve(lf, K, S, N);
                if (st == EMB_OK)
                    st = emb_leontief_solve_checked(lf, R, B2, K, S2, &rd, &rt);
                emb_alloc_fail_after(-1);
                ck_assert_msg(st == EMB_OK || st == EMB_ENOMEM, "%s, %s, k = %ld: %d %s",
                              storage_name[storage], emb_solver_name((emb_solver_kind)kind), k,
                              st, emb_errmsg());
                if (st == EMB_OK) {
                    assert_close(emb_leontief_x(lf), x0, N, "x");
                    assert_close(B, Ld, N * R, "L y");
                    assert_close(S, Mt, N * K, "S L");
                    assert_close(B2, Ld, N * R, "L y (checked)");
                    assert_close(S2, Mt, N * K, "S L (checked)");
                    ck_assert_msg(rd <= 1e-10 && rt <= 1e-10, "residuals %g %g", rd, rt);
                    done = 1;
                } else
                    failures++;
                if (lf != (emb_leontief *)1)
                    emb_leontief_free(lf);
                free(B), free(S), free(B2), free(S2);
            }
            ck_assert_msg(done, "%s, %s: never succeeded", storage_name[storage],
                          emb_solver_name((emb_solver_kind)kind));
            ck_assert_msg(failures > 5, "%s, %s: only %ld injected failures",
                          storage_name[storage], emb_solver_name((emb_solver_kind)kind), failures);
            emb_table_free(t);
            if (dir) {
                emb_test_rmtree(dir);
                free(dir);
            }
        }
    free(Ld), free(Mt), free(x0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("solver_faults");
    TCase *tc = tcase_create("solver_faults");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_allocation_fails_cleanly);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
