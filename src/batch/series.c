/* src/batch/series.c — the time series of a batch (batch.h): each done
 * table's accounts read back from its results.h5, the labels compared with
 * the first table's, the years checked distinct and the identities
 * rechecked, then DIR/series.csv and DIR/series_flows.csv written
 * atomically. */
#include "batch/batch.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/table_impl.h"
#include "io/h5util.h"
#include "results/output.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* What the series needs of one table's results.h5. */
typedef struct tres {
    char *path;
    char **regions, **sectors, **stressors, **units, **groups;
    size_t R, S, k, G;
    double *acc[5], *gacc[5]; /* pba, cba, imports, exports, unallocated: [k][R], [k][G] */
    double *flows;            /* [k][R][R] when flows are asked */
} tres;

static void tres_free(tres *r)
{
    emb_strv_free(r->regions, r->R);
    emb_strv_free(r->sectors, r->S);
    emb_strv_free(r->stressors, r->k);
    emb_strv_free(r->units, r->k);
    emb_strv_free(r->groups, r->G);
    for (int j = 0; j < 5; j++) {
        emb_free(r->acc[j]);
        emb_free(r->gacc[j]);
    }
    emb_free(r->flows);
    emb_free(r->path);
    memset(r, 0, sizeof *r);
}

static emb_status read_labels(hid_t f, const char *fn, const char *name, char ***v, size_t *n)
{
    emb_status st = emb_h5_probe_strings(f, fn, name, n, NULL);
    return st ? st : emb_h5_read_strings(f, fn, name, *n, 0, v, n);
}

static emb_status read_matrix(hid_t f, const char *fn, const char *name, size_t k, size_t m,
                              double **out)
{
    size_t dims[2] = {k, m};
    size_t count = k * m;
    *out = emb_alloc(count ? count : 1, sizeof **out, name);
    if (!*out)
        return EMB_ENOMEM;
    return count ? emb_h5_read_doubles(f, fn, name, 2, dims, *out) : EMB_OK;
}

static emb_status tres_read(const char *dir, const char *name, int want_flows, tres *r)
{
    static const char *const acc_names[5] = {"pba", "cba", "imports", "exports", "unallocated"};
    static const char *const gacc_names[5] = {"group_pba", "group_cba", "group_imports",
                                              "group_exports", "group_unallocated"};
    memset(r, 0, sizeof *r);
    if (!(r->path = emb_strfmt("%s/%s/results.h5", dir, name)))
        return EMB_ENOMEM;
    emb_h5_init();
    hid_t f = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return emb_raise(EMB_EIO, "%s: cannot open the table's results file", r->path);
    const char *fn = r->path;
    emb_status st;
    if ((st = read_labels(f, fn, "regions", &r->regions, &r->R)) ||
        (st = read_labels(f, fn, "sectors", &r->sectors, &r->S)) ||
        (st = read_labels(f, fn, "stressors", &r->stressors, &r->k)) ||
        (st = read_labels(f, fn, "stressor_units", &r->units, &r->k)))
        goto done;
    for (int j = 0; j < 5 && !st; j++)
        st = read_matrix(f, fn, acc_names[j], r->k, r->R, &r->acc[j]);
    if (!st && H5Lexists(f, "group_names", H5P_DEFAULT) > 0) {
        if (!(st = read_labels(f, fn, "group_names", &r->groups, &r->G)))
            for (int j = 0; j < 5 && !st; j++)
                st = read_matrix(f, fn, gacc_names[j], r->k, r->G, &r->gacc[j]);
    }
    if (!st && want_flows) {
        size_t dims[3] = {r->k, r->R, r->R};
        if (!(r->flows = emb_alloc(r->k * r->R * r->R + 1, sizeof *r->flows, "flows")))
            st = EMB_ENOMEM;
        else if (r->k)
            st = emb_h5_read_doubles(f, fn, "flows", 3, dims, r->flows);
    }
done:
    H5Fclose(f);
    return st;
}

/* The first difference between two lists of labels, raised naming both
 * files; EMB_OK when equal. */
static emb_status compare_labels(const tres *a, const tres *b, const char *what, const char *one,
                                 char **va, size_t na, char **vb, size_t nb)
{
    if (na != nb)
        return emb_raise(EMB_EINPUT, "%s: %zu %s, but %s has %zu: the tables of a series must have "
                                     "the same regions, sectors and stressors "
                                     "(--allow-different-labels: a series with gaps)",
                         b->path, nb, what, a->path, na);
    for (size_t i = 0; i < na; i++)
        if (strcmp(va[i], vb[i]))
            return emb_raise(EMB_EINPUT, "%s: %s %zu is '%s', but in %s it is '%s': the tables of "
                                         "a series must have the same regions, sectors and "
                                         "stressors (--allow-different-labels: a series with gaps)",
                             b->path, one, i + 1, vb[i], a->path, va[i]);
    return EMB_OK;
}

/* Member region indices of unit `name` of r: a region, or a group (read
 * from /groups/<name>); NULL when unknown.  *n members. */
static size_t *unit_members(hid_t f, const tres *r, const char *name, size_t *n, emb_status *st)
{
    for (size_t i = 0; i < r->R; i++)
        if (!strcmp(r->regions[i], name)) {
            size_t *m = emb_alloc(1, sizeof *m, "members");
            if (m)
                *m = i, *n = 1;
            else
                *st = EMB_ENOMEM;
            return m;
        }
    for (size_t g = 0; g < r->G; g++)
        if (!strcmp(r->groups[g], name)) {
            char *ds = emb_strfmt("groups/%s", name), **mv = NULL;
            size_t nm = 0;
            size_t *m = NULL;
            if (!ds || (*st = read_labels(f, r->path, ds, &mv, &nm)) ||
                !(m = emb_alloc(nm + 1, sizeof *m, "members"))) {
                if (!*st)
                    *st = EMB_ENOMEM;
                emb_free(ds);
                emb_strv_free(mv, nm);
                return NULL;
            }
            *n = 0;
            for (size_t j = 0; j < nm; j++)
                for (size_t i = 0; i < r->R; i++)
                    if (!strcmp(r->regions[i], mv[j]))
                        m[(*n)++] = i;
            emb_free(ds);
            emb_strv_free(mv, nm);
            return m;
        }
    return NULL;
}

/* Sum of flows[s][o][d] over the members of units o and d (a region or a
 * group name of r); 0 with *found = 0 when a name is not in r. */
static double pair_flow(hid_t f, const tres *r, size_t s, const char *o, const char *d,
                        int *found, emb_status *st)
{
    size_t no = 0, nd = 0;
    size_t *mo = unit_members(f, r, o, &no, st), *md = mo ? unit_members(f, r, d, &nd, st) : NULL;
    double v = 0;
    *found = mo && md;
    for (size_t a = 0; *found && a < no; a++)
        for (size_t c = 0; c < nd; c++)
            v += r->flows[(s * r->R + mo[a]) * r->R + md[c]];
    emb_free(mo);
    emb_free(md);
    return v;
}

/* The identities every table's rows must keep before they enter the
 * series (they were checked when computed; this catches a results file
 * altered since): per stressor, world PBA = world CBA, and per region and
 * group CBA = PBA + imports - exports, relative to the stressor's world
 * total (absolute below 1e-300). */
#define SERIES_TOL 1e-9
static emb_status check_identities(const tres *r)
{
    for (size_t s = 0; s < r->k; s++) {
        double sp = 0, sc = 0, scale = 0;
        for (size_t u = 0; u < r->R; u++) {
            sp += r->acc[0][s * r->R + u];
            sc += r->acc[1][s * r->R + u];
            scale += fabs(r->acc[0][s * r->R + u]);
        }
        if (scale < 1e-300)
            scale = 1e-300;
        if (!(fabs(sp - sc) <= SERIES_TOL * scale))
            return emb_raise(EMB_ENUMERIC, "%s: stressor %s: world PBA %.17g != world CBA %.17g "
                                           "(relative %.2e > %.0e): results altered?", r->path,
                             r->stressors[s], sp, sc, fabs(sp - sc) / scale, SERIES_TOL);
        for (size_t u = 0; u < r->R + r->G; u++) {
            int g = u >= r->R;
            size_t i = g ? s * r->G + (u - r->R) : s * r->R + u;
            double *const *v = g ? r->gacc : r->acc;
            double d = v[1][i] - (v[0][i] + v[2][i] - v[3][i]);
            if (!(fabs(d) <= SERIES_TOL * scale))
                return emb_raise(EMB_ENUMERIC, "%s: stressor %s, %s: CBA != PBA + imports - "
                                               "exports (off by %.3g, relative %.2e > %.0e): "
                                               "results altered?", r->path, r->stressors[s],
                                 g ? r->groups[u - r->R] : r->regions[u], d, fabs(d) / scale,
                                 SERIES_TOL);
        }
    }
    return EMB_OK;
}

static void write_year_prefix(FILE *fp, long year, const tres *r, size_t s)
{
    fprintf(fp, "%ld,", year);
    emb_csv_field(fp, r->stressors[s]);
    fputc(',', fp);
    emb_csv_field(fp, r->units[s]);
    fputc(',', fp);
}

emb_status emb_batch_write_series(const emb_batch_entry *entries, size_t n,
                                  const emb_batch_opts *o)
{
    int want_flows = o->all_flows || o->npairs;
    size_t *order = emb_alloc(n + 1, sizeof *order, "series order"), m = 0;
    tres *rs = emb_calloc(n + 1, sizeof *rs, "series tables");
    char *sp = emb_strfmt("%s/series.csv", o->dir), *fp_path = emb_strfmt("%s/series_flows.csv", o->dir);
    emb_status st = EMB_OK;
    emb_out out, fout;
    int opened = 0, fopened = 0;
    if (!order || !rs || !sp || !fp_path) {
        st = EMB_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (entries[i].status == EMB_BATCH_DONE || entries[i].status == EMB_BATCH_SKIPPED)
            order[m++] = i;
    /* Year, then input order (insertion sort: a few hundred tables at most). */
    for (size_t a = 1; a < m; a++)
        for (size_t c = a; c > 0 && entries[order[c - 1]].year > entries[order[c]].year; c--) {
            size_t tmp = order[c];
            order[c] = order[c - 1];
            order[c - 1] = tmp;
        }
    for (size_t j = 1; j < m; j++) {
        const emb_batch_entry *x = &entries[order[j - 1]], *y = &entries[order[j]];
        if (x->year == y->year) {
            st = emb_raise(EMB_EINPUT, "%s and %s: both are year %ld (%s, %s): their rows in the "
                                       "series could not be told apart (--year-from name or index)",
                           x->input, y->input, y->year, x->year_source, y->year_source);
            goto done;
        }
    }
    for (size_t j = 0; j < m && !st; j++) {
        if ((st = tres_read(o->dir, entries[order[j]].name, want_flows, &rs[j])) ||
            (st = check_identities(&rs[j])))
            break;
        if (j && !o->allow_different_labels &&
            ((st = compare_labels(&rs[0], &rs[j], "regions", "region", rs[0].regions, rs[0].R, rs[j].regions,
                                  rs[j].R)) ||
             (st = compare_labels(&rs[0], &rs[j], "sectors", "sector", rs[0].sectors, rs[0].S, rs[j].sectors,
                                  rs[j].S)) ||
             (st = compare_labels(&rs[0], &rs[j], "stressors", "stressor", rs[0].stressors, rs[0].k,
                                  rs[j].stressors, rs[j].k)) ||
             (st = compare_labels(&rs[0], &rs[j], "stressor units", "unit of stressor", rs[0].units, rs[0].k,
                                  rs[j].units, rs[j].k))))
            break;
    }
    if (st)
        goto done;
    opened = 1;
    if ((st = emb_out_open(&out, sp)))
        goto done;
    fputs("year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n", out.fp);
    for (size_t j = 0; j < m; j++) {
        const tres *r = &rs[j];
        long year = entries[order[j]].year;
        for (size_t s = 0; s < r->k; s++)
            for (size_t u = 0; u < r->R + r->G; u++) {
                int grp = u >= r->R;
                write_year_prefix(out.fp, year, r, s);
                emb_csv_field(out.fp, grp ? r->groups[u - r->R] : r->regions[u]);
                for (int c = 0; c < 5; c++) {
                    fputc(',', out.fp);
                    emb_csv_number(out.fp, grp ? r->gacc[c][s * r->G + u - r->R]
                                               : r->acc[c][s * r->R + u]);
                }
                fputs(grp ? ",group\n" : ",region\n", out.fp);
            }
    }
    if (want_flows) {
        fopened = 1;
        if ((st = emb_out_open(&fout, fp_path)))
            goto done;
        fputs("year,stressor,unit,origin,destination,value\n", fout.fp);
        for (size_t j = 0; j < m && !st; j++) {
            const tres *r = &rs[j];
            long year = entries[order[j]].year;
            hid_t f = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT);
            if (f < 0) {
                st = emb_raise(EMB_EIO, "%s: cannot open the table's results file", r->path);
                break;
            }
            for (size_t s = 0; s < r->k && !st; s++) {
                if (o->all_flows)
                    for (size_t a = 0; a < r->R; a++)
                        for (size_t c = 0; c < r->R; c++) {
                            write_year_prefix(fout.fp, year, r, s);
                            emb_csv_field(fout.fp, r->regions[a]);
                            fputc(',', fout.fp);
                            emb_csv_field(fout.fp, r->regions[c]);
                            fputc(',', fout.fp);
                            emb_csv_number(fout.fp, r->flows[(s * r->R + a) * r->R + c]);
                            fputc('\n', fout.fp);
                        }
                for (size_t p = 0; p < o->npairs && !st; p++) {
                    int found = 0;
                    double v = pair_flow(f, r, s, o->pairs[p].origin, o->pairs[p].destination,
                                         &found, &st);
                    if (st)
                        break;
                    if (!found) {
                        if (o->allow_different_labels)
                            continue; /* a gap in the series */
                        st = emb_raise(EMB_EUSAGE, "%s: --from %s --to %s: not a region or group "
                                                   "of this table", r->path, o->pairs[p].origin,
                                       o->pairs[p].destination);
                        break;
                    }
                    write_year_prefix(fout.fp, year, r, s);
                    emb_csv_field(fout.fp, o->pairs[p].origin);
                    fputc(',', fout.fp);
                    emb_csv_field(fout.fp, o->pairs[p].destination);
                    fputc(',', fout.fp);
                    emb_csv_number(fout.fp, v);
                    fputc('\n', fout.fp);
                }
            }
            H5Fclose(f);
        }
        if (!st)
            st = emb_out_commit(&fout);
    }
    if (!st)
        st = emb_out_commit(&out);
done:
    if (fopened)
        emb_out_abort(&fout);
    if (opened)
        emb_out_abort(&out);
    for (size_t j = 0; rs && j < m; j++)
        tres_free(&rs[j]);
    emb_free(rs);
    emb_free(order);
    emb_free(sp);
    emb_free(fp_path);
    return st;
}

