/* src/accounts/accounts.c — the one-call accounts (emb_accounts_compute: a
 * solver, then the three stages of prepare.c, solve.c, assemble.c), the
 * identity recheck, flows between regions or groups, and freeing results. */
#include "accounts/accounts_impl.h"
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"

#include <string.h>

void emb_accounts_free(emb_accounts *a)
{
    if (!a)
        return;
    emb_free(a->stressor);
    double *arrays[] = {a->x, a->M, a->pba, a->cba, a->imports, a->exports, a->unallocated, a->fy,
                        a->flows, a->D_cba, a->D_pba, a->D_imp, a->D_exp, a->flows_by_sector,
                        a->g_pba, a->g_cba, a->g_imports, a->g_exports, a->g_unallocated,
                        a->m_dom, a->eebt_flows, a->eebt_flows_by_sector, a->eebt_cba,
                        a->eebt_imports, a->eebt_exports, a->g_eebt_cba, a->g_eebt_imports,
                        a->g_eebt_exports, a->tcba, a->g_tcba, a->population,
                        a->pba_per_capita, a->cba_per_capita, a->g_population,
                        a->g_pba_per_capita, a->g_cba_per_capita, a->value_added, a->pba_per_va,
                        a->cba_per_va, a->g_value_added, a->g_pba_per_va, a->g_cba_per_va};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        emb_free(arrays[i]);
    emb_free(a);
}

emb_status emb_accounts_check(const emb_accounts *acc, double tol, double *worst)
{
    return emb_accounts_identities(acc, tol, worst, "accounts");
}

emb_status emb_accounts_compute(const emb_table *t, const emb_accounts_opts *opts, emb_accounts **out)
{
    *out = NULL;
    double t0 = emb_accounts_now();
    if (t->k == 0) /* before the (long) factorisation */
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors (/F has 0 rows): nothing to "
                                     "account for", emb_accounts_table_name(t));
    emb_accounts_opts opt;
    memset(&opt, 0, sizeof opt);
    if (opts)
        opt = *opts;
    emb_leontief *lf = NULL;
    emb_accounts_prep *p = NULL;
    emb_ctx_frame f;
    emb_ctx_enter(&f, opt.ctx);
    /* The results' plan before the factorisation, which is the long part. */
    emb_status st = emb_accounts_plan_check(t, &opt);
    if (!st && !(st = emb_leontief_create(t, &opt.solver, &lf)) &&
        !(st = emb_accounts_prepare(t, emb_leontief_x(lf), &opt, &p)) &&
        !(st = emb_accounts_solve_all(p, lf))) {
        p->t0 = t0; /* the total includes the factorisation */
        st = emb_accounts_assemble(p, out);
    }
    emb_accounts_prep_free(p);
    emb_leontief_free(lf);
    emb_ctx_leave(&f);
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
