/* tests/test_exiobase_shared.c — stressor selection (--stressors globs) of
 * the pymrio / EXIOBASE-3 importer, and the EXIOBASE-3 format sample in
 * detail: shapes, labels, exact values as printed in its text, x computed
 * from A (the sample has no x.txt, like the real downloads).  Reads
 * ../shared/testdata (pymrio's test MRIO and format-samples/exiobase3). */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "import/regions.h"
#include "testutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *shared; /* ../shared/testdata */

static emb_table *import_ok(const char *path, const emb_import_opts *opts)
{
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, opts, &t);
    ck_assert_msg(st == EMB_OK, "import %s: %s (%s)", path, emb_strerror(st), emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Import with these patterns; returns the table. */
static emb_table *import_pats(const char *path, size_t n, const char *const *pats)
{
    emb_import_opts o = {.stressor_patterns = pats, .n_stressor_patterns = n};
    return import_ok(path, &o);
}

/* Import with these patterns must fail with `want`, the message naming every part. */
static void import_pats_fail(const char *path, size_t n, const char *const *pats,
                             const emb_import_opts *base, emb_status want, const char *part1,
                             const char *part2)
{
    emb_import_opts o = base ? *base : (emb_import_opts){0};
    o.stressor_patterns = pats, o.n_stressor_patterns = n;
    emb_table *t = (emb_table *)1;
    emb_status st = emb_import_pymrio(path, &o, &t);
    ck_assert_msg(st == want, "status %d (%s), expected %d: %s", st, emb_strerror(st), want,
                  emb_errmsg());
    ck_assert_ptr_null(t);
    const char *m = emb_errmsg();
    ck_assert_msg(!part1 || strstr(m, part1), "message lacks '%s': %s", part1, m);
    ck_assert_msg(!part2 || strstr(m, part2), "message lacks '%s': %s", part2, m);
    ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
}

/* Stressor `s` of `sel` is stressor `f` of the full import `full`: same
 * name, unit, F row and F_Y row, bit for bit. */
static void same_stressor(const emb_table *sel, size_t s, const emb_table *full, size_t f)
{
    ck_assert_str_eq(sel->stressors[s], full->stressors[f]);
    ck_assert_str_eq(sel->stressor_units[s], full->stressor_units[f]);
    ck_assert(memcmp(sel->F + s * sel->N, full->F + f * full->N, full->N * sizeof(double)) == 0);
    ck_assert(memcmp(sel->F_Y + s * sel->n_y, full->F_Y + f * full->n_y,
                     full->n_y * sizeof(double)) == 0);
}

/* Everything but the stressors is the same as in the full import. */
static void same_core(const emb_table *a, const emb_table *b)
{
    ck_assert_uint_eq(a->N, b->N);
    ck_assert_uint_eq(a->n_y, b->n_y);
    ck_assert(memcmp(a->T, b->T, a->N * a->N * sizeof(double)) == 0);
    ck_assert(memcmp(a->Y, b->Y, a->N * a->n_y * sizeof(double)) == 0);
    ck_assert((a->x == NULL) == (b->x == NULL));
    if (a->x)
        ck_assert(memcmp(a->x, b->x, a->N * sizeof(double)) == 0);
}

/* ------------------------------------------------- stressor selection */

START_TEST(select_test_mrio)
{
    const char *dirs[] = {"pymrio-test-mrio", "pymrio-test-mrio.zip"};
    for (size_t d = 0; d < 2; d++) {
        const char *path = emb_test_pathf("%s/%s", shared, dirs[d]);
        emb_table *full = import_ok(path, NULL);
        ck_assert_uint_eq(full->k, 3);

        /* One extension by its prefix. */
        const char *p1[] = {"emissions/*"};
        emb_table *t = import_pats(path, 1, p1);
        ck_assert_uint_eq(t->k, 2);
        same_stressor(t, 0, full, 0);
        same_stressor(t, 1, full, 1);
        same_core(t, full);
        emb_table_free(t);

        /* '*' crosses '/': one stressor in the middle of the list. */
        const char *p2[] = {"*type2*"};
        t = import_pats(path, 1, p2);
        ck_assert_uint_eq(t->k, 1);
        ck_assert_str_eq(t->stressors[0], "emissions/emission_type2/water");
        same_stressor(t, 0, full, 1);
        ck_assert(t->F_Y[35] == 163362050); /* type2, reg6 households, from F_Y.txt */
        same_core(t, full);
        ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
        emb_table_free(t);

        /* Two patterns, given in reverse: file order is kept. */
        const char *p3[] = {"factor_inputs/*", "emissions/emission_type1/air"};
        t = import_pats(path, 2, p3);
        ck_assert_uint_eq(t->k, 2);
        same_stressor(t, 0, full, 0);
        same_stressor(t, 1, full, 2);
        emb_table_free(t);

        /* Overlapping patterns keep a stressor once; '*' keeps everything. */
        const char *p4[] = {"*", "emissions/*", "?actor_inputs/[V]alue Added"};
        t = import_pats(path, 3, p4);
        ck_assert_uint_eq(t->k, 3);
        for (size_t s = 0; s < 3; s++)
            same_stressor(t, s, full, s);
        emb_table_free(t);
        emb_table_free(full);
    }
}
END_TEST

START_TEST(select_errors)
{
    const char *path = emb_test_pathf("%s/pymrio-test-mrio", shared);
    /* A pattern matching nothing: named, with the closest names. */
    const char *p1[] = {"emissions/*", "emissions/CO2*"};
    import_pats_fail(path, 2, p1, NULL, EMB_EUSAGE, "pattern 'emissions/CO2*' matches none of the 3",
                     "e.g. 'emissions/emission_type1/air', 'emissions/emission_type2/water', "
                     "'factor_inputs/Value Added'");
    /* Names are matched whole: a bare stressor name needs its extension. */
    const char *p2[] = {"emission_type1/air"};
    import_pats_fail(path, 1, p2, NULL, EMB_EUSAGE, "'emission_type1/air'", "<extension>/");
    /* Case matters. */
    const char *p3[] = {"Emissions/*"};
    import_pats_fail(path, 1, p3, NULL, EMB_EUSAGE, "'Emissions/*'", NULL);
    /* A pattern for an extension that --extension left out matches nothing. */
    const char *ext[] = {"factor_inputs"};
    emb_import_opts o = {.extensions = ext, .n_extensions = 1};
    const char *p4[] = {"emissions/*"};
    import_pats_fail(path, 1, p4, &o, EMB_EUSAGE, "'emissions/*' matches none of the 1",
                     "'factor_inputs/Value Added'");
    /* The closest names come first: those sharing the literal prefix. */
    const char *p5[] = {"factor_inputs/Value added"};
    import_pats_fail(path, 1, p5, NULL, EMB_EUSAGE, "e.g. 'factor_inputs/Value Added', ", NULL);
}
END_TEST

START_TEST(select_alloc_failure_loop)
{
    /* Every allocation of a selecting import (and of its error path) may
     * fail: EMB_ENOMEM, no leak (CK_FORK=no under ASan), no crash. */
    const char *good[] = {"*type2*"}, *bad[] = {"nothing*"};
    for (int pass = 0; pass < 2; pass++) {
        emb_import_opts o = {.stressor_patterns = pass ? bad : good, .n_stressor_patterns = 1};
        emb_status final = pass ? EMB_EUSAGE : EMB_OK;
        long k;
        for (k = 0; k < 100000; k++) {
            emb_table *t = NULL;
            emb_alloc_fail_after(k);
            emb_status st = emb_import_pymrio(emb_test_pathf("%s/pymrio-test-mrio", shared), &o, &t);
            emb_alloc_fail_after(-1);
            if (st == final) {
                if (t)
                    ck_assert_uint_eq(t->k, 1);
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

/* ------------------------------------------------ the EXIOBASE sample */

/* (I - A) x = Y 1 to 1e-9, and x finite and >= 0. */
static void check_x_from_A(const emb_table *t)
{
    ck_assert_ptr_nonnull(t->x);
    for (size_t i = 0; i < t->N; i++) {
        ck_assert_msg(isfinite(t->x[i]) && t->x[i] >= 0, "x[%zu] = %g", i, t->x[i]);
        double r = t->x[i], y = 0;
        for (size_t j = 0; j < t->N; j++)
            r -= t->T[i * t->N + j] * t->x[j];
        for (size_t c = 0; c < t->n_y; c++)
            y += t->Y[i * t->n_y + c];
        EMB_ASSERT_CLOSE(r, y, 1e-9, 1e-9 * t->x[i] + 1e-9);
    }
}

START_TEST(exiobase3_sample_in_detail)
{
    emb_table *t = import_ok(emb_test_pathf("%s/format-samples/exiobase3", shared), NULL);
    /* Shapes: 6 regions x 8 sectors, 7 final-demand categories, 2 stressors. */
    ck_assert_int_eq(t->tech_kind, EMB_TECH_A);
    ck_assert_uint_eq(t->n_r, 6);
    ck_assert_uint_eq(t->n_s, 8);
    ck_assert_uint_eq(t->N, 48);
    ck_assert_uint_eq(t->n_f, 7);
    ck_assert_uint_eq(t->n_y, 42);
    ck_assert_uint_eq(t->k, 2);
    /* Labels. */
    const char *regions[] = {"AUS", "BRA", "FIN", "FRA", "KOR", "WWF"};
    for (size_t r = 0; r < 6; r++)
        ck_assert_str_eq(t->regions[r], regions[r]);
    ck_assert_str_eq(t->sectors[0], "food");
    ck_assert_str_eq(t->sectors[3], "electricity");
    ck_assert_str_eq(t->sectors[7], "other");
    ck_assert_str_eq(t->fd_categories[0], "Final consumption expenditure by households");
    ck_assert_str_eq(t->fd_categories[1], "Final consumption expenditure by non-profit "
                                          "organisations serving households (NPISH)");
    ck_assert_str_eq(t->fd_categories[6], "Export");
    ck_assert_str_eq(t->stressors[0], "satellite/emission_type1");
    ck_assert_str_eq(t->stressors[1], "satellite/emission_type2");
    ck_assert_str_eq(t->stressor_units[0], "kg");
    ck_assert_str_eq(t->stressor_units[1], "kg");
    ck_assert_str_eq(t->monetary_unit, "Mill USD");
    ck_assert_msg(strstr(t->source, "pymrio text layout: exio3_mock; x not in the input (no x.txt)"),
                  "%s", t->source);
    /* Exact values as printed (one strtod rounding each). */
    ck_assert(t->T[0] == 0.0990875448681);                /* A.txt line 4: AUS food, AUS food */
    ck_assert(t->T[1] == 0.00117934556248);
    ck_assert(t->T[47 * 48 + 0] == 0.000209171024366);    /* line 51: WWF other, AUS food */
    ck_assert(t->T[47 * 48 + 47] == 0.00237126236954);    /* WWF other, WWF other */
    ck_assert(t->Y[0] == 58180.65);                       /* Y.txt line 4 */
    ck_assert(t->Y[1] == 2.0384748);
    ck_assert(t->Y[47 * 42 + 0] == 3085101);              /* line 51 */
    ck_assert(t->Y[47 * 42 + 1] == 71.059472);
    ck_assert(t->F[0] == 1848064.8);                      /* satellite/F.txt line 3 */
    ck_assert(t->F[1] == 986448.09);
    ck_assert(t->F[47] == 21632868);
    ck_assert(t->F[48 + 0] == 139250.47);                 /* line 4 */
    ck_assert(t->F[48 + 47] == 16782553);
    ck_assert(t->F_Y[0] == 62335321);                     /* satellite/F_hh.txt line 7 */
    ck_assert(t->F_Y[42 + 0] == 59206405);                /* line 8 */
    ck_assert(t->F_Y[1] == 0);
    /* x: not in the sample, and importers never call the solver: absent
     * (emb_table_validate refuses such a table), computed by the caller. */
    ck_assert_ptr_null(t->x);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "needs /x"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    check_x_from_A(t);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);

    /* With patterns: the same core, the chosen stressor only. */
    const char *p[] = {"satellite/*2"};
    emb_table *s = import_pats(emb_test_pathf("%s/format-samples/exiobase3", shared), 1, p);
    ck_assert_uint_eq(s->k, 1);
    same_stressor(s, 0, t, 1);
    ck_assert_ptr_null(s->x);
    ck_assert_int_eq(emb_table_complete_x(s), EMB_OK);
    same_core(s, t);
    check_x_from_A(s);
    emb_table_free(s);

    const char *none[] = {"satellite/CO2 - combustion - air"};
    import_pats_fail(emb_test_pathf("%s/format-samples/exiobase3", shared), 1, none, NULL, EMB_EUSAGE,
                     "'satellite/CO2 - combustion - air' matches none of the 2",
                     "e.g. 'satellite/emission_type1', 'satellite/emission_type2'");
    emb_table_free(t);
}
END_TEST

START_TEST(exiobase3_sample_h5_round_trip)
{
    /* What `embodied import` writes reads back identical (A + computed x). */
    emb_table *t = import_ok(emb_test_pathf("%s/format-samples/exiobase3", shared), NULL);
    char *tmp = emb_test_tmpdir();
    char *h5 = emb_test_pathf("%s/exio.h5", tmp);
    /* The format needs x with A: an A table is written only once completed. */
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_EINPUT);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_OK);
    emb_table *r = NULL;
    ck_assert_msg(emb_table_read_h5(h5, EMB_READ_TECH_IN_MEMORY, &r) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(r->tech_kind, EMB_TECH_A);
    same_core(r, t);
    for (size_t s = 0; s < t->k; s++)
        same_stressor(r, s, t, s);
    emb_table_free(r);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Run the embodied binary with `args` (shell words); returns its exit code,
 * stderr in err[cap]. */
static int run_cli(const char *tmp, const char *args, char *err, size_t cap)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192], errf[4200];
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmp);
    snprintf(cmd, sizeof cmd, "'%s/embodied' %s >/dev/null 2>'%s'", b ? b : "build", args, errf);
    int rc = system(cmd);
    FILE *fp = fopen(errf, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(err, 1, cap - 1, fp);
    err[n] = '\0';
    fclose(fp);
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal", cmd);
    return WEXITSTATUS(rc);
}

START_TEST(cli_import_characterize)
{
    /* embodied import exiobase3 SAMPLE -o OUT --characterize CSV: the impact
     * row is written after the stressors; errors exit 2 / 3 / 5 with one
     * line and leave no output. */
    char *tmp = emb_test_tmpdir();
    char err[8192], args[8192], path[4200];
    const char *sample = emb_test_pathf("%s/format-samples/exiobase3", shared);
    snprintf(path, sizeof path, "%s/gwp.csv", tmp);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# test factors\nstressor,impact,factor,unit,stressor_unit\n"
          "satellite/emission_type1,total,1,kg eq,kg\n"
          "satellite/emission_type2,total,0.5,kg eq,kg\n", f);
    fclose(f);
    snprintf(args, sizeof args, "import exiobase3 '%s' -o '%s/out.h5' --characterize '%s'", sample,
             tmp, path);
    ck_assert_msg(run_cli(tmp, args, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "gwp.csv: impact 'total' [kg eq]"), "%s", err);
    emb_table *r = NULL, *t = import_ok(sample, NULL);
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/out.h5", tmp), EMB_READ_DEFAULT, &r), EMB_OK);
    /* The CLI completed x = (I - A)^-1 (Y 1) as the library does, bit for bit. */
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    ck_assert(memcmp(r->x, t->x, t->N * sizeof(double)) == 0);
    ck_assert_uint_eq(r->k, 3);
    ck_assert_str_eq(r->stressors[2], "total");
    ck_assert_str_eq(r->stressor_units[2], "kg eq");
    for (size_t c = 0; c < t->N; c++)
        ck_assert(r->F[2 * t->N + c] == t->F[c] + 0.5 * t->F[t->N + c]);
    for (size_t c = 0; c < t->n_y; c++)
        ck_assert(r->F_Y[2 * t->n_y + c] == t->F_Y[c] + 0.5 * t->F_Y[t->n_y + c]);
    emb_table_free(r);
    emb_table_free(t);
    remove(emb_test_pathf("%s/out.h5", tmp));

    /* --stressors dropped a stressor the file needs: exit 2, no output. */
    snprintf(args, sizeof args, "import pymrio '%s' -o '%s/out.h5' --stressors '*1' --characterize '%s'",
             sample, tmp, path);
    ck_assert_int_eq(run_cli(tmp, args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "gwp.csv: line 4, column 1 (stressor): 'satellite/emission_type2' "
                              "matches no stressor"), "%s", err);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    struct stat sb;
    ck_assert_int_ne(stat(emb_test_pathf("%s/out.h5", tmp), &sb), 0);
    /* A missing file: exit 5 before importing. */
    snprintf(args, sizeof args, "import pymrio '%s' -o '%s/out.h5' --characterize '%s/no.csv'",
             sample, tmp, tmp);
    ck_assert_int_eq(run_cli(tmp, args, err, sizeof err), 5);
    ck_assert_msg(strstr(err, "no.csv: cannot open the characterisation file"), "%s", err);
    /* A bad factor: exit 3. */
    f = fopen(path, "w");
    fputs("stressor,impact,factor\nsatellite/*,total,one\n", f);
    fclose(f);
    snprintf(args, sizeof args, "import pymrio '%s' -o '%s/out.h5' --characterize '%s'", sample,
             tmp, path);
    ck_assert_int_eq(run_cli(tmp, args, err, sizeof err), 3);
    ck_assert_msg(strstr(err, "line 2, column 3 (factor): 'one' is not a finite number"), "%s", err);
    ck_assert_int_ne(stat(emb_test_pathf("%s/out.h5", tmp), &sb), 0);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Defect: `import pymrio --help` promised to say when x is computed from A,
 * and nothing said so.  Now stderr says it before the solve, and the
 * table's source (written to the file) says it too; a table with x.txt
 * says neither. */
START_TEST(cli_says_x_is_computed)
{
    char *tmp = emb_test_tmpdir();
    char err[8192], args[8192];
    const char *sample = emb_test_pathf("%s/format-samples/exiobase3", shared);
    snprintf(args, sizeof args, "import exiobase3 '%s' -o '%s/out.h5'", sample, tmp);
    ck_assert_msg(run_cli(tmp, args, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "exiobase3: no gross output x (A without x.txt): computing x = "
                              "(I - A)^-1 (Y 1) with the Leontief solver (N = 48)\n"), "%s", err);
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/out.h5", tmp), EMB_READ_DEFAULT, &r), EMB_OK);
    ck_assert_msg(strstr(r->source, "x not in the input (no x.txt): x = (I - A)^-1 (Y 1) from the "
                                    "Leontief solver"), "%s", r->source);
    emb_table_free(r);
    /* A Z table (pymrio's test MRIO): x = Z 1 + Y 1 needs no solver, and
     * nothing is said. */
    snprintf(args, sizeof args, "import pymrio '%s/pymrio-test-mrio' -o '%s/z.h5'", shared, tmp);
    ck_assert_msg(run_cli(tmp, args, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(!strstr(err, "computing x"), "%s", err);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* pymrio's parse_exiobase3 renames the 3-letter codes of older EXIOBASE 3
 * releases (the sample's AUS ... WWF) to 2-letter ones; embodied does it on
 * request (--rename-regions exiobase3), with the same pairs, and keeps the
 * labels as spelled by default.  Everything but the region names is the
 * same import. */
START_TEST(rename_regions_exiobase3)
{
    const char *sample = emb_test_pathf("%s/format-samples/exiobase3", shared);
    emb_table *plain = import_ok(sample, NULL);
    ck_assert_str_eq(plain->regions[0], "AUS"); /* default: as spelled */
    emb_import_opts o = {.rename_regions = "exiobase3"};
    emb_table *t = import_ok(sample, &o);
    const char *want[] = {"AU", "BR", "FI", "FR", "KR", "WF"};
    for (size_t r = 0; r < 6; r++)
        ck_assert_str_eq(t->regions[r], want[r]);
    same_core(t, plain);
    for (size_t s = 0; s < t->k; s++)
        same_stressor(t, s, plain, s);
    ck_assert_msg(strstr(t->source, "regions renamed as pymrio's parse_exiobase3 does "
                                    "(--rename-regions exiobase3): 6"), "%s", t->source);
    emb_table_free(t);
    emb_table_free(plain);

    /* "" is no renaming; an unknown scheme is a usage error before reading. */
    o.rename_regions = "";
    t = import_ok(sample, &o);
    ck_assert_str_eq(t->regions[5], "WWF");
    emb_table_free(t);
    o.rename_regions = "iso2";
    t = (emb_table *)1;
    ck_assert_int_eq(emb_import_pymrio(sample, &o, &t), EMB_EUSAGE);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(emb_errmsg(), "--rename-regions 'iso2': unknown scheme (known: exiobase3"),
                  "%s", emb_errmsg());

    /* All 49 pairs, and codes outside them kept; a clash changes nothing. */
    static const char *from[] = {
        "AUS", "AUT", "BEL", "BGR", "BRA", "CAN", "CHE", "CHN", "CYP", "CZE", "DEU", "DNK", "ESP",
        "EST", "FIN", "FRA", "GBR", "GRC", "HRV", "HUN", "IDN", "IND", "IRL", "ITA", "JPN", "KOR",
        "LTU", "LUX", "LVA", "MEX", "MLT", "NLD", "NOR", "POL", "PRT", "ROM", "RUS", "SVK", "SVN",
        "SWE", "TUR", "TWN", "USA", "ZAF", "WWA", "WWE", "WWF", "WWL", "WWM", "ROU"};
    static const char *to[] = {
        "AU", "AT", "BE", "BG", "BR", "CA", "CH", "CN", "CY", "CZ", "DE", "DK", "ES",
        "EE", "FI", "FR", "GB", "GR", "HR", "HU", "ID", "IN", "IE", "IT", "JP", "KR",
        "LT", "LU", "LV", "MX", "MT", "NL", "NO", "PL", "PT", "RO", "RU", "SK", "SI",
        "SE", "TR", "TW", "US", "ZA", "WA", "WE", "WF", "WL", "WM", "ROU"};
    size_t nr = sizeof from / sizeof from[0], n = 0;
    ck_assert_int_eq(emb_table_create(nr, 1, 1, 0, EMB_TECH_Z, 0, &t), EMB_OK);
    for (size_t r = 0; r < nr; r++)
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, r, from[r]), EMB_OK);
    ck_assert_int_eq(emb_regions_rename(t, "exiobase3", "mem", &n), EMB_OK);
    ck_assert_uint_eq(n, 49);
    for (size_t r = 0; r < nr; r++)
        ck_assert_str_eq(t->regions[r], to[r]);
    emb_table_free(t);
    ck_assert_int_eq(emb_table_create(3, 1, 1, 0, EMB_TECH_Z, 0, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "DEU");
    emb_table_set_label(t, EMB_LABEL_REGION, 1, "AUS");
    emb_table_set_label(t, EMB_LABEL_REGION, 2, "AU");
    ck_assert_int_eq(emb_regions_rename(t, "exiobase3", "mem", &n), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "mem: --rename-regions exiobase3: region 'AUS' would become "
                                       "'AU', the name of region 'AU' too"), "%s", emb_errmsg());
    ck_assert_str_eq(t->regions[0], "DEU");
    ck_assert_str_eq(t->regions[1], "AUS");
    emb_table_free(t);

    /* The CLI option; refused for formats that do not offer it. */
    char *tmp = emb_test_tmpdir();
    char err[8192], args[8192];
    snprintf(args, sizeof args, "import exiobase3 '%s' -o '%s/r.h5' --rename-regions exiobase3",
             sample, tmp);
    ck_assert_msg(run_cli(tmp, args, err, sizeof err) == 0, "%s", err);
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/r.h5", tmp), EMB_READ_DEFAULT, &r), EMB_OK);
    ck_assert_str_eq(r->regions[5], "WF");
    emb_table_free(r);
    snprintf(args, sizeof args, "import gloria '%s' -o '%s/g.h5' --rename-regions exiobase3",
             sample, tmp);
    ck_assert_int_eq(run_cli(tmp, args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--rename-regions does not apply to format gloria"), "%s", err);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("exiobase_shared");
    Suite *s = suite_create("exiobase_shared");
    TCase *tc = tcase_create("exiobase");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, select_test_mrio);
    tcase_add_test(tc, select_errors);
    tcase_add_test(tc, select_alloc_failure_loop);
    tcase_add_test(tc, exiobase3_sample_in_detail);
    tcase_add_test(tc, exiobase3_sample_h5_round_trip);
    tcase_add_test(tc, cli_import_characterize);
    tcase_add_test(tc, cli_says_x_is_computed);
    tcase_add_test(tc, rename_regions_exiobase3);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
