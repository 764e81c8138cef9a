/* src/results/results_text.c — the results the CLI shows: the flows between
 * regions or groups (aligned text or CSV, to a file written atomically or
 * standard output) and the per-region summary of `embodied accounts`.  The
 * CLI formats no result itself. */
#include "core/error_impl.h"
#include "embodied/results.h"
#include "results/output.h"

#include <string.h>

static void emit(FILE *fp, emb_results_format fmt, const emb_table *t, size_t s, const char *from,
                 const char *to, const char *sector, double v)
{
    /* s: a table stressor (callers map the accounts' rows, emb_accounts_stressor_index). */
    if (fmt == EMB_RESULTS_CSV) {
        emb_csv_field(fp, t->stressors[s]);
        fputc(',', fp);
        emb_csv_field(fp, t->stressor_units[s]);
        fputc(',', fp);
        emb_csv_field(fp, from);
        fputc(',', fp);
        if (sector) {
            emb_csv_field(fp, sector);
            fputc(',', fp);
        }
        emb_csv_field(fp, to);
        fputc(',', fp);
        emb_csv_number(fp, v);
        fputc('\n', fp);
    } else {
        fprintf(fp, "%-28s %-8s %-12s ", t->stressors[s], t->stressor_units[s], from);
        if (sector)
            fprintf(fp, "%-24s ", sector);
        fprintf(fp, "%-12s %18.6f\n", to, v);
    }
}

/* One pair, by origin sector: flows_by_sector summed over the origin's and
 * the destination's member regions, for each sector. */
static void emit_by_sector(FILE *fp, emb_results_format fmt, const emb_table *t,
                           const emb_accounts *a, size_t s, const char *from, const size_t *om,
                           size_t on, const char *to, const size_t *dm, size_t dn)
{
    for (size_t j = 0; j < t->n_s; j++) {
        double v = 0;
        for (size_t p = 0; p < on; p++)
            for (size_t q = 0; q < dn; q++)
                v += a->flows_by_sector[(s * t->N + om[p] * t->n_s + j) * t->n_r + dm[q]];
        emit(fp, fmt, t, emb_accounts_stressor_index(a, s), from, to, t->sectors[j], v);
    }
}

/* Check what the caller asked for before any output exists. */
static emb_status check_request(const emb_accounts *a, const emb_table *t, const size_t *sel,
                                size_t nsel, const emb_flow_pair *pairs, size_t npairs)
{
    if (a->k > t->k || emb_accounts_stressor_index(a, a->k - 1) >= t->k || a->n_r != t->n_r ||
        a->N != t->N)
        return emb_raise(EMB_EUSAGE, "results: the accounts (%zu stressors, %zu regions, N = %zu) "
                                     "are not of this table (%zu, %zu, %zu)",
                         a->k, a->n_r, a->N, t->k, t->n_r, t->N);
    for (size_t i = 0; sel && i < nsel; i++)
        if (sel[i] >= a->k)
            return emb_raise(EMB_EUSAGE, "results: stressor index %zu out of range (%zu stressors)",
                             sel[i], a->k);
    for (size_t p = 0; p < npairs; p++) {
        const size_t *m;
        size_t n, one;
        emb_status st;
        if ((st = emb_table_resolve_unit(t, pairs[p].origin, &m, &n, &one)) ||
            (st = emb_table_resolve_unit(t, pairs[p].destination, &m, &n, &one)))
            return st;
    }
    return EMB_OK;
}

emb_status emb_results_write_flows(const emb_accounts *a, const emb_table *t, const size_t *sel,
                                   size_t nsel, const emb_flow_pair *pairs, size_t npairs,
                                   int by_sector, emb_results_format fmt, const char *path)
{
    emb_status st = check_request(a, t, sel, nsel, pairs, npairs);
    if (st)
        return st;
    if (by_sector && !a->flows_by_sector)
        return emb_raise(EMB_EUSAGE, "results: flows by sector asked for, but the accounts were "
                                     "computed without flows_by_sector");
    if (fmt != EMB_RESULTS_TEXT && fmt != EMB_RESULTS_CSV)
        return emb_raise(EMB_EUSAGE, "results: unknown format %d", (int)fmt);
    emb_out o;
    if ((st = emb_out_open(&o, path))) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    if (fmt == EMB_RESULTS_CSV)
        fputs(by_sector ? "stressor,unit,origin,sector,destination,value\n"
                        : "stressor,unit,origin,destination,value\n", fp);
    else {
        fprintf(fp, "%-28s %-8s %-12s ", "stressor", "unit", "origin");
        if (by_sector)
            fprintf(fp, "%-24s ", "origin sector");
        fprintf(fp, "%-12s %18s\n", "destination", "value");
    }
    size_t ns = sel ? nsel : a->k, np = npairs ? npairs : t->n_r * t->n_r;
    for (size_t i = 0; i < ns && !st; i++) {
        size_t s = sel ? sel[i] : i;
        for (size_t p = 0; p < np && !st; p++) {
            const char *f = npairs ? pairs[p].origin : t->regions[p / t->n_r];
            const char *d = npairs ? pairs[p].destination : t->regions[p % t->n_r];
            const size_t *om, *dm;
            size_t on, dn, o1, d1;
            if ((st = emb_table_resolve_unit(t, f, &om, &on, &o1)) ||
                (st = emb_table_resolve_unit(t, d, &dm, &dn, &d1)))
                break;
            if (by_sector) {
                emit_by_sector(fp, fmt, t, a, s, f, om, on, d, dm, dn);
            } else {
                double v;
                if (!(st = emb_accounts_flow(a, t, s, f, d, &v)))
                    emit(fp, fmt, t, emb_accounts_stressor_index(a, s), f, d, NULL, v);
            }
        }
    }
    if (!st)
        st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}

/* With EEBT and/or TCBA computed, their CBA is shown beside the MRIO CBA
 * ("CBA EEBT", "TCBA"); per-capita and per-value-added PBA and CBA at the
 * end of the line when the table has population and value added; without
 * them the table is as it always was. */
static void summary(FILE *fp, const emb_table *t, const emb_accounts *a, size_t s)
{
    size_t R = a->n_r, G = a->n_groups;
    int ee = a->eebt_cba != NULL, tc = a->tcba != NULL;
    /* The name column is as wide as the longest region or group name, so
     * long names (Eora, GLORIA) keep the columns aligned. */
    int w = 12;
    for (size_t u = 0; u < R + G; u++) {
        size_t n = strlen(u >= R ? t->groups[u - R].name : t->regions[u]);
        if (n > (size_t)w)
            w = n > 64 ? 64 : (int)n;
    }
    size_t ts = emb_accounts_stressor_index(a, s); /* the accounts may hold a subset */
    fprintf(fp, "%s [%s]\n", t->stressors[ts], t->stressor_units[ts]);
    fprintf(fp, "%-*s %16s %16s", w, "region", "PBA", "CBA");
    if (ee)
        fprintf(fp, " %16s", "CBA EEBT");
    if (tc)
        fprintf(fp, " %16s", "TCBA");
    fprintf(fp, " %16s %16s %8s %12s", "imports", "exports", "CBA/PBA", "unallocated");
    int pc = a->population != NULL, pv = a->value_added != NULL;
    if (pc)
        fprintf(fp, " %12s %12s", "PBA/cap", "CBA/cap");
    if (pv)
        fprintf(fp, " %12s %12s", "PBA/VA", "CBA/VA");
    fputc('\n', fp);
    for (size_t u = 0; u < R + G; u++) {
        int g = u >= R;
        size_t i = g ? s * G + (u - R) : s * R + u;
        double pba = g ? a->g_pba[i] : a->pba[i], cba = g ? a->g_cba[i] : a->cba[i];
        fprintf(fp, "%-*s %16.1f %16.1f", w, g ? t->groups[u - R].name : t->regions[u], pba, cba);
        if (ee)
            fprintf(fp, " %16.1f", g ? a->g_eebt_cba[i] : a->eebt_cba[i]);
        if (tc)
            fprintf(fp, " %16.1f", g ? a->g_tcba[i] : a->tcba[i]);
        fprintf(fp, " %16.1f %16.1f", g ? a->g_imports[i] : a->imports[i],
                g ? a->g_exports[i] : a->exports[i]);
        if (pba != 0) /* CBA/PBA has no value without production: '-', not 0.000 */
            fprintf(fp, " %8.3f", cba / pba);
        else
            fprintf(fp, " %8s", "-");
        fprintf(fp, " %12.1f", g ? a->g_unallocated[i] : a->unallocated[i]);
        if (pc)
            fprintf(fp, " %12.4g %12.4g", g ? a->g_pba_per_capita[i] : a->pba_per_capita[i],
                    g ? a->g_cba_per_capita[i] : a->cba_per_capita[i]);
        if (pv)
            fprintf(fp, " %12.4g %12.4g", g ? a->g_pba_per_va[i] : a->pba_per_va[i],
                    g ? a->g_cba_per_va[i] : a->cba_per_va[i]);
        fputc('\n', fp);
    }
    double wp = 0, wc = 0, we = 0, wt = 0;
    for (size_t r = 0; r < R; r++) {
        wp += a->pba[s * R + r];
        wc += a->cba[s * R + r];
        we += ee ? a->eebt_cba[s * R + r] : 0.0;
        wt += tc ? a->tcba[s * R + r] : 0.0;
    }
    fprintf(fp, "%-*s %16.1f %16.1f", w, "world", wp, wc);
    if (ee)
        fprintf(fp, " %16.1f", we);
    if (tc)
        fprintf(fp, " %16.1f", wt);
    fputc('\n', fp);
    if (pc || pv) /* what the ratio columns are in */
        fprintf(fp, "%s%s%s%s%s%s%s%s%s\n", pc ? "/cap: " : "", pc ? t->stressor_units[ts] : "",
                pc ? " per person" : "", pc && pv ? "; " : "", pv ? "/VA: " : "",
                pv ? t->stressor_units[ts] : "", pv ? " per " : "",
                pv ? t->stressor_units[a->value_added_stressor] : "", pv ? " of value added" : "");
    fputc('\n', fp);
}

emb_status emb_results_write_summary(const emb_accounts *a, const emb_table *t, const size_t *sel,
                                     size_t nsel, const char *path)
{
    emb_status st = check_request(a, t, sel, nsel, NULL, 0);
    if (st)
        return st;
    if (a->n_groups != t->n_groups)
        return emb_raise(EMB_EUSAGE, "results: the accounts have %zu groups, the table %zu",
                         a->n_groups, t->n_groups);
    emb_out o;
    if ((st = emb_out_open(&o, path))) {
        emb_out_abort(&o);
        return st;
    }
    size_t ns = sel ? nsel : a->k;
    for (size_t i = 0; i < ns; i++)
        summary(o.fp, t, a, sel ? sel[i] : i);
    st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}
