/* tests/test_mpi.c — the ScaLAPACK backend over MPI (registered only when
 * MPI is built): `mpirun -np P embodied accounts --solver scalapack` for
 * P = 1, 2, 3, 4 (oversubscribed) on generated tables — Z dense, Z as CSR,
 * an A table with x, many stressors (the per-sector accounts by N direct
 * solves instead of masked multipliers), zero-output sectors, a group —
 * must give every account of the serial dense solver within 1e-12
 * relative; and failures (a missing or damaged file, a singular I - A, one
 * rank's plan over the limit, a grid that does not match the ranks) give
 * one message naming the rank and the documented exit status on every
 * rank, with no hang (each launch runs under `timeout`: a hang is exit 124,
 * never a clock assertion). */
#include <check.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embodied/embodied.h"
#include "mpiutil.h"
#include "testutil.h"

/* Set-up outside any test case (Check's asserts need one): bail out. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("Bail out! %s:%d: %s: %s\n", __FILE__, __LINE__, #cond, emb_errmsg());          \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static char *dir; /* tables of the whole suite */

#define TIMEOUT 240

typedef struct variant {
    const char *name;   /* file in dir */
    size_t n_r, n_s, k;
    int csr, a_table;
} variant;

static const variant VARIANTS[] = {
    {"z", 7, 11, 3, 0, 0},      /* N = 77: several 8 x 8 blocks on every grid */
    {"csr", 7, 11, 3, 1, 0},
    {"a", 7, 11, 3, 0, 1},
    {"wide", 7, 3, 12, 0, 0},   /* k n_r = 84 > N = 21 */
    {"neg", 7, 11, 3, 0, 2},    /* an A table with a few negative entries: rcond estimated */
};
#define N_VARIANTS ((int)(sizeof VARIANTS / sizeof VARIANTS[0]))
static const int PS[] = {1, 2, 3, 4};
#define N_PS 4

static void write_variant(const variant *v)
{
    emb_synth_opts o = emb_synth_defaults(v->n_r, v->n_s, 4, v->k, 7);
    o.zero_output_frac = 0.08; /* a few zero-output sectors, some emitting */
    o.zero_output_emits = 1;
    o.csr = v->csr;
    emb_table *t = NULL;
    REQUIRE(emb_synth_table(&o, &t) == EMB_OK);
    if (v->a_table) { /* A = Z diag(1/x) with x = Z 1 + Y 1, stored with x */
        REQUIRE(emb_table_complete_x(t) == EMB_OK);
        size_t N = t->N;
        double *A = malloc(N * N * sizeof *A);
        REQUIRE(emb_table_tech_rows(t, 0, N, A) == EMB_OK);
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                A[i * N + j] = t->x[j] > 0 ? A[i * N + j] / t->x[j] : 0;
                if (v->a_table == 2 && (i * 7 + j) % 23 == 0 && i != j)
                    A[i * N + j] = -0.5 * A[i * N + j]; /* subsidies, say */
            }
        if (v->a_table == 2) { /* x consistent with the new A: x = A x + Y 1 iterated
                                * (spectral radius <= 0.75: 400 steps reach rounding) */
            double *y1 = calloc(N, sizeof *y1), *nx = malloc(N * sizeof *nx);
            for (size_t i = 0; i < N; i++)
                for (size_t c = 0; c < t->n_y; c++)
                    y1[i] += t->Y[i * t->n_y + c];
            for (int it = 0; it < 400; it++) {
                for (size_t i = 0; i < N; i++) {
                    double acc = y1[i];
                    for (size_t j = 0; j < N; j++)
                        acc += A[i * N + j] * t->x[j];
                    nx[i] = acc;
                }
                memcpy(t->x, nx, N * sizeof *nx);
            }
            for (size_t i = 0; i < N; i++)
                REQUIRE(t->x[i] >= 0);
            free(y1), free(nx);
        }
        emb_table *ta = NULL;
        REQUIRE(emb_table_from_arrays(t->n_r, t->n_s, t->n_f, t->k, EMB_TECH_A, A, t->x, t->Y,
                                            t->F, t->F_Y, (const char *const *)t->regions,
                                            (const char *const *)t->sectors,
                                            (const char *const *)t->fd_categories,
                                            (const char *const *)t->stressors,
                                            (const char *const *)t->stressor_units,
                                            &ta) == EMB_OK);
        free(A);
        emb_table_free(t);
        t = ta;
    }
    char *path = emb_test_pathf("%s/%s.h5", dir, v->name);
    REQUIRE(emb_table_write_h5(t, path, NULL) == EMB_OK);
    emb_table_free(t);
}

/* I - A singular: A = blockdiag([.5 .5; .5 .5]) in both regions. */
static void write_singular(void)
{
    double A[16] = {0}, x[4] = {1, 1, 1, 1}, Y[8] = {1, 0, 1, 0, 0, 1, 0, 1}, F[4] = {1, 2, 3, 4};
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                A[(2 * b + i) * 4 + 2 * b + j] = 0.5;
    const char *regions[] = {"R1", "R2"}, *sectors[] = {"s1", "s2"}, *fd[] = {"hh"};
    const char *stressors[] = {"co2"}, *units[] = {"kg"};
    emb_table *t = NULL;
    REQUIRE(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_A, A, x, Y, F, NULL, regions, sectors,
                                        fd, stressors, units, &t) == EMB_OK);
    REQUIRE(emb_table_write_h5(t, emb_test_pathf("%s/singular.h5", dir), NULL) == EMB_OK);
    emb_table_free(t);
}

/* Every account of P ranks against the serial dense solver, in process. */
START_TEST(equals_serial_dense)
{
    const variant *v = &VARIANTS[_i / N_PS];
    int P = PS[_i % N_PS];
    char *tpath = strdup(emb_test_pathf("%s/%s.h5", dir, v->name));
    emb_table *t = NULL;
    ck_assert_msg(emb_table_read_h5(tpath, EMB_READ_DEFAULT, &t) == EMB_OK, "%s", emb_errmsg());
    char group[256];
    snprintf(group, sizeof group, "G=%s,%s,%s", t->regions[0], t->regions[2], t->regions[5]);
    ck_assert_int_eq(emb_table_add_group_spec(t, group), EMB_OK);
    emb_accounts_opts o = {.per_sector = 1, .flows_by_sector = 1};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_gt(a->n_zero_output, 0);
    char args[8192], *err = NULL;
    char *out = strdup(emb_test_pathf("%s/%s_p%d.h5", dir, v->name, P));
    snprintf(args, sizeof args, "accounts '%s' -o '%s' --force --solver scalapack --block 8 "
                                "--sectors --flows-by-sector -g %s -q --explain", tpath, out, group);
    int rc = mpi_run(dir, P, args, TIMEOUT, &err);
    ck_assert_msg(rc == 0, "P = %d: exit %d: %s", P, rc, err);
    char want[128];
    snprintf(want, sizeof want, "%d rank%s on a", P, P == 1 ? "" : "s");
    ck_assert_msg(strstr(err, want), "P = %d: no '%s' in: %s", P, want, err);
    double worst = mpi_compare_results(out, a, 1e-12, 1e-3);
    /* rcond: exact for A >= 0 (the same formula: 1e-12); with negative
     * entries the distributed solver does not estimate it (NaN; the serial
     * dense solver's dgecon estimate is not reproduced). */
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    double rcond = NAN;
    ck_assert_int_ge(H5LTget_attribute_double(f, "/", "rcond_inf", &rcond), 0);
    H5Fclose(f);
    if (a->solver.rcond_exact)
        EMB_ASSERT_CLOSE(rcond, a->rcond, 1e-12, 0);
    else
        ck_assert_msg(isnan(rcond), "rcond %g: expected NaN (not estimated)", rcond);
    fprintf(stderr, "# %s, P = %d: rcond %.6g (serial dense %.6g, %s)\n", v->name, P, rcond,
            a->rcond, a->solver.rcond_exact ? "exact" : "estimated");
    fprintf(stderr, "# %s, P = %d: worst relative difference from serial dense %.3g\n", v->name,
            P, worst);
    free(err), free(out), free(tpath);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* One line of error, naming a rank, on stderr of the whole launch. */
static void one_message(const char *err, const char *needle)
{
    ck_assert_msg(mpi_count_lines(err, "embodied: ") >= 1, "no message: %s", err);
    ck_assert_msg(mpi_count_lines(err, "rank ") == 1, "not one message naming a rank: %s", err);
    ck_assert_msg(mpi_count_lines(err, needle) == 1, "'%s' not exactly once in: %s", needle, err);
}

START_TEST(missing_file)
{
    char *err = NULL;
    int rc = mpi_run(dir, 2, "accounts no-such-table.h5 --solver scalapack -q", TIMEOUT, &err);
    ck_assert_msg(rc == 5, "exit %d (want 5, I/O): %s", rc, err);
    one_message(err, "rank 0 of 2: ");
    ck_assert_ptr_nonnull(strstr(err, "no-such-table.h5"));
    free(err);
}
END_TEST

START_TEST(damaged_file)
{
    size_t len = 0;
    char *data = emb_test_slurp(emb_test_pathf("%s/z.h5", dir), &len);
    ck_assert_ptr_nonnull(data);
    emb_test_spit(emb_test_pathf("%s/damaged.h5", dir), data, len / 2); /* truncated */
    free(data);
    char *err = NULL;
    int rc = mpi_run(dir, 3, "accounts damaged.h5 --solver scalapack -q", TIMEOUT, &err);
    ck_assert_msg(rc == 3 || rc == 5, "exit %d (want 3 or 5): %s", rc, err);
    one_message(err, "damaged.h5");
    free(err);
}
END_TEST

START_TEST(singular)
{
    char *err = NULL;
    int rc = mpi_run(dir, 2, "accounts singular.h5 --solver scalapack --block 1 -q", TIMEOUT,
                     &err);
    ck_assert_msg(rc == 4, "exit %d (want 4, numerical): %s", rc, err);
    one_message(err, "singular");
    free(err);
}
END_TEST

/* Rank 1 alone runs under a memory limit too small for its part of the
 * solver (but enough to read the table): the limit is per rank. */
START_TEST(one_rank_over_the_limit)
{
    char *err = NULL;
    int rc = mpi_run_mpmd(dir, "-np 1 EXE accounts z.h5 --solver scalapack -q : "
                               "-np 1 EXE accounts z.h5 --solver scalapack -q --max-memory 300K",
                          TIMEOUT, &err);
    ck_assert_msg(rc == 6, "exit %d (want 6, memory): %s", rc, err);
    one_message(err, "rank 1 of 2: ");
    ck_assert_ptr_nonnull(strstr(err, "rank 1's part of the distributed solver"));
    free(err);
}
END_TEST

START_TEST(grid_mismatch)
{
    char *err = NULL;
    int rc = mpi_run(dir, 2, "accounts z.h5 --solver scalapack --grid 3x1 -q", TIMEOUT, &err);
    ck_assert_msg(rc == 2, "exit %d (want 2, usage): %s", rc, err);
    one_message(err, "--grid 3x1");
    free(err);
}
END_TEST

/* The batch hook: two groups of two ranks on split communicators, each its
 * own table through emb_mpi_accounts; the group with a missing table fails
 * alone; then an interruption on one rank ends all four the same way
 * (tests/mpi_groups.c checks each expectation). */
START_TEST(groups_of_ranks)
{
    char mpmd[4400], *err = NULL;
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(mpmd, sizeof mpmd, "-np 4 '%s/tests/mpi_groups' z.h5 missing-table.h5",
             b ? b : "build");
    int rc = mpi_run_mpmd(dir, mpmd, TIMEOUT, &err);
    size_t outlen = 0;
    char *out = emb_test_slurp(emb_test_pathf("%s/mpi_stdout.txt", dir), &outlen);
    ck_assert_msg(rc == 0, "exit %d: %s\n%s", rc, out ? out : "", err);
    ck_assert_ptr_nonnull(strstr(out, "group 0: ok"));
    ck_assert_ptr_nonnull(strstr(out, "group 1: failed as expected"));
    ck_assert_ptr_nonnull(strstr(out, "world: interruption on rank 3 agreed"));
    free(out), free(err);
}
END_TEST

/* Without a launcher, --solver scalapack runs as a singleton of one rank. */
START_TEST(singleton)
{
    char *err = NULL;
    int rc = mpi_run(dir, 0, "accounts z.h5 -o single.h5 --force --solver scalapack -q --explain",
                     TIMEOUT, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_ptr_nonnull(strstr(err, "1 rank on a 1x1 grid"));
    free(err);
}
END_TEST

int main(void)
{
    dir = emb_test_tmpdir();
    if (!dir) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }
    for (int v = 0; v < N_VARIANTS; v++)
        write_variant(&VARIANTS[v]);
    write_singular();
    Suite *s = suite_create("mpi");
    TCase *tc = tcase_create("scalapack");
    tcase_set_timeout(tc, 2 * TIMEOUT);
    tcase_add_loop_test(tc, equals_serial_dense, 0, N_VARIANTS * N_PS);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, damaged_file);
    tcase_add_test(tc, singular);
    tcase_add_test(tc, one_rank_over_the_limit);
    tcase_add_test(tc, grid_mismatch);
    tcase_add_test(tc, singleton);
    tcase_add_test(tc, groups_of_ranks);
    suite_add_tcase(s, tc);
    int rc = emb_test_run(s);
    emb_test_rmtree(dir);
    free(dir);
    return rc;
}
