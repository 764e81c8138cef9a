/* src/accounts/accounts.c — PBA, CBA, embodied imports/exports, the
 * bilateral flow matrix, per-sector D_* accounts, group sums and the
 * accounting-identity checks (formulas in include/embodied/accounts.h and the
 * README).  One factorisation; right-hand sides: n_r final-demand columns, k
 * multiplier rows, and for per-sector imports min(N, k n_r) more. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "embodied/accounts.h"
#include "embodied/solver.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Residual above which a solve is refused: the system is then too badly
 * conditioned (or the data too wild) for the accounts to mean anything. */
#define EMB_RESIDUAL_LIMIT 1e-8
#define EMB_IDENTITY_TOL_DEFAULT 1e-9
/* Right-hand sides per batch for the per-sector import solves (memory bound
 * N x batch doubles). */
#define EMB_RHS_BATCH 256

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

void emb_accounts_free(emb_accounts *a)
{
    if (!a)
        return;
    double *arrays[] = {a->x, a->M, a->pba, a->cba, a->imports, a->exports, a->unallocated, a->fy,
                        a->flows, a->D_cba, a->D_pba, a->D_imp, a->D_exp, a->flows_by_sector,
                        a->g_pba, a->g_cba, a->g_imports, a->g_exports, a->g_unallocated};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        emb_free(arrays[i]);
    emb_free(a);
}

/* Worst violation tracker for the identity checks. */
typedef struct {
    double worst;
    const char *what;
    size_t s, r;
} viol;

static void note(viol *v, double lhs, double rhs, double scale, const char *what, size_t s, size_t r)
{
    double e = fabs(lhs - rhs) / (scale > 0 ? scale : 1.0);
    if (isnan(e))
        e = INFINITY;
    if (e > v->worst) {
        v->worst = e;
        v->what = what;
        v->s = s;
        v->r = r;
    }
}

static emb_status check_identities(const emb_accounts *a, double tol, double *worst, const char *path)
{
    size_t k = a->k, R = a->n_r;
    viol v = {0, "", 0, 0};
    for (size_t s = 0; s < k; s++) {
        const double *B = a->flows + s * R * R;
        /* Scale: the stressor's world total, so a relative tolerance means the
         * same for a large and a tiny region. */
        double scale = 0, wp = 0, wc = 0;
        for (size_t r = 0; r < R; r++) {
            scale += fabs(a->pba[s * R + r]) + fabs(a->unallocated[s * R + r]);
            wp += a->pba[s * R + r];
            wc += a->cba[s * R + r];
        }
        note(&v, wp, wc, scale, "world PBA = world CBA", s, 0);
        for (size_t r = 0; r < R; r++) {
            double rs = 0, cs = 0;
            for (size_t q = 0; q < R; q++) {
                rs += B[r * R + q];
                cs += B[q * R + r];
            }
            size_t i = s * R + r;
            note(&v, rs, a->pba[i] - a->fy[i], scale, "flows row sum = PBA - F_Y", s, r);
            note(&v, cs, a->cba[i] - a->fy[i], scale, "flows column sum = CBA - F_Y", s, r);
            note(&v, a->cba[i], a->pba[i] + a->imports[i] - a->exports[i], scale,
                 "CBA = PBA + imports - exports", s, r);
        }
    }
    *worst = v.worst;
    if (v.worst > tol)
        return emb_raise(EMB_ENUMERIC, "%s: accounting identity violated: %s (stressor %zu, region "
                                       "%zu) off by %.3g of the world total (tolerance %.3g)",
                         path, v.what, v.s, v.r, v.worst, tol);
    return EMB_OK;
}

emb_status emb_accounts_check(const emb_accounts *acc, double tol, double *worst)
{
    return check_identities(acc, tol, worst, "accounts");
}

/* Per-sector D_imp[s][(d,j)]: the part of the footprint of final product j
 * consumed in region d that is emitted outside d, summed directly over the
 * foreign origins (never D_cba minus the domestic part: where imports are a
 * 1e-7 share of D_cba that difference loses 7 digits).  Two equivalent ways;
 * choose the one with fewer right-hand sides:
 *  (a) k*n_r transposed solves: M_fd = (S with region d's columns zeroed) (I - A)^-1,
 *      D_imp[s][(d,j)] = sum_r M_fd[s][(r,j)] Y_reg[(r,j)][d];
 *  (b) N direct solves: v = (I - A)^-1 (Y_reg[:,d] masked to product j),
 *      D_imp[s][(d,j)] = sum_{i not in d} S[s][i] v[i]. */
static emb_status foreign_part(emb_leontief *lf, const emb_table *t, const double *S,
                               const double *Yreg, double *imp, double *res)
{
    size_t N = t->N, k = t->k, R = t->n_r, ns = t->n_s;
    int by_multiplier = k * R <= N;
    size_t total = by_multiplier ? k * R : N;
    size_t batch = total < EMB_RHS_BATCH ? total : EMB_RHS_BATCH;
    double *X = emb_alloc(N * batch, sizeof(double), "per-sector right-hand sides");
    emb_status st = EMB_ENOMEM;
    if (!X)
        goto done;
    for (size_t c0 = 0; c0 < total; c0 += batch) {
        size_t nc = c0 + batch > total ? total - c0 : batch;
        double *B = X; /* right-hand sides, solved in place */
        memset(B, 0, N * nc * sizeof(double));
        for (size_t c = 0; c < nc; c++) {
            size_t id = c0 + c;
            double *b = B + c * N;
            if (by_multiplier) { /* id = d*k + s */
                size_t d = id / k, s = id % k;
                memcpy(b, S + s * N, N * sizeof(double));
                memset(b + d * ns, 0, ns * sizeof(double));
            } else { /* id = d*ns + j */
                size_t d = id / ns, j = id % ns;
                for (size_t r = 0; r < R; r++)
                    b[r * ns + j] = Yreg[d * N + r * ns + j];
            }
        }
        double rd = 0, rt = 0;
        if ((st = by_multiplier ? emb_leontief_solve_checked(lf, 0, NULL, nc, X, &rd, &rt)
                                : emb_leontief_solve_checked(lf, nc, X, 0, NULL, &rd, &rt)))
            goto done;
        if (rd > *res)
            *res = rd;
        if (rt > *res)
            *res = rt;
        for (size_t c = 0; c < nc; c++) {
            size_t id = c0 + c;
            const double *v = X + c * N;
            if (by_multiplier) {
                size_t d = id / k, s = id % k;
                for (size_t j = 0; j < ns; j++) {
                    double acc = 0;
                    for (size_t r = 0; r < R; r++)
                        acc += v[r * ns + j] * Yreg[d * N + r * ns + j];
                    imp[s * N + d * ns + j] = acc;
                }
            } else {
                size_t d = id / ns, j = id % ns;
                for (size_t s = 0; s < k; s++) {
                    double acc = 0;
                    for (size_t i = 0; i < N; i++)
                        if (i / ns != d)
                            acc += S[s * N + i] * v[i];
                    imp[s * N + d * ns + j] = acc;
                }
            }
        }
    }
    st = EMB_OK;
done:
    emb_free(X);
    return st;
}

static double *zalloc(size_t n, const char *what) { return emb_calloc(n ? n : 1, sizeof(double), what); }

emb_status emb_accounts_compute(const emb_table *t, const emb_accounts_opts *opts, emb_accounts **out)
{
    emb_accounts_opts opt;
    memset(&opt, 0, sizeof opt);
    if (opts)
        opt = *opts;
    double tol = opt.identity_tol > 0 ? opt.identity_tol : EMB_IDENTITY_TOL_DEFAULT;
    *out = NULL;
    double t0 = now();
    size_t N = t->N, k = t->k, R = t->n_r, ns = t->n_s, nf = t->n_f, G = t->n_groups;
    if (k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors (/F has 0 rows): nothing to "
                                     "account for", tp(t));
    /* The results' plan, before anything is allocated or solved (the
     * solver checks its own, the factor, when it is created). */
    emb_plan plan;
    double dk = (double)k, dN = (double)N, dR = (double)R, dG = (double)G;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "flows", dk * dR, dR, sizeof(double));
    emb_plan_add(&plan, "M", dk, dN, sizeof(double));
    emb_plan_add(&plan, "S", dk, dN, sizeof(double));
    emb_plan_add(&plan, "final demand by region", dN, dR, sizeof(double));
    emb_plan_add(&plan, "L Y by region", dN, dR, sizeof(double));
    emb_plan_add(&plan, "regional accounts", dk * (6 * dR + 5 * dG) + dN, 1, sizeof(double));
    if (opt.per_sector) {
        emb_plan_add(&plan, "D_cba, D_pba, D_imp, D_exp", 4 * dk, dN, sizeof(double));
        emb_plan_add(&plan, "per-sector right-hand sides", dN, EMB_RHS_BATCH, sizeof(double));
    }
    if (opt.flows_by_sector)
        emb_plan_add(&plan, "flows by sector", dk * dN, dR, sizeof(double));
    emb_status st = emb_plan_check(&plan, tp(t), "the accounts computation");
    if (st)
        return st;
    st = EMB_ENOMEM;
    emb_leontief *lf = NULL;
    double *S = NULL, *Yreg = NULL, *X = NULL;
    emb_accounts *a = emb_calloc(1, sizeof *a, "accounts");
    if (!a)
        return EMB_ENOMEM;
    a->k = k, a->n_r = R, a->n_s = ns, a->N = N, a->n_groups = G;
    size_t kR = k * R;
    if (!(a->x = zalloc(N, "x")) || !(a->M = zalloc(k * N, "multipliers M")) ||
        !(a->pba = zalloc(kR, "PBA")) || !(a->cba = zalloc(kR, "CBA")) ||
        !(a->imports = zalloc(kR, "imports")) || !(a->exports = zalloc(kR, "exports")) ||
        !(a->unallocated = zalloc(kR, "unallocated")) || !(a->fy = zalloc(kR, "F_Y by region")) ||
        !(a->flows = emb_calloc(kR, R * sizeof(double), "flow matrix")) ||
        !(a->g_pba = zalloc(k * G, "group PBA")) || !(a->g_cba = zalloc(k * G, "group CBA")) ||
        !(a->g_imports = zalloc(k * G, "group imports")) ||
        !(a->g_exports = zalloc(k * G, "group exports")) ||
        !(a->g_unallocated = zalloc(k * G, "group unallocated")) ||
        !(S = zalloc(k * N, "S")) ||
        !(Yreg = emb_calloc(N, R * sizeof(double), "final demand by region")) ||
        !(X = emb_alloc(N, R * sizeof(double), "L Y by region")))
        goto fail;
    if (opt.per_sector && (!(a->D_cba = zalloc(k * N, "D_cba")) || !(a->D_pba = zalloc(k * N, "D_pba")) ||
                         !(a->D_imp = zalloc(k * N, "D_imp")) || !(a->D_exp = zalloc(k * N, "D_exp"))))
        goto fail;
    if (opt.flows_by_sector && !(a->flows_by_sector = emb_calloc(k * N, R * sizeof(double), "flows by sector")))
        goto fail;

    if ((st = emb_leontief_create(t, &opt.solver, &lf)))
        goto fail;
    const double *x = emb_leontief_x(lf);
    memcpy(a->x, x, N * sizeof(double));

    /* S = F diag(1/x), 1/0 := 0; what a zero-output sector emits is unallocated. */
    for (size_t i = 0; i < N; i++) {
        int zero = !(x[i] > 0);
        int emits = 0;
        for (size_t s = 0; s < k; s++) {
            double f = t->F[s * N + i];
            S[s * N + i] = zero ? 0.0 : f / x[i];
            if (zero) {
                a->unallocated[s * R + i / ns] += f;
                emits |= f != 0;
            } else {
                a->pba[s * R + i / ns] += f;
            }
        }
        a->n_zero_output += x[i] == 0; /* x < 0 sectors are counted in n_negative_x */
        a->n_zero_output_emitting += emits;
    }
    for (size_t s = 0; s < k; s++)
        for (size_t c = 0; c < t->n_y; c++)
            a->fy[s * R + c / nf] += t->F_Y[s * t->n_y + c];
    for (size_t i = 0; i < N * t->n_y; i++)
        a->n_negative_Y += t->Y[i] < 0;

    /* Y_reg (column-major N x R): each region's categories summed. */
    for (size_t i = 0; i < N; i++) {
        const double *y = t->Y + i * t->n_y;
        for (size_t d = 0; d < R; d++) {
            double acc = 0;
            for (size_t c = 0; c < nf; c++)
                acc += y[d * nf + c];
            Yreg[d * N + i] = acc;
        }
    }
    /* X = (I - A)^-1 Y_reg;  M^T = (I - A)^-T S^T (S row-major k x N is S^T column-major). */
    memcpy(X, Yreg, N * R * sizeof(double));
    memcpy(a->M, S, k * N * sizeof(double));
    if ((st = emb_leontief_solve_checked(lf, R, X, k, a->M, &a->residual_solve,
                                         &a->residual_tsolve)))
        goto fail;
    if (!(a->residual_solve <= EMB_RESIDUAL_LIMIT) || !(a->residual_tsolve <= EMB_RESIDUAL_LIMIT)) {
        st = emb_raise(EMB_ENUMERIC, "%s: Leontief solve residual %.3g (multipliers %.3g) exceeds "
                                     "%.0e: I - A is too ill-conditioned for reliable accounts",
                       tp(t), a->residual_solve, a->residual_tsolve, EMB_RESIDUAL_LIMIT);
        goto fail;
    }

    /* Bilateral flows B[s][o][d] = sum_{i in o} S[s][i] X[i][d]. */
    for (size_t s = 0; s < k; s++) {
        double *B = a->flows + s * R * R;
        const double *Ss = S + s * N;
        for (size_t d = 0; d < R; d++) {
            const double *xd = X + d * N;
            for (size_t o = 0; o < R; o++) {
                double acc = 0;
                for (size_t i = o * ns; i < (o + 1) * ns; i++)
                    acc += Ss[i] * xd[i];
                B[o * R + d] = acc;
            }
        }
        /* Imports and exports summed directly over the other regions, never
         * a column sum minus the domestic flow (that loses the digits of a
         * small trade share). */
        for (size_t r = 0; r < R; r++) {
            double col = 0, imp = 0, exp_ = 0;
            for (size_t q = 0; q < R; q++) {
                col += B[q * R + r];
                if (q != r) {
                    imp += B[q * R + r];
                    exp_ += B[r * R + q];
                }
            }
            a->cba[s * R + r] = col + a->fy[s * R + r];
            a->imports[s * R + r] = imp;
            a->exports[s * R + r] = exp_;
            a->pba[s * R + r] += a->fy[s * R + r];
        }
    }
    if (a->flows_by_sector)
        for (size_t s = 0; s < k; s++)
            for (size_t i = 0; i < N; i++)
                for (size_t d = 0; d < R; d++)
                    a->flows_by_sector[(s * N + i) * R + d] = S[s * N + i] * X[d * N + i];
    if (opt.per_sector) {
        for (size_t s = 0; s < k; s++)
            for (size_t i = 0; i < N; i++) {
                size_t r = i / ns;
                double exp_out = 0;
                for (size_t d = 0; d < R; d++)
                    if (d != r)
                        exp_out += X[d * N + i];
                a->D_pba[s * N + i] = x[i] > 0 ? t->F[s * N + i] : 0.0;
                a->D_exp[s * N + i] = S[s * N + i] * exp_out;
            }
        for (size_t s = 0; s < k; s++)
            for (size_t d = 0; d < R; d++)
                for (size_t j = 0; j < ns; j++) {
                    double acc = 0;
                    for (size_t r = 0; r < R; r++)
                        acc += a->M[s * N + r * ns + j] * Yreg[d * N + r * ns + j];
                    a->D_cba[s * N + d * ns + j] = acc;
                }
        double res = 0;
        if ((st = foreign_part(lf, t, S, Yreg, a->D_imp, &res)))
            goto fail;
        if (res > a->residual_solve)
            a->residual_solve = res;
        if (!(res <= EMB_RESIDUAL_LIMIT)) {
            st = emb_raise(EMB_ENUMERIC, "%s: per-sector solve residual %.3g exceeds %.0e", tp(t),
                           res, EMB_RESIDUAL_LIMIT);
            goto fail;
        }
    }
    /* Groups: sums over members (pymrio convention: a group's imports include
     * trade between its members; flows between groups are in emb_accounts_flow). */
    for (size_t g = 0; g < G; g++)
        for (size_t m = 0; m < t->groups[g].n; m++) {
            size_t r = t->groups[g].members[m];
            for (size_t s = 0; s < k; s++) {
                a->g_pba[s * G + g] += a->pba[s * R + r];
                a->g_cba[s * G + g] += a->cba[s * R + r];
                a->g_imports[s * G + g] += a->imports[s * R + r];
                a->g_exports[s * G + g] += a->exports[s * R + r];
                a->g_unallocated[s * G + g] += a->unallocated[s * R + r];
            }
        }
    emb_solver_stats ss;
    emb_leontief_get_stats(lf, &ss);
    a->rcond = ss.rcond;
    a->n_negative_x = ss.n_negative_x;
    a->seconds_build = ss.seconds_build;
    a->seconds_factor = ss.seconds_factor;
    a->seconds_solve = ss.seconds_solve;
    a->seconds_residual = ss.seconds_residual;
    a->solver = ss;
    if ((st = check_identities(a, tol, &a->identity_error, tp(t))))
        goto fail;
    a->seconds_total = now() - t0;
    emb_leontief_free(lf);
    emb_free(S), emb_free(Yreg), emb_free(X);
    *out = a;
    return EMB_OK;
fail:
    emb_leontief_free(lf);
    emb_free(S), emb_free(Yreg), emb_free(X);
    emb_accounts_free(a);
    return st;
}

emb_status emb_accounts_flow(const emb_accounts *acc, const emb_table *t, size_t s,
                             const char *origin, const char *destination, double *value)
{
    if (s >= acc->k)
        return emb_raise(EMB_EUSAGE, "stressor index %zu out of range (%zu stressors)", s, acc->k);
    const size_t *om, *dm;
    size_t on, dn, o1, d1;
    emb_status st;
    if ((st = emb_table_resolve_unit(t, origin, &om, &on, &o1)) ||
        (st = emb_table_resolve_unit(t, destination, &dm, &dn, &d1)))
        return st;
    size_t R = acc->n_r;
    const double *B = acc->flows + s * R * R;
    double v = 0;
    for (size_t a = 0; a < on; a++)
        for (size_t b = 0; b < dn; b++)
            v += B[om[a] * R + dm[b]];
    *value = v;
    return EMB_OK;
}
