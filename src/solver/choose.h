/* src/solver/choose.h — which method solves the Leontief system, as a pure
 * function of the problem's sizes (internal): no I/O, no allocation, no
 * global state, so every branch of the decision is testable in microseconds
 * (tests/test_solver_choice.c) without factorising anything. */
#ifndef EMB_SOLVER_CHOOSE_H
#define EMB_SOLVER_CHOOSE_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/solver.h"

/* Auto takes mixed precision from this N on: below it the factorisation is
 * so cheap that the refinement passes do not pay. */
#define EMB_CHOOSE_MIXED_MIN_N 3000
/* Auto takes the sparse solver for a CSR table at least this large and at
 * most this dense: below, a dense LU is cheap; above, fill-free iteration
 * loses its edge over BLAS-3. */
#define EMB_CHOOSE_SPARSE_MIN_N 2000
#define EMB_CHOOSE_SPARSE_MAX_DENSITY 0.10

/* How the table holds T. */
typedef enum emb_solver_storage {
    EMB_STORAGE_DENSE = 0, /* N x N array in memory */
    EMB_STORAGE_CSR,       /* CSR in memory */
    EMB_STORAGE_STREAMED   /* read from the file in row blocks when needed */
} emb_solver_storage;

typedef struct emb_solver_choice {
    emb_solver_kind kind; /* the method (never AUTO) */
    char explain[384];    /* why; on refusal, the reason (the caller prefixes the table's path) */
} emb_solver_choice;

/* Choose the method for a table of N industries stored as `storage`
 * (density: non-zeros / N^2 for CSR, else 1) under max_memory bytes (0: no
 * limit; limit_origin names where the limit came from, for messages) on
 * `threads` threads (accepted for backends whose choice will depend on it;
 * no branch does today), honouring `requested` (AUTO: decide).  EMB_OK with
 * out->kind and out->explain; EMB_ENOMEM when the method chosen or
 * requested cannot be planned (a factor LAPACK's 32-bit indices cannot
 * address, or larger than max_memory, or an N x N array beyond the address
 * space); EMB_EUSAGE for an unknown requested kind.  The sparse method's own
 * plan (O(nnz), its batch shrinking under the limit) is its backend's. */
emb_status emb_solver_choose(size_t N, emb_solver_storage storage, double density,
                             double max_memory, const char *limit_origin, unsigned threads,
                             emb_solver_kind requested, emb_solver_choice *out);

#endif
