/* tests/test_report.c — `embodied report` in the library (embodied/report.h):
 * the bars' data-value and the <details> numbers equal the accounts to
 * 1e-9 for every region and group, bars sorted, --svg standalone files, the
 * identity check refusing a results file whose balance was altered, and the
 * errors (not a results file, unknown stressor) leaving no file behind; the
 * time series of a batch series file, the run's warnings and the input's
 * SHA-256 in the page; groups in the net-transfer heatmap. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tmp;

static void setup(void) { tmp = emb_test_tmpdir(); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* A synthetic table (3 regions) with a group, its accounts and results file. */
static char *results(emb_table **tp, emb_accounts **ap)
{
    emb_synth_opts o = emb_synth_defaults(3, 4, 2, 2, 901);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    const char *m[] = {t->regions[0], t->regions[2]};
    ck_assert_int_eq(emb_table_add_group(t, "G<&>", 2, m), EMB_OK); /* escaped in HTML */
    emb_accounts_opts ao = {0};
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_OK);
    char *path = strdup(emb_test_pathf("%s/res.h5", tmp));
    ck_assert_int_eq(emb_results_write_h5(a, t, path), EMB_OK);
    *tp = t;
    *ap = a;
    return path;
}

/* The data-value of the bar of series ser and region name (escaped), or NAN;
 * *pos = its offset in the page (order of the bars). */
static double bar(const char *html, const char *ser, const char *name, size_t *pos)
{
    char key[256];
    snprintf(key, sizeof key, "data-series=\"%s\" data-region=\"%s\" data-value=\"", ser, name);
    const char *p = strstr(html, key);
    if (!p)
        return NAN;
    ck_assert_ptr_null(strstr(p + 1, key)); /* exactly one bar */
    if (pos)
        *pos = (size_t)(p - html);
    return strtod(p + strlen(key), NULL);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

START_TEST(test_bars_equal_accounts)
{
    emb_table *t;
    emb_accounts *a;
    size_t len;
    char *res = results(&t, &a), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    ck_assert_int_eq(emb_report_write(res, out, NULL), EMB_OK);
    char *html = emb_test_slurp(out, &len);
    size_t R = t->n_r, prev_pos = 0;
    double prev = INFINITY;
    /* Regions sorted by PBA, descending: walk them in page order. */
    size_t order[8];
    for (size_t i = 0; i < R; i++)
        order[i] = i;
    for (size_t i = 0; i < R; i++)
        for (size_t j = i + 1; j < R; j++)
            if (a->pba[order[j]] > a->pba[order[i]]) {
                size_t x = order[i];
                order[i] = order[j];
                order[j] = x;
            }
    for (size_t q = 0; q < R; q++) {
        size_t i = order[q], pos = 0;
        const char *n = t->regions[i];
        double v = bar(html, "pba", n, &pos);
        ck_assert_msg(fabs(v - a->pba[i]) <= 1e-9 * fabs(a->pba[i]), "pba %s: %.17g vs %.17g", n, v, a->pba[i]);
        ck_assert_msg(pos > prev_pos && v <= prev, "pba bars sorted descending");
        prev_pos = pos;
        prev = v;
        v = bar(html, "cba", n, NULL);
        ck_assert_msg(fabs(v - a->cba[i]) <= 1e-9 * fabs(a->cba[i]), "cba %s", n);
        double b = a->exports[i] - a->imports[i];
        v = bar(html, "balance", n, NULL);
        ck_assert_msg(fabs(v - b) <= 1e-9 * fmax(fabs(a->exports[i]), 1), "balance %s: %.17g vs %.17g", n, v, b);
    }
    /* The group, marked and escaped. */
    ck_assert(fabs(bar(html, "pba", "G&lt;&amp;&gt;", NULL) - a->g_pba[0]) <= 1e-9 * fabs(a->g_pba[0]));
    ck_assert(fabs(bar(html, "cba", "G&lt;&amp;&gt;", NULL) - a->g_cba[0]) <= 1e-9 * fabs(a->g_cba[0]));
    ck_assert_ptr_nonnull(strstr(html, "bar group"));
    ck_assert_ptr_null(strstr(html, "G<&>"));
    /* Self-contained, titled, tables behind <details>, provenance. */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "http"));
    ck_assert_int_ge(count(html, "<details>"), 2);
    ck_assert_int_eq(count(html, "class=\"axis-label\""), 6); /* two per chart, three charts */
    ck_assert_ptr_nonnull(strstr(html, emb_solver_name(a->solver.kind)));
    free(html);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(test_svg_dir)
{
    emb_table *t;
    emb_accounts *a;
    size_t len;
    char *res = results(&t, &a), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    emb_report_opts o = {.stressor = t->stressors[1], .svg_dir = tmp};
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_OK);
    const char *names[] = {"pba_cba.svg", "balance.svg"};
    for (int i = 0; i < 2; i++) {
        char *p = strdup(emb_test_pathf("%s/%s", tmp, names[i]));
        char *svg = emb_test_slurp(p, &len);
        ck_assert_ptr_nonnull(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
        ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
        free(svg);
        free(p);
    }
    /* The second stressor is the one charted. */
    char *html = emb_test_slurp(out, &len);
    double v = bar(html, "pba", t->regions[1], NULL);
    ck_assert(fabs(v - a->pba[t->n_r + 1]) <= 1e-9 * fabs(a->pba[t->n_r + 1]));
    free(html);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(test_identity_refused)
{
    emb_table *t;
    emb_accounts *a;
    char *res = results(&t, &a), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    size_t n = t->k * t->n_r;
    double *b = calloc(n, sizeof *b);
    for (size_t i = 0; i < n; i++)
        b[i] = a->exports[i] - a->imports[i];
    b[1] += 1e-6 * (fabs(a->exports[1]) + 1); /* off by far more than 1e-9 */
    hid_t f = H5Fopen(res, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "balance", H5P_DEFAULT);
    ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b), 0);
    H5Dclose(d);
    H5Fclose(f);
    ck_assert_int_eq(emb_report_write(res, out, NULL), EMB_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "balance != exports - imports"));
    ck_assert_int_ne(access(out, F_OK), 0);
    free(b);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* --pair by origin sector: the sector bars sum to the pair's flow; the
 * heatmap cells are B[o][d] - B[d][o]; without flows_by_sector the report
 * says so; a malformed pair is refused before anything is written. */
START_TEST(test_pairs_heatmap)
{
    emb_synth_opts so = emb_synth_defaults(3, 4, 2, 1, 902);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_OK);
    emb_accounts_opts ao = {.flows_by_sector = 1};
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_OK);
    char *res = strdup(emb_test_pathf("%s/res.h5", tmp)), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    ck_assert_int_eq(emb_results_write_h5(a, t, res), EMB_OK);
    char spec[256];
    snprintf(spec, sizeof spec, "%s:%s", t->regions[0], t->regions[1]);
    const char *pairs[] = {spec};
    emb_report_opts o = {.pairs = pairs, .n_pairs = 1};
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_OK);
    size_t len;
    char *html = emb_test_slurp(out, &len);
    double sum = 0;
    for (size_t i = 0; i < t->n_s; i++)
        sum += bar(html, "pair_1", t->sectors[i], NULL);
    double B01 = a->flows[0 * 3 + 1], B10 = a->flows[1 * 3 + 0];
    ck_assert_msg(fabs(sum - B01) <= 1e-9 * fabs(B01), "sector bars %.17g vs flow %.17g", sum, B01);
    char key[256];
    snprintf(key, sizeof key, "data-origin=\"%s\" data-destination=\"%s\" data-value=\"", t->regions[0],
             t->regions[1]);
    const char *p = strstr(html, key);
    ck_assert_ptr_nonnull(p);
    double v = strtod(p + strlen(key), NULL);
    ck_assert(fabs(v - (B01 - B10)) <= 1e-9 * fmax(fabs(B01), fabs(B10)));
    free(html);
    const char *bad[] = {"nocolon"};
    o.pairs = bad;
    unlink(out);
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EUSAGE);
    ck_assert_int_ne(access(out, F_OK), 0);
    /* Results without flows_by_sector: the report says so. */
    emb_accounts_free(a);
    ao.flows_by_sector = 0;
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_OK);
    ck_assert_int_eq(emb_results_write_h5(a, t, res), EMB_OK);
    o.pairs = pairs;
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_OK);
    html = emb_test_slurp(out, &len);
    ck_assert_ptr_nonnull(strstr(html, "no flows by sector"));
    ck_assert_ptr_null(strstr(html, "data-series=\"pair_1\""));
    free(html);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(test_errors)
{
    emb_table *t;
    emb_accounts *a;
    char *res = results(&t, &a), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    emb_report_opts o = {.stressor = "no such stressor"};
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EUSAGE);
    ck_assert_int_ne(access(out, F_OK), 0);
    /* A table is not a results file. */
    char *tab = strdup(emb_test_pathf("%s/t.h5", tmp));
    ck_assert_int_eq(emb_table_write_h5(t, tab, NULL), EMB_OK);
    ck_assert_int_eq(emb_report_write(tab, out, NULL), EMB_EINPUT);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "results_format"));
    ck_assert_int_ne(access(out, F_OK), 0);
    free(tab);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* A series file in the agreed format (year,stressor,unit,region,pba,cba,
 * imports,exports,unallocated,kind) for the results' regions and group over
 * three years: region r's values scaled by (1 + 0.1 r + 0.05 (y - 2015)), the
 * exports and imports of each year balanced; `skew` unbalances 2016. */
static char *series_file(const emb_table *t, const emb_accounts *a, const char *name, double skew)
{
    char *path = strdup(emb_test_pathf("%s/%s", tmp, name));
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n", fp);
    for (int y = 2015; y <= 2017; y++)
        for (size_t s = 0; s < t->k; s++) {
            double f = 1 + 0.05 * (y - 2015);
            for (size_t r = 0; r < t->n_r; r++) {
                size_t j = s * t->n_r + r;
                double g = f * (1 + 0.1 * (double)r);
                fprintf(fp, "%d,%s,%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g,region\n", y, t->stressors[s],
                        t->stressor_units[s], t->regions[r], g * a->pba[j], g * a->cba[j],
                        f * a->imports[j], f * a->exports[j] + (y == 2016 && r == 0 ? skew : 0),
                        a->unallocated[j]);
            }
            fprintf(fp, "%d,%s,%s,\"G<&>\",%.17g,%.17g,0,0,0,group\n", y, t->stressors[s],
                    t->stressor_units[s], f * a->g_pba[s], f * a->g_cba[s]);
        }
    ck_assert_int_eq(fclose(fp), 0);
    return path;
}

/* The value of the series point (ser, region name escaped, year), or NAN. */
static double point(const char *html, const char *ser, const char *name, int year)
{
    char key[256];
    snprintf(key, sizeof key, "data-series=\"%s\" data-region=\"%s\" data-kind=", ser, name);
    char yk[32];
    snprintf(yk, sizeof yk, "data-year=\"%d\" data-value=\"", year);
    for (const char *p = html; (p = strstr(p, key)); p++) {
        const char *e = strchr(p, '>'), *q = strstr(p, yk);
        if (q && q < e)
            return strtod(q + strlen(yk), NULL);
    }
    return NAN;
}

/* Time series from a series file: every point of the charted stressor equal
 * to the file to 1e-9 (the regions' and the group's), its table in a
 * <details>, axis labels with the unit; the run's warnings (written by
 * emb_results_write_h5) and an input_sha256 attribute in the page; a series
 * whose trade does not balance, a wrong header or one without the charted
 * stressor refused with no output. */
START_TEST(test_series_provenance)
{
    emb_table *t;
    emb_accounts *a;
    char *res = results(&t, &a), *out = strdup(emb_test_pathf("%s/r.html", tmp));
    char *ser = series_file(t, a, "series.csv", 0);
    emb_report_opts o = {.series = ser, .stressor = t->stressors[1]};
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_OK);
    size_t len;
    char *html = emb_test_slurp(out, &len);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(html, "<section id=\"series\">"));
    size_t s = 1;
    for (int y = 2015; y <= 2017; y++) {
        double f = 1 + 0.05 * (y - 2015);
        for (size_t r = 0; r < t->n_r; r++) {
            double g = f * (1 + 0.1 * (double)r), e;
            e = g * a->pba[s * t->n_r + r];
            ck_assert_double_le(fabs(point(html, "pba", t->regions[r], y) - e), 1e-9 * fabs(e));
            e = g * a->cba[s * t->n_r + r];
            ck_assert_double_le(fabs(point(html, "cba", t->regions[r], y) - e), 1e-9 * fabs(e));
        }
        double e = f * a->g_cba[s];
        ck_assert_double_le(fabs(point(html, "cba", "G&lt;&amp;&gt;", y) - e), 1e-9 * fabs(e));
    }
    ck_assert(isnan(point(html, "pba", t->regions[0], 2018)));
    /* the group in the heatmap: its members' flows summed; no cell with its own member */
    {
        const double *B = a->flows + s * t->n_r * t->n_r;
        size_t R = t->n_r;
        double e = (B[0 * R + 1] + B[2 * R + 1]) - (B[1 * R + 0] + B[1 * R + 2]);
        char key[256];
        snprintf(key, sizeof key, "data-origin=\"G&lt;&amp;&gt;\" data-destination=\"%s\" data-value=\"",
                 t->regions[1]);
        const char *c = strstr(html, key);
        ck_assert_ptr_nonnull(c);
        ck_assert_double_le(fabs(strtod(c + strlen(key), NULL) - e), 1e-9 * (fabs(e) + 1));
        snprintf(key, sizeof key, "data-origin=\"G&lt;&amp;&gt;\" data-destination=\"%s\"",
                 t->regions[0]);
        ck_assert_ptr_null(strstr(html, key));
        ck_assert_int_eq(count(html, "class=\"cell-overlap\""), 4);
    }
    ck_assert_int_eq(count(html, "class=\"pt\""), 2 * 3 * (int)(t->n_r + 1));
    ck_assert_ptr_nonnull(strstr(html, ">year</text>"));
    ck_assert_ptr_nonnull(strstr(html, "PBA (solid) and CBA (dashed)"));
    /* the synthetic table has negative final demand: the run's note is shown */
    ck_assert_ptr_nonnull(strstr(html, "<ul class=\"warnings\"><li>"));
    ck_assert_ptr_nonnull(strstr(html, "negative final-demand entries"));
    ck_assert_ptr_null(strstr(html, "input SHA-256"));
    free(html);
    /* input_sha256 (written by embodied batch) in the provenance */
    const char *hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    hid_t f = H5Fopen(res, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t ty = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(ty, strlen(hex) + 1);
    hid_t at = H5Acreate2(f, "input_sha256", ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(at, ty, hex), 0);
    H5Aclose(at);
    H5Sclose(sp);
    H5Tclose(ty);
    H5Fclose(f);
    o.series = NULL;
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_OK);
    html = emb_test_slurp(out, &len);
    ck_assert_ptr_nonnull(strstr(html, "<code class=\"sha256\">9f86d081"));
    ck_assert_ptr_null(strstr(html, "<section id=\"series\">"));
    free(html);
    ck_assert_int_eq(unlink(out), 0);
    /* refused before anything is written */
    char *bad = series_file(t, a, "bad.csv", 1e-3 * (fabs(a->exports[0]) + 1));
    o.series = bad;
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "year 2016"));
    ck_assert_int_ne(access(out, F_OK), 0);
    FILE *fp = fopen(bad, "w");
    fputs("year,stressor,region,pba\n2015,E1,R1,1\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EINPUT);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "line 1"));
    fp = fopen(bad, "w");
    fputs("year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n"
          "2015,other,kt,R1,1,1,0,0,0,region\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EUSAGE);
    fp = fopen(bad, "w");
    fputs("year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n"
          "2015,other,kt,R1,1,x,0,0,0,region\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EINPUT);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "line 2: column 6 (cba)"));
    fp = fopen(bad, "w");
    fputs("year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n"
          "2016,other,kt,R1,1,1,0,0,0,region\n2015,other,kt,R1,1,1,0,0,0,group\n"
          "2016,other,kt,R1,2,2,0,0,0,region\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_report_write(res, out, &o), EMB_EINPUT);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "year 2016, stressor other, region R1: repeated"));
    ck_assert_int_ne(access(out, F_OK), 0);
    free(bad);
    free(ser);
    free(out);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* emb_accounts_warnings: snprintf's contract (length with no buffer, a
 * truncated copy NUL-terminated, the same length returned), one line per
 * fact, the text equal to the results' attribute `warnings`; NULL gives 0. */
START_TEST(test_warnings_text)
{
    emb_table *t;
    emb_accounts *a;
    char *res = results(&t, &a);
    size_t n = emb_accounts_warnings(a, t, NULL, 0);
    ck_assert_uint_gt(n, 0); /* the synthetic table has negative final demand */
    ck_assert_uint_eq(a->n_negative_Y > 0, 1);
    char *full = malloc(n + 1), small[10];
    ck_assert_uint_eq(emb_accounts_warnings(a, t, full, n + 1), n);
    ck_assert_uint_eq(strlen(full), n);
    ck_assert_int_eq(full[n - 1], '\n');
    ck_assert_ptr_nonnull(strstr(full, "note: "));
    ck_assert_uint_eq(emb_accounts_warnings(a, t, small, sizeof small), n);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    ck_assert_int_eq(strncmp(small, full, sizeof small - 1), 0);
    ck_assert_uint_eq(emb_accounts_warnings(NULL, t, small, sizeof small), 0);
    ck_assert_int_eq(small[0], '\0');
    hid_t f = H5Fopen(res, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t at = H5Aopen(f, "warnings", H5P_DEFAULT);
    ck_assert_int_ge(at, 0);
    hid_t ty = H5Aget_type(at);
    char *got = NULL;
    if (H5Tis_variable_str(ty) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(ty));
        char *v = NULL;
        ck_assert_int_ge(H5Aread(at, mt, &v), 0);
        got = strdup(v);
        H5free_memory(v);
        H5Tclose(mt);
    } else {
        size_t sz = H5Tget_size(ty);
        got = calloc(sz + 1, 1);
        ck_assert_int_ge(H5Aread(at, ty, got), 0);
    }
    ck_assert_str_eq(got, full);
    free(got);
    H5Tclose(ty);
    H5Aclose(at);
    H5Fclose(f);
    free(full);
    free(res);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bars_equal_accounts);
    tcase_add_test(tc, test_svg_dir);
    tcase_add_test(tc, test_identity_refused);
    tcase_add_test(tc, test_pairs_heatmap);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_series_provenance);
    tcase_add_test(tc, test_warnings_text);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
