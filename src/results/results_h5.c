/* src/results/results_h5.c — the results HDF5 file: accounts, flows, multipliers,
 * labels and provenance (layout in README "Outputs"), written atomically. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/sha256.h"
#include "embodied/results.h"
#include "embodied/version.h"
#include "io/atomic.h"
#include "io/h5util.h"
#include "results/results_nc.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

/* dst = ex - im elementwise (the balance of emissions embodied in trade). */
static double *balance(const double *ex, const double *im, size_t n)
{
    double *b = emb_alloc(n ? n : 1, sizeof *b, "balance");
    for (size_t i = 0; b && i < n; i++)
        b[i] = ex[i] - im[i];
    return b;
}

/* /balance and /group_balance = exports - imports, and the tcba columns when
 * computed (src/analysis/tcba.c). */
static emb_status write_trade_balance(hid_t f, const char *fn, const emb_accounts *a)
{
    size_t k = a->k, R = a->n_r, G = a->n_groups, kR[2] = {k, R}, kG[2] = {k, G};
    emb_status st = EMB_OK;
    double *b = balance(a->exports, a->imports, k * R);
    if (!b)
        return EMB_ENOMEM;
    st = emb_h5_write_doubles(f, fn, "balance", 2, kR, b, 0);
    emb_free(b);
    if (!st && G) {
        if (!(b = balance(a->g_exports, a->g_imports, k * G)))
            return EMB_ENOMEM;
        st = emb_h5_write_doubles(f, fn, "group_balance", 2, kG, b, 0);
        emb_free(b);
    }
    if (!st && a->tcba && !(st = emb_h5_write_doubles(f, fn, "tcba", 2, kR, a->tcba, 0)) && G)
        st = emb_h5_write_doubles(f, fn, "group_tcba", 2, kG, a->g_tcba, 0);
    return st;
}

/* /eebt: pba (the MRIO PBA), cba, imports, exports, balance [k][n_r], flows
 * [k][n_r][n_r], m_dom [k][N], flows_by_sector [k][N][n_r] when computed, and
 * group_* [k][n_groups] (src/analysis/eebt.c). */
static emb_status write_eebt(hid_t f, const char *fn, const emb_accounts *a)
{
    size_t k = a->k, R = a->n_r, N = a->N, G = a->n_groups;
    size_t kR[2] = {k, R}, kRR[3] = {k, R, R}, kN[2] = {k, N}, kNR[3] = {k, N, R}, kG[2] = {k, G};
    hid_t e = H5Gcreate2(f, "eebt", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (e < 0)
        return emb_raise(EMB_EIO, "%s: cannot create group /eebt", fn);
    emb_status st;
    double *b = balance(a->eebt_exports, a->eebt_imports, k * R), *gb = NULL;
    if (!b || (G && !(gb = balance(a->g_eebt_exports, a->g_eebt_imports, k * G))))
        st = EMB_ENOMEM;
    else if (!(st = emb_h5_write_doubles(e, fn, "pba", 2, kR, a->pba, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "cba", 2, kR, a->eebt_cba, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "imports", 2, kR, a->eebt_imports, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "exports", 2, kR, a->eebt_exports, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "balance", 2, kR, b, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "flows", 3, kRR, a->eebt_flows, 0)) &&
             !(st = emb_h5_write_doubles(e, fn, "m_dom", 2, kN, a->m_dom, 0)) &&
             !(st = emb_h5_attr_write_double(e, fn, "max_residual_domestic", a->residual_domestic)) &&
             !(st = emb_h5_attr_write_double(e, fn, "identity_error", a->eebt_identity_error)) &&
             a->eebt_flows_by_sector)
        st = emb_h5_write_doubles(e, fn, "flows_by_sector", 3, kNR, a->eebt_flows_by_sector, 0);
    if (!st && G &&
        !(st = emb_h5_write_doubles(e, fn, "group_pba", 2, kG, a->g_pba, 0)) &&
        !(st = emb_h5_write_doubles(e, fn, "group_cba", 2, kG, a->g_eebt_cba, 0)) &&
        !(st = emb_h5_write_doubles(e, fn, "group_imports", 2, kG, a->g_eebt_imports, 0)) &&
        !(st = emb_h5_write_doubles(e, fn, "group_exports", 2, kG, a->g_eebt_exports, 0)))
        st = emb_h5_write_doubles(e, fn, "group_balance", 2, kG, gb, 0);
    emb_free(b);
    emb_free(gb);
    H5Gclose(e);
    return st;
}

/* /population, /pba_per_capita, /cba_per_capita (and group_*) when the
 * table has a population; /value_added, /pba_per_value_added,
 * /cba_per_value_added (and group_*) when it has a value-added row
 * (src/accounts/intensity.c). */
static emb_status write_intensities(hid_t f, const char *fn, const emb_accounts *a)
{
    size_t k = a->k, R = a->n_r, G = a->n_groups, vR[1] = {R}, vG[1] = {G}, kR[2] = {k, R},
           kG[2] = {k, G};
    emb_status st = EMB_OK;
    if (a->population &&
        ((st = emb_h5_write_doubles(f, fn, "population", 1, vR, a->population, 0)) ||
         (st = emb_h5_write_doubles(f, fn, "pba_per_capita", 2, kR, a->pba_per_capita, 0)) ||
         (st = emb_h5_write_doubles(f, fn, "cba_per_capita", 2, kR, a->cba_per_capita, 0)) ||
         (G && ((st = emb_h5_write_doubles(f, fn, "group_population", 1, vG, a->g_population, 0)) ||
                (st = emb_h5_write_doubles(f, fn, "group_pba_per_capita", 2, kG,
                                           a->g_pba_per_capita, 0)) ||
                (st = emb_h5_write_doubles(f, fn, "group_cba_per_capita", 2, kG,
                                           a->g_cba_per_capita, 0))))))
        return st;
    if (a->value_added &&
        ((st = emb_h5_write_doubles(f, fn, "value_added", 1, vR, a->value_added, 0)) ||
         (st = emb_h5_write_doubles(f, fn, "pba_per_value_added", 2, kR, a->pba_per_va, 0)) ||
         (st = emb_h5_write_doubles(f, fn, "cba_per_value_added", 2, kR, a->cba_per_va, 0)) ||
         (G && ((st = emb_h5_write_doubles(f, fn, "group_value_added", 1, vG, a->g_value_added, 0)) ||
                (st = emb_h5_write_doubles(f, fn, "group_pba_per_value_added", 2, kG,
                                           a->g_pba_per_va, 0)) ||
                (st = emb_h5_write_doubles(f, fn, "group_cba_per_value_added", 2, kG,
                                           a->g_cba_per_va, 0))))))
        return st;
    return EMB_OK;
}

/* /stressors and /stressor_units: the labels of the accounts' rows (a subset
 * of the table's when opts.stressors chose one). */
static emb_status write_stressor_labels(hid_t f, const char *fn, const emb_accounts *a,
                                        const emb_table *t)
{
    const char **names = emb_alloc(2 * a->k + 1, sizeof *names, "stressor labels");
    if (!names)
        return EMB_ENOMEM;
    for (size_t s = 0; s < a->k; s++) {
        size_t ts = emb_accounts_stressor_index(a, s);
        names[s] = t->stressors[ts], names[a->k + s] = t->stressor_units[ts];
    }
    emb_status st = emb_h5_write_strings(f, fn, "stressors", a->k, names);
    if (!st)
        st = emb_h5_write_strings(f, fn, "stressor_units", a->k, names + a->k);
    emb_free(names);
    return st;
}

static emb_status write_all(hid_t f, const char *fn, const emb_accounts *a, const emb_table *t)
{
    emb_status st;
    size_t k = a->k, R = a->n_r, N = a->N, G = a->n_groups;
    size_t kR[2] = {k, R}, kRR[3] = {k, R, R}, kN[2] = {k, N}, kNR[3] = {k, N, R}, vN[1] = {N},
           kG[2] = {k, G};
    if ((st = emb_h5_write_strings(f, fn, "regions", R, (const char *const *)t->regions)) ||
        (st = emb_h5_write_strings(f, fn, "sectors", t->n_s, (const char *const *)t->sectors)) ||
        (st = write_stressor_labels(f, fn, a, t)) ||
        (st = emb_h5_write_doubles(f, fn, "pba", 2, kR, a->pba, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "cba", 2, kR, a->cba, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "imports", 2, kR, a->imports, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "exports", 2, kR, a->exports, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "unallocated", 2, kR, a->unallocated, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "fy", 2, kR, a->fy, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "flows", 3, kRR, a->flows, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "M", 2, kN, a->M, 0)) ||
        (st = emb_h5_write_doubles(f, fn, "x", 1, vN, a->x, 0)) ||
        (st = write_trade_balance(f, fn, a)) || (a->eebt_cba && (st = write_eebt(f, fn, a))) ||
        (st = write_intensities(f, fn, a)))
        return st;
    if (a->D_cba && ((st = emb_h5_write_doubles(f, fn, "D_cba", 2, kN, a->D_cba, 0)) ||
                     (st = emb_h5_write_doubles(f, fn, "D_pba", 2, kN, a->D_pba, 0)) ||
                     (st = emb_h5_write_doubles(f, fn, "D_imp", 2, kN, a->D_imp, 0)) ||
                     (st = emb_h5_write_doubles(f, fn, "D_exp", 2, kN, a->D_exp, 0))))
        return st;
    if (a->flows_by_sector &&
        (st = emb_h5_write_doubles(f, fn, "flows_by_sector", 3, kNR, a->flows_by_sector, 0)))
        return st;
    if (G) {
        const char *names[G];
        for (size_t g = 0; g < G; g++)
            names[g] = t->groups[g].name;
        if ((st = emb_h5_write_strings(f, fn, "group_names", G, names)) ||
            (st = emb_h5_write_doubles(f, fn, "group_pba", 2, kG, a->g_pba, 0)) ||
            (st = emb_h5_write_doubles(f, fn, "group_cba", 2, kG, a->g_cba, 0)) ||
            (st = emb_h5_write_doubles(f, fn, "group_imports", 2, kG, a->g_imports, 0)) ||
            (st = emb_h5_write_doubles(f, fn, "group_exports", 2, kG, a->g_exports, 0)) ||
            (st = emb_h5_write_doubles(f, fn, "group_unallocated", 2, kG, a->g_unallocated, 0)))
            return st;
        hid_t grp = H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (grp < 0)
            return emb_raise(EMB_EIO, "%s: cannot create group /groups", fn);
        for (size_t g = 0; g < G && !st; g++) {
            const char *mem[t->groups[g].n];
            for (size_t m = 0; m < t->groups[g].n; m++)
                mem[m] = t->regions[t->groups[g].members[m]];
            st = emb_h5_write_strings(grp, fn, t->groups[g].name, t->groups[g].n, mem);
        }
        H5Gclose(grp);
        if (st)
            return st;
    }
    /* Provenance. */
    char date[64];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    struct stat sb;
    long size = t->path && t->path[0] && stat(t->path, &sb) == 0 ? (long)sb.st_size : -1;
    if ((st = emb_h5_attr_write_string(f, fn, "results_format", "embodied-results")) ||
        (st = emb_h5_attr_write_long(f, fn, "results_format_version", 1)) ||
        (st = emb_h5_attr_write_string(f, fn, "input_file", t->path ? t->path : "")) ||
        (st = emb_h5_attr_write_long(f, fn, "input_size_bytes", size)) ||
        (st = emb_h5_attr_write_string(f, fn, "embodied_version", emb_version())) ||
        (st = emb_h5_attr_write_string(f, fn, "blas", emb_blas_info())) ||
        (st = emb_h5_attr_write_string(f, fn, "solver", emb_solver_name(a->solver.kind))) ||
        (st = emb_h5_attr_write_string(f, fn, "solver_requested",
                                       emb_solver_name(a->solver.requested))) ||
        (st = emb_h5_attr_write_string(f, fn, "solver_explain", a->solver.explain)) ||
        (st = emb_h5_attr_write_long(f, fn, "solver_fell_back", a->solver.fell_back)) ||
        (st = emb_h5_attr_write_long(f, fn, "refinement_steps", (long)a->solver.refinement_steps)) ||
        (st = emb_h5_attr_write_long(f, fn, "passes_over_table", (long)a->solver.n_passes)) ||
        (st = emb_h5_attr_write_double(f, fn, "max_residual_solve", a->residual_solve)) ||
        (st = emb_h5_attr_write_double(f, fn, "max_residual_multipliers", a->residual_tsolve)) ||
        (st = emb_h5_attr_write_double(f, fn, "rcond_inf", a->rcond)) ||
        (st = emb_h5_attr_write_double(f, fn, "identity_error", a->identity_error)) ||
        (st = emb_h5_attr_write_long(f, fn, "zero_output_sectors", (long)a->n_zero_output)) ||
        (st = emb_h5_attr_write_long(f, fn, "negative_final_demand_entries", (long)a->n_negative_Y)) ||
        (st = emb_h5_attr_write_string(f, fn, "created", date)))
        return st;
    if (t->monetary_unit && (st = emb_h5_attr_write_string(f, fn, "monetary_unit", t->monetary_unit)))
        return st;
    if (t->year && (st = emb_h5_attr_write_long(f, fn, "year", t->year)))
        return st;
    /* The run's data facts as the CLI prints them (one per line), for the report. */
    size_t wl = emb_accounts_warnings(a, t, NULL, 0);
    if (wl) {
        char *w = emb_alloc(wl + 1, 1, "warnings");
        if (!w)
            return EMB_ENOMEM;
        emb_accounts_warnings(a, t, w, wl + 1);
        st = emb_h5_attr_write_string(f, fn, "warnings", w);
        emb_free(w);
        if (st)
            return st;
    }
    /* The input's SHA-256, so a result names exactly the table it came from
     * (a batch computes it first; the memo makes this a lookup).  A table
     * built in memory, or whose file is gone, has none. */
    char sha[65];
    if (size >= 0 && emb_sha256_file(t->path, sha) == EMB_OK &&
        (st = emb_h5_attr_write_string(f, fn, "input_sha256", sha)))
        return st;
    return emb_results_h5_netcdf(f, fn, a, t);
}

emb_status emb_results_write_h5(const emb_accounts *a, const emb_table *t, const char *path)
{
    emb_h5_init();
    emb_atomic at;
    emb_status st = emb_atomic_begin(&at, path);
    if (st)
        return st;
    hid_t f = H5Fcreate(at.tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { /* name the output, raised before abort frees the temporary's name */
        st = emb_raise(EMB_EIO, "%s: cannot create the HDF5 results file (temporary %s)", path,
                       at.tmp_path);
        emb_atomic_abort(&at);
        return st;
    }
    st = write_all(f, path, a, t);
    if (H5Fclose(f) < 0 && !st)
        st = emb_raise(EMB_EIO, "%s: closing the HDF5 file failed (disk full?)", path);
    if (!st)
        st = emb_atomic_commit(&at);
    emb_atomic_abort(&at);
    return st;
}
