/* src/accounts/access.c — the accounts seen from outside: dimensions, the
 * result arrays by an enum, and the quality figures, so that a binding never
 * mirrors emb_accounts' layout.  Contracts in embodied/accounts.h. */
#include "embodied/accounts.h"

#include <math.h>

size_t emb_accounts_n_stressors(const emb_accounts *acc) { return acc ? acc->k : 0; }
size_t emb_accounts_n_regions(const emb_accounts *acc) { return acc ? acc->n_r : 0; }
size_t emb_accounts_n_sectors(const emb_accounts *acc) { return acc ? acc->n_s : 0; }
size_t emb_accounts_n_industries(const emb_accounts *acc) { return acc ? acc->N : 0; }
size_t emb_accounts_n_groups(const emb_accounts *acc) { return acc ? acc->n_groups : 0; }

size_t emb_accounts_stressor_index(const emb_accounts *acc, size_t s)
{
    if (!acc || s >= acc->k)
        return (size_t)-1;
    return acc->stressor ? acc->stressor[s] : s;
}

const double *emb_accounts_array(const emb_accounts *acc, emb_accounts_field f, size_t *n_elements)
{
    const double *p = NULL;
    size_t n = 0;
    if (acc) {
        /* No product overflows: each array of these sizes has been allocated. */
        const size_t kr = acc->k * acc->n_r, kN = acc->k * acc->N, kg = acc->k * acc->n_groups;
        switch (f) {
        case EMB_ACC_PBA: p = acc->pba, n = kr; break;
        case EMB_ACC_CBA: p = acc->cba, n = kr; break;
        case EMB_ACC_IMPORTS: p = acc->imports, n = kr; break;
        case EMB_ACC_EXPORTS: p = acc->exports, n = kr; break;
        case EMB_ACC_UNALLOCATED: p = acc->unallocated, n = kr; break;
        case EMB_ACC_FY: p = acc->fy, n = kr; break;
        case EMB_ACC_FLOWS: p = acc->flows, n = kr * acc->n_r; break;
        case EMB_ACC_M: p = acc->M, n = kN; break;
        case EMB_ACC_X: p = acc->x, n = acc->N; break;
        case EMB_ACC_D_CBA: p = acc->D_cba, n = kN; break;
        case EMB_ACC_D_PBA: p = acc->D_pba, n = kN; break;
        case EMB_ACC_D_IMP: p = acc->D_imp, n = kN; break;
        case EMB_ACC_D_EXP: p = acc->D_exp, n = kN; break;
        case EMB_ACC_FLOWS_BY_SECTOR: p = acc->flows_by_sector, n = kN * acc->n_r; break;
        case EMB_ACC_G_PBA: p = acc->g_pba, n = kg; break;
        case EMB_ACC_G_CBA: p = acc->g_cba, n = kg; break;
        case EMB_ACC_G_IMPORTS: p = acc->g_imports, n = kg; break;
        case EMB_ACC_G_EXPORTS: p = acc->g_exports, n = kg; break;
        case EMB_ACC_G_UNALLOCATED: p = acc->g_unallocated, n = kg; break;
        case EMB_ACC_M_DOM: p = acc->m_dom, n = kN; break;
        case EMB_ACC_EEBT_FLOWS: p = acc->eebt_flows, n = kr * acc->n_r; break;
        case EMB_ACC_EEBT_FLOWS_BY_SECTOR: p = acc->eebt_flows_by_sector, n = kN * acc->n_r; break;
        case EMB_ACC_EEBT_CBA: p = acc->eebt_cba, n = kr; break;
        case EMB_ACC_EEBT_IMPORTS: p = acc->eebt_imports, n = kr; break;
        case EMB_ACC_EEBT_EXPORTS: p = acc->eebt_exports, n = kr; break;
        case EMB_ACC_G_EEBT_CBA: p = acc->g_eebt_cba, n = kg; break;
        case EMB_ACC_G_EEBT_IMPORTS: p = acc->g_eebt_imports, n = kg; break;
        case EMB_ACC_G_EEBT_EXPORTS: p = acc->g_eebt_exports, n = kg; break;
        case EMB_ACC_TCBA: p = acc->tcba, n = kr; break;
        case EMB_ACC_G_TCBA: p = acc->g_tcba, n = kg; break;
        case EMB_ACC_POPULATION: p = acc->population, n = acc->n_r; break;
        case EMB_ACC_PBA_PER_CAPITA: p = acc->pba_per_capita, n = kr; break;
        case EMB_ACC_CBA_PER_CAPITA: p = acc->cba_per_capita, n = kr; break;
        case EMB_ACC_G_POPULATION: p = acc->g_population, n = acc->n_groups; break;
        case EMB_ACC_G_PBA_PER_CAPITA: p = acc->g_pba_per_capita, n = kg; break;
        case EMB_ACC_G_CBA_PER_CAPITA: p = acc->g_cba_per_capita, n = kg; break;
        case EMB_ACC_VALUE_ADDED: p = acc->value_added, n = acc->n_r; break;
        case EMB_ACC_PBA_PER_VA: p = acc->pba_per_va, n = kr; break;
        case EMB_ACC_CBA_PER_VA: p = acc->cba_per_va, n = kr; break;
        case EMB_ACC_G_VALUE_ADDED: p = acc->g_value_added, n = acc->n_groups; break;
        case EMB_ACC_G_PBA_PER_VA: p = acc->g_pba_per_va, n = kg; break;
        case EMB_ACC_G_CBA_PER_VA: p = acc->g_cba_per_va, n = kg; break;
        }
    }
    if (!p || n == 0)
        p = NULL, n = 0;
    if (n_elements)
        *n_elements = n;
    return p;
}

double emb_accounts_residual_solve(const emb_accounts *acc) { return acc ? acc->residual_solve : NAN; }
double emb_accounts_residual_tsolve(const emb_accounts *acc) { return acc ? acc->residual_tsolve : NAN; }
double emb_accounts_rcond(const emb_accounts *acc) { return acc ? acc->rcond : NAN; }
double emb_accounts_identity_error(const emb_accounts *acc) { return acc ? acc->identity_error : NAN; }

const char *emb_accounts_solver_name(const emb_accounts *acc)
{
    return acc ? emb_solver_name(acc->solver.kind) : NULL;
}
