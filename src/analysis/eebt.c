/* src/analysis/eebt.c — emissions embodied in bilateral trade (EEBT, Peters
 * 2008) beside the MRIO accounts: domestic multipliers m_r = S_r (I - A_rr)^-1
 * (one LU of n_s x n_s per region, in parallel, each solve's residual
 * checked), flows T[s][r][d] = m_r[s] . e_rd, EEBT exports, imports and CBA,
 * group sums, and their identities (formulas in include/embodied/accounts.h
 * and the README). */
#include "accounts/accounts_impl.h"
#include "analysis/analysis_impl.h"
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/parallel.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* Residual above which a domestic solve is refused (the accounts' limit). */
#define EEBT_RESIDUAL_LIMIT 1e-8
/* Blocks of this many sectors or more are factorised one region at a time
 * with OpenBLAS's threads (its dgetrf runs on one thread while m n < 10,000). */
#define EEBT_SERIAL_BLOCK 100

/* The domestic solves of regions [begin, end), one region at a time on its
 * own slices of LU, ipiv and m (no allocation, no error raised here: the
 * caller reads info[] and res[] and raises on the calling thread). */
typedef struct dom_job {
    const emb_table *t;
    const size_t *sidx; /* [k] table stressor of each accounts row (NULL: identity) */
    size_t k;           /* stressors computed */
    const double *x;
    const double *D; /* [R][ns][ns] I - A_rr, row-major */
    double *LU;      /* [R][ns][ns] */
    lapack_int *ipiv; /* [R][ns] */
    double *m;       /* [k][N]: in S, out m_dom */
    lapack_int *info; /* [R] */
    double *res;     /* [R] largest relative residual of region r's k solves */
} dom_job;

static void dom_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    (void)tid;
    const dom_job *j = ctx;
    const emb_table *t = j->t;
    size_t N = t->N, ns = t->n_s, k = j->k;
    for (size_t r = begin; r < end; r++) {
        const double *D = j->D + r * ns * ns;
        double *LU = j->LU + r * ns * ns, *m = j->m + r * ns;
        lapack_int *ipiv = j->ipiv + r * ns;
        /* Row-major D is column-major D^T = (I - A_rr)^T: its LU solves the
         * multiplier system (I - A_rr)^T m^T = S_r^T with trans 'N', and the
         * k right-hand sides are m's rows at stride N, column-major. */
        memcpy(LU, D, ns * ns * sizeof *LU);
        lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)ns, (lapack_int)ns, LU,
                                              (lapack_int)ns, ipiv);
        if (info == 0)
            info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', (lapack_int)ns, (lapack_int)k, LU,
                                       (lapack_int)ns, ipiv, m, (lapack_int)N);
        j->info[r] = info;
        if (info != 0)
            continue;
        /* ||s - D^T m||_inf / (||D^T||_inf ||m||_inf + ||s||_inf), against
         * the block as formed, per stressor. */
        double dnorm = 0;
        for (size_t q = 0; q < ns; q++) {
            double c = 0;
            for (size_t i = 0; i < ns; i++)
                c += fabs(D[i * ns + q]);
            dnorm = c > dnorm ? c : dnorm;
        }
        double worst = 0;
        for (size_t s = 0; s < k; s++) {
            const double *ms = m + s * N, *F = t->F + (j->sidx ? j->sidx[s] : s) * N + r * ns, *xr = j->x + r * ns;
            double rn = 0, mn = 0, bn = 0;
            for (size_t q = 0; q < ns; q++) {
                double b = xr[q] > 0 ? F[q] / xr[q] : 0.0, v = b;
                for (size_t i = 0; i < ns; i++)
                    v -= D[i * ns + q] * ms[i];
                rn = fabs(v) > rn ? fabs(v) : rn;
                bn = fabs(b) > bn ? fabs(b) : bn;
                mn = fabs(ms[q]) > mn ? fabs(ms[q]) : mn;
            }
            double den = dnorm * mn + bn, e = den > 0 ? rn / den : rn;
            if (!(e <= worst)) /* NaN propagates as the worst */
                worst = isnan(e) ? INFINITY : e;
        }
        j->res[r] = worst;
    }
}

/* m = S (I - A_rr)^-1 block by block into m [k][N]; the largest residual in
 * *resid. */
static emb_status domestic_multipliers(const emb_table *t, const emb_accounts *a,
                                       const emb_trade *tr, double *m, double *resid)
{
    const double *x = a->x;
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = a->k;
    if (ns > (size_t)INT_MAX || N > (size_t)INT_MAX)
        return emb_raise(EMB_ENOMEM, "%s: EEBT: %zu industries exceed LAPACK's 32-bit sizes",
                         t->path && t->path[0] ? t->path : "(table)", N);
    double *LU = emb_alloc(N, ns * sizeof(double), "LU of the domestic blocks");
    lapack_int *ipiv = emb_alloc(N, sizeof *ipiv, "domestic block pivots");
    lapack_int *info = emb_calloc(R, sizeof *info, "domestic block status");
    double *res = emb_calloc(R, sizeof *res, "domestic block residuals");
    emb_status st = EMB_ENOMEM;
    if (!LU || !ipiv || !info || !res)
        goto done;
    for (size_t s = 0; s < k; s++)
        for (size_t i = 0; i < N; i++)
            m[s * N + i] = x[i] > 0 ? t->F[emb_accounts_stressor_index(a, s) * N + i] / x[i]
                                    : 0.0; /* S, 1/0 := 0 */
    dom_job j = {t, a->stressor, k, x, tr->D, LU, ipiv, m, info, res};
    /* Small blocks (WIOD's 35, OECD ICIO's 45 sectors): one region per
     * thread, OpenBLAS running each small dgetrf on one thread.  From 100
     * sectors on (GLORIA's 120, EXIOBASE's 200) OpenBLAS threads each dgetrf
     * itself, so the regions go one after the other rather than nesting
     * OpenBLAS's threads inside ours. */
    emb_parallel_for(R, 1, ns < EEBT_SERIAL_BLOCK ? emb_parallel_threads() : 1, dom_range, &j);
    const char *tn = t->path && t->path[0] ? t->path : "(table)";
    *resid = 0;
    st = EMB_OK;
    for (size_t r = 0; r < R && !st; r++) {
        if (info[r] > 0)
            st = emb_raise(EMB_ENUMERIC, "%s: EEBT: the domestic block I - A_rr of region %s is "
                                         "singular (zero pivot at sector %s): its domestic "
                                         "multipliers do not exist",
                           tn, t->regions[r], t->sectors[info[r] - 1]);
        else if (info[r] < 0)
            st = emb_raise(EMB_EINTERNAL, "%s: EEBT: dgetrf/dgetrs argument %d invalid (region %s)",
                           tn, (int)-info[r], t->regions[r]);
        else if (!(res[r] <= EEBT_RESIDUAL_LIMIT))
            st = emb_raise(EMB_ENUMERIC, "%s: EEBT: the domestic multipliers of region %s have a "
                                         "relative residual of %.3g (limit %.0e): I - A_rr is too "
                                         "badly conditioned",
                           tn, t->regions[r], res[r], EEBT_RESIDUAL_LIMIT);
        else if (res[r] > *resid)
            *resid = res[r];
    }
done:
    emb_free(LU);
    emb_free(ipiv);
    emb_free(info);
    emb_free(res);
    return st;
}

/* The new arrays, swapped into the accounts only when all is well. */
typedef struct eebt_out {
    double *m, *flows, *fbs, *cba, *imp, *exp_, *gcba, *gimp, *gexp;
} eebt_out;

static void out_free(eebt_out *o)
{
    double *v[] = {o->m, o->flows, o->fbs, o->cba, o->imp, o->exp_, o->gcba, o->gimp, o->gexp};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        emb_free(v[i]);
    memset(o, 0, sizeof *o);
}

static double *zalloc(size_t n, size_t m, const char *what)
{
    return emb_calloc(n && m ? n : 1, m ? m * sizeof(double) : sizeof(double), what);
}

emb_status emb_eebt_from_trade(emb_accounts *a, const emb_table *t, const emb_trade *tr,
                               int by_sector, double tol)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = a->k, G = t->n_groups;
    const char *tn = t->path && t->path[0] ? t->path : "(table)";
    if (!tr->D)
        return emb_raise(EMB_EINTERNAL, "%s: EEBT: trade pass without the domestic blocks", tn);
    eebt_out o = {0};
    emb_status st = EMB_ENOMEM;
    if (!(o.m = zalloc(k, N, "domestic multipliers")) ||
        !(o.flows = zalloc(k * R, R, "EEBT flows")) || !(o.cba = zalloc(k, R, "EEBT CBA")) ||
        !(o.imp = zalloc(k, R, "EEBT imports")) || !(o.exp_ = zalloc(k, R, "EEBT exports")) ||
        !(o.gcba = zalloc(k, G, "group EEBT CBA")) ||
        !(o.gimp = zalloc(k, G, "group EEBT imports")) ||
        !(o.gexp = zalloc(k, G, "group EEBT exports")) ||
        (by_sector && !(o.fbs = zalloc(k * N, R, "EEBT flows by sector"))))
        goto fail;
    double resid = 0;
    if ((st = domestic_multipliers(t, a, tr, o.m, &resid)) ||
        (st = emb_ctx_poll("EEBT flows")))
        goto fail;
    const double *E = tr->E;
    /* T[s][r][d] = sum_{i in r} m[s][i] E[i][d]; by sector, the terms. */
    for (size_t s = 0; s < k; s++) {
        double *T = o.flows + s * R * R;
        for (size_t i = 0; i < N; i++) {
            double mi = o.m[s * N + i], *Tr = T + (i / ns) * R;
            const double *Ei = E + i * R;
            for (size_t d = 0; d < R; d++)
                Tr[d] += mi * Ei[d];
            if (o.fbs)
                for (size_t d = 0; d < R; d++)
                    o.fbs[(s * N + i) * R + d] = mi * Ei[d];
        }
        /* Exports and imports summed directly over the partners, as the MRIO
         * accounts' (never a total minus the diagonal). */
        for (size_t r = 0; r < R; r++) {
            double ex = 0, im = 0;
            for (size_t q = 0; q < R; q++)
                if (q != r) {
                    ex += T[r * R + q];
                    im += T[q * R + r];
                }
            size_t ir = s * R + r;
            o.exp_[ir] = ex;
            o.imp[ir] = im;
            o.cba[ir] = a->pba[ir] - ex + im;
        }
    }
    for (size_t g = 0; g < G; g++)
        for (size_t q = 0; q < t->groups[g].n; q++) {
            size_t r = t->groups[g].members[q];
            for (size_t s = 0; s < k; s++) {
                o.gcba[s * G + g] += o.cba[s * R + r];
                o.gimp[s * G + g] += o.imp[s * R + r];
                o.gexp[s * G + g] += o.exp_[s * R + r];
            }
        }
    /* Identities, relative to the stressor's world total as the accounts'. */
    emb_viol v = {0, "", 0, 0};
    for (size_t s = 0; s < k; s++) {
        const double *T = o.flows + s * R * R;
        double scale = 0, wp = 0, wc = 0;
        for (size_t r = 0; r < R; r++) {
            scale += fabs(a->pba[s * R + r]) + fabs(a->unallocated[s * R + r]);
            wp += a->pba[s * R + r];
            wc += o.cba[s * R + r];
        }
        emb_viol_note(&v, wc, wp, scale, "world EEBT CBA = world PBA", s, 0);
        for (size_t r = 0; r < R; r++) {
            double rs = 0, cs = 0;
            for (size_t q = 0; q < R; q++) {
                rs += T[r * R + q];
                cs += T[q * R + r];
            }
            size_t ir = s * R + r;
            emb_viol_note(&v, rs, a->pba[ir] - a->fy[ir], scale, "EEBT flows row sum = PBA - F_Y", s, r);
            emb_viol_note(&v, cs + a->fy[ir], o.cba[ir], scale, "EEBT flows column sum + F_Y = EEBT CBA",
                 s, r);
        }
    }
    if (v.worst > tol) {
        st = emb_raise(EMB_ENUMERIC, "%s: EEBT identity violated: %s (stressor %s, region %s) off "
                                     "by %.3g of the world total (tolerance %.3g)",
                       tn, v.what, t->stressors[emb_accounts_stressor_index(a, v.s)], t->regions[v.r], v.worst, tol);
        goto fail;
    }
    /* Swap in, releasing an earlier EEBT of the same accounts. */
    eebt_out old = {a->m_dom, a->eebt_flows, a->eebt_flows_by_sector, a->eebt_cba,
                    a->eebt_imports, a->eebt_exports, a->g_eebt_cba, a->g_eebt_imports,
                    a->g_eebt_exports};
    out_free(&old);
    a->m_dom = o.m, a->eebt_flows = o.flows, a->eebt_flows_by_sector = o.fbs;
    a->eebt_cba = o.cba, a->eebt_imports = o.imp, a->eebt_exports = o.exp_;
    a->g_eebt_cba = o.gcba, a->g_eebt_imports = o.gimp, a->g_eebt_exports = o.gexp;
    a->residual_domestic = resid;
    a->eebt_identity_error = v.worst;
    return EMB_OK;
fail:
    out_free(&o);
    return st;
}

static emb_status add_eebt(emb_accounts *a, const emb_table *t, const emb_accounts_opts *opts)
{
    emb_status st = emb_analysis_check_args(a, t, "emb_accounts_add_eebt");
    if (st)
        return st;
    emb_accounts_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    o.eebt = 1, o.tcba = 0;
    o.stressors = a->stressor, o.n_stressors = a->k; /* the plan for the accounts' rows */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_analysis_plan(&plan, t, &o);
    if ((st = emb_plan_check(&plan, t->path && t->path[0] ? t->path : "(table)", "the EEBT analysis")))
        return st;
    emb_trade tr;
    if ((st = emb_trade_read(t, a->x, 1, &tr)))
        return st;
    st = emb_eebt_from_trade(a, t, &tr, o.eebt_by_sector, emb_analysis_tol(&o));
    emb_trade_free(&tr);
    return st;
}

emb_status emb_accounts_add_eebt(emb_accounts *a, const emb_table *t, const emb_accounts_opts *opts)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = add_eebt(a, t, opts);
    emb_ctx_leave(&f);
    return st;
}
