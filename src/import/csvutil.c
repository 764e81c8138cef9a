/* src/import/csvutil.c — string lists, growable matrices, stressor globs and
 * CSV readers for the CSV importers (see csvutil.h). */
#include "import/csvutil.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

emb_status emb_strlist_push(emb_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        char **nv = emb_realloc(l->v, nc, sizeof *nv, "label list");
        if (!nv)
            return EMB_ENOMEM;
        l->v = nv, l->cap = nc;
    }
    if (!(l->v[l->n] = emb_strdup(s)))
        return EMB_ENOMEM;
    l->n++;
    return EMB_OK;
}

long emb_strlist_find(const emb_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return (long)i;
    return -1;
}

void emb_strlist_free(emb_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        emb_free(l->v[i]);
    emb_free(l->v);
    memset(l, 0, sizeof *l);
}

void emb_strlist_join(const emb_strlist *l, size_t max, char *buf, size_t cap)
{
    size_t w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && i < max && w < cap; i++)
        w += (size_t)snprintf(buf + w, cap - w, "%s%s", i ? ", " : "", l->v[i]);
    if (l->n > max && w < cap)
        snprintf(buf + w, cap - w, ", ... (%zu in all)", l->n);
}

emb_status emb_rows_append(emb_rows *m, size_t cols, const char *what, double **row)
{
    if (m->rows == 0 && m->cap == 0)
        m->cols = cols;
    if (m->rows == m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 8, cells;
        if (emb_mul_overflows(nc, m->cols ? m->cols : 1, &cells))
            return emb_raise(EMB_ENOMEM, "%s: %zu rows of %zu values overflow", what, nc, m->cols);
        double *na = emb_realloc(m->a, cells ? cells : 1, sizeof *na, what);
        if (!na)
            return EMB_ENOMEM;
        m->a = na, m->cap = nc;
    }
    *row = m->a + m->rows * m->cols;
    memset(*row, 0, m->cols * sizeof **row);
    m->rows++;
    return EMB_OK;
}

void emb_rows_free(emb_rows *m)
{
    emb_free(m->a);
    memset(m, 0, sizeof *m);
}

int emb_stressor_wanted(const emb_import_opts *opts, const char *name, unsigned char *used)
{
    if (!opts || !opts->stressor_patterns || opts->n_stressor_patterns == 0)
        return 1;
    int keep = 0;
    for (size_t p = 0; p < opts->n_stressor_patterns; p++)
        if (fnmatch(opts->stressor_patterns[p], name, 0) == 0) {
            keep = 1;
            if (used)
                used[p] = 1;
        }
    return keep;
}

emb_status emb_stressor_patterns_check(const emb_import_opts *opts, const unsigned char *used,
                                       const emb_strlist *all, const char *file)
{
    if (!opts || !opts->stressor_patterns)
        return EMB_OK;
    for (size_t p = 0; p < opts->n_stressor_patterns; p++)
        if (!used[p]) {
            char avail[600];
            emb_strlist_join(all, 8, avail, sizeof avail);
            return emb_raise(EMB_EUSAGE, "%s: stressor pattern '%s' matches no stressor "
                                         "(available: %s)", file, opts->stressor_patterns[p],
                             all->n ? avail : "none");
        }
    return EMB_OK;
}

emb_status emb_csv_open_in(emb_archive *a, const char *rel, char delim, emb_tsv **out)
{
    emb_status st = emb_tsv_open_in(a, rel, out);
    if (st == EMB_OK)
        emb_tsv_set_delim(*out, delim);
    return st;
}
