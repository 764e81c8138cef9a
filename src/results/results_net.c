/* src/results/results_net.c — net transfers between regions or groups
 * (`embodied flows --net`): B[o][d], B[d][o] and their difference, the
 * balance of emissions embodied in trade between the two, as CSV or an
 * aligned table, to a file written atomically or standard output. */
#include "core/error_impl.h"
#include "embodied/results.h"
#include "results/output.h"

static double unit_flow(const emb_accounts *a, size_t s, const size_t *om, size_t on,
                        const size_t *dm, size_t dn)
{
    size_t R = a->n_r;
    const double *B = a->flows + s * R * R;
    double v = 0;
    for (size_t p = 0; p < on; p++)
        for (size_t q = 0; q < dn; q++)
            v += B[om[p] * R + dm[q]];
    return v;
}

emb_status emb_results_write_net_flows(const emb_accounts *a, const emb_table *t, const size_t *sel,
                                       size_t nsel, const emb_flow_pair *pairs, size_t npairs,
                                       emb_results_format fmt, const char *path)
{
    if (!a || !t)
        return emb_raise(EMB_EUSAGE, "results: net flows: %s is NULL", !a ? "the accounts" : "the table");
    if (a->k > t->k || emb_accounts_stressor_index(a, a->k - 1) >= t->k || a->n_r != t->n_r ||
        a->N != t->N)
        return emb_raise(EMB_EUSAGE, "results: the accounts (%zu stressors, %zu regions, N = %zu) "
                                     "are not of this table (%zu, %zu, %zu)",
                         a->k, a->n_r, a->N, t->k, t->n_r, t->N);
    if (fmt != EMB_RESULTS_TEXT && fmt != EMB_RESULTS_CSV)
        return emb_raise(EMB_EUSAGE, "results: unknown format %d", (int)fmt);
    for (size_t i = 0; sel && i < nsel; i++)
        if (sel[i] >= a->k)
            return emb_raise(EMB_EUSAGE, "results: stressor index %zu out of range (%zu stressors)",
                             sel[i], a->k);
    emb_status st;
    for (size_t p = 0; p < npairs; p++) {
        const size_t *m;
        size_t n, one;
        if ((st = emb_table_resolve_unit(t, pairs[p].origin, &m, &n, &one)) ||
            (st = emb_table_resolve_unit(t, pairs[p].destination, &m, &n, &one)))
            return st;
    }
    emb_out o;
    if ((st = emb_out_open(&o, path))) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    if (fmt == EMB_RESULTS_CSV)
        fputs("stressor,unit,origin,destination,flow,reverse,net\n", fp);
    else
        fprintf(fp, "%-28s %-8s %-12s %-12s %18s %18s %18s\n", "stressor", "unit", "origin",
                "destination", "flow", "reverse", "net");
    size_t R = t->n_r, ns = sel ? nsel : a->k, np = npairs ? npairs : R * (R - 1) / 2;
    for (size_t i = 0; i < ns && !st; i++) {
        size_t s = sel ? sel[i] : i, ts = emb_accounts_stressor_index(a, s);
        size_t po = 0, pd = 1; /* every region pair o < d when no pairs are given */
        for (size_t p = 0; p < np && !st; p++) {
            const char *f, *d;
            if (npairs) {
                f = pairs[p].origin, d = pairs[p].destination;
            } else {
                f = t->regions[po], d = t->regions[pd];
                if (++pd == R)
                    po++, pd = po + 1;
            }
            const size_t *om, *dm;
            size_t on, dn, o1, d1;
            if ((st = emb_table_resolve_unit(t, f, &om, &on, &o1)) ||
                (st = emb_table_resolve_unit(t, d, &dm, &dn, &d1)))
                break;
            double fw = unit_flow(a, s, om, on, dm, dn), bw = unit_flow(a, s, dm, dn, om, on);
            if (fmt == EMB_RESULTS_CSV) {
                emb_csv_field(fp, t->stressors[ts]);
                fputc(',', fp);
                emb_csv_field(fp, t->stressor_units[ts]);
                fputc(',', fp);
                emb_csv_field(fp, f);
                fputc(',', fp);
                emb_csv_field(fp, d);
                const double v[3] = {fw, bw, fw - bw};
                for (int c = 0; c < 3; c++) {
                    fputc(',', fp);
                    emb_csv_number(fp, v[c]);
                }
                fputc('\n', fp);
            } else {
                fprintf(fp, "%-28s %-8s %-12s %-12s %18.6f %18.6f %18.6f\n", t->stressors[ts],
                        t->stressor_units[ts], f, d, fw, bw, fw - bw);
            }
        }
    }
    if (!st)
        st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}
