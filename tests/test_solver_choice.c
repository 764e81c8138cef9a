/* tests/test_solver_choice.c — the method choice (src/solver/choose.c) as
 * the pure function it is: every branch of the decision, its thresholds,
 * the memory fallbacks and the refusals, in microseconds, without building
 * or factorising anything. */
#include "core/alloc.h"
#include "solver/choose.h"
#include "testutil.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define GiB 1073741824.0

static emb_solver_kind pick(size_t N, emb_solver_storage s, double density, double mem,
                            emb_solver_kind req, const char *why)
{
    emb_solver_choice c;
    emb_status st = emb_solver_choose(N, s, density, mem, "test limit", 4, req, &c);
    ck_assert_msg(st == EMB_OK, "N = %zu: %d %s", N, st, c.explain);
    ck_assert_msg(c.kind != EMB_SOLVER_AUTO, "auto is never the answer");
    if (why)
        ck_assert_msg(strstr(c.explain, why), "N = %zu: '%s' lacks '%s'", N, c.explain, why);
    return c.kind;
}

static void refused(size_t N, emb_solver_storage s, double mem, emb_solver_kind req,
                    emb_status want, const char *why)
{
    emb_solver_choice c;
    long allocs = emb_alloc_count();
    ck_assert_int_eq(emb_solver_choose(N, s, 1.0, mem, "test limit", 4, req, &c), want);
    ck_assert_msg(strstr(c.explain, why), "N = %zu: '%s' lacks '%s'", N, c.explain, why);
    ck_assert_int_eq(emb_alloc_count(), allocs); /* pure: nothing allocated */
}

START_TEST(auto_by_size)
{
    /* No limit, dense storage: dense below 3,000, mixed from it. */
    ck_assert_int_eq(pick(1, EMB_STORAGE_DENSE, 1, 0, EMB_SOLVER_AUTO, "dense: N = 1 < 3000"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(pick(2999, EMB_STORAGE_DENSE, 1, 0, EMB_SOLVER_AUTO, "dense: N = 2999"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(
        pick(3000, EMB_STORAGE_DENSE, 1, 0, EMB_SOLVER_AUTO, "mixed: N = 3000 >= 3000"),
        EMB_SOLVER_MIXED);
    ck_assert_int_eq(pick(49000, EMB_STORAGE_STREAMED, 1, 0, EMB_SOLVER_AUTO, "mixed: N = 49000"),
                     EMB_SOLVER_MIXED);
    /* Streamed storage decides like dense storage. */
    ck_assert_int_eq(pick(2999, EMB_STORAGE_STREAMED, 1, 0, EMB_SOLVER_AUTO, "dense"),
                     EMB_SOLVER_DENSE);
    /* A limit that holds the double factor changes nothing. */
    ck_assert_int_eq(pick(1000, EMB_STORAGE_DENSE, 1, 8e6, EMB_SOLVER_AUTO, "dense"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(pick(4000, EMB_STORAGE_DENSE, 1, 8.0 * 16e6, EMB_SOLVER_AUTO, "mixed: N"),
                     EMB_SOLVER_MIXED);
}
END_TEST

START_TEST(auto_csr_thresholds)
{
    /* CSR at least 2,000 industries and at most 10 % dense: sparse. */
    ck_assert_int_eq(pick(2000, EMB_STORAGE_CSR, 0.10, 0, EMB_SOLVER_AUTO, "stored as CSR"),
                     EMB_SOLVER_SPARSE);
    ck_assert_int_eq(pick(19680, EMB_STORAGE_CSR, 0.014, 0, EMB_SOLVER_AUTO, "N = 19680 >= 2000"),
                     EMB_SOLVER_SPARSE);
    /* Just below N, just above the density: the dense-storage rules. */
    ck_assert_int_eq(pick(1999, EMB_STORAGE_CSR, 0.01, 0, EMB_SOLVER_AUTO, "dense: N = 1999"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(pick(2000, EMB_STORAGE_CSR, 0.1001, 0, EMB_SOLVER_AUTO, "dense: N = 2000"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(pick(5000, EMB_STORAGE_CSR, 0.5, 0, EMB_SOLVER_AUTO, "mixed: N = 5000"),
                     EMB_SOLVER_MIXED);
    /* The density matters only for CSR storage. */
    ck_assert_int_eq(pick(2500, EMB_STORAGE_DENSE, 0.01, 0, EMB_SOLVER_AUTO, "dense"),
                     EMB_SOLVER_DENSE);
    ck_assert_int_eq(pick(2500, EMB_STORAGE_STREAMED, 0.01, 0, EMB_SOLVER_AUTO, "dense"),
                     EMB_SOLVER_DENSE);
}
END_TEST

START_TEST(auto_memory_fallbacks)
{
    size_t N = 20;
    double N2 = (double)N * (double)N;
    /* 8 N^2 fits exactly: dense. */
    ck_assert_int_eq(pick(N, EMB_STORAGE_DENSE, 1, 8 * N2, EMB_SOLVER_AUTO, "dense"),
                     EMB_SOLVER_DENSE);
    /* Room for the float factor only (4 N^2 <= mem < 8 N^2): mixed, and why. */
    ck_assert_int_eq(pick(N, EMB_STORAGE_DENSE, 1, 8 * N2 - 1, EMB_SOLVER_AUTO,
                          "exceeds the memory allowed"), EMB_SOLVER_MIXED);
    ck_assert_int_eq(
        pick(N, EMB_STORAGE_DENSE, 1, 4 * N2, EMB_SOLVER_AUTO, "the single-precision one"),
        EMB_SOLVER_MIXED);
    /* Not even that: sparse, whatever the storage. */
    ck_assert_int_eq(pick(N, EMB_STORAGE_DENSE, 1, 4 * N2 - 1, EMB_SOLVER_AUTO, "neither"),
                     EMB_SOLVER_SPARSE);
    ck_assert_int_eq(pick(N, EMB_STORAGE_STREAMED, 1, 1, EMB_SOLVER_AUTO, "neither"),
                     EMB_SOLVER_SPARSE);
    ck_assert_int_eq(pick(N, EMB_STORAGE_CSR, 0.5, 100, EMB_SOLVER_AUTO, "neither"),
                     EMB_SOLVER_SPARSE);
    /* A large table under a real limit: N = 49,000 is 17.9 GiB dense, 8.9 in float. */
    ck_assert_int_eq(pick(49000, EMB_STORAGE_DENSE, 1, 16 * GiB, EMB_SOLVER_AUTO, "exceeds"),
                     EMB_SOLVER_MIXED);
    ck_assert_int_eq(pick(49000, EMB_STORAGE_DENSE, 1, 8 * GiB, EMB_SOLVER_AUTO, "neither"),
                     EMB_SOLVER_SPARSE);
    /* CSR rule before the memory rules: sparse for its own reason. */
    ck_assert_int_eq(pick(49000, EMB_STORAGE_CSR, 0.01, 8 * GiB, EMB_SOLVER_AUTO, "stored as CSR"),
                     EMB_SOLVER_SPARSE);
}
END_TEST

START_TEST(requested_and_refused)
{
    size_t N = 20;
    double N2 = (double)N * (double)N;
    /* A method asked for is used, and said so. */
    for (int k = EMB_SOLVER_DENSE; k <= EMB_SOLVER_SPARSE; k++)
        ck_assert_int_eq(pick(N, EMB_STORAGE_CSR, 0.01, 0, (emb_solver_kind)k, "requested"), k);
    ck_assert_int_eq(pick(50000, EMB_STORAGE_DENSE, 1, 0, EMB_SOLVER_DENSE, "dense: requested"),
                     EMB_SOLVER_DENSE);
    /* ... unless its factor does not fit: refused before any work, naming sizes. */
    refused(N, EMB_STORAGE_DENSE, 8 * N2 - 1, EMB_SOLVER_DENSE, EMB_ENOMEM,
            "needs 3.1 KiB (Leontief factor I - A, N x N double, N = 20) but the memory limit "
            "is 3.1 KiB (test limit)");
    refused(N, EMB_STORAGE_DENSE, 3 * N2, EMB_SOLVER_MIXED, EMB_ENOMEM,
            "N x N single precision, N = 20) but the memory limit is");
    /* The sparse method's plan is its backend's: no N x N refusal here. */
    ck_assert_int_eq(pick(N, EMB_STORAGE_DENSE, 1, 1, EMB_SOLVER_SPARSE, "sparse: requested"),
                     EMB_SOLVER_SPARSE);
    /* Sizes LAPACK cannot index, or an N x N array beyond the address space. */
    refused((size_t)INT_MAX + 1, EMB_STORAGE_DENSE, 0, EMB_SOLVER_DENSE, EMB_ENOMEM,
            "exceeds LAPACK's 32-bit index limit");
    refused((size_t)INT_MAX + 1, EMB_STORAGE_STREAMED, 0, EMB_SOLVER_AUTO, EMB_ENOMEM,
            "exceeds LAPACK's 32-bit index limit");
    refused((size_t)INT_MAX, EMB_STORAGE_DENSE, 0, EMB_SOLVER_DENSE, EMB_ENOMEM,
            "overflows the address space");
    /* An unknown kind. */
    refused(N, EMB_STORAGE_DENSE, 0, (emb_solver_kind)9, EMB_EUSAGE, "unknown solver kind 9");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("solver_choice");
    TCase *tc = tcase_create("solver_choice");
    tcase_add_test(tc, auto_by_size);
    tcase_add_test(tc, auto_csr_thresholds);
    tcase_add_test(tc, auto_memory_fallbacks);
    tcase_add_test(tc, requested_and_refused);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
