/* src/core/characterize.c — emb_table_characterize(): impact rows from a
 * characterisation CSV (format: embodied/characterize.h and
 * datasets/README.md "Characterisation").
 *
 * Three steps, so that a failure leaves the table untouched: read and check
 * the whole file (rows kept in memory: such files have tens of lines);
 * resolve every row against the table's stressors and compute the impact
 * rows of F and F_Y into new buffers; only then grow the table. */
#include "embodied/characterize.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "core/names.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns, in the order the header must name them. */
enum { COL_STRESSOR, COL_IMPACT, COL_FACTOR, COL_UNIT, COL_SUNIT, NCOL };
static const char *const colname[NCOL] = {"stressor", "impact", "factor", "unit", "stressor_unit"};
#define MIN_COLS 3 /* stressor, impact, factor; unit and stressor_unit are optional */

typedef struct crow {
    size_t line;
    char *f[NCOL]; /* the cells; unit and stressor_unit NULL when absent or empty */
    double factor;
    size_t imp;    /* index of its impact */
} crow;

typedef struct cjob {
    const char *path;
    emb_table *t;
    crow *rows;
    size_t n, cap, ncols;
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

/* ------------------------------------------------------------ the file */

static int blank(int c) { return c == ' ' || c == '\t'; }

/* Split line p (NUL-terminated, newline removed) into at most NCOL + 1
 * cells in place: RFC 4180 quoting ("" inside quotes is one "), blanks
 * around cells trimmed.  *nf = number of cells (NCOL + 1 means "too many"). */
static emb_status split_csv(const cjob *j, size_t line, char *p, char **cells, size_t *nf)
{
    *nf = 0;
    for (;;) {
        while (blank(*p))
            p++;
        char *start = p, *end;
        if (*p == '"') {
            char *w = start;
            for (p++;; p++) {
                if (!*p)
                    return fail_at(j, line, 0, EMB_EINPUT, "cell %zu: quoted cell has no closing "
                                   "quote", *nf + 1);
                if (*p == '"') {
                    if (p[1] != '"')
                        break;
                    p++;
                }
                *w++ = *p;
            }
            end = w;
            p++;
            while (blank(*p))
                p++;
            if (*p && *p != ',')
                return fail_at(j, line, 0, EMB_EINPUT, "cell %zu: text after the closing quote",
                               *nf + 1);
        } else {
            p += strcspn(p, ",");
            end = p;
            while (end > start && blank(end[-1]))
                end--;
        }
        if (*nf <= NCOL)
            cells[*nf] = start;
        (*nf)++;
        int more = *p == ',';
        *end = '\0';
        if (!more)
            return EMB_OK;
        p++;
    }
}

/* Check the header cells. */
static emb_status read_header(cjob *j, size_t line, char **cells, size_t nf)
{
    if (nf < MIN_COLS || nf > NCOL)
        return fail_at(j, line, 0, EMB_EINPUT, "the header must be "
                       "'stressor,impact,factor[,unit[,stressor_unit]]' (found %zu columns)", nf);
    for (size_t c = 0; c < nf; c++)
        if (strcmp(cells[c], colname[c]) != 0)
            return fail_at(j, line, 0, EMB_EINPUT, "header column %zu is '%s', expected '%s' "
                           "(the header must be 'stressor,impact,factor[,unit[,stressor_unit]]')",
                           c + 1, cells[c], colname[c]);
    j->ncols = nf;
    return EMB_OK;
}

/* Check and keep one data row. */
static emb_status read_row(cjob *j, size_t line, char **cells, size_t nf)
{
    if (nf != j->ncols)
        return fail_at(j, line, 0, EMB_EINPUT, "%zu cells, the header has %zu", nf, j->ncols);
    for (size_t c = COL_STRESSOR; c <= COL_FACTOR; c++)
        if (!*cells[c])
            return fail_at(j, line, c + 1, EMB_EINPUT, "empty cell");
    char *e;
    errno = 0;
    double v = strtod(cells[COL_FACTOR], &e);
    if (e == cells[COL_FACTOR] || *e || !isfinite(v))
        return fail_at(j, line, COL_FACTOR + 1, EMB_EINPUT, "'%.40s' is not a finite number",
                       cells[COL_FACTOR]);
    if (j->n == j->cap) {
        size_t nc = j->cap ? 2 * j->cap : 16;
        crow *nr = emb_realloc(j->rows, nc, sizeof *nr, "characterisation rows");
        if (!nr)
            return EMB_ENOMEM;
        j->rows = nr, j->cap = nc;
    }
    crow *r = &j->rows[j->n++];
    memset(r, 0, sizeof *r);
    r->line = line, r->factor = v;
    for (size_t c = 0; c < nf; c++)
        if (*cells[c] && !(r->f[c] = emb_strdup(cells[c])))
            return EMB_ENOMEM;
    return EMB_OK;
}

static emb_status read_file(cjob *j)
{
    FILE *fp = fopen(j->path, "r");
    if (!fp)
        return emb_raise(EMB_EIO, "%s: cannot open the characterisation file: %s", j->path,
                         strerror(errno));
    char *buf = NULL, *cells[NCOL + 1];
    size_t cap = 0, line = 0;
    ssize_t len;
    emb_status st = EMB_OK;
    errno = 0;
    while (!st && (len = getline(&buf, &cap, fp)) >= 0) {
        line++;
        if ((size_t)len != strlen(buf)) {
            st = fail_at(j, line, 0, EMB_EINPUT, "NUL byte (not a text file?)");
            break;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        char *p = buf;
        if (line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* UTF-8 byte-order mark */
        size_t lead = strspn(p, " \t");
        if (p[lead] == '\0' || p[lead] == '#')
            continue; /* blank or comment */
        size_t nf;
        if ((st = split_csv(j, line, p, cells, &nf)))
            break;
        st = j->ncols ? read_row(j, line, cells, nf) : read_header(j, line, cells, nf);
    }
    if (!st && ferror(fp))
        st = emb_raise(EMB_EIO, "%s: read error: %s", j->path, strerror(errno));
    if (!st && !j->ncols)
        st = emb_raise(EMB_EINPUT, "%s: no header line 'stressor,impact,factor[,unit[,"
                       "stressor_unit]]'", j->path);
    if (!st && j->n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no characterisation factors (only a header)", j->path);
    free(buf); /* getline's buffer: malloc'd by libc */
    fclose(fp);
    return st;
}

/* -------------------------------------------------------- the impacts */

/* Impacts in order of first appearance; their names must be new. */
static emb_status collect_impacts(cjob *j)
{
    const emb_table *t = j->t;
    if (!(j->imp = emb_calloc(j->n, sizeof *j->imp, "impact names")) ||
        !(j->imp_unit = emb_calloc(j->n, sizeof *j->imp_unit, "impact units")))
        return EMB_ENOMEM;
    for (size_t i = 0; i < j->n; i++) {
        crow *r = &j->rows[i];
        size_t m = 0;
        while (m < j->n_imp && strcmp(j->imp[m], r->f[COL_IMPACT]) != 0)
            m++;
        r->imp = m;
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
        if (r->imp != m)
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
    if ((st = read_file(&j)) || (st = collect_impacts(&j)))
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
    for (size_t i = 0; i < j.n; i++)
        for (size_t c = 0; c < NCOL; c++)
            emb_free(j.rows[i].f[c]);
    emb_free(j.rows);
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
