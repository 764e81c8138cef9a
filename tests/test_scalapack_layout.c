/* tests/test_scalapack_layout.c — the serial half of the ScaLAPACK backend,
 * in every build (with or without MPI): the block-cyclic ownership
 * arithmetic against a brute-force count, the near-square grid and --grid
 * parsing, and the tile reader: for every position of several grids and
 * block sizes, the tiles read from a file (HDF5 hyperslabs), a dense table
 * and a CSR table in memory put back together give T exactly, each entry
 * owned by exactly one rank. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "embodied/embodied.h"
#include "solver/scalapack_impl.h"
#include "testutil.h"

START_TEST(ownership_counts)
{
    for (size_t n = 1; n <= 40; n++)
        for (size_t nb = 1; nb <= 9; nb++)
            for (size_t p = 1; p <= 5; p++) {
                size_t total = 0;
                for (size_t me = 0; me < p; me++) {
                    size_t cnt = 0;
                    for (size_t g = 0; g < n; g++)
                        cnt += (g / nb) % p == me;
                    ck_assert_uint_eq(emb_bc_count(n, nb, me, p), cnt);
                    for (size_t l = 0; l < cnt; l++) {
                        size_t g = emb_bc_global(l, nb, me, p);
                        ck_assert_uint_lt(g, n);
                        ck_assert_uint_eq((g / nb) % p, me);
                    }
                    total += cnt;
                }
                ck_assert_uint_eq(total, n);
            }
}
END_TEST

START_TEST(grids)
{
    int pr, pc;
    const int want[][3] = {{1, 1, 1}, {2, 1, 2}, {3, 1, 3}, {4, 2, 2}, {6, 2, 3},
                           {8, 2, 4}, {12, 3, 4}, {16, 4, 4}, {64, 8, 8}, {7, 1, 7}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_int_eq(emb_mpi_grid(want[i][0], &pr, &pc), EMB_OK);
        ck_assert_int_eq(pr, want[i][1]);
        ck_assert_int_eq(pc, want[i][2]);
    }
    ck_assert_int_eq(emb_mpi_grid(0, &pr, &pc), EMB_EUSAGE);
    ck_assert_int_eq(emb_mpi_parse_grid("2x4", &pr, &pc), EMB_OK);
    ck_assert_int_eq(pr * 10 + pc, 24);
    ck_assert_int_eq(emb_mpi_parse_grid("3X1", &pr, &pc), EMB_OK);
    const char *bad[] = {"", "2", "2x", "x2", "0x2", "2x0", "2x2x", "-1x2", "2 x 2", "axb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(emb_mpi_parse_grid(bad[i], &pr, &pc), EMB_EUSAGE);
        ck_assert_ptr_nonnull(strstr(emb_errmsg(), "--grid"));
    }
}
END_TEST

/* Put every rank's tiles of t back together and compare with T. */
static void reassemble(const emb_table *t, const double *T, size_t nb, size_t pr, size_t pc)
{
    size_t N = t->N;
    double *R = calloc(N * N, sizeof *R);
    unsigned char *seen = calloc(N * N, 1);
    double *buf = malloc(nb * N * sizeof *buf);
    for (size_t myr = 0; myr < pr; myr++)
        for (size_t myc = 0; myc < pc; myc++) {
            emb_tiles tl;
            ck_assert_msg(emb_tiles_open(&tl, t, nb, pr, pc, myr, myc) == EMB_OK, "%s", emb_errmsg());
            for (size_t b = 0; b < tl.nbands; b++) {
                size_t g0, n;
                ck_assert_msg(emb_tiles_read_band(&tl, b, buf, &g0, &n) == EMB_OK, "%s",
                              emb_errmsg());
                for (size_t i = 0; i < n; i++)
                    for (size_t lc = 0; lc < tl.locc; lc++) {
                        size_t gc = emb_bc_global(lc, nb, myc, pc);
                        size_t e = (g0 + i) * N + gc;
                        ck_assert_uint_eq(seen[e], 0);
                        seen[e] = 1;
                        R[e] = buf[i * tl.locc + lc];
                    }
            }
            emb_tiles_close(&tl);
        }
    for (size_t e = 0; e < N * N; e++) {
        ck_assert_uint_eq(seen[e], 1);
        ck_assert_msg(R[e] == T[e], "entry %zu: %g vs %g (block %zu, grid %zux%zu)", e, R[e], T[e],
                      nb, pr, pc);
    }
    free(R), free(seen), free(buf);
}

START_TEST(tiles_reassemble)
{
    char *dir = emb_test_tmpdir();
    for (int csr = 0; csr <= 1; csr++) {
        emb_synth_opts o = emb_synth_defaults(5, 7, 2, 2, 3); /* N = 35 */
        o.csr = csr;
        emb_table *t = NULL;
        ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
        size_t N = t->N;
        double *T = malloc(N * N * sizeof *T);
        ck_assert_int_eq(emb_table_tech_rows(t, 0, N, T), EMB_OK);
        char *path = emb_test_pathf("%s/t%d.h5", dir, csr);
        ck_assert_int_eq(emb_table_write_h5(t, path, &(emb_write_opts){.csr = -1}), EMB_OK);
        emb_table *tf = NULL; /* streamed from the file: hyperslab reads */
        ck_assert_int_eq(emb_table_read_h5(path, EMB_READ_DEFAULT, &tf), EMB_OK);
        ck_assert_ptr_null(tf->T);
        ck_assert_ptr_null(tf->csr);
        const size_t grid[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 3}, {3, 2}};
        const size_t nbs[] = {1, 4, 8, 35, 64};
        for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++)
            for (size_t b = 0; b < sizeof nbs / sizeof nbs[0]; b++) {
                reassemble(t, T, nbs[b], grid[g][0], grid[g][1]);  /* memory (dense or CSR) */
                reassemble(tf, T, nbs[b], grid[g][0], grid[g][1]); /* file */
            }
        free(T);
        emb_table_free(t);
        emb_table_free(tf);
    }
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(not_built_or_not_started)
{
    emb_accounts *a = (emb_accounts *)1;
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&(emb_synth_opts){0}, &t) != EMB_OK, 1);
    emb_synth_opts o = emb_synth_defaults(2, 3, 1, 1, 1);
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    /* Without MPI built, or not initialised (no launcher here): refused. */
    ck_assert_int_eq(emb_mpi_accounts(t, NULL, NULL, &a), EMB_EUSAGE);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "MPI"));
    ck_assert_int_eq(emb_mpi_rank(), 0);
    ck_assert_int_eq(emb_mpi_size(), 1);
    ck_assert_int_eq(emb_mpi_agree(NULL, EMB_EIO), EMB_EIO);
    /* and a solver of the serial kind refuses the distributed one */
    emb_solver_opts so = {.kind = EMB_SOLVER_SCALAPACK};
    emb_leontief *lf = NULL;
    ck_assert_int_eq(emb_leontief_create(t, &so, &lf), EMB_EUSAGE);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "emb_mpi_accounts"));
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scalapack_layout");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ownership_counts);
    tcase_add_test(tc, grids);
    tcase_add_test(tc, tiles_reassemble);
    tcase_add_test(tc, not_built_or_not_started);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
