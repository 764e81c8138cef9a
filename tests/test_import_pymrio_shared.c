/* tests/test_import_pymrio_shared.c — the pymrio / EXIOBASE-3 text-layout
 * importer and its parts (byte sources, streaming TSV reader, JSON parser),
 * on ../shared/testdata: pymrio's test MRIO (folder and zip), the real WIOD
 * 2009 CO2 zip, the EXIOBASE-3 format sample, and broken copies of the test
 * MRIO written into a temporary folder, one defect each. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "import/bytesrc.h"
#include "import/json.h"
#include "import/tsv.h"
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

static const char *shared; /* ../shared/testdata */

/* ------------------------------------------------------------- helpers */

/* Copy folder src into dst (created), recursively. */
static void copy_tree(const char *src, const char *dst)
{
    ck_assert_int_eq(mkdir(dst, 0755), 0);
    DIR *d = opendir(src);
    ck_assert_msg(d != NULL, "cannot list %s", src);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char s[4096], t[4096];
        snprintf(s, sizeof s, "%s/%s", src, de->d_name);
        snprintf(t, sizeof t, "%s/%s", dst, de->d_name);
        struct stat sb;
        ck_assert_int_eq(stat(s, &sb), 0);
        if (S_ISDIR(sb.st_mode)) {
            copy_tree(s, t);
        } else {
            size_t n;
            char *b = emb_test_slurp(s, &n);
            emb_test_spit(t, b, n);
            free(b);
        }
    }
    closedir(d);
}

/* A fresh copy of the test MRIO in a new temporary folder: returns the
 * temporary folder (caller: emb_test_rmtree + free); the copy is <tmp>/m. */
static char *fresh_copy(void)
{
    char *tmp = emb_test_tmpdir();
    ck_assert(tmp != NULL);
    copy_tree(emb_test_pathf("%s/pymrio-test-mrio", shared), emb_test_pathf("%s/m", tmp));
    return tmp;
}

/* Replace every `from` in 1-based line `line` of file path by `to`. */
static void replace_in_line(const char *path, int line, const char *from, const char *to)
{
    size_t n, lf = strlen(from), lt = strlen(to);
    char *b = emb_test_slurp(path, &n);
    char *o = malloc(2 * n + 64 * lt + 1), *w = o;
    char *ls = emb_test_line_start(b, line), *le = strchr(ls, '\n');
    memcpy(w, b, (size_t)(ls - b));
    w += ls - b;
    for (char *p = ls; p < le;) {
        if ((size_t)(le - p) >= lf && memcmp(p, from, lf) == 0) {
            memcpy(w, to, lt);
            w += lt, p += lf;
        } else {
            *w++ = *p++;
        }
    }
    memcpy(w, le, n - (size_t)(le - b));
    w += n - (size_t)(le - b);
    emb_test_spit(path, o, (size_t)(w - o));
    free(o);
    free(b);
}

static emb_table *import_ok(const char *path, const emb_import_opts *opts)
{
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, opts, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s (%s)", path, emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Import must fail with `want` and a message containing every given part. */
static void import_fails(const char *path, emb_status want, const char *part1, const char *part2)
{
    emb_table *t = (emb_table *)1;
    emb_status st = emb_import_pymrio(path, NULL, &t);
    ck_assert_msg(st == want, "import %s: status %d (%s), expected %d; message: %s", path, st,
                  emb_strerror(st), want, emb_errmsg());
    ck_assert_ptr_null(t);
    const char *m = emb_errmsg();
    ck_assert_msg(!part1 || strstr(m, part1), "message lacks '%s': %s", part1, m);
    ck_assert_msg(!part2 || strstr(m, part2), "message lacks '%s': %s", part2, m);
    ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
}

static void assert_same_tables(const emb_table *a, const emb_table *b)
{
    ck_assert_uint_eq(a->n_r, b->n_r);
    ck_assert_uint_eq(a->n_s, b->n_s);
    ck_assert_uint_eq(a->n_f, b->n_f);
    ck_assert_uint_eq(a->k, b->k);
    ck_assert_int_eq(a->tech_kind, b->tech_kind);
    ck_assert(memcmp(a->T, b->T, a->N * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->Y, b->Y, a->N * a->n_y * sizeof(double)) == 0);
    ck_assert(memcmp(a->F, b->F, a->k * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->F_Y, b->F_Y, a->k * a->n_y * sizeof(double)) == 0);
    ck_assert((a->x == NULL) == (b->x == NULL));
    if (a->x)
        ck_assert(memcmp(a->x, b->x, a->N * sizeof(double)) == 0);
    for (size_t i = 0; i < a->n_r; i++)
        ck_assert_str_eq(a->regions[i], b->regions[i]);
    for (size_t i = 0; i < a->n_s; i++)
        ck_assert_str_eq(a->sectors[i], b->sectors[i]);
    for (size_t i = 0; i < a->n_f; i++)
        ck_assert_str_eq(a->fd_categories[i], b->fd_categories[i]);
    for (size_t i = 0; i < a->k; i++) {
        ck_assert_str_eq(a->stressors[i], b->stressors[i]);
        ck_assert_str_eq(a->stressor_units[i], b->stressor_units[i]);
    }
    ck_assert_str_eq(a->monetary_unit, b->monetary_unit);
    ck_assert_str_eq(a->source, b->source);
}

/* ------------------------------------------------------- the test MRIO */

static void check_test_mrio(const emb_table *t)
{
    ck_assert_uint_eq(t->n_r, 6);
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->n_f, 7);
    ck_assert_uint_eq(t->k, 3);
    ck_assert_uint_eq(t->N, 48);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_ptr_nonnull(t->T);
    ck_assert_ptr_null(t->x); /* Z table: the solver uses Z 1 + Y 1 */
    ck_assert_str_eq(t->regions[0], "reg1");
    ck_assert_str_eq(t->regions[5], "reg6");
    ck_assert_str_eq(t->sectors[0], "food");
    ck_assert_str_eq(t->sectors[2], "manufactoring");
    ck_assert_str_eq(t->sectors[7], "other");
    ck_assert_str_eq(t->fd_categories[0], "Final consumption expenditure by households");
    ck_assert_str_eq(t->fd_categories[6], "Export");
    ck_assert_str_eq(t->stressors[0], "emissions/emission_type1/air");
    ck_assert_str_eq(t->stressors[1], "emissions/emission_type2/water");
    ck_assert_str_eq(t->stressors[2], "factor_inputs/Value Added");
    ck_assert_str_eq(t->stressor_units[0], "kg");
    ck_assert_str_eq(t->stressor_units[1], "kg");
    ck_assert_str_eq(t->stressor_units[2], "Mill USD");
    ck_assert_str_eq(t->monetary_unit, "Mill USD");
    ck_assert_str_eq(t->source, "pymrio text layout: testmrio");
    /* Exact values as printed in the files (strtod rounds them once). */
    ck_assert(t->T[0] == 23697.221);                    /* Z reg1/food -> reg1/food */
    ck_assert(t->T[7 * 48 + 18] == 9186.0333);          /* reg1/other -> reg3/manufactoring */
    ck_assert(t->T[47 * 48 + 47] == 217075.92);         /* reg6/other -> reg6/other */
    ck_assert(t->Y[0] == 58180.65);                     /* reg1/food, reg1 households */
    ck_assert(t->Y[47 * 42 + 41] == 0);
    ck_assert(t->F[0] == 1848064.8);                    /* type1/air, reg1/food */
    ck_assert(t->F[1 * 48 + 47] == 16782553);
    ck_assert(t->F[2 * 48 + 0] == 111490.88);           /* value added reg1/food */
    ck_assert(t->F[2 * 48 + 47] == 1618433.1);
    ck_assert(t->F_Y[0] == 62335321);
    ck_assert(t->F_Y[1 * 42 + 35] == 163362050);         /* type2, reg6 households */
    ck_assert(t->F_Y[2 * 42 + 0] == 0);                 /* factor_inputs has no F_Y */
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
}

START_TEST(test_mrio_folder)
{
    emb_table *t = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL);
    check_test_mrio(t);
    ck_assert_str_eq(t->path, emb_test_pathf("%s/pymrio-test-mrio", shared));
    emb_table_free(t);
}
END_TEST

START_TEST(test_mrio_zip_equals_folder)
{
    emb_table *f = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL);
    emb_table *z = import_ok(emb_test_pathf("%s/pymrio-test-mrio.zip", shared), NULL);
    check_test_mrio(z);
    assert_same_tables(f, z);
    ck_assert_str_eq(z->path, emb_test_pathf("%s/pymrio-test-mrio.zip", shared));
    emb_table_free(f);
    emb_table_free(z);
}
END_TEST

START_TEST(extension_filter)
{
    const char *want[] = {"emissions"};
    emb_import_opts o = {.extensions = want, .n_extensions = 1};
    emb_table *t = import_ok(emb_test_pathf("%s/pymrio-test-mrio.zip", shared), &o);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_str_eq(t->stressors[0], "emissions/emission_type1/air");
    ck_assert_str_eq(t->stressors[1], "emissions/emission_type2/water");
    ck_assert(t->F_Y[0] == 62335321);
    emb_table_free(t);

    /* Order of the request does not matter: folder order is kept. */
    const char *both[] = {"factor_inputs", "emissions"};
    emb_import_opts o2 = {.extensions = both, .n_extensions = 2};
    t = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), &o2);
    ck_assert_uint_eq(t->k, 3);
    ck_assert_str_eq(t->stressors[2], "factor_inputs/Value Added");
    emb_table_free(t);

    const char *bad[] = {"emissions", "water"};
    emb_import_opts o3 = {.extensions = bad, .n_extensions = 2};
    t = (emb_table *)1;
    ck_assert_int_eq(emb_import_pymrio(emb_test_pathf("%s/pymrio-test-mrio", shared), &o3, &t), EMB_EUSAGE);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(emb_errmsg(), "'water'") &&
                      strstr(emb_errmsg(), "available: emissions, factor_inputs"),
                  "%s", emb_errmsg());
}
END_TEST

/* -------------------------------------------------------------- WIOD */

START_TEST(wiod_real_data)
{
    emb_table *t = import_ok(emb_test_pathf("%s/wiod2013-2009-co2.zip", shared), NULL);
    ck_assert_uint_eq(t->n_r, 41);
    ck_assert_uint_eq(t->n_s, 35);
    ck_assert_uint_eq(t->n_f, 5);
    ck_assert_uint_eq(t->k, 1);
    ck_assert_str_eq(t->stressors[0], "co2/CO2/air");
    ck_assert_str_eq(t->stressor_units[0], "Gg");
    ck_assert_str_eq(t->monetary_unit, "M.USD");
    ck_assert_str_eq(t->regions[0], "AUS");
    ck_assert_str_eq(t->sectors[34], "c35");
    ck_assert_str_eq(t->fd_categories[4], "INVEN");
    ck_assert_str_eq(t->source, "pymrio text layout: WIOD2013_2009");
    double sum = 0, sum_fy = 0;
    for (size_t i = 0; i < t->N; i++)
        sum += t->F[i];
    for (size_t i = 0; i < t->n_y; i++)
        sum_fy += t->F_Y[i];
    EMB_ASSERT_CLOSE(sum, 24870226.62645995, 1e-12, 0);
    EMB_ASSERT_CLOSE(sum_fy, 3979351.9844499016, 1e-12, 0);
    emb_table_facts facts;
    ck_assert_int_eq(emb_table_validate(t, &facts), EMB_OK);
    ck_assert_uint_eq(facts.n_negative_Y, 824);
    long chn = emb_table_region_index(t, "CHN");
    ck_assert_int_ge(chn, 0);
    EMB_ASSERT_CLOSE(t->F[(size_t)chn * 35 + 18], 166.39, 1e-3, 0); /* CHN c19, zero output */
    emb_table_free(t);
}
END_TEST

/* ------------------------------------------------------ EXIOBASE 3 */

START_TEST(exiobase3_sample)
{
    emb_table *t = import_ok(emb_test_pathf("%s/format-samples/exiobase3", shared), NULL);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_A);
    ck_assert_uint_eq(t->n_r, 6);
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->n_f, 7);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_str_eq(t->regions[0], "AUS");
    ck_assert_str_eq(t->regions[5], "WWF");
    ck_assert_str_eq(t->stressors[0], "satellite/emission_type1");
    ck_assert_str_eq(t->stressors[1], "satellite/emission_type2");
    ck_assert_str_eq(t->stressor_units[0], "kg"); /* unit.txt's json says 2 index columns: it has 1 */
    ck_assert_str_eq(t->source, "pymrio text layout: exio3_mock; x not in the input (no x.txt): "
                                "x = (I - A)^-1 (Y 1) from the Leontief solver "
                                "(emb_table_complete_x)");
    ck_assert(t->T[0] == 0.0990875448681);
    ck_assert(t->F_Y[0] == 62335321); /* from F_hh.txt */
    /* The importer never calls the solver: x is absent, the caller completes it. */
    ck_assert_ptr_null(t->x);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    ck_assert_ptr_nonnull(t->x);       /* computed: x = (I - A)^-1 Y 1 */
    for (size_t i = 0; i < t->N; i++)
        ck_assert_msg(t->x[i] >= 0 && isfinite(t->x[i]), "x[%zu] = %g", i, t->x[i]);
    /* x solves (I - A) x = Y 1. */
    for (size_t i = 0; i < t->N; i++) {
        double r = t->x[i], y = 0;
        for (size_t j = 0; j < t->N; j++)
            r -= t->T[i * t->N + j] * t->x[j];
        for (size_t c = 0; c < t->n_y; c++)
            y += t->Y[i * t->n_y + c];
        EMB_ASSERT_CLOSE(r, y, 1e-9, 1e-6 * t->x[i] + 1e-9);
    }
    emb_table_free(t);
}
END_TEST

/* ----------------------------------------- layouts built on the fly */

START_TEST(root_inside_one_folder)
{
    /* A folder whose content sits in one sub-folder, and the same as a zip
     * (EXIOBASE's IOT_2011_ixi.zip holds IOT_2011_ixi/...). */
    char *tmp = emb_test_tmpdir();
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/wrap", tmp), 0755), 0);
    copy_tree(emb_test_pathf("%s/pymrio-test-mrio", shared), emb_test_pathf("%s/wrap/IOT_test", tmp));
    emb_table *ref = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL);
    emb_table *t = import_ok(emb_test_pathf("%s/wrap", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);

    int zerr = 0;
    zip_t *za = zip_open(emb_test_pathf("%s/nested.zip", tmp), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ck_assert_ptr_nonnull(za);
    const char *files[] = {"Z.txt", "Y.txt", "unit.txt", "population.txt", "file_parameters.json", "metadata.json",
                           "emissions/F.txt", "emissions/F_Y.txt", "emissions/unit.txt",
                           "emissions/file_parameters.json", "factor_inputs/F.txt",
                           "factor_inputs/unit.txt", "factor_inputs/file_parameters.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        zip_source_t *src = zip_source_file(za, emb_test_pathf("%s/pymrio-test-mrio/%s", shared, files[i]), 0, -1);
        ck_assert_ptr_nonnull(src);
        ck_assert_int_ge(zip_file_add(za, emb_test_pathf("IOT_test/%s", files[i]), src, ZIP_FL_ENC_UTF_8), 0);
    }
    ck_assert_int_eq(zip_close(za), 0);
    t = import_ok(emb_test_pathf("%s/nested.zip", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);

    /* Two candidate folders: ambiguous. */
    copy_tree(emb_test_pathf("%s/pymrio-test-mrio", shared), emb_test_pathf("%s/wrap/IOT_other", tmp));
    import_fails(emb_test_pathf("%s/wrap", tmp), EMB_EINPUT, "2 top-level folders", "file_parameters.json");
    emb_table_free(ref);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(crlf_and_no_final_newline)
{
    /* Every text file rewritten with \r\n and without its last newline gives
     * the same table. */
    char *tmp = fresh_copy();
    const char *files[] = {"Z.txt", "Y.txt", "unit.txt", "emissions/F.txt", "emissions/F_Y.txt",
                           "emissions/unit.txt", "factor_inputs/F.txt", "factor_inputs/unit.txt"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        size_t n;
        char *p = emb_test_pathf("%s/m/%s", tmp, files[i]);
        char *b = emb_test_slurp(p, &n);
        char *o = malloc(2 * n + 1);
        size_t w = 0;
        for (size_t k = 0; k < n; k++) {
            if (b[k] == '\n')
                o[w++] = '\r';
            o[w++] = b[k];
        }
        emb_test_spit(p, o, w - 2); /* drop the final \r\n */
        free(o);
        free(b);
    }
    emb_table *ref = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL);
    emb_table *t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);
    emb_table_free(ref);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(x_txt_is_read)
{
    char *tmp = fresh_copy();
    char *buf = malloc(64 * 1024), *w = buf;
    w += sprintf(w, "region\tsector\tindout\n");
    const char *sec[] = {"food", "mining", "manufactoring", "electricity", "construction",
                         "trade", "transport", "other"};
    for (int i = 0; i < 48; i++)
        w += sprintf(w, "reg%d\t%s\t%d.25\n", i / 8 + 1, sec[i % 8], 1000 + i);
    emb_test_spit(emb_test_pathf("%s/m/x.txt", tmp), buf, (size_t)(w - buf));
    emb_table *t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    ck_assert_ptr_nonnull(t->x);
    for (int i = 0; i < 48; i++)
        ck_assert(t->x[i] == 1000 + i + 0.25);
    emb_table_free(t);
    /* A mislabelled row of x.txt is reported where it is. */
    emb_test_edit_cell(emb_test_pathf("%s/m/x.txt", tmp), '\t', 5, 2, "mining");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "x.txt: line 5, column 2", "expected sector 'electricity'");
    free(buf);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ------------------------------------------------------ broken copies */

START_TEST(broken_truncated_z)
{
    char *tmp = fresh_copy();
    char *p = emb_test_pathf("%s/m/Z.txt", tmp);
    size_t n;
    char *b = emb_test_slurp(p, &n);
    size_t cut = n * 3 / 5;
    ck_assert(b[cut - 1] != '\n' && b[cut] != '\n'); /* mid-line */
    emb_test_spit(p, b, cut);
    free(b);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Z.txt: line ", "missing cell");
    /* Cut at a line end: rows are missing. */
    b = emb_test_slurp(emb_test_pathf("%s/pymrio-test-mrio/Z.txt", shared), &n);
    emb_test_spit(p, b, (size_t)(emb_test_line_start(b, 31) - b));
    free(b);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: ends after line 30 with 27 of the 48 (region, sector) rows", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_text_cell)
{
    char *tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "abc");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Z.txt: line 7, column 12: 'abc' is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "1.5e3x");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 7, column 12: '1.5e3x' is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "NaN");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 7, column 12: 'NaN' is not a finite number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "-inf");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "line 7, column 12: '-inf' is not a finite number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "1e999");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "line 7, column 12: '1e999' is not a finite number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 7, column 12: empty cell", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 7, 12, "12.5");
    emb_table *t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    ck_assert(t->T[3 * 48 + 9] == 12.5); /* line 7 = data row 3; column 12 = industry 9 */
    emb_table_free(t);
    /* Y and F cells too. */
    emb_test_edit_cell(emb_test_pathf("%s/m/Y.txt", tmp), '\t', 50, 44, "x");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Y.txt: line 50, column 44: 'x' is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Y.txt", tmp), '\t', 50, 44, "0");
    emb_test_edit_cell(emb_test_pathf("%s/m/emissions/F.txt", tmp), '\t', 5, 3, "");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/F.txt: line 5, column 3: empty cell", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_missing_column)
{
    char *tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 9, 30, NULL);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 9, column 50: missing cell",
                 "expected 50 fields: 2 index + 48 data columns, found 49");
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_labels)
{
    char *tmp = fresh_copy();
    /* Y with one region fewer: drop reg6's 7 columns from every line. */
    char *p = emb_test_pathf("%s/m/Y.txt", tmp);
    size_t n;
    char *b = emb_test_slurp(p, &n), *o = malloc(n + 1), *w = o;
    for (char *l = b; *l;) {
        char *e = strchr(l, '\n');
        size_t len = (size_t)(e - l);
        char *cut = l + len;
        for (int k = 0; k < 7; k++)
            while (*--cut != '\t')
                ;
        memcpy(w, l, (size_t)(cut - l));
        w += cut - l;
        *w++ = '\n';
        l = e + 1;
    }
    emb_test_spit(p, o, (size_t)(w - o));
    free(o);
    free(b);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Y.txt: line 1: the columns list 5 regions",
                 "Z.txt has 6");

    /* Z rows out of order. */
    emb_test_rmtree(tmp);
    free(tmp);
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 6, 2, "trade");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 6, column 2: expected sector 'manufactoring'",
                 "found 'trade'");
    emb_test_rmtree(tmp);
    free(tmp);

    /* Z columns not region-major: reg1 again after reg2. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 1, 12, "reg1");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 1, column 12: region 'reg1' appears again", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 1, 12, "reg2");
    /* reg1 9 columns, reg2 7 */
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 1, 11, "reg1");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 1, column 18: region 'reg2' has 7 columns",
                 "region 'reg1' has 9");
    emb_test_rmtree(tmp);
    free(tmp);

    /* A sector renamed in the second block of the column header. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.txt", tmp), '\t', 2, 12, "steel");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: line 2, column 12: expected sector 'mining'",
                 "found 'steel'");
    emb_test_rmtree(tmp);
    free(tmp);

    /* F's columns differ from Z's. */
    tmp = fresh_copy();
    replace_in_line(emb_test_pathf("%s/m/emissions/F.txt", tmp), 1, "\treg2", "\tregX");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/F.txt: line 1, column 11: expected region 'reg2'",
                 "found 'regX'");
    replace_in_line(emb_test_pathf("%s/m/emissions/F.txt", tmp), 1, "\tregX", "\treg2");
    replace_in_line(emb_test_pathf("%s/m/emissions/F.txt", tmp), 2, "\ttrade", "\tcommerce");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/F.txt: line 2, column 8: expected sector 'trade'",
                 "found 'commerce'");
    emb_test_rmtree(tmp);
    free(tmp);

    /* A stressor of F_Y that F lacks. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/emissions/F_Y.txt", tmp), '\t', 5, 1, "emission_type3");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/F_Y.txt: line 5, column 1: stressor 'emission_type3/water' is not in", NULL);
    emb_test_rmtree(tmp);
    free(tmp);

    /* A stressor without a unit row. */
    tmp = fresh_copy();
    emb_test_spits(emb_test_pathf("%s/m/emissions/unit.txt", tmp), "stressor\tcompartment\tunit\nemission_type1\tair\tkg\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/unit.txt: no unit for stressor 'emission_type2", NULL);
    emb_test_rmtree(tmp);
    free(tmp);

    /* Two stressors of the same name. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/emissions/F.txt", tmp), '\t', 5, 1, "emission_type1");
    emb_test_edit_cell(emb_test_pathf("%s/m/emissions/F.txt", tmp), '\t', 5, 2, "air");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "emissions/F.txt: line 5, column 1: stressor", "appears twice");
    emb_test_rmtree(tmp);
    free(tmp);

    /* An extension with no stressor rows. */
    tmp = fresh_copy();
    b = emb_test_slurp(emb_test_pathf("%s/pymrio-test-mrio/factor_inputs/F.txt", shared), &n);
    emb_test_spit(emb_test_pathf("%s/m/factor_inputs/F.txt", tmp), b, (size_t)(emb_test_line_start(b, 4) - b));
    free(b);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "factor_inputs/F.txt: no stressor rows", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_files_and_paths)
{
    char *tmp = fresh_copy();
    char *p = emb_test_pathf("%s/m/Y.txt", tmp);
    ck_assert_int_eq(remove(p), 0);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EIO, "/m/Y.txt", "No such file");

    import_fails(emb_test_pathf("%s/does-not-exist", tmp), EMB_EIO, "/does-not-exist", NULL);

    emb_test_spits(emb_test_pathf("%s/bad.zip", tmp), "this is not a zip archive\n");
    import_fails(emb_test_pathf("%s/bad.zip", tmp), EMB_EINPUT, "/bad.zip", "zip");

    /* A zip without file_parameters.json. */
    int zerr = 0;
    zip_t *za = zip_open(emb_test_pathf("%s/empty.zip", tmp), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    zip_source_t *src = zip_source_buffer(za, "x", 1, 0);
    ck_assert_int_ge(zip_file_add(za, "readme.txt", src, 0), 0);
    ck_assert_int_eq(zip_close(za), 0);
    import_fails(emb_test_pathf("%s/empty.zip", tmp), EMB_EINPUT, "/empty.zip: no file_parameters.json", NULL);

    /* Malformed JSON is reported with its line. */
    emb_test_rmtree(tmp);
    free(tmp);
    tmp = fresh_copy();
    p = emb_test_pathf("%s/m/file_parameters.json", tmp);
    size_t n;
    char *b = emb_test_slurp(p, &n);
    char *q = strstr(b, "\"2\"\n        }");
    ck_assert_ptr_nonnull(q);
    q[3] = ','; /* line 6 becomes  "nr_header": "2",        }  */
    emb_test_spit(p, b, n);
    free(b);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/file_parameters.json: line 6: invalid JSON: trailing comma before '}'", NULL);

    /* Counts must be counts. */
    emb_test_spits(p, "{\"files\": {\"Z\": {\"name\": \"Z.txt\", \"nr_index_col\": \"two\", \"nr_header\": 2},\n"
             "\"Y\": {\"name\": \"Y.txt\"}}, \"systemtype\": \"IOSystem\"}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "file_parameters.json: line 1: files.Z.nr_index_col must be a count", NULL);
    /* A name that leaves the folder. */
    emb_test_spits(p, "{\"files\": {\"Z\": {\"name\": \"../Z.txt\"}, \"Y\": {\"name\": \"Y.txt\"}}}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "files.Z.name '../Z.txt' must be a plain file name", NULL);
    /* Neither Z nor A. */
    emb_test_spits(p, "{\"files\": {\"Y\": {\"name\": \"Y.txt\"}}, \"systemtype\": \"IOSystem\"}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "lists neither \"Z\" nor \"A\"", NULL);
    /* Wrong systemtype at the root. */
    emb_test_spits(p, "{\"files\": {}, \"systemtype\": \"Extension\"}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "systemtype is \"Extension\", expected \"IOSystem\"", NULL);
    /* Defaults: Z and Y entries without counts mean 2 index columns, 2 header rows. */
    emb_test_spits(p, "{\"files\": {\"Z\": {\"name\": \"Z.txt\"}, \"Y\": {\"name\": \"Y.txt\"}}}\n");
    emb_table *t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    ck_assert_uint_eq(t->k, 3);
    ck_assert_str_eq(t->monetary_unit, "Mill USD"); /* unit.txt found by its default name */
    emb_table_free(t);
    /* A wrong nr_header. */
    emb_test_spits(p, "{\"files\": {\"Z\": {\"name\": \"Z.txt\", \"nr_header\": 3}, \"Y\": {\"name\": \"Y.txt\"}}}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.txt: nr_header is 3", NULL);
    emb_test_rmtree(tmp);
    free(tmp);

    /* An extension folder without parameter file but with F.txt is still an
     * extension (index columns counted from the header). */
    tmp = fresh_copy();
    ck_assert_int_eq(remove(emb_test_pathf("%s/m/emissions/file_parameters.json", tmp)), 0);
    t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    emb_table *ref = import_ok(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);
    emb_table_free(ref);
    /* ... and without unit.txt it is an error. */
    ck_assert_int_eq(remove(emb_test_pathf("%s/m/emissions/unit.txt", tmp)), 0);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "extension folder 'emissions' has no unit.txt", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(alloc_failure_loop)
{
    /* Every allocation of an import may fail: EMB_ENOMEM, no leak, no crash
     * (run under valgrind with CK_FORK=no to see leaks). */
    const char *paths[] = {"pymrio-test-mrio", "pymrio-test-mrio.zip"};
    for (size_t p = 0; p < 2; p++) {
        long k;
        for (k = 0; k < 100000; k++) {
            emb_table *t = NULL;
            emb_alloc_fail_after(k);
            emb_status st = emb_import_pymrio(emb_test_pathf("%s/%s", shared, paths[p]), NULL, &t);
            emb_alloc_fail_after(-1);
            if (st == EMB_OK) {
                check_test_mrio(t);
                emb_table_free(t);
                break;
            }
            ck_assert_msg(st == EMB_ENOMEM, "failure at allocation %ld: %s (%s)", k,
                          emb_strerror(st), emb_errmsg());
            ck_assert_ptr_null(t);
        }
        ck_assert_int_gt(k, 50);
    }
}
END_TEST

/* ------------------------------------------------------ the TSV reader */

static emb_tsv *tsv_on(const char *dir, const char *rel, size_t bufsize, size_t maxline)
{
    emb_archive *a = NULL;
    emb_bytesrc *s = NULL;
    emb_tsv *r = NULL;
    ck_assert_int_eq(emb_archive_open(dir, &a), EMB_OK);
    ck_assert_int_eq(emb_bytesrc_open(a, rel, &s), EMB_OK);
    /* The folder source does not refer back to the archive once open. */
    emb_archive_close(a);
    ck_assert_int_eq(emb_tsv_open(s, bufsize, maxline, &r), EMB_OK);
    return r;
}

static void next_line(emb_tsv *r, size_t nf)
{
    int have = 0;
    ck_assert_msg(emb_tsv_next(r, &have) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(have, 1);
    ck_assert_uint_eq(emb_tsv_nfields(r), nf);
}

START_TEST(tsv_reader)
{
    char *tmp = emb_test_tmpdir();
    emb_test_spits(emb_test_pathf("%s/a.txt", tmp),
          "\xEF\xBB\xBFh1\th2\r\n1.5\t-2e3\r\n\"q\"\"x\"\t\"t\tab\"\n\r\n\tlast\t7");
    for (size_t bs = 1; bs <= 64; bs *= 2) { /* tiny buffers exercise every refill path */
        emb_tsv *r = tsv_on(tmp, "a.txt", bs, 64);
        double v;
        next_line(r, 2);
        ck_assert_str_eq(emb_tsv_field(r, 0), "h1");
        ck_assert_str_eq(emb_tsv_field(r, 1), "h2");
        ck_assert_str_eq(emb_tsv_field(r, 2), "");
        next_line(r, 2);
        ck_assert_int_eq(emb_tsv_number(r, 0, &v), EMB_OK);
        ck_assert(v == 1.5);
        ck_assert_int_eq(emb_tsv_number(r, 1, &v), EMB_OK);
        ck_assert(v == -2000);
        ck_assert_int_eq(emb_tsv_number(r, 2, &v), EMB_EINPUT);
        ck_assert_msg(strstr(emb_errmsg(), "a.txt: line 2, column 3: missing cell"), "%s", emb_errmsg());
        next_line(r, 2);
        ck_assert_str_eq(emb_tsv_field(r, 0), "q\"x");
        ck_assert_str_eq(emb_tsv_field(r, 1), "t\tab");
        emb_tsv_again(r);
        next_line(r, 2);
        ck_assert_uint_eq(emb_tsv_lineno(r), 3);
        ck_assert_str_eq(emb_tsv_field(r, 1), "t\tab");
        next_line(r, 1); /* "\r\n": one empty field */
        ck_assert_str_eq(emb_tsv_field(r, 0), "");
        next_line(r, 3); /* no final newline */
        ck_assert_str_eq(emb_tsv_field(r, 0), "");
        ck_assert_str_eq(emb_tsv_field(r, 2), "7");
        ck_assert_uint_eq(emb_tsv_lineno(r), 5);
        int have = 1;
        ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
        ck_assert_int_eq(have, 0);
        ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
        ck_assert_int_eq(have, 0);
        emb_tsv_close(r);
    }

    /* Numbers: the whole cell, finite. */
    emb_test_spits(emb_test_pathf("%s/n.txt", tmp), "1e-320\t0x10\t 2\t2 \tnan\tInfinity\t1e400\t-\t.\t\n");
    emb_tsv *r = tsv_on(tmp, "n.txt", 8, 1024);
    next_line(r, 10);
    double v;
    ck_assert_int_eq(emb_tsv_number(r, 0, &v), EMB_OK); /* denormal: accepted */
    ck_assert(v > 0 && v < 1e-300);
    const char *bad[] = {NULL, NULL, NULL, "'2 ' is not a number", "'nan' is not a finite number",
                         "'Infinity' is not a finite number", "'1e400' is not a finite number",
                         "'-' is not a number", "'.' is not a number", "empty cell"};
    for (size_t c = 3; c < 10; c++) {
        ck_assert_int_eq(emb_tsv_number(r, c, &v), EMB_EINPUT);
        char want[128];
        snprintf(want, sizeof want, "n.txt: line 1, column %zu: %s", c + 1, bad[c]);
        ck_assert_msg(strstr(emb_errmsg(), want), "want '%s', got %s", want, emb_errmsg());
    }
    emb_tsv_close(r);

    /* The line limit, and malformed quoting and binary data. */
    char longl[200];
    memset(longl, 'x', sizeof longl - 2);
    longl[sizeof longl - 2] = '\n';
    longl[sizeof longl - 1] = '\0';
    emb_test_spits(emb_test_pathf("%s/l.txt", tmp), emb_test_pathf("ok\n%s", longl));
    r = tsv_on(tmp, "l.txt", 4, 128);
    next_line(r, 1);
    int have;
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "l.txt: line 2, column 1: the line is longer than 128 bytes"), "%s", emb_errmsg());
    emb_tsv_close(r);
    r = tsv_on(tmp, "l.txt", 4, 256); /* within the limit the buffer grows */
    next_line(r, 1);
    next_line(r, 1);
    ck_assert_uint_eq(strlen(emb_tsv_field(r, 0)), 198);
    emb_tsv_close(r);

    emb_test_spits(emb_test_pathf("%s/q.txt", tmp), "a\t\"open\n\"x\"y\n");
    r = tsv_on(tmp, "q.txt", 16, 64);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "q.txt: line 1, column 2: quoted field has no closing quote"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "q.txt: line 2, column 1: text after the closing quote"), "%s", emb_errmsg());
    emb_tsv_close(r);

    emb_test_spit(emb_test_pathf("%s/b.txt", tmp), "a\tb\nc\0d\n", 8);
    r = tsv_on(tmp, "b.txt", 16, 64);
    next_line(r, 2);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "b.txt: line 2: NUL byte"), "%s", emb_errmsg());
    emb_tsv_close(r);

    /* An empty file has no lines. */
    emb_test_spits(emb_test_pathf("%s/e.txt", tmp), "");
    r = tsv_on(tmp, "e.txt", 16, 64);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_int_eq(have, 0);
    emb_tsv_close(r);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(tsv_zip_member_streams)
{
    /* A zip member read through a 3-byte buffer gives the same fields as
     * the folder's file read through the default one. */
    emb_archive *az = NULL, *ad = NULL;
    emb_tsv *rz = NULL, *rd = NULL;
    emb_bytesrc *s = NULL;
    ck_assert_int_eq(emb_archive_open(emb_test_pathf("%s/pymrio-test-mrio.zip", shared), &az), EMB_OK);
    ck_assert_int_eq(emb_archive_is_zip(az), 1);
    ck_assert_int_eq(emb_bytesrc_open(az, "Y.txt", &s), EMB_OK);
    ck_assert_str_eq(emb_bytesrc_name(s), emb_test_pathf("%s/pymrio-test-mrio.zip:Y.txt", shared));
    ck_assert_int_eq(emb_tsv_open(s, 3, 1 << 20, &rz), EMB_OK);
    ck_assert_int_eq(emb_archive_open(emb_test_pathf("%s/pymrio-test-mrio/", shared), &ad), EMB_OK);
    ck_assert_str_eq(emb_archive_path(ad), emb_test_pathf("%s/pymrio-test-mrio", shared));
    ck_assert_int_eq(emb_tsv_open_in(ad, "Y.txt", &rd), EMB_OK);
    size_t lines = 0;
    for (;;) {
        int hz, hd;
        ck_assert_int_eq(emb_tsv_next(rz, &hz), EMB_OK);
        ck_assert_int_eq(emb_tsv_next(rd, &hd), EMB_OK);
        ck_assert_int_eq(hz, hd);
        if (!hz)
            break;
        lines++;
        ck_assert_uint_eq(emb_tsv_nfields(rz), emb_tsv_nfields(rd));
        for (size_t c = 0; c < emb_tsv_nfields(rz); c++)
            ck_assert_str_eq(emb_tsv_field(rz, c), emb_tsv_field(rd, c));
    }
    ck_assert_uint_eq(lines, 51);
    emb_tsv_close(rz);
    emb_tsv_close(rd);

    /* Listing and probing. */
    char **dirs;
    size_t nd;
    ck_assert_int_eq(emb_archive_subdirs(az, "", &dirs, &nd), EMB_OK);
    ck_assert_uint_eq(nd, 2);
    ck_assert_str_eq(dirs[0], "emissions");
    ck_assert_str_eq(dirs[1], "factor_inputs");
    for (size_t i = 0; i < nd; i++)
        emb_free(dirs[i]);
    emb_free(dirs);
    ck_assert_int_eq(emb_archive_has(az, "emissions/F_Y.txt"), 1);
    ck_assert_int_eq(emb_archive_has(az, "emissions/"), 0);
    ck_assert_int_eq(emb_archive_has(az, "emissions/x.txt"), 0);
    ck_assert_int_eq(emb_archive_has(ad, "emissions/F_Y.txt"), 1);
    ck_assert_int_eq(emb_archive_has(ad, "emissions"), 0);
    ck_assert_int_eq(emb_bytesrc_open(az, "nope.txt", &s), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "pymrio-test-mrio.zip:nope.txt: no such member"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_bytesrc_open(ad, "emissions", &s), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "pymrio-test-mrio/emissions: not a regular file"), "%s", emb_errmsg());
    emb_archive_close(az);
    emb_archive_close(ad);
}
END_TEST

/* ------------------------------------------------------ the JSON parser */

static void json_bad(const char *text, const char *want)
{
    emb_json *v = (emb_json *)1;
    ck_assert_int_eq(emb_json_parse(text, strlen(text), "t.json", &v), EMB_EINPUT);
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(emb_errmsg(), want), "'%s': want '%s', got %s", text, want, emb_errmsg());
}

START_TEST(json_parser)
{
    const char *doc = "\xEF\xBB\xBF{\"a\": [1, -0.5e2, true, false, null, {}, []],\n"
                      " \"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\",\n"
                      " \"n\": {\"k\": \"v\"}}";
    emb_json *v = NULL;
    ck_assert_int_eq(emb_json_parse(doc, strlen(doc), "t.json", &v), EMB_OK);
    const emb_json *a = emb_json_get(v, "a");
    ck_assert_int_eq(a->type, EMB_JSON_ARRAY);
    ck_assert_uint_eq(a->n, 7);
    ck_assert(a->items[0].number == 1);
    ck_assert(a->items[1].number == -50);
    ck_assert_int_eq(a->items[2].boolean, 1);
    ck_assert_int_eq(a->items[3].type, EMB_JSON_BOOL);
    ck_assert_int_eq(a->items[3].boolean, 0);
    ck_assert_int_eq(a->items[4].type, EMB_JSON_NULL);
    ck_assert_int_eq(a->items[5].type, EMB_JSON_OBJECT);
    ck_assert_uint_eq(a->items[6].n, 0);
    ck_assert_str_eq(emb_json_str(emb_json_get(v, "s")), "x\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
    ck_assert_uint_eq(emb_json_get(v, "s")->line, 2);
    ck_assert_str_eq(emb_json_str(emb_json_get(emb_json_get(v, "n"), "k")), "v");
    ck_assert_ptr_null(emb_json_get(v, "missing"));
    ck_assert_ptr_null(emb_json_str(a));
    emb_json_free(v);

    json_bad("", "t.json: line 1: invalid JSON: expected a value, found end of file");
    json_bad("{\"a\": 1,}", "trailing comma");
    json_bad("[1, 2,\n]", "line 2: invalid JSON: trailing comma");
    json_bad("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"");
    json_bad("{\"a\" 1}", "expected ':'");
    json_bad("{a: 1}", "expected a key string");
    json_bad("[1 2]", "expected ',' or ']'");
    json_bad("\"abc", "no closing quote");
    json_bad("\"a\nb\"", "control character");
    json_bad("\"\\x\"", "invalid escape");
    json_bad("\"\\u12\"", "4 hex digits");
    json_bad("\"\\ud800\"", "unpaired UTF-16 surrogate");
    json_bad("\"\\u0000\"", "\\u0000");
    json_bad("01", "after the end of the document");
    json_bad("+1", "expected a value");
    json_bad("1.", "digits must follow '.'");
    json_bad("1e", "digits must follow the exponent");
    json_bad("tru", "unknown literal");
    json_bad("{} // comment", "after the end");
    json_bad("{}\n\n{}", "line 3: invalid JSON: unexpected '{'");
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[199] = '\0';
    json_bad(deep, "nesting deeper than 64");
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("import_pymrio_shared");
    Suite *s = suite_create("import_pymrio_shared");
    TCase *tc = tcase_create("import_pymrio");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_mrio_folder);
    tcase_add_test(tc, test_mrio_zip_equals_folder);
    tcase_add_test(tc, extension_filter);
    tcase_add_test(tc, wiod_real_data);
    tcase_add_test(tc, exiobase3_sample);
    tcase_add_test(tc, root_inside_one_folder);
    tcase_add_test(tc, crlf_and_no_final_newline);
    tcase_add_test(tc, x_txt_is_read);
    tcase_add_test(tc, broken_truncated_z);
    tcase_add_test(tc, broken_text_cell);
    tcase_add_test(tc, broken_missing_column);
    tcase_add_test(tc, broken_labels);
    tcase_add_test(tc, broken_files_and_paths);
    tcase_add_test(tc, alloc_failure_loop);
    tcase_add_test(tc, tsv_reader);
    tcase_add_test(tc, tsv_zip_member_streams);
    tcase_add_test(tc, json_parser);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
