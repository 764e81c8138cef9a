/* tests/test_characterize.c — emb_table_characterize(): a case summed by
 * hand, the shipped IPCC AR6 GWP100 file on a table with EXIOBASE 3 names,
 * every error (file, line and column in the message; table unchanged), CSV
 * quoting and line endings, and allocation failures. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmp;

static void setup(void) { ck_assert_ptr_nonnull(tmp = emb_test_tmpdir()); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* Write `text` to <tmp>/<name>; returns the path (static buffer). */
static const char *csv(const char *name, const char *text)
{
    static char path[4][4200];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", tmp, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* A table with N = 2 industries (2 regions x 1 sector), n_y = 2, and the
 * given stressors: F[s][c] = (s + 1) * (c + 1), F_Y[s][c] = 10 (s + 1) (c + 1). */
static emb_table *table_with(size_t k, const char *const *names, const char *const *units)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(2, 1, 1, k, EMB_TECH_Z, 1, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "R1");
    emb_table_set_label(t, EMB_LABEL_REGION, 1, "R2");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "s");
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "hh");
    for (size_t s = 0; s < k; s++) {
        emb_table_set_label(t, EMB_LABEL_STRESSOR, s, names[s]);
        emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, s, units[s]);
        for (size_t c = 0; c < 2; c++) {
            t->F[s * 2 + c] = (double)((s + 1) * (c + 1));
            t->F_Y[s * 2 + c] = 10.0 * (double)((s + 1) * (c + 1));
        }
    }
    emb_table_set_path(t, "mem.h5");
    return t;
}

static const char *names4[] = {"ext/CO2/air", "ext/CH4/air", "ext/CH4 - waste/air", "va/Value Added"};
static const char *units4[] = {"kg", "kg", "kg", "M.EUR"};

/* Characterisation must fail with `want`, the message holding both parts,
 * and leave the table as it was. */
static void fails(const char *path, emb_status want, const char *part1, const char *part2)
{
    emb_table *t = table_with(4, names4, units4);
    double F0[8], FY0[8];
    memcpy(F0, t->F, sizeof F0);
    memcpy(FY0, t->F_Y, sizeof FY0);
    emb_status st = emb_table_characterize(t, path);
    const char *m = emb_errmsg();
    ck_assert_msg(st == want, "status %d (%s), expected %d: %s", st, emb_strerror(st), want, m);
    ck_assert_msg(!part1 || strstr(m, part1), "message lacks '%s': %s", part1, m);
    ck_assert_msg(!part2 || strstr(m, part2), "message lacks '%s': %s", part2, m);
    ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
    ck_assert_uint_eq(t->k, 4);
    ck_assert(memcmp(F0, t->F, sizeof F0) == 0 && memcmp(FY0, t->F_Y, sizeof FY0) == 0);
    ck_assert_str_eq(t->stressors[3], "va/Value Added");
    emb_table_free(t);
}

START_TEST(by_hand)
{
    emb_table *t = table_with(4, names4, units4);
    const char *p = csv("f.csv", "# greenhouse gases, by hand\n"
                                 "stressor,impact,factor,unit\n"
                                 "ext/CO2/air,GHG,1,kg CO2-eq\n"
                                 "\n"
                                 "ext/CH4*,GHG,27.5,\n"
                                 "   # indented comment\n"
                                 "ext/CH4/air,CH4 only,2,\n"
                                 "va/*,Value,-0.5,\n");
    ck_assert_msg(emb_table_characterize(t, p) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, 7);
    ck_assert_str_eq(t->stressors[4], "GHG");
    ck_assert_str_eq(t->stressor_units[4], "kg CO2-eq");
    ck_assert_str_eq(t->stressors[5], "CH4 only");
    ck_assert_str_eq(t->stressor_units[5], "kg"); /* no unit given: the stressor's */
    ck_assert_str_eq(t->stressors[6], "Value");
    ck_assert_str_eq(t->stressor_units[6], "M.EUR");
    /* GHG = 1 CO2 + 27.5 (CH4 + CH4 waste): column 1: 1 + 27.5 (2 + 3) = 138.5,
     * column 2: 2 + 27.5 (4 + 6) = 277. */
    ck_assert(t->F[4 * 2 + 0] == 138.5 && t->F[4 * 2 + 1] == 277);
    ck_assert(t->F_Y[4 * 2 + 0] == 1385 && t->F_Y[4 * 2 + 1] == 2770);
    ck_assert(t->F[5 * 2 + 0] == 4 && t->F[5 * 2 + 1] == 8);      /* 2 x CH4 */
    ck_assert(t->F_Y[5 * 2 + 0] == 40 && t->F_Y[5 * 2 + 1] == 80);
    ck_assert(t->F[6 * 2 + 0] == -2 && t->F[6 * 2 + 1] == -4);    /* -0.5 x value added */
    /* The original rows are untouched. */
    for (size_t s = 0; s < 4; s++)
        ck_assert(t->F[s * 2 + 1] == (double)(2 * (s + 1)));
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);

    /* The impacts are stressors now: a second file can build on them, and
     * they go through the HDF5 writer like any other row. */
    const char *p2 = csv("g.csv", "stressor,impact,factor\nGHG,GHG in t,0.001\n");
    ck_assert_msg(emb_table_characterize(t, p2) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, 8);
    ck_assert(t->F[7 * 2 + 1] == 277 * 0.001);
    char h5[4200];
    snprintf(h5, sizeof h5, "%s/t.h5", tmp);
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_OK);
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(h5, EMB_READ_DEFAULT, &r), EMB_OK);
    ck_assert_uint_eq(r->k, 8);
    ck_assert_str_eq(r->stressors[4], "GHG");
    ck_assert_str_eq(r->stressor_units[4], "kg CO2-eq");
    ck_assert(memcmp(r->F, t->F, 8 * 2 * sizeof(double)) == 0);
    emb_table_free(r);
    emb_table_free(t);
}
END_TEST

START_TEST(csv_syntax)
{
    /* BOM, CRLF, quotes with commas and doubled quotes, blanks trimmed,
     * stressor_unit column, no final newline. */
    emb_table *t = table_with(4, names4, units4);
    const char *p = csv("q.csv", "\xEF\xBB\xBFstressor,impact,factor,unit,stressor_unit\r\n"
                                 "  \"ext/CO2/air\" , \"GHG, \"\"total\"\"\" ,  1e0 , t , kg\r\n"
                                 "\"ext/CH4 - waste/air\",\"GHG, \"\"total\"\"\",28,t,kg");
    ck_assert_msg(emb_table_characterize(t, p) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, 5);
    ck_assert_str_eq(t->stressors[4], "GHG, \"total\"");
    ck_assert_str_eq(t->stressor_units[4], "t");
    ck_assert(t->F[4 * 2 + 0] == 1 + 28 * 3);
    emb_table_free(t);

    /* Declared stressor units may differ within an impact (the author took
     * care of them), but then the impact needs its unit. */
    t = table_with(4, names4, units4);
    p = csv("d.csv", "stressor,impact,factor,unit,stressor_unit\n"
                     "ext/CO2/air,X,1,,kg\n"
                     "va/Value Added,X,2,,M.EUR\n");
    ck_assert_int_eq(emb_table_characterize(t, p), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "impact 'X' adds stressors in 'kg' and 'M.EUR': give its "
                                       "unit"), "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, 4);
    p = csv("d2.csv", "stressor,impact,factor,unit,stressor_unit\n"
                      "ext/CO2/air,X,1,points,kg\n"
                      "va/Value Added,X,2,,M.EUR\n");
    ck_assert_msg(emb_table_characterize(t, p) == EMB_OK, "%s", emb_errmsg());
    ck_assert_str_eq(t->stressor_units[4], "points");
    ck_assert(t->F[4 * 2 + 1] == 2 + 2 * 8);
    emb_table_free(t);
}
END_TEST

START_TEST(errors)
{
    const char *hdr = "stressor,impact,factor,unit,stressor_unit\n";
    char b[1024];
#define CSV(body) (snprintf(b, sizeof b, "%s%s", hdr, body), csv("e.csv", b))
    /* Factors. */
    fails(CSV("ext/CO2/air,GHG,2x,,\n"), EMB_EINPUT,
          "e.csv: line 2, column 3 (factor): '2x' is not a finite number", NULL);
    fails(CSV("ext/CO2/air,GHG,1,,\next/CH4/air,GHG,nan,,\n"), EMB_EINPUT,
          "line 3, column 3 (factor): 'nan'", NULL);
    fails(CSV("ext/CO2/air,GHG,1e999,,\n"), EMB_EINPUT, "line 2, column 3", "'1e999'");
    fails(CSV("ext/CO2/air,GHG,,,\n"), EMB_EINPUT, "line 2, column 3 (factor): empty cell", NULL);
    /* Unknown stressors: usage error with the closest names. */
    fails(CSV("ext/CO2/air,GHG,1,,\next/N2O*,GHG,273,,\n"), EMB_EUSAGE,
          "e.csv: line 3, column 1 (stressor): 'ext/N2O*' matches no stressor of mem.h5",
          "e.g. 'ext/CO2/air', 'ext/CH4/air', 'ext/CH4 - waste/air'");
    /* A file none of whose rows matches: an input error listing what the
     * file expects and what the table has. */
    fails(CSV("CO2/air,GHG,1,,\nCH4/air,GHG,28,,\nCO2/air,GHG2,1,,\n"), EMB_EINPUT,
          "e.csv: no stressor of mem.h5 matches this characterisation file: it expects "
          "'CO2/air', 'CH4/air'; the table has 'ext/CO2/air', ", NULL);
    /* Units. */
    fails(CSV("ext/*,GHG,1,,\nva/*,GHG,1,,\n"), EMB_EINPUT,
          "line 3, column 1 (stressor): units differ within impact 'GHG': stressor 'va/Value "
          "Added' is in 'M.EUR', 'ext/CO2/air' (line 2) in 'kg'", "stressor_unit");
    fails(CSV("ext/CH4*,GHG,1,,t\n"), EMB_EINPUT,
          "line 2, column 5 (stressor_unit): stressor 'ext/CH4/air' is in 'kg', this row is for 't'",
          NULL);
    fails(CSV("ext/CO2/air,GHG,1,t CO2-eq,\next/CH4/air,GHG,27,kg CO2-eq,\n"), EMB_EINPUT,
          "line 3, column 4 (unit): impact 'GHG' has unit 'kg CO2-eq' here and 't CO2-eq' on line 2",
          NULL);
    /* Double counting, name clashes. */
    fails(CSV("ext/CH4*,GHG,27,,\next/CH4/air,GHG,27,,\n"), EMB_EINPUT,
          "line 3, column 1 (stressor): stressor 'ext/CH4/air' is already counted in impact 'GHG' "
          "by line 2", NULL);
    fails(CSV("ext/CO2/air,ext/CH4/air,1,,\n"), EMB_EINPUT,
          "line 2, column 2 (impact): impact 'ext/CH4/air' is already a stressor", NULL);
    /* Structure. */
    fails(CSV("ext/CO2/air,GHG,1,\n"), EMB_EINPUT, "e.csv: line 2: 4 cells, the header has 5", NULL);
    fails(CSV("ext/CO2/air,GHG,1,,,\n"), EMB_EINPUT, "line 2: 6 cells, the header has 5", NULL);
    fails(CSV("\"ext/CO2/air,GHG,1,,\n"), EMB_EINPUT, "line 2: cell 1: quoted cell has no closing",
          NULL);
    fails(CSV("\"ext/CO2/air\"x,GHG,1,,\n"), EMB_EINPUT, "line 2: cell 1: text after the closing",
          NULL);
    fails(CSV(",GHG,1,,\n"), EMB_EINPUT, "line 2, column 1 (stressor): empty cell", NULL);
    fails(CSV(""), EMB_EINPUT, "no characterisation factors", NULL);
    fails(csv("h.csv", "# only comments\n\n"), EMB_EINPUT, "h.csv: no header line", NULL);
    fails(csv("h.csv", "stressor,impact\n"), EMB_EINPUT, "h.csv: line 1: the header must be", NULL);
    fails(csv("h.csv", "# c\nstressor,impact,weight\n"), EMB_EINPUT,
          "h.csv: line 2: header column 3 is 'weight', expected 'factor'", NULL);
    fails(csv("h.csv", "ext/CO2/air,GHG,1\n"), EMB_EINPUT, "line 1: header column 1", NULL);
    /* Files. */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/none.csv", tmp);
    fails(missing, EMB_EIO, "none.csv: cannot open the characterisation file", NULL);
    fails(tmp, EMB_EIO, NULL, NULL); /* a folder */
#undef CSV
}
END_TEST

START_TEST(nul_byte)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/nul.csv", tmp);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite("stressor,impact,factor\next\0/CO2,G,1\n", 1, 37, f);
    fclose(f);
    fails(path, EMB_EINPUT, "nul.csv: line 2: NUL byte", NULL);
}
END_TEST

/* EXIOBASE 3 air-emission names (satellite folder); the last two are not
 * in the GWP file. */
static const char *exio[] = {
    "satellite/CO2 - combustion - air",
    "satellite/CO2 - non combustion - Cement production - air",
    "satellite/CO2 - non combustion - Lime production - air",
    "satellite/CO2 - waste - biogenic - air",
    "satellite/CO2 - waste - fossil - air",
    "satellite/CO2 - agriculture - peat decay - air",
    "satellite/CH4 - agriculture - air",
    "satellite/CH4 - waste - air",
    "satellite/CH4 - combustion - air",
    "satellite/CH4 - non combustion - Extraction/production of (natural) gas - air",
    "satellite/CH4 - non combustion - Mining of antracite - air",
    "satellite/CH4 - non combustion - Oil refinery - air",
    "satellite/N2O - combustion - air",
    "satellite/N2O - agriculture - air",
    "satellite/SF6 - air",
    "satellite/HFC - air",
    "satellite/Value Added",
};
#define N_EXIO (sizeof exio / sizeof exio[0])
/* AR6 GWP100 per stressor above (0: not counted). */
static const double gwp[N_EXIO] = {1, 1, 1, 0, 1, 1, 27.0, 27.0, 27.0, 29.8, 29.8, 29.8,
                                   273, 273, 25200, 0, 0};

START_TEST(shipped_ar6_gwp100)
{
    const char *units[N_EXIO];
    for (size_t s = 0; s < N_EXIO; s++)
        units[s] = s == 15 ? "kg CO2-eq" : s == 16 ? "M.EUR" : "kg";
    emb_table *t = table_with(N_EXIO, exio, units);
    const char *file = emb_test_src_path("datasets/characterization/ipcc_ar6_gwp100.csv");
    ck_assert_msg(emb_table_characterize(t, file) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, N_EXIO + 1);
    ck_assert_str_eq(t->stressors[N_EXIO], "GHG emissions AR6 (GWP100)");
    ck_assert_str_eq(t->stressor_units[N_EXIO], "kg CO2-eq");
    for (size_t c = 0; c < 2; c++) {
        double want = 0, wanty = 0;
        for (size_t s = 0; s < N_EXIO; s++) {
            want += gwp[s] * t->F[s * 2 + c];
            wanty += gwp[s] * t->F_Y[s * 2 + c];
        }
        EMB_ASSERT_CLOSE(t->F[N_EXIO * 2 + c], want, 1e-15, 0);
        EMB_ASSERT_CLOSE(t->F_Y[N_EXIO * 2 + c], wanty, 1e-15, 0);
    }
    emb_table_free(t);

    /* A release reporting SF6 in CO2-eq: the unit check stops it. */
    units[14] = "kg CO2-eq";
    t = table_with(N_EXIO, exio, units);
    ck_assert_int_eq(emb_table_characterize(t, file), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "ipcc_ar6_gwp100.csv: line 27, column 5 (stressor_unit): "
                                       "stressor 'satellite/SF6 - air' is in 'kg CO2-eq', this row "
                                       "is for 'kg'"), "%s", emb_errmsg());
    ck_assert_uint_eq(t->k, N_EXIO);
    emb_table_free(t);

    /* A table without some gas (here: no N2O) does not match every line. */
    t = table_with(12, exio, units);
    ck_assert_int_eq(emb_table_characterize(t, file), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "line 25, column 1 (stressor): '*/N2O - combustion - air' "
                                       "matches no stressor"), "%s", emb_errmsg());
    emb_table_free(t);
}
END_TEST

/* Defect: the file was read with getline(3), outside the allocation wrapper,
 * so one huge line was read whole whatever --max-memory said (a 128 MiB
 * comment line was even accepted).  Now a line is read through the
 * delimited-text reader: refused at its limits, with nothing allocated
 * near the line's size.  Two shapes: one cell without commas (stopped by
 * the field limit at the first buffer) and a line of short cells (stopped
 * by the line limit). */
START_TEST(long_line_within_memory_limit)
{
    const size_t len = (size_t)128 << 20;
    char *chunk = malloc(1 << 20);
    ck_assert_ptr_nonnull(chunk);
    for (int shape = 0; shape < 2; shape++) {
        for (size_t i = 0; i < (1 << 20); i++)
            chunk[i] = shape == 1 && i % 16 == 15 ? ',' : 'x';
        char path[4200];
        snprintf(path, sizeof path, "%s/long%d.csv", tmp, shape);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        fputs("stressor,impact,factor\next/CO2/air,GHG,1\n# ", f);
        for (size_t w = 0; w < len; w += 1 << 20)
            ck_assert_uint_eq(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
        fputs("\next/CH4/air,GHG,27\n", f);
        ck_assert_int_eq(fclose(f), 0);

        size_t old = emb_set_memory_limit((size_t)64 << 20);
        emb_alloc_peak_reset();
        snprintf(path, sizeof path, "long%d.csv: line 3, column ", shape);
        char full[4200];
        snprintf(full, sizeof full, "%s/long%d.csv", tmp, shape);
        fails(full, EMB_EINPUT, path, shape == 0 ? "a field longer than 4096 bytes"
                                                 : "the line is longer than 65536 bytes");
        size_t peak = emb_alloc_peak_request();
        emb_set_memory_limit(old);
        ck_assert_msg(peak < ((size_t)1 << 20), "an allocation of %zu bytes for a refused line",
                      peak);
    }
    free(chunk);
}
END_TEST

START_TEST(alloc_failure_loop)
{
    const char *p = csv("a.csv", "stressor,impact,factor,unit\n"
                                 "ext/CO2/air,GHG,1,kg CO2-eq\next/CH4*,GHG,27.5,kg CO2-eq\n"
                                 "va/*,Value,2,\n");
    long k;
    for (k = 0; k < 10000; k++) {
        emb_table *t = table_with(4, names4, units4);
        emb_alloc_fail_after(k);
        emb_status st = emb_table_characterize(t, p);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            ck_assert_uint_eq(t->k, 6);
            ck_assert(t->F[4 * 2 + 1] == 277);
            emb_table_free(t);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "allocation %ld: %s (%s)", k, emb_strerror(st), emb_errmsg());
        ck_assert_uint_eq(t->k, 4); /* unchanged */
        ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
        emb_table_free(t);
    }
    ck_assert_int_gt(k, 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("characterize");
    TCase *tc = tcase_create("characterize");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, by_hand);
    tcase_add_test(tc, csv_syntax);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, nul_byte);
    tcase_add_test(tc, shipped_ar6_gwp100);
    tcase_add_test(tc, long_line_within_memory_limit);
    tcase_add_test(tc, alloc_failure_loop);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
