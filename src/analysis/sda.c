/* src/analysis/sda.c — structural decomposition of the change in
 * consumption-based emissions between two tables (emb_sda_compute, formulas
 * in include/embodied/sda.h and the README), its accessors and its writer.
 *
 * Shape of the computation: the tables are compared label by label; the
 * final-demand structures w_c (both years, N x n_r each) are formed first,
 * because each year's factorisation must solve both (L_b w_c); then one
 * solver at a time (so only one factor is alive: the peak memory of the
 * accounts, not twice it) gives x_b, S_b and X_b = L_b [w_0 w_1] with its
 * residual checked; last, G[a][b][c] = S_a X_bc (k x n_r, one matrix
 * product per (a, b)) and the 16 evaluations f = G v per region, combined
 * with the Shapley weights.  Identities checked before a result exists: the
 * world identity of each table and every row's residual. */
#include "embodied/sda.h"

#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "results/output.h"

#include <cblas.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define SDA_RESIDUAL_TOL 1e-10  /* the bound on |residual| / (|delta| + |cba0|) */
#define SDA_SOLVE_LIMIT 1e-8    /* relative residual of a solve, as the accounts' */
#define SDA_WORLD_TOL 1e-9      /* world identity, as the accounts' default */

struct emb_sda {
    size_t k, n_r, n_rows;
    char **rows;        /* [n_rows]: regions, groups, "World" */
    char **stressors;   /* [k] */
    char **units;       /* [k] */
    int year[2];
    emb_solver_stats solver[2]; /* of each table's factorisation */
    double res_solve;   /* largest relative residual of the solves L w */
    double *v;          /* [k][n_rows][EMB_SDA_NFIELDS] */
    double worst;
};

static const char *tname(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

/* ----------------------------------------------------------- years */

int emb_sda_table_year(const emb_table *t)
{
    if (!t)
        return 0;
    if (t->year)
        return t->year;
    const char *p = t->path ? t->path : "";
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    int year = 0;
    for (const char *c = base; *c;) {
        if (!isdigit((unsigned char)*c)) {
            c++;
            continue;
        }
        const char *s = c;
        while (isdigit((unsigned char)*c))
            c++;
        if (c - s == 4) {
            int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
            if (y >= 1900 && y <= 2199)
                year = y; /* the last one: "wiod2013-2009.h5" is the 2009 table of release 2013 */
        }
    }
    return year;
}

/* ------------------------------------------------- table compatibility */

static emb_status compare_labels(const emb_table *t0, const emb_table *t1, const char *what,
                                 char *const *l0, size_t n0, char *const *l1, size_t n1)
{
    if (n0 != n1)
        return emb_raise(EMB_EINPUT, "%s has %zu %s but %s has %zu: the decomposition needs the "
                                     "same %s in both tables", tname(t0), n0, what, tname(t1), n1,
                         what);
    for (size_t i = 0; i < n0; i++)
        if (strcmp(l0[i], l1[i]) != 0)
            return emb_raise(EMB_EINPUT, "%s and %s differ in their %s: number %zu is '%s' in the "
                                         "first and '%s' in the second", tname(t0), tname(t1),
                             what, i + 1, l0[i], l1[i]);
    return EMB_OK;
}

static emb_status compatible(const emb_table *t0, const emb_table *t1)
{
    emb_status st;
    if ((st = compare_labels(t0, t1, "regions", t0->regions, t0->n_r, t1->regions, t1->n_r)) ||
        (st = compare_labels(t0, t1, "sectors", t0->sectors, t0->n_s, t1->sectors, t1->n_s)) ||
        (st = compare_labels(t0, t1, "stressors", t0->stressors, t0->k, t1->stressors, t1->k)) ||
        (st = compare_labels(t0, t1, "stressor units", t0->stressor_units, t0->k,
                             t1->stressor_units, t1->k)))
        return st;
    if (t0->k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors (/F has 0 rows): nothing to "
                                     "decompose", tname(t0));
    if (emb_table_group_index(t0, "World") >= 0)
        return emb_raise(EMB_EUSAGE, "%s: a group is named 'World', the name of the decomposition's "
                                     "world row: rename the group", tname(t0));
    return EMB_OK;
}

/* ------------------------------------------------------- the work */

typedef struct sda_work {
    const emb_table *t[2];
    size_t N, k, R;
    double scale[2];  /* money of year a divided by this: 1 and deflate1 */
    double *W;        /* [2 R][N] column-major: w_0 (columns 0..R-1), w_1 (R..2R-1) */
    double *v;        /* [2][R] levels, deflated */
    double *S;        /* [2][k][N] intensities, deflated */
    double *X;        /* [2][2 R][N]: X_b = L_b W */
    double *G;        /* [2 a][2 b][k][2 R]: S_a X_b */
    double *fy;       /* [2][k][R] F_Y by region */
    double *alloc_F;  /* [2][k] sum of F over sectors with x > 0 (world identity) */
    double *abs_F;    /* [2][k] sum of |F| (its scale) */
    double res_solve;
    emb_solver_stats stats[2];
} sda_work;

static void work_free(sda_work *w)
{
    emb_free(w->W);
    emb_free(w->v);
    emb_free(w->S);
    emb_free(w->X);
    emb_free(w->G);
    emb_free(w->fy);
    emb_free(w->alloc_F);
    emb_free(w->abs_F);
}

static emb_status plan_check(const sda_work *w)
{
    emb_plan plan;
    double N = (double)w->N, k = (double)w->k, R = (double)w->R;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "final-demand structures w", 2 * R, N, sizeof(double));
    emb_plan_add(&plan, "L w (both years)", 4 * R, N, sizeof(double));
    emb_plan_add(&plan, "S (both years)", 2 * k, N, sizeof(double));
    emb_plan_add(&plan, "S L w", 8 * k, R, sizeof(double));
    emb_plan_add(&plan, "levels, F_Y and the results", k * (4 * R + 4) + 2 * R, 1, sizeof(double));
    return emb_plan_check(&plan, tname(w->t[0]), "the structural decomposition");
}

/* w_c = y_c / v_c and v_c = 1'y_c for both tables, y summed over categories. */
static emb_status structures(sda_work *w)
{
    size_t N = w->N, R = w->R;
    for (int c = 0; c < 2; c++) {
        const emb_table *t = w->t[c];
        size_t nf = t->n_f, ny = t->n_y;
        double *Wc = w->W + (size_t)c * R * N;
        for (size_t i = 0; i < N; i++)
            for (size_t d = 0; d < R; d++) {
                double acc = 0;
                for (size_t f = 0; f < nf; f++)
                    acc += t->Y[i * ny + d * nf + f];
                Wc[d * N + i] = acc;
            }
        for (size_t d = 0; d < R; d++) {
            double *y = Wc + d * N, lvl = 0;
            for (size_t i = 0; i < N; i++)
                lvl += y[i];
            if (!(lvl != 0) || !isfinite(lvl))
                return emb_raise(EMB_EINPUT, "%s: region '%s': final demand sums to %g: its "
                                             "structure w = y / (1'y) is undefined, so its change "
                                             "cannot be decomposed", tname(t), t->regions[d], lvl);
            for (size_t i = 0; i < N; i++)
                y[i] /= lvl;
            w->v[c * R + d] = lvl / w->scale[c];
        }
        for (size_t s = 0; s < w->k; s++)
            for (size_t col = 0; col < ny; col++)
                w->fy[(c * w->k + s) * R + col / nf] += t->F_Y[s * ny + col];
    }
    return EMB_OK;
}

/* Year b: factorise, S_b, X_b = L_b [w_0 w_1] (checked), the factor freed. */
static emb_status year_pass(sda_work *w, int b, const emb_sda_opts *o)
{
    const emb_table *t = w->t[b];
    size_t N = w->N, k = w->k, R = w->R;
    emb_leontief *lf = NULL;
    emb_status st = emb_leontief_create(t, &o->solver, &lf);
    if (st)
        return st;
    const double *x = emb_leontief_x(lf);
    double *S = w->S + (size_t)b * k * N;
    for (size_t s = 0; s < k; s++) {
        double fa = 0, fabs_ = 0;
        for (size_t i = 0; i < N; i++) {
            double f = t->F[s * N + i];
            fabs_ += fabs(f);
            if (x[i] > 0) { /* 1/0 := 0: pymrio's S, the accounts' */
                S[s * N + i] = f / x[i] * w->scale[b];
                fa += f;
            } else {
                S[s * N + i] = 0;
            }
        }
        w->alloc_F[b * k + s] = fa;
        w->abs_F[b * k + s] = fabs_;
    }
    double *X = w->X + (size_t)b * 2 * R * N, res_d = 0, res_t = 0;
    memcpy(X, w->W, 2 * R * N * sizeof(double));
    if ((st = emb_ctx_poll("structural decomposition")) ||
        (st = emb_leontief_solve_checked(lf, 2 * R, X, 0, NULL, &res_d, &res_t)))
        goto done;
    if (!(res_d <= SDA_SOLVE_LIMIT)) {
        st = emb_raise(EMB_ENUMERIC, "%s: structural decomposition: relative residual %.3g of the "
                                     "solves L w exceeds %.0e (ill-conditioned I - A?)", tname(t),
                       res_d, SDA_SOLVE_LIMIT);
        goto done;
    }
    if (res_d > w->res_solve)
        w->res_solve = res_d;
    emb_leontief_get_stats(lf, &w->stats[b]);
done:
    emb_leontief_free(lf);
    return st;
}

/* G[a][b] (column-major 2R x k) = X_b^T S_a^T: entry (c R + d, s) = S_a[s] . L_b w_c[d]. */
static void products(sda_work *w)
{
    size_t N = w->N, k = w->k, R = w->R, m = 2 * R;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            const double *S = w->S + (size_t)a * k * N, *X = w->X + (size_t)b * m * N;
            double *G = w->G + (size_t)(2 * a + b) * k * m;
            if (N <= INT_MAX && m <= INT_MAX && k <= INT_MAX) {
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)k, (int)N, 1.0,
                            X, (int)N, S, (int)N, 0.0, G, (int)m);
                continue;
            }
            for (size_t s = 0; s < k; s++) /* beyond BLAS's int indices */
                for (size_t c = 0; c < m; c++) {
                    double acc = 0;
                    for (size_t i = 0; i < N; i++)
                        acc += S[s * N + i] * X[c * N + i];
                    G[s * m + c] = acc;
                }
        }
}

/* f(a, b, c, e) of stressor s and region d. */
static double f_eval(const sda_work *w, size_t s, size_t d, unsigned bits)
{
    unsigned a = bits & 1, b = (bits >> 1) & 1, c = (bits >> 2) & 1, e = (bits >> 3) & 1;
    size_t m = 2 * w->R;
    return w->G[(size_t)(2 * a + b) * w->k * m + s * m + c * w->R + d] * w->v[e * w->R + d];
}

/* World identity of year a: sum_d S L y_d = sum over sectors with x > 0 of F. */
static emb_status world_identity(const sda_work *w, int a)
{
    unsigned all = a ? 15u : 0u;
    for (size_t s = 0; s < w->k; s++) {
        double cba = 0;
        for (size_t d = 0; d < w->R; d++)
            cba += f_eval(w, s, d, all);
        double ref = w->alloc_F[a * w->k + s], scale = w->abs_F[a * w->k + s];
        double err = fabs(cba - ref) / (scale > 0 ? scale : 1.0);
        if (!(err <= SDA_WORLD_TOL))
            return emb_raise(EMB_ENUMERIC, "%s: structural decomposition: identity violated: world "
                                           "industry CBA = world industry PBA (stressor '%s'): "
                                           "%.17g vs %.17g, off by %.3g of the world total "
                                           "(tolerance %.0e)", tname(w->t[a]),
                             w->t[a]->stressors[s], cba, ref, err, SDA_WORLD_TOL);
    }
    return EMB_OK;
}

/* Shapley weight of a setting of the three other factors with `ones` of
 * them at year 1: |T|! (3 - |T|)! / 4!. */
static const double SHAPLEY_W[4] = {1.0 / 4, 1.0 / 12, 1.0 / 12, 1.0 / 4};

/* The four effects of stressor s, region d, into e[0..4) (S, L, w, v). */
static void shapley(const sda_work *w, size_t s, size_t d, double e[4])
{
    double f[16];
    for (unsigned bits = 0; bits < 16; bits++)
        f[bits] = f_eval(w, s, d, bits);
    for (unsigned i = 0; i < 4; i++) {
        double acc = 0;
        for (unsigned bits = 0; bits < 16; bits++) {
            if (bits & (1u << i))
                continue; /* each setting of the others once, factor i at year 0 */
            unsigned others = (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1) + ((bits >> 3) & 1);
            acc += SHAPLEY_W[others] * (f[bits | (1u << i)] - f[bits]);
        }
        e[i] = acc;
    }
}

static double *row_of(emb_sda *r, size_t s, size_t i)
{
    return r->v + (s * r->n_rows + i) * EMB_SDA_NFIELDS;
}

/* delta and residual of a row whose other fields are set. */
static void close_row(double *v)
{
    v[EMB_SDA_DELTA] = v[EMB_SDA_CBA1] - v[EMB_SDA_CBA0];
    v[EMB_SDA_RESIDUAL] = v[EMB_SDA_DELTA] -
                          (v[EMB_SDA_INTENSITY] + v[EMB_SDA_TECHNOLOGY] + v[EMB_SDA_FD_STRUCTURE] +
                           v[EMB_SDA_FD_LEVEL] + v[EMB_SDA_HOUSEHOLD_DIRECT]);
}

static emb_status fill(emb_sda *r, const sda_work *w, const emb_sda_opts *o)
{
    const emb_table *t0 = w->t[0];
    size_t R = w->R, G = t0->n_groups;
    for (size_t s = 0; s < w->k; s++) {
        for (size_t d = 0; d < R; d++) {
            double e[4], *v = row_of(r, s, d);
            shapley(w, s, d, e);
            double fy0 = w->fy[s * R + d], fy1 = w->fy[(w->k + s) * R + d];
            v[EMB_SDA_CBA0] = f_eval(w, s, d, 0) + fy0;
            v[EMB_SDA_CBA1] = f_eval(w, s, d, 15) + fy1;
            v[EMB_SDA_INTENSITY] = e[0];
            v[EMB_SDA_TECHNOLOGY] = e[1];
            v[EMB_SDA_FD_STRUCTURE] = e[2];
            v[EMB_SDA_FD_LEVEL] = e[3];
            v[EMB_SDA_HOUSEHOLD_DIRECT] = fy1 - fy0;
            close_row(v);
        }
        /* Groups and the world: sums of their members' rows. */
        for (size_t g = 0; g <= G; g++) {
            double *v = row_of(r, s, R + g);
            size_t n = g < G ? t0->groups[g].n : R;
            for (size_t m = 0; m < n; m++) {
                const double *u = row_of(r, s, g < G ? t0->groups[g].members[m] : m);
                for (int fld = 0; fld < EMB_SDA_NFIELDS; fld++)
                    v[fld] += u[fld];
            }
            close_row(v);
        }
    }
    /* The residual bound, before anyone can write the result. */
    double tol = o->residual_tol > 0 ? o->residual_tol : SDA_RESIDUAL_TOL;
    for (size_t s = 0; s < w->k; s++)
        for (size_t i = 0; i < r->n_rows; i++) {
            const double *v = row_of(r, s, i);
            double scale = fabs(v[EMB_SDA_DELTA]) + fabs(v[EMB_SDA_CBA0]);
            double rel = fabs(v[EMB_SDA_RESIDUAL]) / (scale > 0 ? scale : 1.0);
            if (!(rel <= tol))
                return emb_raise(EMB_ENUMERIC, "%s -> %s: structural decomposition: identity "
                                               "violated: delta = intensity + technology + "
                                               "fd_structure + fd_level + household_direct "
                                               "(stressor '%s', %s): residual %.3g of |delta| + "
                                               "|cba0| (tolerance %.0e)", tname(t0),
                                 tname(w->t[1]), r->stressors[s], r->rows[i], rel, tol);
            if (rel > r->worst)
                r->worst = rel;
        }
    return EMB_OK;
}

static emb_status copy_names(char ***dst, char *const *src, size_t n, const char *what)
{
    if (!(*dst = emb_calloc(n ? n : 1, sizeof **dst, what)))
        return EMB_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (!((*dst)[i] = emb_strdup(src[i])))
            return EMB_ENOMEM;
    return EMB_OK;
}

static emb_status result_alloc(const emb_table *t0, const emb_table *t1, emb_sda **out)
{
    emb_sda *r = emb_calloc(1, sizeof *r, "decomposition");
    if (!(*out = r))
        return EMB_ENOMEM;
    r->k = t0->k, r->n_r = t0->n_r, r->n_rows = t0->n_r + t0->n_groups + 1;
    r->year[0] = emb_sda_table_year(t0), r->year[1] = emb_sda_table_year(t1);
    emb_status st;
    if ((st = copy_names(&r->stressors, t0->stressors, r->k, "stressor names")) ||
        (st = copy_names(&r->units, t0->stressor_units, r->k, "stressor units")) ||
        !(r->rows = emb_calloc(r->n_rows, sizeof *r->rows, "row names")))
        return st ? st : EMB_ENOMEM;
    for (size_t i = 0; i < r->n_rows; i++) {
        const char *nm = i < t0->n_r                ? t0->regions[i]
                         : i < t0->n_r + t0->n_groups ? t0->groups[i - t0->n_r].name
                                                      : "World";
        if (!(r->rows[i] = emb_strdup(nm)))
            return EMB_ENOMEM;
    }
    if (!(r->v = emb_calloc(r->k * r->n_rows, EMB_SDA_NFIELDS * sizeof(double), "decomposition rows")))
        return EMB_ENOMEM;
    return EMB_OK;
}

static emb_status compute(const emb_table *t0, const emb_table *t1, const emb_sda_opts *o,
                          emb_sda **out)
{
    emb_status st;
    if ((st = compatible(t0, t1)))
        return st;
    if (!(o->deflate1 >= 0) || !isfinite(o->deflate1))
        return emb_raise(EMB_EUSAGE, "structural decomposition: the deflator of the second table "
                                     "must be a positive number (got %g)", o->deflate1);
    sda_work w = {.t = {t0, t1}, .N = t0->N, .k = t0->k, .R = t0->n_r};
    w.scale[0] = 1.0, w.scale[1] = o->deflate1 > 0 ? o->deflate1 : 1.0;
    size_t N = w.N, k = w.k, R = w.R;
    emb_sda *r = NULL;
    if ((st = plan_check(&w)))
        return st;
    st = EMB_ENOMEM;
    if (!(w.W = emb_alloc(2 * R * N, sizeof(double), "final-demand structures w")) ||
        !(w.v = emb_calloc(2 * R, sizeof(double), "final-demand levels v")) ||
        !(w.S = emb_alloc(2 * k * N, sizeof(double), "S (both years)")) ||
        !(w.X = emb_alloc(4 * R * N, sizeof(double), "L w (both years)")) ||
        !(w.G = emb_alloc(8 * k * R, sizeof(double), "S L w")) ||
        !(w.fy = emb_calloc(2 * k * R, sizeof(double), "F_Y by region")) ||
        !(w.alloc_F = emb_calloc(2 * k, sizeof(double), "world industry emissions")) ||
        !(w.abs_F = emb_calloc(2 * k, sizeof(double), "world industry emissions")))
        goto done;
    if ((st = structures(&w)) || (st = emb_ctx_poll("structural decomposition")) ||
        (st = year_pass(&w, 0, o)) || (st = year_pass(&w, 1, o)))
        goto done;
    products(&w);
    if ((st = world_identity(&w, 0)) || (st = world_identity(&w, 1)) ||
        (st = result_alloc(t0, t1, &r)) || (st = fill(r, &w, o)))
        goto done;
    r->solver[0] = w.stats[0], r->solver[1] = w.stats[1];
    r->res_solve = w.res_solve;
    *out = r;
    r = NULL;
done:
    emb_sda_free(r);
    work_free(&w);
    return st;
}

emb_status emb_sda_compute(const emb_table *t0, const emb_table *t1, const emb_sda_opts *opts,
                           emb_sda **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_sda_compute: out is NULL");
    *out = NULL;
    if (!t0 || !t1)
        return emb_raise(EMB_EUSAGE, "emb_sda_compute: %s table is NULL", t0 ? "the second" : "the first");
    emb_sda_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    emb_ctx_frame f;
    emb_ctx_enter(&f, o.ctx);
    emb_status st = compute(t0, t1, &o, out);
    emb_ctx_leave(&f);
    return st;
}

/* ------------------------------------------------------- accessors */

size_t emb_sda_n_stressors(const emb_sda *r) { return r ? r->k : 0; }
size_t emb_sda_n_rows(const emb_sda *r) { return r ? r->n_rows : 0; }

const char *emb_sda_row_name(const emb_sda *r, size_t i)
{
    return r && i < r->n_rows ? r->rows[i] : NULL;
}

const char *emb_sda_stressor(const emb_sda *r, size_t s) { return r && s < r->k ? r->stressors[s] : NULL; }
const char *emb_sda_stressor_unit(const emb_sda *r, size_t s) { return r && s < r->k ? r->units[s] : NULL; }

int emb_sda_year(const emb_sda *r, int which) { return r && (which == 0 || which == 1) ? r->year[which] : 0; }

double emb_sda_value(const emb_sda *r, size_t s, size_t i, emb_sda_field f)
{
    if (!r || s >= r->k || i >= r->n_rows || (int)f < 0 || f >= EMB_SDA_NFIELDS)
        return NAN;
    return r->v[(s * r->n_rows + i) * EMB_SDA_NFIELDS + f];
}

double emb_sda_worst_residual(const emb_sda *r) { return r ? r->worst : NAN; }

double emb_sda_residual_solve(const emb_sda *r) { return r ? r->res_solve : NAN; }

emb_status emb_sda_solver_stats(const emb_sda *r, int which, emb_solver_stats *st)
{
    if (!r || !st || (which != 0 && which != 1))
        return emb_raise(EMB_EUSAGE, "emb_sda_solver_stats: %s", !r ? "the decomposition is NULL"
                                                                 : !st ? "st is NULL"
                                                                       : "which must be 0 or 1");
    *st = r->solver[which];
    return EMB_OK;
}

void emb_sda_free(emb_sda *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->rows && i < r->n_rows; i++)
        emb_free(r->rows[i]);
    for (size_t s = 0; s < r->k; s++) {
        if (r->stressors)
            emb_free(r->stressors[s]);
        if (r->units)
            emb_free(r->units[s]);
    }
    emb_free(r->rows);
    emb_free(r->stressors);
    emb_free(r->units);
    emb_free(r->v);
    emb_free(r);
}

/* ------------------------------------------------------- the writer */

static const char *const FIELD_NAMES[EMB_SDA_NFIELDS] = {
    "cba0", "cba1", "delta", "intensity", "technology", "fd_structure", "fd_level",
    "household_direct", "residual"};

static void write_rows(FILE *fp, const emb_sda *r, size_t s, emb_results_format fmt)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        const double *v = r->v + (s * r->n_rows + i) * EMB_SDA_NFIELDS;
        if (fmt == EMB_RESULTS_CSV) {
            emb_csv_field(fp, r->stressors[s]);
            fputc(',', fp);
            emb_csv_field(fp, r->units[s]);
            fputc(',', fp);
            emb_csv_field(fp, r->rows[i]);
            for (int y = 0; y < 2; y++) {
                fputc(',', fp);
                if (r->year[y])
                    fprintf(fp, "%d", r->year[y]);
            }
            for (int f = 0; f < EMB_SDA_NFIELDS; f++) {
                fputc(',', fp);
                emb_csv_number(fp, v[f]);
            }
            fputc('\n', fp);
        } else {
            fprintf(fp, "%-20s %-8s %-12s", r->stressors[s], r->units[s], r->rows[i]);
            for (int y = 0; y < 2; y++) {
                if (r->year[y])
                    fprintf(fp, " %5d", r->year[y]);
                else
                    fprintf(fp, " %5s", "-");
            }
            for (int f = 0; f < EMB_SDA_NFIELDS; f++)
                fprintf(fp, f == EMB_SDA_RESIDUAL ? " %12.3g" : " %18.6f", v[f]);
            fputc('\n', fp);
        }
    }
}

emb_status emb_sda_write(const emb_sda *r, const size_t *sel, size_t nsel, emb_results_format fmt,
                         const char *path)
{
    if (!r)
        return emb_raise(EMB_EUSAGE, "emb_sda_write: the decomposition is NULL");
    if (fmt != EMB_RESULTS_CSV && fmt != EMB_RESULTS_TEXT)
        return emb_raise(EMB_EUSAGE, "emb_sda_write: unknown format %d", (int)fmt);
    for (size_t i = 0; sel && i < nsel; i++)
        if (sel[i] >= r->k)
            return emb_raise(EMB_EUSAGE, "emb_sda_write: stressor index %zu out of range (%zu "
                                         "stressors)", sel[i], r->k);
    emb_out o;
    emb_status st = emb_out_open(&o, path);
    if (st) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    if (fmt == EMB_RESULTS_CSV) {
        fputs("stressor,unit,region,year0,year1", fp);
        for (int f = 0; f < EMB_SDA_NFIELDS; f++)
            fprintf(fp, ",%s", FIELD_NAMES[f]);
        fputc('\n', fp);
    } else {
        fprintf(fp, "%-20s %-8s %-12s %5s %5s", "stressor", "unit", "region", "year0", "year1");
        for (int f = 0; f < EMB_SDA_NFIELDS; f++)
            fprintf(fp, f == EMB_SDA_RESIDUAL ? " %12s" : " %18s", FIELD_NAMES[f]);
        fputc('\n', fp);
    }
    size_t n = sel ? nsel : r->k;
    for (size_t i = 0; i < n; i++)
        write_rows(fp, r, sel ? sel[i] : i, fmt);
    st = emb_out_commit(&o);
    emb_out_abort(&o); /* removes the temporary on failure; releases the names */
    return st;
}
