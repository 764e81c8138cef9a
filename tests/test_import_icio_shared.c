/* tests/test_import_icio_shared.c — the OECD ICIO importer on the format
 * samples in ../shared/testdata/format-samples/oecd-icio (2016 release CSV,
 * 2018 release CSV and zip): shapes, labels, CN/MX splits aggregated, exact
 * values read by hand from the files, output-row checks, stressor tables
 * (wide and long), account identities, broken copies (one defect each),
 * allocation failures and the CLI.
 *
 * Values below are quoted from the sample files as (line, column), 1-based
 * as a spreadsheet shows them. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zip.h>

static const char *shared; /* ../shared/testdata */

/* ------------------------------------------------------------- helpers */

/* A copy that outlives pathf's rotating buffers. */
static const char *keep(const char *s)
{
    static char store[32][4096];
    static int next;
    char *b = store[next++ % 32];
    snprintf(b, sizeof store[0], "%s", s);
    return b;
}

static const char *sample(const char *name)
{
    return emb_test_pathf("%s/format-samples/oecd-icio/%s", shared, name);
}

/* Lines of a CSV text, each with its fields (unquoted CSV only). */
typedef struct grid {
    size_t nl;
    size_t nf[128];
    char *f[128][128];
} grid;

static grid *grid_read(const char *path)
{
    size_t n;
    char *b = emb_test_slurp(path, &n);
    grid *g = calloc(1, sizeof *g);
    char *save = NULL;
    for (char *line = strtok_r(b, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[l - 1] = '\0';
        ck_assert(g->nl < 128);
        size_t k = 0;
        for (char *p = line;; k++) {
            char *c = strchr(p, ',');
            ck_assert(k < 128);
            g->f[g->nl][k] = strndup(p, c ? (size_t)(c - p) : strlen(p));
            if (!c)
                break;
            p = c + 1;
        }
        g->nf[g->nl++] = k + 1;
    }
    free(b);
    return g;
}

static void grid_write(const grid *g, const char *path)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t l = 0; l < g->nl; l++)
        for (size_t k = 0; k < g->nf[l]; k++)
            fprintf(f, "%s%s", g->f[l][k], k + 1 < g->nf[l] ? "," : "\n");
    fclose(f);
}

static void grid_set(grid *g, size_t line, size_t col, const char *s)
{
    free(g->f[line - 1][col - 1]);
    g->f[line - 1][col - 1] = strdup(s);
}

/* Delete field col (1-based) of one line, or of every line when line == 0. */
static void grid_delete(grid *g, size_t line, size_t col)
{
    for (size_t l = line ? line - 1 : 0; l < (line ? line : g->nl); l++) {
        ck_assert(col <= g->nf[l]);
        free(g->f[l][col - 1]);
        memmove(&g->f[l][col - 1], &g->f[l][col], (g->nf[l] - col) * sizeof(char *));
        g->nf[l]--;
    }
}

/* Column (1-based) of header label lab. */
static size_t grid_col(const grid *g, const char *lab)
{
    for (size_t k = 0; k < g->nf[0]; k++)
        if (!strcmp(g->f[0][k], lab))
            return k + 1;
    ck_abort_msg("no column %s", lab);
    return 0;
}

static void grid_free(grid *g)
{
    for (size_t l = 0; l < g->nl; l++)
        for (size_t k = 0; k < g->nf[l]; k++)
            free(g->f[l][k]);
    free(g);
}

static emb_table *import_ok(const char *path, const emb_import_opts *opts)
{
    emb_table *t = NULL;
    emb_status st = emb_import_oecd_icio(path, opts, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s (%s)", path, emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

static void fails_with(const char *path, const emb_import_opts *opts, emb_status want,
                       const char *part1, const char *part2)
{
    emb_table *t = (emb_table *)1;
    emb_status st = emb_import_oecd_icio(path, opts, &t);
    ck_assert_msg(st == want, "import %s: status %d (%s), expected %d; message: %s", path, st,
                  emb_strerror(st), want, emb_errmsg());
    ck_assert_ptr_null(t);
    const char *m = emb_errmsg();
    ck_assert_msg(!part1 || strstr(m, part1), "message lacks '%s': %s", part1, m);
    ck_assert_msg(!part2 || strstr(m, part2), "message lacks '%s': %s", part2, m);
    ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
}

static void fails(const char *path, const char *part1, const char *part2)
{
    fails_with(path, NULL, EMB_EINPUT, part1, part2);
}

static size_t ind(const emb_table *t, const char *reg, const char *sec)
{
    long r = emb_table_region_index(t, reg);
    ck_assert_msg(r >= 0, "no region %s", reg);
    for (size_t s = 0; s < t->n_s; s++)
        if (!strcmp(t->sectors[s], sec))
            return (size_t)r * t->n_s + s;
    ck_abort_msg("no sector %s", sec);
    return 0;
}

static size_t fdc(const emb_table *t, const char *reg, const char *cat)
{
    long r = emb_table_region_index(t, reg);
    ck_assert(r >= 0);
    for (size_t k = 0; k < t->n_f; k++)
        if (!strcmp(t->fd_categories[k], cat))
            return (size_t)r * t->n_f + k;
    ck_abort_msg("no category %s", cat);
    return 0;
}

#define Z(t, r1, s1, r2, s2) ((t)->T[ind(t, r1, s1) * (t)->N + ind(t, r2, s2)])
#define YV(t, r1, s1, r2, c) ((t)->Y[ind(t, r1, s1) * (t)->n_y + fdc(t, r2, c)])

/* A wide stressor table for the industries of the source: value(i) = i + 1
 * for CO2 (kt) and 2 for every industry for CH4 (t); one F_Y column. */
static void write_wide(const char *path, const char *sample_name, const char *fy_code)
{
    grid *g = grid_read(sample(sample_name));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    size_t n = 0;
    fputs("stressor,unit", f);
    /* the industry codes are the labels of the data rows with a '_' */
    for (size_t l = 1; l < g->nl; l++)
        if (strchr(g->f[l][0], '_') && !strstr(g->f[l][0], "TAX"))
            fprintf(f, ",%s", g->f[l][0]), n++;
    fprintf(f, ",%s\nCO2,kt", fy_code);
    for (size_t i = 0; i < n; i++)
        fprintf(f, ",%zu", i + 1);
    fputs(",1000\nCH4,t", f);
    for (size_t i = 0; i < n; i++)
        fputs(",2", f);
    fputs(",0\n", f);
    fclose(f);
    grid_free(g);
}

/* --------------------------------------------------------- 2016 release */

START_TEST(release_2016)
{
    emb_table *t = import_ok(sample("ICIO2016_2003.csv"), NULL);
    ck_assert_uint_eq(t->n_r, 4); /* AUS NZL CHN PER; CN1, CN2 added into CHN */
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->N, 32);
    ck_assert_uint_eq(t->n_f, 7);
    ck_assert_uint_eq(t->k, 0);
    const char *regs[] = {"AUS", "NZL", "CHN", "PER"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(t->regions[i], regs[i]);
    ck_assert_str_eq(t->sectors[0], "C01T05AGR");
    ck_assert_str_eq(t->sectors[7], "C24CHM");
    const char *cats[] = {"HFCE", "NPS", "GGFC", "GFCF", "INV", "DIRP", "DISC"};
    for (size_t i = 0; i < 7; i++)
        ck_assert_str_eq(t->fd_categories[i], cats[i]);
    ck_assert_int_eq(t->year, 2003);
    ck_assert_str_eq(t->monetary_unit, "million USD");
    ck_assert_ptr_null(t->x);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_msg(strstr(t->source, "OECD ICIO, 2016 release, ICIO2016_2003.csv; aggregated "
                                    "CN1+CN2 into CHN; DISC"), "%s", t->source);
    ck_assert_msg(strstr(t->source, "no stressors"), "%s", t->source);
    /* (2,2) */
    ck_assert(Z(t, "AUS", "C01T05AGR", "AUS", "C01T05AGR") == 23697.221);
    /* CHN row = CHN (18,2) + CN1 (34,2) + CN2 (42,2), summed in file order. */
    ck_assert(Z(t, "CHN", "C01T05AGR", "AUS", "C01T05AGR") == 0.0 + 748.77909 + 1427.5281);
    /* CHN column: (2,18) + (2,34) + (2,42). */
    ck_assert(Z(t, "AUS", "C01T05AGR", "CHN", "C01T05AGR") == 0.0 + 86.04706 + 2897.532);
    /* CHN x CHN: the 9 cells CHN|CN1|CN2 x CHN|CN1|CN2, rows in file order. */
    ck_assert(Z(t, "CHN", "C24CHM", "CHN", "C23PET") ==
              ((0.0 + 0 + 0) + 0) + 52573.14 + 843.41003 + 0 + 114.38192 + 65602.856);
    /* Final demand, CATEGORY_REGION columns: HFCE_AUS (2,50); GGFC_NZL (33,59). */
    ck_assert(YV(t, "AUS", "C01T05AGR", "AUS", "HFCE") == 2448);
    ck_assert(YV(t, "PER", "C24CHM", "NZL", "GGFC") == 440840);
    ck_assert(YV(t, "NZL", "C23PET", "PER", "INV") == 13176597);
    /* CHN rows of HFCE_CHN: CHN (20,52) + CN1 (36,52) + CN2 (44,52). */
    ck_assert(YV(t, "CHN", "C15T16FOD", "CHN", "HFCE") == 0.0 + 17467721 + 8354576);
    /* DISC (AUS_C20WOD: 888888) is the selling region's category DISC. */
    ck_assert(YV(t, "AUS", "C20WOD", "AUS", "DISC") == 888888);
    ck_assert(YV(t, "AUS", "C20WOD", "NZL", "DISC") == 0);
    ck_assert(YV(t, "PER", "C24CHM", "PER", "DISC") == 5555);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    emb_table_free(t);
}
END_TEST

/* --------------------------------------------------------- 2018 release */

typedef struct progress_log {
    int calls;
    unsigned long long done, total;
    char what[4096];
} progress_log;

static void progress(void *ctx, const char *what, unsigned long long done, unsigned long long total)
{
    progress_log *p = ctx;
    p->calls++, p->done = done, p->total = total;
    snprintf(p->what, sizeof p->what, "%s", what);
}

static void check_2018(const emb_table *t)
{
    ck_assert_uint_eq(t->n_r, 5); /* AUS BEL MEX BRA COL; MX1 added into MEX */
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->n_f, 5);
    const char *regs[] = {"AUS", "BEL", "MEX", "BRA", "COL"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(t->regions[i], regs[i]);
    const char *secs[] = {"01T03", "05T06", "07T08", "09", "10T12", "13T15", "16", "17T18"};
    for (size_t i = 0; i < 8; i++)
        ck_assert_str_eq(t->sectors[i], secs[i]);
    const char *cats[] = {"HFCE", "NPISH", "GGFC", "INVNT", "P33"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(t->fd_categories[i], cats[i]);
    ck_assert_int_eq(t->year, 2010);
    ck_assert(Z(t, "AUS", "01T03", "AUS", "01T03") == 23697.221);  /* (2,2) */
    ck_assert(Z(t, "COL", "17T18", "COL", "17T18") == 217075.92);  /* (49,49) */
    ck_assert(Z(t, "MEX", "09", "BEL", "16") == 0.0 + 0.51629083); /* (21,16) + (29,16) */
    ck_assert(Z(t, "BEL", "16", "MEX", "09") == 0.0 + 15.298452);  /* (16,21) + (16,29) */
    ck_assert(YV(t, "BRA", "10T12", "COL", "HFCE") == 17577324);   /* (38,70) */
    ck_assert(YV(t, "MEX", "07T08", "MEX", "P33") == 0.0 + 16968003); /* (20,64) + (28,64) */
    ck_assert(YV(t, "AUS", "01T03", "BEL", "INVNT") == 10989141);  /* (2,58) */
    ck_assert_msg(strstr(t->source, "OECD ICIO, 2018 release, ICIO2018_2010.CSV; aggregated MX1 "
                                    "into MEX"), "%s", t->source);
    /* The mock's output row holds column sums: it matches Z'1 + value added
     * and not Z1 + Y1, and the TOTAL column holds the row sums. */
    ck_assert_msg(strstr(t->source, "output row vs Z1+Y1: max difference 2.75335e+08 (relative 1, "
                                    "BEL_05T06)"), "%s", t->source);
    ck_assert_msg(strstr(t->source, "vs column sums of Z and value added: 5.3551e-09"), "%s",
                  t->source);
    ck_assert_msg(strstr(t->source, "total column vs row sums: max difference 4.76837e-07"), "%s",
                  t->source);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
}

START_TEST(release_2018_csv_zip_member)
{
    emb_table *c = import_ok(sample("ICIO2018_2010.CSV"), NULL);
    check_2018(c);
    const char *forms[] = {"ICIO2018_2010.zip", "ICIO2018_2010.zip:ICIO2018_2010.CSV"};
    for (size_t i = 0; i < 2; i++) {
        emb_table *z = import_ok(sample(forms[i]), NULL);
        check_2018(z);
        ck_assert(memcmp(c->T, z->T, c->N * c->N * sizeof(double)) == 0);
        ck_assert(memcmp(c->Y, z->Y, c->N * c->n_y * sizeof(double)) == 0);
        ck_assert_str_eq(c->source, z->source);
        ck_assert_str_eq(z->path, sample(forms[i]));
        emb_table_free(z);
    }
    emb_table_free(c);
    /* Progress: the last call has done == total (the member's uncompressed size). */
    progress_log pl = {0};
    emb_import_opts po = {.progress = progress, .progress_ctx = &pl};
    emb_table *z = import_ok(sample("ICIO2018_2010.zip"), &po);
    ck_assert_int_ge(pl.calls, 1);
    ck_assert_msg(pl.done == 36243 && pl.total == 36243, "%llu / %llu", pl.done, pl.total);
    ck_assert_str_eq(pl.what, emb_test_pathf("%s:ICIO2018_2010.CSV", sample("ICIO2018_2010.zip")));
    emb_table_free(z);
    fails_with(sample("ICIO2018_2010.zip:ICIO2018_2011.CSV"), NULL, EMB_EIO,
               "ICIO2018_2010.zip:ICIO2018_2011.CSV: no member 'ICIO2018_2011.CSV'", NULL);
    /* A zip of several years needs ZIP:MEMBER. */
    char *tmp = emb_test_tmpdir();
    int zerr = 0;
    zip_t *za = zip_open(emb_test_pathf("%s/two.zip", tmp), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ck_assert_ptr_nonnull(za);
    const char *names[] = {"ICIO2018_2010.CSV", "ICIO2018_2011.csv"};
    for (size_t i = 0; i < 2; i++) {
        zip_source_t *src = zip_source_file(za, sample("ICIO2018_2010.CSV"), 0, -1);
        ck_assert_int_ge(zip_file_add(za, names[i], src, 0), 0);
    }
    ck_assert_int_eq(zip_close(za), 0);
    fails(emb_test_pathf("%s/two.zip", tmp), "two.zip: the zip holds 2 CSV tables (ICIO2018_2010.CSV, "
          "ICIO2018_2011.csv); name one as", "two.zip:MEMBER");
    emb_table *t = import_ok(emb_test_pathf("%s/two.zip:ICIO2018_2011.csv", tmp), NULL);
    ck_assert_int_eq(t->year, 2011);
    emb_table_free(t);
    fails_with(tmp, NULL, EMB_EIO, "is a folder", NULL);
    fails_with(emb_test_pathf("%s/none.csv", tmp), NULL, EMB_EIO, "none.csv: cannot open", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ------------------------------------------------------------ stressors */

START_TEST(stressors_wide_long_identities)
{
    char *tmp = emb_test_tmpdir();
    /* 2016: 48 source industries incl. CHN, CN1, CN2; F_Y via AUS_HFCE. */
    write_wide(emb_test_pathf("%s/w.csv", tmp), "ICIO2016_2003.csv", "AUS_HFCE");
    emb_import_opts o = {.stressors_csv = keep(emb_test_pathf("%s/w.csv", tmp))};
    emb_table *t = import_ok(sample("ICIO2016_2003.csv"), &o);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_str_eq(t->stressors[0], "CO2");
    ck_assert_str_eq(t->stressor_units[0], "kt");
    ck_assert_str_eq(t->stressors[1], "CH4");
    ck_assert(t->F[ind(t, "AUS", "C01T05AGR")] == 1);
    ck_assert(t->F[ind(t, "NZL", "C24CHM")] == 16);
    /* CHN_C01T05AGR = CHN (17th code) + CN1 (33rd) + CN2 (41st). */
    ck_assert(t->F[ind(t, "CHN", "C01T05AGR")] == 17.0 + 33 + 41);
    ck_assert(t->F[t->N + ind(t, "CHN", "C20WOD")] == 6);
    ck_assert(t->F_Y[fdc(t, "AUS", "HFCE")] == 1000);
    ck_assert_msg(strstr(t->source, "stressors (2) from w.csv (wide form)"), "%s", t->source);
    ck_assert_msg(!strstr(t->source, "without a value"), "%s", t->source);
    /* The account identities on the imported table. */
    emb_accounts *a = NULL;
    emb_accounts_opts ao = {.identity_tol = 1e-10};
    emb_status st = emb_accounts_compute(t, &ao, &a);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    double worst = 1;
    ck_assert_int_eq(emb_accounts_check(a, 1e-10, &worst), EMB_OK);
    ck_assert_msg(worst <= 1e-10, "identity error %g", worst);
    double pba = 0, cba = 0, f = 0;
    for (size_t r = 0; r < t->n_r; r++)
        pba += a->pba[r], cba += a->cba[r];
    for (size_t i = 0; i < t->N; i++)
        f += t->F[i];
    EMB_ASSERT_CLOSE(pba, f + 1000, 1e-12, 0);
    EMB_ASSERT_CLOSE(cba, pba, 1e-10, 0);
    emb_accounts_free(a);

    /* The same as a long table (regions as spelled, CN1/CN2 included). */
    FILE *fp = fopen(emb_test_pathf("%s/l.csv", tmp), "w");
    fputs("stressor,region,sector,unit,value\n", fp);
    const char *sreg[] = {"AUS", "NZL", "CHN", "PER", "CN1", "CN2"};
    for (size_t r = 0, i = 0; r < 6; r++)
        for (size_t s = 0; s < 8; s++, i++)
            fprintf(fp, "CO2,%s,%s,kt,%zu\nCH4,%s,%s,t,2\n", sreg[r], t->sectors[s], i + 1, sreg[r],
                    t->sectors[s]);
    fputs("CO2,AUS,HFCE,kt,1000\n", fp);
    fclose(fp);
    emb_import_opts ol = {.stressors_csv = keep(emb_test_pathf("%s/l.csv", tmp))};
    emb_table *l = import_ok(sample("ICIO2016_2003.csv"), &ol);
    ck_assert_uint_eq(l->k, 2);
    ck_assert(memcmp(t->F, l->F, 2 * t->N * sizeof(double)) == 0);
    ck_assert(memcmp(t->F_Y, l->F_Y, 2 * t->n_y * sizeof(double)) == 0);
    ck_assert_msg(strstr(l->source, "(long form)"), "%s", l->source);
    emb_table_free(l);

    /* Selection by glob. */
    const char *pat[] = {"CH?"};
    emb_import_opts os = {.stressors_csv = keep(emb_test_pathf("%s/l.csv", tmp)), .stressor_patterns = pat,
                          .n_stressor_patterns = 1};
    l = import_ok(sample("ICIO2016_2003.csv"), &os);
    ck_assert_uint_eq(l->k, 1);
    ck_assert_str_eq(l->stressors[0], "CH4");
    ck_assert(l->F[ind(l, "CHN", "C20WOD")] == 6);
    emb_table_free(l);
    const char *nopat[] = {"SO2"};
    os.stressor_patterns = nopat;
    fails_with(sample("ICIO2016_2003.csv"), &os, EMB_EUSAGE,
               "l.csv: stressor pattern 'SO2' matches no stressor (available: CO2, CH4)", NULL);
    os.stressors_csv = NULL;
    fails_with(sample("ICIO2016_2003.csv"), &os, EMB_EUSAGE, "need a stressor table", NULL);
    emb_table_free(t);

    /* 2018: codes for some industries only: the others get 0 and are counted. */
    emb_test_spits(emb_test_pathf("%s/p.csv", tmp), "stressor,AUS_01T03,MX1_09,MEX_09,BEL_HFCE\n"
                                  "CO2,1.5,2,0.25,3\n");
    emb_import_opts op = {.stressors_csv = keep(emb_test_pathf("%s/p.csv", tmp))};
    t = import_ok(sample("ICIO2018_2010.zip"), &op);
    ck_assert_uint_eq(t->k, 1);
    ck_assert_str_eq(t->stressor_units[0], "unspecified");
    ck_assert(t->F[ind(t, "AUS", "01T03")] == 1.5);
    ck_assert(t->F[ind(t, "MEX", "09")] == 2.0 + 0.25);
    ck_assert(t->F_Y[fdc(t, "BEL", "HFCE")] == 3);
    ck_assert_msg(strstr(t->source, "38 of 40 industries without a value (set to 0: AUS_05T06, "
                                    "AUS_07T08, AUS_09, AUS_10T12, ...)"), "%s", t->source);
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_OK);
    emb_accounts_free(a);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(stressors_broken)
{
    char *tmp = emb_test_tmpdir();
    emb_import_opts o = {.stressors_csv = keep(emb_test_pathf("%s/s.csv", tmp))};
    const char *icio = sample("ICIO2018_2010.CSV");
    const struct {
        const char *text, *m1, *m2;
    } cases[] = {
        {"stressor,AUS_01T03,AUS_0103,XXX_09,BEL_HFCE\nCO2,1,2,3,4\n",
         "s.csv: line 1, column 3: 2 codes match no industry (REGION_SECTOR) or final-demand column",
         ": AUS_0103, XXX_09 (rename or drop them"},
        {"stressor,AUS_01T03,AUS_01T03\nCO2,1,2\n", "s.csv: line 1, column 3: code 'AUS_01T03' "
         "appears twice", NULL},
        {"stressor,unit,AUS_01T03\nCO2,kt,1\nCO2,kt,2\n", "s.csv: line 3, column 1: stressor 'CO2' "
         "appears twice", NULL},
        {"stressor,unit,AUS_01T03,BEL_09\nCO2,kt,1,abc\n", "s.csv: line 2, column 4: 'abc' is not "
         "a number", NULL},
        {"stressor,unit,AUS_01T03,BEL_09\nCO2,kt,1\n", "s.csv: line 2, column 4: missing cell", NULL},
        {"stressor,unit\n", "s.csv: line 1: no code columns", NULL},
        {"", "s.csv: empty file", NULL},
        {"stressor,AUS_01T03\n", "s.csv: no stressor rows", NULL},
        {"region,sector,stressor,value\nAUS,01T03,CO2,1\nAUS,01T03,CO2,2\n",
         "s.csv: line 3, column 1: a second value for stressor 'CO2', region AUS, 01T03", NULL},
        {"region,sector,stressor,value\nAUS,01T03,CO2,1\nCHN,01T03,CO2,2\nAUS,99,CO2,1\n",
         "s.csv: line 3, column 1: 2 codes match no industry", "CHN_01T03, AUS_99"},
        {"region,sector,stressor,value,unit\nAUS,01T03,CO2,1,kt\nBEL,01T03,CO2,1,Mt\n",
         "s.csv: line 3, column 5: unit 'Mt' of stressor 'CO2' differs from 'kt'", NULL},
        {"region,sector,stressor,value\nAUS,01T03,CO2,\n", "s.csv: line 2, column 4: empty cell",
         NULL},
        {"stressor,unit,AUS_01T03\nCO2,,1\n", "s.csv: line 2, column 2: empty unit of stressor 'CO2'",
         NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        emb_test_spits(o.stressors_csv, cases[i].text);
        fails_with(icio, &o, EMB_EINPUT, cases[i].m1, cases[i].m2);
    }
    o.stressors_csv = keep(emb_test_pathf("%s/absent.csv", tmp));
    fails_with(icio, &o, EMB_EIO, "absent.csv: cannot open", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ------------------------------------------------------ broken copies */

START_TEST(broken_truncated)
{
    char *tmp = emb_test_tmpdir();
    size_t n;
    char *b = emb_test_slurp(sample("ICIO2018_2010.CSV"), &n);
    char *p = emb_test_pathf("%s/t.csv", tmp);
    emb_test_spit(p, b, n * 3 / 5); /* mid-line */
    ck_assert(b[n * 3 / 5 - 1] != '\n');
    fails(p, "/t.csv: line 40, column 28: missing cell (expected 75 fields as in the header, found 27)",
          NULL);
    char *l20 = b;
    for (int l = 1; l < 20; l++)
        l20 = strchr(l20, '\n') + 1;
    emb_test_spit(p, b, (size_t)(l20 - b)); /* at a line end */
    fails(p, "t.csv: ends after line 19 with 18 of the 48 industry rows", NULL);
    emb_test_spit(p, b, 200); /* inside the header: one short row, no data */
    fails(p, "t.csv: line 1, column ", NULL);
    emb_test_spit(p, "", 0);
    fails(p, "t.csv: empty file", NULL);
    free(b);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_cells_and_columns)
{
    char *tmp = emb_test_tmpdir();
    char *p = emb_test_pathf("%s/t.csv", tmp);
    grid *g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_set(g, 7, 12, "abc"); /* a text cell */
    grid_write(g, p);
    fails(p, "/t.csv: line 7, column 12: 'abc' is not a number", NULL);
    grid_set(g, 7, 12, "");
    grid_write(g, p);
    fails(p, "t.csv: line 7, column 12: empty cell", NULL);
    grid_set(g, 7, 12, "1e999");
    grid_write(g, p);
    fails(p, "t.csv: line 7, column 12: '1e999' is not a finite number", NULL);
    grid_set(g, 7, 12, "7");
    grid_set(g, 55, 3, "x"); /* in the VALU row */
    grid_write(g, p);
    fails(p, "t.csv: line 55, column 3: 'x' is not a number", NULL);
    grid_set(g, 55, 3, "1");
    grid_write(g, p);
    emb_table *t = import_ok(p, NULL);
    ck_assert(Z(t, "AUS", "13T15", "BEL", "07T08") == 7); /* line 7, column 12 */
    emb_table_free(t);
    grid_free(g);

    /* A missing cell in one row. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_delete(g, 10, 30);
    grid_write(g, p);
    fails(p, "t.csv: line 10, column 75: missing cell (expected 75 fields as in the header, found 74)",
          NULL);
    grid_free(g);

    /* A final-demand column missing everywhere. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_delete(g, 0, grid_col(g, "BEL_GGFC"));
    grid_write(g, p);
    fails(p, "t.csv: line 1: no final-demand column for region BEL, category GGFC", NULL);
    grid_free(g);

    /* An industry missing from the columns (and rows): the label count is wrong. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_delete(g, 0, grid_col(g, "BEL_16"));
    grid_write(g, p);
    fails(p, "t.csv: line 1, column 16: expected industry column 'BEL_16' (every region lists the 8 "
          "sectors of AUS in the same order), found 'BEL_17T18'", NULL);
    grid_free(g);
    /* The last region one sector short before final demand. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_delete(g, 0, grid_col(g, "COL_17T18"));
    grid_write(g, p);
    fails(p, "t.csv: line 1, column 49: expected industry column 'COL_17T18'", "found 'AUS_HFCE'");
    grid_free(g);
    /* One industry row fewer. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    for (size_t k = 0; k < g->nf[30]; k++)
        free(g->f[30][k]);
    memmove(&g->f[30], &g->f[31], (g->nl - 31) * sizeof g->f[0]);
    memmove(&g->nf[30], &g->nf[31], (g->nl - 31) * sizeof g->nf[0]);
    g->nl--;
    grid_write(g, p);
    fails(p, "t.csv: line 31, column 1: expected row 'MX1_13T15' (the industry rows follow the order "
          "of the industry columns), found 'MX1_16'", NULL);
    grid_free(g);

    /* Labels: a row renamed, an unknown trailing row, a stray column. */
    g = grid_read(sample("ICIO2018_2010.CSV"));
    grid_set(g, 30, 1, "MX1_10T13");
    grid_write(g, p);
    fails(p, "t.csv: line 30, column 1: expected row 'MX1_10T12'", "found 'MX1_10T13'");
    grid_set(g, 30, 1, "MX1_10T12");
    grid_set(g, 52, 1, "MEX_OTHER");
    grid_write(g, p);
    fails(p, "t.csv: line 52, column 1: unexpected row 'MEX_OTHER' after the 48 industry rows", NULL);
    grid_set(g, 52, 1, "MEX_TAXSUB");
    grid_set(g, 1, 60, "USA_HFCE");
    grid_write(g, p);
    fails(p, "t.csv: line 1, column 60: 'USA_HFCE' is neither an industry column", NULL);
    grid_set(g, 1, 60, "MEX_NPISH");
    grid_set(g, 1, 61, "MEX_NPISH");
    grid_write(g, p);
    fails(p, "t.csv: line 1, column 61: final-demand column for region MEX, category NPISH appears "
          "twice", NULL);
    grid_free(g);
    /* Not an ICIO table at all. */
    emb_test_spits(p, "a,b,c\n1,2,3\n");
    fails(p, "t.csv: line 1, column 2: expected an industry code REGION_SECTOR", NULL);
    emb_test_spits(p, "a\tb\tc\n");
    fails(p, "t.csv: line 1: 1 field;", "comma-separated");
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(allocation_failures)
{
    char *tmp = emb_test_tmpdir();
    write_wide(emb_test_pathf("%s/w.csv", tmp), "ICIO2018_2010.CSV", "AUS_HFCE");
    emb_import_opts o = {.stressors_csv = keep(emb_test_pathf("%s/w.csv", tmp))};
    long k;
    for (k = 0; k < 100000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_import_oecd_icio(sample("ICIO2018_2010.zip"), &o, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            check_2018(t);
            emb_table_free(t);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s (%s)", k, emb_strerror(st), emb_errmsg());
        ck_assert_ptr_null(t);
    }
    ck_assert_int_gt(k, 20);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(cli_round_trip)
{
    char *tmp = emb_test_tmpdir();
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[16384];
    write_wide(emb_test_pathf("%s/w.csv", tmp), "ICIO2018_2010.CSV", "AUS_HFCE");
    snprintf(cmd, sizeof cmd, "'%s/embodied' import oecd-icio '%s' --stressors-csv '%s/w.csv' --stressors "
             "'CO*' -o '%s/t.h5' 2>'%s/err' && '%s/embodied' accounts '%s/t.h5' -q --csv '%s/out' "
             "2>>'%s/err'", b ? b : "build", sample("ICIO2018_2010.zip"), tmp, tmp, tmp,
             b ? b : "build", tmp, tmp, tmp);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s failed", cmd);
    size_t n;
    char *err = emb_test_slurp(emb_test_pathf("%s/err", tmp), &n);
    ck_assert_msg(strstr(err, "wrote ") && strstr(err, "5 regions x 8 sectors (N = 40), 5 "
                  "final-demand categories, 1 stressors") && strstr(err, "embodied: source: OECD "
                  "ICIO, 2018 release"), "%s", err);
    free(err);
    char *csv = emb_test_slurp(emb_test_pathf("%s/out/accounts.csv", tmp), &n);
    ck_assert_msg(strstr(csv, "\nCO2,kt,AUS,") && strstr(csv, "\nCO2,kt,COL,"), "%s", csv);
    free(csv);
    /* A stressor code that matches nothing: exit 3, one line, no output. */
    emb_test_spits(emb_test_pathf("%s/bad.csv", tmp), "stressor,AUS_01T03,USA_01T03\nCO2,1,2\n");
    snprintf(cmd, sizeof cmd, "'%s/embodied' import icio '%s' --stressors-csv '%s/bad.csv' -o "
             "'%s/u.h5' 2>'%s/err'", b ? b : "build", sample("ICIO2018_2010.CSV"), tmp, tmp, tmp);
    rc = system(cmd);
    ck_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 3);
    err = emb_test_slurp(emb_test_pathf("%s/err", tmp), &n);
    ck_assert_msg(strstr(err, "bad.csv: line 1, column 3: 1 code matches no industry") &&
                      strstr(err, "USA_01T03") && strchr(err, '\n') == err + n - 1, "%s", err);
    free(err);
    struct stat sb;
    ck_assert_int_ne(stat(emb_test_pathf("%s/u.h5", tmp), &sb), 0);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("import_icio_shared");
    Suite *s = suite_create("import_icio_shared");
    TCase *tc = tcase_create("icio");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, release_2016);
    tcase_add_test(tc, release_2018_csv_zip_member);
    tcase_add_test(tc, stressors_wide_long_identities);
    tcase_add_test(tc, stressors_broken);
    tcase_add_test(tc, broken_truncated);
    tcase_add_test(tc, broken_cells_and_columns);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, cli_round_trip);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
