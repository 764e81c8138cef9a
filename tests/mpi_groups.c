/* tests/mpi_groups.c — the hook for batches of large tables: groups of G
 * ranks each solving their own table with emb_mpi_accounts on a
 * communicator split from MPI_COMM_WORLD (what `embodied batch
 * --ranks-per-table G` needs).  Run by test_mpi as
 *   mpirun -np 4 mpi_groups TABLE0 TABLE1
 * ranks 0-1 solve TABLE0, ranks 2-3 TABLE1.  A group whose table name
 * contains "missing" must fail on both its ranks with the same status,
 * naming its rank within the group, while the other group completes; a
 * group that succeeds must match the serial dense solver within 1e-12 on
 * its rank 0 and return no accounts on the others.  Then all four ranks
 * run TABLE0 with an interruption callback (embodied/context.h) that asks
 * to stop on the last rank only: every rank must return EMB_EINTERRUPTED
 * naming that rank.  Prints one line per check and exits 0 when every
 * expectation held. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "embodied/embodied.h"

#define G 2

static double worst_diff(const emb_accounts *a, const emb_accounts *b)
{
    const emb_accounts_field f[] = {EMB_ACC_PBA, EMB_ACC_CBA, EMB_ACC_IMPORTS, EMB_ACC_EXPORTS,
                                    EMB_ACC_FLOWS, EMB_ACC_M, EMB_ACC_X, EMB_ACC_D_CBA,
                                    EMB_ACC_D_IMP};
    double worst = 0;
    for (size_t q = 0; q < sizeof f / sizeof f[0]; q++) {
        size_t na = 0, nb = 0;
        const double *x = emb_accounts_array(a, f[q], &na), *y = emb_accounts_array(b, f[q], &nb);
        if (!x || !y || na != nb)
            return INFINITY;
        double big = 0;
        for (size_t i = 0; i < na; i++)
            big = fmax(big, fabs(x[i]));
        for (size_t i = 0; i < na; i++) {
            double s = fmax(fmax(fabs(x[i]), fabs(y[i])), 1e-3 * big);
            double e = s > 0 ? fabs(x[i] - y[i]) / s : 0;
            worst = isnan(e) ? INFINITY : fmax(worst, e);
        }
    }
    return worst;
}

static int interrupt_here(void *user) { return *(const int *)user; }

int main(int argc, char **argv)
{
    if (emb_mpi_init(&argc, &argv, 1, NULL) != EMB_OK) {
        fprintf(stderr, "mpi_groups: %s\n", emb_errmsg());
        return 1;
    }
    int rank, size, ok = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 3 || size != 2 * G) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np %d mpi_groups TABLE0 TABLE1\n", 2 * G);
        emb_mpi_finalize();
        return 2;
    }
    int color = rank / G, sub_rank;
    MPI_Comm sub;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &sub);
    MPI_Comm_rank(sub, &sub_rank);
    const char *path = argv[1 + color];
    int expect_fail = strstr(path, "missing") != NULL;
    emb_mpi_opts mo = {.comm = &sub, .block = 4};
    emb_table *t = NULL;
    emb_accounts *a = NULL;
    emb_status st = emb_mpi_agree(&mo, emb_table_read_h5(path, EMB_READ_DEFAULT, &t));
    emb_accounts_opts o = {.per_sector = 1};
    if (!st)
        st = emb_mpi_accounts(t, &o, &mo, &a);
    char line[1400];
    if (expect_fail) {
        ok = st == EMB_EIO && !a && strstr(emb_errmsg(), "rank 0 of 2: ") != NULL;
        snprintf(line, sizeof line, "group %d: %s (%s)", color,
                 ok ? "failed as expected" : "did not fail as expected", emb_errmsg());
    } else if (st) {
        ok = 0;
        snprintf(line, sizeof line, "group %d: failed: %s", color, emb_errmsg());
    } else if (sub_rank == 0) {
        emb_accounts_opts so = o;
        so.solver.kind = EMB_SOLVER_DENSE;
        emb_accounts *s = NULL;
        double w = INFINITY;
        if (emb_accounts_compute(t, &so, &s) == EMB_OK && a)
            w = worst_diff(a, s);
        ok = w <= 1e-12 && strstr(a->solver.explain, "2 ranks on a 1x2 grid") != NULL;
        snprintf(line, sizeof line, "group %d: %s: worst relative difference from serial dense "
                                    "%.3g; %s", color, ok ? "ok" : "MISMATCH", w, a->solver.explain);
        emb_accounts_free(s);
    } else {
        ok = a == NULL;
        line[0] = 0;
    }
    if (line[0] && sub_rank == 0) /* one line per group */
        printf("%s\n", line);
    emb_accounts_free(a);
    emb_table_free(t);
    /* All four ranks on TABLE0 with a caller's interruption that fires on
     * the last rank only: every rank returns EMB_EINTERRUPTED naming it. */
    emb_context *ctx = NULL;
    emb_table *t0 = NULL;
    emb_accounts *a0 = NULL;
    int stop = rank == 2 * G - 1;
    if (emb_context_create(&ctx) != EMB_OK ||
        emb_table_read_h5(argv[1], EMB_READ_DEFAULT, &t0) != EMB_OK) {
        ok = 0;
    } else {
        emb_context_set_interrupt(ctx, interrupt_here, &stop);
        emb_accounts_opts io = {.ctx = ctx};
        emb_mpi_opts wo = {.block = 4};
        emb_status ist = emb_mpi_accounts(t0, &io, &wo, &a0);
        char want[64];
        snprintf(want, sizeof want, "rank %d of %d: ", 2 * G - 1, 2 * G);
        int iok = ist == EMB_EINTERRUPTED && !a0 && strstr(emb_errmsg(), want) != NULL;
        if (rank == 0)
            printf("world: interruption on rank %d %s (%s)\n", 2 * G - 1,
                   iok ? "agreed" : "NOT agreed", emb_errmsg());
        ok &= iok;
    }
    emb_accounts_free(a0);
    emb_table_free(t0);
    emb_context_free(ctx);
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Comm_free(&sub);
    emb_mpi_finalize();
    return all ? 0 : 1;
}
