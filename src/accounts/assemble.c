/* src/accounts/assemble.c — stage 3 of the accounts: from the solutions
 * X = L Y_reg and M = S L (and D_imp, reduced as its columns arrived) to the
 * bilateral flows, CBA, imports, exports, per-sector and by-sector accounts
 * and group sums; then the accounting-identity checks (formulas in
 * include/embodied/accounts.h and the README). */
#include "accounts/accounts_impl.h"
#include "analysis/analysis_impl.h"
#include "core/context_impl.h"
#include "core/error_impl.h"

#include <math.h>
#include <string.h>

emb_status emb_accounts_identities(const emb_accounts *a, double tol, double *worst, const char *path)
{
    size_t k = a->k, R = a->n_r;
    emb_viol v = {0, "", 0, 0};
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
        emb_viol_note(&v, wp, wc, scale, "world PBA = world CBA", s, 0);
        for (size_t r = 0; r < R; r++) {
            double rs = 0, cs = 0;
            for (size_t q = 0; q < R; q++) {
                rs += B[r * R + q];
                cs += B[q * R + r];
            }
            size_t i = s * R + r;
            emb_viol_note(&v, rs, a->pba[i] - a->fy[i], scale, "flows row sum = PBA - F_Y", s, r);
            emb_viol_note(&v, cs, a->cba[i] - a->fy[i], scale, "flows column sum = CBA - F_Y", s, r);
            emb_viol_note(&v, a->cba[i], a->pba[i] + a->imports[i] - a->exports[i], scale,
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

/* The first unsolved range of right-hand sides, for the message. */
static emb_status missing(const emb_accounts_prep *p)
{
    for (int kind = 0; kind < 2; kind++) {
        size_t n = kind ? p->n_trans : p->n_direct;
        const unsigned char *done = p->done + (kind ? p->n_direct : 0);
        for (size_t c = 0; c < n; c++)
            if (!done[c]) {
                size_t e = c;
                while (e + 1 < n && !done[e + 1])
                    e++;
                return emb_raise(EMB_EUSAGE, "%s: emb_accounts_assemble: %zu right-hand side(s) "
                                             "never solved, the first: %s %zu .. %zu",
                                 emb_accounts_table_name(p->t), p->left,
                                 kind ? "transposed" : "direct", c, e);
            }
    }
    return EMB_OK;
}

static emb_status assemble(emb_accounts_prep *p, emb_accounts **out)
{
    *out = NULL;
    if (p->spent)
        return emb_raise(EMB_EUSAGE, "emb_accounts_assemble: the accounts were already assembled");
    if (p->left)
        return missing(p);
    p->spent = 1;
    const emb_table *t = p->t;
    emb_accounts *a = p->a;
    const double *S = p->S, *X = p->X, *Yreg = p->Yreg, *x = a->x;
    size_t N = p->N, k = p->k, R = p->R, ns = p->ns, G = a->n_groups;

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
        }
    }
    if (a->flows_by_sector)
        for (size_t s = 0; s < k; s++)
            for (size_t i = 0; i < N; i++)
                for (size_t d = 0; d < R; d++)
                    a->flows_by_sector[(s * N + i) * R + d] = S[s * N + i] * X[d * N + i];
    if (p->opt.per_sector) {
        for (size_t s = 0; s < k; s++)
            for (size_t i = 0; i < N; i++) {
                size_t r = i / ns;
                double exp_out = 0;
                for (size_t d = 0; d < R; d++)
                    if (d != r)
                        exp_out += X[d * N + i];
                a->D_pba[s * N + i] = x[i] > 0 ? t->F[a->stressor[s] * N + i] : 0.0;
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
        if (p->res_sector > a->residual_solve)
            a->residual_solve = p->res_sector;
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
    if (p->have_stats) {
        const emb_solver_stats *ss = &p->stats;
        a->rcond = ss->rcond;
        a->n_negative_x = ss->n_negative_x;
        a->seconds_build = ss->seconds_build;
        a->seconds_factor = ss->seconds_factor;
        a->seconds_solve = ss->seconds_solve;
        a->seconds_residual = ss->seconds_residual;
        a->solver = *ss;
    } else {
        a->rcond = NAN; /* solved elsewhere: no factorisation seen here */
    }
    emb_status st = emb_accounts_identities(a, p->tol, &a->identity_error,
                                            emb_accounts_table_name(t));
    if (st || (st = emb_accounts_intensities(a, t)))
        return st;
    /* The trade analyses asked for (EEBT, TCBA: src/analysis/), beside the
     * accounts just checked; nothing is done when none is asked. */
    if ((st = emb_analysis_run(a, t, &p->opt)))
        return st;
    a->seconds_total = emb_accounts_now() - p->t0;
    p->a = NULL;
    *out = a;
    return EMB_OK;
}

emb_status emb_accounts_assemble(emb_accounts_prep *p, emb_accounts **out)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, p->opt.ctx);
    emb_status st = assemble(p, out);
    emb_ctx_leave(&f);
    return st;
}
