/* tests/test_groups.c — the shipped region groups (datasets/groups/) against
 * the label sets they claim and against the definitions (written out here
 * independently of the files): each file opens with a comment giving its
 * source and date, every member is a region of its database (EXIOBASE 3:
 * the 49 codes of pymrio's renaming; ISO3: the 65 regions of the OECD ICIO
 * 2018 release, a superset of every group's members), the members are the
 * definition's, translated to the database's codes, minus those the file
 * says the database lacks; and `--groups NAME` on accounts, flows, spa and
 * cbam picks the file that fits the table's regions.  WIOD's real label set
 * is checked in test_groups_shared.c. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *EU27[] = {"AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN",
                             "FRA", "DEU", "GRC", "HUN", "IRL", "ITA", "LVA", "LTU", "LUX",
                             "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE", NULL};
static const char *EU28[] = {"AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA",
                             "DEU", "GRC", "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD",
                             "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE", "GBR", NULL};
static const char *OECD[] = {"AUS", "AUT", "BEL", "CAN", "CHL", "COL", "CRI", "CZE", "DNK", "EST",
                             "FIN", "FRA", "DEU", "GRC", "HUN", "ISL", "IRL", "ISR", "ITA", "JPN",
                             "KOR", "LVA", "LTU", "LUX", "MEX", "NLD", "NZL", "NOR", "POL", "PRT",
                             "SVK", "SVN", "ESP", "SWE", "CHE", "TUR", "GBR", "USA", NULL};
static const char *BRICS[] = {"BRA", "RUS", "IND", "CHN", "ZAF", NULL};

/* OECD ICIO, 2018 release: 64 economies and ROW (CN1/CN2, MX1/MX2 merged). */
static const char *ICIO2018[] = {
    "ARG", "AUS", "AUT", "BEL", "BGR", "BRA", "BRN", "CAN", "CHE", "CHL", "CHN", "COL", "CRI",
    "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HKG", "HRV", "HUN",
    "IDN", "IND", "IRL", "ISL", "ISR", "ITA", "JPN", "KAZ", "KHM", "KOR", "LTU", "LUX", "LVA",
    "MAR", "MEX", "MLT", "MYS", "NLD", "NOR", "NZL", "PER", "PHL", "POL", "PRT", "ROU", "RUS",
    "SAU", "SGP", "SVK", "SVN", "SWE", "THA", "TUN", "TUR", "TWN", "USA", "VNM", "ZAF", "ROW", NULL};

/* EXIOBASE 3's 49 regions as pymrio names them (ISO3 -> code). */
static const char *EXIO[][2] = {
    {"AUS", "AU"}, {"AUT", "AT"}, {"BEL", "BE"}, {"BGR", "BG"}, {"BRA", "BR"}, {"CAN", "CA"},
    {"CHE", "CH"}, {"CHN", "CN"}, {"CYP", "CY"}, {"CZE", "CZ"}, {"DEU", "DE"}, {"DNK", "DK"},
    {"ESP", "ES"}, {"EST", "EE"}, {"FIN", "FI"}, {"FRA", "FR"}, {"GBR", "GB"}, {"GRC", "GR"},
    {"HRV", "HR"}, {"HUN", "HU"}, {"IDN", "ID"}, {"IND", "IN"}, {"IRL", "IE"}, {"ITA", "IT"},
    {"JPN", "JP"}, {"KOR", "KR"}, {"LTU", "LT"}, {"LUX", "LU"}, {"LVA", "LV"}, {"MEX", "MX"},
    {"MLT", "MT"}, {"NLD", "NL"}, {"NOR", "NO"}, {"POL", "PL"}, {"PRT", "PT"}, {"ROU", "RO"},
    {"RUS", "RU"}, {"SVK", "SK"}, {"SVN", "SI"}, {"SWE", "SE"}, {"TUR", "TR"}, {"TWN", "TW"},
    {"USA", "US"}, {"ZAF", "ZA"}, {NULL, "WA"}, {NULL, "WE"}, {NULL, "WF"}, {NULL, "WL"},
    {NULL, "WM"}};
#define N_EXIO (sizeof EXIO / sizeof EXIO[0])

static char *tmp;
static void setup(void) { tmp = emb_test_tmpdir(); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* A table of n one-sector regions (labels) that solves: Z = 0.1 on the
 * diagonal, Y = 1, F = 1. */
static emb_table *table_of(const char *const *labels, size_t n)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(n, 1, 1, 1, EMB_TECH_Z, 1, &t), EMB_OK);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, i, labels[i]), EMB_OK);
        t->T[i * n + i] = 0.1;
        t->Y[i * n + i] = 1;
        t->F[i] = 1 + (double)i;
    }
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "all"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "hh"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "CO2"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt"), EMB_OK);
    return t;
}

static const char *exio_code(const char *iso3)
{
    for (size_t i = 0; i < N_EXIO; i++)
        if (EXIO[i][0] && !strcmp(EXIO[i][0], iso3))
            return EXIO[i][1];
    return NULL;
}

/* The shipped file `name` added to t: one new group `group` whose members
 * are exactly def (translated by code(), NULL = not in the database), and a
 * first line naming the source and date. */
static void check_file(emb_table *t, const char *name, const char *group, const char *const *def,
                       const char *(*code)(const char *))
{
    const char *path = emb_test_src_path(emb_test_pathf("datasets/groups/%s.csv", name));
    size_t len;
    char *text = emb_test_slurp(path, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(text[0] == '#' && strstr(text, "source: ") && strstr(text, ", as of 20"),
                  "%s: opens with its source and date", name);
    ck_assert_msg(strstr(text, "\ngroup,member\n"), "%s: header", name);
    free(text);
    size_t g0 = t->n_groups;
    ck_assert_msg(emb_table_add_groups_file(t, path) == EMB_OK, "%s: %s", name, emb_errmsg());
    ck_assert_uint_eq(t->n_groups, g0 + 1);
    const emb_group *g = &t->groups[g0];
    ck_assert_str_eq(g->name, group);
    size_t want = 0;
    for (size_t i = 0; def[i]; i++) {
        const char *c = code ? code(def[i]) : def[i];
        if (!c)
            continue;
        int found = 0;
        for (size_t m = 0; m < g->n; m++)
            found |= !strcmp(t->regions[g->members[m]], c);
        ck_assert_msg(found, "%s: %s (%s) missing", name, c, def[i]);
        want++;
    }
    ck_assert_msg(g->n == want, "%s: %zu members, the definition %zu", name, g->n, want);
}

START_TEST(test_exiobase3_files)
{
    const char *labels[N_EXIO];
    for (size_t i = 0; i < N_EXIO; i++)
        labels[i] = EXIO[i][1];
    emb_table *t = table_of(labels, N_EXIO);
    check_file(t, "eu27_exiobase3", "EU27", EU27, exio_code);
    check_file(t, "oecd_exiobase3", "OECD", OECD, exio_code);
    check_file(t, "brics_exiobase3", "BRICS", BRICS, exio_code);
    ck_assert_uint_eq(t->groups[0].n, 27);
    ck_assert_uint_eq(t->groups[1].n, 32); /* CHL COL CRI ISL ISR NZL are in EXIOBASE's RoW */
    ck_assert_uint_eq(t->groups[2].n, 5);
    emb_table_free(t);
    t = table_of(labels, N_EXIO);
    check_file(t, "eu28_exiobase3", "EU28", EU28, exio_code);
    ck_assert_uint_eq(t->groups[0].n, 28);
    ck_assert_int_ge(emb_table_region_index(t, "GB"), 0);
    emb_table_free(t);
}
END_TEST

START_TEST(test_iso3_files)
{
    size_t n = 0;
    while (ICIO2018[n])
        n++;
    emb_table *t = table_of(ICIO2018, n);
    check_file(t, "eu27_iso3", "EU27", EU27, NULL);
    check_file(t, "oecd_iso3", "OECD", OECD, NULL);
    check_file(t, "brics_iso3", "BRICS", BRICS, NULL);
    ck_assert_uint_eq(t->groups[0].n, 27);
    ck_assert_uint_eq(t->groups[1].n, 38);
    ck_assert_uint_eq(t->groups[2].n, 5);
    emb_table_free(t);
    t = table_of(ICIO2018, n);
    check_file(t, "eu28_iso3", "EU28", EU28, NULL);
    ck_assert_uint_eq(t->groups[0].n, 28);
    emb_table_free(t);
}
END_TEST

static int cli(const char *args, char **out, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/embodied' %s >out.txt 2>err.txt", tmp,
             b ? b : "build", args);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed", cmd);
    size_t n;
    *out = emb_test_slurp(emb_test_pathf("%s/out.txt", tmp), &n);
    *err = emb_test_slurp(emb_test_pathf("%s/err.txt", tmp), &n);
    return WEXITSTATUS(rc);
}

/* --groups NAME picks the shipped file that fits the table, on every
 * subcommand that takes groups; a file path works as before. */
START_TEST(test_cli_picks_fitting_file)
{
    const char *labels[N_EXIO];
    for (size_t i = 0; i < N_EXIO; i++)
        labels[i] = EXIO[i][1];
    emb_table *t = table_of(labels, N_EXIO);
    ck_assert_int_eq(emb_table_write_h5(t, emb_test_pathf("%s/exio.h5", tmp), NULL), EMB_OK);
    emb_table_free(t);
    size_t n = 0;
    while (ICIO2018[n])
        n++;
    t = table_of(ICIO2018, n);
    ck_assert_int_eq(emb_table_write_h5(t, emb_test_pathf("%s/icio.h5", tmp), NULL), EMB_OK);
    emb_table_free(t);
    char *o, *e;
    ck_assert_int_eq(cli("accounts exio.h5 --groups eu27 --groups oecd --csv c1", &o, &e), 0);
    ck_assert_msg(strstr(e, "eu27_exiobase3.csv (EU27: 27 regions)") &&
                      strstr(e, "oecd_exiobase3.csv (OECD: 32 regions)"), "%s", e);
    ck_assert_msg(strstr(o, "\nEU27 ") && strstr(o, "\nOECD "), "%s", o);
    free(o);
    free(e);
    size_t len;
    char *csv = emb_test_slurp(emb_test_pathf("%s/c1/accounts.csv", tmp), &len);
    ck_assert_msg(strstr(csv, "\nCO2,kt,EU27,") && strstr(csv, ",group\n"), "%s", csv);
    free(csv);
    ck_assert_int_eq(cli("flows icio.h5 --groups brics --groups eu28 --from BRICS --to EU28 --csv",
                         &o, &e), 0);
    ck_assert_msg(strstr(e, "brics_iso3.csv (BRICS: 5 regions)") &&
                      strstr(e, "eu28_iso3.csv (EU28: 28 regions)"), "%s", e);
    ck_assert_msg(strstr(o, "\nCO2,kt,BRICS,EU28,"), "%s", o);
    free(o);
    free(e);
    ck_assert_int_eq(cli("spa icio.h5 --groups eu27 --to EU27 --top 3", &o, &e), 0);
    ck_assert_msg(strstr(e, "eu27_iso3.csv"), "%s", e);
    free(o);
    free(e);
    const char *conc = emb_test_pathf("%s/conc.csv", tmp);
    emb_test_spits(conc, "sector,cbam_group,share\nall,cement,0.5\n");
    ck_assert_int_eq(cli(emb_test_pathf("cbam icio.h5 --groups eu27 --importer EU27 --concordance "
                                        "'%s' --csv", conc), &o, &e), 0);
    ck_assert_msg(strstr(e, "eu27_iso3.csv"), "%s", e);
    free(o);
    free(e);
    /* a path is read as a file */
    ck_assert_int_eq(cli(emb_test_pathf("flows exio.h5 --groups '%s' --from EU27 --to US --csv",
                                        emb_test_src_path("datasets/groups/eu27_exiobase3.csv")),
                         &o, &e), 0);
    ck_assert_msg(strstr(o, "\nCO2,kt,EU27,US,"), "%s", o);
    free(o);
    free(e);
    /* the 2009 EU is WIOD's only: no file fits; an unknown name lists the shipped ones */
    ck_assert_int_eq(cli("flows icio.h5 --groups eu27_2009", &o, &e), 3);
    ck_assert_msg(strstr(e, "none of the shipped files fits") && strstr(e, "eu27_2009_wiod2013.csv"),
                  "%s", e);
    free(o);
    free(e);
    ck_assert_int_eq(cli("accounts icio.h5 --groups eu99", &o, &e), 2);
    ck_assert_msg(strstr(e, "shipped: brics, eu27, eu27_2009, eu28, oecd"), "%s", e);
    free(o);
    free(e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("groups");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_exiobase3_files);
    tcase_add_test(tc, test_iso3_files);
    tcase_add_test(tc, test_cli_picks_fitting_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return emb_test_run(suite()); }
