/* src/import/eora26.c — emb_import_eora26(): the Eora26 text download
 * (folder or zip) into an in-memory emb_table.
 *
 * The layout (worldmrio.com, one year and price basis per download):
 *   Eora26_YYYY_bp_T.txt    n x n inter-industry flows (Z), n = lines of labels_T
 *   Eora26_YYYY_bp_FD.txt   n x m final demand (Y), m = lines of labels_FD
 *   Eora26_YYYY_bp_Q.txt    q x n satellite accounts (F), q = lines of labels_Q
 *   Eora26_YYYY_bp_QY.txt   q x m satellite accounts of final demand (F_Y)
 *   Eora26_YYYY_bp_VA.txt   value added: not read (not part of the table)
 *   labels_T.txt            "country<TAB>ISO3<TAB>Industries<TAB>sector" per row/column
 *   labels_FD.txt           "country<TAB>ISO3<TAB>Final Demand<TAB>category"
 *   labels_Q.txt            "stressor (unit)<TAB>detail" per stressor
 * Data files are tab-separated numbers without header rows or index columns:
 * every row and column is named only by its line in a labels file.  Money is
 * in thousands of US dollars (Eora's documentation; pymrio labels it "Mill
 * USD" by mistake).  Labels may sit in the data zip or, as some downloads
 * ship them, in an indices.zip beside it.
 *
 * Rest of World: Eora26 ends with a "ROW" region of a single "TOTAL" sector
 * (and its 6 final-demand columns), a balancing residual rather than an
 * economy.  It is dropped as pymrio does (row and column of T, row and
 * columns of FD, columns of Q and QY); the sums dropped are recorded in
 * t->source.  Every other region must list the same sectors (categories) in
 * the same order; regions are named by their ISO3 code.
 *
 * Streaming: the labels give every shape, the table is allocated once, and
 * each data file is parsed line by line straight into it, through an index
 * map from the file's rows/columns to the table's (or to "dropped").  Numbers
 * take a correctly rounded fast path (fast_number) and fall back to strtod.
 */
#include "embodied/import.h"
#include "import/importers.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROW_CODE "ROW"
#define YEAR_MIN 1900
#define YEAR_MAX 2099
/* Index-map values: an entry of the RoW region, or a stressor not selected. */
#define MAP_ROW ((size_t)-1)
#define MAP_SKIP ((size_t)-2)

/* ---------------------------------------------------------------- helpers */

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static emb_status sl_push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 32;
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

static long sl_find(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return (long)i;
    return -1;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        emb_free(l->v[i]);
    emb_free(l->v);
    memset(l, 0, sizeof *l);
}

/* A growable array of size_t. */
typedef struct sizelist {
    size_t *v;
    size_t n, cap;
} sizelist;

static emb_status zl_push(sizelist *l, size_t x)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 256;
        size_t *nv = emb_realloc(l->v, nc, sizeof *nv, "index map");
        if (!nv)
            return EMB_ENOMEM;
        l->v = nv, l->cap = nc;
    }
    l->v[l->n++] = x;
    return EMB_OK;
}

/* A blank line: one empty field. */
static int blank(const emb_tsv *r) { return emb_tsv_nfields(r) == 1 && !*emb_tsv_field(r, 0); }

/* Number of fields of the current line not counting empty trailing ones
 * (label files may end their lines in a tab). */
static size_t used_fields(const emb_tsv *r)
{
    size_t nf = emb_tsv_nfields(r);
    while (nf > 0 && !*emb_tsv_field(r, nf - 1))
        nf--;
    return nf;
}

/* After a blank line: only blank lines may follow. */
static emb_status expect_end(emb_tsv *r, const char *what)
{
    int have;
    emb_status st;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have)
        if (!blank(r))
            return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "unexpected row after the blank line "
                                "that ended the %s", what);
    return st;
}

/* s as a double, exactly as strtod rounds it, for plain decimals with at most
 * 19 digits and a result m * 10^e with m < 2^53 and |e| <= 22 (one correctly
 * rounded IEEE multiplication or division: Clinger's fast path), which is
 * every number Eora writes.  Returns 0 for anything else (the caller falls
 * back to strtod, which also words the errors). */
static int fast_number(const char *s, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t m = 0;
    int nd = 0, e = 0;
    for (; (unsigned)(*p - '0') < 10; p++) {
        if (++nd > 19)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.')
        for (p++; (unsigned)(*p - '0') < 10; p++) {
            if (++nd > 19)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
            e--;
        }
    if (nd == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        int eneg = *p == '-', x = 0, ne = 0;
        if (*p == '-' || *p == '+')
            p++;
        for (; (unsigned)(*p - '0') < 10; p++) {
            if (++ne > 4)
                return 0;
            x = x * 10 + (*p - '0');
        }
        if (ne == 0)
            return 0;
        e += eneg ? -x : x;
    }
    if (*p || m > ((uint64_t)1 << 53) || e < -22 || e > 22)
        return 0;
    double v = (double)m;
    v = e < 0 ? v / p10[-e] : v * p10[e];
    *out = neg ? -v : v;
    return 1;
}

/* ---------------------------------------------------------------- the job */

/* One axis of the table as a labels file describes it (labels_T: rows and
 * columns of T; labels_FD: columns of FD). */
typedef struct axis {
    const char *file;   /* display name of the labels file */
    sizelist map;       /* per line: index in the table, or MAP_ROW */
    strlist regions;    /* ISO3 codes of the kept regions, in order */
    strlist inner;      /* sectors or categories of the first region */
    size_t n_row;       /* lines of the RoW region */
} axis;

typedef struct job {
    const char *path;
    emb_archive *ar;      /* the data */
    emb_archive *lar;     /* the labels: ar, or indices.zip */
    char *root;           /* "" or "<top folder>/" in ar */
    char *lroot;          /* the same in lar */
    int year;
    char *rel_T, *rel_FD, *rel_Q, *rel_QY; /* data files in ar */
    char *lab_T, *lab_FD, *lab_Q;          /* display names of the label files */
    axis ax_T, ax_FD;
    strlist stressors, units; /* every line of labels_Q */
    sizelist qmap;            /* per line of labels_Q: row of F, or MAP_SKIP */
    size_t k;
    /* What dropping RoW cost (sums of the dropped cells). */
    double row_T, col_T, row_FD, col_FD, all_T, all_FD;
    size_t nz_Q, nz_QY;
    emb_table *t;
} job;

static void axis_free(axis *a)
{
    emb_free(a->map.v);
    sl_free(&a->regions);
    sl_free(&a->inner);
}

static void job_free(job *j)
{
    axis_free(&j->ax_T);
    axis_free(&j->ax_FD);
    sl_free(&j->stressors);
    sl_free(&j->units);
    emb_free(j->qmap.v);
    emb_free(j->root), emb_free(j->lroot);
    emb_free(j->rel_T), emb_free(j->rel_FD), emb_free(j->rel_Q), emb_free(j->rel_QY);
    emb_free(j->lab_T), emb_free(j->lab_FD), emb_free(j->lab_Q);
    if (j->lar != j->ar)
        emb_archive_close(j->lar);
    emb_archive_close(j->ar);
}

/* ------------------------------------------------------------ the files */

/* Data file `kind` of the year found, in the data archive. */
static char *data_rel(const job *j, const char *kind)
{
    return emb_strfmt("%sEora26_%04d_bp_%s.txt", j->root, j->year, kind);
}

/* Find Eora26_YYYY_{bp,pp}_T.txt at the top of the archive or inside one
 * top-level folder: sets root and year, or explains what is there instead. */
static emb_status find_year(job *j)
{
    char **dirs = NULL;
    size_t nd = 0;
    emb_status st = emb_archive_subdirs(j->ar, "", &dirs, &nd);
    if (st)
        return st;
    int bp_year = 0, pp_year = 0, n_bp = 0;
    char years[512] = "";
    char *bp_root = NULL, *pp_name = NULL;
    for (size_t d = 0; d <= nd && !st; d++) {
        const char *dir = d < nd ? dirs[d] : NULL; /* NULL: the top */
        for (int y = YEAR_MIN; y <= YEAR_MAX && !st; y++) {
            char rel[512];
            snprintf(rel, sizeof rel, "%s%sEora26_%04d_bp_T.txt", dir ? dir : "", dir ? "/" : "", y);
            if (emb_archive_has(j->ar, rel)) {
                size_t l = strlen(years);
                if (l + strlen(rel) + 3 < sizeof years) /* a long list is cut: enough said */
                    snprintf(years + l, sizeof years - l, "%s%.500s", n_bp ? ", " : "", rel);
                if (n_bp++ == 0) {
                    bp_year = y;
                    if (!(bp_root = emb_strfmt("%s%s", dir ? dir : "", dir ? "/" : "")))
                        st = EMB_ENOMEM;
                }
                continue;
            }
            snprintf(rel, sizeof rel, "%s%sEora26_%04d_pp_T.txt", dir ? dir : "", dir ? "/" : "", y);
            if (!pp_year && emb_archive_has(j->ar, rel)) {
                pp_year = y;
                if (!(pp_name = emb_strdup(rel)))
                    st = EMB_ENOMEM;
            }
        }
    }
    for (size_t d = 0; d < nd; d++)
        emb_free(dirs[d]);
    emb_free(dirs);
    if (!st && n_bp == 1) {
        j->year = bp_year;
        j->root = bp_root;
        bp_root = NULL;
    } else if (!st && n_bp > 1) {
        st = emb_raise(EMB_EINPUT, "%s: Eora26 basic-price tables for several years (%s); give a "
                                   "folder or zip holding one", j->path, years);
    } else if (!st && pp_year) {
        st = emb_raise(EMB_EINPUT, "%s: only purchasers' prices (%s): embodied imports Eora26 in "
                                   "basic prices only (the Eora26_YYYY_bp_*.txt files)", j->path,
                       pp_name);
    } else if (!st) {
        st = emb_raise(EMB_EINPUT, "%s: no Eora26_YYYY_bp_T.txt at the top or inside a top-level "
                                   "folder (is this an Eora26 download?)", j->path);
    }
    emb_free(bp_root);
    emb_free(pp_name);
    return st;
}

/* Where the labels are: beside the data, or in indices.zip (beside the zip
 * given, or in the folder given). */
static emb_status find_labels(job *j)
{
    char *rel = emb_strfmt("%slabels_T.txt", j->root), *ip = NULL;
    emb_status st = EMB_OK;
    if (!rel)
        return EMB_ENOMEM;
    if (emb_archive_has(j->ar, rel)) {
        j->lar = j->ar;
        j->lroot = emb_strdup(j->root);
        st = j->lroot ? EMB_OK : EMB_ENOMEM;
        goto done;
    }
    if (emb_archive_is_zip(j->ar)) {
        const char *slash = strrchr(j->path, '/');
        ip = slash ? emb_strfmt("%.*s/indices.zip", (int)(slash - j->path), j->path)
                   : emb_strdup("indices.zip");
    } else {
        ip = emb_strfmt("%s/%sindices.zip", emb_archive_path(j->ar), j->root);
    }
    if (!ip) {
        st = EMB_ENOMEM;
        goto done;
    }
    struct stat sb;
    if (stat(ip, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        char *d = emb_archive_display(j->ar, rel);
        st = d ? emb_raise(EMB_EINPUT, "%s: not found, and no indices.zip holding the labels "
                                       "(looked for %s)", d, ip)
               : EMB_ENOMEM;
        emb_free(d);
        goto done;
    }
    if ((st = emb_archive_open(ip, &j->lar)))
        goto done;
    if (!emb_archive_has(j->lar, "labels_T.txt")) {
        st = emb_raise(EMB_EINPUT, "%s: no labels_T.txt at the top of this zip (the labels of the "
                                   "Eora26 tables in %s)", ip, j->path);
        goto done;
    }
    j->lroot = emb_strdup("");
    st = j->lroot ? EMB_OK : EMB_ENOMEM;
done:
    emb_free(rel);
    emb_free(ip);
    return st;
}

static emb_status open_label(job *j, const char *name, emb_tsv **r, char **disp)
{
    char *rel = emb_strfmt("%s%s", j->lroot, name);
    if (!rel)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    if (disp && !*disp && !(*disp = emb_archive_display(j->lar, rel)))
        st = EMB_ENOMEM;
    if (!st)
        st = emb_tsv_open_in(j->lar, rel, r);
    emb_free(rel);
    return st;
}

/* ------------------------------------------------------------ the labels */

/* labels_T.txt or labels_FD.txt into a: lines "country, ISO3, kind, label",
 * grouped by region; RoW lines mapped to MAP_ROW.  With `like` (labels_FD),
 * the regions must be those of labels_T in the same order. */
static emb_status read_axis(job *j, const char *name, const char *what, const axis *like, axis *a,
                            char **disp)
{
    emb_tsv *r = NULL;
    emb_status st = open_label(j, name, &r, disp);
    int have;
    const char *cur_code = NULL; /* region of the current block of lines */
    long cur = -1;               /* its index in a->regions, -1 for RoW */
    size_t per_region = 0, in_block = 0, block_line = 0;
    a->file = *disp;
    if (st)
        goto done;
    for (;;) {
        if ((st = emb_tsv_next(r, &have)))
            break;
        int end = !have || blank(r);
        const char *code = end ? NULL : emb_tsv_field(r, 1);
        if (!end) {
            size_t nf = used_fields(r);
            if (nf != 4) {
                st = emb_tsv_fail(r, EMB_EINPUT, nf < 4 ? nf : 4, "expected 4 columns (country, "
                                  "ISO3 code, '%s', %s), found %zu", like ? "Final Demand" :
                                  "Industries", what, nf);
                break;
            }
            if (!*code || !*emb_tsv_field(r, 3)) {
                st = emb_tsv_fail(r, EMB_EINPUT, *code ? 3 : 1, "empty %s", *code ? what : "ISO3 code");
                break;
            }
        }
        if (end || !cur_code || strcmp(code, cur_code) != 0) {
            /* A block ends: region 0's length sets the pattern, the others follow it. */
            if (cur == 0) {
                per_region = in_block;
            } else if (cur > 0 && in_block != per_region) {
                st = emb_raise(EMB_EINPUT, "%s: line %zu: region '%s' has %zu %ss, '%s' has %zu "
                                           "(every region but %s lists the same %ss)", a->file,
                               block_line, cur_code, in_block, what, a->regions.v[0], per_region,
                               ROW_CODE, what);
                break;
            }
            if (end)
                break;
            in_block = 0, block_line = emb_tsv_lineno(r);
            if (strcmp(code, ROW_CODE) == 0) {
                cur = -1, cur_code = ROW_CODE;
            } else {
                size_t ri = a->regions.n;
                if (sl_find(&a->regions, code) >= 0) {
                    st = emb_tsv_fail(r, EMB_EINPUT, 1, "region '%s' appears again after other "
                                      "regions (lines must be grouped by region)", code);
                    break;
                }
                if (like && ri >= like->regions.n) {
                    st = emb_tsv_fail(r, EMB_EINPUT, 1, "region '%s' is not in %s", code, like->file);
                    break;
                }
                if (like && strcmp(like->regions.v[ri], code) != 0) {
                    st = emb_tsv_fail(r, EMB_EINPUT, 1, "expected region '%s' (the regions of %s, "
                                      "in the same order), found '%s'", like->regions.v[ri],
                                      like->file, code);
                    break;
                }
                if ((st = sl_push(&a->regions, code)))
                    break;
                cur = (long)ri, cur_code = a->regions.v[ri];
            }
        }
        size_t p = in_block++;
        if (cur < 0) {
            a->n_row++;
            if ((st = zl_push(&a->map, MAP_ROW)))
                break;
            continue;
        }
        const char *label = emb_tsv_field(r, 3);
        if (cur == 0) {
            if (sl_find(&a->inner, label) >= 0) {
                st = emb_tsv_fail(r, EMB_EINPUT, 3, "%s '%s' appears twice in region '%s'", what,
                                  label, code);
                break;
            }
            st = sl_push(&a->inner, label);
        } else if (p >= per_region) {
            st = emb_tsv_fail(r, EMB_EINPUT, 3, "region '%s' has more %ss than '%s' (%zu)", code,
                              what, a->regions.v[0], per_region);
        } else if (strcmp(label, a->inner.v[p]) != 0) {
            st = emb_tsv_fail(r, EMB_EINPUT, 3, "expected %s '%s' (every region lists the %ss of "
                              "'%s' in the same order), found '%s'", what, a->inner.v[p], what,
                              a->regions.v[0], label);
        }
        /* Region 0's length is known only when its block ends; its index is
         * p whatever that length turns out to be. */
        if (st || (st = zl_push(&a->map, (size_t)cur * per_region + p)))
            break;
    }
    if (!st && have && (st = expect_end(r, "labels")))
        goto done;
    if (st)
        goto done;
    if (a->regions.n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no region%s", a->file, a->n_row ? " besides " ROW_CODE : "");
    else if (like && a->regions.n != like->regions.n)
        st = emb_raise(EMB_EINPUT, "%s: %zu regions, %s has %zu", a->file, a->regions.n,
                       like->file, like->regions.n);
done:
    emb_tsv_close(r);
    return st;
}

/* The unit of an Eora stressor name, "... (unit)", or "unknown". */
static char *unit_of(const char *name)
{
    size_t l = strlen(name);
    while (l > 0 && name[l - 1] == ' ')
        l--;
    if (l < 3 || name[l - 1] != ')')
        return emb_strdup("unknown");
    size_t o = l - 1;
    while (o > 0 && name[o - 1] != '(' && name[o - 1] != ')')
        o--;
    if (o == 0 || name[o - 1] != '(')
        return emb_strdup("unknown");
    const char *u = name + o;
    size_t ul = l - 1 - o;
    while (ul > 0 && *u == ' ')
        u++, ul--;
    while (ul > 0 && u[ul - 1] == ' ')
        ul--;
    return ul ? emb_strndup(u, ul) : emb_strdup("unknown");
}

/* labels_Q.txt: one stressor per line, its non-empty cells joined by '/';
 * selected by opts' glob patterns. */
static emb_status read_stressors(job *j, const emb_import_opts *opts)
{
    emb_tsv *r = NULL;
    emb_status st = open_label(j, "labels_Q.txt", &r, &j->lab_Q);
    int have;
    char *used = NULL;
    size_t np = opts && opts->stressor_patterns ? opts->n_stressor_patterns : 0;
    if (st)
        goto done;
    if (np && !(used = emb_calloc(np, 1, "pattern flags"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (blank(r)) {
            st = expect_end(r, "labels");
            break;
        }
        size_t nf = used_fields(r), len = 0;
        if (!*emb_tsv_field(r, 0)) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "empty stressor name");
            break;
        }
        for (size_t c = 0; c < nf; c++)
            len += strlen(emb_tsv_field(r, c)) + 1;
        char *name = emb_alloc(len, 1, "stressor name"), *w = name, *unit = NULL;
        if (!name) {
            st = EMB_ENOMEM;
            break;
        }
        for (size_t c = 0; c < nf; c++) {
            const char *f = emb_tsv_field(r, c);
            if (!*f)
                continue;
            if (w > name)
                *w++ = '/';
            memcpy(w, f, strlen(f));
            w += strlen(f);
        }
        *w = '\0';
        int keep = np == 0;
        for (size_t p = 0; p < np; p++)
            if (fnmatch(opts->stressor_patterns[p], name, 0) == 0)
                keep = used[p] = 1;
        if (sl_find(&j->stressors, name) >= 0)
            st = emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "stressor '%s' appears twice", name);
        else if (!(unit = unit_of(emb_tsv_field(r, 0))))
            st = EMB_ENOMEM;
        else if (!(st = sl_push(&j->stressors, name)) && !(st = sl_push(&j->units, unit)))
            st = zl_push(&j->qmap, keep ? j->k++ : MAP_SKIP);
        emb_free(name);
        emb_free(unit);
        if (st)
            break;
    }
    for (size_t p = 0; !st && p < np; p++)
        if (!used[p])
            st = emb_raise(EMB_EUSAGE, "%s: no stressor matches '%s' (%zu stressors, e.g. '%s')",
                           j->lab_Q, opts->stressor_patterns[p], j->stressors.n,
                           j->stressors.n ? j->stressors.v[0] : "none");
done:
    emb_free(used);
    emb_tsv_close(r);
    return st;
}

/* -------------------------------------------------------------- the data */

/* Dropped-cell bookkeeping of one data file. */
typedef struct drops {
    double row, col, all; /* sums: RoW rows, RoW columns of other rows, everything */
    size_t nz;            /* non-zero cells dropped for RoW */
} drops;

/* Parse data file rel: one line per entry of rmap (n_rows), n_cols numbers
 * each; cell (i, c) goes to dst[rmap[i] * ld + cmap[c]] unless either map
 * says MAP_ROW (counted in *dr) or MAP_SKIP (checked, then ignored). */
static emb_status read_matrix(job *j, const char *rel, const size_t *rmap, size_t n_rows,
                              const char *rlabels, const size_t *cmap, size_t n_cols,
                              const char *clabels, double *dst, size_t ld, drops *dr)
{
    emb_tsv *r = NULL;
    emb_status st = emb_tsv_open_in(j->ar, rel, &r);
    size_t i = 0;
    int have;
    memset(dr, 0, sizeof *dr);
    if (st)
        return st;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (blank(r)) {
            st = expect_end(r, "data");
            break;
        }
        if (i == n_rows) {
            st = emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "more rows than the %zu lines of %s",
                              n_rows, rlabels);
            break;
        }
        size_t nf = emb_tsv_nfields(r);
        if (nf == n_cols + 1 && !*emb_tsv_field(r, n_cols))
            nf--; /* a trailing tab */
        if (nf != n_cols) {
            st = emb_tsv_fail(r, EMB_EINPUT, nf < n_cols ? nf : n_cols, "%s (expected %zu "
                              "columns, one per line of %s, found %zu)", nf < n_cols ? "missing cell"
                              : "extra cell", n_cols, clabels, nf);
            break;
        }
        size_t ri = rmap[i];
        double *row = ri < MAP_SKIP ? dst + ri * ld : NULL;
        for (size_t c = 0; c < n_cols; c++) {
            double v;
            if (!fast_number(emb_tsv_field(r, c), &v) && (st = emb_tsv_number(r, c, &v)))
                break;
            size_t ci = cmap ? cmap[c] : c;
            dr->all += v;
            if (ri == MAP_ROW) {
                dr->row += v, dr->nz += v != 0;
            } else if (ci == MAP_ROW) {
                if (row) /* RoW columns of unselected stressors are not reported */
                    dr->col += v, dr->nz += v != 0;
            } else if (row) {
                row[ci] = v;
            }
        }
        if (st)
            break;
        i++;
    }
    if (!st && i < n_rows)
        st = emb_raise(EMB_EINPUT, "%s: ends after line %zu with %zu of the %zu rows (one per line "
                                   "of %s)", emb_tsv_name(r), emb_tsv_lineno(r), i, n_rows, rlabels);
    emb_tsv_close(r);
    return st;
}

/* ------------------------------------------------------------- the table */

static emb_status build_table(job *j)
{
    const axis *T = &j->ax_T, *FD = &j->ax_FD;
    /* The labels fixed every dimension: the plan, before the table. */
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, (double)T->regions.n, (double)T->inner.n, (double)FD->inner.n,
                   (double)j->k, 1, "Z", 0);
    emb_status st = emb_plan_check(&p, j->path, "the table");
    if (!st)
        st = emb_table_create(T->regions.n, T->inner.n, FD->inner.n, j->k, EMB_TECH_Z, 1, &j->t);
    if (st)
        return st;
    emb_table *t = j->t;
    t->year = j->year;
    if ((st = emb_table_set_path(t, j->path)) || !(t->monetary_unit = emb_strdup("1000 USD")))
        return st ? st : EMB_ENOMEM;
    for (size_t i = 0; i < t->n_r; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_REGION, i, T->regions.v[i])))
            return st;
    for (size_t i = 0; i < t->n_s; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, T->inner.v[i])))
            return st;
    for (size_t i = 0; i < t->n_f; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, i, FD->inner.v[i])))
            return st;
    for (size_t q = 0; q < j->stressors.n; q++) {
        size_t s = j->qmap.v[q];
        if (s != MAP_SKIP && ((st = emb_table_set_label(t, EMB_LABEL_STRESSOR, s, j->stressors.v[q])) ||
                              (st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, s, j->units.v[q]))))
            return st;
    }
    return EMB_OK;
}

/* Provenance, with what dropping RoW cost. */
static emb_status set_source(job *j)
{
    char *s;
    if (j->ax_T.n_row == 0 && j->ax_FD.n_row == 0) {
        s = emb_strfmt("Eora26 %d, basic prices (1000 USD); no Rest-of-World (%s) entries", j->year,
                      ROW_CODE);
    } else {
        double all = j->all_T + j->all_FD, lost = j->row_T + j->col_T + j->row_FD + j->col_FD;
        s = emb_strfmt("Eora26 %d, basic prices (1000 USD); Rest of World (%s: %zu row%s and column%s "
                      "of T, %zu final-demand column%s) dropped as pymrio does: T row %.10g, "
                      "T column %.10g, FD row %.10g, FD columns %.10g (1000 USD; %.3g%% of all "
                      "of T and FD); Q %zu and QY %zu non-zero cells",
                      j->year, ROW_CODE, j->ax_T.n_row, j->ax_T.n_row == 1 ? "" : "s",
                      j->ax_T.n_row == 1 ? "" : "s", j->ax_FD.n_row, j->ax_FD.n_row == 1 ? "" : "s",
                      j->row_T, j->col_T, j->row_FD, j->col_FD, all != 0 ? 100 * lost / all : 0.0,
                      j->nz_Q, j->nz_QY);
    }
    if (!s)
        return EMB_ENOMEM;
    j->t->source = s;
    return EMB_OK;
}

emb_status emb_import_eora26_run(const char *path, const emb_import_opts *opts, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_import_eora26: out is NULL");
    *out = NULL;
    job j;
    memset(&j, 0, sizeof j);
    j.path = path;
    emb_status st;
    drops d;
    if ((st = emb_archive_open(path, &j.ar)))
        goto done;
    if ((st = find_year(&j)) || (st = find_labels(&j)))
        goto done;
    if (opts && opts->progress) {
        emb_archive_set_progress(j.ar, opts->progress, opts->progress_ctx);
        emb_archive_set_progress(j.lar, opts->progress, opts->progress_ctx);
    }
    if (!(j.rel_T = data_rel(&j, "T")) || !(j.rel_FD = data_rel(&j, "FD")) ||
        !(j.rel_Q = data_rel(&j, "Q")) || !(j.rel_QY = data_rel(&j, "QY"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    if ((st = read_axis(&j, "labels_T.txt", "sector", NULL, &j.ax_T, &j.lab_T)) ||
        (st = read_axis(&j, "labels_FD.txt", "final-demand category", &j.ax_T, &j.ax_FD, &j.lab_FD)) ||
        (st = read_stressors(&j, opts)) || (st = build_table(&j)))
        goto done;
    emb_table *t = j.t;
    const size_t *mT = j.ax_T.map.v, *mFD = j.ax_FD.map.v, *mQ = j.qmap.v;
    size_t nT = j.ax_T.map.n, nFD = j.ax_FD.map.n, nQ = j.qmap.n;
    if ((st = read_matrix(&j, j.rel_T, mT, nT, j.lab_T, mT, nT, j.lab_T, t->T, t->N, &d)))
        goto done;
    j.row_T = d.row, j.col_T = d.col, j.all_T = d.all;
    if ((st = read_matrix(&j, j.rel_FD, mT, nT, j.lab_T, mFD, nFD, j.lab_FD, t->Y, t->n_y, &d)))
        goto done;
    j.row_FD = d.row, j.col_FD = d.col, j.all_FD = d.all;
    if ((st = read_matrix(&j, j.rel_Q, mQ, nQ, j.lab_Q, mT, nT, j.lab_T, t->F, t->N, &d)))
        goto done;
    j.nz_Q = d.nz;
    if ((st = read_matrix(&j, j.rel_QY, mQ, nQ, j.lab_Q, mFD, nFD, j.lab_FD, t->F_Y, t->n_y, &d)))
        goto done;
    j.nz_QY = d.nz;
    if ((st = set_source(&j)))
        goto done;
    st = emb_table_validate(t, NULL);
done:
    if (st == EMB_OK) {
        *out = j.t;
        j.t = NULL;
    }
    emb_table_free(j.t);
    job_free(&j);
    return st;
}
