/* src/import/csvutil.c — string lists, growable matrices, stressor globs, CSV
 * readers and pandas' column headers for the text importers (see
 * csvutil.h). */
#include "import/csvutil.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/plan.h"

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

/* ------------------------------------------------- pandas' column headers */

emb_status emb_colhdr_read(emb_tsv *r, size_t nic, const char *outer_what, const char *inner_what,
                           size_t max_outer, emb_colhdr *h)
{
    const char *f = emb_tsv_name(r);
    int have;
    emb_status st;
    if ((st = emb_tsv_next(r, &have)))
        return st;
    if (!have)
        return emb_raise(EMB_EINPUT, "%s: empty file; expected 2 header rows (%s, %s)", f,
                         outer_what, inner_what);
    size_t nf = emb_tsv_nfields(r);
    if (nic == 0)
        for (nic = 1; nic + 1 < nf && !*emb_tsv_field(r, nic);)
            nic++;
    if (nf <= nic)
        return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "expected %zu index column%s and then "
                            "data columns, found %zu field%s (is the delimiter right?)", nic,
                            nic == 1 ? "" : "s", nf, nf == 1 ? "" : "s");
    h->nic = nic, h->nf = nf, h->line_outer = emb_tsv_lineno(r);
    if (!max_outer) {
        emb_plan pl;
        emb_plan_init(&pl);
        emb_plan_add(&pl, "Z", (double)(nf - nic), (double)(nf - nic), sizeof(double));
        if ((st = emb_plan_check(&pl, f, "the table")))
            return st;
    }
    /* Outer row: runs of equal labels, all of the same length. */
    size_t run = 0, first_run = 0;
    for (size_t c = nic; c < nf; c++) {
        const char *lab = emb_tsv_field(r, c);
        if (!*lab)
            return emb_tsv_fail(r, EMB_EINPUT, c, "empty %s label", outer_what);
        if (c > nic && strcmp(lab, h->outer.v[h->outer.n - 1]) == 0) {
            run++;
            continue;
        }
        if (max_outer && h->outer.n >= max_outer)
            return emb_tsv_fail(r, EMB_EINPUT, c, "%s '%s': more %ss than the %zu of the "
                                "technology matrix", outer_what, lab, outer_what, max_outer);
        /* Linear, so n_r^2 in all: bounded by the plan of Z's header (n_r
         * <= N) and max_outer. */
        if (emb_strlist_find(&h->outer, lab) >= 0)
            return emb_tsv_fail(r, EMB_EINPUT, c, "%s '%s' appears again after other %ss "
                                "(columns must be grouped by %s)", outer_what, lab, outer_what,
                                outer_what);
        if (c > nic) { /* a run ends */
            if (h->outer.n == 1)
                first_run = run;
            else if (run != first_run)
                return emb_tsv_fail(r, EMB_EINPUT, c - 1, "%s '%s' has %zu columns, %s '%s' has "
                                    "%zu (every %s needs the same %ss)", outer_what,
                                    h->outer.v[h->outer.n - 1], run, outer_what, h->outer.v[0],
                                    first_run, outer_what, inner_what);
        }
        if ((st = emb_strlist_push(&h->outer, lab)))
            return st;
        run = 1;
    }
    if (h->outer.n == 1)
        first_run = run;
    else if (run != first_run)
        return emb_tsv_fail(r, EMB_EINPUT, nf - 1, "%s '%s' has %zu columns, %s '%s' has %zu "
                            "(every %s needs the same %ss)", outer_what,
                            h->outer.v[h->outer.n - 1], run, outer_what, h->outer.v[0], first_run,
                            outer_what, inner_what);
    /* Inner row: the first block names them, the others repeat it. */
    if ((st = emb_tsv_next(r, &have)))
        return st;
    if (!have)
        return emb_raise(EMB_EINPUT, "%s: ends after line %zu; expected a second header row "
                                     "(%s labels)", f, h->line_outer, inner_what);
    h->line_inner = emb_tsv_lineno(r);
    if (emb_tsv_nfields(r) != nf)
        return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "header row has %zu fields, line %zu "
                            "has %zu", emb_tsv_nfields(r), h->line_outer, nf);
    for (size_t c = nic; c < nic + first_run; c++) {
        const char *lab = emb_tsv_field(r, c);
        if (!*lab)
            return emb_tsv_fail(r, EMB_EINPUT, c, "empty %s label", inner_what);
        if ((st = emb_strlist_push(&h->inner, lab)))
            return st;
    }
    /* Sorted: a Y header of one region may list a million categories. */
    size_t d0, d1;
    int dup = emb_first_duplicate((const char *const *)h->inner.v, h->inner.n, &d0, &d1);
    if (dup < 0)
        return EMB_ENOMEM;
    if (dup)
        return emb_tsv_fail(r, EMB_EINPUT, nic + d1, "%s '%s' appears twice under %s '%s'",
                            inner_what, h->inner.v[d1], outer_what, h->outer.v[0]);
    for (size_t c = nic + first_run; c < nf; c++) {
        const char *lab = emb_tsv_field(r, c);
        size_t i = c - nic;
        if (strcmp(lab, h->inner.v[i % first_run]) != 0) {
            return emb_tsv_fail(r, EMB_EINPUT, c, "expected %s '%s' (every %s must list the %ss "
                                "of %s '%s' in the same order), found '%s'", inner_what,
                                h->inner.v[i % first_run], outer_what, inner_what, outer_what,
                                h->outer.v[0], lab);
        }
    }
    /* pandas' index-name row: index cells named, every data cell empty.  It
     * is absent where the index has no names (EXIOBASE's satellite F.txt). */
    if ((st = emb_tsv_next(r, &have)) || !have)
        return st;
    if (emb_tsv_nfields(r) == nf) {
        size_t c = nic;
        while (c < nf && !*emb_tsv_field(r, c))
            c++;
        if (c == nf)
            return EMB_OK;
    }
    emb_tsv_again(r); /* a data row */
    return EMB_OK;
}

void emb_colhdr_free(emb_colhdr *h)
{
    emb_strlist_free(&h->outer);
    emb_strlist_free(&h->inner);
}

emb_status emb_tsv_check_nfields(emb_tsv *r, size_t nf, size_t nic)
{
    size_t got = emb_tsv_nfields(r);
    if (got == nf)
        return EMB_OK;
    return emb_tsv_fail(r, EMB_EINPUT, got < nf ? got : nf, "%s (expected %zu fields: %zu index "
                        "+ %zu data columns, found %zu)", got < nf ? "missing cell" : "extra cell",
                        nf, nic, nf - nic, got);
}

emb_status emb_tsv_expect_end(emb_tsv *r, const char *rows)
{
    int have;
    emb_status st;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have)
        if (!emb_tsv_blank(r))
            return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "unexpected row after the %s", rows);
    return st;
}
