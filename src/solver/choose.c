/* src/solver/choose.c — (N, storage, density, memory, threads, requested)
 * -> method + why: the decision alone, pure (choose.h). */
#include "solver/choose.h"

#include "core/alloc.h" /* emb_mul_overflows: arithmetic only */
#include "core/plan.h"  /* emb_fmt_bytes: formatting only */

#include <limits.h>
#include <stdio.h>

/* A factor of N x N elements of `elem` bytes: addressable by LAPACK and
 * within the limit (checked in this order: the messages the solver always
 * gave). */
static emb_status check_factor(size_t N, size_t elem, double mem, const char *origin,
                               emb_solver_choice *out)
{
    if (N > (size_t)INT_MAX) {
        snprintf(out->explain, sizeof out->explain,
                 "N = %zu industries exceeds LAPACK's 32-bit index limit (%d)", N, INT_MAX);
        return EMB_ENOMEM;
    }
    double bytes = (double)N * (double)N * (double)elem;
    if (mem > 0 && bytes > mem) {
        char b[32], l[32];
        snprintf(out->explain, sizeof out->explain,
                 "the solver needs %s (Leontief factor I - A, N x N %s, N = %zu) but the memory "
                 "limit is %s (%s)", emb_fmt_bytes(bytes, b, sizeof b),
                 elem == sizeof(double) ? "double" : "single precision", N,
                 emb_fmt_bytes(mem, l, sizeof l), origin ? origin : "max_memory");
        return EMB_ENOMEM;
    }
    size_t NN, nbytes;
    if (emb_mul_overflows(N, N, &NN) || emb_mul_overflows(NN, elem, &nbytes)) {
        snprintf(out->explain, sizeof out->explain,
                 "N = %zu: an N x N matrix overflows the address space", N);
        return EMB_ENOMEM;
    }
    return EMB_OK;
}

emb_status emb_solver_choose(size_t N, emb_solver_storage storage, double density,
                             double max_memory, const char *limit_origin, unsigned threads,
                             emb_solver_kind requested, emb_solver_choice *out)
{
    (void)threads; /* see choose.h */
    double mem = max_memory;
    double dense_bytes = 8.0 * (double)N * (double)N, mixed_bytes = dense_bytes / 2;
    emb_solver_kind k = requested;
    char *ex = out->explain, bd[32], bm[32], bl[32];
    size_t exn = sizeof out->explain;
    ex[0] = 0;
    out->kind = k;
    if (k == EMB_SOLVER_SCALAPACK) { /* a whole run over MPI ranks, not a backend here */
        snprintf(ex, exn, "scalapack: the distributed solver runs the whole accounts over MPI "
                          "ranks (emb_mpi_accounts, `mpirun -np P embodied accounts FILE --solver "
                          "scalapack`), not through emb_leontief_create");
        return EMB_EUSAGE;
    }
    if (k < EMB_SOLVER_AUTO || k > EMB_SOLVER_SPARSE) {
        snprintf(ex, exn, "unknown solver kind %d: expected dense, mixed, sparse or auto", (int)k);
        return EMB_EUSAGE;
    }
    if (k != EMB_SOLVER_AUTO) {
        snprintf(ex, exn, "%s: requested", emb_solver_name(k));
    } else if (storage == EMB_STORAGE_CSR && N >= EMB_CHOOSE_SPARSE_MIN_N &&
               density <= EMB_CHOOSE_SPARSE_MAX_DENSITY) {
        k = EMB_SOLVER_SPARSE;
        snprintf(ex, exn, "sparse: the table is stored as CSR with density %.2g %% (<= %.0f %%) and "
                          "N = %zu >= %d: block-Jacobi preconditioned GMRES needs no N x N array "
                          "(a dense factor would take %s)",
                 100 * density, 100 * EMB_CHOOSE_SPARSE_MAX_DENSITY, N, EMB_CHOOSE_SPARSE_MIN_N,
                 emb_fmt_bytes(dense_bytes, bd, sizeof bd));
    } else if (mem > 0 && mixed_bytes > mem) {
        k = EMB_SOLVER_SPARSE;
        snprintf(ex, exn, "sparse: neither the dense (%s) nor the single-precision factor (%s) "
                          "fits the memory allowed (%s)", emb_fmt_bytes(dense_bytes, bd, sizeof bd),
                 emb_fmt_bytes(mixed_bytes, bm, sizeof bm), emb_fmt_bytes(mem, bl, sizeof bl));
    } else if (mem > 0 && dense_bytes > mem && mixed_bytes <= mem) {
        k = EMB_SOLVER_MIXED;
        snprintf(ex, exn, "mixed: the dense factor (%s) exceeds the memory allowed (%s), the "
                          "single-precision one (%s) fits", emb_fmt_bytes(dense_bytes, bd, sizeof bd),
                 emb_fmt_bytes(mem, bl, sizeof bl), emb_fmt_bytes(mixed_bytes, bm, sizeof bm));
    } else if (N >= EMB_CHOOSE_MIXED_MIN_N) {
        k = EMB_SOLVER_MIXED;
        snprintf(ex, exn, "mixed: N = %zu >= %d, where single-precision LU (about twice as fast "
                          "as double) plus refinement in double beats dense double; %s",
                 N, EMB_CHOOSE_MIXED_MIN_N, emb_fmt_bytes(mixed_bytes, bm, sizeof bm));
    } else {
        k = EMB_SOLVER_DENSE;
        snprintf(ex, exn, "dense: N = %zu < %d, small enough that double LU costs less than "
                          "refinement passes; %s", N, EMB_CHOOSE_MIXED_MIN_N,
                 emb_fmt_bytes(dense_bytes, bd, sizeof bd));
    }
    out->kind = k;
    if (k == EMB_SOLVER_SPARSE) /* O(nnz): planned by the sparse backend */
        return EMB_OK;
    return check_factor(N, k == EMB_SOLVER_MIXED ? sizeof(float) : sizeof(double), mem,
                        limit_origin, out);
}
