/* tests/test_csr.c — the technology matrix held as CSR (embodied/table.h):
 * emb_csr invariants and their errors, dense rows of a CSR table, CSR copies
 * of dense and CSR tables (bit-identical both ways), the dense solver and
 * the accounts on a CSR table, and allocation-failure loops. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static emb_table *gen(size_t n_r, size_t n_s, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 2, 2, seed);
    o.foreign_density = 0.1;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "%s", emb_errmsg());
    return t;
}

/* Bit-identical doubles (so -0.0 differs from +0.0). */
static void assert_bits_eq(const double *a, const double *b, size_t n, const char *what)
{
    if (n && memcmp(a, b, n * sizeof *a) != 0)
        for (size_t i = 0; i < n; i++)
            if (memcmp(&a[i], &b[i], sizeof *a) != 0)
                ck_abort_msg("%s[%zu]: %.17g != %.17g", what, i, a[i], b[i]);
}

/* The CSR of a dense row-major n x n array, built by hand. */
static emb_csr *csr_of(const double *T, size_t n)
{
    size_t nnz = 0;
    for (size_t i = 0; i < n * n; i++)
        nnz += T[i] != 0 || signbit(T[i]);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_csr_create(n, n, nnz, &m), EMB_OK);
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (T[i * n + j] != 0 || signbit(T[i * n + j])) {
                m->indices[p] = (uint32_t)j;
                m->data[p++] = T[i * n + j];
            }
        m->indptr[i + 1] = p;
    }
    return m;
}

/* Turn a dense table into a CSR one (through emb_table_tech_csr). */
static void make_csr(emb_table *t)
{
    emb_csr *m = NULL;
    ck_assert_msg(emb_table_tech_csr(t, &m) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_table_set_tech_csr(t, m) == EMB_OK, "%s", emb_errmsg());
    ck_assert_ptr_null(t->T);
    ck_assert_ptr_nonnull(t->csr);
}

START_TEST(dense_to_csr_and_back_is_bit_identical)
{
    emb_table *t = gen(4, 5, 11);
    size_t N = t->N;
    t->T[3] = -0.0; /* kept: the round trip must reproduce the sign */
    double *dense = malloc(N * N * sizeof *dense), *rows = malloc(N * N * sizeof *rows);
    ck_assert(dense && rows);
    memcpy(dense, t->T, N * N * sizeof *dense);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    emb_csr *ref = csr_of(dense, N);
    ck_assert_uint_eq(m->nnz, ref->nnz);
    ck_assert_uint_lt(m->nnz, N * N); /* zero-output rows and columns, sparse foreign blocks */
    ck_assert(memcmp(m->indptr, ref->indptr, (N + 1) * sizeof(size_t)) == 0);
    ck_assert(memcmp(m->indices, ref->indices, m->nnz * sizeof(uint32_t)) == 0);
    assert_bits_eq(m->data, ref->data, m->nnz, "data");
    ck_assert_int_eq(emb_csr_check(m, "x.h5", "/Z"), EMB_OK);
    emb_csr_free(ref);
    ck_assert_int_eq(emb_table_set_tech_csr(t, m), EMB_OK);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    /* Dense rows in uneven blocks. */
    for (size_t r0 = 0; r0 < N; r0 += 7) {
        size_t n = N - r0 < 7 ? N - r0 : 7;
        ck_assert_int_eq(emb_table_tech_rows(t, r0, n, rows + r0 * N), EMB_OK);
    }
    assert_bits_eq(rows, dense, N * N, "T");
    /* A CSR copy of a CSR table is an equal, separate matrix. */
    emb_csr *c = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &c), EMB_OK);
    ck_assert_ptr_ne(c->data, t->csr->data);
    ck_assert_uint_eq(c->nnz, t->csr->nnz);
    assert_bits_eq(c->data, t->csr->data, c->nnz, "copy");
    emb_csr_free(c);
    free(dense);
    free(rows);
    emb_table_free(t);
}
END_TEST

START_TEST(empty_and_full_rows)
{
    /* All-zero matrix: nnz 0; a full matrix: nnz N^2. */
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(1, 3, 1, 0, EMB_TECH_Z, 1, &t), EMB_OK);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    ck_assert_uint_eq(m->nnz, 0);
    for (size_t i = 0; i <= 3; i++)
        ck_assert_uint_eq(m->indptr[i], 0);
    emb_csr_free(m);
    for (size_t i = 0; i < 9; i++)
        t->T[i] = (double)i + 0.5;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    ck_assert_uint_eq(m->nnz, 9);
    ck_assert_uint_eq(m->indptr[2], 6);
    ck_assert_uint_eq(m->indices[5], 2);
    emb_csr_free(m);
    emb_table_free(t);
}
END_TEST

/* A 3 x 3 CSR: row 0 = {0: 1, 2: 2}, row 1 = {}, row 2 = {1: 3}. */
static emb_csr *small_csr(void)
{
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_csr_create(3, 3, 3, &m), EMB_OK);
    const size_t ip[4] = {0, 2, 2, 3};
    const uint32_t ix[3] = {0, 2, 1};
    const double d[3] = {1, 2, 3};
    memcpy(m->indptr, ip, sizeof ip);
    memcpy(m->indices, ix, sizeof ix);
    memcpy(m->data, d, sizeof d);
    return m;
}

static void expect_check(emb_csr *m, const char *needle1, const char *needle2)
{
    ck_assert_int_eq(emb_csr_check(m, "t.h5", "/Z"), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "t.h5") && strstr(emb_errmsg(), needle1) &&
                      strstr(emb_errmsg(), needle2), "%s", emb_errmsg());
    emb_csr_free(m);
}

START_TEST(csr_check_names_every_violation)
{
    emb_csr *m = small_csr();
    ck_assert_int_eq(emb_csr_check(m, "t.h5", "/Z"), EMB_OK);
    emb_csr_free(m);
    m = small_csr(), m->indptr[0] = 1;
    expect_check(m, "/Z/indptr", "entry 0");
    m = small_csr(), m->indptr[2] = 1; /* 2, 1, 3: decreasing */
    expect_check(m, "/Z/indptr", "non-decreasing");
    m = small_csr(), m->indptr[3] = 2;
    expect_check(m, "/Z/indptr", "last entry");
    m = small_csr(), m->indices[1] = 3;
    expect_check(m, "/Z/indices", "outside 0..2");
    m = small_csr(), m->indices[1] = 0; /* duplicate in row 0 */
    expect_check(m, "row 0", "strictly increasing");
    m = small_csr(), m->data[2] = NAN;
    expect_check(m, "/Z/data", "row 2, column 1");
    m = small_csr(), m->data[0] = INFINITY;
    expect_check(m, "/Z/data", "infinite");
}
END_TEST

START_TEST(set_tech_csr_checks_and_takes_ownership)
{
    emb_table *t = gen(1, 3, 5);
    ck_assert_int_eq(emb_table_set_path(t, "t.h5"), EMB_OK);
    emb_csr *m = small_csr();
    m->indices[2] = 7; /* freed by the failing call */
    ck_assert_int_eq(emb_table_set_tech_csr(t, m), EMB_EINPUT);
    ck_assert_ptr_nonnull(t->T);
    emb_csr *wrong = NULL;
    ck_assert_int_eq(emb_csr_create(2, 3, 0, &wrong), EMB_OK);
    ck_assert_int_eq(emb_table_set_tech_csr(t, wrong), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "2 x 3"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_set_tech_csr(t, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_set_tech_csr(t, small_csr()), EMB_OK);
    ck_assert_ptr_null(t->T);
    /* validate finds a value broken after the fact */
    t->csr->data[1] = NAN;
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "row 0, column 2"), "%s", emb_errmsg());
    emb_table_free(t);
    /* Dimensions beyond 32-bit indices are refused before allocating. */
    ck_assert_int_eq(emb_csr_create(EMB_CSR_MAX_DIM + 1, 1, 0, &m), EMB_ENOMEM);
    ck_assert_ptr_null(m);
}
END_TEST

/* The dense solver reads a CSR table through emb_table_tech_rows: the
 * accounts are bit-identical to those of the dense table. */
START_TEST(dense_solver_runs_on_csr_table)
{
    emb_table *d = gen(5, 6, 21), *s = gen(5, 6, 21);
    make_csr(s);
    emb_accounts *ad = NULL, *as = NULL;
    ck_assert_msg(emb_accounts_compute(d, NULL, &ad) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_accounts_compute(s, NULL, &as) == EMB_OK, "%s", emb_errmsg());
    assert_bits_eq(ad->M, as->M, d->k * d->N, "M");
    assert_bits_eq(ad->flows, as->flows, d->k * d->n_r * d->n_r, "flows");
    assert_bits_eq(ad->x, as->x, d->N, "x");
    emb_accounts_free(ad);
    emb_accounts_free(as);
    emb_table_free(d);
    emb_table_free(s);
}
END_TEST

START_TEST(alloc_failure_loop_tech_csr)
{
    emb_table *t = gen(3, 4, 8);
    emb_table *c = gen(3, 4, 8);
    make_csr(c);
    for (int which = 0; which < 2; which++) {
        int done = 0;
        for (long k = 0; k < 100 && !done; k++) {
            emb_csr *m = (emb_csr *)1;
            emb_alloc_fail_after(k);
            emb_status st = emb_table_tech_csr(which ? c : t, &m);
            emb_alloc_fail_after(-1);
            if (st == EMB_OK) {
                emb_csr_free(m);
                done = 1;
            } else {
                ck_assert_int_eq(st, EMB_ENOMEM);
                ck_assert_ptr_null(m);
            }
        }
        ck_assert(done);
    }
    emb_table_free(t);
    emb_table_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csr");
    TCase *tc = tcase_create("csr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dense_to_csr_and_back_is_bit_identical);
    tcase_add_test(tc, empty_and_full_rows);
    tcase_add_test(tc, csr_check_names_every_violation);
    tcase_add_test(tc, set_tech_csr_checks_and_takes_ownership);
    tcase_add_test(tc, dense_solver_runs_on_csr_table);
    tcase_add_test(tc, alloc_failure_loop_tech_csr);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
