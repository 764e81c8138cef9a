/* src/accounts/intensity.c — per-capita and intensity accounts beside the
 * assembled PBA and CBA: divided by the table's population and by its value
 * added by region, where the table has them, for regions and groups; then
 * the check per_capita x population = account (formulas in
 * include/embodied/accounts.h and the README). */
#include "accounts/accounts_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"

#include <math.h>
#include <string.h>

/* Per-capita results are exact to a rounding or two of the division; a
 * product that misses the account by more means the arrays disagree. */
#define PER_CAPITA_TOL 1e-12

typedef struct ratio_set {
    double *den, *pba, *cba, *gden, *gpba, *gcba;
} ratio_set;

static void set_free(ratio_set *r)
{
    double *v[] = {r->den, r->pba, r->cba, r->gden, r->gpba, r->gcba};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        emb_free(v[i]);
    memset(r, 0, sizeof *r);
}

/* account / denominator for regions and groups (groups: summed accounts over
 * summed denominators); NaN where the denominator is not > 0. */
static emb_status ratios(const emb_accounts *a, const emb_table *t, const double *den,
                         ratio_set *o, const char *what)
{
    size_t k = a->k, R = a->n_r, G = a->n_groups;
    if (!(o->den = emb_alloc(R, sizeof(double), what)) ||
        !(o->pba = emb_alloc(k * R, sizeof(double), what)) ||
        !(o->cba = emb_alloc(k * R, sizeof(double), what)) ||
        !(o->gden = emb_calloc(G ? G : 1, sizeof(double), what)) ||
        !(o->gpba = emb_alloc(k * G > 0 ? k * G : 1, sizeof(double), what)) ||
        !(o->gcba = emb_alloc(k * G > 0 ? k * G : 1, sizeof(double), what)))
        return EMB_ENOMEM;
    memcpy(o->den, den, R * sizeof(double));
    for (size_t g = 0; g < G; g++)
        for (size_t m = 0; m < t->groups[g].n; m++)
            o->gden[g] += den[t->groups[g].members[m]];
    for (size_t s = 0; s < k; s++) {
        for (size_t r = 0; r < R; r++) {
            double d = den[r];
            o->pba[s * R + r] = d > 0 ? a->pba[s * R + r] / d : NAN;
            o->cba[s * R + r] = d > 0 ? a->cba[s * R + r] / d : NAN;
        }
        for (size_t g = 0; g < G; g++) {
            double d = o->gden[g];
            o->gpba[s * G + g] = d > 0 ? a->g_pba[s * G + g] / d : NAN;
            o->gcba[s * G + g] = d > 0 ? a->g_cba[s * G + g] / d : NAN;
        }
    }
    return EMB_OK;
}

/* per_capita x population = account, for PBA and CBA, regions and groups. */
static emb_status check_per_capita(const emb_accounts *a, const emb_table *t, const ratio_set *p,
                                   double *worst)
{
    size_t k = a->k, R = a->n_r, G = a->n_groups;
    emb_viol v = {0, "", 0, 0};
    for (size_t s = 0; s < k; s++) {
        for (size_t r = 0; r < R; r++) {
            size_t i = s * R + r;
            emb_viol_note(&v, p->pba[i] * p->den[r], a->pba[i], fabs(a->pba[i]),
                          "pba_per_capita x population = PBA", s, r);
            emb_viol_note(&v, p->cba[i] * p->den[r], a->cba[i], fabs(a->cba[i]),
                          "cba_per_capita x population = CBA", s, r);
        }
        for (size_t g = 0; g < G; g++) {
            size_t i = s * G + g;
            emb_viol_note(&v, p->gpba[i] * p->gden[g], a->g_pba[i], fabs(a->g_pba[i]),
                          "group pba_per_capita x population = PBA", s, R + g);
            emb_viol_note(&v, p->gcba[i] * p->gden[g], a->g_cba[i], fabs(a->g_cba[i]),
                          "group cba_per_capita x population = CBA", s, R + g);
        }
    }
    *worst = v.worst;
    if (v.worst > PER_CAPITA_TOL) {
        size_t ts = emb_accounts_stressor_index(a, v.s);
        return emb_raise(EMB_ENUMERIC, "%s: per-capita identity violated: %s (stressor %s, %s %s) "
                                       "off by %.3g of the account (tolerance %.0e)",
                         emb_accounts_table_name(t), v.what, t->stressors[ts],
                         v.r < R ? "region" : "group",
                         v.r < R ? t->regions[v.r] : t->groups[v.r - R].name, v.worst,
                         PER_CAPITA_TOL);
    }
    return EMB_OK;
}

emb_status emb_accounts_intensities(emb_accounts *a, const emb_table *t)
{
    ratio_set pc = {0}, va = {0};
    double *vadd = NULL, worst = 0;
    emb_status st = EMB_OK;
    long v = emb_table_value_added_stressor(t);
    if (t->population && ((st = ratios(a, t, t->population, &pc, "per-capita accounts")) ||
                          (st = check_per_capita(a, t, &pc, &worst))))
        goto fail;
    if (v >= 0) {
        /* va_r: the value-added row summed over the region's sectors. */
        size_t N = t->N, ns = t->n_s;
        if (!(vadd = emb_calloc(a->n_r, sizeof *vadd, "value added by region"))) {
            st = EMB_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < N; i++)
            vadd[i / ns] += t->F[(size_t)v * N + i];
        if ((st = ratios(a, t, vadd, &va, "intensity accounts")))
            goto fail;
        emb_free(vadd);
    }
    a->population = pc.den, a->pba_per_capita = pc.pba, a->cba_per_capita = pc.cba;
    a->g_population = pc.gden, a->g_pba_per_capita = pc.gpba, a->g_cba_per_capita = pc.gcba;
    a->value_added = va.den, a->pba_per_va = va.pba, a->cba_per_va = va.cba;
    a->g_value_added = va.gden, a->g_pba_per_va = va.gpba, a->g_cba_per_va = va.gcba;
    a->value_added_stressor = v;
    a->per_capita_identity_error = worst;
    return EMB_OK;
fail:
    emb_free(vadd);
    set_free(&pc);
    set_free(&va);
    return st;
}
