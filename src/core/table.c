/* src/core/table.c — emb_table: allocation, labels, groups, validation and
 * access to the technology matrix (dense, CSR or stream); the CSR type
 * itself lives in csr.c. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/names.h"
#include "core/plan.h"
#include "core/table_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emb_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        emb_free(v[i]);
    emb_free(v);
}

static const char *tpath(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

emb_status emb_table_create(size_t n_r, size_t n_s, size_t n_f, size_t k, emb_tech_kind kind,
                            int with_T, emb_table **out)
{
    *out = NULL;
    if (n_r == 0 || n_s == 0 || n_f == 0)
        return emb_raise(EMB_EUSAGE, "table: regions (%zu), sectors (%zu) and final-demand "
                                     "categories (%zu) must all be at least 1", n_r, n_s, n_f);
    size_t N, n_y, NN, kN, kny, Nny;
    if (emb_mul_overflows(n_r, n_s, &N) || emb_mul_overflows(n_r, n_f, &n_y) ||
        emb_mul_overflows(N, N, &NN) || emb_mul_overflows(k, N, &kN) ||
        emb_mul_overflows(k, n_y, &kny) || emb_mul_overflows(N, n_y, &Nny))
        return emb_raise(EMB_ENOMEM, "table: %zu regions x %zu sectors is too large to index",
                         n_r, n_s);
    /* Readers and importers check this plan first, naming their file; this
     * one catches callers that did not. */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_plan_table(&plan, (double)n_r, (double)n_s, (double)n_f, (double)k, with_T,
                   kind == EMB_TECH_Z ? "Z" : "A", 0);
    emb_status st = emb_plan_check(&plan, "table", "the table");
    if (st)
        return st;
    emb_table *t = emb_calloc(1, sizeof *t, "table");
    if (!t)
        return EMB_ENOMEM;
    t->n_r = n_r, t->n_s = n_s, t->n_f = n_f, t->k = k, t->N = N, t->n_y = n_y;
    t->tech_kind = kind;
    if (!(t->regions = emb_calloc(n_r, sizeof(char *), "region labels")) ||
        !(t->sectors = emb_calloc(n_s, sizeof(char *), "sector labels")) ||
        !(t->fd_categories = emb_calloc(n_f, sizeof(char *), "final-demand labels")) ||
        !(t->stressors = emb_calloc(k, sizeof(char *), "stressor labels")) ||
        !(t->stressor_units = emb_calloc(k, sizeof(char *), "stressor units")) ||
        !(t->Y = emb_calloc(Nny, sizeof(double), "final demand Y")) ||
        !(t->F = emb_calloc(kN, sizeof(double), "stressors F")) ||
        !(t->F_Y = emb_calloc(kny, sizeof(double), "final-demand stressors F_Y")) ||
        (with_T && !(t->T = emb_calloc(NN, sizeof(double), kind == EMB_TECH_Z ? "Z matrix" : "A matrix"))) ||
        !(t->path = emb_strdup(""))) {
        emb_table_free(t);
        return EMB_ENOMEM;
    }
    *out = t;
    return EMB_OK;
}

void emb_table_free(emb_table *t)
{
    if (!t)
        return;
    emb_strv_free(t->regions, t->n_r);
    emb_strv_free(t->sectors, t->n_s);
    emb_strv_free(t->fd_categories, t->n_f);
    emb_strv_free(t->stressors, t->k);
    emb_strv_free(t->stressor_units, t->k);
    emb_free(t->T);
    emb_csr_free(t->csr);
    emb_free(t->Y);
    emb_free(t->F);
    emb_free(t->F_Y);
    emb_free(t->x);
    emb_free(t->population);
    for (size_t g = 0; g < t->n_groups; g++) {
        emb_free(t->groups[g].name);
        emb_free(t->groups[g].members);
    }
    emb_free(t->groups);
    emb_free(t->source);
    emb_free(t->monetary_unit);
    emb_free(t->path);
    if (t->stream)
        t->stream->close(t->stream);
    emb_free(t);
}

static char **label_slot(emb_table *t, emb_label_kind kind, size_t i, size_t *n)
{
    switch (kind) {
    case EMB_LABEL_REGION: *n = t->n_r; return i < *n ? &t->regions[i] : NULL;
    case EMB_LABEL_SECTOR: *n = t->n_s; return i < *n ? &t->sectors[i] : NULL;
    case EMB_LABEL_FD_CATEGORY: *n = t->n_f; return i < *n ? &t->fd_categories[i] : NULL;
    case EMB_LABEL_STRESSOR: *n = t->k; return i < *n ? &t->stressors[i] : NULL;
    case EMB_LABEL_STRESSOR_UNIT: *n = t->k; return i < *n ? &t->stressor_units[i] : NULL;
    }
    *n = 0;
    return NULL;
}

emb_status emb_table_set_label(emb_table *t, emb_label_kind kind, size_t i, const char *s)
{
    size_t n;
    char **slot = label_slot(t, kind, i, &n);
    if (!slot)
        return emb_raise(EMB_EUSAGE, "%s: label index %zu out of range (%zu labels)", tpath(t), i, n);
    char *c = emb_strdup(s ? s : "");
    if (!c)
        return EMB_ENOMEM;
    emb_free(*slot);
    *slot = c;
    return EMB_OK;
}

emb_status emb_table_set_path(emb_table *t, const char *path)
{
    char *c = emb_strdup(path ? path : "");
    if (!c)
        return EMB_ENOMEM;
    emb_free(t->path);
    t->path = c;
    return EMB_OK;
}

emb_status emb_table_alloc_x(emb_table *t)
{
    if (t->x)
        return EMB_OK;
    t->x = emb_calloc(t->N, sizeof(double), "gross output x");
    return t->x ? EMB_OK : EMB_ENOMEM;
}

static long find(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] && strcmp(v[i], name) == 0)
            return (long)i;
    return -1;
}

long emb_table_region_index(const emb_table *t, const char *name)
{
    return find(t->regions, t->n_r, name);
}

long emb_table_group_index(const emb_table *t, const char *name)
{
    for (size_t g = 0; g < t->n_groups; g++)
        if (strcmp(t->groups[g].name, name) == 0)
            return (long)g;
    return -1;
}

/* Stressor names forgive: exact, then the last '/'-separated components
 * ("CO2/air" for "co2/CO2/air"), then both ignoring case, then a unique
 * prefix or substring ignoring case ("co2"). */
#define STRESSOR_MATCH (EMB_NAME_EXACT | EMB_NAME_SUFFIX | EMB_NAME_NOCASE | EMB_NAME_PARTIAL)

long emb_table_stressor_index(const emb_table *t, const char *name)
{
    long i = emb_name_find((const char *const *)t->stressors, t->k, name, STRESSOR_MATCH, NULL, 0,
                           NULL);
    return i >= 0 ? i : -1;
}

/* "'a', 'b', 'c' and 2 more" of names[amb[0..min(n, shown))]. */
static void list_names(char *const *names, const size_t *amb, size_t n, size_t shown, char *buf,
                       size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < shown && len < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s'%s'", i ? ", " : "", names[amb[i]]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (n > shown && len < cap)
        snprintf(buf + len, cap - len, " and %zu more", n - shown);
}

emb_status emb_table_find_stressor(const emb_table *t, const char *name, size_t *index)
{
    enum { SHOWN = 6 };
    size_t amb[SHOWN], n_amb = 0;
    char names[1024];
    long i = emb_name_find((const char *const *)t->stressors, t->k, name ? name : "",
                           STRESSOR_MATCH, amb, SHOWN, &n_amb);
    if (i >= 0) {
        *index = (size_t)i;
        return EMB_OK;
    }
    if (i == -2) {
        list_names(t->stressors, amb, n_amb, SHOWN, names, sizeof names);
        return emb_raise(EMB_EUSAGE, "%s: stressor '%s' is ambiguous: it matches %s; give more of "
                                     "the name", tpath(t), name, names);
    }
    emb_closest_names(name ? name : "", (const char *const *)t->stressors, t->k, 4, names,
                      sizeof names);
    return emb_raise(EMB_EUSAGE, "%s: no stressor '%s'; the closest are %s (see `embodied info`)",
                     tpath(t), name ? name : "", names);
}

emb_status emb_table_add_group(emb_table *t, const char *name, size_t n, const char *const *members)
{
    if (!name || !*name)
        return emb_raise(EMB_EUSAGE, "%s: group name is empty", tpath(t));
    if (n == 0)
        return emb_raise(EMB_EUSAGE, "%s: group '%s' has no member regions", tpath(t), name);
    if (emb_table_region_index(t, name) >= 0)
        return emb_raise(EMB_EUSAGE, "%s: group name '%s' is already a region", tpath(t), name);
    if (emb_table_group_index(t, name) >= 0)
        return emb_raise(EMB_EUSAGE, "%s: group '%s' is defined twice", tpath(t), name);
    size_t *idx = emb_alloc(n, sizeof *idx, "group members");
    char *nm = emb_strdup(name);
    /* realloc may have moved the array even if idx/nm failed: keep it. */
    emb_group *g = emb_realloc(t->groups, t->n_groups + 1, sizeof *g, "groups");
    if (g)
        t->groups = g;
    if (!idx || !nm || !g) {
        emb_free(idx), emb_free(nm);
        return EMB_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        /* A member matches its region exactly, else ignoring case if unique. */
        long r = emb_name_find((const char *const *)t->regions, t->n_r, members[i],
                               EMB_NAME_EXACT | EMB_NAME_NOCASE, NULL, 0, NULL);
        if (r < 0) {
            char near[512];
            emb_closest_names(members[i], (const char *const *)t->regions, t->n_r, 3, near,
                              sizeof near);
            emb_free(idx), emb_free(nm);
            return emb_raise(EMB_EUSAGE, "%s: group '%s': unknown region '%s'; the closest are %s",
                             tpath(t), name, members[i], near);
        }
        for (size_t j = 0; j < i; j++)
            if (idx[j] == (size_t)r) {
                emb_free(idx), emb_free(nm);
                return emb_raise(EMB_EUSAGE, "%s: group '%s': region '%s' listed twice", tpath(t),
                                 name, members[i]);
            }
        idx[i] = (size_t)r;
    }
    t->groups[t->n_groups].name = nm;
    t->groups[t->n_groups].n = n;
    t->groups[t->n_groups].members = idx;
    t->n_groups++;
    return EMB_OK;
}

emb_status emb_table_add_group_spec(emb_table *t, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return emb_raise(EMB_EUSAGE, "--group '%s': expected NAME=REGION1,REGION2,...", spec);
    size_t n = 1;
    for (const char *p = eq + 1; *p; p++)
        n += *p == ',';
    char *buf = emb_strdup(eq + 1);
    char *name = emb_strndup(spec, (size_t)(eq - spec));
    const char **mem = emb_alloc(n, sizeof *mem, "group members");
    emb_status st = EMB_ENOMEM;
    if (buf && name && mem) {
        size_t m = 0;
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            mem[m++] = tok;
        st = m ? emb_table_add_group(t, name, m, mem)
               : emb_raise(EMB_EUSAGE, "--group '%s': no member regions", spec);
    }
    emb_free(buf), emb_free(name), emb_free((void *)mem);
    return st;
}

/* Region or group `name`: exact (a region first, then a group), else
 * ignoring case when exactly one region or group matches.  *region or
 * *group is its index, the other -1; EMB_EUSAGE naming the candidates
 * (ambiguous) or the closest names (unknown). */
static emb_status find_unit(const emb_table *t, const char *name, long *region, long *group)
{
    *region = *group = -1;
    if (!name)
        name = "";
    if ((*region = emb_table_region_index(t, name)) >= 0 ||
        (*group = emb_table_group_index(t, name)) >= 0)
        return EMB_OK;
    size_t ng = t->n_groups;
    const char **gn = emb_alloc(ng ? ng : 1, sizeof *gn, "group names");
    if (!gn)
        return EMB_ENOMEM;
    for (size_t g = 0; g < ng; g++)
        gn[g] = t->groups[g].name;
    size_t ra[2], ga[2], nra = 0, nga = 0;
    long r = emb_name_find((const char *const *)t->regions, t->n_r, name, EMB_NAME_NOCASE, ra, 2,
                           &nra);
    long g = emb_name_find(gn, ng, name, EMB_NAME_NOCASE, ga, 2, &nga);
    nra = r >= 0 ? 1 : nra, nga = g >= 0 ? 1 : nga;
    emb_status st = EMB_OK;
    if (nra + nga == 1)
        *region = r, *group = g;
    else if (nra + nga > 1) {
        char c[1024];
        size_t len = 0;
        c[0] = '\0';
        size_t sr = nra < 2 ? nra : 2, sg = nga < 2 ? nga : 2; /* shown: at most 2 of each */
        for (size_t i = 0; i < sr + sg && len < sizeof c; i++) {
            int w = snprintf(c + len, sizeof c - len, "%s%s '%s'", i ? ", " : "",
                             i < sr ? "region" : "group", i < sr ? t->regions[ra[i]] : gn[ga[i - sr]]);
            len += w > 0 ? (size_t)w : 0;
        }
        st = emb_raise(EMB_EUSAGE, "%s: '%s' is ambiguous: ignoring case it matches %s; give the "
                                   "exact spelling", tpath(t), name, c);
    }
    else {
        char near_r[512], near_g[512] = "";
        emb_closest_names(name, (const char *const *)t->regions, t->n_r, 3, near_r, sizeof near_r);
        if (ng)
            emb_closest_names(name, gn, ng, 2, near_g, sizeof near_g);
        st = emb_raise(EMB_EUSAGE, "%s: '%s' is neither a region nor a group of this table; the "
                                   "closest regions are %s%s%s (see `embodied info`; define groups "
                                   "with --group NAME=R1,R2)", tpath(t), name, near_r,
                       ng ? ", groups " : "", near_g);
    }
    emb_free((void *)gn);
    return st;
}

emb_status emb_table_find_unit(const emb_table *t, const char *name, const char **label)
{
    long r, g;
    emb_status st = find_unit(t, name, &r, &g);
    if (!st)
        *label = r >= 0 ? t->regions[r] : t->groups[g].name;
    return st;
}

emb_status emb_table_resolve_unit(const emb_table *t, const char *name, const size_t **members,
                                  size_t *n, size_t *one)
{
    long r, g;
    emb_status st = find_unit(t, name, &r, &g);
    if (st)
        return st;
    if (r >= 0) {
        *one = (size_t)r;
        *members = one;
        *n = 1;
        return EMB_OK;
    }
    *members = t->groups[g].members;
    *n = t->groups[g].n;
    return EMB_OK;
}

emb_status emb_table_tech_rows(const emb_table *t, size_t r0, size_t nrows, double *dst)
{
    if (r0 > t->N || nrows > t->N - r0)
        return emb_raise(EMB_EINTERNAL, "%s: technology rows %zu..%zu out of range (N = %zu)",
                         tpath(t), r0, r0 + nrows, t->N);
    if (t->T) {
        memcpy(dst, t->T + r0 * t->N, nrows * t->N * sizeof(double));
        return EMB_OK;
    }
    if (t->csr) {
        const emb_csr *m = t->csr;
        memset(dst, 0, nrows * t->N * sizeof(double));
        for (size_t i = 0; i < nrows; i++) {
            double *row = dst + i * t->N;
            for (size_t p = m->indptr[r0 + i]; p < m->indptr[r0 + i + 1]; p++)
                row[m->indices[p]] = m->data[p];
        }
        return EMB_OK;
    }
    if (t->stream)
        return t->stream->read_rows(t->stream, r0, nrows, dst);
    return emb_raise(EMB_EINTERNAL, "%s: table has no technology matrix", tpath(t));
}

emb_status emb_table_set_tech_csr(emb_table *t, emb_csr *m)
{
    if (!m)
        return emb_raise(EMB_EUSAGE, "%s: no sparse technology matrix given", tpath(t));
    if (m->n_rows != t->N || m->n_cols != t->N) {
        emb_status st = emb_raise(EMB_EINPUT, "%s: sparse technology matrix is %zu x %zu, "
                                              "expected N x N = %zu x %zu", tpath(t), m->n_rows,
                                  m->n_cols, t->N, t->N);
        emb_csr_free(m);
        return st;
    }
    emb_status st = emb_csr_check(m, tpath(t), t->tech_kind == EMB_TECH_Z ? "/Z" : "/A");
    if (st) {
        emb_csr_free(m);
        return st;
    }
    emb_free(t->T);
    t->T = NULL;
    emb_csr_free(t->csr);
    t->csr = m;
    return EMB_OK;
}

emb_status emb_table_tech_csr(const emb_table *t, emb_csr **out)
{
    *out = NULL;
    size_t N = t->N;
    emb_csr *m = NULL;
    emb_status st;
    if (t->csr) {
        const emb_csr *s = t->csr;
        if ((st = emb_csr_create(N, N, s->nnz, &m)))
            return st;
        memcpy(m->indptr, s->indptr, (N + 1) * sizeof *m->indptr);
        memcpy(m->indices, s->indices, s->nnz * sizeof *m->indices);
        memcpy(m->data, s->data, s->nnz * sizeof *m->data);
        *out = m;
        return EMB_OK;
    }
    /* Rows per block: about 16 MiB (less under a small memory limit), at
     * least 1. */
    size_t nb = emb_block_bytes((size_t)16 << 20) / (N * sizeof(double) + 1);
    nb = nb < 1 ? 1 : nb > N ? N : nb;
    emb_csr_builder b;
    double *W = NULL;
    if ((st = emb_csr_builder_init(&b, N, N, N < 1024 ? 1024 : N, 0, "sparse matrix")))
        return st;
    if (!(W = emb_alloc(nb * N, sizeof *W, "technology row block"))) {
        st = EMB_ENOMEM;
        goto fail;
    }
    for (size_t r0 = 0; r0 < N; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if ((st = emb_table_tech_rows(t, r0, n, W)))
            goto fail;
        for (size_t i = 0; i < n; i++)
            if ((st = emb_csr_builder_dense_row(&b, W + i * N)) ||
                (st = emb_csr_builder_end_row(&b)))
                goto fail;
    }
    emb_free(W);
    return emb_csr_builder_finish(&b, out);
fail:
    emb_free(W);
    emb_csr_builder_free(&b);
    return st;
}

/* Check that n labels are set, acceptable (core/label.h) and unique (a
 * hostile file may declare millions: emb_first_duplicate sorts, n log n);
 * the duplicate reported is the first entry i equal to an earlier j. */
static emb_status check_labels(const emb_table *t, char *const *v, size_t n, const char *what,
                               const char *ds)
{
    for (size_t i = 0; i < n; i++) {
        size_t at;
        const char *why;
        if (!v[i])
            return emb_raise(EMB_EINPUT, "%s: dataset %s: %s label %zu is missing", tpath(t), ds,
                             what, i);
        if ((why = emb_label_problem(v[i], strlen(v[i]), 0, &at)))
            return emb_raise(EMB_EINPUT, "%s: dataset %s: %s label %zu ('%.80s') %s (byte %zu)",
                             tpath(t), ds, what, i, v[i], why, at);
    }
    size_t j, i;
    int d = emb_first_duplicate((const char *const *)v, n, &j, &i);
    if (d < 0)
        return EMB_ENOMEM;
    if (d)
        return emb_raise(EMB_EINPUT, "%s: dataset %s: duplicate %s name '%s' (entries %zu and %zu)",
                         tpath(t), ds, what, v[i], j, i);
    return EMB_OK;
}

static emb_status check_finite(const emb_table *t, const double *a, size_t rows, size_t cols,
                               const char *ds, char *const *rowlab, size_t rowmod)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double v = a[i * cols + j];
            if (!isfinite(v))
                return emb_raise(EMB_EINPUT, "%s: dataset %s: %s at row %zu%s%s%s, column %zu "
                                             "(values must be finite)",
                                 tpath(t), ds, isnan(v) ? "NaN" : "infinite value", i,
                                 rowlab ? " (" : "", rowlab ? rowlab[i % rowmod] : "",
                                 rowlab ? ")" : "", j);
        }
    return EMB_OK;
}

emb_status emb_table_validate(const emb_table *t, emb_table_facts *facts)
{
    return emb_table_validate_x(t, facts, 1);
}

emb_status emb_table_validate_x(const emb_table *t, emb_table_facts *facts, int x_required)
{
    emb_status st;
    if ((st = check_labels(t, t->regions, t->n_r, "region", "/regions")) ||
        (st = check_labels(t, t->sectors, t->n_s, "sector", "/sectors")) ||
        (st = check_labels(t, t->fd_categories, t->n_f, "final-demand category",
                           "/fd_categories")) ||
        (st = check_labels(t, t->stressors, t->k, "stressor", "/stressors")))
        return st;
    for (size_t s = 0; s < t->k; s++) {
        size_t at;
        const char *why;
        if (!t->stressor_units[s])
            return emb_raise(EMB_EINPUT, "%s: unit of stressor '%s' is missing", tpath(t),
                             t->stressors[s]);
        /* A unit may be empty (dimensionless counts), nothing else. */
        if ((why = emb_label_problem(t->stressor_units[s], strlen(t->stressor_units[s]), 1, &at)))
            return emb_raise(EMB_EINPUT, "%s: dataset /stressor_units: unit %zu ('%.80s') of "
                                         "stressor '%s' %s (byte %zu)", tpath(t), s,
                             t->stressor_units[s], t->stressors[s], why, at);
    }
    size_t tat;
    const char *twhy;
    if (t->source && (twhy = emb_text_problem(t->source, strlen(t->source), &tat)))
        return emb_raise(EMB_EINPUT, "%s: attribute source ('%.80s') %s (byte %zu)", tpath(t),
                         t->source, twhy, tat);
    if (t->monetary_unit &&
        (twhy = emb_label_problem(t->monetary_unit, strlen(t->monetary_unit), 1, &tat)))
        return emb_raise(EMB_EINPUT, "%s: attribute monetary_unit ('%.80s') %s (byte %zu)",
                         tpath(t), t->monetary_unit, twhy, tat);
    for (size_t g = 0; g < t->n_groups; g++) {
        size_t at;
        const char *why = emb_label_problem(t->groups[g].name, strlen(t->groups[g].name), 0, &at);
        if (why)
            return emb_raise(EMB_EINPUT, "%s: group name '%.80s' %s (byte %zu)", tpath(t),
                             t->groups[g].name, why, at);
        if (emb_table_region_index(t, t->groups[g].name) >= 0)
            return emb_raise(EMB_EINPUT, "%s: group name '%s' is also a region", tpath(t),
                             t->groups[g].name);
        for (size_t h = 0; h < g; h++)
            if (strcmp(t->groups[g].name, t->groups[h].name) == 0)
                return emb_raise(EMB_EINPUT, "%s: group '%s' defined twice", tpath(t),
                                 t->groups[g].name);
    }
    if ((st = check_finite(t, t->Y, t->N, t->n_y, "/Y", NULL, 1)) ||
        (st = check_finite(t, t->F, t->k, t->N, "/F", t->stressors, t->k)) ||
        (st = check_finite(t, t->F_Y, t->k, t->n_y, "/F_Y", t->stressors, t->k)))
        return st;
    if (t->T && (st = check_finite(t, t->T, t->N, t->N, t->tech_kind == EMB_TECH_Z ? "/Z" : "/A",
                                   NULL, 1)))
        return st;
    if (t->csr) {
        if (t->csr->n_rows != t->N || t->csr->n_cols != t->N)
            return emb_raise(EMB_EINPUT, "%s: sparse technology matrix is %zu x %zu, expected "
                                         "N x N = %zu x %zu", tpath(t), t->csr->n_rows,
                             t->csr->n_cols, t->N, t->N);
        if ((st = emb_csr_check(t->csr, tpath(t), t->tech_kind == EMB_TECH_Z ? "/Z" : "/A")))
            return st;
    }
    if (x_required && t->tech_kind == EMB_TECH_A && !t->x)
        return emb_raise(EMB_EINPUT, "%s: a table given as /A needs /x (gross output)", tpath(t));
    emb_table_facts f = {0, 0.0, 0};
    if (t->x) {
        for (size_t i = 0; i < t->N; i++) {
            double v = t->x[i];
            if (!isfinite(v) || v < 0)
                return emb_raise(EMB_EINPUT, "%s: dataset /x: %s output %.17g at row %zu (region %s, "
                                             "sector %s); gross output must be finite and >= 0",
                                 tpath(t), isfinite(v) ? "negative" : "non-finite", v, i,
                                 t->regions[i / t->n_s], t->sectors[i % t->n_s]);
            f.n_zero_x += v == 0;
        }
    }
    for (size_t r = 0; t->population && r < t->n_r; r++)
        if (!(isfinite(t->population[r]) && t->population[r] > 0))
            return emb_raise(EMB_EINPUT, "%s: dataset /population: %.17g persons for region %s; "
                                         "a population must be finite and > 0", tpath(t),
                             t->population[r], t->regions[r]);
    for (size_t i = 0; i < t->N * t->n_y; i++)
        if (t->Y[i] < 0) {
            f.n_negative_Y++;
            f.sum_negative_Y += t->Y[i];
        }
    if (facts)
        *facts = f;
    return EMB_OK;
}
