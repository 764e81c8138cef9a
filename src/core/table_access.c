/* src/core/table_access.c — the table seen from outside: accessors for
 * dimensions, labels, arrays, path and groups (so that a binding never
 * mirrors emb_table's layout), and emb_table_from_arrays, a table built from
 * the caller's arrays without a file.  Contracts in embodied/table.h. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "embodied/table.h"

#include <string.h>

size_t emb_table_n_regions(const emb_table *t) { return t ? t->n_r : 0; }
size_t emb_table_n_sectors(const emb_table *t) { return t ? t->n_s : 0; }
size_t emb_table_n_fd_categories(const emb_table *t) { return t ? t->n_f : 0; }
size_t emb_table_n_stressors(const emb_table *t) { return t ? t->k : 0; }
size_t emb_table_n_industries(const emb_table *t) { return t ? t->N : 0; }
size_t emb_table_n_fd_columns(const emb_table *t) { return t ? t->n_y : 0; }
emb_tech_kind emb_table_tech_kind(const emb_table *t) { return t ? t->tech_kind : EMB_TECH_Z; }

/* The label vector of a kind and its length; NULL for an unknown kind. */
static char *const *labels_of(const emb_table *t, emb_label_kind kind, size_t *n)
{
    *n = 0;
    if (!t)
        return NULL;
    switch (kind) {
    case EMB_LABEL_REGION: *n = t->n_r; return t->regions;
    case EMB_LABEL_SECTOR: *n = t->n_s; return t->sectors;
    case EMB_LABEL_FD_CATEGORY: *n = t->n_f; return t->fd_categories;
    case EMB_LABEL_STRESSOR: *n = t->k; return t->stressors;
    case EMB_LABEL_STRESSOR_UNIT: *n = t->k; return t->stressor_units;
    }
    return NULL;
}

size_t emb_table_label_count(const emb_table *t, emb_label_kind kind)
{
    size_t n;
    return labels_of(t, kind, &n) ? n : 0;
}

const char *emb_table_label(const emb_table *t, emb_label_kind kind, size_t i)
{
    size_t n;
    char *const *v = labels_of(t, kind, &n);
    return v && i < n ? v[i] : NULL;
}

const double *emb_table_array(const emb_table *t, emb_table_field f, size_t *n_rows, size_t *n_cols)
{
    const double *p = NULL;
    size_t r = 0, c = 0;
    if (t) {
        switch (f) {
        case EMB_TABLE_Y: p = t->Y, r = t->N, c = t->n_y; break;
        case EMB_TABLE_F: p = t->F, r = t->k, c = t->N; break;
        case EMB_TABLE_F_Y: p = t->F_Y, r = t->k, c = t->n_y; break;
        case EMB_TABLE_X: p = t->x, r = t->N, c = 1; break;
        case EMB_TABLE_POPULATION: p = t->population, r = t->n_r, c = 1; break;
        }
    }
    if (!p || r == 0 || c == 0) /* absent (x of a Z table) or empty (k = 0) */
        p = NULL, r = c = 0;
    if (n_rows)
        *n_rows = r;
    if (n_cols)
        *n_cols = c;
    return p;
}

const char *emb_table_path(const emb_table *t) { return t && t->path ? t->path : ""; }

size_t emb_table_n_groups(const emb_table *t) { return t ? t->n_groups : 0; }

const char *emb_table_group_name(const emb_table *t, size_t g)
{
    return t && g < t->n_groups ? t->groups[g].name : NULL;
}

const size_t *emb_table_group_members(const emb_table *t, size_t g, size_t *n)
{
    int ok = t && g < t->n_groups;
    if (n)
        *n = ok ? t->groups[g].n : 0;
    return ok ? t->groups[g].members : NULL;
}

/* Copy n labels of a kind; EMB_EUSAGE naming the argument when one is missing. */
static emb_status copy_labels(emb_table *t, emb_label_kind kind, const char *arg,
                              const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || !v[i][0])
            return emb_raise(EMB_EUSAGE, "emb_table_from_arrays: %s[%zu] is %s: every label must "
                                         "be a non-empty string", arg, i, v[i] ? "empty" : "NULL");
        emb_status st = emb_table_set_label(t, kind, i, v[i]);
        if (st)
            return st;
    }
    return EMB_OK;
}

emb_status emb_table_from_arrays(size_t n_r, size_t n_s, size_t n_f, size_t k, emb_tech_kind kind,
                                 const double *T, const double *x, const double *Y,
                                 const double *F, const double *F_Y, const char *const *regions,
                                 const char *const *sectors, const char *const *fd_categories,
                                 const char *const *stressors, const char *const *stressor_units,
                                 emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_table_from_arrays: out is NULL");
    *out = NULL;
    /* Argument checks before anything is allocated, each naming what is wrong. */
    if (kind != EMB_TECH_Z && kind != EMB_TECH_A)
        return emb_raise(EMB_EUSAGE, "emb_table_from_arrays: kind %d is neither EMB_TECH_Z nor "
                                     "EMB_TECH_A", (int)kind);
    const char *missing = !T                         ? "T (the Z or A matrix)"
                          : kind == EMB_TECH_A && !x ? "x (required with an A matrix)"
                          : !Y                       ? "Y"
                          : k > 0 && !F              ? "F (k > 0 stressors)"
                          : !regions                 ? "regions"
                          : !sectors                 ? "sectors"
                          : !fd_categories           ? "fd_categories"
                          : k > 0 && !stressors      ? "stressors"
                          : k > 0 && !stressor_units ? "stressor_units"
                                                     : NULL;
    if (missing)
        return emb_raise(EMB_EUSAGE, "emb_table_from_arrays: %s is NULL", missing);
    if (n_r == 0 || n_s == 0 || n_f == 0)
        return emb_raise(EMB_EUSAGE, "emb_table_from_arrays: regions (%zu), sectors (%zu) and "
                                     "final-demand categories (%zu) must all be at least 1",
                         n_r, n_s, n_f);
    emb_table *t = NULL;
    emb_status st = emb_table_create(n_r, n_s, n_f, k, kind, 1, &t); /* checks sizes and the plan */
    if (st)
        return st;
    /* Sizes no longer overflow: emb_table_create has checked every product. */
    memcpy(t->T, T, t->N * t->N * sizeof(double));
    memcpy(t->Y, Y, t->N * t->n_y * sizeof(double));
    if (k > 0)
        memcpy(t->F, F, k * t->N * sizeof(double));
    if (k > 0 && F_Y)
        memcpy(t->F_Y, F_Y, k * t->n_y * sizeof(double));
    if (x) {
        if ((st = emb_table_alloc_x(t)))
            goto fail;
        memcpy(t->x, x, t->N * sizeof(double));
    }
    if ((st = copy_labels(t, EMB_LABEL_REGION, "regions", regions, n_r)) ||
        (st = copy_labels(t, EMB_LABEL_SECTOR, "sectors", sectors, n_s)) ||
        (st = copy_labels(t, EMB_LABEL_FD_CATEGORY, "fd_categories", fd_categories, n_f)) ||
        (st = copy_labels(t, EMB_LABEL_STRESSOR, "stressors", stressors, k)) ||
        (st = copy_labels(t, EMB_LABEL_STRESSOR_UNIT, "stressor_units", stressor_units, k)) ||
        (st = emb_table_validate(t, NULL)))
        goto fail;
    *out = t;
    return EMB_OK;
fail:
    emb_table_free(t);
    return st;
}
