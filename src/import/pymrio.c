/* src/import/pymrio.c — emb_import_pymrio(): the pymrio / EXIOBASE-3 text
 * layout (folder or zip) into an in-memory emb_table.
 *
 * The layout (pymrio's save_all, EXIOBASE 3 downloads):
 *   file_parameters.json   {"files": {"Z"|"A": {...}, "Y": {...}, "unit": {...},
 *                           ["x": {...}]}, "systemtype": "IOSystem"}; each file
 *                          entry has "name", "nr_index_col", "nr_header"
 *                          (numbers, often written as strings)
 *   Z.txt / A.txt, Y.txt   pandas to_csv(sep='\t'): nr_header rows of column
 *                          labels (first cell = the level name: "region",
 *                          "sector"/"category"), then, when the index has
 *                          names, one row of index names with empty data
 *                          cells, then the data rows led by nr_index_col
 *                          index cells (region, sector)
 *   <ext>/file_parameters.json  {"files": {"F", "F_Y" | "F_hh", "unit"},
 *                          "systemtype": "Extension"}; F rows are stressors
 *                          (stressor[, compartment]) x (region, sector)
 *   metadata.json          "name" goes into t->source
 *   population.txt         persons by region, optional (pymrio's "population"
 *                          entry): a header row of regions, one data row;
 *                          into t->population (per-capita accounts); when
 *                          listed but absent, t->source says so
 *   x.txt                  gross output, optional; an A table without it is
 *                          returned with t->x NULL (the caller completes it:
 *                          emb_table_complete_x, a Leontief solve; importers
 *                          never call the solver)
 *
 * Streaming plan (no file is ever held in memory): the column headers of Z
 * and Y give N = n_r * n_s and n_f, and a first pass over each F counts its
 * stressors; then the table is allocated once and the data rows of Z and Y
 * (whose readers were left open after their headers), F (second pass) and
 * F_Y are parsed straight into it.  Rows of every (region, sector)-indexed
 * file must follow the columns of Z exactly (region-major), so one pointer
 * into the table suffices and any mislabelled row is reported where it is.
 *
 * Stressor selection (opts->stressor_patterns, `--stressors`): the first
 * pass over F matches every stressor's full name against the globs; rows
 * that match none are never stored (the second pass skips them without
 * parsing, and their F_Y rows are skipped too), and an extension left with
 * no stressor is not read again.  A pattern that matches nothing is an
 * error naming it and the closest names.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) */
#include "embodied/import.h"
#include "import/importers.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/names.h"
#include "core/plan.h"
#include "core/table_impl.h"
#include "import/bytesrc.h"
#include "import/csvutil.h"
#include "import/json.h"
#include "import/regions.h"
#include "import/tsv.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PARAMS "file_parameters.json"
#define NIC_INFER ((size_t)-1) /* count index columns from the first header row */

/* ---------------------------------------------------------------- helpers */

/* Raise EMB_EINPUT as "<file>: line L[, column C]: ..." for a line that is
 * no longer the reader's current one (C 1-based; 0 = no column). */
static emb_status at(const char *file, size_t line, size_t col, const char *fmt, ...)
    EMB_PRINTF(4, 5);
static emb_status at(const char *file, size_t line, size_t col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        return emb_raise(EMB_EINPUT, "%s: line %zu, column %zu: %s", file, line, col, msg);
    return emb_raise(EMB_EINPUT, "%s: line %zu: %s", file, line, msg);
}

/* a + b + c, newly allocated. */
static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = emb_alloc(la + lb + lc + 1, 1, "file name");
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        memcpy(s + la + lb, c, lc + 1);
    }
    return s;
}

/* ------------------------------------------------------------- parameters */

/* One file of the layout, as file_parameters.json describes it. */
typedef struct fparam {
    char *rel;        /* path inside the archive; NULL when the file is absent */
    char *disp;       /* display name for messages */
    size_t nic, nhdr; /* nr_index_col (or NIC_INFER), nr_header */
} fparam;

static void fp_free(fparam *p)
{
    emb_free(p->rel);
    emb_free(p->disp);
    p->rel = p->disp = NULL;
}

/* One extension (satellite-account folder). */
typedef struct extension {
    char *dir;      /* folder name, the stressors' prefix */
    fparam F, FY, unit;
    size_t nic;     /* index columns of F (resolved) */
    size_t nf;      /* fields per F line */
    emb_strlist all;    /* every stressor row of F, in file order: its index cells joined by '\t' */
    unsigned char *keep; /* [all.n]: 1 where the row is kept (matches --stressors) */
    emb_strlist keys;   /* the kept stressors (a subsequence of all) */
    emb_strlist units;  /* per kept stressor */
    size_t off;     /* first stressor row in the table */
} extension;

/* Column labels of a table: two header rows, outer-major (region, then
 * sector or category). */
typedef struct job {
    const char *path;
    emb_archive *ar;
    char *root;       /* "" or "<top folder>/" */
    char *params;     /* display name of the root file_parameters.json */
    fparam tech, Y, unit, x, pop;
    emb_tech_kind kind;
    char *name;       /* metadata.json "name" */
    extension *ext;
    size_t n_ext;
    const char *const *pats; /* --stressors globs (fnmatch on the full name); none: keep all */
    size_t n_pats;
    unsigned char *pat_hit;  /* [n_pats]: the pattern matched at least one stressor */
    emb_colhdr zc, yc;
    emb_tsv *zr, *yr; /* Z/A and Y, left open after their headers */
    char *monetary;
    emb_table *t;
} job;

/* A count from file_parameters.json: a number or a string of digits. */
static emb_status json_count(const char *file, const emb_json *e, const char *what, const char *key,
                             size_t dflt, size_t *out)
{
    const emb_json *v = emb_json_get(e, key);
    *out = dflt;
    if (!v)
        return EMB_OK;
    if (v->type == EMB_JSON_NUMBER && v->number >= 0 && v->number <= 1000 &&
        v->number == (double)(size_t)v->number) {
        *out = (size_t)v->number;
        return EMB_OK;
    }
    if (v->type == EMB_JSON_STRING && v->string[0] && strlen(v->string) <= 4 &&
        strspn(v->string, "0123456789") == strlen(v->string)) {
        *out = (size_t)strtoul(v->string, NULL, 10);
        return EMB_OK;
    }
    return at(file, v->line, 0, "files.%s.%s must be a count (a number or a string of digits "
                                "up to 1000)", what, key);
}

/* Fill p from entry `key` of the "files" object of parameter file `file`;
 * an absent entry leaves p->rel NULL.  dir is the folder prefix of the
 * entry's file inside the archive. */
static emb_status get_fparam(job *j, const char *file, const emb_json *files, const char *key,
                             const char *dir, size_t dflt_nic, size_t dflt_nhdr, fparam *p)
{
    const emb_json *e = emb_json_get(files, key);
    emb_status st;
    p->nic = dflt_nic, p->nhdr = dflt_nhdr;
    if (!e)
        return EMB_OK;
    const char *name = emb_json_str(emb_json_get(e, "name"));
    if (e->type != EMB_JSON_OBJECT || !name || !*name)
        return at(file, e->line, 0, "files.%s must be an object with a \"name\" string", key);
    /* A plain file name: nothing may reach outside the folder or zip. */
    if (strchr(name, '/') || strchr(name, '\\') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return at(file, e->line, 0, "files.%s.name '%s' must be a plain file name", key, name);
    if ((st = json_count(file, e, key, "nr_index_col", dflt_nic, &p->nic)) ||
        (st = json_count(file, e, key, "nr_header", dflt_nhdr, &p->nhdr)))
        return st;
    if (!(p->rel = cat3(dir, name, "")) || !(p->disp = emb_archive_display(j->ar, p->rel)))
        return EMB_ENOMEM;
    return EMB_OK;
}

/* Use file dir+name with default parameters when it exists and p is unset. */
static emb_status default_fparam(job *j, const char *dir, const char *name, fparam *p)
{
    if (p->rel)
        return EMB_OK;
    char *rel = cat3(dir, name, "");
    if (!rel)
        return EMB_ENOMEM;
    if (!emb_archive_has(j->ar, rel)) {
        emb_free(rel);
        return EMB_OK;
    }
    p->rel = rel;
    return (p->disp = emb_archive_display(j->ar, rel)) ? EMB_OK : EMB_ENOMEM;
}

/* Parse JSON file rel of the archive. */
static emb_status read_json(job *j, const char *rel, emb_json **out)
{
    emb_bytesrc *src = NULL;
    emb_status st = emb_bytesrc_open(j->ar, rel, &src);
    if (st == EMB_OK)
        st = emb_json_read(src, out);
    emb_bytesrc_close(src);
    return st;
}

/* The "files" object and systemtype check of a parameter file. */
static emb_status params_files(const char *disp, const emb_json *doc, const char *systemtype,
                               const emb_json **files)
{
    if (doc->type != EMB_JSON_OBJECT)
        return at(disp, doc->line, 0, "expected a JSON object");
    const emb_json *sys = emb_json_get(doc, "systemtype");
    if (sys && (!emb_json_str(sys) || strcmp(sys->string, systemtype) != 0))
        return at(disp, sys->line, 0, "systemtype is %s%s%s, expected \"%s\"",
                  emb_json_str(sys) ? "\"" : "", emb_json_str(sys) ? sys->string : "not a string",
                  emb_json_str(sys) ? "\"" : "", systemtype);
    *files = emb_json_get(doc, "files");
    if (!*files || (*files)->type != EMB_JSON_OBJECT)
        return at(disp, *files ? (*files)->line : doc->line, 0, "expected a \"files\" object");
    return EMB_OK;
}

/* Root file_parameters.json: which file holds Z or A, Y, unit, x. */
static emb_status read_core_params(job *j)
{
    char *rel = cat3(j->root, PARAMS, "");
    emb_json *doc = NULL;
    const emb_json *files;
    emb_status st = EMB_ENOMEM;
    if (!rel || !(j->params = emb_archive_display(j->ar, rel)))
        goto done;
    if ((st = read_json(j, rel, &doc)) || (st = params_files(j->params, doc, "IOSystem", &files)))
        goto done;
    if ((st = get_fparam(j, j->params, files, "Z", j->root, 2, 2, &j->tech)))
        goto done;
    j->kind = EMB_TECH_Z;
    if (!j->tech.rel) { /* EXIOBASE ships A (and Y) without Z */
        if ((st = get_fparam(j, j->params, files, "A", j->root, 2, 2, &j->tech)))
            goto done;
        j->kind = EMB_TECH_A;
    }
    if (!j->tech.rel) {
        st = at(j->params, files->line, 0, "\"files\" lists neither \"Z\" nor \"A\" (the "
                                           "technology matrix)");
        goto done;
    }
    if ((st = get_fparam(j, j->params, files, "Y", j->root, 2, 2, &j->Y)))
        goto done;
    if (!j->Y.rel) {
        st = at(j->params, files->line, 0, "\"files\" lists no \"Y\" (final demand)");
        goto done;
    }
    if ((st = get_fparam(j, j->params, files, "unit", j->root, 2, 1, &j->unit)) ||
        (st = default_fparam(j, j->root, "unit.txt", &j->unit)) ||
        (st = get_fparam(j, j->params, files, "x", j->root, 2, 1, &j->x)) ||
        (st = default_fparam(j, j->root, "x.txt", &j->x)) ||
        (st = get_fparam(j, j->params, files, "population", j->root, 1, 1, &j->pop)) ||
        (st = default_fparam(j, j->root, "population.txt", &j->pop)))
        goto done;
    st = EMB_OK;
done:
    emb_json_free(doc);
    emb_free(rel);
    return st;
}

/* metadata.json (optional): its "name" labels the source. */
static emb_status read_metadata(job *j)
{
    char *rel = cat3(j->root, "metadata.json", "");
    emb_json *doc = NULL;
    emb_status st = EMB_OK;
    if (!rel)
        return EMB_ENOMEM;
    if (emb_archive_has(j->ar, rel) && (st = read_json(j, rel, &doc)) == EMB_OK) {
        const char *name = emb_json_str(emb_json_get(doc, "name"));
        if (name && *name && !(j->name = emb_strdup(name)))
            st = EMB_ENOMEM;
    }
    emb_json_free(doc);
    emb_free(rel);
    return st;
}

/* ------------------------------------------------------------- extensions */

static void ext_free(extension *e)
{
    emb_free(e->dir);
    fp_free(&e->F), fp_free(&e->FY), fp_free(&e->unit);
    emb_strlist_free(&e->all), emb_strlist_free(&e->keys), emb_strlist_free(&e->units);
    emb_free(e->keep);
    memset(e, 0, sizeof *e);
}

/* Describe extension folder `name` into e; *is_ext = 0 when the folder is
 * not an extension (no parameter file of systemtype Extension and no F.txt). */
static emb_status probe_extension(job *j, const char *name, extension *e, int *is_ext)
{
    emb_status st = EMB_ENOMEM;
    char *dir = cat3(j->root, name, "/"), *prel = dir ? cat3(dir, PARAMS, "") : NULL, *pdisp = NULL;
    emb_json *doc = NULL;
    *is_ext = 0;
    if (!prel || !(e->dir = emb_strdup(name)))
        goto done;
    if (emb_archive_has(j->ar, prel)) {
        const emb_json *files, *sys;
        if (!(pdisp = emb_archive_display(j->ar, prel)))
            goto done;
        if ((st = read_json(j, prel, &doc)))
            goto done;
        sys = emb_json_get(doc, "systemtype");
        if (emb_json_str(sys) && strcmp(sys->string, "Extension") != 0) {
            st = EMB_OK; /* some other kind of folder */
            goto done;
        }
        if ((st = params_files(pdisp, doc, "Extension", &files)) ||
            (st = get_fparam(j, pdisp, files, "F", dir, NIC_INFER, 2, &e->F)) ||
            (st = get_fparam(j, pdisp, files, "F_Y", dir, NIC_INFER, 2, &e->FY)))
            goto done;
        /* Older EXIOBASE releases call household emissions F_hh. */
        if (!e->FY.rel && (st = get_fparam(j, pdisp, files, "F_hh", dir, NIC_INFER, 2, &e->FY)))
            goto done;
        if ((st = get_fparam(j, pdisp, files, "unit", dir, NIC_INFER, 1, &e->unit)))
            goto done;
        if (!e->F.rel) {
            st = at(pdisp, files->line, 0, "extension '%s' lists no \"F\" (stressors by "
                                           "industry)", name);
            goto done;
        }
    } else {
        /* No parameter file: an extension only if it holds F.txt. */
        e->F.nic = e->FY.nic = NIC_INFER;
        e->F.nhdr = e->FY.nhdr = 2;
        if ((st = default_fparam(j, dir, "F.txt", &e->F)))
            goto done;
        if (!e->F.rel) {
            st = EMB_OK;
            goto done;
        }
        if ((st = default_fparam(j, dir, "F_Y.txt", &e->FY)) ||
            (st = default_fparam(j, dir, "F_hh.txt", &e->FY)))
            goto done;
    }
    if ((st = default_fparam(j, dir, "unit.txt", &e->unit)))
        goto done;
    if (!e->unit.rel) {
        st = emb_raise(EMB_EINPUT, "%s: extension folder '%s' has no unit.txt (the units of "
                                   "its stressors)", emb_archive_path(j->ar), name);
        goto done;
    }
    *is_ext = 1;
    st = EMB_OK;
done:
    emb_json_free(doc);
    emb_free(dir), emb_free(prel), emb_free(pdisp);
    return st;
}

/* Every extension folder, sorted by name, filtered by opts. */
static emb_status find_extensions(job *j, const emb_import_opts *opts)
{
    char **dirs = NULL;
    size_t nd = 0;
    emb_status st = emb_archive_subdirs(j->ar, j->root, &dirs, &nd);
    if (st != EMB_OK)
        return st;
    if (nd && !(j->ext = emb_calloc(nd, sizeof *j->ext, "extension list")))
        st = EMB_ENOMEM;
    for (size_t i = 0; i < nd && st == EMB_OK; i++) {
        int is_ext = 0;
        extension *e = &j->ext[j->n_ext];
        st = probe_extension(j, dirs[i], e, &is_ext);
        if (st == EMB_OK && is_ext)
            j->n_ext++;
        else
            ext_free(e); /* nothing of it stays: the slot is reused */
    }
    for (size_t i = 0; i < nd; i++)
        emb_free(dirs[i]);
    emb_free(dirs);
    if (st != EMB_OK || !opts || !opts->extensions || opts->n_extensions == 0)
        return st;
    for (size_t w = 0; w < opts->n_extensions; w++) {
        size_t e = 0;
        while (e < j->n_ext && strcmp(j->ext[e].dir, opts->extensions[w]) != 0)
            e++;
        if (e == j->n_ext) {
            char avail[512] = "";
            for (size_t a = 0; a < j->n_ext; a++) {
                size_t l = strlen(avail);
                snprintf(avail + l, sizeof avail - l, "%s%s", a ? ", " : "", j->ext[a].dir);
            }
            return emb_raise(EMB_EUSAGE, "%s: no extension '%s' (available: %s)", j->path,
                             opts->extensions[w], j->n_ext ? avail : "none");
        }
    }
    /* Keep the wanted ones, still in folder-name order. */
    size_t kept = 0;
    for (size_t e = 0; e < j->n_ext; e++) {
        int want = 0;
        for (size_t w = 0; w < opts->n_extensions; w++)
            want |= strcmp(j->ext[e].dir, opts->extensions[w]) == 0;
        if (want)
            j->ext[kept++] = j->ext[e];
        else
            ext_free(&j->ext[e]);
    }
    j->n_ext = kept;
    return EMB_OK;
}

/* ------------------------------------------------------------ text tables */

static emb_status open_tsv(job *j, const fparam *p, emb_tsv **r)
{
    return emb_tsv_open_in(j->ar, p->rel, r);
}

/* The two column-header rows of r (emb_colhdr_read), after checking the
 * file's parameters ask for two. */
static emb_status read_colhdr(emb_tsv *r, const fparam *p, const char *outer_what,
                              const char *inner_what, size_t max_outer, emb_colhdr *h)
{
    if (p->nhdr != 2)
        return emb_raise(EMB_EINPUT, "%s: nr_header is %zu in file_parameters.json; expected 2 "
                                     "(a row of %s and a row of %s labels)", emb_tsv_name(r),
                         p->nhdr, outer_what, inner_what);
    return emb_colhdr_read(r, p->nic == NIC_INFER ? 0 : p->nic, outer_what, inner_what, max_outer,
                           h);
}

/* Labels `got` (read at line, columns first_col + i*stride, 1-based) must be
 * `want` of file `wfile`. */
static emb_status same_labels(const char *file, size_t line, size_t first_col, size_t stride,
                              const emb_strlist *got, const emb_strlist *want, const char *what,
                              const char *wfile)
{
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(got->v[i], want->v[i]) != 0)
            return at(file, line, first_col + i * stride, "expected %s '%s' (the %ss of %s, in "
                      "the same order), found '%s'", what, want->v[i], what, wfile, got->v[i]);
    if (got->n != want->n)
        return at(file, line, 0, "the columns list %zu %ss, %s has %zu", got->n, what, wfile,
                  want->n);
    return EMB_OK;
}

/* Read the N data rows of r, indexed (region, sector) in the order of Z's
 * columns, nf - nic numbers each, into dst[i * ld + c]; then the end. */
static emb_status read_rs_rows(job *j, emb_tsv *r, size_t nic, size_t nf, double *dst, size_t ld)
{
    size_t n_s = j->zc.inner.n, N = j->zc.outer.n * n_s;
    char rows[96];
    snprintf(rows, sizeof rows, "%zu (region, sector) rows", N);
    for (size_t i = 0; i < N; i++) {
        int have, parsed;
        emb_status st = emb_tsv_next_numbers(r, nic, nf - nic, dst + i * ld, &have, &parsed);
        if (st)
            return st;
        if (!have)
            return emb_raise(EMB_EINPUT, "%s: ends after line %zu with %zu of the %s", emb_tsv_name(r),
                             emb_tsv_lineno(r), i, rows);
        if ((st = emb_tsv_check_nfields(r, nf, nic)))
            return st;
        const char *reg = j->zc.outer.v[i / n_s], *sec = j->zc.inner.v[i % n_s];
        if (strcmp(emb_tsv_field(r, 0), reg) != 0)
            return emb_tsv_fail(r, EMB_EINPUT, 0, "expected region '%s' (rows must follow the "
                                "(region, sector) order of the columns of %s), found '%s'", reg,
                                j->tech.disp, emb_tsv_field(r, 0));
        if (strcmp(emb_tsv_field(r, 1), sec) != 0)
            return emb_tsv_fail(r, EMB_EINPUT, 1, "expected sector '%s' (rows must follow the "
                                "(region, sector) order of the columns of %s), found '%s'", sec,
                                j->tech.disp, emb_tsv_field(r, 1));
        if (!parsed && (st = emb_tsv_numbers(r, nic, nf - nic, dst + i * ld)))
            return st;
    }
    return emb_tsv_expect_end(r, rows);
}

/* The index cells of the current line joined by '\t' (a tab cannot occur
 * inside a field), newly allocated. */
static char *row_key(emb_tsv *r, size_t nic)
{
    size_t len = 0;
    for (size_t c = 0; c < nic; c++)
        len += strlen(emb_tsv_field(r, c)) + 1;
    char *k = emb_alloc(len, 1, "stressor name");
    if (!k)
        return NULL;
    char *w = k;
    for (size_t c = 0; c < nic; c++) {
        size_t l = strlen(emb_tsv_field(r, c));
        memcpy(w, emb_tsv_field(r, c), l);
        w += l;
        *w++ = c + 1 < nic ? '\t' : '\0';
    }
    return k;
}

/* ------------------------------------------------------------------- Z, Y */

static emb_status read_core_headers(job *j)
{
    emb_status st;
    if (j->tech.nic != 2)
        return emb_raise(EMB_EINPUT, "%s: nr_index_col is %zu in %s; expected 2 (region, sector)",
                         j->tech.disp, j->tech.nic, j->params);
    if (j->Y.nic != 2)
        return emb_raise(EMB_EINPUT, "%s: nr_index_col is %zu in %s; expected 2 (region, sector)",
                         j->Y.disp, j->Y.nic, j->params);
    if ((st = open_tsv(j, &j->tech, &j->zr)) ||
        (st = read_colhdr(j->zr, &j->tech, "region", "sector", 0, &j->zc)) ||
        (st = open_tsv(j, &j->Y, &j->yr)) ||
        (st = read_colhdr(j->yr, &j->Y, "region", "category", j->zc.outer.n, &j->yc)))
        return st;
    return same_labels(j->Y.disp, j->yc.line_outer, j->yc.nic + 1, j->yc.inner.n, &j->yc.outer,
                       &j->zc.outer, "region", j->tech.disp);
}

/* Core unit.txt: the monetary unit is the last cell of its first row (rows
 * that disagree are pymrio's business, not an error). */
static emb_status read_monetary_unit(job *j)
{
    emb_tsv *r = NULL;
    int have = 0;
    emb_status st;
    if (!j->unit.rel)
        return EMB_OK;
    if ((st = open_tsv(j, &j->unit, &r)))
        return st;
    for (size_t h = 0; h < j->unit.nhdr && !st; h++)
        st = emb_tsv_next(r, &have);
    if (!st && have && !(st = emb_tsv_next(r, &have)) && have && emb_tsv_nfields(r) >= 2) {
        const char *u = emb_tsv_field(r, emb_tsv_nfields(r) - 1);
        if (*u && !(j->monetary = emb_strdup(u)))
            st = EMB_ENOMEM;
    }
    emb_tsv_close(r);
    return st;
}

/* --------------------------------------------------------------------- F */

static char *stressor_name(const char *dir, const char *key);

/* Is stressor `key` of extension e wanted?  With --stressors patterns: when
 * any matches its full name (fnmatch(3), no flags: '*' also matches '/'),
 * and every pattern that matches is marked as used.  Without: always. */
static emb_status want_stressor(job *j, const extension *e, const char *key, int *keep)
{
    *keep = 1;
    if (j->n_pats == 0)
        return EMB_OK;
    char *name = stressor_name(e->dir, key);
    if (!name)
        return EMB_ENOMEM;
    *keep = 0;
    for (size_t p = 0; p < j->n_pats; p++)
        if (fnmatch(j->pats[p], name, 0) == 0)
            *keep = 1, j->pat_hit[p] = 1;
    emb_free(name);
    return EMB_OK;
}

/* A row key for messages: its index cells joined by '/', as in the stressor
 * names the table gets (a tab would break the one-line message). */
static const char *key_text(const char *key, char *buf, size_t cap)
{
    size_t i = 0;
    for (; key[i] && i + 1 < cap; i++)
        buf[i] = key[i] == '\t' ? '/' : key[i];
    buf[i] = '\0';
    return buf;
}

/* Record stressor row `key` of F in the first pass: every row goes into
 * e->all (duplicates are an error), the wanted ones into e->keys too. */
static emb_status add_stressor(job *j, extension *e, emb_tsv *r, const char *key)
{
    int keep;
    emb_status st;
    char kt[256];
    if (emb_strlist_find(&e->all, key) >= 0)
        return emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' appears twice",
                            key_text(key, kt, sizeof kt));
    if ((st = want_stressor(j, e, key, &keep)) || (st = emb_strlist_push(&e->all, key)))
        return st;
    unsigned char *nk = emb_realloc(e->keep, e->all.cap, 1, "stressor flags");
    if (!nk)
        return EMB_ENOMEM;
    e->keep = nk;
    e->keep[e->all.n - 1] = (unsigned char)keep;
    return keep ? emb_strlist_push(&e->keys, key) : EMB_OK;
}

/* One pass over F of extension e.  With dst NULL: check its columns, collect
 * its stressor rows into e->all and the wanted ones into e->keys.  With dst:
 * fill dst[i * N + c] for the i-th wanted row; the others are skipped
 * without parsing (the file must not have changed in between). */
static emb_status read_F(job *j, extension *e, double *dst)
{
    emb_tsv *r = NULL;
    emb_colhdr h;
    memset(&h, 0, sizeof h);
    emb_status st;
    int have;
    size_t row = 0, i = 0;
    if ((st = open_tsv(j, &e->F, &r)) ||
        (st = read_colhdr(r, &e->F, "region", "sector", j->zc.outer.n, &h)) ||
        (st = same_labels(e->F.disp, h.line_outer, h.nic + 1, h.inner.n, &h.outer, &j->zc.outer,
                          "region", j->tech.disp)) ||
        (st = same_labels(e->F.disp, h.line_inner, h.nic + 1, 1, &h.inner, &j->zc.inner, "sector",
                          j->tech.disp)))
        goto done;
    e->nic = h.nic, e->nf = h.nf;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_nfields(r) == 1 && !*emb_tsv_field(r, 0)) { /* blank: the end */
            st = emb_tsv_expect_end(r, "stressor rows and a blank line");
            break;
        }
        if ((st = emb_tsv_check_nfields(r, h.nf, h.nic)))
            break;
        if (!*emb_tsv_field(r, 0)) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "empty stressor name");
            break;
        }
        char *key = row_key(r, h.nic);
        if (!key) {
            st = EMB_ENOMEM;
            break;
        }
        int keep = 0;
        if (!dst)
            st = add_stressor(j, e, r, key);
        else if (row >= e->all.n || strcmp(key, e->all.v[row]) != 0)
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "the file changed while it was being read");
        else
            keep = e->keep[row];
        emb_free(key);
        if (keep && !st)
            st = emb_tsv_numbers(r, h.nic, h.nf - h.nic, dst + i * j->t->N);
        if (st)
            break;
        i += (size_t)keep;
        row++;
    }
    if (!st && !dst && e->all.n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no stressor rows (extension '%s' needs at least one)",
                       e->F.disp, e->dir);
    if (!st && dst && (row != e->all.n || i != e->keys.n))
        st = emb_raise(EMB_EINPUT, "%s: the file changed while it was being read", e->F.disp);
done:
    emb_colhdr_free(&h);
    emb_tsv_close(r);
    return st;
}

/* Every --stressors pattern must have matched a stressor: name the first
 * that did not, with the stressor names closest to it (sharing the longest
 * prefix), so that a typo shows its neighbours. */
static emb_status check_patterns(job *j)
{
    size_t p = 0, total = 0;
    while (p < j->n_pats && j->pat_hit[p])
        p++;
    if (p == j->n_pats)
        return EMB_OK;
    for (size_t e = 0; e < j->n_ext; e++)
        total += j->ext[e].all.n;
    char **names = emb_calloc(total, sizeof *names, "stressor names");
    emb_status st = names ? EMB_OK : EMB_ENOMEM;
    for (size_t e = 0, i = 0; e < j->n_ext && !st; e++)
        for (size_t s = 0; s < j->ext[e].all.n && !st; s++)
            if (!(names[i++] = stressor_name(j->ext[e].dir, j->ext[e].all.v[s])))
                st = EMB_ENOMEM;
    if (!st) {
        char near[640];
        emb_nearest_names(j->pats[p], (const char *const *)names, total, 5, near, sizeof near);
        st = emb_raise(EMB_EUSAGE, "%s: --stressors pattern '%s' matches none of the %zu stressors "
                       "(names are <extension>/<stressor>[/<compartment>]; e.g. %s)", j->path,
                       j->pats[p], total, total ? near : "none");
    }
    for (size_t i = 0; names && i < total; i++)
        emb_free(names[i]);
    emb_free(names);
    return st;
}

/* Are the first m cells of the '\t'-joined key those of r's line? */
static int key_matches(const char *key, emb_tsv *r, size_t m)
{
    for (size_t c = 0; c < m; c++) {
        size_t l = strcspn(key, "\t");
        const char *f = emb_tsv_field(r, c);
        if (strlen(f) != l || memcmp(f, key, l) != 0)
            return 0;
        if (key[l] == '\0')
            return c + 1 == m;
        key += l + 1;
    }
    return 1;
}

/* The extension's unit.txt: a unit per stressor, rows matched on the index
 * cells.  The index columns are all but the last, named "unit", whatever
 * nr_index_col says (EXIOBASE's sample gets it wrong). */
static emb_status read_ext_units(job *j, extension *e)
{
    emb_tsv *r = NULL;
    int have;
    emb_status st;
    (void)j;
    if ((st = open_tsv(j, &e->unit, &r)) || (st = emb_tsv_next(r, &have)))
        goto done;
    if (!have) {
        st = emb_raise(EMB_EINPUT, "%s: empty file; expected a header row ending in 'unit'",
                       e->unit.disp);
        goto done;
    }
    size_t nf = emb_tsv_nfields(r);
    if (nf < 2 || strcmp(emb_tsv_field(r, nf - 1), "unit") != 0) {
        st = emb_tsv_fail(r, EMB_EINPUT, nf - 1, "expected index columns and a last column named "
                          "'unit', found '%s'", emb_tsv_field(r, nf - 1));
        goto done;
    }
    for (size_t s = 0; s < e->keys.n; s++) /* units[] parallel to keys[] */
        if ((st = emb_strlist_push(&e->units, "")))
            goto done;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_nfields(r) == 1 && !*emb_tsv_field(r, 0))
            continue;
        if ((st = emb_tsv_check_nfields(r, nf, nf - 1)))
            goto done;
        size_t m = nf - 1 < e->nic ? nf - 1 : e->nic;
        for (size_t s = 0; s < e->keys.n; s++) {
            if (e->units.v[s][0] || !key_matches(e->keys.v[s], r, m))
                continue;
            char *u = emb_strdup(emb_tsv_field(r, nf - 1));
            if (!u) {
                st = EMB_ENOMEM;
                goto done;
            }
            emb_free(e->units.v[s]);
            e->units.v[s] = u;
        }
    }
    for (size_t s = 0; !st && s < e->keys.n; s++)
        if (!e->units.v[s][0]) {
            char kt[256];
            st = emb_raise(EMB_EINPUT, "%s: no unit for stressor '%s' of %s", e->unit.disp,
                           key_text(e->keys.v[s], kt, sizeof kt), e->F.disp);
        }
done:
    emb_tsv_close(r);
    return st;
}

/* F_Y (or F_hh) of extension e into rows e->off.. of t->F_Y; rows matched
 * to F's wanted stressors by name (rows of unwanted ones are skipped);
 * stressors it lacks keep zeros. */
static emb_status read_FY(job *j, extension *e)
{
    emb_tsv *r = NULL;
    emb_colhdr h;
    memset(&h, 0, sizeof h);
    char *seen = NULL;
    emb_status st;
    int have;
    size_t row = 0;
    if (!e->FY.rel)
        return EMB_OK;
    if ((st = open_tsv(j, &e->FY, &r)) ||
        (st = read_colhdr(r, &e->FY, "region", "category", j->zc.outer.n, &h)) ||
        (st = same_labels(e->FY.disp, h.line_outer, h.nic + 1, h.inner.n, &h.outer, &j->zc.outer,
                          "region", j->tech.disp)) ||
        (st = same_labels(e->FY.disp, h.line_inner, h.nic + 1, 1, &h.inner, &j->yc.inner,
                          "category", j->Y.disp)))
        goto done;
    if (h.nic != e->nic) {
        st = emb_raise(EMB_EINPUT, "%s: %zu index columns, %s has %zu", e->FY.disp, h.nic,
                       e->F.disp, e->nic);
        goto done;
    }
    if (!(seen = emb_calloc(e->keys.n, 1, "stressor flags"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_nfields(r) == 1 && !*emb_tsv_field(r, 0)) {
            st = emb_tsv_expect_end(r, "stressor rows and a blank line");
            break;
        }
        if ((st = emb_tsv_check_nfields(r, h.nf, h.nic)))
            break;
        char *key = row_key(r, h.nic);
        if (!key) {
            st = EMB_ENOMEM;
            break;
        }
        /* Usually the same order as F: try the row's own index first. */
        long s = row < e->keys.n && strcmp(e->keys.v[row], key) == 0
                     ? (long)row
                     : emb_strlist_find(&e->keys, key);
        if (s < 0 && emb_strlist_find(&e->all, key) >= 0) { /* in F, but not wanted */
            emb_free(key);
            continue;
        }
        char kt[256];
        if (s < 0)
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' is not in %s",
                              key_text(key, kt, sizeof kt), e->F.disp);
        else if (seen[s])
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' appears twice",
                              key_text(key, kt, sizeof kt));
        emb_free(key);
        if (st)
            break;
        seen[s] = 1;
        double *dst = j->t->F_Y + (e->off + (size_t)s) * j->t->n_y;
        st = emb_tsv_numbers(r, h.nic, h.nf - h.nic, dst);
        if (st)
            break;
        row++;
    }
done:
    emb_free(seen);
    emb_colhdr_free(&h);
    emb_tsv_close(r);
    return st;
}

/* --------------------------------------------------------------------- x */

static emb_status read_x(job *j)
{
    emb_tsv *r = NULL;
    emb_status st;
    int have = 0;
    if (!j->x.rel)
        return EMB_OK;
    if (j->x.nic != 2)
        return emb_raise(EMB_EINPUT, "%s: nr_index_col is %zu; expected 2 (region, sector)",
                         j->x.disp, j->x.nic);
    if ((st = emb_table_alloc_x(j->t)) || (st = open_tsv(j, &j->x, &r)))
        goto done;
    /* Header: "region  sector  indout" (pandas puts the index names there
     * when the columns have one level). */
    for (size_t h = 0; h < j->x.nhdr && !st; h++) {
        if ((st = emb_tsv_next(r, &have)))
            break;
        if (!have)
            st = emb_raise(EMB_EINPUT, "%s: ends before its %zu header row%s", j->x.disp,
                           j->x.nhdr, j->x.nhdr == 1 ? "" : "s");
        else
            st = emb_tsv_check_nfields(r, 3, 2);
    }
    if (!st)
        st = read_rs_rows(j, r, 2, 3, j->t->x, 1);
done:
    emb_tsv_close(r);
    return st;
}

/* population.txt (pymrio's DataFrame of one row "Population" and a column
 * per region): header rows, the last naming the regions after the index
 * cells, then exactly one data row.  Columns are matched to the table's
 * regions by name, each region once. */
static emb_status read_population(job *j)
{
    emb_tsv *r = NULL;
    emb_status st;
    int have = 0;
    const fparam *p = &j->pop;
    size_t R = j->t->n_r, nic = p->nic == NIC_INFER ? 1 : p->nic;
    if (!p->rel)
        return EMB_OK;
    if (!emb_archive_has(j->ar, p->rel)) {
        /* Listed but not shipped (a trimmed copy): the table is whole
         * without it; the source says why there are no per-capita accounts. */
        char *src = emb_strfmt("%s; %s listed in file_parameters.json but absent: no population",
                               j->t->source, p->disp);
        if (!src)
            return EMB_ENOMEM;
        emb_free(j->t->source);
        j->t->source = src;
        return EMB_OK;
    }
    if (nic < 1 || p->nhdr < 1)
        return emb_raise(EMB_EINPUT, "%s: nr_index_col %zu, nr_header %zu; expected at least 1 "
                                     "each (a label column and a row of regions)", p->disp, nic,
                         p->nhdr);
    size_t *col = emb_alloc(R, sizeof *col, "population columns");
    double *pop = emb_alloc(R, sizeof *pop, "population"), *v = emb_alloc(R, sizeof *v, "population");
    unsigned char *seen = emb_calloc(R, 1, "population regions");
    if (!col || !pop || !v || !seen) {
        st = EMB_ENOMEM;
        goto done;
    }
    if ((st = open_tsv(j, p, &r)))
        goto done;
    for (size_t h = 0; h < p->nhdr && !st; h++) {
        if ((st = emb_tsv_next(r, &have)))
            break;
        if (!have) {
            st = emb_raise(EMB_EINPUT, "%s: ends before its %zu header row%s", p->disp, p->nhdr,
                           p->nhdr == 1 ? "" : "s");
            break;
        }
        if (h + 1 < p->nhdr || (st = emb_tsv_check_nfields(r, nic + R, nic)))
            continue;
        for (size_t c = 0; c < R && !st; c++) { /* the regions' row */
            const char *name = emb_tsv_field(r, nic + c);
            long reg = emb_table_region_index(j->t, name);
            if (reg < 0)
                st = emb_tsv_fail(r, EMB_EINPUT, nic + c, "'%s' is not a region of Z", name);
            else if (seen[reg])
                st = emb_tsv_fail(r, EMB_EINPUT, nic + c, "region '%s' appears twice", name);
            else
                seen[reg] = 1, col[c] = (size_t)reg;
        }
    }
    if (st)
        goto done;
    do { /* the one data row, blank lines skipped */
        if ((st = emb_tsv_next(r, &have)))
            goto done;
    } while (have && emb_tsv_blank(r));
    if (!have) {
        st = emb_raise(EMB_EINPUT, "%s: no data row (expected one row of persons by region)",
                       p->disp);
        goto done;
    }
    if ((st = emb_tsv_check_nfields(r, nic + R, nic)) || (st = emb_tsv_numbers(r, nic, R, v)))
        goto done;
    for (size_t c = 0; c < R; c++)
        pop[col[c]] = v[c];
    do {
        if ((st = emb_tsv_next(r, &have)))
            goto done;
    } while (have && emb_tsv_blank(r));
    if (have) {
        st = emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "a second data row: the population file "
                                                        "has one row of persons by region");
        goto done;
    }
    if ((st = emb_table_set_population(j->t, pop)) == EMB_EINPUT) { /* name the file */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", emb_errmsg());
        st = emb_raise(EMB_EINPUT, "%s: %s", p->disp, msg);
    }
done:
    emb_tsv_close(r);
    emb_free(col);
    emb_free(pop);
    emb_free(v);
    emb_free(seen);
    return st;
}

/* ------------------------------------------------------------- the table */

/* Display name of stressor key of extension dir: "dir/a/b", empty cells
 * (a missing compartment) skipped. */
static char *stressor_name(const char *dir, const char *key)
{
    size_t ld = strlen(dir), lk = strlen(key);
    char *s = emb_alloc(ld + lk + 2, 1, "stressor name");
    if (!s)
        return NULL;
    memcpy(s, dir, ld);
    char *w = s + ld;
    for (const char *p = key; *p;) {
        size_t l = strcspn(p, "\t");
        if (l) {
            *w++ = '/';
            memcpy(w, p, l);
            w += l;
        }
        p += l + (p[l] == '\t');
    }
    *w = '\0';
    return s;
}

/* Ask for transparent huge pages on a large array about to be written once,
 * front to back (T and Y): the first touch of each 4 KiB page is a page
 * fault, which cost the importer more than parsing the numbers did (8 M
 * faults for EXIOBASE's A; huge pages take 512 times fewer).  Only a hint:
 * ignored where unsupported. */
static void advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || bytes < ((size_t)4 << 20))
        return;
    uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~((uintptr_t)pg - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

/* Pre-faulting T on the second core.  The first write to each page of the
 * freshly allocated T makes the kernel allocate and zero it: on the test
 * machine (a VM) a third of the import's time.  A helper thread asks the
 * kernel to do that ahead of the parser (MADV_POPULATE_WRITE, Linux 5.14+:
 * it changes no byte, so racing the parser's writes is harmless), in steps,
 * front to back as the parser goes.  Purely an optimisation: where the call
 * or the thread is unavailable, the parser faults the pages in itself. */
typedef struct prefault {
    pthread_t th;
    int started;
    char *p;
    size_t bytes;
    atomic_int stop;
} prefault;

static void *prefault_run(void *arg)
{
    prefault *pf = arg;
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    const size_t step = (size_t)32 << 20;
    for (size_t off = 0; off < pf->bytes && !atomic_load(&pf->stop); off += step) {
        size_t n = pf->bytes - off < step ? pf->bytes - off : step;
        if (madvise(pf->p + off, n, MADV_POPULATE_WRITE) != 0)
            break; /* EINVAL on older kernels: nothing to gain */
    }
#endif
    return NULL;
}

static void prefault_start(prefault *pf, void *p, size_t bytes)
{
    memset(pf, 0, sizeof *pf);
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || bytes < ((size_t)16 << 20))
        return;
    uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~((uintptr_t)pg - 1);
    if (e <= a)
        return;
    pf->p = (char *)a, pf->bytes = e - a;
    atomic_init(&pf->stop, 0);
    pf->started = pthread_create(&pf->th, NULL, prefault_run, pf) == 0;
#else
    (void)p, (void)bytes;
#endif
}

/* Stop (if still running) and join; a no-op when it never started. */
static void prefault_end(prefault *pf)
{
    if (!pf->started)
        return;
    atomic_store(&pf->stop, 1);
    pthread_join(pf->th, NULL);
    pf->started = 0;
}

/* The table's allocation plan with k stressors, checked against the memory
 * limit: first with k = 0 as soon as Z's and Y's headers give N and n_f
 * (before the satellite files are scanned), then with the k they hold
 * (before the table is allocated).  An A table without x.txt is returned
 * without x: the LU that computes it is the caller's step, planned there
 * (emb_table_complete_x). */
static emb_status plan_table(const job *j, size_t k)
{
    double n_r = (double)j->zc.outer.n, n_s = (double)j->zc.inner.n;
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, n_r, n_s, (double)j->yc.inner.n, (double)k, 1,
                   j->kind == EMB_TECH_A ? "A" : "Z", j->x.rel != NULL);
    return emb_plan_check(&p, j->path, "the table");
}

static emb_status build_table(job *j)
{
    size_t k = 0;
    emb_status st;
    for (size_t e = 0; e < j->n_ext; e++) {
        j->ext[e].off = k;
        k += j->ext[e].keys.n;
    }
    if ((st = plan_table(j, k)) || (st = emb_table_create(j->zc.outer.n, j->zc.inner.n, j->yc.inner.n, k, j->kind, 1, &j->t)))
        return st;
    emb_table *t = j->t;
    advise_huge(t->T, t->N * t->N * sizeof(double));
    advise_huge(t->Y, t->N * t->n_y * sizeof(double));
    char *src = cat3("pymrio text layout", j->name ? ": " : "", j->name ? j->name : "");
    if (src && j->kind == EMB_TECH_A && !j->x.rel) {
        char *s2 = cat3(src, "; x not in the input (no x.txt): x = (I - A)^-1 (Y 1) from the "
                             "Leontief solver (emb_table_complete_x)", "");
        emb_free(src);
        src = s2;
    }
    if (!src)
        return EMB_ENOMEM;
    t->source = src;
    if ((st = emb_table_set_path(t, j->path)))
        return st;
    if (j->monetary && !(t->monetary_unit = emb_strdup(j->monetary)))
        return EMB_ENOMEM;
    for (size_t i = 0; i < t->n_r; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_REGION, i, j->zc.outer.v[i])))
            return st;
    for (size_t i = 0; i < t->n_s; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, j->zc.inner.v[i])))
            return st;
    for (size_t i = 0; i < t->n_f; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, i, j->yc.inner.v[i])))
            return st;
    for (size_t e = 0; e < j->n_ext; e++)
        for (size_t s = 0; s < j->ext[e].keys.n; s++) {
            size_t at_k = j->ext[e].off + s;
            char *nm = stressor_name(j->ext[e].dir, j->ext[e].keys.v[s]);
            if (!nm)
                return EMB_ENOMEM;
            st = emb_table_set_label(t, EMB_LABEL_STRESSOR, at_k, nm);
            emb_free(nm);
            if (st || (st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, at_k,
                                                j->ext[e].units.v[s])))
                return st;
        }
    return EMB_OK;
}

static void job_free(job *j)
{
    emb_tsv_close(j->zr);
    emb_tsv_close(j->yr);
    emb_colhdr_free(&j->zc);
    emb_colhdr_free(&j->yc);
    for (size_t e = 0; e < j->n_ext; e++)
        ext_free(&j->ext[e]);
    emb_free(j->ext);
    emb_free(j->pat_hit);
    fp_free(&j->tech), fp_free(&j->Y), fp_free(&j->unit), fp_free(&j->x), fp_free(&j->pop);
    emb_free(j->root);
    emb_free(j->params);
    emb_free(j->name);
    emb_free(j->monetary);
    emb_archive_close(j->ar);
}

emb_status emb_import_pymrio_run(const char *path, const emb_import_opts *opts, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_import_pymrio: out is NULL");
    *out = NULL;
    job j;
    memset(&j, 0, sizeof j);
    j.path = path;
    prefault pf;
    emb_status st;
    const char *rename = opts && opts->rename_regions && *opts->rename_regions
                             ? opts->rename_regions : NULL;
    if ((rename && (st = emb_regions_scheme_check(rename))) ||
        (st = emb_archive_open(path, &j.ar)))
        goto done;
    if (opts && opts->progress)
        emb_archive_set_progress(j.ar, opts->progress, opts->progress_ctx);
    if (opts && opts->n_stressor_patterns) {
        j.pats = opts->stressor_patterns, j.n_pats = opts->n_stressor_patterns;
        if (!(j.pat_hit = emb_calloc(j.n_pats, 1, "pattern flags"))) {
            st = EMB_ENOMEM;
            goto done;
        }
    }
    if ((st = emb_archive_locate(j.ar, PARAMS, &j.root)) ||
        (st = read_core_params(&j)) || (st = read_metadata(&j)) ||
        (st = find_extensions(&j, opts)) || (st = read_core_headers(&j)) ||
        (st = plan_table(&j, 0)))
        goto done;
    for (size_t e = 0; e < j.n_ext; e++)
        if ((st = read_F(&j, &j.ext[e], NULL)))
            goto done;
    if ((st = check_patterns(&j)))
        goto done;
    for (size_t e = 0; e < j.n_ext; e++)
        if (j.ext[e].keys.n && (st = read_ext_units(&j, &j.ext[e])))
            goto done;
    if ((st = read_monetary_unit(&j)) || (st = build_table(&j)))
        goto done;
    /* The data: T and Y from the readers left after their headers. */
    prefault_start(&pf, j.t->T, j.t->N * j.t->N * sizeof(double));
    st = read_rs_rows(&j, j.zr, 2, j.zc.nf, j.t->T, j.t->N);
    prefault_end(&pf);
    if (st || (st = read_rs_rows(&j, j.yr, 2, j.yc.nf, j.t->Y, j.t->n_y)))
        goto done;
    for (size_t e = 0; e < j.n_ext; e++)
        if (j.ext[e].keys.n && ((st = read_F(&j, &j.ext[e], j.t->F + j.ext[e].off * j.t->N)) ||
                                (st = read_FY(&j, &j.ext[e]))))
            goto done;
    if ((st = read_x(&j)) || (st = read_population(&j)))
        goto done;
    /* EXIOBASE gives A and Y only: x stays absent.  Completing it, x =
     * (I - A)^-1 Y 1, is an N x N factorisation: the caller's step
     * (emb_table_complete_x), never the importer's. */
    if (rename) {
        size_t n = 0;
        char *src = NULL;
        if ((st = emb_regions_rename(j.t, rename, path, &n)))
            goto done;
        if (!(src = emb_strfmt("%s; regions renamed as pymrio's parse_exiobase3 does "
                               "(--rename-regions %s): %zu", j.t->source, rename, n))) {
            st = EMB_ENOMEM;
            goto done;
        }
        emb_free(j.t->source);
        j.t->source = src;
    }
    st = emb_table_validate_x(j.t, NULL, 0);
done:
    if (st == EMB_OK) {
        *out = j.t;
        j.t = NULL;
    }
    emb_table_free(j.t);
    job_free(&j);
    return st;
}
