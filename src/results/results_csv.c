/* src/results/results_csv.c — tidy long-form CSV of the accounts (one row per
 * stressor x region, or stressor x origin x destination), shortest round-trip numbers so
 * that every value round-trips; the folder written as a unit (io/atomic.h). */
#include "core/error_impl.h"
#include "embodied/results.h"
#include "io/atomic.h"
#include "results/output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void row_prefix(FILE *fp, const emb_accounts *a, const emb_table *t, size_t s)
{
    size_t ts = emb_accounts_stressor_index(a, s); /* the accounts may hold a subset */
    emb_csv_field(fp, t->stressors[ts]);
    fputc(',', fp);
    emb_csv_field(fp, t->stressor_units[ts]);
    fputc(',', fp);
}

typedef void (*csv_body)(FILE *fp, const emb_accounts *a, const emb_table *t);

/* balance = exports - imports (= PBA - CBA), the balance of emissions
 * embodied in trade; tcba when computed (src/analysis/tcba.c); the
 * per-capita and intensity columns when the table has the population and
 * value added (src/accounts/intensity.c); group rows after the regions,
 * marked `group` in the last column (as in eebt_accounts.csv). */
static void accounts_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    fputs(a->tcba ? "stressor,unit,region,pba,cba,imports,exports,unallocated,balance,tcba"
                  : "stressor,unit,region,pba,cba,imports,exports,unallocated,balance", fp);
    if (a->population)
        fputs(",population,pba_per_capita,cba_per_capita", fp);
    if (a->value_added)
        fputs(",value_added,pba_per_va,cba_per_va", fp);
    fputs(",kind\n", fp);
    size_t R = a->n_r, G = a->n_groups;
    for (size_t s = 0; s < a->k; s++) {
        for (size_t u = 0; u < R + G; u++) {
            int grp = u >= R;
            size_t i = grp ? s * G + (u - R) : s * R + u;
            double ex = grp ? a->g_exports[i] : a->exports[i],
                   im = grp ? a->g_imports[i] : a->imports[i];
            const double v[7] = {grp ? a->g_pba[i] : a->pba[i], grp ? a->g_cba[i] : a->cba[i], im,
                                 ex, grp ? a->g_unallocated[i] : a->unallocated[i], ex - im,
                                 a->tcba ? (grp ? a->g_tcba[i] : a->tcba[i]) : 0.0};
            row_prefix(fp, a, t, s);
            emb_csv_field(fp, grp ? t->groups[u - R].name : t->regions[u]);
            for (int c = 0; c < (a->tcba ? 7 : 6); c++) {
                fputc(',', fp);
                emb_csv_number(fp, v[c]);
            }
            size_t ug = grp ? u - R : u; /* the region's or group's denominator */
            if (a->population) {
                const double w[3] = {grp ? a->g_population[ug] : a->population[ug],
                                     grp ? a->g_pba_per_capita[i] : a->pba_per_capita[i],
                                     grp ? a->g_cba_per_capita[i] : a->cba_per_capita[i]};
                for (int c = 0; c < 3; c++) {
                    fputc(',', fp);
                    emb_csv_number(fp, w[c]);
                }
            }
            if (a->value_added) {
                const double w[3] = {grp ? a->g_value_added[ug] : a->value_added[ug],
                                     grp ? a->g_pba_per_va[i] : a->pba_per_va[i],
                                     grp ? a->g_cba_per_va[i] : a->cba_per_va[i]};
                for (int c = 0; c < 3; c++) {
                    fputc(',', fp);
                    emb_csv_number(fp, w[c]);
                }
            }
            fputs(grp ? ",group\n" : ",region\n", fp);
        }
    }
}

/* EEBT accounts (src/analysis/eebt.c): PBA as the MRIO accounts', CBA by
 * EEBT, imports, exports, balance; group rows after the regions, marked
 * `group` in the last column. */
static void eebt_accounts_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    fputs("stressor,unit,region,pba,cba,imports,exports,balance,kind\n", fp);
    size_t R = a->n_r, G = a->n_groups;
    for (size_t s = 0; s < a->k; s++) {
        for (size_t u = 0; u < R + G; u++) {
            int grp = u >= R;
            size_t i = grp ? s * G + (u - R) : s * R + u;
            double ex = grp ? a->g_eebt_exports[i] : a->eebt_exports[i],
                   im = grp ? a->g_eebt_imports[i] : a->eebt_imports[i];
            const double v[5] = {grp ? a->g_pba[i] : a->pba[i],
                                 grp ? a->g_eebt_cba[i] : a->eebt_cba[i], im, ex, ex - im};
            row_prefix(fp, a, t, s);
            emb_csv_field(fp, grp ? t->groups[u - R].name : t->regions[u]);
            for (int c = 0; c < 5; c++) {
                fputc(',', fp);
                emb_csv_number(fp, v[c]);
            }
            fputs(grp ? ",group\n" : ",region\n", fp);
        }
    }
}

/* One flows.csv row. */
static void flow_row(FILE *fp, const emb_accounts *a, const emb_table *t, size_t s, const char *o,
                     const char *d, double v, const char *kind)
{
    row_prefix(fp, a, t, s);
    emb_csv_field(fp, o);
    fputc(',', fp);
    emb_csv_field(fp, d);
    fputc(',', fp);
    emb_csv_number(fp, v);
    if (kind) {
        fputc(',', fp);
        fputs(kind, fp);
    }
    fputc('\n', fp);
}

/* The region x region matrix B, per stressor; with `kind`, the last column
 * says `region` (flows.csv, whose group rows follow). */
static void flow_matrix(FILE *fp, const emb_accounts *a, const emb_table *t, const double *B,
                        size_t s, int kind)
{
    size_t R = a->n_r;
    for (size_t o = 0; o < R; o++)
        for (size_t d = 0; d < R; d++)
            flow_row(fp, a, t, s, t->regions[o], t->regions[d], B[(s * R + o) * R + d],
                     kind ? "region" : NULL);
}

/* flows.csv: per stressor, the region pairs (kind `region`), then every
 * pair with a group on one side or both (kind `group`): the sum of the
 * flows between their member regions (emb_accounts_flow), so a group's
 * flows are in the saved outputs, marked, and never mixed into the
 * region rows. */
static void flows_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    fputs("stressor,unit,origin,destination,value,kind\n", fp);
    size_t R = a->n_r, U = R + a->n_groups;
    for (size_t s = 0; s < a->k; s++) {
        flow_matrix(fp, a, t, a->flows, s, 1);
        for (size_t o = 0; o < U; o++)
            for (size_t d = 0; d < U; d++) {
                if (o < R && d < R)
                    continue;
                const char *on = o < R ? t->regions[o] : t->groups[o - R].name;
                const char *dn = d < R ? t->regions[d] : t->groups[d - R].name;
                double v = 0;
                /* names of this table: cannot fail */
                if (emb_accounts_flow(a, t, s, on, dn, &v) == EMB_OK)
                    flow_row(fp, a, t, s, on, dn, v, "group");
            }
    }
}

static void eebt_flows_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    fputs("stressor,unit,origin,destination,value\n", fp);
    for (size_t s = 0; s < a->k; s++)
        flow_matrix(fp, a, t, a->eebt_flows, s, 0); /* diagonal: domestic final demand */
}

static void sectors_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    fputs("stressor,unit,region,sector,D_pba,D_cba,D_imp,D_exp\n", fp);
    for (size_t s = 0; s < a->k; s++)
        for (size_t i = 0; i < a->N; i++) {
            row_prefix(fp, a, t, s);
            emb_csv_field(fp, t->regions[i / a->n_s]);
            fputc(',', fp);
            emb_csv_field(fp, t->sectors[i % a->n_s]);
            const double v[4] = {a->D_pba[s * a->N + i], a->D_cba[s * a->N + i],
                                 a->D_imp[s * a->N + i], a->D_exp[s * a->N + i]};
            for (int c = 0; c < 4; c++) {
                fputc(',', fp);
                emb_csv_number(fp, v[c]);
            }
            fputc('\n', fp);
        }
}

static void by_sector(FILE *fp, const emb_accounts *a, const emb_table *t, const char *header,
                      const double *V)
{
    fputs(header, fp);
    size_t R = a->n_r;
    for (size_t s = 0; s < a->k; s++)
        for (size_t i = 0; i < a->N; i++)
            for (size_t d = 0; d < R; d++) {
                row_prefix(fp, a, t, s);
                emb_csv_field(fp, t->regions[i / a->n_s]);
                fputc(',', fp);
                emb_csv_field(fp, t->sectors[i % a->n_s]);
                fputc(',', fp);
                emb_csv_field(fp, t->regions[d]);
                fputc(',', fp);
                emb_csv_number(fp, V[(s * a->N + i) * R + d]);
                fputc('\n', fp);
            }
}

static void fbs_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    by_sector(fp, a, t, "stressor,unit,origin,sector,destination,value\n", a->flows_by_sector);
}

static void eebt_fbs_body(FILE *fp, const emb_accounts *a, const emb_table *t)
{
    by_sector(fp, a, t, "stressor,unit,origin,origin_sector,destination,value\n",
              a->eebt_flows_by_sector);
}

/* The names a CSV results folder can hold: an existing folder is replaced
 * only when it holds nothing else. */
static const char *const csv_names[] = {"accounts.csv",      "flows.csv",
                                        "sectors.csv",       "flows_by_sector.csv",
                                        "eebt_accounts.csv", "eebt_flows.csv",
                                        "eebt_flows_by_sector.csv"};
enum { N_CSV_NAMES = sizeof csv_names / sizeof csv_names[0] };

emb_status emb_results_check_csv_dir(const char *dir, int *exists)
{
    int e = 0;
    emb_status st = emb_atomic_dir_check(dir, csv_names, N_CSV_NAMES, &e);
    if (exists)
        *exists = e;
    return st;
}

/* Write one file into the folder being built. */
static emb_status stage_one(emb_atomic_dir *d, const char *name, csv_body body,
                            const emb_accounts *a, const emb_table *t)
{
    FILE *fp;
    emb_status st = emb_atomic_dir_file(d, name, &fp);
    if (st)
        return st;
    body(fp, a, t);
    int bad = fflush(fp) != 0 || ferror(fp);
    int err = errno;
    if (fclose(fp) != 0 && !bad)
        bad = 1, err = errno;
    if (bad)
        return emb_raise(EMB_EIO, "%s/%s: write failed: %s", d->path, name, strerror(err));
    return EMB_OK;
}

/* The folder is built beside dir and renamed into place as a unit (or
 * exchanged with the old one), so a failure (a full disk) leaves none of
 * this run's files, and a replaced folder holds no file of an earlier run. */
emb_status emb_results_write_csv(const emb_accounts *a, const emb_table *t, const char *dir)
{
    struct {
        const char *name;
        csv_body body;
        int wanted;
    } files[] = {{"accounts.csv", accounts_body, 1},
                 {"flows.csv", flows_body, 1},
                 {"sectors.csv", sectors_body, a->D_cba != NULL},
                 {"flows_by_sector.csv", fbs_body, a->flows_by_sector != NULL},
                 {"eebt_accounts.csv", eebt_accounts_body, a->eebt_cba != NULL},
                 {"eebt_flows.csv", eebt_flows_body, a->eebt_flows != NULL},
                 {"eebt_flows_by_sector.csv", eebt_fbs_body, a->eebt_flows_by_sector != NULL}};
    enum { NF = sizeof files / sizeof files[0] };
    emb_atomic_dir d;
    emb_status st = emb_atomic_dir_begin(&d, dir, csv_names, N_CSV_NAMES);
    for (size_t f = 0; f < NF && !st; f++)
        if (files[f].wanted)
            st = stage_one(&d, files[f].name, files[f].body, a, t);
    if (!st)
        return emb_atomic_dir_commit(&d); /* releases d whatever happens */
    emb_atomic_dir_abort(&d);
    return st;
}
