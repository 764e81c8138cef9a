/* src/import/gloria.c — emb_import_gloria(): a GLORIA release (folder with
 * GLORIA_MRIOs_<v>_<year>, GLORIA_SatelliteAccounts_0<v>_<year> — folders or
 * zips — and GLORIA_ReadMe_0<v>.xlsx) into an in-memory emb_table with Z as
 * CSR.
 *
 * The layout (one year, R regions x S sectors, headerless CSVs):
 *   *_T-Results_*_Markup001(full).csv   2RS x 2RS: for each region its S
 *        industries then its S products, on rows and columns alike.  The
 *        industry x product blocks are the supply table V (make), the
 *        product x industry blocks the use table U; the other two are zero.
 *   *_Y-Results_*   2RS x R*NF final demand (non-zero on product rows)
 *   *_V-Results_*   R*NVA x 2RS value added (non-zero on industry columns)
 *   *_TQ-Results_*  K x 2RS satellites (industry columns)
 *   *_YQ-Results_*  K x R*NF satellites of final demand
 *   ReadMe sheets: Regions (Region_acronyms), Sectors (Sector_names), "Value
 *        added and final demand" (Value_added_names, Final_demand_names),
 *        Satellites (Sat_head_indicator, Sat_indicator, Sat_unit).
 * Money in thousand US dollars.  Markup001 are basic prices.
 *
 * Construction, as pymrio's parse_gloria (its default construct "B",
 * Eurostat's model B): product-by-product under the industry-technology
 * assumption.  With g = V 1 (industry output) and D = diag(g)^-1 V (market
 * shares, industry x product; the row of an industry with g = 0 is its own
 * product, e_j, where pymrio leaves it empty and loses what it bought and
 * emitted):
 *   Z = U D,  x = q = U 1 + Y 1 = Z 1 + Y 1,  F = Q_ind D,  F_Y = YQ,
 *   Y = product rows
 * and value added, VA_ind D, becomes stressors "VA/<category>" (rows of all
 * regions of one category summed: pymrio keeps one row per region and
 * category).  GLORIA's V is diagonal (each industry makes its own product
 * only), so D is the identity and Z is U: the product is then done in
 * place.  A product with x = 0 keeps no inputs (drop_unproduced), so that
 * x = Z 1 + Y 1 holds exactly.  Regions whose rows and columns of T are all
 * zero (DYE in 2022) are dropped, as pymrio does.
 *
 * Streaming and memory: T is read one line at a time into one row buffer of
 * 2RS doubles; only non-zeros of U and V are kept, as CSR (12 bytes each).
 * Peak memory: 12 (nnz(U) + nnz(V)) + 8 (N (n_y + 4) + k (N + n_y)) bytes,
 * plus nnz(Z) * 12 when V is not diagonal; never 2RS x 2RS.
 */
#include "embodied/import.h"
#include "import/importers.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "import/bytesrc.h"
#include "import/csvutil.h"
#include "import/tsv.h"
#include "import/xlsx.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKIP ((size_t)-1)
#define MARKUP "_Markup001(full).csv"

/* Entries of a file that the construction does not use (zero blocks that are
 * not zero, rows or columns of dropped regions). */
typedef struct drops {
    size_t nz;
    double sum;
} drops;

typedef struct job {
    const char *path;
    const emb_import_opts *opts;
    emb_archive *top, *mar, *sar;
    emb_xlsx *readme;
    char *readme_name, *mar_name, *sar_name;
    char *rel_T, *rel_Y, *rel_V, *rel_TQ, *rel_YQ;
    int year;
    emb_strlist regions, sectors, fd, va, sat_head, sat_ind, sat_unit;
    size_t R, S, NF, NVA, KQ, NA, n2; /* NA = R*S, n2 = 2*R*S */
    emb_csr_builder ub, vb; /* U and V while T is read (embodied/csr.h) */
    emb_csr *U, *V; /* old indices: U products x industries, V industries x products */
    double *urow;   /* [NA] U row sums */
    unsigned char *used; /* [R] region has a non-zero row or column in T */
    size_t *rmap;   /* [R] kept region index or SKIP */
    size_t nr;
    size_t *qmap, *vamap; /* stressor index of each satellite / VA category, or SKIP */
    emb_strlist names, units;
    emb_csr *D;     /* N x N (kept indices): diag(g)^-1 V */
    int diagonal;   /* D is the identity */
    double *row;    /* [max(n2, R*NF)] */
    emb_table *t;
    drops dT, dY, dV, dTQ, dYQ;
    drops dZ;       /* inputs of products without output (drop_unproduced) */
    size_t n_zero_g;
} job;

static void job_free(job *j)
{
    emb_xlsx_close(j->readme);
    emb_archive_close(j->mar), emb_archive_close(j->sar), emb_archive_close(j->top);
    emb_free(j->readme_name), emb_free(j->mar_name), emb_free(j->sar_name);
    emb_free(j->rel_T), emb_free(j->rel_Y), emb_free(j->rel_V), emb_free(j->rel_TQ),
        emb_free(j->rel_YQ);
    emb_strlist *ls[] = {&j->regions, &j->sectors, &j->fd,    &j->va,   &j->sat_head,
                         &j->sat_ind, &j->sat_unit, &j->names, &j->units};
    for (size_t i = 0; i < sizeof ls / sizeof *ls; i++)
        emb_strlist_free(ls[i]);
    emb_csr_builder_free(&j->ub), emb_csr_builder_free(&j->vb);
    emb_csr_free(j->U), emb_csr_free(j->V);
    emb_free(j->urow), emb_free(j->used), emb_free(j->rmap), emb_free(j->qmap),
        emb_free(j->vamap), emb_free(j->row);
    emb_csr_free(j->D);
}

static int starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static int ends(const char *s, const char *p)
{
    size_t ls = strlen(s), lp = strlen(p);
    return ls >= lp && !strcmp(s + ls - lp, p);
}

/* ------------------------------------------------------------ locating */

/* The one entry of the release folder starting with `prefix`: a folder, or
 * a file ending in `ext` (".zip", ".xlsx").  *name owned by the caller. */
static emb_status find_entry(job *j, const char *prefix, const char *ext, int dirs_too,
                             char **name)
{
    char **d = NULL, **f = NULL;
    size_t nd = 0, nf = 0, hits = 0;
    emb_status st = EMB_OK;
    *name = NULL;
    if ((dirs_too && (st = emb_archive_subdirs(j->top, "", &d, &nd))) ||
        (st = emb_archive_files(j->top, "", &f, &nf)))
        goto done;
    const char *hit = NULL, *other = NULL;
    for (size_t i = 0; i < nd; i++)
        if (starts(d[i], prefix))
            hits++, other = hit, hit = d[i];
    for (size_t i = 0; i < nf; i++)
        if (starts(f[i], prefix) && ends(f[i], ext))
            hits++, other = hit, hit = f[i];
    if (hits == 0)
        st = emb_raise(EMB_EINPUT, "%s: no %s*%s%s (is this a GLORIA release folder?)", j->path,
                       prefix, ext, dirs_too ? " or folder" : "");
    else if (hits > 1)
        st = emb_raise(EMB_EINPUT, "%s: %zu entries %s* (%s, %s, ...): keep one year and "
                                   "version per folder", j->path, hits, prefix, other, hit);
    else if (!(*name = emb_strdup(hit)))
        st = EMB_ENOMEM;
done:
    for (size_t i = 0; i < nd; i++)
        emb_free(d[i]);
    for (size_t i = 0; i < nf; i++)
        emb_free(f[i]);
    emb_free(d), emb_free(f);
    return st;
}

/* The member "*_<key>-Results_*_Markup001(full).csv" of archive a, at its top
 * or inside one of its top-level folders. */
static emb_status find_member(emb_archive *a, const char *key, char **rel)
{
    char pat[32];
    snprintf(pat, sizeof pat, "_%s-Results_", key);
    char **d = NULL;
    size_t nd = 0;
    *rel = NULL;
    emb_status st = emb_archive_subdirs(a, "", &d, &nd);
    for (size_t k = 0; k <= nd && st == EMB_OK && !*rel; k++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s%s", k ? d[k - 1] : "", k ? "/" : "");
        char **f = NULL;
        size_t nf = 0;
        if ((st = emb_archive_files(a, dir, &f, &nf)))
            break;
        for (size_t i = 0; i < nf && !*rel && st == EMB_OK; i++)
            if (strstr(f[i], pat) && ends(f[i], MARKUP) && !(*rel = emb_strfmt("%s%s", dir, f[i])))
                st = EMB_ENOMEM;
        for (size_t i = 0; i < nf; i++)
            emb_free(f[i]);
        emb_free(f);
    }
    for (size_t i = 0; i < nd; i++)
        emb_free(d[i]);
    emb_free(d);
    if (st == EMB_OK && !*rel)
        st = emb_raise(EMB_EINPUT, "%s: no *%s*%s (basic prices)", emb_archive_path(a), pat,
                       MARKUP);
    return st;
}

static emb_status locate(job *j)
{
    emb_status st;
    if ((st = emb_archive_open(j->path, &j->top)))
        return st;
    if (emb_archive_is_zip(j->top))
        return emb_raise(EMB_EUSAGE, "%s: give the folder holding GLORIA_MRIOs_*, "
                                     "GLORIA_SatelliteAccounts_* and GLORIA_ReadMe_*.xlsx", j->path);
    char *p;
    if ((st = find_entry(j, "GLORIA_MRIOs_", ".zip", 1, &j->mar_name)) ||
        (st = find_entry(j, "GLORIA_SatelliteAccounts_", ".zip", 1, &j->sar_name)) ||
        (st = find_entry(j, "GLORIA_ReadMe_", ".xlsx", 0, &j->readme_name)))
        return st;
    if (!(p = emb_strfmt("%s/%s", j->path, j->mar_name)))
        return EMB_ENOMEM;
    st = emb_archive_open(p, &j->mar);
    emb_free(p);
    if (st || !(p = emb_strfmt("%s/%s", j->path, j->sar_name)))
        return st ? st : EMB_ENOMEM;
    st = emb_archive_open(p, &j->sar);
    emb_free(p);
    if (st || !(p = emb_strfmt("%s/%s", j->path, j->readme_name)))
        return st ? st : EMB_ENOMEM;
    st = emb_xlsx_open(p, &j->readme);
    emb_free(p);
    if (st || (st = find_member(j->mar, "T", &j->rel_T)) ||
        (st = find_member(j->mar, "Y", &j->rel_Y)) || (st = find_member(j->mar, "V", &j->rel_V)) ||
        (st = find_member(j->sar, "TQ", &j->rel_TQ)) || (st = find_member(j->sar, "YQ", &j->rel_YQ)))
        return st;
    const char *y = strstr(j->rel_T, "_T-Results_") + strlen("_T-Results_");
    if (y[0] >= '1' && y[0] <= '2' && y[4] == '_')
        j->year = atoi(y);
    if (j->opts && j->opts->progress) {
        emb_archive_set_progress(j->mar, j->opts->progress, j->opts->progress_ctx);
        emb_archive_set_progress(j->sar, j->opts->progress, j->opts->progress_ctx);
    }
    return EMB_OK;
}

/* ------------------------------------------------------------ labels */

static emb_status read_labels(job *j)
{
    emb_xlsx *x = j->readme;
    const char *vf = "Value added and final demand";
    emb_status st;
    if ((st = emb_xlsx_column(x, "Regions", "Region_acronyms", &j->regions)) ||
        (st = emb_xlsx_column(x, "Sectors", "Sector_names", &j->sectors)) ||
        (st = emb_xlsx_column(x, vf, "Value_added_names", &j->va)) ||
        (st = emb_xlsx_column(x, vf, "Final_demand_names", &j->fd)) ||
        (st = emb_xlsx_column(x, "Satellites", "Sat_head_indicator", &j->sat_head)) ||
        (st = emb_xlsx_column(x, "Satellites", "Sat_indicator", &j->sat_ind)) ||
        (st = emb_xlsx_column(x, "Satellites", "Sat_unit", &j->sat_unit)))
        return st;
    struct { const char *sheet, *col; emb_strlist *l; } need[] = {
        {"Regions", "Region_acronyms", &j->regions}, {"Sectors", "Sector_names", &j->sectors},
        {vf, "Final_demand_names", &j->fd}};
    for (size_t i = 0; i < 3; i++) {
        if (need[i].l->n == 0)
            return emb_raise(EMB_EINPUT, "%s: sheet '%s': column %s is empty", emb_xlsx_path(x),
                             need[i].sheet, need[i].col);
        for (size_t k = 0; k < need[i].l->n; k++)
            if (!*need[i].l->v[k])
                return emb_raise(EMB_EINPUT, "%s: sheet '%s': column %s, row %zu is empty",
                                 emb_xlsx_path(x), need[i].sheet, need[i].col, k + 2);
    }
    j->KQ = j->sat_ind.n > j->sat_head.n ? j->sat_ind.n : j->sat_head.n;
    if (j->sat_unit.n > j->KQ)
        j->KQ = j->sat_unit.n;
    while (j->sat_head.n < j->KQ && !(st = emb_strlist_push(&j->sat_head, ""))) {}
    while (!st && j->sat_ind.n < j->KQ && !(st = emb_strlist_push(&j->sat_ind, ""))) {}
    while (!st && j->sat_unit.n < j->KQ && !(st = emb_strlist_push(&j->sat_unit, ""))) {}
    if (st)
        return st;
    j->R = j->regions.n, j->S = j->sectors.n, j->NF = j->fd.n, j->NVA = j->va.n;
    j->NA = j->R * j->S, j->n2 = 2 * j->NA;
    if (j->n2 / 2 / j->S != j->R || j->NA > EMB_CSR_MAX_DIM)
        return emb_raise(EMB_ENOMEM, "%s: %zu regions x %zu sectors: too large", emb_xlsx_path(x),
                         j->R, j->S);
    size_t rowlen = j->n2 > j->R * j->NF ? j->n2 : j->R * j->NF;
    /* The ReadMe fixed every dimension: the plan (at most KQ + NVA
     * stressors; U and V are CSR, grown as T streams, each growth within
     * the limit), before anything of that size is allocated. */
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_table(&p, (double)j->R, (double)j->S, (double)j->NF, (double)(j->KQ + j->NVA), 0,
                   "Z", 1);
    emb_plan_add(&p, "T row buffer", (double)rowlen, 1, sizeof(double));
    emb_plan_add(&p, "U row sums", (double)j->NA, 1, sizeof(double));
    if ((st = emb_plan_check(&p, j->path, "the table")))
        return st;
    if (!(j->row = emb_alloc(rowlen, sizeof *j->row, "GLORIA row")))
        return EMB_ENOMEM;
    return EMB_OK;
}

/* Stressor names and the selection: Q/<head>/<indicator> and VA/<category>. */
static emb_status select_stressors(job *j)
{
    const emb_import_opts *o = j->opts;
    int want_q = 1, want_va = 1;
    if (o && o->extensions && o->n_extensions) {
        want_q = want_va = 0;
        for (size_t i = 0; i < o->n_extensions; i++) {
            if (!strcmp(o->extensions[i], "Q"))
                want_q = 1;
            else if (!strcmp(o->extensions[i], "VA"))
                want_va = 1;
            else
                return emb_raise(EMB_EUSAGE, "GLORIA: unknown extension '%s' (Q: satellites, "
                                             "VA: value added)", o->extensions[i]);
        }
    }
    size_t np = o && o->stressor_patterns ? o->n_stressor_patterns : 0;
    unsigned char *used = emb_calloc(np ? np : 1, 1, "pattern flags");
    emb_strlist all = {0};
    emb_status st = EMB_OK;
    if (!used || !(j->qmap = emb_alloc(j->KQ ? j->KQ : 1, sizeof *j->qmap, "stressor map")) ||
        !(j->vamap = emb_alloc(j->NVA ? j->NVA : 1, sizeof *j->vamap, "stressor map"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    for (size_t s = 0; s < j->KQ + j->NVA && !st; s++) {
        int q = s < j->KQ;
        char *name = q ? emb_strfmt("Q/%s/%s", j->sat_head.v[s], j->sat_ind.v[s])
                       : emb_strfmt("VA/%s", j->va.v[s - j->KQ]);
        size_t *slot = q ? &j->qmap[s] : &j->vamap[s - j->KQ];
        *slot = SKIP;
        if (!name) {
            st = EMB_ENOMEM;
            break;
        }
        if ((q ? want_q : want_va) && !(st = emb_strlist_push(&all, name)) &&
            emb_stressor_wanted(o, name, used)) {
            *slot = j->names.n;
            if (!(st = emb_strlist_push(&j->names, name)))
                st = emb_strlist_push(&j->units, q ? (*j->sat_unit.v[s] ? j->sat_unit.v[s]
                                                                          : "unknown")
                                                   : "1000 USD");
        }
        emb_free(name);
    }
    if (!st)
        st = emb_stressor_patterns_check(o, used, &all, emb_xlsx_path(j->readme));
done:
    emb_free(used);
    emb_strlist_free(&all);
    return st;
}

/* ------------------------------------------------------------ reading */

/* Next data line of r into j->row[0, n): EMB_EINPUT naming file, line and
 * column on a short or long line or a cell that is not a number; *have = 0
 * at end of file. */
static emb_status next_row(job *j, emb_tsv *r, size_t n, const char *what, int *have)
{
    int parsed;
    emb_status st = emb_tsv_next_numbers(r, 0, n, j->row, have, &parsed);
    if (st || !*have || parsed)
        return st;
    size_t nf = emb_tsv_nfields(r);
    if (emb_tsv_blank(r))
        return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "empty line, expected %zu numbers (%s)",
                            n, what);
    if (nf != n)
        return emb_tsv_fail(r, EMB_EINPUT, nf < n ? nf : n, "%zu columns, expected %zu (%s)", nf,
                            n, what);
    return emb_tsv_numbers(r, 0, n, j->row);
}

static emb_status at_end(emb_tsv *r, size_t rows, size_t want, const char *what)
{
    int have;
    emb_status st;
    if (rows < want)
        return emb_raise(EMB_EINPUT, "%s: ends after line %zu with %zu of the %zu rows (%s)",
                         emb_tsv_name(r), emb_tsv_lineno(r), rows, want, what);
    while (!(st = emb_tsv_next(r, &have)) && have)
        if (!emb_tsv_blank(r))
            return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL, "more than the %zu rows expected "
                                "(%s)", want, what);
    return st;
}

/* T-Results: U and V as CSR (old indices), U row sums, regions in use. */
static emb_status read_T(job *j)
{
    emb_tsv *r = NULL;
    emb_status st;
    char what[256];
    snprintf(what, sizeof what, "2 x %zu regions x %zu sectors of %s", j->R, j->S,
             j->readme_name);
    if ((st = emb_csr_builder_init(&j->ub, j->NA, j->NA, 4096, 0, "use table U")) ||
        (st = emb_csr_builder_init(&j->vb, j->NA, j->NA, 4096, 0, "supply table V")))
        return st;
    if (!(j->urow = emb_calloc(j->NA, sizeof *j->urow, "U row sums")) ||
        !(j->used = emb_calloc(j->R, 1, "regions used")))
        return EMB_ENOMEM;
    if ((st = emb_csv_open_in(j->mar, j->rel_T, ',', &r)))
        return st;
    size_t S = j->S, i = 0;
    int have = 1;
    while (i < j->n2 && !(st = next_row(j, r, j->n2, what, &have)) && have) {
        size_t rr = i / (2 * S), w = i % (2 * S);
        int ind = w < S; /* industry row: V; product row: U */
        emb_csr_builder *m = ind ? &j->vb : &j->ub;
        double sum = 0;
        for (size_t rc = 0; rc < j->R && !st; rc++) {
            const double *b = j->row + rc * 2 * S;
            const double *keep = ind ? b + S : b, *drop = ind ? b : b + S;
            int any = 0;
            for (size_t s = 0; s < S; s++) {
                if (keep[s] != 0) {
                    any = 1, sum += keep[s];
                    if ((st = emb_csr_builder_push(m, rc * S + s, keep[s])))
                        break;
                }
                if (drop[s] != 0)
                    any = 1, j->dT.nz++, j->dT.sum += drop[s];
            }
            if (any)
                j->used[rc] = j->used[rr] = 1;
        }
        if (st || (st = emb_csr_builder_end_row(m)))
            break;
        if (!ind)
            j->urow[rr * S + w - S] = sum;
        i++;
    }
    if (!st)
        st = at_end(r, i, j->n2, what);
    emb_tsv_close(r);
    if (!st && !(st = emb_csr_builder_finish(&j->ub, &j->U)))
        st = emb_csr_builder_finish(&j->vb, &j->V);
    return st;
}

/* Region map and D = diag(g)^-1 V over the kept indices. */
static emb_status build_D(job *j)
{
    if (!(j->rmap = emb_alloc(j->R, sizeof *j->rmap, "region map")))
        return EMB_ENOMEM;
    for (size_t r = 0; r < j->R; r++)
        j->rmap[r] = j->used[r] ? j->nr++ : SKIP;
    if (j->nr == 0)
        return emb_raise(EMB_EINPUT, "%s/%s/%s: every cell is zero", j->path, j->mar_name,
                         j->rel_T);
    size_t S = j->S, N = j->nr * S;
    /* One entry per non-zero of V, and one per industry without output. */
    emb_status st = emb_csr_create(N, N, j->V->nnz + N, &j->D);
    if (st)
        return st;
    emb_csr *D = j->D;
    size_t e = 0;
    j->diagonal = 1;
    for (size_t jo = 0; jo < j->NA; jo++) {
        size_t reg = j->rmap[jo / S];
        if (reg == SKIP)
            continue; /* its rows are empty: the region has no non-zero */
        size_t jn = reg * S + jo % S;
        double g = 0;
        for (size_t k = j->V->indptr[jo]; k < j->V->indptr[jo + 1]; k++)
            g += j->V->data[k];
        if (g == 0) {
            /* No output to share its inputs, emissions and value added by:
             * they go to its own product (GLORIA pairs industry s with
             * product s), so that nothing it bought or emitted is lost and
             * x = Z 1 + Y 1 holds.  pymrio's D row is zero here: the inputs
             * vanish from Z but stay in x (world PBA != CBA) and the
             * emissions vanish. */
            j->n_zero_g++;
            D->indices[e] = (uint32_t)jn, D->data[e++] = 1.0;
        }
        for (size_t k = j->V->indptr[jo]; k < j->V->indptr[jo + 1] && g != 0; k++) {
            size_t co = j->V->indices[k], cn = j->rmap[co / S] * S + co % S;
            double d = j->V->data[k] / g;
            if (d == 0)
                continue;
            D->indices[e] = (uint32_t)cn, D->data[e++] = d;
            if (cn != jn || d != 1.0)
                j->diagonal = 0;
        }
        D->indptr[jn + 1] = e;
    }
    for (size_t i = 1; i <= N; i++) /* rows of dropped regions come out empty */
        if (D->indptr[i] < D->indptr[i - 1])
            D->indptr[i] = D->indptr[i - 1];
    D->nnz = e;
    emb_csr_free(j->V);
    j->V = NULL;
    return EMB_OK;
}

static emb_status make_table(job *j)
{
    size_t k = j->names.n;
    emb_status st = emb_table_create(j->nr, j->S, j->NF, k, EMB_TECH_Z, 0, &j->t);
    if (st)
        return st;
    emb_table *t = j->t;
    t->year = j->year;
    if ((st = emb_table_set_path(t, j->path)) || !(t->monetary_unit = emb_strdup("1000 USD")))
        return st ? st : EMB_ENOMEM;
    if ((st = emb_table_alloc_x(t)))
        return st;
    for (size_t r = 0; r < j->R; r++)
        if (j->rmap[r] != SKIP &&
            (st = emb_table_set_label(t, EMB_LABEL_REGION, j->rmap[r], j->regions.v[r])))
            return st;
    for (size_t i = 0; i < j->S; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_SECTOR, i, j->sectors.v[i])))
            return st;
    for (size_t i = 0; i < j->NF; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, i, j->fd.v[i])))
            return st;
    for (size_t i = 0; i < k; i++)
        if ((st = emb_table_set_label(t, EMB_LABEL_STRESSOR, i, j->names.v[i])) ||
            (st = emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, i, j->units.v[i])))
            return st;
    return EMB_OK;
}

/* Y-Results: product rows into t->Y; x = U 1 + Y 1. */
static emb_status read_Y(job *j)
{
    emb_tsv *r = NULL;
    emb_table *t = j->t;
    char what[256];
    size_t nc = j->R * j->NF, S = j->S, i = 0;
    snprintf(what, sizeof what, "rows 2 x %zu regions x %zu sectors, columns %zu regions x %zu "
             "final-demand categories of %s", j->R, S, j->R, j->NF, j->readme_name);
    emb_status st = emb_csv_open_in(j->mar, j->rel_Y, ',', &r);
    int have = 1;
    while (!st && i < j->n2 && !(st = next_row(j, r, nc, what, &have)) && have) {
        size_t rr = i / (2 * S), w = i % (2 * S), reg = j->rmap[rr];
        double *yrow = w >= S && reg != SKIP ? t->Y + (reg * S + w - S) * t->n_y : NULL;
        double sum = 0;
        for (size_t c = 0; c < nc; c++) {
            double v = j->row[c];
            size_t cr = j->rmap[c / j->NF];
            if (v == 0)
                continue;
            if (yrow && cr != SKIP)
                yrow[cr * j->NF + c % j->NF] = v, sum += v;
            else
                j->dY.nz++, j->dY.sum += v;
        }
        if (yrow)
            t->x[reg * S + w - S] = j->urow[rr * S + w - S] + sum;
        i++;
    }
    if (!st)
        st = at_end(r, i, j->n2, what);
    emb_tsv_close(r);
    return st;
}

/* Z = U D (kept indices), replacing U. */
static emb_status build_Z(job *j)
{
    size_t S = j->S, N = j->nr * S;
    const emb_csr *D = j->D;
    emb_csr *U = j->U, *Z = NULL;
    emb_status st;
    if (j->diagonal) {
        /* Z[p, jn] = U[p, j]: compaction in place (indices only decrease,
         * so writes never overtake reads), then Z takes U's arrays. */
        if ((st = emb_csr_create(N, N, 0, &Z)))
            return st;
        size_t w = 0;
        for (size_t po = 0; po < j->NA; po++) {
            size_t reg = j->rmap[po / S];
            size_t b = U->indptr[po], e = U->indptr[po + 1];
            if (reg == SKIP)
                continue;
            size_t pn = reg * S + po % S;
            for (size_t k = b; k < e; k++) {
                size_t co = U->indices[k], cn = j->rmap[co / S] * S + co % S;
                U->indices[w] = (uint32_t)cn, U->data[w++] = U->data[k];
            }
            Z->indptr[pn + 1] = w;
        }
        for (size_t i = 1; i <= N; i++)
            if (Z->indptr[i] < Z->indptr[i - 1])
                Z->indptr[i] = Z->indptr[i - 1];
        emb_free(Z->indices), emb_free(Z->data);
        Z->nnz = w, Z->indices = U->indices, Z->data = U->data;
        U->indices = NULL, U->data = NULL;
    } else {
        /* Row by row with a dense accumulator: memory nnz(Z) + 16 N. */
        double *acc = emb_calloc(N, sizeof *acc, "Z row");
        size_t *mark = emb_alloc(N, sizeof *mark, "Z row marks");
        uint32_t *cols = emb_alloc(N, sizeof *cols, "Z row columns");
        emb_csr_builder zb;
        memset(&zb, 0, sizeof zb);
        if (!acc || !mark || !cols || (st = emb_csr_builder_init(&zb, N, N, U->nnz, 0, "Z"))) {
            emb_free(acc), emb_free(mark), emb_free(cols);
            return (acc && mark && cols) ? st : EMB_ENOMEM;
        }
        for (size_t i = 0; i < N; i++)
            mark[i] = SKIP;
        size_t pn = 0;
        for (size_t po = 0; po < j->NA && !st; po++) {
            if (j->rmap[po / S] == SKIP)
                continue;
            size_t nn = 0;
            for (size_t k = U->indptr[po]; k < U->indptr[po + 1]; k++) {
                size_t co = U->indices[k], jn = j->rmap[co / S] * S + co % S;
                for (size_t e = D->indptr[jn]; e < D->indptr[jn + 1]; e++) {
                    uint32_t c = D->indices[e];
                    if (mark[c] != pn)
                        mark[c] = pn, acc[c] = 0, cols[nn++] = c;
                    acc[c] += U->data[k] * D->data[e];
                }
            }
            for (size_t a = 1; a < nn; a++) { /* insertion sort: rows are short or sorted */
                uint32_t c = cols[a];
                size_t b = a;
                while (b > 0 && cols[b - 1] > c)
                    cols[b] = cols[b - 1], b--;
                cols[b] = c;
            }
            for (size_t a = 0; a < nn && !st; a++)
                if (acc[cols[a]] != 0)
                    st = emb_csr_builder_push(&zb, cols[a], acc[cols[a]]);
            if (!st)
                st = emb_csr_builder_end_row(&zb);
            pn++;
        }
        emb_free(acc), emb_free(mark), emb_free(cols);
        if (st || (st = emb_csr_builder_finish(&zb, &Z))) {
            emb_csr_builder_free(&zb);
            return st;
        }
    }
    emb_csr_free(j->U);
    j->U = NULL;
    return emb_table_set_tech_csr(j->t, Z);
}

/* Products with x = 0 cannot have inputs in a consistent table (A = Z
 * diag(x)^-1 has no column for them, so x != A x + Y 1 and world PBA !=
 * CBA): drop their columns of Z and recompute x = Z 1 + Y 1 for the rows
 * that lost entries (which may make another x zero: repeat).  Only an
 * industry without output whose own product is neither used nor demanded
 * has such inputs; its emissions stay in F, where the accounts report them
 * as unallocated. */
static void drop_unproduced(job *j)
{
    emb_table *t = j->t;
    emb_csr *Z = t->csr;
    size_t N = t->N;
    for (;;) {
        size_t w = 0, before = j->dZ.nz, b = 0;
        for (size_t p = 0; p < N; p++) {
            size_t e = Z->indptr[p + 1];
            int lost = 0;
            for (size_t k = b; k < e; k++) {
                if (t->x[Z->indices[k]] == 0) {
                    j->dZ.nz++, j->dZ.sum += Z->data[k], lost = 1;
                    continue;
                }
                Z->indices[w] = Z->indices[k], Z->data[w++] = Z->data[k];
            }
            b = e;
            Z->indptr[p + 1] = w;
            if (lost) { /* the sums as read_T and read_Y add them */
                double zs = 0, ys = 0;
                for (size_t k = Z->indptr[p]; k < w; k++)
                    zs += Z->data[k];
                for (size_t c = 0; c < t->n_y; c++)
                    ys += t->Y[p * t->n_y + c];
                t->x[p] = zs + ys;
            }
        }
        Z->nnz = w;
        if (j->dZ.nz == before)
            return;
    }
}

/* A K x 2RS row of industry values times D added into frow (N). */
static void add_times_D(job *j, const double *v, double *frow, drops *dr)
{
    size_t S = j->S;
    for (size_t rc = 0; rc < j->R; rc++) {
        const double *b = v + rc * 2 * S;
        size_t reg = j->rmap[rc];
        for (size_t s = 0; s < S; s++) {
            if (b[S + s] != 0) /* product columns: zero in GLORIA */
                dr->nz++, dr->sum += b[S + s];
            if (b[s] == 0)
                continue;
            if (reg == SKIP || !frow) {
                if (frow)
                    dr->nz++, dr->sum += b[s];
                continue;
            }
            size_t jn = reg * S + s;
            for (size_t e = j->D->indptr[jn]; e < j->D->indptr[jn + 1]; e++)
                frow[j->D->indices[e]] += b[s] * j->D->data[e];
        }
    }
}

/* TQ-Results (F = Q D), V-Results (VA D, summed over regions), YQ-Results (F_Y). */
static emb_status read_satellites(job *j)
{
    emb_table *t = j->t;
    char what[256];
    emb_tsv *r = NULL;
    size_t i = 0;
    int have = 1;
    snprintf(what, sizeof what, "rows: %zu satellites of %s, columns 2 x %zu regions x %zu "
             "sectors", j->KQ, j->readme_name, j->R, j->S);
    emb_status st = emb_csv_open_in(j->sar, j->rel_TQ, ',', &r);
    while (!st && i < j->KQ && !(st = next_row(j, r, j->n2, what, &have)) && have) {
        double *frow = j->qmap[i] == SKIP ? NULL : t->F + j->qmap[i] * t->N;
        add_times_D(j, j->row, frow, &j->dTQ);
        i++;
    }
    if (!st)
        st = at_end(r, i, j->KQ, what);
    emb_tsv_close(r), r = NULL;
    if (st)
        return st;
    snprintf(what, sizeof what, "rows: %zu regions x %zu value-added categories, columns 2 x "
             "%zu regions x %zu sectors of %s", j->R, j->NVA, j->R, j->S, j->readme_name);
    size_t nva = j->R * j->NVA;
    st = emb_csv_open_in(j->mar, j->rel_V, ',', &r);
    for (i = 0; !st && i < nva && !(st = next_row(j, r, j->n2, what, &have)) && have; i++) {
        size_t v = i % j->NVA, reg = j->rmap[i / j->NVA];
        double *frow = j->vamap[v] == SKIP || reg == SKIP ? NULL : t->F + j->vamap[v] * t->N;
        add_times_D(j, j->row, frow, &j->dV);
    }
    if (!st)
        st = at_end(r, i, nva, what);
    emb_tsv_close(r), r = NULL;
    if (st)
        return st;
    size_t nc = j->R * j->NF;
    snprintf(what, sizeof what, "rows: %zu satellites, columns %zu regions x %zu final-demand "
             "categories of %s", j->KQ, j->R, j->NF, j->readme_name);
    st = emb_csv_open_in(j->sar, j->rel_YQ, ',', &r);
    for (i = 0; !st && i < j->KQ && !(st = next_row(j, r, nc, what, &have)) && have; i++) {
        double *frow = j->qmap[i] == SKIP ? NULL : t->F_Y + j->qmap[i] * t->n_y;
        for (size_t c = 0; frow && c < nc; c++) {
            size_t reg = j->rmap[c / j->NF];
            if (reg != SKIP)
                frow[reg * j->NF + c % j->NF] = j->row[c];
            else if (j->row[c] != 0)
                j->dYQ.nz++, j->dYQ.sum += j->row[c];
        }
    }
    if (!st)
        st = at_end(r, i, j->KQ, what);
    emb_tsv_close(r);
    return st;
}

static emb_status set_source(job *j)
{
    char dropped[256] = "";
    size_t nd = 0;
    for (size_t r = 0; r < j->R; r++)
        if (j->rmap[r] == SKIP) {
            size_t l = strlen(dropped);
            if (l + strlen(j->regions.v[r]) + 8 < sizeof dropped)
                snprintf(dropped + l, sizeof dropped - l, "%s%s", nd ? " " : "", j->regions.v[r]);
            nd++;
        }
    char *s = emb_strfmt(
        "GLORIA %s, %d, basic prices (Markup001), 1000 USD; product-by-product table under the "
        "industry-technology assumption as pymrio's parse_gloria: Z = U diag(g)^-1 V, x = Z1 + Y1, "
        "F = Q diag(g)^-1 V (V %s, %zu industries without output, mapped to their own product; "
        "inputs of products without output dropped: %zu (sum %.6g)); regions dropped as empty: "
        "%zu%s%s"
        "%s; cells outside the blocks used: T %zu (sum %.6g), Y %zu (%.6g), V-Results %zu (%.6g), "
        "TQ %zu (%.6g), YQ %zu (%.6g)",
        j->mar_name, j->year, j->diagonal ? "diagonal" : "not diagonal", j->n_zero_g, j->dZ.nz,
        j->dZ.sum, nd,
        nd ? " (" : "", dropped, nd ? ")" : "", j->dT.nz, j->dT.sum, j->dY.nz, j->dY.sum, j->dV.nz,
        j->dV.sum, j->dTQ.nz, j->dTQ.sum, j->dYQ.nz, j->dYQ.sum);
    if (!s)
        return EMB_ENOMEM;
    j->t->source = s;
    return EMB_OK;
}

emb_status emb_import_gloria_run(const char *path, const emb_import_opts *opts, emb_table **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_import_gloria: out is NULL");
    *out = NULL;
    job j;
    memset(&j, 0, sizeof j);
    j.path = path, j.opts = opts;
    emb_status st;
    if ((st = locate(&j)) || (st = read_labels(&j)) || (st = select_stressors(&j)) ||
        (st = read_T(&j)) || (st = build_D(&j)) || (st = make_table(&j)) || (st = read_Y(&j)) ||
        (st = build_Z(&j)))
        goto done;
    drop_unproduced(&j);
    if ((st = read_satellites(&j)) || (st = set_source(&j)))
        goto done;
    st = emb_table_validate(j.t, NULL);
done:
    if (st == EMB_OK) {
        *out = j.t;
        j.t = NULL;
    }
    emb_table_free(j.t);
    job_free(&j);
    return st;
}
