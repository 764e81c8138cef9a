/* tests/test_cli_compute.c — the command line computes only what is asked
 * and adds what users expect (issue 11, "what users expect" 5 and 6):
 * `accounts --stressor PATTERN` solves and writes only the matching
 * stressors (numbers equal to the full run's), `characterize` adds impact
 * rows to an existing table as a new table (never in place; a factor file
 * for another table is exit 3 naming both sets of names), per-capita and
 * intensity accounts with `--population` and a population stored in the
 * table. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;
static char exe[4096];

static void setup(void)
{
    tmp = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmp);
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(exe, sizeof exe, "%s/embodied", b ? b : "build");
}

static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* Run `embodied ARGS` (in tmp) with stdout to tmp/stdout.txt; the exit
 * status, stderr in *err (malloc'd). */
static int run(const char *args, char **err)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >stdout.txt 2>stderr.txt", tmp, exe, args);
    int rc = system(cmd);
    size_t len;
    *err = emb_test_slurp(emb_test_pathf("%s/stderr.txt", tmp), &len);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) < 126, "%s: killed or not run: %s", cmd, *err);
    return WEXITSTATUS(rc);
}

static char *out_text(void)
{
    size_t len;
    return emb_test_slurp(emb_test_pathf("%s/stdout.txt", tmp), &len);
}

static int exists(const char *rel)
{
    struct stat sb;
    return stat(emb_test_pathf("%s/%s", tmp, rel), &sb) == 0;
}

/* The value of column `col` (0-based) of the accounts.csv row of stressor
 * `s` and region `r` in dir, or NAN. */
static double csv_value(const char *dir, const char *s, const char *r, int col)
{
    size_t len;
    char *text = emb_test_slurp(emb_test_pathf("%s/%s/accounts.csv", tmp, dir), &len);
    char want[512];
    snprintf(want, sizeof want, "\n%s,", s);
    double v = NAN;
    for (char *p = strstr(text, want); p && isnan(v); p = strstr(p + 1, want)) {
        char line[4096], *cells[16];
        size_t n = strcspn(p + 1, "\n");
        if (n >= sizeof line)
            continue;
        memcpy(line, p + 1, n);
        line[n] = '\0';
        int nc = 0;
        for (char *q = line; nc < 16;) {
            cells[nc++] = q;
            char *c = strchr(q, ',');
            if (!c)
                break;
            *c = '\0';
            q = c + 1;
        }
        if (nc > 2 && strcmp(cells[2], r) == 0 && col < nc)
            v = strtod(cells[col], NULL);
    }
    free(text);
    return v;
}

static void synth(const char *name, int k)
{
    char *err;
    int rc = run(emb_test_pathf("synth -r 4 --sectors 5 -k %d --seed 11 -o %s", k, name), &err);
    ck_assert_msg(rc == 0, "synth: %s", err);
    free(err);
}

/* --stressor restricts the computation: accounts.csv, results.h5 and the
 * summary hold only the matching stressors, with the full run's numbers;
 * the stderr report counts the stressors solved. */
START_TEST(stressor_restricts_the_computation)
{
    synth("t.h5", 4);
    char *err;
    ck_assert_int_eq(run("accounts t.h5 -q --csv full", &err), 0);
    free(err);
    ck_assert_msg(run("accounts t.h5 --stressor e3 -s 'E*1' --csv sub -o sub.h5", &err) == 0, "%s",
                  err);
    ck_assert_msg(strstr(err, "N = 20, 2 stressors"), "%s", err);
    free(err);
    char *text = out_text();
    ck_assert_msg(strstr(text, "E1 [kt]") && strstr(text, "E3 [kt]") && !strstr(text, "E2 ") &&
                      !strstr(text, "E4 "), "%s", text);
    free(text);
    size_t len;
    text = emb_test_slurp(emb_test_pathf("%s/sub/accounts.csv", tmp), &len);
    ck_assert_msg(!strstr(text, "\nE2,") && !strstr(text, "\nE4,") && strstr(text, "\nE3,"), "%s",
                  text);
    free(text);
    text = emb_test_slurp(emb_test_pathf("%s/sub/flows.csv", tmp), &len);
    ck_assert_msg(!strstr(text, "\nE2,") && strstr(text, "\nE1,"), "%s", text);
    free(text);
    static const char *regions[] = {"R001", "R002", "R003", "R004"};
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < 4; r++)
            for (int c = 3; c <= 8; c++) {
                const char *sn = s ? "E3" : "E1";
                double f = csv_value("full", sn, regions[r], c),
                       g = csv_value("sub", sn, regions[r], c);
                ck_assert_msg(!isnan(f) && fabs(f - g) <= 1e-15 * fmax(fabs(f), 1e-300) * 4,
                              "%s %s col %d: %.17g vs %.17g", sn, regions[r], c, g, f);
            }
    hid_t f = H5Fopen(emb_test_pathf("%s/sub.h5", tmp), H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t d = H5Dopen2(f, "M", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[2];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], 2);
    ck_assert_uint_eq(dims[1], 20);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
}
END_TEST

/* A pattern matching nothing is a one-line usage error listing the table's
 * stressors, before any work and with no output; an ambiguous
 * case-insensitive name too. */
START_TEST(stressor_matching_nothing)
{
    synth("t.h5", 3);
    char *err;
    ck_assert_int_eq(run("accounts t.h5 -s CO2 -o r.h5", &err), 2);
    ck_assert_msg(strstr(err, "no stressor 'CO2'; the closest are 'E2', 'E1', 'E3'"), "%s", err);
    ck_assert(!exists("r.h5"));
    free(err);
    ck_assert_int_eq(run("accounts t.h5 -s 'X*' -q", &err), 2);
    free(err);
    /* Case-insensitive glob when the case-sensitive one finds nothing. */
    ck_assert_msg(run("accounts t.h5 -s 'e[12]' -s 'e*3' -q", &err) == 2, "%s", err);
    free(err);
    ck_assert_msg(run("accounts t.h5 -s 'e*3' -q", &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "1 stressor:"), "%s", err);
    free(err);
}
END_TEST

static void write_factors(const char *name, const char *body)
{
    emb_test_spits(emb_test_pathf("%s/%s", tmp, name), body);
}

/* characterize adds the impacts as rows of F and F_Y of a new table: the
 * input is unchanged, T and Y are copied bit for bit, the impact rows are
 * the weighted sums; the accounts of the new table give the impact's PBA as
 * factor x the stressor's. */
START_TEST(characterize_adds_impact_rows)
{
    synth("t.h5", 3);
    write_factors("f.csv", "stressor,impact,factor,unit,stressor_unit\n"
                           "E1,GHG,1,kt CO2-eq,kt\n"
                           "E2,GHG,28,kt CO2-eq,kt\n"
                           "E3,Three,3,,\n");
    char *err;
    ck_assert_msg(run("characterize t.h5 f.csv -o c.h5", &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "impact GHG [kt CO2-eq] added") &&
                      strstr(err, "wrote c.h5: 5 stressors (3 of the table, 2 impacts)"), "%s", err);
    free(err);
    emb_table *a = NULL, *b = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/t.h5", tmp), EMB_READ_TECH_IN_MEMORY, &a),
                     EMB_OK);
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/c.h5", tmp), EMB_READ_TECH_IN_MEMORY, &b),
                     EMB_OK);
    ck_assert_uint_eq(a->k, 3);
    ck_assert_uint_eq(b->k, 5);
    ck_assert_str_eq(b->stressors[3], "GHG");
    ck_assert_str_eq(b->stressor_units[3], "kt CO2-eq");
    ck_assert_str_eq(b->stressors[4], "Three");
    ck_assert_str_eq(b->stressor_units[4], "kt");
    size_t N = a->N, ny = a->n_y;
    ck_assert(memcmp(a->T, b->T, N * N * sizeof(double)) == 0);
    ck_assert(memcmp(a->Y, b->Y, N * ny * sizeof(double)) == 0);
    ck_assert(memcmp(a->F, b->F, 3 * N * sizeof(double)) == 0);
    for (size_t i = 0; i < N; i++) {
        ck_assert(b->F[3 * N + i] == 1 * a->F[i] + 28 * a->F[N + i]);
        ck_assert(b->F[4 * N + i] == 3 * a->F[2 * N + i]);
    }
    for (size_t c = 0; c < ny; c++)
        ck_assert(b->F_Y[3 * ny + c] == 1 * a->F_Y[c] + 28 * a->F_Y[ny + c]);
    emb_table_free(a);
    emb_table_free(b);
    ck_assert_msg(run("accounts c.h5 -q --csv acc -s Three -s E3", &err) == 0, "%s", err);
    free(err);
    for (int r = 1; r <= 4; r++) {
        const char *reg = emb_test_pathf("R00%d", r);
        double e3 = csv_value("acc", "E3", reg, 3), three = csv_value("acc", "Three", reg, 3);
        EMB_ASSERT_CLOSE(three, 3 * e3, 1e-14, 1e-300);
        e3 = csv_value("acc", "E3", reg, 4), three = csv_value("acc", "Three", reg, 4);
        EMB_ASSERT_CLOSE(three, 3 * e3, 1e-13, 1e-300);
    }
}
END_TEST

/* The shipped factors (IPCC AR6 GWP100 for EXIOBASE 3) on the demo table
 * and on a generated table: no row matches, exit 3, one line naming the
 * file's patterns and the table's stressors, no output.  Output = input is
 * refused even with --force, and the input is left as it was. */
START_TEST(characterize_refusals)
{
    synth("t.h5", 2);
    char *gwp = strdup(emb_test_src_path("datasets/characterization/ipcc_ar6_gwp100.csv"));
    char *demo = strdup(emb_test_src_path("datasets/demo.h5"));
    char *err;
    ck_assert_int_eq(run(emb_test_pathf("characterize '%s' '%s' -o c.h5", demo, gwp), &err), 3);
    ck_assert_msg(strstr(err, "no stressor of") && strstr(err, "demo.h5 matches this "
                                                             "characterisation file") &&
                      strstr(err, "it expects '*/CO2 - combustion - air'") &&
                      strstr(err, "(11 patterns); the table has 'co2/CO2/air'"), "%s", err);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    ck_assert(!exists("c.h5"));
    free(err);
    ck_assert_int_eq(run(emb_test_pathf("characterize t.h5 '%s' -o c.h5", gwp), &err), 3);
    ck_assert_msg(strstr(err, "the table has 'E1', 'E2'"), "%s", err);
    ck_assert(!exists("c.h5"));
    free(err);
    free(gwp);
    free(demo);
    /* Output = input: refused before anything is read; the table intact. */
    size_t len0, len1;
    char *before = emb_test_slurp(emb_test_pathf("%s/t.h5", tmp), &len0);
    write_factors("f.csv", "stressor,impact,factor\nE1,X,2\n");
    ck_assert_int_eq(run("characterize t.h5 f.csv -o t.h5 --force", &err), 2);
    ck_assert_msg(strstr(err, "the output is the input"), "%s", err);
    free(err);
    ck_assert_int_eq(run("characterize t.h5 f.csv -o ./t.h5", &err), 2);
    free(err);
    char *after = emb_test_slurp(emb_test_pathf("%s/t.h5", tmp), &len1);
    ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
    free(before);
    free(after);
    /* Usage: no -o, missing operands. */
    ck_assert_int_eq(run("characterize t.h5 f.csv", &err), 2);
    ck_assert_msg(strstr(err, "-o OUT.h5 is required"), "%s", err);
    free(err);
    ck_assert_int_eq(run("characterize t.h5 -o x.h5", &err), 2);
    free(err);
    /* An existing output without --force: refused, kept. */
    emb_test_spits(emb_test_pathf("%s/old.h5", tmp), "old");
    ck_assert_int_eq(run("characterize t.h5 f.csv -o old.h5", &err), 2);
    free(err);
    ck_assert_msg(run("characterize t.h5 f.csv -o old.h5 --force", &err) == 0, "%s", err);
    free(err);
    ck_assert_int_eq(run("characterize --help", &err), 0);
    free(err);
    char *text = out_text();
    ck_assert(strstr(text, "Usage: embodied characterize TABLE.h5 FACTORS.csv -o OUT.h5"));
    free(text);
}
END_TEST

/* --population FILE: the per-capita columns in accounts.csv and the summary,
 * per capita x population = the account (1e-12, from the CSV's shortest
 * round-trip numbers); a table that stores /population gives them without
 * the option, and the option replaces it; a bad file is exit 3 with one
 * line and no output. */
START_TEST(population_option_and_stored)
{
    synth("t.h5", 2);
    emb_test_spits(emb_test_pathf("%s/pop.csv", tmp),
                   "region,population\nR004,4e6\nR001,1e6\nR002,2e6\nR003,3e6\n");
    char *err;
    ck_assert_msg(run("accounts t.h5 --population pop.csv --csv c -g G=R001,R002", &err) == 0, "%s",
                  err);
    ck_assert_msg(strstr(err, "per capita: population of 4 regions from pop.csv"), "%s", err);
    free(err);
    char *text = out_text();
    ck_assert_msg(strstr(text, "PBA/cap") && strstr(text, "/cap: kt per person"), "%s", text);
    free(text);
    static const char *units[] = {"R001", "R002", "R003", "R004", "G"};
    static const double persons[] = {1e6, 2e6, 3e6, 4e6, 3e6};
    for (int u = 0; u < 5; u++) {
        ck_assert(csv_value("c", "E1", units[u], 9) == persons[u]);
        double pba = csv_value("c", "E2", units[u], 3), cba = csv_value("c", "E2", units[u], 4);
        EMB_ASSERT_CLOSE(csv_value("c", "E2", units[u], 10) * persons[u], pba, 1e-12, 0);
        EMB_ASSERT_CLOSE(csv_value("c", "E2", units[u], 11) * persons[u], cba, 1e-12, 0);
    }
    /* Stored in the table: no option needed; the option replaces it. */
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/t.h5", tmp), EMB_READ_TECH_IN_MEMORY, &t),
                     EMB_OK);
    const double pop[4] = {10, 20, 30, 40};
    ck_assert_int_eq(emb_table_set_population(t, pop), EMB_OK);
    ck_assert_int_eq(emb_table_write_h5(t, emb_test_pathf("%s/tp.h5", tmp), NULL), EMB_OK);
    emb_table_free(t);
    ck_assert_msg(run("info tp.h5", &err) == 0, "%s", err);
    free(err);
    char *info = out_text();
    ck_assert_msg(strstr(info, "population               4 regions, 100 persons in all"), "%s", info);
    free(info);
    ck_assert_msg(run("accounts tp.h5 -q --csv d", &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "population of 4 regions from the table"), "%s", err);
    free(err);
    ck_assert(csv_value("d", "E1", "R003", 9) == 30);
    ck_assert_msg(run("accounts tp.h5 -q --csv e --population pop.csv", &err) == 0, "%s", err);
    free(err);
    ck_assert(csv_value("e", "E1", "R003", 9) == 3e6);
    /* characterize keeps the population. */
    emb_test_spits(emb_test_pathf("%s/f.csv", tmp), "stressor,impact,factor\nE1,X,2\n");
    ck_assert_msg(run("characterize tp.h5 f.csv -o tpc.h5", &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(run("accounts tpc.h5 -q --csv g -s X", &err) == 0, "%s", err);
    free(err);
    ck_assert(csv_value("g", "X", "R003", 9) == 30);
    /* Faults: exit 3, one line naming the file and line, no output. */
    emb_test_spits(emb_test_pathf("%s/bad.csv", tmp), "region,population\nR001,1e6\nR009,5\n");
    ck_assert_int_eq(run("accounts t.h5 --population bad.csv -o r.h5", &err), 3);
    ck_assert_msg(strstr(err, "bad.csv: line 3, column 1: unknown region 'R009'") &&
                      strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
    ck_assert(!exists("r.h5"));
    free(err);
    ck_assert_int_eq(run("accounts t.h5 --population missing.csv -q", &err), 5);
    free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_compute");
    TCase *tc = tcase_create("cli_compute");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stressor_restricts_the_computation);
    tcase_add_test(tc, stressor_matching_nothing);
    tcase_add_test(tc, characterize_adds_impact_rows);
    tcase_add_test(tc, characterize_refusals);
    tcase_add_test(tc, population_option_and_stored);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
