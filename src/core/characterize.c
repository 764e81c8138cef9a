/* src/core/characterize.c — emb_table_characterize(): impact rows from a
 * characterisation CSV (format: embodied/characterize.h and
 * datasets/README.md "Characterisation").
 *
 * Three steps, so that a failure leaves the table untouched: read and check
 * the whole file (import/factors.c: through the delimited-text reader and
 * the allocation wrapper, rows kept in memory: such files have tens of lines);
 * resolve every row against the table's stressors and compute the impact
 * rows of F and F_Y into new buffers; only then grow the table. */
#include "embodied/characterize.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "core/names.h"
#include "import/factors.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL_STRESSOR EMB_FCOL_STRESSOR
#define COL_IMPACT EMB_FCOL_IMPACT
#define COL_FACTOR EMB_FCOL_FACTOR
#define COL_UNIT EMB_FCOL_UNIT
#define COL_SUNIT EMB_FCOL_SUNIT
#define NCOL EMB_FCOL_N
#define colname emb_factor_colname

typedef emb_factor_row crow;

typedef struct cjob {
    const char *path;
    emb_table *t;
    emb_factors fs;   /* the file's rows (import/factors.c) */
    crow *rows;       /* = fs.rows */
    size_t n;         /* = fs.n */
    size_t *row_imp;  /* [n]: the impact of each row */
    char **imp;       /* impact names, in order of first appearance */
    char **imp_unit;  /* their units (owned) */
    size_t n_imp;
    double *F, *FY;   /* [n_imp][N], [n_imp][n_y] */
} cjob;

static emb_status fail_at(const cjob *j, size_t line, size_t col, emb_status s, const char *fmt,
                          ...) EMB_PRINTF(5, 6);
static emb_status fail_at(const cjob *j, size_t line, size_t col, emb_status s, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        return emb_raise(s, "%s: line %zu, column %zu (%s): %s", j->path, line, col,
                         colname[col - 1], msg);
    return emb_raise(s, "%s: line %zu: %s", j->path, line, msg);
}

/* -------------------------------------------------------- the impacts */

/* Impacts in order of first appearance; their names must be new. */
static emb_status collect_impacts(cjob *j)
{
    const emb_table *t = j->t;
    if (!(j->imp = emb_calloc(j->n, sizeof *j->imp, "impact names")) ||
        !(j->imp_unit = emb_calloc(j->n, sizeof *j->imp_unit, "impact units")) ||
        !(j->row_imp = emb_calloc(j->n, sizeof *j->row_imp, "impact of each row")))
        return EMB_ENOMEM;
    for (size_t i = 0; i < j->n; i++) {
        crow *r = &j->rows[i];
        size_t m = 0;
        while (m < j->n_imp && strcmp(j->imp[m], r->f[COL_IMPACT]) != 0)
            m++;
        j->row_imp[i] = m;
        if (m < j->n_imp)
            continue;
        for (size_t s = 0; s < t->k; s++)
            if (strcmp(t->stressors[s], r->f[COL_IMPACT]) == 0)
                return fail_at(j, r->line, COL_IMPACT + 1, EMB_EINPUT, "impact '%s' is already "
                               "a stressor of the table", r->f[COL_IMPACT]);
        if (!(j->imp[m] = emb_strdup(r->f[COL_IMPACT])))
            return EMB_ENOMEM;
        j->n_imp++;
    }
    return EMB_OK;
}

/* Resolve the rows of impact m against the stressors and sum its F and F_Y
 * rows (rows in file order, stressors in table order).  owner[k] is a
 * workspace: the line that counted each stressor, 0 for none. */
static emb_status build_impact(cjob *j, size_t m, size_t *owner)
{
    const emb_table *t = j->t;
    size_t N = t->N, ny = t->n_y;
    double *F = j->F + m * N, *FY = j->FY + m * ny;
    const char *unit = NULL;          /* the impact's unit from the file */
    size_t unit_line = 0;
    long shared = -1;                 /* a stressor matched by a row without stressor_unit */
    size_t shared_line = 0;
    int all_declared = 1;
    for (size_t s = 0; s < t->k; s++)
        owner[s] = 0;
    for (size_t i = 0; i < j->n; i++) {
        const crow *r = &j->rows[i];
        if (j->row_imp[i] != m)
            continue;
        if (r->f[COL_UNIT]) {
            if (unit && strcmp(unit, r->f[COL_UNIT]) != 0)
                return fail_at(j, r->line, COL_UNIT + 1, EMB_EINPUT, "impact '%s' has unit '%s' "
                               "here and '%s' on line %zu", j->imp[m], r->f[COL_UNIT], unit,
                               unit_line);
            unit = r->f[COL_UNIT], unit_line = r->line;
        }
        const char *pat = r->f[COL_STRESSOR], *want = r->f[COL_SUNIT];
        size_t hits = 0;
        for (size_t s = 0; s < t->k; s++) {
            if (fnmatch(pat, t->stressors[s], 0) != 0)
                continue;
            hits++;
            if (owner[s])
                return fail_at(j, r->line, COL_STRESSOR + 1, EMB_EINPUT, "stressor '%s' is "
                               "already counted in impact '%s' by line %zu", t->stressors[s],
                               j->imp[m], owner[s]);
            owner[s] = r->line;
            const char *su = t->stressor_units[s];
            if (want && strcmp(su, want) != 0)
                return fail_at(j, r->line, COL_SUNIT + 1, EMB_EINPUT, "stressor '%s' is in '%s', "
                               "this row is for '%s'", t->stressors[s], su, want);
            if (!want) {
                all_declared = 0;
                if (shared < 0)
                    shared = (long)s, shared_line = r->line;
                else if (strcmp(su, t->stressor_units[shared]) != 0)
                    return fail_at(j, r->line, COL_STRESSOR + 1, EMB_EINPUT, "units differ within "
                                   "impact '%s': stressor '%s' is in '%s', '%s' (line %zu) in "
                                   "'%s'; state the unit each factor applies to in a "
                                   "stressor_unit column", j->imp[m], t->stressors[s], su,
                                   t->stressors[shared], shared_line, t->stressor_units[shared]);
            }
            const double f = r->factor, *src = t->F + s * N, *srcy = t->F_Y + s * ny;
            for (size_t c = 0; c < N; c++)
                F[c] += f * src[c];
            for (size_t c = 0; c < ny; c++)
                FY[c] += f * srcy[c];
        }
        if (hits == 0) {
            char near[512];
            emb_nearest_names(pat, (const char *const *)t->stressors, t->k, 4, near, sizeof near);
            return fail_at(j, r->line, COL_STRESSOR + 1, EMB_EUSAGE, "'%s' matches no stressor of "
                           "%s (e.g. %s)", pat, t->path && *t->path ? t->path : "the table",
                           t->k ? near : "none: the table has no stressors");
        }
    }
    if (!unit) { /* the unit the stressors share */
        if (all_declared) {
            /* Every row stated its stressor unit: they agree only if one unit. */
            for (size_t s = 0; s < t->k; s++)
                if (owner[s] && (!unit || strcmp(unit, t->stressor_units[s]) == 0))
                    unit = t->stressor_units[s];
                else if (owner[s])
                    return emb_raise(EMB_EINPUT, "%s: impact '%s' adds stressors in '%s' and "
                                     "'%s': give its unit in a 'unit' column", j->path, j->imp[m],
                                     unit, t->stressor_units[s]);
        } else {
            unit = t->stressor_units[shared];
        }
    }
    return (j->imp_unit[m] = emb_strdup(unit)) ? EMB_OK : EMB_ENOMEM;
}

/* A file none of whose rows matches any stressor is a file for another
 * table (another database, or one imported with other stressor names):
 * EMB_EINPUT saying which names the file expects and which the table has,
 * rather than the first row's near misses. */
static emb_status check_any_match(const cjob *j)
{
    const emb_table *t = j->t;
    for (size_t i = 0; i < j->n; i++)
        for (size_t s = 0; s < t->k; s++)
            if (fnmatch(j->rows[i].f[COL_STRESSOR], t->stressors[s], 0) == 0)
                return EMB_OK;
    char want[1024] = "", have[1024] = "";
    size_t w = 0, h = 0, nw = 0;
    for (size_t i = 0; i < j->n && w < sizeof want - 1; i++) {
        const char *p = j->rows[i].f[COL_STRESSOR];
        int seen = 0;
        for (size_t q = 0; q < i && !seen; q++)
            seen = strcmp(p, j->rows[q].f[COL_STRESSOR]) == 0;
        if (seen)
            continue;
        if (nw++ < 6)
            w += (size_t)snprintf(want + w, sizeof want - w, "%s'%s'", w ? ", " : "", p);
    }
    if (nw > 6 && w < sizeof want - 1)
        snprintf(want + w, sizeof want - w, ", ... (%zu patterns)", nw);
    for (size_t s = 0; s < t->k && s < 6 && h < sizeof have - 1; s++)
        h += (size_t)snprintf(have + h, sizeof have - h, "%s'%s'", s ? ", " : "", t->stressors[s]);
    if (t->k > 6 && h < sizeof have - 1)
        snprintf(have + h, sizeof have - h, ", ... (%zu stressors)", t->k);
    return emb_raise(EMB_EINPUT, "%s: no stressor of %s matches this characterisation file: it "
                                 "expects %s; the table has %s", j->path,
                     t->path && *t->path ? t->path : "the table", want,
                     t->k ? have : "no stressors");
}

/* Append the impacts to the table: all allocations first, then the swap. */
static emb_status grow_table(cjob *j)
{
    emb_table *t = j->t;
    size_t k2 = t->k + j->n_imp, N = t->N, ny = t->n_y;
    size_t kN, kny;
    if (k2 < t->k || emb_mul_overflows(k2, N, &kN) || emb_mul_overflows(k2, ny, &kny))
        return emb_raise(EMB_ENOMEM, "%s: %zu stressors overflow", j->path, k2);
    /* Realloc keeps the old contents; a larger block is harmless if a later
     * step fails, since t->k still bounds every use. */
    char **ns = emb_realloc(t->stressors, k2, sizeof *ns, "stressor labels");
    if (!ns)
        return EMB_ENOMEM;
    t->stressors = ns;
    char **nu = emb_realloc(t->stressor_units, k2, sizeof *nu, "stressor units");
    if (!nu)
        return EMB_ENOMEM;
    t->stressor_units = nu;
    double *nF = emb_realloc(t->F, kN, sizeof *nF, "stressors F");
    if (!nF)
        return EMB_ENOMEM;
    t->F = nF;
    double *nFY = emb_realloc(t->F_Y, kny, sizeof *nFY, "final-demand stressors F_Y");
    if (!nFY)
        return EMB_ENOMEM;
    t->F_Y = nFY;
    memcpy(t->F + t->k * N, j->F, j->n_imp * N * sizeof(double));
    memcpy(t->F_Y + t->k * ny, j->FY, j->n_imp * ny * sizeof(double));
    for (size_t m = 0; m < j->n_imp; m++) { /* ownership of the names moves */
        t->stressors[t->k + m] = j->imp[m];
        t->stressor_units[t->k + m] = j->imp_unit[m];
        j->imp[m] = j->imp_unit[m] = NULL;
    }
    t->k = k2;
    return EMB_OK;
}

emb_status emb_table_characterize(emb_table *t, const char *csv_path)
{
    if (!t || !csv_path)
        return emb_raise(EMB_EUSAGE, "emb_table_characterize: table or file name is NULL");
    cjob j;
    memset(&j, 0, sizeof j);
    j.path = csv_path, j.t = t;
    size_t *owner = NULL;
    emb_status st;
    if ((st = emb_factors_read(csv_path, &j.fs)))
        goto done;
    j.rows = j.fs.rows, j.n = j.fs.n;
    if ((st = collect_impacts(&j)) || (st = check_any_match(&j)))
        goto done;
    size_t nF, nFY;
    if (emb_mul_overflows(j.n_imp, t->N, &nF) || emb_mul_overflows(j.n_imp, t->n_y, &nFY)) {
        st = emb_raise(EMB_ENOMEM, "%s: %zu impacts x %zu industries overflow", csv_path,
                       j.n_imp, t->N);
        goto done;
    }
    /* The plan: the impact rows, then F and F_Y grown to hold them (realloc
     * may copy: old and new blocks at once). */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "impact rows", (double)j.n_imp, (double)(t->N + t->n_y), sizeof(double));
    emb_plan_add(&plan, "F and F_Y grown", (double)(t->k + j.n_imp),
                 (double)(t->N + t->n_y), sizeof(double));
    if ((st = emb_plan_check(&plan, csv_path, "the characterisation")))
        goto done;
    if (!(j.F = emb_calloc(nF, sizeof(double), "impact rows of F")) ||
        !(j.FY = emb_calloc(nFY, sizeof(double), "impact rows of F_Y")) ||
        !(owner = emb_calloc(t->k, sizeof *owner, "stressor flags"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    for (size_t m = 0; m < j.n_imp && !st; m++)
        st = build_impact(&j, m, owner);
    if (!st)
        st = grow_table(&j);
done:
    emb_factors_free(&j.fs);
    emb_free(j.row_imp);
    for (size_t m = 0; j.imp && m < j.n_imp; m++) {
        emb_free(j.imp[m]);
        emb_free(j.imp_unit[m]);
    }
    emb_free(j.imp);
    emb_free(j.imp_unit);
    emb_free(j.F);
    emb_free(j.FY);
    emb_free(owner);
    return st;
}
