/* src/analysis/spa_write.c — the output of `embodied spa`: the ranked paths
 * (rank,value,share,order,path) and the summary line, as CSV or an aligned
 * table, to a file written atomically or to standard output
 * (results/output.h).  The CLI formats nothing itself. */
#include "core/error_impl.h"
#include "embodied/spa.h"
#include "results/output.h"

#include <math.h>
#include <string.h>

/* "REGION:sector > ... > final demand of D", emitting industry first. */
static void print_path(FILE *fp, const emb_spa_result *r, const emb_table *t, size_t p, int csv)
{
    size_t a = r->path_start[p], b = r->path_start[p + 1];
    /* CSV quoting: region and sector labels may hold commas or quotes. */
    int quote = 0;
    if (csv) {
        for (size_t q = a; q < b && !quote; q++) {
            size_t j = r->nodes[q];
            quote = strpbrk(t->regions[j / t->n_s], ",\"\n\r") ||
                    strpbrk(t->sectors[j % t->n_s], ",\"\n\r");
        }
        quote = quote || strpbrk(r->to_name, ",\"\n\r");
    }
    if (quote)
        fputc('"', fp);
    for (size_t q = b; q-- > a;) {
        size_t j = r->nodes[q];
        const char *parts[2] = {t->regions[j / t->n_s], t->sectors[j % t->n_s]};
        for (int k = 0; k < 2; k++) {
            for (const char *s = parts[k]; *s; s++) {
                if (quote && *s == '"')
                    fputc('"', fp);
                fputc(*s, fp);
            }
            if (k == 0)
                fputc(':', fp);
        }
        fputs(" > ", fp);
    }
    fputs("final demand of ", fp);
    for (const char *s = r->to_name; *s; s++) {
        if (quote && *s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    if (quote)
        fputc('"', fp);
}

static double share(double v, double total) { return total != 0 ? v / total : 0; }

emb_status emb_spa_write(const emb_spa_result *r, const emb_table *t, emb_spa_format fmt,
                         const char *path)
{
    if (!r || !t)
        return emb_raise(EMB_EUSAGE, "spa: write: a result and its table are required");
    if (r->stressor >= t->k)
        return emb_raise(EMB_EUSAGE, "spa: write: the result's stressor %zu is not in the table "
                                     "(%zu stressors)", r->stressor, t->k);
    for (size_t q = 0; q < r->path_start[r->n_paths]; q++)
        if (r->nodes[q] >= t->N)
            return emb_raise(EMB_EUSAGE, "spa: write: the result is not of this table (industry "
                                         "%zu, N = %zu)", r->nodes[q], t->N);
    if (fmt != EMB_SPA_TEXT && fmt != EMB_SPA_CSV)
        return emb_raise(EMB_EUSAGE, "spa: write: unknown format %d", (int)fmt);
    emb_out o;
    emb_status st = emb_out_open(&o, path);
    if (st) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    const char *sn = t->stressors[r->stressor], *unit = t->stressor_units[r->stressor];
    const char *from = r->from_name ? r->from_name : "all regions";
    if (fmt == EMB_SPA_CSV) {
        fputs("rank,value,share,order,path\n", fp);
        for (size_t p = 0; p < r->n_paths; p++) {
            fprintf(fp, "%zu,", p + 1);
            emb_csv_number(fp, r->value[p]);
            fputc(',', fp);
            emb_csv_number(fp, share(r->value[p], r->total));
            fprintf(fp, ",%zu,", r->order[p]);
            print_path(fp, r, t, p, 1);
            fputc('\n', fp);
        }
        /* One comment line (pandas: comment='#'), so the table stays a table. */
        fprintf(fp, "# summary: stressor=%s unit=%s to=%s from=%s top=%zu threshold=%.17g "
                    "max_order=%zu total=%.17g sum_top=%.17g coverage=%.17g paths_above=%zu "
                    "nodes_visited=%zu seconds=%.3f\n",
                sn, unit, r->to_name, from, r->top, r->threshold, r->max_order, r->total,
                r->sum_top, r->coverage, r->n_above, r->nodes_visited, r->seconds_total);
    } else {
        fprintf(fp, "Structural paths of %s [%s] into the final demand of %s, emitted in %s "
                    "(top %zu, threshold %g of the total, max order %zu)\n",
                sn, unit, r->to_name, from, r->top, r->threshold, r->max_order);
        fprintf(fp, "%5s %18s %9s %5s  %s\n", "rank", "value", "share", "order", "path");
        for (size_t p = 0; p < r->n_paths; p++) {
            fprintf(fp, "%5zu %18.6f %8.4f%% %5zu  ", p + 1, r->value[p],
                    100 * share(r->value[p], r->total), r->order[p]);
            print_path(fp, r, t, p, 0);
            fputc('\n', fp);
        }
        fprintf(fp, "total %.6f %s; top %zu: %.6f (%.4f %%); coverage (every path visited): "
                    "%.6f (%.4f %%); paths above the threshold: %zu; nodes visited: %zu; %.3f s\n",
                r->total, unit, r->n_paths, r->sum_top, 100 * share(r->sum_top, r->total),
                r->coverage, 100 * share(r->coverage, r->total), r->n_above, r->nodes_visited,
                r->seconds_total);
    }
    st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}
