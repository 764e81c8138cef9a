/* embodied/mpi.h — the accounts of one table over MPI ranks with ScaLAPACK
 * (`mpirun -np P embodied accounts TABLE.h5 --solver scalapack`; README
 * "On a cluster").  Built with meson -Dmpi (auto when Open MPI and
 * ScaLAPACK are installed); without it every function here exists and
 * refuses with EMB_EUSAGE (emb_mpi_available() says which).
 *
 * I - A is distributed 2-D block-cyclically over a Pr x Pc grid of the
 * ranks (NB x NB blocks).  Each rank reads only its own tiles of T (Z or A:
 * HDF5 hyperslabs of the table's file, or its dense or CSR copy in memory),
 * forms its part of I - A exactly as the serial solvers do (x given, or
 * x = Z 1 + Y 1 screened by the one rule of embodied/solver.h; A = Z
 * diag(1/x), 1/0 := 0), factorises with pdgetrf and solves the accounts'
 * right-hand sides (emb_accounts_n_rhs: the n_r final-demand columns with
 * pdgetrs 'N', the k multiplier rows with pdgetrs 'T') in batches of at most
 * 256.  Every solve's relative residual is computed against the original T
 * streamed again from the file in tiles (the formula of
 * emb_leontief_residuals).  Rank 0 prepares, records and assembles the
 * accounts through the staged accounts (embodied/accounts.h), so the
 * identities are checked as in the serial run.  No rank ever holds an
 * N x N array; each checks its plan (its tiles, its pieces of the
 * right-hand sides, buffers) against the memory limit before any work.
 *
 * Every call here is collective over the communicator: all its ranks call
 * it with the same table and options.  After each phase the ranks agree on
 * the status (the lowest failing rank's error is sent to all), so a failure
 * on one rank returns the same status and the message
 * "rank R of P: <message>" on every rank, and nothing hangs.
 */
#ifndef EMBODIED_MPI_H
#define EMBODIED_MPI_H

#include <stddef.h>

#include "embodied/accounts.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_mpi_opts {
    const void *comm;   /* address of the MPI_Comm to run on (e.g. a communicator of G ranks
                         * split from MPI_COMM_WORLD, one table per group); NULL =
                         * MPI_COMM_WORLD.  Kept as a pointer so that this header needs
                         * no mpi.h. */
    int grid_rows;      /* Pr; 0 with grid_cols 0: the near-square grid of the ranks */
    int grid_cols;      /* Pc; Pr x Pc must equal the communicator's size */
    int block;          /* NB, the block size of the block-cyclic layout; 0 = EMB_MPI_BLOCK */
} emb_mpi_opts;

/* Default block size: the fastest of 64, 128 and 256 for P = 2 ranks at
 * N = 4,900 on the 2-core development machine (pdgetrf 0.93-0.95 s against
 * 1.07-1.10 s and 1.26-1.27 s; README "On a cluster"). */
#define EMB_MPI_BLOCK 64

/* 1 when the library was built with MPI and ScaLAPACK, else 0. */
EMB_API int emb_mpi_available(void);

/* MPI_Init (MPI_THREAD_FUNNELED) when the process was started by a launcher
 * (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment) or when
 * `force` is non-zero (a singleton run of one rank); a no-op when MPI is
 * already initialised, not built, or neither holds.  *initialised (may be
 * NULL): 1 when MPI is initialised on return. */
EMB_API emb_status emb_mpi_init(int *argc, char ***argv, int force, int *initialised);

/* MPI_Finalize when emb_mpi_init initialised MPI; otherwise a no-op.  Safe to
 * call more than once. */
EMB_API void emb_mpi_finalize(void);

/* This process's rank in MPI_COMM_WORLD and the number of ranks (0 and 1
 * when MPI is not initialised or not built). */
EMB_API int emb_mpi_rank(void);
EMB_API int emb_mpi_size(void);

/* The near-square grid of p ranks: the largest Pr <= sqrt(p) dividing p,
 * Pc = p / Pr.  EMB_EUSAGE when p < 1. */
EMB_API emb_status emb_mpi_grid(int p, int *pr, int *pc);

/* Parse "PRxPC" (--grid), both >= 1; EMB_EUSAGE naming the text otherwise. */
EMB_API emb_status emb_mpi_parse_grid(const char *s, int *pr, int *pc);

/* Collective over mo->comm (mo NULL or comm NULL: MPI_COMM_WORLD): every
 * rank passes its own status st; all return the status of the lowest rank
 * that failed, its message raised on every rank as "rank R of P: <message>"
 * (EMB_OK when none failed).  The building block of the phases below, for
 * callers that do rank-local work (reading a table) before a collective
 * call.  Without MPI built or initialised, st is returned unchanged. */
EMB_API emb_status emb_mpi_agree(const emb_mpi_opts *mo, emb_status st);

/* Split MPI_COMM_WORLD into groups of g consecutive ranks (collective over
 * MPI_COMM_WORLD; `embodied batch --ranks-per-table G`): *comm receives
 * this rank's group communicator, to pass as emb_mpi_opts.comm and to
 * release with emb_mpi_comm_free; *group = rank / g, *group_rank =
 * rank mod g.  EMB_EUSAGE when g < 1 or g does not divide the number of
 * ranks, or MPI is not built or not initialised (the same on every rank). */
EMB_API emb_status emb_mpi_split(int g, void **comm, int *group, int *group_rank);

/* Release a communicator of emb_mpi_split (NULL allowed). */
EMB_API void emb_mpi_comm_free(void *comm);

/* The accounts of table t computed by the ranks of mo->comm (collective;
 * opts as for emb_accounts_compute, NULL allowed; mo NULL = defaults).  On
 * rank 0 *out receives the accounts (owned by the caller), with
 * solver.kind = EMB_SOLVER_SCALAPACK and solver.explain recording the grid,
 * block size, ranks and hosts; on the other ranks *out is NULL.  The same
 * status on every rank: EMB_EUSAGE (bad grid or block, MPI not built or not
 * initialised, an A table without x), EMB_ENOMEM (a rank's plan over the
 * limit, sizes beyond ScaLAPACK's 32-bit local indices), EMB_EIO (a tile
 * cannot be read), EMB_EINPUT (NaN/Inf naming row and column, negative
 * output), EMB_ENUMERIC (I - A singular naming the pivot's industry, a
 * residual above 1e-8, an identity), each message naming the failing
 * rank. */
EMB_API emb_status emb_mpi_accounts(const emb_table *t, const emb_accounts_opts *opts,
                                    const emb_mpi_opts *mo, emb_accounts **out);

#ifdef __cplusplus
}
#endif
#endif
