/* src/results/results_read.c — a results HDF5 file read back (the file
 * emb_results_write_h5 writes): its labels and groups as a table without
 * matrices, its stored accounts as emb_accounts, so that `flows` and
 * `accounts` answer from a results file without solving anything; and the
 * group accounts of groups defined afterwards (sums over member regions). */
#include "accounts/accounts_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/table_impl.h"
#include "embodied/results.h"
#include "io/h5util.h"

#include <string.h>

#define RESULTS_FORMAT "embodied-results"

emb_status emb_results_probe(const char *path, int *is_results)
{
    *is_results = 0;
    if (!path)
        return emb_raise(EMB_EUSAGE, "emb_results_probe: path is NULL");
    emb_h5_init();
    htri_t h5 = H5Fis_hdf5(path);
    if (h5 <= 0)
        return EMB_OK; /* not HDF5 (or unreadable): the table reader says which */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return EMB_OK;
    char *fmt = NULL;
    int present = 0;
    emb_status st = emb_h5_attr_read_string(f, path, "results_format", &fmt, &present);
    if (!st && present && !strcmp(fmt, RESULTS_FORMAT))
        *is_results = 1;
    emb_free(fmt);
    H5Fclose(f);
    emb_errclear();
    return EMB_OK;
}

/* Dataset `name` of rank dims[] into a new array; absent and optional:
 * *out = NULL. */
static emb_status rd(hid_t loc, const char *fn, const char *name, int rank, const size_t *dims,
                     int optional, double **out)
{
    *out = NULL;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
        if (optional)
            return EMB_OK;
        return emb_raise(EMB_EINPUT, "%s: results dataset %s is missing", fn, name);
    }
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        if (emb_mul_overflows(n, dims[i], &n))
            return emb_raise(EMB_EINPUT, "%s: dataset %s: too large", fn, name);
    if (!(*out = emb_alloc(n ? n : 1, sizeof **out, name)))
        return EMB_ENOMEM;
    emb_status st = emb_h5_read_doubles(loc, fn, name, rank, dims, *out);
    if (st) {
        emb_free(*out);
        *out = NULL;
    }
    return st;
}

static emb_status labels(hid_t f, const char *fn, const char *name, size_t expect, char ***out,
                         size_t *n)
{
    emb_status st = emb_h5_probe_strings(f, fn, name, n, NULL);
    if (!st && expect && *n != expect)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has %zu entries, expected %zu", fn, name, *n,
                         expect);
    if (!st && *n == 0)
        return emb_raise(EMB_EINPUT, "%s: dataset %s is empty", fn, name);
    if (!st)
        st = emb_h5_read_strings(f, fn, name, *n, 0, out, n);
    return st;
}

static void attr_double(hid_t f, const char *name, double *v)
{
    if (H5Aexists(f, name) <= 0)
        return;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
        double d;
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &d) >= 0)
            *v = d;
        H5Aclose(a);
    }
}

/* The table side: labels, units, monetary unit, year, groups. */
static emb_status read_table(hid_t f, const char *fn, emb_table **out)
{
    char **reg = NULL, **sec = NULL, **str = NULL, **uni = NULL, **gn = NULL;
    size_t R = 0, ns = 0, k = 0, ku = 0, G = 0;
    emb_table *t = NULL;
    emb_status st;
    if ((st = labels(f, fn, "regions", 0, &reg, &R)) || (st = labels(f, fn, "sectors", 0, &sec, &ns)) ||
        (st = labels(f, fn, "stressors", 0, &str, &k)) ||
        (st = labels(f, fn, "stressor_units", k, &uni, &ku)) ||
        (st = emb_table_create(R, ns, 1, k, EMB_TECH_Z, 0, &t)) || (st = emb_table_set_path(t, fn)) ||
        (st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "final demand")))
        goto done;
    for (size_t i = 0; !st && i < R; i++)
        st = emb_table_set_label(t, EMB_LABEL_REGION, i, reg[i]);
    for (size_t i = 0; !st && i < ns; i++)
        st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, sec[i]);
    for (size_t i = 0; !st && i < k; i++)
        if (!(st = emb_table_set_label(t, EMB_LABEL_STRESSOR, i, str[i])))
            st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, i, uni[i]);
    if (st)
        goto done;
    int present = 0;
    long year = 0;
    if ((st = emb_h5_attr_read_string(f, fn, "monetary_unit", &t->monetary_unit, &present)) ||
        (st = emb_h5_attr_read_long(f, fn, "year", &year, &present)))
        goto done;
    if (present && year > 0 && year < 100000)
        t->year = (int)year;
    if (H5Lexists(f, "group_names", H5P_DEFAULT) > 0) {
        if ((st = labels(f, fn, "group_names", 0, &gn, &G)))
            goto done;
        hid_t g = H5Gopen2(f, "groups", H5P_DEFAULT);
        if (g < 0) {
            st = emb_raise(EMB_EINPUT, "%s: /group_names without the group /groups", fn);
            goto done;
        }
        for (size_t i = 0; !st && i < G; i++) {
            char **mem = NULL;
            size_t nm = 0;
            if (!(st = labels(g, fn, gn[i], 0, &mem, &nm)))
                st = emb_table_add_group(t, gn[i], nm, (const char *const *)mem);
            emb_strv_free(mem, nm);
        }
        H5Gclose(g);
    }
done:
    emb_strv_free(reg, R);
    emb_strv_free(sec, ns);
    emb_strv_free(str, k);
    emb_strv_free(uni, ku);
    emb_strv_free(gn, G);
    if (st)
        emb_table_free(t);
    else
        *out = t;
    return st;
}

/* The accounts side: every dataset the writer stores, those it writes only
 * when asked for optional. */
static emb_status read_accounts(hid_t f, const char *fn, const emb_table *t, emb_accounts *a)
{
    size_t k = t->k, R = t->n_r, N = t->N, G = t->n_groups;
    size_t kR[2] = {k, R}, kRR[3] = {k, R, R}, kN[2] = {k, N}, kNR[3] = {k, N, R}, vN[1] = {N},
           kG[2] = {k, G};
    a->k = k, a->n_r = R, a->n_s = t->n_s, a->N = N, a->n_groups = G;
    emb_status st;
    if ((st = rd(f, fn, "pba", 2, kR, 0, &a->pba)) || (st = rd(f, fn, "cba", 2, kR, 0, &a->cba)) ||
        (st = rd(f, fn, "imports", 2, kR, 0, &a->imports)) ||
        (st = rd(f, fn, "exports", 2, kR, 0, &a->exports)) ||
        (st = rd(f, fn, "unallocated", 2, kR, 0, &a->unallocated)) ||
        (st = rd(f, fn, "fy", 2, kR, 0, &a->fy)) || (st = rd(f, fn, "flows", 3, kRR, 0, &a->flows)) ||
        (st = rd(f, fn, "M", 2, kN, 0, &a->M)) || (st = rd(f, fn, "x", 1, vN, 0, &a->x)) ||
        (st = rd(f, fn, "D_cba", 2, kN, 1, &a->D_cba)) ||
        (st = rd(f, fn, "D_pba", 2, kN, !a->D_cba, &a->D_pba)) ||
        (st = rd(f, fn, "D_imp", 2, kN, !a->D_cba, &a->D_imp)) ||
        (st = rd(f, fn, "D_exp", 2, kN, !a->D_cba, &a->D_exp)) ||
        (st = rd(f, fn, "flows_by_sector", 3, kNR, 1, &a->flows_by_sector)) ||
        (st = rd(f, fn, "tcba", 2, kR, 1, &a->tcba)))
        return st;
    if (G && ((st = rd(f, fn, "group_pba", 2, kG, 0, &a->g_pba)) ||
              (st = rd(f, fn, "group_cba", 2, kG, 0, &a->g_cba)) ||
              (st = rd(f, fn, "group_imports", 2, kG, 0, &a->g_imports)) ||
              (st = rd(f, fn, "group_exports", 2, kG, 0, &a->g_exports)) ||
              (st = rd(f, fn, "group_unallocated", 2, kG, 0, &a->g_unallocated)) ||
              (st = rd(f, fn, "group_tcba", 2, kG, !a->tcba, &a->g_tcba))))
        return st;
    if (H5Lexists(f, "eebt", H5P_DEFAULT) > 0) {
        hid_t e = H5Gopen2(f, "eebt", H5P_DEFAULT);
        if (e < 0)
            return emb_raise(EMB_EINPUT, "%s: cannot open group /eebt", fn);
        if (!(st = rd(e, fn, "cba", 2, kR, 0, &a->eebt_cba)) &&
            !(st = rd(e, fn, "imports", 2, kR, 0, &a->eebt_imports)) &&
            !(st = rd(e, fn, "exports", 2, kR, 0, &a->eebt_exports)) &&
            !(st = rd(e, fn, "flows", 3, kRR, 0, &a->eebt_flows)) &&
            !(st = rd(e, fn, "m_dom", 2, kN, 0, &a->m_dom)) &&
            !(st = rd(e, fn, "flows_by_sector", 3, kNR, 1, &a->eebt_flows_by_sector)) && G &&
            !(st = rd(e, fn, "group_cba", 2, kG, 0, &a->g_eebt_cba)) &&
            !(st = rd(e, fn, "group_imports", 2, kG, 0, &a->g_eebt_imports)))
            st = rd(e, fn, "group_exports", 2, kG, 0, &a->g_eebt_exports);
        attr_double(e, "max_residual_domestic", &a->residual_domestic);
        attr_double(e, "identity_error", &a->eebt_identity_error);
        H5Gclose(e);
        if (st)
            return st;
    }
    attr_double(f, "max_residual_solve", &a->residual_solve);
    attr_double(f, "max_residual_multipliers", &a->residual_tsolve);
    attr_double(f, "rcond_inf", &a->rcond);
    long v;
    int present;
    if (!emb_h5_attr_read_long(f, fn, "zero_output_sectors", &v, &present) && present && v >= 0)
        a->n_zero_output = (size_t)v;
    if (!emb_h5_attr_read_long(f, fn, "negative_final_demand_entries", &v, &present) && present &&
        v >= 0)
        a->n_negative_Y = (size_t)v;
    emb_errclear();
    return EMB_OK;
}

emb_status emb_results_read_h5(const char *path, emb_table **table, emb_accounts **acc)
{
    if (!table || !acc)
        return emb_raise(EMB_EUSAGE, "emb_results_read_h5: table or acc is NULL");
    *table = NULL;
    *acc = NULL;
    if (!path)
        return emb_raise(EMB_EUSAGE, "emb_results_read_h5: path is NULL");
    emb_h5_init();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return emb_raise(EMB_EIO, "%s: cannot open as an HDF5 file", path);
    char *fmt = NULL;
    int present = 0;
    long ver = 0;
    emb_table *t = NULL;
    emb_accounts *a = NULL;
    emb_status st = emb_h5_attr_read_string(f, path, "results_format", &fmt, &present);
    if (!st && (!present || strcmp(fmt, RESULTS_FORMAT)))
        st = emb_raise(EMB_EINPUT, "%s: not an embodied results file (root attribute "
                                   "results_format is not '" RESULTS_FORMAT "')", path);
    if (!st && !(st = emb_h5_attr_read_long(f, path, "results_format_version", &ver, &present)) &&
        (!present || ver != 1))
        st = emb_raise(EMB_EINPUT, "%s: results format version %ld: this version of embodied "
                                   "reads version 1", path, present ? ver : 0L);
    if (!st)
        st = read_table(f, path, &t);
    if (!st && !(a = emb_calloc(1, sizeof *a, "accounts")))
        st = EMB_ENOMEM;
    if (!st)
        st = read_accounts(f, path, t, a);
    emb_free(fmt);
    H5Fclose(f);
    /* What was stored must still be accounts: the identities of
     * emb_accounts_check (world PBA = world CBA, flow row and column sums,
     * CBA = PBA + imports - exports) within 1e-9, so that an edited or
     * damaged file is refused rather than answered from. */
    double worst = 0;
    if (!st && !(st = emb_accounts_identities(a, 1e-9, &worst, path)))
        a->identity_error = worst;
    if (st) {
        emb_accounts_free(a);
        emb_table_free(t);
        return st;
    }
    *table = t;
    *acc = a;
    return EMB_OK;
}

/* dst[s][g] = sum over the members r of group g of src[s][r]. */
static double *group_sums(const emb_table *t, const double *src, size_t k)
{
    size_t R = t->n_r, G = t->n_groups, kG = k * G;
    double *dst = emb_calloc(kG > 0 ? kG : 1, sizeof *dst, "group accounts");
    for (size_t g = 0; dst && g < G; g++)
        for (size_t m = 0; m < t->groups[g].n; m++)
            for (size_t s = 0; s < k; s++)
                dst[s * G + g] += src[s * R + t->groups[g].members[m]];
    return dst;
}

emb_status emb_results_regroup(emb_accounts *a, const emb_table *t)
{
    if (!a || !t)
        return emb_raise(EMB_EUSAGE, "emb_results_regroup: accounts or table is NULL");
    if (a->k != t->k || a->n_r != t->n_r || a->N != t->N)
        return emb_raise(EMB_EUSAGE, "emb_results_regroup: the accounts are not of this table");
    const double *src[] = {a->pba, a->cba, a->imports, a->exports, a->unallocated, a->tcba,
                           a->eebt_cba, a->eebt_imports, a->eebt_exports};
    double **dst[] = {&a->g_pba, &a->g_cba, &a->g_imports, &a->g_exports, &a->g_unallocated,
                      &a->g_tcba, &a->g_eebt_cba, &a->g_eebt_imports, &a->g_eebt_exports};
    enum { NSUM = sizeof src / sizeof src[0] };
    double *out[NSUM] = {NULL};
    for (size_t i = 0; i < NSUM; i++)
        if (src[i] && !(out[i] = group_sums(t, src[i], a->k))) {
            for (size_t j = 0; j < i; j++)
                emb_free(out[j]);
            return EMB_ENOMEM;
        }
    for (size_t i = 0; i < NSUM; i++) {
        emb_free(*dst[i]);
        *dst[i] = out[i];
    }
    a->n_groups = t->n_groups;
    return EMB_OK;
}
