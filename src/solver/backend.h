/* src/solver/backend.h — a Leontief method as a table of operations
 * (internal; GSL's splinalg type table, FFTW's per-backend hooks).
 *
 * The front end (leontief.c) picks a method (choose.c), looks its backend
 * up in one table and from then on calls only through it: plan -> factorise
 * -> solve (-> refine.c when the backend says its solves need refinement)
 * -> release.  Adding a method (ScaLAPACK, a GPU) is one more file defining
 * an emb_solver_backend and one more entry in the table (leontief.c,
 * backend_for). */
#ifndef EMB_SOLVER_BACKEND_H
#define EMB_SOLVER_BACKEND_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/solver.h"

typedef struct emb_solver_backend {
    const char *name;     /* as emb_solver_name(kind) */
    emb_solver_kind kind;
    /* Check this method's memory plan for lf->t against lf->max_memory
     * (EMB_ENOMEM naming the arrays) and settle what depends on it (the
     * sparse batch); allocates nothing. */
    emb_status (*plan)(emb_leontief *lf, const emb_solver_opts *o);
    /* Allocate the method's arrays, build I - A (or its splitting) from
     * lf->t and factorise; sets lf->x, lf->rinv, lf->colA (allocated by the
     * front end), the norms and the stats.  On failure what it allocated is
     * left for release. */
    emb_status (*factorise)(emb_leontief *lf, const emb_solver_opts *o);
    /* B := (I - A)^-1 B (trans 0) or (I - A)^-T B (trans 1), B N x nrhs
     * column-major with leading dimension ldb, counts already checked by the
     * front end (emb_lf_check_counts).  When self_checked, *res (may be
     * NULL) receives the largest relative residual reached. */
    emb_status (*solve)(emb_leontief *lf, int trans, size_t nrhs, double *B, size_t ldb,
                        double *res);
    /* Free what factorise allocated; lf stays valid (NULL fields). */
    void (*release)(emb_leontief *lf);
    int refines;      /* solve is approximate: refine.c iterates to lf->tol in double */
    int self_checked; /* solve reaches and reports its own true residual: no residual pass */
} emb_solver_backend;

extern const emb_solver_backend emb_backend_dense;  /* dense.c */
extern const emb_solver_backend emb_backend_mixed;  /* mixed.c */
extern const emb_solver_backend emb_backend_sparse; /* sparse.c */

#endif
