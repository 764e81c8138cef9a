/* src/import/csvtable.c — emb_import_csv(): a table given as plain CSV
 * matrices described by a small JSON manifest (national or hand-made tables;
 * the layout is specified with an example in datasets/README.md, "Plain CSV
 * tables", and datasets/csv-example/).
 *
 *   manifest.json  {"format": "embodied-csv", "version": 1, "Z": "Z.csv" | "A":
 *                  "A.csv", "Y": "Y.csv", "F": "F.csv", optional "F_Y", "x"
 *                  (required with A), "name", "year", "monetary_unit",
 *                  "delimiter"}; unknown keys are errors (a typo would drop a
 *                  file silently)
 *   Z.csv, A.csv   two header rows (regions, sectors) after two corner cells,
 *                  an optional row with every data cell empty (pandas' index
 *                  names), then one row per industry led by region, sector,
 *                  in the order of the columns
 *   Y.csv          the same with (region, category) columns
 *   F.csv          the same columns as Z; rows led by stressor, unit
 *   F_Y.csv        the columns of Y; rows led by stressor, unit (a subset of
 *                  F's stressors, any order, same units)
 *   x.csv          one header row; rows region, sector, value
 *
 * Labels are kept as spelled (no trimming); every file's labels must be
 * those of Z, in the same order.  Files are read as streams once each: the
 * headers of Z and Y give the sizes, F is read into a growing buffer (its
 * row count is unknown until its end), then the table is allocated and the
 * rest parsed into it.
 */
#include "embodied/import.h"
#include "import/importers.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/plan.h"
#include "import/bytesrc.h"
#include "import/csvutil.h"
#include "import/json.h"
#include "import/tsv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MANIFEST "manifest.json"

typedef struct cfile {
    char *rel;  /* inside the archive, NULL when absent */
} cfile;

/* Column labels of a matrix file: outer (regions) and inner (sectors or
 * categories, the first region's block). */
typedef struct cjob {
    const char *path;
    const emb_import_opts *opts;
    emb_archive *ar;
    char *root;          /* "" or "<folder>/" inside the archive */
    char *mrel;          /* the manifest inside the archive */
    char *mdisp;         /* display name of the manifest */
    char delim;
    cfile tech, Y, F, FY, x;
    emb_tech_kind kind;
    char *name, *monetary;
    int year;
    emb_tsv *zr, *yr;    /* left open after their headers */
    emb_colhdr zc, yc;
    emb_strlist snames, sunits, sall;
    emb_rows Fm;
    emb_table *t;
} cjob;

#define NIC 2 /* label columns of every matrix file */

/* -------------------------------------------------------------- manifest */

static emb_status mfail(const cjob *j, size_t line, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return emb_raise(EMB_EINPUT, "%s: line %zu: %s", j->mdisp, line, msg);
}

static emb_status manifest_file(cjob *j, const emb_json *doc, const char *key, cfile *f)
{
    const emb_json *v = emb_json_get(doc, key);
    if (!v)
        return EMB_OK;
    const char *s = emb_json_str(v);
    if (!s || !*s)
        return mfail(j, v->line, "\"%s\" must be a file name (a non-empty string)%s", key, "");
    if (strstr(s, "..") || s[0] == '/' || strchr(s, '\\'))
        return mfail(j, v->line, "\"%s\": '%s' must be a path inside the table's folder", key, s);
    size_t lr = strlen(j->root), ls = strlen(s);
    if (!(f->rel = emb_alloc(lr + ls + 1, 1, "file name")))
        return EMB_ENOMEM;
    memcpy(f->rel, j->root, lr);
    memcpy(f->rel + lr, s, ls + 1);
    if (!emb_archive_has(j->ar, f->rel)) {
        char *d = emb_archive_display(j->ar, f->rel);
        emb_status st = d ? emb_raise(EMB_EIO, "%s: line %zu: \"%s\" names %s, which does not exist",
                                      j->mdisp, v->line, key, d)
                          : EMB_ENOMEM;
        emb_free(d);
        return st;
    }
    return EMB_OK;
}

static emb_status read_manifest(cjob *j)
{
    static const char *const known[] = {"format", "version", "name", "year", "monetary_unit",
                                        "delimiter", "Z", "A", "Y", "F", "F_Y", "x"};
    const char *rel = j->mrel;
    emb_json *doc = NULL;
    emb_bytesrc *src = NULL;
    emb_status st = EMB_ENOMEM;
    if (!(j->mdisp = emb_archive_display(j->ar, rel)))
        goto done;
    if ((st = emb_bytesrc_open(j->ar, rel, &src)) || (st = emb_json_read(src, &doc)))
        goto done;
    if (doc->type != EMB_JSON_OBJECT) {
        st = mfail(j, doc->line, "expected a JSON object%s%s", "", "");
        goto done;
    }
    for (size_t i = 0; i < doc->n; i++) {
        size_t k = 0;
        while (k < sizeof known / sizeof *known && strcmp(doc->keys[i], known[k]) != 0)
            k++;
        if (k == sizeof known / sizeof *known) {
            st = mfail(j, doc->items[i].line, "unknown key \"%s\" (known: format, version, name, "
                       "year, monetary_unit, delimiter, Z or A, Y, F, F_Y, x)%s", doc->keys[i], "");
            goto done;
        }
    }
    const emb_json *fmt = emb_json_get(doc, "format"), *ver = emb_json_get(doc, "version"),
                   *v;
    if (!emb_json_str(fmt) || strcmp(fmt->string, "embodied-csv") != 0) {
        st = mfail(j, fmt ? fmt->line : doc->line, "\"format\" must be \"embodied-csv\"%s%s", "", "");
        goto done;
    }
    if (ver && (ver->type != EMB_JSON_NUMBER || ver->number != 1)) {
        st = mfail(j, ver->line, "\"version\" must be 1 (the only version this build reads)%s%s",
                   "", "");
        goto done;
    }
    j->delim = ',';
    if ((v = emb_json_get(doc, "delimiter"))) {
        const char *d = emb_json_str(v);
        if (!d || strlen(d) != 1 || *d == '"' || *d == '\n' || *d == '\r') {
            st = mfail(j, v->line, "\"delimiter\" must be one character such as \",\" or \";\"%s%s",
                       "", "");
            goto done;
        }
        j->delim = *d;
    }
    if ((v = emb_json_get(doc, "year"))) {
        /* The range first: (int) of a double outside int's range (2e20, or
         * the inf that 1e999 parses to) is undefined behaviour. */
        if (v->type != EMB_JSON_NUMBER || !(v->number >= 0 && v->number <= 9999) ||
            v->number != (double)(int)v->number) {
            st = mfail(j, v->line, "\"year\" must be a whole number%s%s", "", "");
            goto done;
        }
        j->year = (int)v->number;
    }
    const char *strs[2] = {"name", "monetary_unit"};
    char **dst[2] = {&j->name, &j->monetary};
    for (int i = 0; i < 2; i++)
        if ((v = emb_json_get(doc, strs[i]))) {
            if (!emb_json_str(v)) {
                st = mfail(j, v->line, "\"%s\" must be a string%s", strs[i], "");
                goto done;
            }
            if (!(*dst[i] = emb_strdup(v->string))) {
                st = EMB_ENOMEM;
                goto done;
            }
        }
    if ((st = manifest_file(j, doc, "Z", &j->tech)))
        goto done;
    j->kind = EMB_TECH_Z;
    if (emb_json_get(doc, "A")) {
        if (j->tech.rel) {
            st = mfail(j, emb_json_get(doc, "A")->line, "give \"Z\" or \"A\", not both%s%s", "", "");
            goto done;
        }
        if ((st = manifest_file(j, doc, "A", &j->tech)))
            goto done;
        j->kind = EMB_TECH_A;
    }
    if ((st = manifest_file(j, doc, "Y", &j->Y)) || (st = manifest_file(j, doc, "F", &j->F)) ||
        (st = manifest_file(j, doc, "F_Y", &j->FY)) || (st = manifest_file(j, doc, "x", &j->x)))
        goto done;
    const char *need = !j->tech.rel ? "\"Z\" (or \"A\")" : !j->Y.rel ? "\"Y\"" : !j->F.rel ? "\"F\""
                     : j->kind == EMB_TECH_A && !j->x.rel ? "\"x\" (an A table needs gross output)"
                                                           : NULL;
    if (need)
        st = mfail(j, doc->line, "no %s%s", need, "");
done:
    emb_json_free(doc);
    emb_bytesrc_close(src);
    return st;
}

/* ---------------------------------------------------------------- headers */

static emb_status open_csv(cjob *j, const cfile *f, emb_tsv **r)
{
    return emb_csv_open_in(j->ar, f->rel, j->delim, r);
}

/* got (read at `line`, labels at columns NIC + 1 + i * stride, 1-based)
 * must equal want, the labels of file wfile. */
static emb_status same_labels(const char *file, size_t line, size_t stride, const emb_strlist *got,
                              const emb_strlist *want, const char *what, const char *wfile)
{
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(got->v[i], want->v[i]) != 0)
            return emb_raise(EMB_EINPUT, "%s: line %zu, column %zu: expected %s '%s' (the %ss of "
                                         "%s, in the same order), found '%s'", file, line,
                             NIC + 1 + i * stride, what, want->v[i], what, wfile, got->v[i]);
    if (got->n != want->n)
        return emb_raise(EMB_EINPUT, "%s: line %zu: the columns list %zu %ss, %s has %zu", file,
                         line, got->n, what, wfile, want->n);
    return EMB_OK;
}

/* ------------------------------------------------------------------ rows */

/* The N industry rows of r (labels region, sector in Z's column order),
 * nf - NIC numbers each, into dst[i * ld + c]; then the end. */
static emb_status read_rs_rows(cjob *j, emb_tsv *r, size_t nf, double *dst, size_t ld)
{
    size_t n_s = j->zc.inner.n, N = j->zc.outer.n * n_s;
    char rows[96];
    snprintf(rows, sizeof rows, "%zu (region, sector) rows", N);
    for (size_t i = 0; i < N; i++) {
        int have;
        emb_status st = emb_tsv_next(r, &have);
        while (!st && have && emb_tsv_blank(r))
            st = emb_tsv_next(r, &have);
        if (st)
            return st;
        if (!have)
            return emb_raise(EMB_EINPUT, "%s: ends after line %zu with %zu of the %s",
                             emb_tsv_name(r), emb_tsv_lineno(r), i, rows);
        if ((st = emb_tsv_check_nfields(r, nf, NIC)))
            return st;
        const char *reg = j->zc.outer.v[i / n_s], *sec = j->zc.inner.v[i % n_s];
        for (int c = 0; c < 2; c++) {
            const char *want = c ? sec : reg;
            if (strcmp(emb_tsv_field(r, (size_t)c), want) != 0)
                return emb_tsv_fail(r, EMB_EINPUT, (size_t)c, "expected %s '%s' (rows follow the "
                                    "(region, sector) order of the columns of Z), found '%s'",
                                    c ? "sector" : "region", want, emb_tsv_field(r, (size_t)c));
        }
        for (size_t c = NIC; c < nf; c++)
            if ((st = emb_tsv_number(r, c, &dst[i * ld + (c - NIC)])))
                return st;
    }
    return emb_tsv_expect_end(r, rows);
}

/* F: header like Z's, rows stressor, unit, N numbers, into j->Fm. */
static emb_status read_F(cjob *j)
{
    emb_tsv *r = NULL;
    emb_colhdr h;
    memset(&h, 0, sizeof h);
    unsigned char *used = NULL;
    emb_status st;
    int have;
    const emb_import_opts *o = j->opts;
    if (o && o->n_stressor_patterns && !(used = emb_calloc(o->n_stressor_patterns, 1, "flags")))
        return EMB_ENOMEM;
    if ((st = open_csv(j, &j->F, &r)) ||
        (st = emb_colhdr_read(r, NIC, "region", "sector", j->zc.outer.n, &h)) ||
        (st = same_labels(emb_tsv_name(r), h.line_outer, h.inner.n, &h.outer, &j->zc.outer,
                          "region", emb_tsv_name(j->zr))) ||
        (st = same_labels(emb_tsv_name(r), h.line_inner, 1, &h.inner, &j->zc.inner, "sector",
                          emb_tsv_name(j->zr))))
        goto done;
    size_t N = j->zc.outer.n * j->zc.inner.n;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_blank(r))
            continue;
        if ((st = emb_tsv_check_nfields(r, h.nf, NIC)))
            break;
        const char *name = emb_tsv_field(r, 0), *unit = emb_tsv_field(r, 1);
        if (!*name) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "empty stressor name");
            break;
        }
        if (!*unit) {
            st = emb_tsv_fail(r, EMB_EINPUT, 1, "empty unit of stressor '%s' (F rows are: stressor, "
                              "unit, values)", name);
            break;
        }
        if (emb_strlist_find(&j->sall, name) >= 0) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' appears twice", name);
            break;
        }
        if ((st = emb_strlist_push(&j->sall, name)))
            break;
        if (!emb_stressor_wanted(o, name, used))
            continue;
        double *row;
        if ((st = emb_strlist_push(&j->snames, name)) || (st = emb_strlist_push(&j->sunits, unit)) ||
            (st = emb_rows_append(&j->Fm, N, "stressors F", &row)))
            break;
        for (size_t c = NIC; c < h.nf && !st; c++)
            st = emb_tsv_number(r, c, &row[c - NIC]);
        if (st)
            break;
    }
    if (!st && j->sall.n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no stressor rows (F needs at least one)", emb_tsv_name(r));
    if (!st)
        st = emb_stressor_patterns_check(o, used, &j->sall, emb_tsv_name(r));
done:
    emb_free(used);
    emb_colhdr_free(&h);
    emb_tsv_close(r);
    return st;
}

/* F_Y: header like Y's; rows stressor, unit, n_y numbers, matched to F's. */
static emb_status read_FY(cjob *j)
{
    emb_tsv *r = NULL;
    emb_colhdr h;
    memset(&h, 0, sizeof h);
    unsigned char *seen = NULL;
    emb_status st;
    int have;
    if (!j->FY.rel)
        return EMB_OK;
    if ((st = open_csv(j, &j->FY, &r)) ||
        (st = emb_colhdr_read(r, NIC, "region", "category", j->zc.outer.n, &h)) ||
        (st = same_labels(emb_tsv_name(r), h.line_outer, h.inner.n, &h.outer, &j->zc.outer,
                          "region", emb_tsv_name(j->zr))) ||
        (st = same_labels(emb_tsv_name(r), h.line_inner, 1, &h.inner, &j->yc.inner, "category",
                          emb_tsv_name(j->yr))))
        goto done;
    if (!(seen = emb_calloc(j->snames.n + 1, 1, "stressor flags"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_blank(r))
            continue;
        if ((st = emb_tsv_check_nfields(r, h.nf, NIC)))
            break;
        const char *name = emb_tsv_field(r, 0), *unit = emb_tsv_field(r, 1);
        long s = emb_strlist_find(&j->snames, name);
        if (s < 0) {
            if (emb_strlist_find(&j->sall, name) >= 0)
                continue; /* not selected */
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' is not in %s", name, j->F.rel);
            break;
        }
        if (seen[s]++) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' appears twice", name);
            break;
        }
        if (strcmp(unit, j->sunits.v[s]) != 0) {
            st = emb_tsv_fail(r, EMB_EINPUT, 1, "unit '%s' of stressor '%s' differs from '%s' in "
                              "%s", unit, name, j->sunits.v[s], j->F.rel);
            break;
        }
        double *dst = j->t->F_Y + (size_t)s * j->t->n_y;
        for (size_t c = NIC; c < h.nf && !st; c++)
            st = emb_tsv_number(r, c, &dst[c - NIC]);
        if (st)
            break;
    }
done:
    emb_free(seen);
    emb_colhdr_free(&h);
    emb_tsv_close(r);
    return st;
}

/* x: one header row, then region, sector, value. */
static emb_status read_x(cjob *j)
{
    emb_tsv *r = NULL;
    int have;
    emb_status st;
    if (!j->x.rel)
        return EMB_OK;
    if ((st = emb_table_alloc_x(j->t)) || (st = open_csv(j, &j->x, &r)) ||
        (st = emb_tsv_next(r, &have)))
        goto done;
    if (!have) {
        st = emb_raise(EMB_EINPUT, "%s: empty file; expected a header row (region, sector, x)",
                       emb_tsv_name(r));
        goto done;
    }
    if ((st = emb_tsv_check_nfields(r, NIC + 1, NIC)))
        goto done;
    st = read_rs_rows(j, r, NIC + 1, j->t->x, 1);
done:
    emb_tsv_close(r);
    return st;
}

/* ----------------------------------------------------------------- table */

/* The table's allocation plan with k stressors: with k = 0 once Z's and
 * Y's headers give the dimensions (before F is read: its rows grow as they
 * come), then with the stressors of F (before the table is allocated). */
static emb_status plan_table(const cjob *j, size_t k)
{
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, (double)j->zc.outer.n, (double)j->zc.inner.n, (double)j->yc.inner.n,
                   (double)k, 1, j->kind == EMB_TECH_A ? "A" : "Z", j->x.rel != NULL);
    return emb_plan_check(&p, j->path, "the table");
}

static emb_status build_table(cjob *j)
{
    size_t k = j->snames.n;
    emb_status st;
    if ((st = plan_table(j, k)) || (st = emb_table_create(j->zc.outer.n, j->zc.inner.n, j->yc.inner.n, k, j->kind, 1, &j->t)))
        return st;
    emb_table *t = j->t;
    emb_free(t->F);
    t->F = j->Fm.a;
    j->Fm.a = NULL;
    if (!t->F && !(t->F = emb_calloc(1, sizeof(double), "stressors F")))
        return EMB_ENOMEM;
    if ((st = emb_table_set_path(t, j->path)))
        return st;
    const char *pre = "plain CSV tables";
    size_t lp = strlen(pre), ln = j->name ? strlen(j->name) : 0;
    if (!(t->source = emb_alloc(lp + ln + 3, 1, "source text")))
        return EMB_ENOMEM;
    snprintf(t->source, lp + ln + 3, "%s%s%s", pre, j->name ? ": " : "", j->name ? j->name : "");
    if (j->monetary && !(t->monetary_unit = emb_strdup(j->monetary)))
        return EMB_ENOMEM;
    t->year = j->year;
    for (size_t i = 0; i < t->n_r && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_REGION, i, j->zc.outer.v[i]);
    for (size_t i = 0; i < t->n_s && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, j->zc.inner.v[i]);
    for (size_t i = 0; i < t->n_f && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, i, j->yc.inner.v[i]);
    for (size_t i = 0; i < k && !st; i++)
        if (!(st = emb_table_set_label(t, EMB_LABEL_STRESSOR, i, j->snames.v[i])))
            st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, i, j->sunits.v[i]);
    return st;
}

/* PATH: a folder or zip holding manifest.json (at the top or in one
 * top-level folder), or a manifest (any name ending in .json) itself. */
static emb_status open_input(cjob *j)
{
    struct stat sb;
    emb_status st;
    const char *p = j->path;
    if (!p || !*p)
        return emb_raise(EMB_EUSAGE, "import csv: empty path (expected a folder, a .zip or a "
                                     "manifest .json)");
    size_t lp = strlen(p);
    if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && lp > 5 && !strcasecmp(p + lp - 5, ".json")) {
        const char *b = strrchr(p, '/');
        char *dir = b ? emb_strndup(p, b == p ? 1 : (size_t)(b - p)) : emb_strdup(".");
        if (!dir)
            return EMB_ENOMEM;
        st = emb_archive_open(dir, &j->ar);
        emb_free(dir);
        if (st)
            return st;
        if (!(j->root = emb_strdup("")) || !(j->mrel = emb_strdup(b ? b + 1 : p)))
            return EMB_ENOMEM;
        return EMB_OK;
    }
    if ((st = emb_archive_open(p, &j->ar)) || (st = emb_archive_locate(j->ar, MANIFEST, &j->root)))
        return st;
    size_t lr = strlen(j->root);
    if (!(j->mrel = emb_alloc(lr + sizeof MANIFEST, 1, "file name")))
        return EMB_ENOMEM;
    memcpy(j->mrel, j->root, lr);
    memcpy(j->mrel + lr, MANIFEST, sizeof MANIFEST);
    return EMB_OK;
}

static void cjob_free(cjob *j)
{
    emb_tsv_close(j->zr);
    emb_tsv_close(j->yr);
    emb_colhdr_free(&j->zc);
    emb_colhdr_free(&j->yc);
    emb_free(j->tech.rel), emb_free(j->Y.rel), emb_free(j->F.rel), emb_free(j->FY.rel);
    emb_free(j->x.rel);
    emb_free(j->root), emb_free(j->mrel), emb_free(j->mdisp), emb_free(j->name), emb_free(j->monetary);
    emb_strlist_free(&j->snames), emb_strlist_free(&j->sunits), emb_strlist_free(&j->sall);
    emb_rows_free(&j->Fm);
    emb_archive_close(j->ar);
}

emb_status emb_import_csv_run(const char *path, const emb_import_opts *opts, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_import_csv: out is NULL");
    *out = NULL;
    cjob j;
    memset(&j, 0, sizeof j);
    j.path = path, j.opts = opts;
    emb_status st;
    if (opts && opts->stressors_csv) {
        st = emb_raise(EMB_EUSAGE, "%s: a stressor table (--stressors-csv) is for formats without "
                                   "emissions; plain CSV tables give theirs in F (and F_Y)", path);
        goto done;
    }
    if ((st = open_input(&j)))
        goto done;
    if (opts && opts->progress)
        emb_archive_set_progress(j.ar, opts->progress, opts->progress_ctx);
    if ((st = read_manifest(&j)) || (st = open_csv(&j, &j.tech, &j.zr)) ||
        (st = emb_colhdr_read(j.zr, NIC, "region", "sector", 0, &j.zc)) ||
        (st = open_csv(&j, &j.Y, &j.yr)) ||
        (st = emb_colhdr_read(j.yr, NIC, "region", "category", j.zc.outer.n, &j.yc)) ||
        (st = same_labels(emb_tsv_name(j.yr), j.yc.line_outer, j.yc.inner.n, &j.yc.outer,
                          &j.zc.outer, "region", emb_tsv_name(j.zr))) ||
        (st = plan_table(&j, 0)) || (st = read_F(&j)) || (st = build_table(&j)))
        goto done;
    if ((st = read_rs_rows(&j, j.zr, j.zc.nf, j.t->T, j.t->N)) ||
        (st = read_rs_rows(&j, j.yr, j.yc.nf, j.t->Y, j.t->n_y)) || (st = read_FY(&j)) ||
        (st = read_x(&j)))
        goto done;
    st = emb_table_validate(j.t, NULL);
done:
    if (st == EMB_OK) {
        *out = j.t;
        j.t = NULL;
    }
    emb_table_free(j.t);
    cjob_free(&j);
    return st;
}
