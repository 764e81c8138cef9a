/* src/analysis/tcba.c — technology-adjusted consumption-based accounts
 * (the form used after Kander et al. 2015): exports leave a region at the
 * world-average intensity of what they are instead of the region's own,
 *   TCBA_r = CBA_r + sum_i ex_{r,i} (M_{r,i} - Mbar_i),
 *   Mbar_i = sum_r ex_{r,i} M_{r,i} / sum_r ex_{r,i}  (0 where that sum is 0),
 * ex_{r,i} the gross exports (intermediate and final) of sector i of r to
 * the other regions and M the total multipliers; checked world TCBA = world
 * CBA; groups are sums of members. */
#include "analysis/analysis_impl.h"
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"

#include <math.h>
#include <string.h>

emb_status emb_tcba_from_trade(emb_accounts *a, const emb_table *t, const emb_trade *tr, double tol)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = a->k, G = t->n_groups;
    const char *tn = t->path && t->path[0] ? t->path : "(table)";
    double *ex = emb_alloc(N ? N : 1, sizeof *ex, "gross exports by industry");
    double *mbar = emb_alloc(ns ? ns : 1, 2 * sizeof *mbar, "world-average multipliers");
    double *tc = emb_calloc(k * R + 1, sizeof *tc, "TCBA");
    double *gtc = emb_calloc(k * G + 1, sizeof *gtc, "group TCBA");
    emb_status st = EMB_ENOMEM;
    if (!ex || !mbar || !tc || !gtc)
        goto fail;
    /* ex_{r,i}: the row's trade with every other region, summed directly. */
    for (size_t i = 0; i < N; i++) {
        size_t r = i / ns;
        double v = 0;
        for (size_t d = 0; d < R; d++)
            if (d != r)
                v += tr->E[i * R + d];
        ex[i] = v;
    }
    double worst = 0;
    size_t worst_s = 0;
    for (size_t s = 0; s < k; s++) {
        const double *M = a->M + s * N;
        double *num = mbar, *den = mbar + ns;
        memset(mbar, 0, 2 * ns * sizeof *mbar);
        for (size_t i = 0; i < N; i++) {
            num[i % ns] += ex[i] * M[i];
            den[i % ns] += ex[i];
        }
        for (size_t q = 0; q < ns; q++)
            num[q] = den[q] != 0 ? num[q] / den[q] : 0.0; /* num becomes Mbar */
        double scale = 0, wc = 0, wt = 0;
        for (size_t r = 0; r < R; r++) {
            double adj = 0;
            for (size_t q = 0; q < ns; q++) {
                size_t i = r * ns + q;
                adj += ex[i] * (M[i] - num[q]);
            }
            size_t ir = s * R + r;
            tc[ir] = a->cba[ir] + adj;
            scale += fabs(a->pba[ir]) + fabs(a->unallocated[ir]);
            wc += a->cba[ir];
            wt += tc[ir];
        }
        double e = fabs(wt - wc) / (scale > 0 ? scale : 1.0);
        if (!(e <= worst)) {
            worst = isnan(e) ? INFINITY : e;
            worst_s = s;
        }
    }
    if (worst > tol) {
        st = emb_raise(EMB_ENUMERIC, "%s: TCBA identity violated: world TCBA = world CBA (stressor "
                                     "%s) off by %.3g of the world total (tolerance %.3g)",
                       tn, t->stressors[emb_accounts_stressor_index(a, worst_s)], worst, tol);
        goto fail;
    }
    for (size_t g = 0; g < G; g++)
        for (size_t q = 0; q < t->groups[g].n; q++)
            for (size_t s = 0; s < k; s++)
                gtc[s * G + g] += tc[s * R + t->groups[g].members[q]];
    emb_free(ex);
    emb_free(mbar);
    emb_free(a->tcba);
    emb_free(a->g_tcba);
    a->tcba = tc, a->g_tcba = gtc;
    a->tcba_identity_error = worst;
    return EMB_OK;
fail:
    emb_free(ex);
    emb_free(mbar);
    emb_free(tc);
    emb_free(gtc);
    return st;
}

static emb_status add_tcba(emb_accounts *a, const emb_table *t, const emb_accounts_opts *opts)
{
    emb_status st = emb_analysis_check_args(a, t, "emb_accounts_add_tcba");
    if (st)
        return st;
    emb_accounts_opts o;
    memset(&o, 0, sizeof o);
    o.tcba = 1;
    o.stressors = a->stressor, o.n_stressors = a->k; /* the plan for the accounts' rows */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_analysis_plan(&plan, t, &o);
    if ((st = emb_plan_check(&plan, t->path && t->path[0] ? t->path : "(table)", "the TCBA analysis")))
        return st;
    emb_trade tr;
    if ((st = emb_trade_read(t, a->x, 0, &tr)))
        return st;
    st = emb_tcba_from_trade(a, t, &tr, emb_analysis_tol(opts));
    emb_trade_free(&tr);
    return st;
}

emb_status emb_accounts_add_tcba(emb_accounts *a, const emb_table *t, const emb_accounts_opts *opts)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = add_tcba(a, t, opts);
    emb_ctx_leave(&f);
    return st;
}
