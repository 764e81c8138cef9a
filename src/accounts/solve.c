/* src/accounts/solve.c — stage 2 of the accounts: recording solutions of
 * the right-hand sides (from any solver, in any pieces), and solving them
 * with an emb_leontief (a range, or all of them as emb_accounts_compute
 * does).  Per-sector columns are reduced into D_imp on arrival. */
#include "accounts/accounts_impl.h"
#include "core/context_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

/* D_imp entries of one per-sector column v (see foreign_part in the header
 * comment of accounts.h): the emissions outside the consuming region d,
 * summed directly over the foreign origins, never D_cba minus the domestic
 * part (where imports are a 1e-7 share that difference loses 7 digits).
 *  transposed id = d k + s: v = M_fd[s]^T, the multipliers of S[s] with
 *      region d masked out; D_imp[s][(d,j)] = sum_r v[(r,j)] Y_reg[(r,j)][d];
 *  direct id = d n_s + j: v = L (Y_reg[:,d] masked to product j);
 *      D_imp[s][(d,j)] = sum_{i not in d} S[s][i] v[i]. */
static void reduce_sector(emb_accounts_prep *p, emb_accounts_rhs_kind which, size_t id,
                          const double *v)
{
    size_t N = p->N, k = p->k, R = p->R, ns = p->ns;
    double *imp = p->a->D_imp;
    if (which == EMB_ACCOUNTS_TRANSPOSED) {
        size_t d = id / k, s = id % k;
        for (size_t j = 0; j < ns; j++) {
            double acc = 0;
            for (size_t r = 0; r < R; r++)
                acc += v[r * ns + j] * p->Yreg[d * N + r * ns + j];
            imp[s * N + d * ns + j] = acc;
        }
    } else {
        size_t d = id / ns, j = id % ns;
        for (size_t s = 0; s < k; s++) {
            double acc = 0;
            for (size_t i = 0; i < N; i++)
                if (i / ns != d)
                    acc += p->S[s * N + i] * v[i];
            imp[s * N + d * ns + j] = acc;
        }
    }
}

/* Refuse a residual above the limit (before anything is recorded). */
static emb_status check_residual(const emb_accounts_prep *p, emb_accounts_rhs_kind which,
                                 size_t first, double residual)
{
    if (residual <= EMB_RESIDUAL_LIMIT)
        return EMB_OK;
    size_t nmain = which == EMB_ACCOUNTS_DIRECT ? p->R : p->k;
    const char *tn = emb_accounts_table_name(p->t);
    if (first >= nmain)
        return emb_raise(EMB_ENUMERIC, "%s: per-sector solve residual %.3g exceeds %.0e", tn,
                         residual, EMB_RESIDUAL_LIMIT);
    return emb_raise(EMB_ENUMERIC, "%s: Leontief solve residual %.3g (%s) exceeds %.0e: I - A is "
                                   "too ill-conditioned for reliable accounts",
                     tn, residual, which == EMB_ACCOUNTS_DIRECT ? "L y" : "multipliers",
                     EMB_RESIDUAL_LIMIT);
}

/* Mark columns [first, first+count) solved, with their residual. */
static void mark(emb_accounts_prep *p, emb_accounts_rhs_kind which, size_t first, size_t count,
                 double residual)
{
    size_t nmain = which == EMB_ACCOUNTS_DIRECT ? p->R : p->k;
    unsigned char *done = p->done + (which == EMB_ACCOUNTS_DIRECT ? 0 : p->n_direct);
    for (size_t c = first; c < first + count; c++) {
        p->left -= !done[c];
        done[c] = 1;
    }
    if (count && first < nmain) {
        double *r = which == EMB_ACCOUNTS_DIRECT ? &p->a->residual_solve : &p->a->residual_tsolve;
        if (residual > *r)
            *r = residual;
    }
    if (count && first + count > nmain && residual > p->res_sector)
        p->res_sector = residual;
}

/* Direct per-sector columns id .. id+g-1 (all of one consuming region d,
 * products j0 .. j0+g-1, V N x g with leading dimension ldv):
 * D_imp[s][(d,j)] = sum_{i not in d} S[s][i] V[i][j], as two matrix products
 * over the rows before and after region d (k N^2 flops for all N columns:
 * at BLAS speed, a fraction of the solves' N^3).  Sizes beyond int fall back
 * to reduce_sector. */
static void reduce_direct_block(emb_accounts_prep *p, size_t id, size_t g, const double *V,
                                size_t ldv)
{
    size_t N = p->N, k = p->k, ns = p->ns, d = id / ns, j0 = id % ns;
    if (N > INT_MAX || k > INT_MAX || ldv > INT_MAX || g > INT_MAX) {
        for (size_t c = 0; c < g; c++)
            reduce_sector(p, EMB_ACCOUNTS_DIRECT, id + c, V + c * ldv);
        return;
    }
    /* Column-major: Out^T (g x k, ld N, at D_imp + d n_s + j0) = V[rows]^T S^T[rows]. */
    double *C = p->a->D_imp + d * ns + j0;
    size_t a0 = d * ns, b0 = (d + 1) * ns;
    double beta = 0.0;
    if (a0 > 0) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)g, (int)k, (int)a0, 1.0, V,
                    (int)ldv, p->S, (int)N, 0.0, C, (int)N);
        beta = 1.0;
    }
    if (b0 < N) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)g, (int)k, (int)(N - b0), 1.0,
                    V + b0, (int)ldv, p->S + b0, (int)N, beta, C, (int)N);
        beta = 1.0;
    }
    if (beta == 0.0) /* one region: nothing is imported */
        for (size_t s = 0; s < k; s++)
            memset(C + s * N, 0, g * sizeof(double));
}

emb_status emb_accounts_set_solution(emb_accounts_prep *p, emb_accounts_rhs_kind which,
                                     size_t first, size_t count, const double *X, size_t ldx,
                                     double residual)
{
    emb_status st = emb_accounts_check_range(p, which, first, count, ldx,
                                             "emb_accounts_set_solution");
    if (st || (st = check_residual(p, which, first, residual)))
        return st;
    if (!(residual >= 0))
        return emb_raise(EMB_EUSAGE, "emb_accounts_set_solution: residual %g is negative",
                         residual);
    size_t N = p->N, nmain = which == EMB_ACCOUNTS_DIRECT ? p->R : p->k;
    double *main = which == EMB_ACCOUNTS_DIRECT ? p->X : p->a->M;
    for (size_t c = 0; c < count; c++) {
        size_t id = first + c;
        const double *v = X + c * ldx;
        if (id < nmain) {
            if (main + id * N != v)
                memcpy(main + id * N, v, N * sizeof(double));
        } else if (which == EMB_ACCOUNTS_DIRECT) { /* the run of columns of one region */
            size_t d = (id - nmain) / p->ns, g = 1;
            while (c + g < count && (id + g - nmain) / p->ns == d)
                g++;
            reduce_direct_block(p, id - nmain, g, v, ldx);
            c += g - 1;
        } else {
            reduce_sector(p, which, id - nmain, v);
        }
    }
    mark(p, which, first, count, residual);
    return EMB_OK;
}

static void copy_stats(emb_accounts_prep *p, const emb_leontief *lf)
{
    emb_leontief_get_stats(lf, &p->stats);
    p->have_stats = 1;
}

/* done0, total: progress reported as done0 + solved so far, of total
 * (embodied/progress.h, EMB_PROGRESS_SOLVING). */
static emb_status solve_range(emb_accounts_prep *p, emb_leontief *lf, emb_accounts_rhs_kind which,
                              size_t first, size_t count, size_t done0, size_t total)
{
    emb_status st = emb_accounts_check_range(p, which, first, count, p->N,
                                             "emb_accounts_solve_range");
    if (st || count == 0)
        return st;
    size_t N = p->N, batch = count < EMB_RHS_BATCH ? count : EMB_RHS_BATCH;
    double *B = emb_alloc(N * batch, sizeof(double), "accounts right-hand sides");
    if (!B)
        return EMB_ENOMEM;
    int direct = which == EMB_ACCOUNTS_DIRECT;
    for (size_t c0 = first; c0 < first + count && !st; c0 += batch) {
        size_t nc = c0 + batch > first + count ? first + count - c0 : batch;
        double rd = 0, rt = 0;
        emb_ctx_report(EMB_PROGRESS_SOLVING, done0 + (c0 - first), total);
        if ((st = emb_ctx_poll("solving the accounts' right-hand sides")) ||
            (st = emb_accounts_rhs(p, which, c0, nc, B, N)) ||
            (st = direct ? emb_leontief_solve_checked(lf, nc, B, 0, NULL, &rd, &rt)
                         : emb_leontief_solve_checked(lf, 0, NULL, nc, B, &rd, &rt)))
            break;
        st = emb_accounts_set_solution(p, which, c0, nc, B, N, direct ? rd : rt);
    }
    if (!st)
        emb_ctx_report(EMB_PROGRESS_SOLVING, done0 + count, total);
    copy_stats(p, lf);
    emb_free(B);
    return st;
}

static emb_status solve_all(emb_accounts_prep *p, emb_leontief *lf)
{
    emb_status st;
    size_t N = p->N, R = p->R, k = p->k;
    if (p->spent)
        return emb_raise(EMB_EUSAGE, "emb_accounts_solve_all: the accounts were already assembled");
    /* X = (I - A)^-1 Y_reg;  M^T = (I - A)^-T S^T (S row-major k x N is S^T
     * column-major): solved in place, one residual pass for both. */
    double rd = 0, rt = 0;
    size_t total = p->n_direct + p->n_trans;
    emb_ctx_report(EMB_PROGRESS_SOLVING, 0, total);
    if ((st = emb_accounts_rhs(p, EMB_ACCOUNTS_DIRECT, 0, R, p->X, N)) ||
        (st = emb_accounts_rhs(p, EMB_ACCOUNTS_TRANSPOSED, 0, k, p->a->M, N)) ||
        (st = emb_leontief_solve_checked(lf, R, p->X, k, p->a->M, &rd, &rt)) ||
        (st = emb_accounts_set_solution(p, EMB_ACCOUNTS_DIRECT, 0, R, p->X, N, rd)) ||
        (st = emb_accounts_set_solution(p, EMB_ACCOUNTS_TRANSPOSED, 0, k, p->a->M, N, rt))) {
        copy_stats(p, lf);
        return st;
    }
    if (p->n_direct > R &&
        (st = solve_range(p, lf, EMB_ACCOUNTS_DIRECT, R, p->n_direct - R, R + k, total)))
        return st;
    if (p->n_trans > k &&
        (st = solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, k, p->n_trans - k, p->n_direct + k,
                          total)))
        return st;
    copy_stats(p, lf);
    emb_ctx_report(EMB_PROGRESS_SOLVING, total, total);
    return EMB_OK;
}

/* The public entries bind the context the prep was prepared with. */
emb_status emb_accounts_solve_range(emb_accounts_prep *p, emb_leontief *lf,
                                    emb_accounts_rhs_kind which, size_t first, size_t count)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, p->opt.ctx);
    emb_status st = solve_range(p, lf, which, first, count, 0, count);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_accounts_solve_all(emb_accounts_prep *p, emb_leontief *lf)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, p->opt.ctx);
    emb_status st = solve_all(p, lf);
    emb_ctx_leave(&f);
    return st;
}
