/* src/results/results_nc.c — what makes the results HDF5 file a netCDF-4
 * file: named dimensions as HDF5 dimension scales with label coordinate
 * variables, every data variable attached to them axis by axis, `units` and
 * `long_name` attributes (README "Outputs", "Reading results.h5 elsewhere").
 *
 * Dimensions (each a coordinate variable of the same name in the root group,
 * and again in /eebt so that group opens with its labels on its own):
 *   stressor [k] (labels), region, origin, destination [n_r] (region labels),
 *   sector [n_s] (sector labels), sector_index [N] (0 .. N-1, with the
 *   auxiliary coordinates sector_region and sector_name [N]), group
 *   [n_groups] (group names); each /groups/NAME member list is its own
 *   coordinate variable.  Dimensions are listed slowest-varying first (C
 *   order), as netCDF-C, xarray and h5py show them; column-major readers
 *   (R's ncdf4, Fortran, Julia) list the same names reversed, so a reader
 *   finds each axis by its name, never by its position.
 *
 * The datasets keep the names they always had; this adds new coordinate
 * datasets and attributes only, after every dataset is written. */
#include "results/results_nc.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "io/h5util.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <string.h>

enum { D_STRESSOR, D_REGION, D_ORIGIN, D_DEST, D_SECTOR, D_SECTOR_INDEX, D_GROUP, D_COUNT };

static const char *const dim_names[D_COUNT] = {"stressor", "region", "origin", "destination",
                                               "sector", "sector_index", "group"};

/* What a variable's values are measured in. */
enum { U_NONE, U_STRESSOR, U_MONEY, U_MULTIPLIER };

typedef struct ncvar {
    const char *name;      /* path relative to the root group */
    const char *long_name;
    int units;
    int rank;
    int dims[3];
} ncvar;

#define SR {D_STRESSOR, D_REGION, 0}
#define SG {D_STRESSOR, D_GROUP, 0}
#define SN {D_STRESSOR, D_SECTOR_INDEX, 0}
static const ncvar vars[] = {
    {"regions", "region labels", U_NONE, 1, {D_REGION, 0, 0}},
    {"sectors", "sector labels (one region's sectors)", U_NONE, 1, {D_SECTOR, 0, 0}},
    {"stressors", "stressor labels", U_NONE, 1, {D_STRESSOR, 0, 0}},
    {"stressor_units", "unit of each stressor", U_NONE, 1, {D_STRESSOR, 0, 0}},
    {"group_names", "region group names", U_NONE, 1, {D_GROUP, 0, 0}},
    {"sector_region", "region of each industry", U_NONE, 1, {D_SECTOR_INDEX, 0, 0}},
    {"sector_name", "sector of each industry", U_NONE, 1, {D_SECTOR_INDEX, 0, 0}},
    {"pba", "production-based account (industry + household direct)", U_STRESSOR, 2, SR},
    {"cba", "consumption-based account (footprint, incl. household direct)", U_STRESSOR, 2, SR},
    {"imports", "emissions embodied in imports", U_STRESSOR, 2, SR},
    {"exports", "emissions embodied in exports", U_STRESSOR, 2, SR},
    {"unallocated", "emissions of zero-output sectors (in no PBA or CBA)", U_STRESSOR, 2, SR},
    {"fy", "household direct emissions (F_Y) by region", U_STRESSOR, 2, SR},
    {"balance", "balance of emissions embodied in trade (exports - imports)", U_STRESSOR, 2, SR},
    {"tcba", "technology-adjusted consumption-based account", U_STRESSOR, 2, SR},
    {"flows", "emissions released in origin for final demand of destination", U_STRESSOR, 3,
     {D_STRESSOR, D_ORIGIN, D_DEST}},
    {"M", "multipliers S (I - A)^-1", U_MULTIPLIER, 2, SN},
    {"x", "gross output", U_MONEY, 1, {D_SECTOR_INDEX, 0, 0}},
    {"D_cba", "consumption-based account by consuming region and final product", U_STRESSOR, 2, SN},
    {"D_pba", "production-based account by industry", U_STRESSOR, 2, SN},
    {"D_imp", "emissions embodied in imports by importing region and product", U_STRESSOR, 2, SN},
    {"D_exp", "emissions embodied in exports by industry", U_STRESSOR, 2, SN},
    {"flows_by_sector", "flows by origin industry and destination region", U_STRESSOR, 3,
     {D_STRESSOR, D_SECTOR_INDEX, D_DEST}},
    {"group_pba", "production-based account of the group", U_STRESSOR, 2, SG},
    {"group_cba", "consumption-based account of the group", U_STRESSOR, 2, SG},
    {"group_imports", "emissions embodied in the group's imports from outside it", U_STRESSOR, 2, SG},
    {"group_exports", "emissions embodied in the group's exports to outside it", U_STRESSOR, 2, SG},
    {"group_unallocated", "emissions of the group's zero-output sectors", U_STRESSOR, 2, SG},
    {"group_balance", "balance of emissions embodied in the group's trade", U_STRESSOR, 2, SG},
    {"group_tcba", "technology-adjusted consumption-based account of the group", U_STRESSOR, 2, SG},
    {"eebt/pba", "production-based account (MRIO)", U_STRESSOR, 2, SR},
    {"eebt/cba", "consumption-based account by EEBT", U_STRESSOR, 2, SR},
    {"eebt/imports", "emissions embodied in imports by EEBT", U_STRESSOR, 2, SR},
    {"eebt/exports", "emissions embodied in exports by EEBT", U_STRESSOR, 2, SR},
    {"eebt/balance", "balance of emissions embodied in trade by EEBT", U_STRESSOR, 2, SR},
    {"eebt/flows", "emissions embodied in bilateral trade (EEBT), origin x destination",
     U_STRESSOR, 3, {D_STRESSOR, D_ORIGIN, D_DEST}},
    {"eebt/m_dom", "domestic multipliers S_r (I - A_rr)^-1", U_MULTIPLIER, 2, SN},
    {"eebt/flows_by_sector", "EEBT flows by exporting industry and destination", U_STRESSOR, 3,
     {D_STRESSOR, D_SECTOR_INDEX, D_DEST}},
    {"eebt/group_pba", "production-based account of the group", U_STRESSOR, 2, SG},
    {"eebt/group_cba", "consumption-based account of the group by EEBT", U_STRESSOR, 2, SG},
    {"eebt/group_imports", "emissions embodied in the group's imports by EEBT", U_STRESSOR, 2, SG},
    {"eebt/group_exports", "emissions embodied in the group's exports by EEBT", U_STRESSOR, 2, SG},
    {"eebt/group_balance", "balance of the group's trade by EEBT", U_STRESSOR, 2, SG},
};
#undef SR
#undef SG
#undef SN

/* The open dimension scales (root datasets named as the dimensions) and their lengths. */
typedef struct ncdims {
    hid_t id[D_COUNT];
    size_t len[D_COUNT];
} ncdims;

static emb_status set_scale(hid_t loc, const char *fn, const char *name, hid_t *id)
{
    if ((*id = H5Dopen2(loc, name, H5P_DEFAULT)) < 0)
        return emb_raise(EMB_EIO, "%s: cannot open dataset %s", fn, name);
    if (H5DSset_scale(*id, name) < 0)
        return emb_raise(EMB_EIO, "%s: dataset %s: cannot make it a dimension scale", fn, name);
    return EMB_OK;
}

static emb_status attr_strings(hid_t obj, const char *fn, const char *long_name, const char *units)
{
    emb_status st = EMB_OK;
    if (long_name && H5Aexists(obj, "long_name") == 0)
        st = emb_h5_attr_write_string(obj, fn, "long_name", long_name);
    if (!st && units && H5Aexists(obj, "units") == 0)
        st = emb_h5_attr_write_string(obj, fn, "units", units);
    return st;
}

/* The coordinate variables: label datasets named as the dimensions. */
static emb_status write_coordinates(hid_t f, const char *fn, const emb_table *t, ncdims *d)
{
    emb_status st;
    size_t N = t->N;
    const char *const *R = (const char *const *)t->regions;
    if ((st = emb_h5_write_strings(f, fn, "stressor", t->k, (const char *const *)t->stressors)) ||
        (st = emb_h5_write_strings(f, fn, "region", t->n_r, R)) ||
        (st = emb_h5_write_strings(f, fn, "origin", t->n_r, R)) ||
        (st = emb_h5_write_strings(f, fn, "destination", t->n_r, R)) ||
        (st = emb_h5_write_strings(f, fn, "sector", t->n_s, (const char *const *)t->sectors)))
        return st;
    /* sector_index: 0 .. N-1 (region-major, as every [..][N] axis), with the
     * region and sector of each index as auxiliary coordinates. */
    long long *idx = emb_alloc(N ? N : 1, sizeof *idx, "sector_index");
    const char **sr = emb_alloc(N ? N : 1, sizeof *sr, "sector_region");
    const char **sn = emb_alloc(N ? N : 1, sizeof *sn, "sector_name");
    if (!idx || !sr || !sn)
        st = EMB_ENOMEM;
    for (size_t i = 0; !st && i < N; i++) {
        idx[i] = (long long)i;
        sr[i] = t->regions[i / t->n_s];
        sn[i] = t->sectors[i % t->n_s];
    }
    if (!st) {
        hsize_t hn = (hsize_t)N;
        hid_t space = H5Screate_simple(1, &hn, NULL), ds = -1;
        if (space < 0 ||
            (ds = H5Dcreate2(f, "sector_index", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT)) < 0 ||
            (N && H5Dwrite(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0))
            st = emb_raise(EMB_EIO, "%s: cannot write dataset sector_index", fn);
        if (ds >= 0)
            H5Dclose(ds);
        if (space >= 0)
            H5Sclose(space);
    }
    if (!st && !(st = emb_h5_write_strings(f, fn, "sector_region", N, sr)))
        st = emb_h5_write_strings(f, fn, "sector_name", N, sn);
    emb_free(idx);
    emb_free(sr);
    emb_free(sn);
    if (st)
        return st;
    if (t->n_groups) {
        const char **g = emb_alloc(t->n_groups, sizeof *g, "group names");
        if (!g)
            return EMB_ENOMEM;
        for (size_t i = 0; i < t->n_groups; i++)
            g[i] = t->groups[i].name;
        st = emb_h5_write_strings(f, fn, "group", t->n_groups, g);
        emb_free(g);
        if (st)
            return st;
    }
    static const char *const long_names[D_COUNT] = {
        "stressor", "region", "origin region (where the emissions are released)",
        "destination region (whose final demand causes them)", "sector",
        "industry index (region-major: region * sectors + sector)", "region group"};
    d->len[D_STRESSOR] = t->k;
    d->len[D_REGION] = d->len[D_ORIGIN] = d->len[D_DEST] = t->n_r;
    d->len[D_SECTOR] = t->n_s;
    d->len[D_SECTOR_INDEX] = N;
    d->len[D_GROUP] = t->n_groups;
    for (int i = 0; i < D_COUNT; i++) {
        if (i == D_GROUP && !t->n_groups)
            continue;
        if ((st = set_scale(f, fn, dim_names[i], &d->id[i])) ||
            (st = attr_strings(d->id[i], fn, long_names[i], NULL)))
            return st;
    }
    return EMB_OK;
}

/* Attach dimension scales dims[0 .. rank) to dataset `name` (absent: nothing
 * to do) and write its long_name, units and coordinates attributes. */
static emb_status describe(hid_t f, const char *fn, const ncdims *d, const char *name,
                           const char *long_name, const char *units, int rank, const int *dims)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return EMB_OK;
    emb_status st = EMB_OK;
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0)
        return emb_raise(EMB_EIO, "%s: cannot open dataset %s", fn, name);
    hid_t space = H5Dget_space(ds);
    hsize_t hd[H5S_MAX_RANK];
    int r = space < 0 ? -1 : H5Sget_simple_extent_dims(space, hd, NULL);
    if (space >= 0)
        H5Sclose(space);
    if (r != rank)
        st = emb_raise(EMB_EINTERNAL, "%s: dataset %s has rank %d, its dimensions %d", fn, name, r,
                       rank);
    for (int i = 0; !st && i < rank; i++) {
        if (hd[i] != (hsize_t)d->len[dims[i]])
            st = emb_raise(EMB_EINTERNAL, "%s: dataset %s: axis %d has %llu entries, dimension %s "
                                          "%zu", fn, name, i, (unsigned long long)hd[i],
                           dim_names[dims[i]], d->len[dims[i]]);
        else if (H5DSattach_scale(ds, d->id[dims[i]], (unsigned)i) < 0)
            st = emb_raise(EMB_EIO, "%s: dataset %s: cannot attach dimension %s", fn, name,
                           dim_names[dims[i]]);
    }
    if (!st)
        st = attr_strings(ds, fn, long_name, units);
    /* The labels that belong to an axis without being its index, for
     * xarray (decode_coords) and CF readers. */
    int has_s = 0, has_n = 0;
    for (int i = 0; i < rank; i++) {
        has_s |= dims[i] == D_STRESSOR;
        has_n |= dims[i] == D_SECTOR_INDEX;
    }
    const char *coords = has_s && has_n ? "stressor_units sector_region sector_name"
                         : has_s        ? "stressor_units"
                         : has_n        ? "sector_region sector_name"
                                        : NULL;
    if (!st && coords && strcmp(name, "stressor_units") && strcmp(name, "sector_region") &&
        strcmp(name, "sector_name") && H5Aexists(ds, "coordinates") == 0)
        st = emb_h5_attr_write_string(ds, fn, "coordinates", coords);
    H5Dclose(ds);
    return st;
}

/* A dataset no entry of vars[] names (one a later version adds without
 * describing it here): dimensions from its shape, so that every netCDF-4
 * reader (h5netcdf refuses a dataset without scales) still opens the file. */
static emb_status describe_by_shape(hid_t f, const char *fn, const ncdims *d, const char *name)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0)
        return EMB_OK;
    int skip = H5DSis_scale(ds) > 0 || H5Aexists(ds, "DIMENSION_LIST") > 0;
    hid_t space = H5Dget_space(ds);
    hsize_t hd[H5S_MAX_RANK];
    int r = space < 0 ? -1 : H5Sget_simple_extent_dims(space, hd, NULL);
    if (space >= 0)
        H5Sclose(space);
    H5Dclose(ds);
    if (skip || r < 1 || r > 3)
        return EMB_OK;
    int dims[3];
    for (int i = 0; i < r; i++) {
        /* axis 0 of a matrix is the stressor axis wherever it fits */
        static const int pref0[] = {D_STRESSOR, D_REGION, D_GROUP, D_SECTOR_INDEX, D_SECTOR};
        static const int pref[] = {D_REGION, D_SECTOR_INDEX, D_GROUP, D_SECTOR, D_STRESSOR};
        /* group_* datasets are by group, also where there are as many
         * groups as regions */
        static const int prefg[] = {D_GROUP, D_REGION, D_SECTOR_INDEX, D_SECTOR, D_STRESSOR};
        const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        const int *p = i == 0 && r > 1           ? pref0
                       : !strncmp(base, "group_", 6) ? prefg
                                                     : pref;
        dims[i] = -1;
        for (int j = 0; j < 5 && dims[i] < 0; j++)
            if (d->id[p[j]] >= 0 && d->len[p[j]] == (size_t)hd[i])
                dims[i] = p[j] == D_REGION && r == 3 && i == 1   ? D_ORIGIN
                          : p[j] == D_REGION && r == 3 && i == 2 ? D_DEST
                                                                 : p[j];
        if (dims[i] < 0)
            return EMB_OK; /* no named dimension of that length: netCDF-C names it phony_dim */
    }
    return describe(f, fn, d, name, NULL, NULL, r, dims);
}

typedef struct walk_ctx {
    hid_t loc;
    const char *fn;
    const ncdims *d;
    emb_status st;
} walk_ctx;

static herr_t walk_cb(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    walk_ctx *w = op;
    (void)g;
    (void)info;
    H5O_info_t oi;
    if (H5Oget_info_by_name(w->loc, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
        return 0;
    w->st = describe_by_shape(w->loc, w->fn, w->d, name);
    return w->st ? 1 : 0;
}

static const char *common_unit(const emb_table *t)
{
    for (size_t s = 1; s < t->k; s++)
        if (strcmp(t->stressor_units[s], t->stressor_units[0]))
            return NULL;
    return t->k ? t->stressor_units[0] : NULL;
}

/* The coordinate variables of one HDF5 group (the root, or /eebt, so that
 * xarray.open_dataset(..., group="eebt") has its labels too) and the
 * description of the datasets vars[] places there (in_eebt: names under
 * eebt/), then of any other dataset there, by shape. */
static emb_status describe_loc(hid_t loc, const char *fn, const emb_table *t, int in_eebt,
                               const char *su, const char *mu, const char *xu)
{
    ncdims d;
    for (int i = 0; i < D_COUNT; i++)
        d.id[i] = -1;
    emb_status st = write_coordinates(loc, fn, t, &d);
    for (size_t i = 0; !st && i < sizeof vars / sizeof vars[0]; i++) {
        const ncvar *v = &vars[i];
        if (in_eebt != !strncmp(v->name, "eebt/", 5))
            continue;
        const char *u = v->units == U_STRESSOR     ? su
                        : v->units == U_MONEY      ? xu
                        : v->units == U_MULTIPLIER ? mu
                                                   : NULL;
        int needs_group = 0;
        for (int j = 0; j < v->rank; j++)
            needs_group |= v->dims[j] == D_GROUP;
        if (needs_group && !t->n_groups)
            continue;
        st = describe(loc, fn, &d, in_eebt ? v->name + 5 : v->name, v->long_name, u, v->rank,
                      v->dims);
    }
    /* Whatever else is there (datasets a later change adds). */
    if (!st) {
        walk_ctx w = {loc, fn, &d, EMB_OK};
        if (H5Literate(loc, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, walk_cb, &w) < 0 && !w.st)
            w.st = emb_raise(EMB_EIO, "%s: cannot list the datasets of %s", fn,
                             in_eebt ? "/eebt" : "the root group");
        st = w.st;
    }
    for (int i = 0; i < D_COUNT; i++)
        if (d.id[i] >= 0)
            H5Dclose(d.id[i]);
    return st;
}

static emb_status netcdf_describe(hid_t f, const char *fn, const emb_table *t);

emb_status emb_results_h5_netcdf(hid_t f, const char *fn, const emb_accounts *a,
                                 const emb_table *table)
{
    /* The accounts may hold a subset of the table's stressors (accounts
     * --stressor): the stressor axis is theirs.  A shallow view of the
     * table with those labels serves every step below. */
    emb_table view = *table;
    const emb_table *t = &view;
    char **names = NULL, **units = NULL;
    if (a && a->stressor) {
        size_t k = a->k ? a->k : 1;
        names = emb_alloc(k, sizeof *names, "stressor labels");
        units = emb_alloc(k, sizeof *units, "stressor units");
        if (!names || !units) {
            emb_free(names);
            emb_free(units);
            return EMB_ENOMEM;
        }
        for (size_t s = 0; s < a->k; s++) {
            size_t ts = emb_accounts_stressor_index(a, s);
            names[s] = table->stressors[ts];
            units[s] = table->stressor_units[ts];
        }
        view.k = a->k;
        view.stressors = names;
        view.stressor_units = units;
    }
    emb_status st = netcdf_describe(f, fn, t);
    emb_free(names);
    emb_free(units);
    return st;
}

static emb_status netcdf_describe(hid_t f, const char *fn, const emb_table *t)
{
    /* Units: one string per variable (netCDF, CF); with stressors in
     * different units the variable's unit is that of each stressor row. */
    const char *cu = common_unit(t);
    const char *money = t->monetary_unit && t->monetary_unit[0] ? t->monetary_unit : NULL;
    char su[512], mu[600], xu[512];
    snprintf(su, sizeof su, "%s", cu ? cu : "per stressor: see stressor_units");
    snprintf(mu, sizeof mu, "%s per %s", cu ? cu : "(see stressor_units)",
             money ? money : "unit of output (the table states no monetary unit)");
    snprintf(xu, sizeof xu, "%s", money ? money : "unknown (the table states no monetary unit)");
    emb_status st = describe_loc(f, fn, t, 0, su, mu, xu);
    if (!st && H5Lexists(f, "eebt", H5P_DEFAULT) > 0) {
        hid_t e = H5Gopen2(f, "eebt", H5P_DEFAULT);
        if (e < 0)
            return emb_raise(EMB_EIO, "%s: cannot open group /eebt", fn);
        st = describe_loc(e, fn, t, 1, su, mu, xu);
        H5Gclose(e);
    }
    /* Each /groups/NAME (the members of a group) is its own coordinate
     * variable: a dimension NAME in the group "groups". */
    if (!st && t->n_groups && H5Lexists(f, "groups", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "groups", H5P_DEFAULT);
        if (g < 0)
            st = emb_raise(EMB_EIO, "%s: cannot open group /groups", fn);
        for (size_t i = 0; !st && i < t->n_groups; i++) {
            hid_t ds = -1;
            if (!(st = set_scale(g, fn, t->groups[i].name, &ds)))
                st = attr_strings(ds, fn, "member regions of the group", NULL);
            if (ds >= 0)
                H5Dclose(ds);
        }
        if (g >= 0)
            H5Gclose(g);
    }
    if (!st)
        st = emb_h5_attr_write_string(
            f, fn, "dimension_order",
            "C order: each variable's dimensions are listed slowest-varying first (as netCDF-C, "
            "xarray and h5py show them); column-major readers (R ncdf4/hdf5r, Fortran, Julia) "
            "show the same dimension names in reverse order: find an axis by its name");
    return st;
}
