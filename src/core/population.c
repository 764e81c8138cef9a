/* src/core/population.c — the table's population by region (set, or read
 * from a `region,population` CSV: the CLI's --population FILE) and the
 * value-added row of F: the denominators of the per-capita and intensity
 * accounts (include/embodied/accounts.h).  The whole file is checked before
 * the table changes. */
#include "embodied/table.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/names.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A population file has one short line per region. */
#define POP_MAXLINE ((size_t)1 << 16)

static const char *tname(const emb_table *t) { return t->path && *t->path ? t->path : "(table)"; }

emb_status emb_table_set_population(emb_table *t, const double *pop)
{
    if (!t)
        return emb_raise(EMB_EUSAGE, "emb_table_set_population: the table is NULL");
    if (!pop) {
        emb_free(t->population);
        t->population = NULL;
        return EMB_OK;
    }
    for (size_t r = 0; r < t->n_r; r++)
        if (!(isfinite(pop[r]) && pop[r] > 0))
            return emb_raise(EMB_EINPUT, "%s: population %.17g for region %s: a population must "
                                         "be finite and > 0", tname(t), pop[r], t->regions[r]);
    double *p = emb_alloc(t->n_r, sizeof *p, "population");
    if (!p)
        return EMB_ENOMEM;
    memcpy(p, pop, t->n_r * sizeof *p);
    emb_free(t->population);
    t->population = p;
    return EMB_OK;
}

/* One data line into pop[] (line[] records where each region was given). */
static emb_status read_row(const emb_tsv *r, const emb_table *t, double *pop, size_t *line)
{
    size_t nf = emb_tsv_nfields(r);
    if (nf != 2)
        return emb_tsv_fail(r, EMB_EINPUT, nf > 2 ? 2 : EMB_TSV_NOCOL,
                            "expected 2 cells (region,population), found %zu", nf);
    const char *name = emb_tsv_field(r, 0);
    long reg = emb_table_region_index(t, name);
    if (reg < 0) {
        char near[512];
        emb_nearest_names(name, (const char *const *)t->regions, t->n_r, 4, near, sizeof near);
        return emb_tsv_fail(r, EMB_EINPUT, 0, "unknown region '%s' (regions of %s: %s)", name,
                            tname(t), near);
    }
    if (line[reg])
        return emb_tsv_fail(r, EMB_EINPUT, 0, "region '%s' listed twice (first at line %zu)", name,
                            line[reg]);
    double v;
    emb_status st = emb_tsv_number(r, 1, &v);
    if (st)
        return st;
    if (!(isfinite(v) && v > 0))
        return emb_tsv_fail(r, EMB_EINPUT, 1, "population %.17g of region '%s': expected a "
                                              "finite number > 0", v, name);
    pop[reg] = v;
    line[reg] = emb_tsv_lineno(r);
    return EMB_OK;
}

emb_status emb_table_read_population_csv(emb_table *t, const char *path)
{
    if (!t || !path)
        return emb_raise(EMB_EUSAGE, "emb_table_read_population_csv: table or file name is NULL");
    double *pop = emb_calloc(t->n_r, sizeof *pop, "population");
    size_t *line = emb_calloc(t->n_r, sizeof *line, "population lines");
    emb_bytesrc *src = NULL;
    emb_tsv *r = NULL;
    emb_status st = EMB_ENOMEM;
    if (!pop || !line)
        goto done;
    if ((st = emb_bytesrc_open_file(path, "population file", &src)) ||
        (st = emb_tsv_open(src, 4096, POP_MAXLINE, &r)))
        goto done;
    emb_tsv_set_delim(r, ',');
    int header = 0, have = 0;
    while (!(st = emb_tsv_next_row2(r, "region", "population", &header, &have)) && have)
        if ((st = read_row(r, t, pop, line)))
            break;
    if (!st && !header)
        st = emb_raise(EMB_EINPUT, "%s: empty file: expected the header 'region,population' and "
                                   "one line per region", path);
    for (size_t q = 0; !st && q < t->n_r; q++)
        if (!line[q])
            st = emb_raise(EMB_EINPUT, "%s: no population for region '%s' (every region of %s "
                                       "needs one line)", path, t->regions[q], tname(t));
    if (!st)
        st = emb_table_set_population(t, pop);
done:
    emb_tsv_close(r);
    emb_free(pop);
    emb_free(line);
    return st;
}

long emb_table_value_added_stressor(const emb_table *t)
{
    static const char *const names[] = {"value added", "gross value added"};
    for (size_t s = 0; t && s < t->k; s++) {
        const char *n = t->stressors[s], *last = strrchr(n, '/');
        for (size_t w = 0; w < sizeof names / sizeof names[0]; w++)
            if (strcasecmp(n, names[w]) == 0 || (last && strcasecmp(last + 1, names[w]) == 0))
                return (long)s;
    }
    return -1;
}
