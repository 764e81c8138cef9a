/* src/analysis/drilldown.c — the drill-down of one trade pair (origin O,
 * destination D) by origin sector, by final product or both, its sum checks
 * against the accounts' B[O][D], and its writer (include/embodied/drilldown.h;
 * README "Drill-down of a trade pair").  S and y_D come from the staged
 * accounts (emb_accounts_rhs), the pair's flow from the accounts solved with
 * the caller's solver, and every view from its own solves with that solver. */
#include "embodied/drilldown.h"

#include "accounts/accounts_impl.h" /* EMB_RESIDUAL_LIMIT, EMB_IDENTITY_TOL_DEFAULT, EMB_RHS_BATCH */
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "embodied/accounts.h"
#include "results/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct emb_drilldown {
    size_t k, n_r, n_s;
    emb_drilldown_by by;
    char *origin, *destination;
    double *flow;            /* [k] B[O][D] from the accounts */
    size_t *off;             /* [k + 1] rows of stressor s: off[s] .. off[s+1] */
    emb_drilldown_row *rows; /* [off[k]] */
    double identity_error;
};

/* Rows of one stressor while they are produced. */
typedef struct rowvec {
    emb_drilldown_row *v;
    size_t n, cap;
} rowvec;

static emb_status push(rowvec *rv, long orr, long os, long pr, long ps, double value)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? 2 * rv->cap : 256;
        emb_drilldown_row *v = emb_realloc(rv->v, cap, sizeof *v, "drill-down rows");
        if (!v)
            return EMB_ENOMEM;
        rv->v = v, rv->cap = cap;
    }
    rv->v[rv->n++] = (emb_drilldown_row){orr, os, pr, ps, value};
    return EMB_OK;
}

static const char *view_name(emb_drilldown_by by)
{
    return by == EMB_DRILL_ORIGIN_SECTOR   ? "origin-sector"
           : by == EMB_DRILL_FINAL_PRODUCT ? "final-product"
           : by == EMB_DRILL_BOTH          ? "both"
                                           : "?";
}

emb_status emb_drilldown_parse_by(const char *s, emb_drilldown_by *by)
{
    static const emb_drilldown_by all[] = {EMB_DRILL_ORIGIN_SECTOR, EMB_DRILL_FINAL_PRODUCT,
                                           EMB_DRILL_BOTH};
    for (size_t i = 0; s && i < 3; i++)
        if (!strcmp(s, view_name(all[i]))) {
            *by = all[i];
            return EMB_OK;
        }
    return emb_raise(EMB_EUSAGE, "--by: '%s' is not one of origin-sector, final-product, both",
                     s ? s : "(null)");
}

void emb_drilldown_free(emb_drilldown *dd)
{
    if (!dd)
        return;
    emb_free(dd->origin);
    emb_free(dd->destination);
    emb_free(dd->flow);
    emb_free(dd->off);
    emb_free(dd->rows);
    emb_free(dd);
}

/* Largest |value| first; ties in index order, so the output is deterministic. */
static int row_cmp(const void *pa, const void *pb)
{
    const emb_drilldown_row *a = pa, *b = pb;
    double x = fabs(a->value), y = fabs(b->value);
    if (x != y)
        return x > y ? -1 : 1;
    const long ka[4] = {a->origin_region, a->origin_sector, a->product_region, a->product_sector};
    const long kb[4] = {b->origin_region, b->origin_sector, b->product_region, b->product_sector};
    for (int i = 0; i < 4; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

/* Sum with Neumaier's compensation: the check must not blame the views for
 * the rounding of a long sum of terms of both signs. */
static void comp_sum(const emb_drilldown_row *v, size_t n, double *sum, double *sumabs)
{
    double s = 0, c = 0, a = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i].value, u = s + x;
        c += fabs(s) >= fabs(x) ? (s - u) + x : (x - u) + s;
        s = u;
        a += fabs(x);
    }
    *sum = s + c;
    *sumabs = a;
}

static emb_status check_residual(double res, const char *what, const char *tn)
{
    if (!(res <= EMB_RESIDUAL_LIMIT))
        return emb_raise(EMB_ENUMERIC, "%s: drill-down: the %s solves have relative residual %.3g "
                                       "> %.0e: the system is too ill-conditioned for the result "
                                       "to mean anything", tn, what, res, EMB_RESIDUAL_LIMIT);
    return EMB_OK;
}

typedef struct work {
    const emb_table *t;
    emb_leontief *lf;
    size_t N, k, ns;
    const size_t *om, *dm;
    size_t on, dn;
    double *S;  /* N x k column-major: column s = S[s, :] */
    double *yD; /* [N] final demand of D's regions */
    rowvec *rv; /* [k] */
} work;

static emb_status by_origin_sector(work *w)
{
    size_t N = w->N;
    double *X = emb_alloc(N, sizeof(double), "L y_D");
    if (!X)
        return EMB_ENOMEM;
    memcpy(X, w->yD, N * sizeof(double));
    double rd, rt;
    emb_status st = emb_leontief_solve_checked(w->lf, 1, X, 0, NULL, &rd, &rt);
    if (!st)
        st = check_residual(rd, "L y_D", emb_accounts_table_name(w->t));
    for (size_t s = 0; s < w->k && !st; s++)
        for (size_t m = 0; m < w->on && !st; m++)
            for (size_t j = 0; j < w->ns && !st; j++) {
                size_t i = w->om[m] * w->ns + j;
                st = push(&w->rv[s], (long)w->om[m], (long)j, -1, -1, w->S[s * N + i] * X[i]);
            }
    emb_free(X);
    return st;
}

static emb_status by_final_product(work *w)
{
    size_t N = w->N, k = w->k;
    /* Column s: S[s] restricted to O's rows; (I - A)^T m = s_O gives
     * m^T = s_O^T L, so m[p] = (S restricted to O) L e_p. */
    double *Mt = emb_calloc(N, k * sizeof(double), "multipliers restricted to the origin");
    if (!Mt)
        return EMB_ENOMEM;
    for (size_t s = 0; s < k; s++)
        for (size_t m = 0; m < w->on; m++)
            memcpy(Mt + s * N + w->om[m] * w->ns, w->S + s * N + w->om[m] * w->ns,
                   w->ns * sizeof(double));
    double rd, rt;
    emb_status st = emb_leontief_solve_checked(w->lf, 0, NULL, k, Mt, &rd, &rt);
    if (!st)
        st = check_residual(rt, "multiplier", emb_accounts_table_name(w->t));
    for (size_t s = 0; s < k && !st; s++)
        for (size_t p = 0; p < N && !st; p++)
            st = push(&w->rv[s], -1, -1, (long)(p / w->ns), (long)(p % w->ns),
                      Mt[s * N + p] * w->yD[p]);
    emb_free(Mt);
    return st;
}

static emb_status by_both(work *w)
{
    size_t N = w->N, ns = w->ns, nO = w->on * ns;
    size_t batch = nO < EMB_RHS_BATCH ? nO : EMB_RHS_BATCH;
    double *Lr = emb_alloc(N, batch * sizeof(double), "rows of L");
    if (!Lr)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    for (size_t c0 = 0; c0 < nO && !st; c0 += batch) {
        size_t nc = nO - c0 < batch ? nO - c0 : batch;
        if ((st = emb_ctx_poll("drill-down: rows of L")))
            break;
        /* (I - A)^T l = e_i: l is row i of L. */
        memset(Lr, 0, N * nc * sizeof(double));
        for (size_t c = 0; c < nc; c++) {
            size_t q = c0 + c, i = w->om[q / ns] * ns + q % ns;
            Lr[c * N + i] = 1.0;
        }
        double rd, rt;
        if ((st = emb_leontief_solve_checked(w->lf, 0, NULL, nc, Lr, &rd, &rt)) ||
            (st = check_residual(rt, "rows of L", emb_accounts_table_name(w->t))))
            break;
        for (size_t c = 0; c < nc && !st; c++) {
            size_t q = c0 + c, r = w->om[q / ns], j = q % ns, i = r * ns + j;
            for (size_t s = 0; s < w->k && !st; s++) {
                double si = w->S[s * N + i];
                if (si == 0)
                    continue;
                for (size_t p = 0; p < N && !st; p++) {
                    double v = si * Lr[c * N + p] * w->yD[p];
                    if (v != 0) /* entries that are exactly zero change no sum: left out */
                        st = push(&w->rv[s], (long)r, (long)j, (long)(p / ns), (long)(p % ns), v);
                }
            }
        }
    }
    emb_free(Lr);
    return st;
}

/* The pair's flow for every stressor, from the staged accounts solved with
 * lf, and S and y_D from the same preparation. */
static emb_status accounts_side(work *w, const char *origin, const char *destination,
                                const emb_context *ctx, double *flow)
{
    emb_accounts_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.ctx = ctx;
    emb_accounts_prep *prep = NULL;
    emb_accounts *acc = NULL;
    double *col = NULL;
    size_t N = w->N;
    emb_status st = emb_accounts_prepare(w->t, emb_leontief_x(w->lf), &ao, &prep);
    if (st)
        return st;
    if ((st = emb_accounts_rhs(prep, EMB_ACCOUNTS_TRANSPOSED, 0, w->k, w->S, N)))
        goto done;
    st = EMB_ENOMEM;
    if (!(col = emb_alloc(N, sizeof(double), "final demand of one region")))
        goto done;
    for (size_t q = 0; q < w->dn; q++) {
        if ((st = emb_accounts_rhs(prep, EMB_ACCOUNTS_DIRECT, w->dm[q], 1, col, N)))
            goto done;
        for (size_t i = 0; i < N; i++)
            w->yD[i] += col[i];
    }
    if ((st = emb_accounts_solve_all(prep, w->lf)) || (st = emb_accounts_assemble(prep, &acc)))
        goto done;
    for (size_t s = 0; s < w->k && !st; s++)
        st = emb_accounts_flow(acc, w->t, s, origin, destination, &flow[s]);
done:
    emb_free(col);
    emb_accounts_free(acc);
    emb_accounts_prep_free(prep);
    return st;
}

static emb_status compute(const emb_table *t, emb_leontief *lf, const char *origin,
                          const char *destination, const emb_drilldown_opts *o,
                          emb_drilldown **out)
{
    const char *tn = emb_accounts_table_name(t);
    if (o->by != EMB_DRILL_ORIGIN_SECTOR && o->by != EMB_DRILL_FINAL_PRODUCT &&
        o->by != EMB_DRILL_BOTH)
        return emb_raise(EMB_EUSAGE, "emb_drilldown_compute: unknown view %d", (int)o->by);
    if (t->k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors: nothing to drill down", tn);
    work w = {.t = t, .lf = lf, .N = t->N, .k = t->k, .ns = t->n_s};
    size_t one_o, one_d;
    emb_status st;
    if ((st = emb_table_resolve_unit(t, origin, &w.om, &w.on, &one_o)) ||
        (st = emb_table_resolve_unit(t, destination, &w.dm, &w.dn, &one_d)))
        return st;
    size_t N = w.N, k = w.k, nO = w.on * w.ns;
    /* The plan: S, y_D, the solves' columns and the rows (their bound). */
    double rows_max = (double)k * (o->by == EMB_DRILL_ORIGIN_SECTOR   ? (double)nO
                                   : o->by == EMB_DRILL_FINAL_PRODUCT ? (double)N
                                                                      : (double)nO * (double)N);
    emb_plan plan;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "S", (double)k, (double)N, sizeof(double));
    emb_plan_add(&plan, "right-hand sides", (double)N,
                 o->by == EMB_DRILL_BOTH ? (double)(nO < EMB_RHS_BATCH ? nO : EMB_RHS_BATCH)
                                         : (double)k + 1, 2 * sizeof(double));
    emb_plan_add(&plan, "drill-down rows", rows_max, 1, sizeof(emb_drilldown_row));
    if ((st = emb_plan_check(&plan, tn, "the drill-down")))
        return st;

    emb_drilldown *dd = emb_calloc(1, sizeof *dd, "drill-down");
    if (!dd)
        return EMB_ENOMEM;
    st = EMB_ENOMEM;
    dd->k = k, dd->n_r = t->n_r, dd->n_s = t->n_s, dd->by = o->by;
    if (!(dd->origin = emb_strdup(origin)) || !(dd->destination = emb_strdup(destination)) ||
        !(dd->flow = emb_calloc(k, sizeof(double), "pair flows")) ||
        !(dd->off = emb_calloc(k + 1, sizeof(size_t), "drill-down offsets")) ||
        !(w.S = emb_alloc(N, k * sizeof(double), "S")) ||
        !(w.yD = emb_calloc(N, sizeof(double), "y_D")) ||
        !(w.rv = emb_calloc(k, sizeof *w.rv, "drill-down rows")))
        goto done;
    if ((st = accounts_side(&w, origin, destination, o->ctx, dd->flow)))
        goto done;
    if ((st = emb_ctx_poll("drill-down")))
        goto done;
    st = o->by == EMB_DRILL_ORIGIN_SECTOR   ? by_origin_sector(&w)
         : o->by == EMB_DRILL_FINAL_PRODUCT ? by_final_product(&w)
                                            : by_both(&w);
    if (st)
        goto done;

    /* Every view sums to B[O][D]: relative to the larger of |B[O][D]| and
     * the sum of the rows' magnitudes (with negative final demand the rows
     * may cancel; their rounding scales with the magnitudes). */
    double tol = o->identity_tol > 0 ? o->identity_tol : EMB_IDENTITY_TOL_DEFAULT;
    size_t total = 0;
    for (size_t s = 0; s < k; s++) {
        double sum, sumabs;
        comp_sum(w.rv[s].v, w.rv[s].n, &sum, &sumabs);
        double scale = fmax(fabs(dd->flow[s]), sumabs);
        double err = scale > 0 ? fabs(sum - dd->flow[s]) / scale : 0;
        if (!(err <= tol)) {
            st = emb_raise(EMB_ENUMERIC,
                           "%s: drill-down %s -> %s by %s: stressor %s: the rows sum to %.17g but "
                           "B[O][D] = %.17g (relative difference %.3g > %.3g)", tn, origin,
                           destination, view_name(o->by), t->stressors[s], sum, dd->flow[s], err,
                           tol);
            goto done;
        }
        if (err > dd->identity_error)
            dd->identity_error = err;
        total += w.rv[s].n;
    }
    st = EMB_ENOMEM;
    if (!(dd->rows = emb_alloc(total ? total : 1, sizeof *dd->rows, "drill-down rows")))
        goto done;
    for (size_t s = 0, at = 0; s < k; s++) {
        qsort(w.rv[s].v, w.rv[s].n, sizeof *w.rv[s].v, row_cmp);
        if (w.rv[s].n)
            memcpy(dd->rows + at, w.rv[s].v, w.rv[s].n * sizeof *dd->rows);
        dd->off[s] = at;
        at += w.rv[s].n;
        dd->off[s + 1] = at;
    }
    st = EMB_OK;
done:
    for (size_t s = 0; w.rv && s < k; s++)
        emb_free(w.rv[s].v);
    emb_free(w.rv);
    emb_free(w.S);
    emb_free(w.yD);
    if (st)
        emb_drilldown_free(dd);
    else
        *out = dd;
    return st;
}

emb_status emb_drilldown_compute(const emb_table *t, emb_leontief *lf, const char *origin,
                                 const char *destination, const emb_drilldown_opts *opts,
                                 emb_drilldown **out)
{
    if (out)
        *out = NULL;
    if (!t || !lf || !origin || !destination || !opts || !out)
        return emb_raise(EMB_EUSAGE, "emb_drilldown_compute: %s is NULL",
                         !t ? "t" : !lf ? "lf" : !origin ? "origin" : !destination ? "destination"
                                                 : !opts ? "opts" : "out");
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts->ctx);
    emb_status st = compute(t, lf, origin, destination, opts, out);
    emb_ctx_leave(&f);
    return st;
}

double emb_drilldown_flow(const emb_drilldown *dd, size_t s)
{
    return dd && s < dd->k ? dd->flow[s] : NAN;
}

size_t emb_drilldown_n_rows(const emb_drilldown *dd, size_t s)
{
    return dd && s < dd->k ? dd->off[s + 1] - dd->off[s] : 0;
}

emb_status emb_drilldown_row_get(const emb_drilldown *dd, size_t s, size_t i, emb_drilldown_row *row)
{
    if (!dd || !row || s >= dd->k || i >= dd->off[s + 1] - dd->off[s])
        return emb_raise(EMB_EUSAGE, "emb_drilldown_row_get: stressor %zu, row %zu out of range", s,
                         i);
    *row = dd->rows[dd->off[s] + i];
    return EMB_OK;
}

double emb_drilldown_identity_error(const emb_drilldown *dd) { return dd ? dd->identity_error : NAN; }

/* ---- writer ---- */

static const char *label(const emb_table *t, int region, long i)
{
    if (i < 0)
        return NULL;
    return region ? t->regions[i] : t->sectors[i];
}

static void emit(FILE *fp, emb_results_format fmt, const emb_drilldown *dd, const emb_table *t,
                 size_t s, const char *cells[4], double v)
{
    double B = dd->flow[s];
    int has_share = B != 0;
    double share = has_share ? v / B : 0;
    int show[4] = {dd->by != EMB_DRILL_FINAL_PRODUCT, dd->by != EMB_DRILL_FINAL_PRODUCT,
                   dd->by != EMB_DRILL_ORIGIN_SECTOR, dd->by != EMB_DRILL_ORIGIN_SECTOR};
    if (fmt == EMB_RESULTS_CSV) {
        const char *lead[4] = {t->stressors[s], t->stressor_units[s], dd->origin, dd->destination};
        for (int c = 0; c < 4; c++) {
            emb_csv_field(fp, lead[c]);
            fputc(',', fp);
        }
        for (int c = 0; c < 4; c++) {
            if (cells[c])
                emb_csv_field(fp, cells[c]);
            fputc(',', fp);
        }
        emb_csv_number(fp, v);
        fputc(',', fp);
        if (has_share)
            emb_csv_number(fp, share);
        fputc('\n', fp);
        return;
    }
    fprintf(fp, "%-12s %-8s %-10s %-10s", t->stressors[s], t->stressor_units[s], dd->origin,
            dd->destination);
    static const int width[4] = {8, 28, 8, 28};
    for (int c = 0; c < 4; c++)
        if (show[c])
            fprintf(fp, " %-*s", width[c], cells[c] ? cells[c] : "");
    fprintf(fp, " %18.6f", v);
    if (has_share)
        fprintf(fp, " %9.4f%%\n", 100 * share);
    else
        fputs("         -\n", fp);
}

emb_status emb_drilldown_write(const emb_drilldown *dd, const emb_table *t, const size_t *sel,
                               size_t nsel, size_t top, emb_results_format fmt, const char *path)
{
    if (!dd || !t)
        return emb_raise(EMB_EUSAGE, "emb_drilldown_write: %s is NULL", !dd ? "dd" : "t");
    if (dd->k != t->k || dd->n_r != t->n_r || dd->n_s != t->n_s)
        return emb_raise(EMB_EUSAGE, "emb_drilldown_write: the drill-down (%zu stressors, %zu x %zu) "
                                     "is not of this table (%zu, %zu x %zu)",
                         dd->k, dd->n_r, dd->n_s, t->k, t->n_r, t->n_s);
    for (size_t i = 0; sel && i < nsel; i++)
        if (sel[i] >= dd->k)
            return emb_raise(EMB_EUSAGE, "emb_drilldown_write: stressor index %zu out of range "
                                         "(%zu stressors)", sel[i], dd->k);
    if (fmt != EMB_RESULTS_TEXT && fmt != EMB_RESULTS_CSV)
        return emb_raise(EMB_EUSAGE, "emb_drilldown_write: unknown format %d", (int)fmt);
    emb_out o;
    emb_status st = emb_out_open(&o, path);
    if (st) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    if (fmt == EMB_RESULTS_CSV) {
        fputs("stressor,unit,origin,destination,origin_region,origin_sector,product_region,"
              "product_sector,value,share\n", fp);
    } else {
        const char *hdr[4] = {"o.region", "origin sector", "p.region", "product sector"};
        fprintf(fp, "%-12s %-8s %-10s %-10s", "stressor", "unit", "origin", "destination");
        static const int width[4] = {8, 28, 8, 28};
        for (int c = 0; c < 4; c++)
            if ((c < 2) ? dd->by != EMB_DRILL_FINAL_PRODUCT : dd->by != EMB_DRILL_ORIGIN_SECTOR)
                fprintf(fp, " %-*s", width[c], hdr[c]);
        fprintf(fp, " %18s %10s\n", "value", "share");
    }
    size_t ns = sel ? nsel : dd->k;
    for (size_t q = 0; q < ns; q++) {
        size_t s = sel ? sel[q] : q;
        size_t n = dd->off[s + 1] - dd->off[s];
        const emb_drilldown_row *r = dd->rows + dd->off[s];
        size_t shown = top && top < n ? top : n;
        for (size_t i = 0; i < shown; i++) {
            const char *cells[4] = {label(t, 1, r[i].origin_region), label(t, 0, r[i].origin_sector),
                                    label(t, 1, r[i].product_region),
                                    label(t, 0, r[i].product_sector)};
            emit(fp, fmt, dd, t, s, cells, r[i].value);
        }
        if (shown < n) {
            /* The remainder, summed directly (never B[O][D] minus the rows shown). */
            double rest, restabs;
            comp_sum(r + shown, n - shown, &rest, &restabs);
            const char *cells[4] = {NULL, NULL, NULL, NULL};
            cells[dd->by == EMB_DRILL_FINAL_PRODUCT ? 2 : 0] = "other";
            emit(fp, fmt, dd, t, s, cells, rest);
        }
    }
    st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}
