/* src/solver/residual.c — the streamed residual pass: r = b - (I - A) x (and
 * the transposed) for many right-hand sides, with T read from the table in
 * blocks of rows, so that checking (and mixed-precision refinement) needs no
 * second N x N array; and the check of the counts every solve is given
 * (emb_lf_check_counts), which the pass's dgemm calls rely on.
 *
 * A = T diag(rinv) is never formed: the scaling is folded into the right-hand
 * sides instead (A X = T (diag(rinv) X), A^T m = diag(rinv) (T^T m)), so each
 * block goes straight from the file into two dgemm calls.  Blocks are read
 * on this thread while a worker multiplies the previous one (prefetch.c). */
#include "core/alloc.h"
#include "core/plan.h"
#include "core/error_impl.h"
#include "solver/leontief_impl.h"
#include "solver/prefetch.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

emb_status emb_lf_check_counts(const char *fn, size_t N, size_t nd, size_t nt, size_t ldb)
{
    size_t n, bytes;
    size_t lim = (size_t)INT_MAX;
    if (nd > lim || nt > lim || ldb > lim || N > lim)
        return emb_raise(EMB_EUSAGE, "%s: %zu + %zu right-hand sides with leading dimension %zu "
                                     "(N = %zu): counts above %d exceed LAPACK's 32-bit indices",
                         fn, nd, nt, ldb, N, INT_MAX);
    if (ldb < N)
        return emb_raise(EMB_EUSAGE, "%s: leading dimension %zu is less than N = %zu", fn, ldb, N);
    if (emb_mul_overflows(ldb, nd + nt, &n) || emb_mul_overflows(n, sizeof(double), &bytes))
        return emb_raise(EMB_ENOMEM, "%s: %zu right-hand sides of leading dimension %zu overflow "
                                     "the address space", fn, nd + nt, ldb);
    return EMB_OK;
}

double emb_lf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t emb_lf_block_rows(size_t N)
{
    size_t nb = emb_block_bytes((size_t)16 << 20) / (N * sizeof(double) + 1);
    return nb < 1 ? 1 : nb > N ? N : nb;
}

/* max |v_i| (NaN counts as infinite). */
static double vmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return INFINITY;
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    }
    return m;
}

static double relative(double r, double anorm, const double *x, const double *b, size_t N)
{
    double den = anorm * vmax(x, N) + vmax(b, N);
    double rel = den > 0 ? r / den : r;
    return isnan(rel) ? INFINITY : rel;
}

/* One block of T into the products (the worker side of the stream). */
typedef struct pass_job {
    size_t N, nd, nt;
    const double *Xa, *Xd, *Bd, *Xt;
    double *P, *Rd, *Acc;
} pass_job;

static void pass_block(void *ctx, const double *W, size_t r0, size_t n)
{
    const pass_job *j = ctx;
    size_t N = j->N;
    /* W (row-major n x N, T's rows r0..) is column-major N x n = T_blk^T. */
    if (j->nd) {
        /* P = T_blk Xa = A_blk X  (n x nd, column-major, ld n) */
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)j->nd, (int)N, 1.0, W,
                    (int)N, j->Xa, (int)N, 0.0, j->P, (int)n);
        for (size_t c = 0; c < j->nd; c++)
            for (size_t i = 0; i < n; i++) {
                size_t g = c * N + r0 + i;
                j->Rd[g] = j->Bd[g] - (j->Xd[g] - j->P[c * n + i]);
            }
    }
    if (j->nt) /* Acc += T_blk^T m[r0..] */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)j->nt, (int)n, 1.0, W,
                    (int)N, j->Xt + r0, (int)N, 1.0, j->Acc, (int)N);
}

emb_status emb_lf_residual_pass(emb_leontief *lf, size_t nd, const double *Xd, const double *Bd,
                                double *Rd, double *relres_d, size_t nt, const double *Xt,
                                const double *Bt, double *Rt, double *relres_t)
{
    const emb_table *t = lf->t;
    size_t N = lf->N, nb = emb_lf_block_rows(N);
    if (nd == 0 && nt == 0)
        return EMB_OK;
    /* The dgemm calls below narrow N, nd, nt and the block rows to int. */
    emb_status st = emb_lf_check_counts("residual pass", N, nd, nt, N);
    if (st)
        return st;
    double t0 = emb_lf_now();
    int scaled = lf->tech == EMB_TECH_Z;
    st = EMB_ENOMEM;
    double *P = emb_alloc(nb * (nd ? nd : 1), sizeof(double), "residual products");
    double *Acc = emb_calloc(N * (nt ? nt : 1), sizeof(double), "residual A^T m");
    double *Rdw = Rd ? NULL : emb_alloc(N * (nd ? nd : 1), sizeof(double), "residual vectors");
    double *Xs = scaled && nd ? emb_alloc(N * nd, sizeof(double), "scaled solutions") : NULL;
    if (!P || !Acc || (!Rd && !Rdw) || (scaled && nd && !Xs))
        goto done;
    if (!Rd)
        Rd = Rdw;
    const double *Xa = Xd; /* what T's blocks multiply */
    if (Xs) {
        for (size_t c = 0; c < nd; c++)
            for (size_t i = 0; i < N; i++)
                Xs[c * N + i] = Xd[c * N + i] * lf->rinv[i];
        Xa = Xs;
    }
    pass_job job = {N, nd, nt, Xa, Xd, Bd, Xt, P, Rd, Acc};
    if ((st = emb_stream_blocks(t, nb, pass_block, &job)))
        goto done;
    for (size_t c = 0; c < nd; c++)
        if (relres_d)
            relres_d[c] = relative(vmax(Rd + c * N, N), lf->anorm_inf, Xd + c * N, Bd + c * N, N);
    for (size_t c = 0; c < nt; c++) {
        double *a = Acc + c * N;
        const double *xc = Xt + c * N, *bc = Bt + c * N;
        for (size_t i = 0; i < N; i++)
            a[i] = bc[i] - (xc[i] - (scaled ? a[i] * lf->rinv[i] : a[i]));
        if (relres_t)
            relres_t[c] = relative(vmax(a, N), lf->anorm_one, xc, bc, N);
        if (Rt)
            memcpy(Rt + c * N, a, N * sizeof(double));
    }
    st = EMB_OK;
done:
    emb_free(P), emb_free(Acc), emb_free(Rdw), emb_free(Xs);
    lf->st.seconds_residual += emb_lf_now() - t0;
    lf->st.n_passes++;
    return st;
}
