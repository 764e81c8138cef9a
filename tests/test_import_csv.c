/* tests/test_import_csv.c — the CSV mode of the delimited-text reader (RFC
 * 4180 quoting, records spanning lines) and the plain-CSV importer on
 * datasets/csv-example (labels, exact values, accounts by hand, identities),
 * its zip / manifest / A + x / delimiter variants, broken copies written into
 * a temporary folder (one defect each), allocation failures, and the CLI. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "import/bytesrc.h"
#include "import/tsv.h"
#include "testutil.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zip.h>

/* ------------------------------------------------------------- helpers */

static const char *example(void) { return emb_test_src_path("datasets/csv-example"); }

static const char *const example_files[] = {"manifest.json", "Z.csv", "Y.csv", "F.csv", "F_Y.csv",
                                            "x.csv"};
#define N_EXAMPLE (sizeof example_files / sizeof *example_files)

/* A fresh copy of the example in a new temporary folder; the copy is <tmp>/m. */
static char *fresh_copy(void)
{
    char *tmp = emb_test_tmpdir();
    ck_assert(tmp != NULL);
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/m", tmp), 0755), 0);
    for (size_t i = 0; i < N_EXAMPLE; i++) {
        size_t n;
        char *b = emb_test_slurp(emb_test_pathf("%s/%s", example(), example_files[i]), &n);
        emb_test_spit(emb_test_pathf("%s/m/%s", tmp, example_files[i]), b, n);
        free(b);
    }
    return tmp;
}

/* Replace the whole text of a file. */
static void rewrite(const char *tmp, const char *file, const char *text)
{
    emb_test_spits(emb_test_pathf("%s/m/%s", tmp, file), text);
}

static emb_table *import_ok(const char *path, const emb_import_opts *opts)
{
    emb_table *t = NULL;
    emb_status st = emb_import_csv(path, opts, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s (%s)", path, emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

static void import_fails(const char *path, emb_status want, const char *part1, const char *part2)
{
    emb_table *t = (emb_table *)1;
    emb_status st = emb_import_csv(path, NULL, &t);
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
    ck_assert(memcmp(a->Y, b->Y, a->N * a->n_y * sizeof(double)) == 0);
    ck_assert(memcmp(a->F, b->F, a->k * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->F_Y, b->F_Y, a->k * a->n_y * sizeof(double)) == 0);
    for (size_t i = 0; i < a->n_r; i++)
        ck_assert_str_eq(a->regions[i], b->regions[i]);
    for (size_t i = 0; i < a->n_s; i++)
        ck_assert_str_eq(a->sectors[i], b->sectors[i]);
    for (size_t i = 0; i < a->k; i++) {
        ck_assert_str_eq(a->stressors[i], b->stressors[i]);
        ck_assert_str_eq(a->stressor_units[i], b->stressor_units[i]);
    }
}

/* ------------------------------------------------------ the CSV reader */

/* Open text as file t.csv in a fresh folder; CSV mode with `delim`. */
static emb_tsv *reader(const char *dir, const char *text, char delim, emb_archive **ar)
{
    emb_test_spits(emb_test_pathf("%s/t.csv", dir), text);
    ck_assert_int_eq(emb_archive_open(dir, ar), EMB_OK);
    emb_tsv *r = NULL;
    ck_assert_int_eq(emb_tsv_open_in(*ar, "t.csv", &r), EMB_OK);
    if (delim)
        emb_tsv_set_delim(r, delim);
    return r;
}

START_TEST(csv_reader_quoting)
{
    char *tmp = emb_test_tmpdir();
    emb_archive *ar;
    int have;
    /* Commas and doubled quotes inside quotes, an empty quoted field, a
     * record over three lines, CRLF, a last line without newline. */
    emb_tsv *r = reader(tmp, "a,\"b,c\",\"say \"\"hi\"\"\",\"\"\r\n"
                             "\"two\nlines\",x\r\n"
                             "\"three\r\nli\nnes\",\"\"\"\"\n"
                             "1,2", ',', &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_int_eq(have, 1);
    ck_assert_uint_eq(emb_tsv_nfields(r), 4);
    ck_assert_str_eq(emb_tsv_field(r, 0), "a");
    ck_assert_str_eq(emb_tsv_field(r, 1), "b,c");
    ck_assert_str_eq(emb_tsv_field(r, 2), "say \"hi\"");
    ck_assert_str_eq(emb_tsv_field(r, 3), "");
    ck_assert_uint_eq(emb_tsv_lineno(r), 1);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_str_eq(emb_tsv_field(r, 0), "two\nlines");
    ck_assert_str_eq(emb_tsv_field(r, 1), "x");
    ck_assert_uint_eq(emb_tsv_lineno(r), 2);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_str_eq(emb_tsv_field(r, 0), "three\r\nli\nnes");
    ck_assert_str_eq(emb_tsv_field(r, 1), "\"");
    ck_assert_uint_eq(emb_tsv_lineno(r), 4);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_uint_eq(emb_tsv_lineno(r), 7); /* line numbers count the lines inside quotes */
    double v;
    ck_assert_int_eq(emb_tsv_number(r, 1, &v), EMB_OK);
    ck_assert(v == 2);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_int_eq(have, 0);
    emb_tsv_close(r);
    emb_archive_close(ar);

    /* A tiny buffer forces refills inside quotes, at a quote, after "". */
    emb_test_spits(emb_test_pathf("%s/t.csv", tmp), "\"ab\"\"c\nd\",e\nf,\"g\"\n");
    ck_assert_int_eq(emb_archive_open(tmp, &ar), EMB_OK);
    for (size_t bs = 1; bs <= 8; bs++) {
        emb_bytesrc *src;
        ck_assert_int_eq(emb_bytesrc_open(ar, "t.csv", &src), EMB_OK);
        ck_assert_int_eq(emb_tsv_open(src, bs, 1024, &r), EMB_OK);
        emb_tsv_set_delim(r, ',');
        ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
        ck_assert_msg(!strcmp(emb_tsv_field(r, 0), "ab\"c\nd"), "bufsize %zu: '%s'", bs,
                      emb_tsv_field(r, 0));
        ck_assert_str_eq(emb_tsv_field(r, 1), "e");
        ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
        ck_assert_uint_eq(emb_tsv_lineno(r), 3);
        ck_assert_str_eq(emb_tsv_field(r, 1), "g");
        emb_tsv_close(r);
    }
    emb_archive_close(ar);

    /* Semicolons; a comma is then plain text. */
    r = reader(tmp, "a;\"b;c\";1,5\n", ';', &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_uint_eq(emb_tsv_nfields(r), 3);
    ck_assert_str_eq(emb_tsv_field(r, 1), "b;c");
    ck_assert_str_eq(emb_tsv_field(r, 2), "1,5");
    emb_tsv_close(r);
    emb_archive_close(ar);

    /* Tab mode (the default) is unchanged: commas are text. */
    r = reader(tmp, "a,b\t\"c\"\n", 0, &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_uint_eq(emb_tsv_nfields(r), 2);
    ck_assert_str_eq(emb_tsv_field(r, 0), "a,b");
    ck_assert_str_eq(emb_tsv_field(r, 1), "c");
    emb_tsv_close(r);
    emb_archive_close(ar);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(csv_reader_errors)
{
    char *tmp = emb_test_tmpdir();
    emb_archive *ar;
    int have;
    emb_tsv *r = reader(tmp, "a,b\nc,d\"e\n", ',', &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "t.csv: line 2, column 2: quote inside an unquoted field"),
                  "%s", emb_errmsg());
    emb_tsv_close(r);
    emb_archive_close(ar);

    r = reader(tmp, "a,b\n\"c,d\n\ne\n", ',', &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_OK);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "t.csv: line 2, column 1: quoted field has no closing quote"),
                  "%s", emb_errmsg());
    emb_tsv_close(r);
    emb_archive_close(ar);

    r = reader(tmp, "\"a\"b,c\n", ',', &ar);
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "line 1, column 1: text after the closing quote"), "%s",
                  emb_errmsg());
    emb_tsv_close(r);
    emb_archive_close(ar);

    /* An open quote cannot make the reader swallow the file unbounded. */
    emb_test_spits(emb_test_pathf("%s/t.csv", tmp), "x,\"abc\nmore,lines\nand more\n");
    ck_assert_int_eq(emb_archive_open(tmp, &ar), EMB_OK);
    emb_bytesrc *src;
    ck_assert_int_eq(emb_bytesrc_open(ar, "t.csv", &src), EMB_OK);
    ck_assert_int_eq(emb_tsv_open(src, 4, 8, &r), EMB_OK);
    emb_tsv_set_delim(r, ',');
    ck_assert_int_eq(emb_tsv_next(r, &have), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "line 1, column 2: the line is longer than 8 bytes") &&
                      strstr(emb_errmsg(), "quote left open"), "%s", emb_errmsg());
    emb_tsv_close(r);
    emb_archive_close(ar);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ------------------------------------------------------ the example */

static void check_example(const emb_table *t)
{
    ck_assert_uint_eq(t->n_r, 2);
    ck_assert_uint_eq(t->n_s, 2);
    ck_assert_uint_eq(t->n_f, 2);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_str_eq(t->regions[0], "CN");
    ck_assert_str_eq(t->regions[1], "EU27");
    ck_assert_str_eq(t->sectors[0], "coal");
    ck_assert_str_eq(t->sectors[1], "steel");
    ck_assert_str_eq(t->fd_categories[0], "households");
    ck_assert_str_eq(t->fd_categories[1], "investment");
    ck_assert_str_eq(t->stressors[0], "CO2");
    ck_assert_str_eq(t->stressors[1], "CH4");
    ck_assert_str_eq(t->stressor_units[0], "kt");
    ck_assert_str_eq(t->stressor_units[1], "t");
    ck_assert_str_eq(t->monetary_unit, "M.EUR");
    ck_assert_int_eq(t->year, 2020);
    ck_assert_str_eq(t->source, "plain CSV tables: csv-example: 2 regions x 2 sectors "
                                "(illustrative numbers)");
    /* Values as in the files (file, line, column). */
    ck_assert(t->T[0 * 4 + 1] == 20);  /* Z.csv 3,4: CN/coal -> CN/steel */
    ck_assert(t->T[0 * 4 + 3] == 30);  /* Z.csv 3,6 */
    ck_assert(t->T[2 * 4 + 1] == 40);  /* Z.csv 5,4 */
    ck_assert(t->Y[3 * 4 + 1] == -10); /* Y.csv 6,4: EU27/steel, CN investment */
    ck_assert(t->Y[2 * 4 + 2] == 250); /* Y.csv 5,5 */
    ck_assert(t->F[1 * 4 + 1] == 0.25); /* F.csv 4,4: CH4, CN/steel */
    ck_assert(t->F[0 * 4 + 2] == 80);
    ck_assert(t->F_Y[0 * 4 + 0] == 7);  /* F_Y.csv 3,3 */
    ck_assert(t->F_Y[0 * 4 + 2] == 3);
    ck_assert(t->F_Y[1 * 4 + 0] == 0);  /* CH4 has no F_Y row */
    ck_assert_ptr_nonnull(t->x);
    ck_assert(t->x[2] == 400);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
}

START_TEST(example_imports)
{
    emb_table *t = import_ok(example(), NULL);
    check_example(t);
    /* x.csv equals Z 1 + Y 1. */
    for (size_t i = 0; i < t->N; i++) {
        double s = 0;
        for (size_t c = 0; c < t->N; c++)
            s += t->T[i * t->N + c];
        for (size_t c = 0; c < t->n_y; c++)
            s += t->Y[i * t->n_y + c];
        ck_assert(s == t->x[i]);
    }
    /* Accounts: CO2 is the hand-solved system of test_accounts.c. */
    emb_accounts *a = NULL;
    emb_accounts_opts ao = {.identity_tol = 1e-10};
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_OK);
    EMB_ASSERT_CLOSE(a->pba[0], 57, 1e-12, 0);
    EMB_ASSERT_CLOSE(a->pba[1], 88, 1e-12, 0);
    EMB_ASSERT_CLOSE(a->cba[0], 57.5, 1e-12, 0);
    EMB_ASSERT_CLOSE(a->cba[1], 87.5, 1e-12, 0);
    EMB_ASSERT_CLOSE(a->imports[0], 15.3, 1e-12, 0);
    EMB_ASSERT_CLOSE(a->pba[2], 1.75, 1e-12, 0); /* CH4 CN: 1.5 + 0.25 */
    double worst = 1;
    ck_assert_int_eq(emb_accounts_check(a, 1e-10, &worst), EMB_OK);
    ck_assert(worst <= 1e-12);
    emb_accounts_free(a);
    emb_table_free(t);

    /* The manifest itself as PATH, under another name too. */
    t = import_ok(emb_test_pathf("%s/manifest.json", example()), NULL);
    check_example(t);
    emb_table_free(t);
    char *tmp = fresh_copy();
    ck_assert_int_eq(rename(emb_test_pathf("%s/m/manifest.json", tmp), emb_test_pathf("%s/m/table-2020.json", tmp)), 0);
    t = import_ok(emb_test_pathf("%s/m/table-2020.json", tmp), NULL);
    check_example(t);
    emb_table_free(t);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "no manifest.json", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(example_zip_and_variants)
{
    emb_table *ref = import_ok(example(), NULL);
    char *tmp = emb_test_tmpdir();
    int zerr = 0;
    zip_t *za = zip_open(emb_test_pathf("%s/t.zip", tmp), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ck_assert_ptr_nonnull(za);
    for (size_t i = 0; i < N_EXAMPLE; i++) {
        zip_source_t *src = zip_source_file(za, emb_test_pathf("%s/%s", example(), example_files[i]), 0, -1);
        ck_assert_ptr_nonnull(src);
        ck_assert_int_ge(zip_file_add(za, emb_test_pathf("csv-example/%s", example_files[i]), src, 0), 0);
    }
    ck_assert_int_eq(zip_close(za), 0);
    emb_table *t = import_ok(emb_test_pathf("%s/t.zip", tmp), NULL);
    check_example(t);
    assert_same_tables(ref, t);
    ck_assert(memcmp(ref->T, t->T, 16 * sizeof(double)) == 0);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);

    /* A + x, semicolons, quoted labels with the delimiter inside, an
     * index-name row (pandas), a BOM, CRLF, blank lines at the end. */
    tmp = fresh_copy();
    rewrite(tmp, "manifest.json", "{\"format\": \"embodied-csv\", \"A\": \"A.csv\", \"x\": \"x.csv\","
                                  " \"Y\": \"Y.csv\", \"F\": \"F.csv\", \"delimiter\": \";\"}\n");
    rewrite(tmp, "A.csv", "\xEF\xBB\xBFregion;;CN;CN;\"EU;27\";\"EU;27\"\r\n"
                          "sector;;coal;steel;coal;steel\r\n"
                          "region;sector;;;;\r\n"
                          "CN;coal;0;0.1;0;0.3\r\nCN;steel;0;0;0;0\r\n"
                          "\"EU;27\";coal;0;0.2;0;0.1\r\n\"EU;27\";steel;0;0;0;0\r\n\r\n");
    rewrite(tmp, "x.csv", "region;sector;x\nCN;coal;100\nCN;steel;200\n\"EU;27\";coal;400\n"
                          "\"EU;27\";steel;100\n");
    rewrite(tmp, "Y.csv", "region;;CN;\"EU;27\"\ncategory;;hh;hh\nCN;coal;40;10\nCN;steel;150;50\n"
                          "\"EU;27\";coal;50;300\n\"EU;27\";steel;-10;110\n");
    rewrite(tmp, "F.csv", "region;;CN;CN;\"EU;27\";\"EU;27\"\nsector;;coal;steel;coal;steel\n"
                          "\"CO2, fossil\";kt;10;40;80;5\n");
    t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_A);
    ck_assert_str_eq(t->regions[1], "EU;27");
    ck_assert_str_eq(t->stressors[0], "CO2, fossil");
    ck_assert(t->T[0 * 4 + 3] == 0.3);
    ck_assert(t->x[1] == 200);
    ck_assert_ptr_null(t->monetary_unit);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    EMB_ASSERT_CLOSE(a->pba[0], 50, 1e-12, 0); /* no F_Y here */
    EMB_ASSERT_CLOSE(a->cba[0], 50.5, 1e-12, 0);
    emb_accounts_free(a);
    emb_table_free(t);
    /* A without x. */
    rewrite(tmp, "manifest.json", "{\"format\": \"embodied-csv\", \"A\": \"A.csv\", \"Y\": \"Y.csv\","
                                  " \"F\": \"F.csv\", \"delimiter\": \";\"}\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "manifest.json: line 1: no \"x\"", NULL);
    emb_table_free(ref);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(stressor_selection)
{
    const char *ch4[] = {"CH*"};
    emb_import_opts o = {.stressor_patterns = ch4, .n_stressor_patterns = 1};
    emb_table *t = import_ok(example(), &o);
    ck_assert_uint_eq(t->k, 1);
    ck_assert_str_eq(t->stressors[0], "CH4");
    ck_assert(t->F[1] == 0.25);
    ck_assert(t->F_Y[0] == 0); /* F_Y's CO2 row skipped with CO2 */
    emb_table_free(t);
    const char *bad[] = {"CO2", "N2O"};
    emb_import_opts o2 = {.stressor_patterns = bad, .n_stressor_patterns = 2};
    t = (emb_table *)1;
    ck_assert_int_eq(emb_import_csv(example(), &o2, &t), EMB_EUSAGE);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(emb_errmsg(), "F.csv: stressor pattern 'N2O' matches no stressor "
                                       "(available: CO2, CH4)"), "%s", emb_errmsg());
    emb_import_opts o3 = {.stressors_csv = "co2.csv"};
    ck_assert_int_eq(emb_import_csv(example(), &o3, &t), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "plain CSV tables give theirs in F"), "%s", emb_errmsg());
}
END_TEST

/* ------------------------------------------------------ broken copies */

START_TEST(broken_truncated)
{
    char *tmp = fresh_copy();
    char *p = emb_test_pathf("%s/m/Z.csv", tmp);
    size_t n;
    char *b = emb_test_slurp(p, &n);
    char *cut = strstr(b, "EU27,coal,0,4"); /* mid-line: "EU27,coal,0,4" */
    emb_test_spit(p, b, (size_t)(cut - b) + 13);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Z.csv: line 5, column 5: missing cell",
                 "expected 6 fields: 2 index + 4 data columns, found 4");
    emb_test_spit(p, b, (size_t)(cut - b)); /* at a line end */
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: ends after line 4 with 2 of the 4 "
                 "(region, sector) rows", NULL);
    emb_test_spit(p, b, 10); /* inside the header */
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: ends after line 1; expected a second "
                 "header row (sector labels)", NULL);
    emb_test_spit(p, "", 0);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: empty file", NULL);
    free(b);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_text_cell)
{
    char *tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 5, "abc");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Z.csv: line 4, column 5: 'abc' is not a number",
                 NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 5, "");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 4, column 5: empty cell", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 5, "nan");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 4, column 5: 'nan' is not a finite", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 5, "0");
    /* a decimal comma: one cell too many */
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 6, "1,5");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F.csv: line 4, column 7: extra cell", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 6, "0");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 7, NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Y.csv", tmp), ',', 6, 3, "x1");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Y.csv: line 6, column 3: 'x1' is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/Y.csv", tmp), ',', 6, 3, "0");
    emb_test_edit_cell(emb_test_pathf("%s/m/x.csv", tmp), ',', 3, 3, "two hundred");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "x.csv: line 3, column 3: 'two hundred'", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/x.csv", tmp), ',', 3, 3, "200");
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 4, "-");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F_Y.csv: line 3, column 4: '-' is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 4, "0");
    emb_table *t = import_ok(emb_test_pathf("%s/m", tmp), NULL);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_missing_column)
{
    char *tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/m/Y.csv", tmp), ',', 4, 4, NULL);
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Y.csv: line 4, column 6: missing cell",
                 "expected 6 fields: 2 index + 4 data columns, found 5");
    emb_test_rmtree(tmp);
    free(tmp);
    /* A whole column gone from F: EU27 has one sector fewer. */
    tmp = fresh_copy();
    rewrite(tmp, "F.csv", "region,,CN,CN,EU27\nsector,,coal,steel,coal\nCO2,kt,10,40,80\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F.csv: line 1, column 5: region 'EU27' has 1 "
                 "columns, region 'CN' has 2", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_labels)
{
    char *tmp = fresh_copy();
    /* Y lists one region fewer than Z. */
    rewrite(tmp, "Y.csv", "region,,CN,CN\ncategory,,households,investment\nCN,coal,30,10\n"
                          "CN,steel,100,50\nEU27,coal,50,0\nEU27,steel,0,-10\n");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "/m/Y.csv: line 1: the columns list 1 regions",
                 "Z.csv has 2");
    emb_test_rmtree(tmp);
    free(tmp);

    tmp = fresh_copy();
    /* rows out of order */
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 2, "coal");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 4, column 2: expected sector 'steel'",
                 "found 'coal'");
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 4, 2, "steel");
    /* second block renames a sector */
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 2, 6, "iron");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 2, column 6: expected sector 'steel'",
                 "found 'iron'");
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 2, 6, "steel");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 1, 5, "EU28");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 1, 6, "EU28");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F.csv: line 1, column 5: expected region 'EU27'",
                 "found 'EU28'");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 1, 5, "EU27");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 1, 6, "EU27");
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 1, "N2O");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F_Y.csv: line 3, column 1: stressor 'N2O' is not "
                 "in F.csv", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 1, "CO2");
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 2, "Mt");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F_Y.csv: line 3, column 2: unit 'Mt' of stressor "
                 "'CO2' differs from 'kt'", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F_Y.csv", tmp), ',', 3, 2, "kt");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 1, "CO2");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F.csv: line 4, column 1: stressor 'CO2' appears "
                 "twice", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 1, "CH4");
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 2, "");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "F.csv: line 4, column 2: empty unit", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/m/F.csv", tmp), ',', 4, 2, "t");
    /* CN again after EU27 */
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 1, 5, "CN");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 1, column 6: region 'EU27' has 1 "
                 "columns", NULL);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(broken_manifest)
{
    char *tmp = fresh_copy();
    const struct {
        const char *text, *msg;
        emb_status st;
    } cases[] = {
        {"{\"format\": \"embodied-csv\", \"Z\": \"Z.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\",\n"
         " \"F_y\": \"F_Y.csv\"}", "manifest.json: line 2: unknown key \"F_y\"", EMB_EINPUT},
        {"{\"Z\": \"Z.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\"}",
         "line 1: \"format\" must be \"embodied-csv\"", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"version\": 2, \"Z\": \"Z.csv\"}",
         "\"version\" must be 1", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"Z\": \"Z.csv\", \"Y\": \"Y.csv\"}", "no \"F\"", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"Z\": \"Z.csv\", \"A\": \"Z.csv\", \"Y\": \"Y.csv\"}",
         "give \"Z\" or \"A\", not both", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"Z\": \"Z2.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\"}",
         "\"Z\" names", EMB_EIO},
        {"{\"format\": \"embodied-csv\", \"Z\": \"../Z.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\"}",
         "must be a path inside", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"delimiter\": \",,\", \"Z\": \"Z.csv\"}",
         "\"delimiter\" must be one character", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"year\": \"2020\", \"Z\": \"Z.csv\"}",
         "\"year\" must be a whole number", EMB_EINPUT},
        /* Beyond int's range and infinite (found by fuzz_csv): refused, not
         * converted (undefined behaviour). */
        {"{\"format\": \"embodied-csv\", \"year\": 2e20, \"Z\": \"Z.csv\"}",
         "\"year\" must be a whole number", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"year\": -1e999, \"Z\": \"Z.csv\"}",
         "\"year\" must be a whole number", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\", \"year\": 2020.5, \"Z\": \"Z.csv\"}",
         "\"year\" must be a whole number", EMB_EINPUT},
        {"{\"format\": \"embodied-csv\",}", "manifest.json: line 1", EMB_EINPUT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rewrite(tmp, "manifest.json", cases[i].text);
        import_fails(emb_test_pathf("%s/m", tmp), cases[i].st, cases[i].msg, NULL);
    }
    /* A manifest with a wrong delimiter: the header has one field. */
    rewrite(tmp, "manifest.json", "{\"format\": \"embodied-csv\", \"delimiter\": \";\", \"Z\": "
                                  "\"Z.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\"}");
    import_fails(emb_test_pathf("%s/m", tmp), EMB_EINPUT, "Z.csv: line 1: expected 2 index columns and then data "
                 "columns, found 1 field",
                 "is the delimiter right?");
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Every allocation failing in turn: EMB_ENOMEM, nothing leaked (ASan). */
START_TEST(allocation_failures)
{
    long k;
    for (k = 0; k < 100000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_import_csv(example(), NULL, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            check_example(t);
            emb_table_free(t);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s (%s)", k, emb_strerror(st), emb_errmsg());
        ck_assert_ptr_null(t);
    }
    ck_assert_int_gt(k, 10);
}
END_TEST

/* ------------------------------------------------------------- the CLI */

START_TEST(cli_round_trip)
{
    char *tmp = emb_test_tmpdir();
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s/embodied' import csv '%s' -o '%s/t.h5' 2>'%s/err' && "
             "'%s/embodied' accounts '%s/t.h5' -q --csv '%s/out' 2>>'%s/err'",
             b ? b : "build", example(), tmp, tmp, b ? b : "build", tmp, tmp, tmp);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s failed", cmd);
    size_t n;
    char *csv = emb_test_slurp(emb_test_pathf("%s/out/accounts.csv", tmp), &n);
    ck_assert_msg(strstr(csv, "\nCO2,kt,CN,57,57.5,") && strstr(csv, "\nCO2,kt,EU27,88,87.5,"),
                  "%s", csv);
    free(csv);
    char *err = emb_test_slurp(emb_test_pathf("%s/err", tmp), &n);
    ck_assert_msg(strstr(err, "2 regions x 2 sectors (N = 4), 2 final-demand categories, 2 "
                              "stressors"), "%s", err);
    free(err);
    /* A broken copy: exit 3, one line naming file, line and column. */
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/m", tmp), 0755), 0);
    for (size_t i = 0; i < N_EXAMPLE; i++) {
        char *f = emb_test_slurp(emb_test_pathf("%s/%s", example(), example_files[i]), &n);
        emb_test_spit(emb_test_pathf("%s/m/%s", tmp, example_files[i]), f, n);
        free(f);
    }
    emb_test_edit_cell(emb_test_pathf("%s/m/Z.csv", tmp), ',', 3, 3, "zero");
    snprintf(cmd, sizeof cmd, "'%s/embodied' import csv '%s/m' -o '%s/u.h5' 2>'%s/err'",
             b ? b : "build", tmp, tmp, tmp);
    rc = system(cmd);
    ck_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 3);
    err = emb_test_slurp(emb_test_pathf("%s/err", tmp), &n);
    ck_assert_msg(strstr(err, "embodied: ") && strstr(err, "/m/Z.csv: line 3, column 3: 'zero' is "
                  "not a number") && strchr(err, '\n') == err + n - 1, "%s", err);
    free(err);
    struct stat sb;
    ck_assert_int_ne(stat(emb_test_pathf("%s/u.h5", tmp), &sb), 0);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("import_csv");
    TCase *tc = tcase_create("csv");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, csv_reader_quoting);
    tcase_add_test(tc, csv_reader_errors);
    tcase_add_test(tc, example_imports);
    tcase_add_test(tc, example_zip_and_variants);
    tcase_add_test(tc, stressor_selection);
    tcase_add_test(tc, broken_truncated);
    tcase_add_test(tc, broken_text_cell);
    tcase_add_test(tc, broken_missing_column);
    tcase_add_test(tc, broken_labels);
    tcase_add_test(tc, broken_manifest);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, cli_round_trip);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
