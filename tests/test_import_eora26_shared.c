/* tests/test_import_eora26_shared.c — the Eora26 importer on
 * ../shared/testdata/format-samples/eora26 (folder, zips built here, a copy
 * with a Rest-of-World region added), on broken copies written into a
 * temporary folder (one defect each), and through the CLI.
 *
 * The sample holds pymrio's test MRIO in the Eora26 layout (T.txt is Z.txt of
 * pymrio-test-mrio without its labels), so the imported arrays must equal
 * the pymrio importer's, and the accounts pymrio's reference results. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zip.h>

static const char *shared; /* ../shared/testdata */
static char sample[4096];  /* .../format-samples/eora26 */

static const char *const files[] = {"Eora26_2010_bp_T.txt", "Eora26_2010_bp_FD.txt",
                                    "Eora26_2010_bp_Q.txt", "Eora26_2010_bp_QY.txt",
                                    "Eora26_2010_bp_VA.txt", "labels_T.txt", "labels_FD.txt",
                                    "labels_Q.txt", "labels_VA.txt"};
#define N_FILES (sizeof files / sizeof files[0])

/* ------------------------------------------------------------- helpers */

/* A fresh copy of the sample: returns the temporary folder (caller:
 * emb_test_rmtree + free); the copy is <tmp>/e. */
static char *fresh_copy(void)
{
    char *tmp = emb_test_tmpdir();
    ck_assert(tmp != NULL);
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/e", tmp), 0755), 0);
    for (size_t i = 0; i < N_FILES; i++) {
        size_t n;
        char *b = emb_test_slurp(emb_test_pathf("%s/%s", sample, files[i]), &n);
        emb_test_spit(emb_test_pathf("%s/e/%s", tmp, files[i]), b, n);
        free(b);
    }
    return tmp;
}

static void done_copy(char *tmp)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* Delete lines [from, to] (1-based) of file path. */
static void delete_lines(const char *path, int from, int to)
{
    size_t n;
    char *b = emb_test_slurp(path, &n);
    char *s = emb_test_line_start(b, from), *e = emb_test_line_start(b, to + 1);
    memmove(s, e, n - (size_t)(e - b) + 1);
    emb_test_spit(path, b, n - (size_t)(e - s));
    free(b);
}

/* Append `suffix` to every line of file path (lines end in '\n'), then the
 * line `extra` (with its '\n') when not NULL. */
static void append_to_lines(const char *path, const char *suffix, const char *extra)
{
    size_t n, ls = strlen(suffix);
    char *b = emb_test_slurp(path, &n);
    char *o = malloc(n * (1 + ls) + (extra ? strlen(extra) : 0) + 1), *w = o;
    for (char *p = b; *p; p++) {
        if (*p == '\n') {
            memcpy(w, suffix, ls);
            w += ls;
        }
        *w++ = *p;
    }
    if (extra) {
        memcpy(w, extra, strlen(extra));
        w += strlen(extra);
    }
    emb_test_spit(path, o, (size_t)(w - o));
    free(o);
    free(b);
}

static emb_table *import_ok(const char *path, const emb_import_opts *opts)
{
    emb_table *t = NULL;
    emb_status st = emb_import_eora26(path, opts, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s (%s)", path, emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Import must fail with `want` and a one-line message containing each part. */
static void import_fails_opts(const char *path, const emb_import_opts *opts, emb_status want,
                              const char *part1, const char *part2)
{
    emb_table *t = (emb_table *)1;
    emb_status st = emb_import_eora26(path, opts, &t);
    ck_assert_msg(st == want, "import %s: status %d (%s), expected %d; message: %s", path, st,
                  emb_strerror(st), want, emb_errmsg());
    ck_assert_ptr_null(t);
    const char *m = emb_errmsg();
    ck_assert_msg(!part1 || strstr(m, part1), "message lacks '%s': %s", part1, m);
    ck_assert_msg(!part2 || strstr(m, part2), "message lacks '%s': %s", part2, m);
    ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
}

static void import_fails(const char *path, emb_status want, const char *part1, const char *part2)
{
    import_fails_opts(path, NULL, want, part1, part2);
}

static void assert_same_tables(const emb_table *a, const emb_table *b)
{
    ck_assert_uint_eq(a->n_r, b->n_r);
    ck_assert_uint_eq(a->n_s, b->n_s);
    ck_assert_uint_eq(a->n_f, b->n_f);
    ck_assert_uint_eq(a->k, b->k);
    ck_assert(memcmp(a->T, b->T, a->N * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->Y, b->Y, a->N * a->n_y * sizeof(double)) == 0);
    ck_assert(memcmp(a->F, b->F, a->k * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->F_Y, b->F_Y, a->k * a->n_y * sizeof(double)) == 0);
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
    ck_assert_int_eq(a->year, b->year);
}

/* Every cell of data file `name` of folder dir, parsed here with strtod, must
 * be dst[i * ld + c] (no RoW in the sample: rows and columns map 1:1). */
static void compare_with_text(const char *dir, const char *name, const double *dst, size_t rows,
                              size_t cols, size_t ld)
{
    size_t n;
    char *b = emb_test_slurp(emb_test_pathf("%s/%s", dir, name), &n), *p = b;
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < cols; c++) {
            char *e;
            double v = strtod(p, &e);
            ck_assert_msg(e != p, "%s: no number at row %zu, column %zu", name, i + 1, c + 1);
            ck_assert_msg(*e == (c + 1 < cols ? '\t' : '\n'), "%s: row %zu, column %zu: bad "
                          "separator", name, i + 1, c + 1);
            ck_assert_msg(dst[i * ld + c] == v, "%s: row %zu, column %zu: %.17g imported, %.17g "
                          "in the text", name, i + 1, c + 1, dst[i * ld + c], v);
            p = e + 1;
        }
    ck_assert_msg(*p == '\0', "%s: more than %zu rows", name, rows);
    free(b);
}

/* --------------------------------------------------------- the sample */

static void check_sample(const emb_table *t)
{
    ck_assert_uint_eq(t->n_r, 6);
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->n_f, 7);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_uint_eq(t->N, 48);
    ck_assert_uint_eq(t->n_y, 42);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_ptr_nonnull(t->T);
    ck_assert_ptr_null(t->x); /* Z table: the solver uses Z 1 + Y 1 */
    ck_assert_int_eq(t->year, 2010);
    ck_assert_str_eq(t->monetary_unit, "1000 USD");
    ck_assert_str_eq(t->source, "Eora26 2010, basic prices (1000 USD); no Rest-of-World (ROW) entries");
    ck_assert_str_eq(t->regions[0], "reg1"); /* the ISO3 column, not "Region 1" */
    ck_assert_str_eq(t->regions[5], "reg6");
    ck_assert_str_eq(t->sectors[0], "food");
    ck_assert_str_eq(t->sectors[2], "manufactoring"); /* as the source spells it */
    ck_assert_str_eq(t->sectors[7], "other");
    ck_assert_str_eq(t->fd_categories[0], "Final consumption expenditure by households");
    ck_assert_str_eq(t->fd_categories[1], "Final consumption expenditure by non-profit "
                                          "organisations serving households (NPISH)");
    ck_assert_str_eq(t->fd_categories[6], "Export");
    ck_assert_str_eq(t->stressors[0], "I-GHG-CO2 emissions (kg)/emission_type1");
    ck_assert_str_eq(t->stressors[1], "I-GHG-CO2 emissions (kg)/emission_type2");
    ck_assert_str_eq(t->stressor_units[0], "kg");
    ck_assert_str_eq(t->stressor_units[1], "kg");
    /* Values read by hand from the sample (file: line, column). */
    ck_assert(t->T[0] == 23697.221);            /* T.txt 1, 1 */
    ck_assert(t->T[7 * 48 + 18] == 9186.0333);  /* T.txt 8, 19: reg1/other -> reg3/manufactoring */
    ck_assert(t->T[47 * 48 + 47] == 217075.92); /* T.txt 48, 48 */
    ck_assert(t->Y[0] == 58180.65);             /* FD.txt 1, 1 */
    ck_assert(t->Y[1 * 42 + 19] == 2.6813696E-06); /* FD.txt 2, 20 */
    ck_assert(t->F[0] == 1848064.8);            /* Q.txt 1, 1 */
    ck_assert(t->F[1 * 48 + 47] == 16782553);   /* Q.txt 2, 48 */
    ck_assert(t->F_Y[0] == 62335321);           /* QY.txt 1, 1 */
    ck_assert(t->F_Y[1 * 42 + 35] == 163362050); /* QY.txt 2, 36: reg6 households */
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
}

START_TEST(sample_folder)
{
    emb_table *t = import_ok(sample, NULL);
    check_sample(t);
    ck_assert_str_eq(t->path, sample);
    /* Every cell, against an independent parse of the text. */
    compare_with_text(sample, "Eora26_2010_bp_T.txt", t->T, 48, 48, 48);
    compare_with_text(sample, "Eora26_2010_bp_FD.txt", t->Y, 48, 42, 42);
    compare_with_text(sample, "Eora26_2010_bp_Q.txt", t->F, 2, 48, 48);
    compare_with_text(sample, "Eora26_2010_bp_QY.txt", t->F_Y, 2, 42, 42);
    emb_table_free(t);
}
END_TEST

START_TEST(sample_equals_pymrio_test_mrio)
{
    /* The same system in pymrio's layout: same arrays, bit for bit. */
    emb_table *e = import_ok(sample, NULL);
    emb_table *p = NULL;
    ck_assert_msg(emb_import_pymrio(emb_test_pathf("%s/pymrio-test-mrio", shared), NULL, &p) == EMB_OK, "%s",
                  emb_errmsg());
    ck_assert_uint_eq(p->N, e->N);
    ck_assert_uint_eq(p->n_y, e->n_y);
    ck_assert(memcmp(p->T, e->T, e->N * e->N * sizeof(double)) == 0);
    ck_assert(memcmp(p->Y, e->Y, e->N * e->n_y * sizeof(double)) == 0);
    ck_assert(memcmp(p->F, e->F, 2 * e->N * sizeof(double)) == 0); /* emissions rows */
    ck_assert(memcmp(p->F_Y, e->F_Y, 2 * e->n_y * sizeof(double)) == 0);
    for (size_t i = 0; i < e->n_r; i++)
        ck_assert_str_eq(p->regions[i], e->regions[i]);
    emb_table_free(p);
    emb_table_free(e);
}
END_TEST

START_TEST(sample_accounts_identities)
{
    emb_table *t = import_ok(sample, NULL);
    emb_accounts_opts o = {.identity_tol = 1e-10};
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(a->identity_error <= 1e-10, "identity_error %g", a->identity_error);
    double worst = -1;
    ck_assert_msg(emb_accounts_check(a, 1e-10, &worst) == EMB_OK, "%s", emb_errmsg());
    /* The identities written out (s = stressor, r = region). */
    for (size_t s = 0; s < t->k; s++) {
        double sumF = 0, sumFY = 0, pba = 0, cba = 0, un = 0;
        for (size_t i = 0; i < t->N; i++)
            sumF += t->F[s * t->N + i];
        for (size_t c = 0; c < t->n_y; c++)
            sumFY += t->F_Y[s * t->n_y + c];
        for (size_t r = 0; r < t->n_r; r++) {
            size_t sr = s * t->n_r + r;
            double rows = 0, cols = 0;
            for (size_t d = 0; d < t->n_r; d++) {
                rows += a->flows[(s * t->n_r + r) * t->n_r + d];
                cols += a->flows[(s * t->n_r + d) * t->n_r + r];
            }
            EMB_ASSERT_CLOSE(rows, a->pba[sr] - a->fy[sr], 1e-10, sumF);
            EMB_ASSERT_CLOSE(cols, a->cba[sr] - a->fy[sr], 1e-10, sumF);
            EMB_ASSERT_CLOSE(a->cba[sr], a->pba[sr] + a->imports[sr] - a->exports[sr], 1e-10, sumF);
            pba += a->pba[sr], cba += a->cba[sr], un += a->unallocated[sr];
        }
        EMB_ASSERT_CLOSE(pba, cba, 1e-10, 0);
        EMB_ASSERT_CLOSE(sumF + sumFY, pba + un, 1e-10, 0);
    }
    /* pymrio's D_cba_reg / D_pba_reg of the same system
     * (pymrio-test-mrio.reference/emissions_D_{cba,pba}_reg.csv, reg1 and reg6). */
    EMB_ASSERT_CLOSE(a->cba[0], 207752104.4316281, 1e-9, 0);
    EMB_ASSERT_CLOSE(a->cba[5], 824407840.666072, 1e-9, 0);
    EMB_ASSERT_CLOSE(a->pba[0], 153248596.58999997, 1e-9, 0);
    EMB_ASSERT_CLOSE(a->cba[t->n_r + 2], 375333542.2693976, 1e-9, 0); /* type2, reg3 */
    double v = 0;
    ck_assert_int_eq(emb_accounts_flow(a, t, 0, "reg1", "reg2", &v), EMB_OK);
    ck_assert(v > 0);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* --------------------------------------------------------------- zips */

/* Write zip `zpath` holding the sample's files under `prefix`, all or only
 * the data (Eora26_*) or only the labels (labels_*). */
static void make_zip(const char *zpath, const char *prefix, const char *only)
{
    int zerr = 0;
    zip_t *za = zip_open(zpath, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ck_assert_ptr_nonnull(za);
    for (size_t i = 0; i < N_FILES; i++) {
        if (only && strncmp(files[i], only, strlen(only)) != 0)
            continue;
        zip_source_t *src = zip_source_file(za, emb_test_pathf("%s/%s", sample, files[i]), 0, -1);
        ck_assert_ptr_nonnull(src);
        ck_assert_int_ge(zip_file_add(za, emb_test_pathf("%s%s", prefix, files[i]), src, ZIP_FL_ENC_UTF_8), 0);
    }
    ck_assert_int_eq(zip_close(za), 0);
}

START_TEST(zips_equal_folder)
{
    char *tmp = emb_test_tmpdir();
    emb_table *ref = import_ok(sample, NULL);

    make_zip(emb_test_pathf("%s/Eora26_2010_bp.zip", tmp), "", NULL);
    emb_table *t = import_ok(emb_test_pathf("%s/Eora26_2010_bp.zip", tmp), NULL);
    check_sample(t);
    assert_same_tables(ref, t);
    ck_assert_str_eq(t->path, emb_test_pathf("%s/Eora26_2010_bp.zip", tmp));
    emb_table_free(t);

    /* The files inside one top-level folder of the zip. */
    make_zip(emb_test_pathf("%s/nested.zip", tmp), "Eora26_2010_bp/", NULL);
    t = import_ok(emb_test_pathf("%s/nested.zip", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);

    /* Labels not in the data zip but in indices.zip beside it. */
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/dl", tmp), 0755), 0);
    make_zip(emb_test_pathf("%s/dl/Eora26_2010_bp.zip", tmp), "", "Eora26_");
    import_fails(emb_test_pathf("%s/dl/Eora26_2010_bp.zip", tmp), EMB_EINPUT,
                 "Eora26_2010_bp.zip:labels_T.txt: not found, and no indices.zip", "/dl/indices.zip");
    make_zip(emb_test_pathf("%s/dl/indices.zip", tmp), "", "labels_");
    t = import_ok(emb_test_pathf("%s/dl/Eora26_2010_bp.zip", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);

    /* A member cut short: the error names the zip, the member and the line. */
    size_t n;
    char *b = emb_test_slurp(emb_test_pathf("%s/Eora26_2010_bp_FD.txt", sample), &n);
    int zerr = 0;
    zip_t *za = zip_open(emb_test_pathf("%s/Eora26_2010_bp.zip", tmp), 0, &zerr);
    ck_assert_ptr_nonnull(za);
    zip_source_t *src = zip_source_buffer(za, b, n / 2, 0);
    ck_assert_int_ge(zip_file_add(za, "Eora26_2010_bp_FD.txt", src, ZIP_FL_OVERWRITE), 0);
    ck_assert_int_eq(zip_close(za), 0);
    free(b);
    import_fails(emb_test_pathf("%s/Eora26_2010_bp.zip", tmp), EMB_EINPUT,
                 "Eora26_2010_bp.zip:Eora26_2010_bp_FD.txt: line 24, column ", "missing cell");
    emb_table_free(ref);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Progress seen by a callback: calls, and whether T.txt reached its end. */
typedef struct seen {
    int calls, t_done;
} seen;

static void count_progress(void *ctx, const char *what, unsigned long long done,
                           unsigned long long total)
{
    seen *s = ctx;
    s->calls++;
    if (strstr(what, "Eora26_2010_bp_T.txt") && done == total && total == 23011)
        s->t_done = 1;
}

START_TEST(progress_is_reported)
{
    seen s = {0, 0};
    emb_import_opts o = {.progress = count_progress, .progress_ctx = &s};
    emb_table *t = import_ok(sample, &o);
    ck_assert_int_ge(s.calls, 7); /* once at the end of every file read */
    ck_assert_int_eq(s.t_done, 1);
    emb_table_free(t);
}
END_TEST

/* ---------------------------------------------------- Rest of World */

START_TEST(rest_of_world_is_dropped)
{
    /* The sample plus a RoW region as real Eora26 has it: one TOTAL sector
     * at the end of T, 7 final-demand columns at the end of FD.  Numbers are
     * chosen so the dropped sums are known: T's RoW column 1 in each of the
     * 48 other rows, its RoW row 2 x 49; FD's RoW columns 0.5 x 7 x 48, its
     * RoW row 3 x 49; Q's RoW column 5 (2 cells), QY's 1 (2 x 7 cells). */
    char *tmp = fresh_copy();
    const char *cats[] = {"Final consumption expenditure by households",
                          "Final consumption expenditure by non-profit organisations serving "
                          "households (NPISH)",
                          "Final consumption expenditure by government",
                          "Gross fixed capital formation", "Changes in inventories",
                          "Changes in valuables", "Export"};
    char fd_labels[4096] = "", row_T[1024] = "", row_FD[1024] = "";
    for (int c = 0; c < 7; c++)
        strcat(fd_labels, emb_test_pathf("Rest of World\tROW\tFinal Demand\t%s\n", cats[c]));
    for (int c = 0; c < 49; c++) {
        strcat(row_T, c ? "\t2" : "2");
        strcat(row_FD, c ? "\t3" : "3");
    }
    strcat(row_T, "\n");
    strcat(row_FD, "\n");
    append_to_lines(emb_test_pathf("%s/e/labels_T.txt", tmp), "", "Rest of World\tROW\tIndustries\tTOTAL\n");
    append_to_lines(emb_test_pathf("%s/e/labels_FD.txt", tmp), "", fd_labels);
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp), "\t1", row_T);
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), "\t0.5\t0.5\t0.5\t0.5\t0.5\t0.5\t0.5",
                    row_FD);
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_Q.txt", tmp), "\t5", NULL);
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp), "\t1\t1\t1\t1\t1\t1\t1", NULL);
    emb_table *ref = import_ok(sample, NULL);
    emb_table *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    assert_same_tables(ref, t);
    ck_assert_msg(strstr(t->source, "Rest of World (ROW: 1 row and column of T, 7 final-demand "
                                    "columns) dropped as pymrio does: T row 98, T column 48, FD "
                                    "row 147, FD columns 168 (1000 USD;"),
                  "%s", t->source);
    ck_assert_msg(strstr(t->source, "Q 2 and QY 14 non-zero cells"), "%s", t->source);
    emb_table_free(t);

    /* The RoW column of T is checked like any other. */
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp), '\t', 3, 49, "x");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: line 3, column 49: 'x' is "
                 "not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp), '\t', 3, 49, "1");
    /* RoW alone is no table. */
    emb_test_spits(emb_test_pathf("%s/e/labels_T.txt", tmp), "Rest of World\tROW\tIndustries\tTOTAL\n");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: no region besides ROW", NULL);
    emb_table_free(ref);
    done_copy(tmp);
}
END_TEST

/* -------------------------------------------------- stressor selection */

START_TEST(stressor_patterns)
{
    const char *two[] = {"*emission_type2"};
    emb_import_opts o = {.stressor_patterns = two, .n_stressor_patterns = 1};
    emb_table *ref = import_ok(sample, NULL);
    emb_table *t = import_ok(sample, &o);
    ck_assert_uint_eq(t->k, 1);
    ck_assert_str_eq(t->stressors[0], "I-GHG-CO2 emissions (kg)/emission_type2");
    ck_assert(memcmp(t->F, ref->F + ref->N, t->N * sizeof(double)) == 0);
    ck_assert(memcmp(t->F_Y, ref->F_Y + ref->n_y, t->n_y * sizeof(double)) == 0);
    emb_table_free(t);

    const char *both[] = {"I-GHG-CO2*type1", "*type2"};
    emb_import_opts o2 = {.stressor_patterns = both, .n_stressor_patterns = 2};
    t = import_ok(sample, &o2);
    assert_same_tables(ref, t);
    emb_table_free(t);

    const char *none[] = {"*type1", "CH4*"};
    emb_import_opts o3 = {.stressor_patterns = none, .n_stressor_patterns = 2};
    import_fails_opts(sample, &o3, EMB_EUSAGE, "labels_Q.txt: no stressor matches 'CH4*'",
                      "e.g. 'I-GHG-CO2 emissions (kg)/emission_type1'");
    emb_table_free(ref);
}
END_TEST

/* ------------------------------------------------ which files, which year */

START_TEST(files_and_prices)
{
    char *tmp = fresh_copy();
    const char *kinds[] = {"T", "FD", "Q", "QY", "VA"};
    /* Purchasers' prices only. */
    for (size_t k = 0; k < 5; k++)
        ck_assert_int_eq(rename(emb_test_pathf("%s/e/Eora26_2010_bp_%s.txt", tmp, kinds[k]),
                                emb_test_pathf("%s/e/Eora26_2010_pp_%s.txt", tmp, kinds[k])), 0);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "only purchasers' prices (Eora26_2010_pp_T.txt)",
                 "basic prices only");
    for (size_t k = 0; k < 5; k++)
        ck_assert_int_eq(rename(emb_test_pathf("%s/e/Eora26_2010_pp_%s.txt", tmp, kinds[k]),
                                emb_test_pathf("%s/e/Eora26_2010_bp_%s.txt", tmp, kinds[k])), 0);
    /* VA is not read. */
    ck_assert_int_eq(remove(emb_test_pathf("%s/e/Eora26_2010_bp_VA.txt", tmp)), 0);
    ck_assert_int_eq(remove(emb_test_pathf("%s/e/labels_VA.txt", tmp)), 0);
    emb_table *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    ck_assert_int_eq(t->year, 2010);
    emb_table_free(t);
    /* Two years in one folder. */
    emb_test_spits(emb_test_pathf("%s/e/Eora26_2011_bp_T.txt", tmp), "1\n");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "several years (Eora26_2010_bp_T.txt, "
                 "Eora26_2011_bp_T.txt)", NULL);
    ck_assert_int_eq(remove(emb_test_pathf("%s/e/Eora26_2011_bp_T.txt", tmp)), 0);
    /* A missing data file is an I/O error naming it. */
    ck_assert_int_eq(remove(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp)), 0);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EIO, "/e/Eora26_2010_bp_QY.txt", "No such file");
    /* Not an Eora26 folder at all (the copy is found inside one top-level
     * folder, so tmp itself would do). */
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/empty", tmp), 0755), 0);
    import_fails(emb_test_pathf("%s/empty", tmp), EMB_EINPUT, "/empty: no Eora26_YYYY_bp_T.txt at the top "
                 "or inside a top-level folder", NULL);
    import_fails(emb_test_pathf("%s/nope", tmp), EMB_EIO, "/nope", NULL);
    /* Labels missing from a folder. */
    ck_assert_int_eq(remove(emb_test_pathf("%s/e/labels_T.txt", tmp)), 0);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "/e/labels_T.txt: not found", NULL);
    done_copy(tmp);
}
END_TEST

/* ------------------------------------------------------ broken copies */

START_TEST(broken_truncated)
{
    char *tmp = fresh_copy();
    char *p = emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp);
    size_t n;
    char *b = emb_test_slurp(p, &n);
    size_t cut = n * 3 / 5;
    ck_assert(b[cut - 1] != '\n' && b[cut] != '\n' && b[cut - 1] != '\t'); /* mid-line */
    emb_test_spit(p, b, cut);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "/e/Eora26_2010_bp_T.txt: line ", "missing cell");
    /* Cut at a line end: rows are missing. */
    emb_test_spit(p, b, (size_t)(emb_test_line_start(b, 31) - b));
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: ends after line 30 with 30 "
                 "of the 48 rows (one per line of ", "/e/labels_T.txt)");
    emb_test_spit(p, b, n);
    free(b);
    /* An empty FD. */
    emb_test_spits(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), "");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_FD.txt: ends after line 0 with 0 of "
                 "the 48 rows", NULL);
    done_copy(tmp);
}
END_TEST

START_TEST(broken_text_cell)
{
    char *tmp = fresh_copy();
    char *T = emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp);
    emb_test_edit_cell(T, '\t', 7, 12, "abc");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "/e/Eora26_2010_bp_T.txt: line 7, column 12: 'abc' "
                 "is not a number", NULL);
    emb_test_edit_cell(T, '\t', 7, 12, "1.5e3x");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "line 7, column 12: '1.5e3x' is not a number", NULL);
    emb_test_edit_cell(T, '\t', 7, 12, "NaN");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "line 7, column 12: 'NaN' is not a finite number", NULL);
    emb_test_edit_cell(T, '\t', 7, 12, "1e999");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "line 7, column 12: '1e999' is not a finite number", NULL);
    emb_test_edit_cell(T, '\t', 7, 12, "");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: line 7, column 12: empty cell", NULL);
    emb_test_edit_cell(T, '\t', 7, 12, "12.5");
    emb_table *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    ck_assert(t->T[6 * 48 + 11] == 12.5);
    emb_table_free(t);
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), '\t', 40, 41, "n/a");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_FD.txt: line 40, column 41: 'n/a' "
                 "is not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), '\t', 40, 41, "0");
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_Q.txt", tmp), '\t', 2, 5, "1,5");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_Q.txt: line 2, column 5: '1,5' is "
                 "not a number", NULL);
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_Q.txt", tmp), '\t', 2, 5, "1.5");
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp), '\t', 1, 42, "inf");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_QY.txt: line 1, column 42: 'inf' is "
                 "not a finite number", NULL);
    done_copy(tmp);
}
END_TEST

START_TEST(broken_columns)
{
    char *tmp = fresh_copy();
    char *T = emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp);
    emb_test_edit_cell(T, '\t', 9, 30, NULL);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: line 9, column 48: missing "
                 "cell (expected 48 columns, one per line of ", "labels_T.txt, found 47)");
    emb_test_edit_cell(T, '\t', 9, 30, "1\t2\t3"); /* now one too many */
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: line 9, column 49: extra "
                 "cell (expected 48 columns", "found 49)");
    done_copy(tmp);
    /* A trailing tab is tolerated; CRLF and no final newline too. */
    tmp = fresh_copy();
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_Q.txt", tmp), "\t", NULL);
    size_t n;
    char *b = emb_test_slurp(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), &n), *o = malloc(2 * n), *w = o;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\n')
            *w++ = '\r';
        *w++ = b[i];
    }
    emb_test_spit(emb_test_pathf("%s/e/Eora26_2010_bp_FD.txt", tmp), o, (size_t)(w - o) - 2);
    free(o);
    free(b);
    emb_table *ref = import_ok(sample, NULL), *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    assert_same_tables(ref, t);
    emb_table_free(t);
    emb_table_free(ref);
    /* Rows beyond the labels, and text after a blank line. */
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp), "", "1\t2\n");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_QY.txt: line 3: more rows than the "
                 "2 lines of ", "labels_Q.txt");
    delete_lines(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp), 3, 3);
    append_to_lines(emb_test_pathf("%s/e/Eora26_2010_bp_QY.txt", tmp), "", "\n\n7\n");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_QY.txt: line 5: unexpected row "
                 "after the blank line", NULL);
    done_copy(tmp);
}
END_TEST

START_TEST(broken_labels)
{
    /* One sector line fewer: reg6 lists 7 sectors. */
    char *tmp = fresh_copy();
    delete_lines(emb_test_pathf("%s/e/labels_T.txt", tmp), 48, 48);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 41: region 'reg6' has 7 "
                 "sectors, 'reg1' has 8", NULL);
    /* A whole region fewer: consistent labels, but T has 48 columns. */
    delete_lines(emb_test_pathf("%s/e/labels_T.txt", tmp), 41, 47);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_FD.txt: line 36, column 2: region 'reg6' "
                 "is not in ", "labels_T.txt");
    delete_lines(emb_test_pathf("%s/e/labels_FD.txt", tmp), 36, 42);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_T.txt: line 1, column 41: extra "
                 "cell (expected 40 columns, one per line of ", "labels_T.txt, found 48)");
    done_copy(tmp);

    /* One stressor label fewer. */
    tmp = fresh_copy();
    delete_lines(emb_test_pathf("%s/e/labels_Q.txt", tmp), 2, 2);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "Eora26_2010_bp_Q.txt: line 2: more rows than the "
                 "1 lines of ", "labels_Q.txt");
    done_copy(tmp);

    /* One FD category more in reg1. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/e/labels_FD.txt", tmp), '\t', 8, 2, "reg1");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_FD.txt: line 8, column 4: final-demand "
                 "category 'Final consumption expenditure by households' appears twice in region "
                 "'reg1'", NULL);
    done_copy(tmp);

    /* Sectors in another order in reg3. */
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/e/labels_T.txt", tmp), '\t', 18, 4, "trade");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 18, column 4: expected sector "
                 "'mining' (every region lists the sectors of 'reg1' in the same order), found "
                 "'trade'", NULL);
    done_copy(tmp);

    /* Regions not grouped; FD regions in another order; a missing column. */
    tmp = fresh_copy();
    /* reg3's block cut short */
    emb_test_edit_cell(emb_test_pathf("%s/e/labels_T.txt", tmp), '\t', 20, 2, "reg4");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 17: region 'reg3' has 3 "
                 "sectors, 'reg1' has 8", NULL);
    for (int l = 17; l <= 24; l++) /* reg3's lines say reg1 */
        emb_test_edit_cell(emb_test_pathf("%s/e/labels_T.txt", tmp), '\t', l, 2, "reg1");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 17, column 2: region 'reg1' "
                 "appears again after other regions", NULL);
    done_copy(tmp);
    tmp = fresh_copy();
    for (int l = 8; l <= 14; l++)
        emb_test_edit_cell(emb_test_pathf("%s/e/labels_FD.txt", tmp), '\t', l, 2, "reg3");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_FD.txt: line 8, column 2: expected region "
                 "'reg2' (the regions of ", "labels_T.txt, in the same order), found 'reg3'");
    done_copy(tmp);
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/e/labels_T.txt", tmp), '\t', 5, 3, NULL);
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 5, column 4: expected 4 columns "
                 "(country, ISO3 code, 'Industries', sector), found 3", NULL);
    done_copy(tmp);
    tmp = fresh_copy();
    emb_test_edit_cell(emb_test_pathf("%s/e/labels_T.txt", tmp), '\t', 5, 2, "");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_T.txt: line 5, column 2: empty ISO3 code", NULL);
    done_copy(tmp);

    /* Two stressors of the same name. */
    tmp = fresh_copy();
    emb_test_spits(emb_test_pathf("%s/e/labels_Q.txt", tmp), "CO2 (Gg)\tTotal\nCO2 (Gg)\tTotal\t\n");
    import_fails(emb_test_pathf("%s/e", tmp), EMB_EINPUT, "labels_Q.txt: line 2: stressor 'CO2 (Gg)/Total' "
                 "appears twice", NULL);
    /* Units: parentheses at the end of the first cell, else "unknown". */
    emb_test_spits(emb_test_pathf("%s/e/labels_Q.txt", tmp), "Energy Usage ( TJ )\tNatural Gas\t\nPopulation\n");
    emb_table *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    ck_assert_str_eq(t->stressors[0], "Energy Usage ( TJ )/Natural Gas");
    ck_assert_str_eq(t->stressor_units[0], "TJ");
    ck_assert_str_eq(t->stressors[1], "Population");
    ck_assert_str_eq(t->stressor_units[1], "unknown");
    emb_table_free(t);
    done_copy(tmp);
}
END_TEST

START_TEST(number_formats)
{
    /* Numbers the fast path takes and those it leaves to strtod: the same
     * double as strtod either way. */
    const char *nums[] = {"0", "-0", "+7", ".5", "5.", "1.5E-06", "2.6813696E-06", "1e22", "1e23",
                          "0.1", "9007199254740993", "123456789012345678901", "4.9e-324",
                          "1.7976931348623157e308", "0.000000000000000000000000001", "-3.25e+2",
                          "1234567.8", "0.0014273614"};
    size_t nn = sizeof nums / sizeof nums[0];
    char *tmp = fresh_copy();
    for (size_t i = 0; i < nn; i++)
        emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp), '\t', 2, (int)i + 1, nums[i]);
    emb_table *t = import_ok(emb_test_pathf("%s/e", tmp), NULL);
    for (size_t i = 0; i < nn; i++) {
        double want = strtod(nums[i], NULL), got = t->T[1 * 48 + i];
        ck_assert_msg(memcmp(&want, &got, sizeof want) == 0, "'%s': %.17g, strtod %.17g", nums[i],
                      got, want);
    }
    emb_table_free(t);
    done_copy(tmp);
}
END_TEST

START_TEST(alloc_failure_loop)
{
    /* Every allocation of an import may fail: EMB_ENOMEM, no leak, no crash. */
    long k;
    for (k = 0; k < 100000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_import_eora26(sample, NULL, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            check_sample(t);
            emb_table_free(t);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "failure at allocation %ld: %s (%s)", k, emb_strerror(st),
                      emb_errmsg());
        ck_assert_ptr_null(t);
    }
    ck_assert_int_gt(k, 30);
}
END_TEST

/* ---------------------------------------------------------------- CLI */

/* Run `embodied ARGS` with stderr to <tmp>/err; returns the exit status. */
static int run_cli(const char *tmp, const char *args, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s/embodied' %s >'%s/out.txt' 2>'%s/err.txt'", b ? b : "build",
             args, tmp, tmp);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal", cmd);
    size_t n;
    *err = emb_test_slurp(emb_test_pathf("%s/err.txt", tmp), &n);
    return WEXITSTATUS(rc);
}

START_TEST(cli_round_trip)
{
    char *tmp = fresh_copy(), *err = NULL;
    int rc = run_cli(tmp, emb_test_pathf("import eora26 '%s' -o '%s/t.h5'", sample, tmp), &err);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, err);
    ck_assert_msg(strstr(err, "6 regions x 8 sectors (N = 48), 7 final-demand categories, 2 "
                              "stressors"), "%s", err);
    free(err);
    emb_table *h = NULL, *ref = import_ok(sample, NULL);
    ck_assert_msg(emb_table_read_h5(emb_test_pathf("%s/t.h5", tmp), 0, &h) == EMB_OK, "%s", emb_errmsg());
    ck_assert_str_eq(h->source, ref->source);
    ck_assert_str_eq(h->monetary_unit, "1000 USD");
    ck_assert_int_eq(h->year, 2010);
    ck_assert_str_eq(h->stressors[1], ref->stressors[1]);
    emb_table_free(h);
    emb_table_free(ref);
    rc = run_cli(tmp, emb_test_pathf("flows '%s/t.h5' --from reg1 --to reg2 --stressor "
                            "'I-GHG-CO2 emissions (kg)/emission_type1'", tmp), &err);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, err);
    free(err);
    /* Stressor selection, help, and a broken copy: exit 3, one line. */
    rc = run_cli(tmp, emb_test_pathf("import eora26 '%s' --stressors '*type2' -o '%s/t2.h5'", sample, tmp), &err);
    ck_assert_msg(rc == 0 && strstr(err, "1 stressors"), "rc %d: %s", rc, err);
    free(err);
    rc = run_cli(tmp, "import eora26 --help", &err);
    ck_assert_int_eq(rc, 0);
    free(err);
    emb_test_edit_cell(emb_test_pathf("%s/e/Eora26_2010_bp_T.txt", tmp), '\t', 3, 4, "oops");
    rc = run_cli(tmp, emb_test_pathf("import eora26 '%s/e' -o '%s/bad.h5'", tmp, tmp), &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "Eora26_2010_bp_T.txt: line 3, column 4: 'oops' is not a number") &&
                      strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
    free(err);
    struct stat sb;
    ck_assert_int_ne(stat(emb_test_pathf("%s/bad.h5", tmp), &sb), 0);
    done_copy(tmp);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("import_eora26_shared");
    snprintf(sample, sizeof sample, "%s/format-samples/eora26", shared);
    Suite *s = suite_create("import_eora26_shared");
    TCase *tc = tcase_create("import_eora26");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sample_folder);
    tcase_add_test(tc, sample_equals_pymrio_test_mrio);
    tcase_add_test(tc, sample_accounts_identities);
    tcase_add_test(tc, zips_equal_folder);
    tcase_add_test(tc, progress_is_reported);
    tcase_add_test(tc, rest_of_world_is_dropped);
    tcase_add_test(tc, stressor_patterns);
    tcase_add_test(tc, files_and_prices);
    tcase_add_test(tc, broken_truncated);
    tcase_add_test(tc, broken_text_cell);
    tcase_add_test(tc, broken_columns);
    tcase_add_test(tc, broken_labels);
    tcase_add_test(tc, number_formats);
    tcase_add_test(tc, alloc_failure_loop);
    tcase_add_test(tc, cli_round_trip);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
