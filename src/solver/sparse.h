/* src/solver/sparse.h — the sparse iterative Leontief solver (internal):
 * (I - A) X = B and (I - A)^T X = B for a sparse A held in CSR, without ever
 * forming an N x N array.
 *
 * Method (src/solver/sparse.c has the measurements behind each choice):
 *   - Splitting A = A_D + A_O: A_D the diagonal blocks (one per region, the
 *     dense-ish domestic blocks of an MRIO, split further when a region has
 *     more than EMB_SPARSE_BLOCK_MAX sectors), A_O the rest (trade).  The
 *     preconditioner is M = I - A_D, block by block: each block's explicit
 *     inverse from LU (dgetrf + dgetri).  Domestic blocks carry most of A, so
 *     M^-1 A_O has a spectral radius of about the import share, far below
 *     rho(A).
 *   - Right-preconditioned restarted GMRES on (I - A) M^-1 = I - A_O M^-1,
 *     so each iteration is one block solve and ONE pass over A_O (not A) for
 *     a whole batch of right-hand sides in lockstep (row-major N x batch,
 *     each row's right-hand sides contiguous); or the plain block-Jacobi
 *     (preconditioned Richardson) iteration x += M^-1 r, r = A_O M^-1 r_old.
 *   - Convergence is decided on the true residual b - (I - A) x in double,
 *     computed with the dense blocks and A_O, per column:
 *       ||b - (I - A) x||_inf / (||I - A||_inf ||x||_inf + ||b||_inf) <= tol.
 *     Converged columns stop.
 *   - Transposed solves use the transposed blocks and a CSR copy of A_O^T
 *     (built once: no scattered writes in the products).
 * Memory (bytes), bounded and independent of the number of right-hand
 * sides: 24 nnz(A_O) (A_O and its transpose; A itself is only held while
 * building) + 32 N b (blocks, inverses and their transposes, b the block
 * size) + 16 N (x, 1/x); per solve call 8 N w (m + 6) for a batch of w
 * right-hand sides (w <= batch, rounded up to a multiple of 8) and restart
 * length m (X, B, R, two work arrays and the Krylov basis; only the part of
 * the basis a cycle uses is ever touched), kept for the next call.  At
 * N = 19,680, nnz(A_O) = 3.7 M, b = 120, w = 56, m = 40: 89 + 76 + 0.3 MB
 * and at most 406 MB (measured peak RSS of a whole run, table included:
 * ~0.5 GB).
 */
#ifndef EMB_SOLVER_SPARSE_H
#define EMB_SOLVER_SPARSE_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/table.h"

/* Largest diagonal block of the preconditioner (a region with more sectors
 * is split into near-equal blocks of at most this size). */
#define EMB_SPARSE_BLOCK_MAX 512

typedef enum emb_sparse_method {
    EMB_SPARSE_AUTO = 0,       /* the best measured: GMRES (see sparse.c, solve_batch) */
    EMB_SPARSE_GMRES = 1,      /* restarted GMRES, right block-Jacobi preconditioning */
    EMB_SPARSE_RICHARDSON = 2  /* block-Jacobi iteration alone (fails if it does not contract) */
} emb_sparse_method;

typedef struct emb_sparse_opts {
    double tol;                /* relative residual target (above); 0: 1e-10 */
    emb_sparse_method method;
    size_t restart;            /* GMRES restart length m; 0: 40 */
    size_t max_iter;           /* passes over A_O per batch before giving up; 0: 2000 */
    size_t batch;              /* right-hand sides per lockstep batch; 0: 64 */
    size_t block;              /* diagonal block size; 0: sectors per region (split above
                                  EMB_SPARSE_BLOCK_MAX); 1: point Jacobi */
} emb_sparse_opts;

/* The defaults above. */
void emb_sparse_defaults(emb_sparse_opts *o);

/* What one emb_sparse_solve call did. */
typedef struct emb_sparse_report {
    size_t nrhs;
    size_t iterations;   /* max over columns of the passes over A_O while that column was
                            unconverged, residual checks included */
    size_t passes;       /* all passes over A_O (each for a whole batch), residual checks
                            included */
    size_t batches;
    double max_residual; /* max over columns of the final relative residual */
    double seconds;
    double seconds_products; /* ... of which passes over A_O */
    double seconds_precond;  /* ... block solves (M^-1 and M x in residuals) */
    double seconds_orth;     /* ... Gram-Schmidt and norms of the GMRES basis */
    const char *method;  /* "gmres" or "block-jacobi" */
} emb_sparse_report;

/* What emb_sparse_create built. */
typedef struct emb_sparse_info {
    size_t N, nnz_A, nnz_off;    /* non-zeros of A and of A_O */
    size_t n_blocks, block_max;  /* diagonal blocks and the largest */
    size_t n_blocks_singular;    /* blocks whose LU failed: left in A_O, identity in M */
    size_t n_negative_x;         /* x = Z 1 + Y 1 < 0 with no inputs: treated as zero output */
    double anorm_inf, anorm_one; /* ||I - A||_inf, ||I - A||_1 */
    double seconds_build;        /* A, A_O, A_O^T, norms */
    double seconds_precond;      /* blocks and their inverses */
    size_t bytes;                /* held by the solver (without solve workspace) */
} emb_sparse_info;

typedef struct emb_sparse emb_sparse;

/* Build from table t: A = Z diag(1/x) (1/0 := 0) with x = t->x, or for Z
 * tables without x, x = Z 1 + Y 1 (a negative x_j with no inputs is zero
 * output, with inputs an input error, as for the dense solver); A tables use
 * T as A, and without x get x = (I - A)^-1 (Y 1) from this solver.  Then the
 * splitting, the block inverses and A_O^T.  o may be NULL (defaults).
 * EMB_EINPUT on non-finite or inconsistent data (naming row and column),
 * EMB_ENOMEM.  *out owned by the caller. */
emb_status emb_sparse_create(const emb_table *t, const emb_sparse_opts *o, emb_sparse **out);

/* B := (I - A)^-1 B (trans = 0) or (I - A)^-T B (trans = 1); B column-major
 * N x nrhs, ldb >= N.  Iterates until every column's relative residual is
 * <= tol; otherwise EMB_ENUMERIC naming the column and the residual reached
 * (B then holds the last iterates).  rep may be NULL.  One call at a time
 * per solver (the workspace lives in s); solvers of different tables are
 * independent. */
emb_status emb_sparse_solve(emb_sparse *s, int trans, size_t nrhs, double *B, size_t ldb,
                            emb_sparse_report *rep);

/* Gross output used ([N], owned by s). */
const double *emb_sparse_x(const emb_sparse *s);

void emb_sparse_get_info(const emb_sparse *s, emb_sparse_info *info);

/* Free; NULL is a no-op. */
void emb_sparse_free(emb_sparse *s);

#endif
