/* src/import/icio.c — emb_import_oecd_icio(): an OECD Inter-Country
 * Input-Output table (the CSV of the 2016, 2018, 2021 and 2023 releases, alone
 * or inside the release's zip) into an in-memory emb_table, with stressors
 * from a separate CSV (ICIO has no emissions).
 *
 * The layout, one CSV, one header row and one label column:
 *   header   "", then the industry columns REGION_SECTOR, region-major, every
 *            region listing the same sectors in the same order (AUS_01T03,
 *            ..., CN1_C01T05AGR, ...), then the final-demand columns, named
 *            REGION_CATEGORY (2018+: AUS_HFCE, AUS_NPISH, AUS_GGFC,
 *            AUS_GFCF, AUS_INVNT, AUS_P33 / AUS_DPABR) or CATEGORY_REGION
 *            (2016: HFCE_AUS, NPS_AUS, ..., DIRP_AUS), the 2016 release's
 *            single statistical-discrepancy column DISC, and a row-total
 *            column TOTAL (2018) or OUT (2021+) in some releases;
 *   rows     the industries, in the order of the industry columns, then
 *            value-added and tax rows (VALU, AUS_TAXSUB, VA+TAXSUB, TLS, VA)
 *            and the output row (OUTPUT, OUT).
 * Region codes are ISO3 plus ROW; China and Mexico come split into CN1, CN2
 * and MX1, MX2 (processing / non-processing activities): their rows and
 * columns are added into CHN and MEX, as OECD's own aggregates and pymrio do
 * (a split whose parent is absent creates it where the first part was).
 *
 * The file is read once, as a stream: the header fixes the layout, then each
 * data row is parsed straight into Z and Y (summing split regions).  Value
 * added is checked but not kept; the output row is compared with Z 1 + Y 1
 * and with the column sums Z'1 + value added, and the results go into
 * t->source; x is not stored (see the CLI help: the engine's identities need
 * x = Z 1 + Y 1, which the solver computes).
 *
 * Stressors (opts->stressors_csv): wide (header: a label cell, an optional
 * "unit" column, then codes; one row per stressor) or long (columns named
 * region, sector, stressor, value and optionally unit, in any order).  A code
 * names an industry (REGION_SECTOR, into F) or a final-demand column
 * (REGION_CATEGORY or CATEGORY_REGION, into F_Y); split-region codes add into
 * their parent.  A code that matches nothing is an error (a typo would drop
 * emissions silently); industries without any value get 0 and are counted in
 * t->source.
 */
#include "embodied/import.h"
#include "import/importers.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "import/bytesrc.h"
#include "import/csvutil.h"
#include "import/tsv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

enum { COL_LABEL = 0, COL_Z, COL_FD, COL_DISC, COL_TOTAL };

#define NONE ((size_t)-1)

typedef struct icio {
    const char *path;
    const emb_import_opts *opts;
    emb_archive *ar;
    char *rel;            /* the table inside ar */
    emb_tsv *r;
    size_t nf;            /* fields per line */
    /* the source's layout */
    emb_strlist sreg;     /* regions of the industry columns, as found (CN1 ... included) */
    emb_strlist sec;      /* sectors */
    emb_strlist cat;      /* final-demand categories (DISC last when present) */
    size_t n_s, Nsrc;
    size_t *sreg_dst;     /* [sreg.n] region of the table */
    emb_strlist reg;      /* regions of the table, splits aggregated */
    emb_strlist merged;   /* "CN1+CN2 into CHN" notes */
    size_t disc_cat;      /* category of DISC, or NONE */
    unsigned char *kind;  /* [nf] COL_* */
    size_t *dst;          /* [nf] COL_Z: column of Z; COL_FD: column of Y */
    size_t *fd_sreg;      /* [nf] COL_FD: source region (duplicate checks) */
    size_t total_col;     /* TOTAL / OUT column, or 0 */
    size_t N, n_f, n_y;
    /* checks */
    double *zcol;         /* [N] column sums of Z plus value added (input side) */
    double *out;          /* [N] output row, NULL when absent */
    double total_diff, total_rel;
    size_t total_at;      /* source row of the worst TOTAL mismatch */
    size_t n_va_rows;
    /* stressors */
    char *sdisp;          /* display name of the stressor CSV */
    emb_strlist snames, sunits, sall;
    emb_rows F, FY;
    size_t n_missing;     /* industries with no stressor value */
    char missing_ex[200];
    int long_form;
    emb_table *t;
} icio;

/* ------------------------------------------------------------ helpers */

/* "CN1" -> "CHN", "MX2" -> "MEX", else NULL. */
static const char *split_parent(const char *r)
{
    if (strlen(r) == 3 && isdigit((unsigned char)r[2])) {
        if (r[0] == 'C' && r[1] == 'N')
            return "CHN";
        if (r[0] == 'M' && r[1] == 'X')
            return "MEX";
    }
    return NULL;
}

/* Does a row label name a value-added or tax row? */
static int is_va_label(const char *s)
{
    return strstr(s, "VA") || strstr(s, "TAX") || strstr(s, "TLS");
}

static int is_out_label(const char *s) { return !strcmp(s, "OUT") || !strcmp(s, "OUTPUT"); }

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Open a plain file (not a zip) as member `rel` of its folder. */
static emb_status open_plain(const char *path, emb_archive **ar, char **rel)
{
    const char *b = base_name(path);
    char *dir = b == path ? emb_strdup(".") : emb_strndup(path, (size_t)(b - path - 1));
    emb_status st;
    if (!dir)
        return EMB_ENOMEM;
    if (!*dir) { /* "/x.csv" */
        emb_free(dir);
        if (!(dir = emb_strdup("/")))
            return EMB_ENOMEM;
    }
    st = emb_archive_open(dir, ar);
    emb_free(dir);
    if (st)
        return st;
    return (*rel = emb_strdup(b)) ? EMB_OK : EMB_ENOMEM;
}

static int starts_zip(const char *path)
{
    unsigned char m[4] = {0};
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) /* a FIFO would block fopen */
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    return n == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

static int ends_csv(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcasecmp(s + n - 4, ".csv") == 0;
}

/* The one .csv member of a zip (any folder, macOS resource forks skipped);
 * several are EMB_EINPUT listing them (name one as ZIP:MEMBER). */
static emb_status zip_pick_csv(const char *zpath, char **rel)
{
    int zerr = 0;
    zip_t *z = zip_open(zpath, ZIP_RDONLY, &zerr);
    emb_strlist found = {0};
    emb_status st = EMB_OK;
    if (!z)
        return emb_raise(EMB_EINPUT, "%s: not a readable zip archive (libzip error %d)", zpath, zerr);
    zip_int64_t ne = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < ne && !st; i++) {
        const char *nm = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
        if (nm && ends_csv(nm) && strncmp(nm, "__MACOSX/", 9) != 0 && nm[strlen(nm) - 1] != '/')
            st = emb_strlist_push(&found, nm);
    }
    zip_discard(z);
    if (!st && found.n == 1)
        st = (*rel = emb_strdup(found.v[0])) ? EMB_OK : EMB_ENOMEM;
    else if (!st) {
        char names[600];
        emb_strlist_join(&found, 6, names, sizeof names);
        st = found.n ? emb_raise(EMB_EINPUT, "%s: the zip holds %zu CSV tables (%s); name one as "
                                             "%s:MEMBER", zpath, found.n, names, zpath)
                     : emb_raise(EMB_EINPUT, "%s: the zip holds no .csv file (expected an OECD "
                                             "ICIO table such as ICIO2018_2010.CSV)", zpath);
    }
    emb_strlist_free(&found);
    return st;
}

/* Resolve PATH: "table.csv", "release.zip" (its one CSV) or "release.zip:MEMBER". */
static emb_status open_input(icio *j)
{
    const char *p = j->path, *colon = NULL;
    emb_status st;
    struct stat sb;
    if (!p || !*p)
        return emb_raise(EMB_EUSAGE, "import oecd-icio: empty path (expected a .csv or .zip file)");
    /* "x.zip:member" when x.zip exists and the whole string is not a file. */
    for (const char *q = strchr(p, ':'); q; q = strchr(q + 1, ':'))
        if (q - p > 4 && strncasecmp(q - 4, ".zip", 4) == 0)
            colon = q;
    if (colon && stat(p, &sb) != 0) {
        char *zpath = emb_strndup(p, (size_t)(colon - p));
        if (!zpath)
            return EMB_ENOMEM;
        st = emb_archive_open(zpath, &j->ar);
        emb_free(zpath);
        if (st)
            return st;
        if (!(j->rel = emb_strdup(colon + 1)))
            return EMB_ENOMEM;
        if (!emb_archive_has(j->ar, j->rel))
            return emb_raise(EMB_EIO, "%s: no member '%s' in the zip archive", p, j->rel);
        return EMB_OK;
    }
    if (stat(p, &sb) != 0)
        return emb_raise(EMB_EIO, "%s: cannot open: %s", p, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: is a folder; expected an OECD ICIO .csv file or the "
                                  "release's .zip", p);
    if (starts_zip(p)) {
        if ((st = zip_pick_csv(p, &j->rel)))
            return st;
        return emb_archive_open(p, &j->ar);
    }
    return open_plain(p, &j->ar, &j->rel);
}

/* Release and year from a name like ICIO2018_2010.CSV (0 when absent). */
static void name_years(const char *name, int *release, int *year)
{
    *release = *year = 0;
    const char *b = base_name(name);
    int nums[4], n = 0;
    const char *after_icio = NULL;
    for (const char *s = b; *s && n < 4; s++) {
        if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
            isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && !isdigit((unsigned char)s[4]) &&
            (s == b || !isdigit((unsigned char)s[-1]))) {
            if (s - b >= 4 && strncasecmp(s - 4, "ICIO", 4) == 0)
                after_icio = s;
            nums[n++] = atoi(s);
            s += 3;
        }
    }
    int k = 0;
    if (after_icio && n > 0) {
        *release = nums[0];
        k = 1;
    }
    if (k < n && nums[n - 1] >= 1950 && nums[n - 1] <= 2100)
        *year = nums[n - 1];
}

/* ------------------------------------------------------------- header */

/* Split "REG_SEC" at its first '_': *reg newly allocated, *rest points into
 * code.  0 when the code has no '_' with text on both sides. */
static int split_code(const char *code, char **reg, const char **rest, emb_status *st)
{
    const char *us = strchr(code, '_');
    *reg = NULL;
    *st = EMB_OK;
    if (!us || us == code || !us[1])
        return 0;
    if (!(*reg = emb_strndup(code, (size_t)(us - code)))) {
        *st = EMB_ENOMEM;
        return 0;
    }
    *rest = us + 1;
    return 1;
}

/* The industry columns; returns the first field after them in *c_end. */
static emb_status read_industry_columns(icio *j, size_t *c_end)
{
    emb_tsv *r = j->r;
    size_t c = 1, pos = 0;
    int fixed = 0;
    emb_status st = EMB_OK;
    for (; c < j->nf; c++) {
        const char *f = emb_tsv_field(r, c), *sec;
        char *reg;
        if (!split_code(f, &reg, &sec, &st)) {
            if (st)
                return st;
            if (c == 1)
                return emb_tsv_fail(r, EMB_EINPUT, c, "expected an industry code REGION_SECTOR "
                                    "(e.g. AUS_01T03), found '%s' (is this an OECD ICIO table?)", f);
            break;
        }
        if (!fixed && j->sreg.n && strcmp(reg, j->sreg.v[0]) != 0) {
            fixed = 1;
            j->n_s = j->sec.n;
            pos = j->n_s;
        }
        if (j->sreg.n == 0) {
            st = emb_strlist_push(&j->sreg, reg);
            if (!st)
                st = emb_strlist_push(&j->sec, sec);
            pos = 1;
        } else if (!fixed) {
            if (emb_strlist_find(&j->sec, sec) >= 0)
                st = emb_tsv_fail(r, EMB_EINPUT, c, "industry '%s' appears twice", f);
            else
                st = emb_strlist_push(&j->sec, sec);
            pos++;
        } else if (pos < j->n_s) {
            if (strcmp(reg, j->sreg.v[j->sreg.n - 1]) != 0 || strcmp(sec, j->sec.v[pos]) != 0)
                st = emb_tsv_fail(r, EMB_EINPUT, c, "expected industry column '%s_%s' (every "
                                  "region lists the %zu sectors of %s in the same order), found '%s'",
                                  j->sreg.v[j->sreg.n - 1], j->sec.v[pos], j->n_s, j->sreg.v[0], f);
            pos++;
        } else if (emb_strlist_find(&j->sreg, reg) < 0 && strcmp(sec, j->sec.v[0]) == 0) {
            st = emb_strlist_push(&j->sreg, reg);
            pos = 1;
        } else {
            emb_free(reg);
            break; /* the first final-demand column */
        }
        emb_free(reg);
        if (st)
            return st;
    }
    if (!fixed)
        j->n_s = j->sec.n;
    if (pos != j->n_s)
        return emb_tsv_fail(r, EMB_EINPUT, c - 1, "region %s has %zu industry columns, %s has %zu",
                            j->sreg.v[j->sreg.n - 1], pos, j->sreg.v[0], j->n_s);
    j->Nsrc = j->sreg.n * j->n_s;
    *c_end = c;
    return EMB_OK;
}

/* Regions of the table: split regions replaced by their parent. */
static emb_status aggregate_regions(icio *j)
{
    emb_status st;
    if (!(j->sreg_dst = emb_alloc(j->sreg.n, sizeof *j->sreg_dst, "region map")))
        return EMB_ENOMEM;
    for (size_t i = 0; i < j->sreg.n; i++) {
        const char *p = split_parent(j->sreg.v[i]), *name = p ? p : j->sreg.v[i];
        long d = emb_strlist_find(&j->reg, name);
        if (d < 0) {
            if ((st = emb_strlist_push(&j->reg, name)))
                return st;
            d = (long)j->reg.n - 1;
        }
        j->sreg_dst[i] = (size_t)d;
    }
    /* Notes: "CN1+CN2 into CHN". */
    for (size_t d = 0; d < j->reg.n; d++) {
        char note[256];
        size_t w = 0, parts = 0;
        for (size_t i = 0; i < j->sreg.n; i++)
            if (j->sreg_dst[i] == d && split_parent(j->sreg.v[i]) && w < sizeof note)
                w += (size_t)snprintf(note + w, sizeof note - w, "%s%s", parts++ ? "+" : "",
                                      j->sreg.v[i]);
        if (parts && w < sizeof note) {
            snprintf(note + w, sizeof note - w, " into %s", j->reg.v[d]);
            if ((st = emb_strlist_push(&j->merged, note)))
                return st;
        }
    }
    return EMB_OK;
}

/* Final-demand and total columns from field c0 on. */
static emb_status read_fd_columns(icio *j, size_t c0)
{
    emb_tsv *r = j->r;
    emb_status st = EMB_OK;
    size_t disc_col = 0, *fcat = NULL;
    unsigned char *seen = NULL;
    if (!(fcat = emb_alloc(j->nf, sizeof *fcat, "column map")))
        return EMB_ENOMEM;
    for (size_t c = c0; c < j->nf && !st; c++) {
        const char *f = emb_tsv_field(r, c), *rest;
        char *a = NULL;
        if (!strcmp(f, "TOTAL") || !strcmp(f, "OUT")) {
            if (j->total_col)
                st = emb_tsv_fail(r, EMB_EINPUT, c, "a second total column '%s' (the first is "
                                  "column %zu)", f, j->total_col + 1);
            j->kind[c] = COL_TOTAL, j->total_col = c;
            continue;
        }
        if (!strcmp(f, "DISC")) {
            if (disc_col)
                st = emb_tsv_fail(r, EMB_EINPUT, c, "column DISC appears twice");
            j->kind[c] = COL_DISC, disc_col = c;
            continue;
        }
        if (!split_code(f, &a, &rest, &st)) {
            if (!st)
                st = emb_tsv_fail(r, EMB_EINPUT, c, "'%s' is neither an industry column "
                                  "(REGION_SECTOR) nor a final-demand column (REGION_CATEGORY or "
                                  "CATEGORY_REGION), DISC, TOTAL or OUT", f);
            break;
        }
        long ra = emb_strlist_find(&j->sreg, a), rb = emb_strlist_find(&j->sreg, rest);
        const char *cat = ra >= 0 ? rest : a;
        if (ra >= 0 && emb_strlist_find(&j->sec, rest) >= 0)
            st = emb_tsv_fail(r, EMB_EINPUT, c, "industry column '%s' after the final-demand "
                              "columns began (column %zu): the industry columns must come first, "
                              "region-major", f, c0 + 1);
        else if (ra < 0 && rb < 0)
            st = emb_tsv_fail(r, EMB_EINPUT, c, "'%s' is neither an industry column (REGION_SECTOR, "
                              "with the %zu sectors of %s in order) nor a final-demand column of a "
                              "region of the industry columns (REGION_CATEGORY or CATEGORY_REGION)",
                              f, j->n_s, j->sreg.v[0]);
        if (!st) {
            long k = emb_strlist_find(&j->cat, cat);
            if (k < 0 && !(st = emb_strlist_push(&j->cat, cat)))
                k = (long)j->cat.n - 1;
            j->kind[c] = COL_FD;
            j->fd_sreg[c] = (size_t)(ra >= 0 ? ra : rb);
            fcat[c] = (size_t)k;
        }
        emb_free(a);
    }
    if (!st && j->cat.n == 0)
        st = emb_tsv_fail(j->r, EMB_EINPUT, EMB_TSV_NOCOL, "no final-demand columns after the %zu "
                          "industry columns (expected e.g. AUS_HFCE or HFCE_AUS)", j->Nsrc);
    if (!st && disc_col) {
        if (emb_strlist_find(&j->cat, "DISC") >= 0)
            st = emb_tsv_fail(r, EMB_EINPUT, disc_col, "DISC is both a region-less column and a "
                              "final-demand category");
        else if (!(st = emb_strlist_push(&j->cat, "DISC")))
            j->disc_cat = j->cat.n - 1;
    }
    j->n_f = j->cat.n;
    size_t ncat = j->n_f;
    /* Each (source region, category) once; each (region, category) of the
     * table at least once (DISC aside). */
    if (!st && !(seen = emb_calloc(j->sreg.n * ncat + j->reg.n * ncat, 1, "final-demand map")))
        st = EMB_ENOMEM;
    for (size_t c = c0; c < j->nf && !st; c++) {
        if (j->kind[c] != COL_FD)
            continue;
        size_t sr = j->fd_sreg[c], k = fcat[c];
        if (seen[sr * ncat + k]++)
            st = emb_tsv_fail(r, EMB_EINPUT, c, "final-demand column for region %s, category %s "
                              "appears twice", j->sreg.v[sr], j->cat.v[k]);
        seen[j->sreg.n * ncat + j->sreg_dst[sr] * ncat + k] = 1;
        j->dst[c] = j->sreg_dst[sr] * ncat + k;
    }
    for (size_t d = 0; d < j->reg.n && !st; d++)
        for (size_t k = 0; k < ncat && !st; k++)
            if (k != j->disc_cat && !seen[j->sreg.n * ncat + d * ncat + k]) {
                char cats[400];
                emb_strlist_join(&j->cat, 12, cats, sizeof cats);
                st = emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "no final-demand column for region "
                                  "%s, category %s (every region needs one column per category: "
                                  "%s)", j->reg.v[d], j->cat.v[k], cats);
            }
    emb_free(seen);
    emb_free(fcat);
    return st;
}

static emb_status read_header(icio *j)
{
    int have;
    emb_status st;
    emb_tsv *r = j->r;
    if ((st = emb_tsv_next(r, &have)))
        return st;
    if (!have)
        return emb_raise(EMB_EINPUT, "%s: empty file; expected an OECD ICIO table", emb_tsv_name(r));
    j->nf = emb_tsv_nfields(r);
    if (j->nf < 3)
        return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "%zu field%s; expected a label cell and "
                            "industry and final-demand columns (is this a comma-separated file?)",
                            j->nf, j->nf == 1 ? "" : "s");
    if (!(j->kind = emb_calloc(j->nf, 1, "column kinds")) ||
        !(j->dst = emb_calloc(j->nf, sizeof *j->dst, "column map")) ||
        !(j->fd_sreg = emb_calloc(j->nf, sizeof *j->fd_sreg, "column map")))
        return EMB_ENOMEM;
    size_t c_end = 0;
    if ((st = read_industry_columns(j, &c_end)) || (st = aggregate_regions(j)))
        return st;
    for (size_t c = 1; c < c_end; c++) {
        size_t i = c - 1;
        j->kind[c] = COL_Z;
        j->dst[c] = j->sreg_dst[i / j->n_s] * j->n_s + i % j->n_s;
    }
    if ((st = read_fd_columns(j, c_end)))
        return st;
    j->N = j->reg.n * j->n_s;
    j->n_y = j->reg.n * j->n_f;
    return EMB_OK;
}

/* --------------------------------------------------------- stressors */

/* Resolve a (region, sector-or-category) pair of the stressor table: *fd = 0
 * and *d = column of F, or *fd = 1 and *d = column of F_Y; *id identifies the
 * pair as spelled (duplicates).  0 when it matches nothing. */
static int resolve(const icio *j, const char *reg, const char *what, int *fd, size_t *d, size_t *id)
{
    size_t w = j->n_s + j->n_f;
    long sr = emb_strlist_find(&j->sreg, reg), r;
    size_t rid;
    if (sr >= 0)
        r = (long)j->sreg_dst[sr], rid = (size_t)sr;
    else if ((r = emb_strlist_find(&j->reg, reg)) >= 0)
        rid = j->sreg.n + (size_t)r;
    else
        return 0;
    long s = emb_strlist_find(&j->sec, what);
    if (s >= 0) {
        *fd = 0, *d = (size_t)r * j->n_s + (size_t)s, *id = rid * w + (size_t)s;
        return 1;
    }
    long k = emb_strlist_find(&j->cat, what);
    if (k >= 0 && (size_t)k != j->disc_cat) {
        *fd = 1, *d = (size_t)r * j->n_f + (size_t)k, *id = rid * w + j->n_s + (size_t)k;
        return 1;
    }
    return 0;
}

/* A code of the wide form: REGION_SECTOR, REGION_CATEGORY or CATEGORY_REGION. */
static int resolve_code(const icio *j, const char *code, int *fd, size_t *d, size_t *id,
                        emb_status *st)
{
    const char *rest;
    char *a;
    if (!split_code(code, &a, &rest, st))
        return 0;
    int ok = resolve(j, a, rest, fd, d, id);
    if (!ok && !strchr(rest, '_'))
        ok = resolve(j, rest, a, fd, d, id) && *fd; /* 2016's CATEGORY_REGION */
    emb_free(a);
    return ok;
}

typedef struct sread {
    emb_tsv *r;
    size_t c_reg, c_sec, c_str, c_val, c_unit; /* long form columns (NONE if absent) */
    unsigned char *used;     /* [n patterns] */
    unsigned char *covered;  /* [N] industries given a value */
    unsigned char *seen;     /* long form: [k][ids] */
    size_t seen_cap, ids;
    emb_strlist unknown;     /* codes that match nothing */
    size_t unknown_line, unknown_col, n_unknown;
} sread;

/* Record a code that matches nothing (the first few, where first seen). */
static emb_status note_unknown(sread *s, const char *code, size_t col)
{
    if (s->n_unknown++ == 0)
        s->unknown_line = emb_tsv_lineno(s->r), s->unknown_col = col;
    if (s->unknown.n < 6 && emb_strlist_find(&s->unknown, code) < 0)
        return emb_strlist_push(&s->unknown, code);
    return EMB_OK;
}

static emb_status unknown_error(const icio *j, sread *s)
{
    char codes[600];
    emb_strlist_join(&s->unknown, 6, codes, sizeof codes);
    return emb_raise(EMB_EINPUT, "%s: line %zu, column %zu: %zu code%s match%s no industry "
                                 "(REGION_SECTOR) or final-demand column of %s: %s%s (rename or drop "
                                 "them: an unmatched code would lose its emissions)",
                     j->sdisp, s->unknown_line, s->unknown_col + 1, s->n_unknown,
                     s->n_unknown == 1 ? "" : "s", s->n_unknown == 1 ? "es" : "",
                     emb_tsv_name(j->r), codes, s->n_unknown > s->unknown.n ? ", ..." : "");
}

/* A new stressor row (F and F_Y), or the existing one. */
static emb_status stressor_row(icio *j, sread *s, const char *name, const char *unit, size_t *k,
                               int must_be_new)
{
    long f = emb_strlist_find(&j->snames, name);
    emb_status st;
    double *row;
    if (f >= 0) {
        if (must_be_new)
            return emb_tsv_fail(s->r, EMB_EINPUT, 0, "stressor '%s' appears twice", name);
        if (strcmp(unit, j->sunits.v[f]) != 0)
            return emb_tsv_fail(s->r, EMB_EINPUT, s->c_unit, "unit '%s' of stressor '%s' differs "
                                "from '%s' given before", unit, name, j->sunits.v[f]);
        *k = (size_t)f;
        return EMB_OK;
    }
    if (!*unit)
        return emb_tsv_fail(s->r, EMB_EINPUT, s->c_unit, "empty unit of stressor '%s'", name);
    if ((st = emb_strlist_push(&j->snames, name)) || (st = emb_strlist_push(&j->sunits, unit)) ||
        (st = emb_rows_append(&j->F, j->N, "stressors F", &row)) ||
        (st = emb_rows_append(&j->FY, j->n_y, "stressors F_Y", &row)))
        return st;
    *k = j->snames.n - 1;
    if (s->ids) { /* long form: a fresh row of duplicate flags */
        size_t need;
        if (emb_mul_overflows(j->snames.n, s->ids, &need))
            return emb_raise(EMB_ENOMEM, "stressor flags overflow");
        if (need > s->seen_cap) {
            size_t nc = s->seen_cap ? 2 * s->seen_cap : need;
            while (nc < need)
                nc *= 2;
            unsigned char *ns = emb_realloc(s->seen, nc, 1, "stressor flags");
            if (!ns)
                return EMB_ENOMEM;
            s->seen = ns, s->seen_cap = nc;
        }
        memset(s->seen + *k * s->ids, 0, s->ids);
    }
    return EMB_OK;
}

static emb_status add_value(icio *j, sread *s, size_t k, int fd, size_t d, size_t c)
{
    double v;
    emb_status st = emb_tsv_number(s->r, c, &v);
    if (st)
        return st;
    if (fd)
        j->FY.a[k * j->n_y + d] += v;
    else {
        j->F.a[k * j->N + d] += v;
        s->covered[d] = 1;
    }
    return EMB_OK;
}

static emb_status read_wide(icio *j, sread *s)
{
    emb_tsv *r = s->r;
    size_t nf = emb_tsv_nfields(r), c0 = 1, *dst = NULL, ids = (j->sreg.n + j->reg.n) * (j->n_s + j->n_f);
    unsigned char *isfd = NULL, *seen = NULL;
    emb_status st = EMB_ENOMEM;
    int have;
    if (nf > 1 && strcasecmp(emb_tsv_field(r, 1), "unit") == 0)
        s->c_unit = 1, c0 = 2;
    if (nf <= c0) {
        st = emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "no code columns (wide form: stressor[, "
                          "unit], REGION_SECTOR...; long form: region, sector, stressor, value[, unit])");
        goto done;
    }
    if (!(dst = emb_alloc(nf, sizeof *dst, "stressor columns")) ||
        !(isfd = emb_calloc(nf, 1, "stressor columns")) || !(seen = emb_calloc(ids, 1, "code flags")))
        goto done;
    st = EMB_OK;
    for (size_t c = c0; c < nf && !st; c++) {
        int fd = 0;
        size_t id = 0;
        const char *code = emb_tsv_field(r, c);
        if (!resolve_code(j, code, &fd, &dst[c], &id, &st)) {
            if (!st)
                st = note_unknown(s, code, c);
            dst[c] = NONE;
            continue;
        }
        if (seen[id]++)
            st = emb_tsv_fail(r, EMB_EINPUT, c, "code '%s' appears twice", code);
        isfd[c] = (unsigned char)fd;
    }
    if (!st && s->n_unknown)
        st = unknown_error(j, s);
    while (!st && !(st = emb_tsv_next(r, &have)) && have) {
        if (emb_tsv_blank(r))
            continue;
        if (emb_tsv_nfields(r) != nf) {
            size_t got = emb_tsv_nfields(r);
            st = emb_tsv_fail(r, EMB_EINPUT, got < nf ? got : nf, "%s cell (expected %zu fields "
                              "as in the header, found %zu)", got < nf ? "missing" : "extra", nf, got);
            break;
        }
        const char *name = emb_tsv_field(r, 0);
        if (!*name) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "empty stressor name");
            break;
        }
        if (emb_strlist_find(&j->sall, name) >= 0) {
            st = emb_tsv_fail(r, EMB_EINPUT, 0, "stressor '%s' appears twice", name);
            break;
        }
        if ((st = emb_strlist_push(&j->sall, name)))
            break;
        if (!emb_stressor_wanted(j->opts, name, s->used))
            continue;
        size_t k;
        if ((st = stressor_row(j, s, name, s->c_unit != NONE ? emb_tsv_field(r, 1) : "unspecified",
                               &k, 1)))
            break;
        for (size_t c = c0; c < nf && !st; c++)
            st = add_value(j, s, k, isfd[c], dst[c], c);
    }
done:
    emb_free(dst);
    emb_free(isfd);
    emb_free(seen);
    return st;
}

static emb_status read_long(icio *j, sread *s)
{
    emb_tsv *r = s->r;
    size_t nf = emb_tsv_nfields(r);
    int have;
    emb_status st = EMB_OK;
    s->ids = (j->sreg.n + j->reg.n) * (j->n_s + j->n_f);
    while (!st && !(st = emb_tsv_next(r, &have)) && have) {
        if (emb_tsv_blank(r))
            continue;
        if (emb_tsv_nfields(r) != nf) {
            size_t got = emb_tsv_nfields(r);
            st = emb_tsv_fail(r, EMB_EINPUT, got < nf ? got : nf, "%s cell (expected %zu fields "
                              "as in the header, found %zu)", got < nf ? "missing" : "extra", nf, got);
            break;
        }
        const char *name = emb_tsv_field(r, s->c_str), *reg = emb_tsv_field(r, s->c_reg),
                   *sec = emb_tsv_field(r, s->c_sec);
        if (!*name) {
            st = emb_tsv_fail(r, EMB_EINPUT, s->c_str, "empty stressor name");
            break;
        }
        if (emb_strlist_find(&j->sall, name) < 0 && (st = emb_strlist_push(&j->sall, name)))
            break;
        int fd = 0;
        size_t d = 0, id = 0, k;
        if (!resolve(j, reg, sec, &fd, &d, &id)) {
            char code[512];
            snprintf(code, sizeof code, "%s_%s", reg, sec);
            st = note_unknown(s, code, emb_strlist_find(&j->sreg, reg) >= 0 ||
                                       emb_strlist_find(&j->reg, reg) >= 0 ? s->c_sec : s->c_reg);
            continue;
        }
        if (!emb_stressor_wanted(j->opts, name, s->used))
            continue;
        if ((st = stressor_row(j, s, name, s->c_unit != NONE ? emb_tsv_field(r, s->c_unit)
                                                             : "unspecified", &k, 0)))
            break;
        if (s->seen[k * s->ids + id]++) {
            st = emb_tsv_fail(r, EMB_EINPUT, s->c_reg, "a second value for stressor '%s', region "
                              "%s, %s", name, reg, sec);
            break;
        }
        st = add_value(j, s, k, fd, d, s->c_val);
    }
    if (!st && s->n_unknown)
        st = unknown_error(j, s);
    return st;
}

static emb_status read_stressors(icio *j)
{
    const emb_import_opts *o = j->opts;
    sread s;
    memset(&s, 0, sizeof s);
    s.c_reg = s.c_sec = s.c_str = s.c_val = s.c_unit = NONE;
    emb_archive *ar = NULL;
    char *rel = NULL;
    emb_status st;
    int have;
    if (!o || !o->stressors_csv) {
        if (o && o->n_stressor_patterns)
            return emb_raise(EMB_EUSAGE, "%s: stressor patterns need a stressor table "
                                         "(--stressors-csv): OECD ICIO has no emissions", j->path);
        return EMB_OK;
    }
    if ((st = open_plain(o->stressors_csv, &ar, &rel)))
        goto done; /* ar may be open */
    if (o->progress)
        emb_archive_set_progress(ar, o->progress, o->progress_ctx);
    if ((st = emb_csv_open_in(ar, rel, ',', &s.r)))
        goto done;
    if (!(j->sdisp = emb_strdup(emb_tsv_name(s.r))) ||
        !(s.covered = emb_calloc(j->N, 1, "stressor coverage")) ||
        (o->n_stressor_patterns && !(s.used = emb_calloc(o->n_stressor_patterns, 1, "pattern flags")))) {
        st = EMB_ENOMEM;
        goto done;
    }
    if ((st = emb_tsv_next(s.r, &have)))
        goto done;
    if (!have) {
        st = emb_raise(EMB_EINPUT, "%s: empty file; expected a header row (stressor[, unit], "
                                   "REGION_SECTOR... or region, sector, stressor, value[, unit])",
                       j->sdisp);
        goto done;
    }
    /* Long form when the header names region, sector, stressor and value. */
    for (size_t c = 0; c < emb_tsv_nfields(s.r); c++) {
        const char *h = emb_tsv_field(s.r, c);
        size_t *slot = !strcasecmp(h, "region")     ? &s.c_reg
                       : !strcasecmp(h, "sector")   ? &s.c_sec
                       : !strcasecmp(h, "stressor") ? &s.c_str
                       : !strcasecmp(h, "value")    ? &s.c_val
                       : !strcasecmp(h, "unit")     ? &s.c_unit
                                                    : NULL;
        if (slot && *slot == NONE)
            *slot = c;
    }
    j->long_form = s.c_reg != NONE && s.c_sec != NONE && s.c_str != NONE && s.c_val != NONE;
    if (j->long_form)
        st = read_long(j, &s);
    else {
        s.c_unit = NONE;
        st = read_wide(j, &s);
    }
    if (!st && j->snames.n == 0 && !o->n_stressor_patterns)
        st = emb_raise(EMB_EINPUT, "%s: no stressor rows", j->sdisp);
    if (!st)
        st = emb_stressor_patterns_check(o, s.used, &j->sall, j->sdisp);
    if (!st) {
        for (size_t d = 0; d < j->N; d++)
            if (!s.covered[d] && j->n_missing++ < 4) {
                size_t w = strlen(j->missing_ex);
                snprintf(j->missing_ex + w, sizeof j->missing_ex - w, "%s%s_%s",
                         w ? ", " : "", j->reg.v[d / j->n_s], j->sec.v[d % j->n_s]);
            }
    }
done:
    emb_tsv_close(s.r);
    emb_archive_close(ar);
    emb_free(rel);
    emb_free(s.used);
    emb_free(s.covered);
    emb_free(s.seen);
    emb_strlist_free(&s.unknown);
    return st;
}

/* --------------------------------------------------------------- rows */

/* A value-added / output row: empty cells count as 0 (the 2016 release
 * leaves its final-demand part empty); Z columns go into acc. */
static emb_status read_extra_row(icio *j, double *acc)
{
    emb_tsv *r = j->r;
    for (size_t c = 1; c < j->nf; c++) {
        double v;
        emb_status st;
        if (!*emb_tsv_field(r, c))
            continue;
        if ((st = emb_tsv_number(r, c, &v)))
            return st;
        if (j->kind[c] == COL_Z)
            acc[j->dst[c]] += v;
    }
    return EMB_OK;
}

static emb_status check_nfields(icio *j)
{
    size_t got = emb_tsv_nfields(j->r);
    if (got == j->nf)
        return EMB_OK;
    return emb_tsv_fail(j->r, EMB_EINPUT, got < j->nf ? got : j->nf, "%s cell (expected %zu "
                        "fields as in the header, found %zu)", got < j->nf ? "missing" : "extra",
                        j->nf, got);
}

static emb_status read_rows(icio *j)
{
    emb_tsv *r = j->r;
    emb_table *t = j->t;
    size_t N = j->N, n_y = j->n_y, i = 0;
    int have;
    emb_status st;
    while ((st = emb_tsv_next(r, &have)) == EMB_OK && have) {
        if (emb_tsv_blank(r))
            continue;
        const char *lab = emb_tsv_field(r, 0);
        if ((st = check_nfields(j)))
            return st;
        if (i < j->Nsrc) {
            const char *want_r = j->sreg.v[i / j->n_s], *want_s = j->sec.v[i % j->n_s];
            size_t lr = strlen(want_r);
            if (strncmp(lab, want_r, lr) != 0 || lab[lr] != '_' || strcmp(lab + lr + 1, want_s) != 0) {
                if (is_va_label(lab) || is_out_label(lab))
                    return emb_tsv_fail(r, EMB_EINPUT, 0, "row '%s' after %zu of the %zu industry "
                                        "rows (%s_%s is missing)", lab, i, j->Nsrc, want_r, want_s);
                return emb_tsv_fail(r, EMB_EINPUT, 0, "expected row '%s_%s' (the industry rows "
                                    "follow the order of the industry columns), found '%s'",
                                    want_r, want_s, lab);
            }
            size_t dr = j->sreg_dst[i / j->n_s], drow = dr * j->n_s + i % j->n_s;
            double *trow = t->T + drow * N, *yrow = t->Y + drow * n_y, sum = 0, total = 0;
            for (size_t c = 1; c < j->nf; c++) {
                double v;
                if ((st = emb_tsv_number(r, c, &v)))
                    return st;
                switch (j->kind[c]) {
                case COL_Z: trow[j->dst[c]] += v; j->zcol[j->dst[c]] += v; sum += v; break;
                case COL_FD: yrow[j->dst[c]] += v; sum += v; break;
                case COL_DISC: yrow[dr * j->n_f + j->disc_cat] += v; sum += v; break;
                default: total = v; break;
                }
            }
            if (j->total_col) {
                double d = fabs(total - sum), m = fmax(fabs(total), fabs(sum));
                double rel = m > 0 ? d / m : 0;
                if (rel > j->total_rel)
                    j->total_rel = rel, j->total_diff = d, j->total_at = i;
            }
            i++;
            continue;
        }
        if (is_out_label(lab)) {
            if (j->out)
                return emb_tsv_fail(r, EMB_EINPUT, 0, "a second output row '%s'", lab);
            if (!(j->out = emb_calloc(N, sizeof *j->out, "output row")))
                return EMB_ENOMEM;
            if ((st = read_extra_row(j, j->out)))
                return st;
        } else if (is_va_label(lab)) {
            if ((st = read_extra_row(j, j->zcol)))
                return st;
            j->n_va_rows++;
        } else {
            return emb_tsv_fail(r, EMB_EINPUT, 0, "unexpected row '%s' after the %zu industry "
                                "rows (expected value-added rows such as VALU, TLS, VA, "
                                "REGION_TAXSUB, and the output row OUT or OUTPUT)", lab, j->Nsrc);
        }
    }
    if (st)
        return st;
    if (i < j->Nsrc)
        return emb_raise(EMB_EINPUT, "%s: ends after line %zu with %zu of the %zu industry rows",
                         emb_tsv_name(r), emb_tsv_lineno(r), i, j->Nsrc);
    return EMB_OK;
}

/* ------------------------------------------------------------- table */

static emb_status appendf(char **s, const char *fmt, ...) EMB_PRINTF(2, 3);
static emb_status appendf(char **s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t a = *s ? strlen(*s) : 0, b = strlen(buf);
    char *n = emb_realloc(*s, a + b + 1, 1, "source text");
    if (!n)
        return EMB_ENOMEM;
    memcpy(n + a, buf, b + 1);
    *s = n;
    return EMB_OK;
}

/* The table's allocation plan with k stressors: with k = 0 as soon as the
 * header gives N and n_f (before the stressor CSV is read), then with the
 * stressors found (before the table is allocated). */
static emb_status plan_table(const icio *j, size_t k)
{
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, (double)j->reg.n, (double)j->n_s, (double)j->n_f, (double)k, 1, "Z", 0);
    emb_plan_add(&p, "column sums and output row", (double)j->reg.n * (double)j->n_s, 2,
                 sizeof(double));
    return emb_plan_check(&p, j->path, "the table");
}

static emb_status build_table(icio *j)
{
    size_t k = j->snames.n;
    emb_status st = plan_table(j, k);
    if (!st)
        st = emb_table_create(j->reg.n, j->n_s, j->n_f, k, EMB_TECH_Z, 1, &j->t);
    if (st)
        return st;
    emb_table *t = j->t;
    if ((st = emb_table_set_path(t, j->path)) ||
        !(t->monetary_unit = emb_strdup("million USD")))
        return st ? st : EMB_ENOMEM;
    for (size_t i = 0; i < t->n_r && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_REGION, i, j->reg.v[i]);
    for (size_t i = 0; i < t->n_s && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, j->sec.v[i]);
    for (size_t i = 0; i < t->n_f && !st; i++)
        st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, i, j->cat.v[i]);
    for (size_t i = 0; i < k && !st; i++)
        if (!(st = emb_table_set_label(t, EMB_LABEL_STRESSOR, i, j->snames.v[i])))
            st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, i, j->sunits.v[i]);
    if (st)
        return st;
    if (k) { /* the stressor rows become F and F_Y */
        emb_free(t->F);
        emb_free(t->F_Y);
        t->F = j->F.a, t->F_Y = j->FY.a;
        j->F.a = j->FY.a = NULL;
    }
    int release, year;
    name_years(j->rel, &release, &year);
    t->year = year;
    return EMB_OK;
}

/* The provenance and the checks, into t->source. */
static emb_status describe(icio *j)
{
    emb_table *t = j->t;
    char **s = &t->source;
    emb_status st;
    int release, year;
    name_years(j->rel, &release, &year);
    if (release)
        st = appendf(s, "OECD ICIO, %d release, %s", release, base_name(j->rel));
    else
        st = appendf(s, "OECD ICIO, %s", base_name(j->rel));
    for (size_t m = 0; m < j->merged.n && !st; m++)
        st = appendf(s, "%s %s", m ? "," : "; aggregated", j->merged.v[m]);
    if (!st && j->disc_cat != NONE)
        st = appendf(s, "; DISC (statistical discrepancy) kept as category DISC of each selling "
                        "industry's region");
    if (!st && j->out) {
        double worst = 0, wd = 0, iw = 0, iwd = 0;
        size_t at = 0, iat = 0;
        for (size_t i = 0; i < j->N; i++) {
            double xs = 0;
            for (size_t c = 0; c < j->N; c++)
                xs += t->T[i * j->N + c];
            for (size_t c = 0; c < j->n_y; c++)
                xs += t->Y[i * j->n_y + c];
            double d = fabs(xs - j->out[i]), m = fmax(fabs(xs), fabs(j->out[i]));
            if (m > 0 && d / m > worst)
                worst = d / m, wd = d, at = i;
            d = fabs(j->zcol[i] - j->out[i]), m = fmax(fabs(j->zcol[i]), fabs(j->out[i]));
            if (m > 0 && d / m > iw)
                iw = d / m, iwd = d, iat = i;
        }
        st = appendf(s, "; output row vs Z1+Y1: max difference %.6g (relative %.3g, %s_%s); vs "
                        "column sums of Z and value added: %.6g (relative %.3g, %s_%s); x not "
                        "stored (the solver uses Z1+Y1)", wd, worst, j->reg.v[at / j->n_s],
                     j->sec.v[at % j->n_s], iwd, iw, j->reg.v[iat / j->n_s], j->sec.v[iat % j->n_s]);
    } else if (!st) {
        st = appendf(s, "; no output row");
    }
    if (!st && j->total_col)
        st = appendf(s, "; total column vs row sums: max difference %.6g (relative %.3g, %s_%s)",
                     j->total_diff, j->total_rel, j->sreg.v[j->total_at / j->n_s],
                     j->sec.v[j->total_at % j->n_s]);
    if (!st && j->sdisp) {
        st = appendf(s, "; stressors (%zu) from %s (%s form)", j->snames.n, base_name(j->sdisp),
                     j->long_form ? "long" : "wide");
        if (!st && j->n_missing)
            st = appendf(s, ", %zu of %zu industries without a value (set to 0: %s%s)",
                         j->n_missing, j->N, j->missing_ex, j->n_missing > 4 ? ", ..." : "");
    } else if (!st) {
        st = appendf(s, "; no stressors (give --stressors-csv)");
    }
    return st;
}

static void icio_free(icio *j)
{
    emb_tsv_close(j->r);
    emb_archive_close(j->ar);
    emb_free(j->rel);
    emb_strlist_free(&j->sreg), emb_strlist_free(&j->sec), emb_strlist_free(&j->cat);
    emb_strlist_free(&j->reg), emb_strlist_free(&j->merged);
    emb_strlist_free(&j->snames), emb_strlist_free(&j->sunits), emb_strlist_free(&j->sall);
    emb_rows_free(&j->F), emb_rows_free(&j->FY);
    emb_free(j->sreg_dst);
    emb_free(j->kind), emb_free(j->dst), emb_free(j->fd_sreg);
    emb_free(j->zcol), emb_free(j->out);
    emb_free(j->sdisp);
}

emb_status emb_import_oecd_icio_run(const char *path, const emb_import_opts *opts, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_import_oecd_icio: out is NULL");
    *out = NULL;
    icio j;
    memset(&j, 0, sizeof j);
    j.path = path, j.opts = opts, j.disc_cat = NONE;
    emb_status st;
    if ((st = open_input(&j)))
        goto done;
    if (opts && opts->progress)
        emb_archive_set_progress(j.ar, opts->progress, opts->progress_ctx);
    if ((st = emb_csv_open_in(j.ar, j.rel, ',', &j.r)) || (st = read_header(&j)) ||
        (st = plan_table(&j, 0)) || (st = read_stressors(&j)) || (st = build_table(&j)))
        goto done;
    if (!(j.zcol = emb_calloc(j.N, sizeof *j.zcol, "column sums"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    if ((st = read_rows(&j)) || (st = describe(&j)))
        goto done;
    st = emb_table_validate(j.t, NULL);
done:
    if (st == EMB_OK) {
        *out = j.t;
        j.t = NULL;
    }
    emb_table_free(j.t);
    icio_free(&j);
    return st;
}
