/* tests/test_results.c — the results writers (embodied/results.h) other
 * than the HDF5 file: the flows writer (CSV and aligned text, every pair or
 * chosen ones, groups, by sector, to a file or standard output), the
 * summary, and the errors that must leave no file behind. */
#include "embodied/embodied.h"
#include "results/output.h"
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmp;

static void setup(void) { tmp = emb_test_tmpdir(); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static emb_table *table(void)
{
    emb_synth_opts o = emb_synth_defaults(3, 4, 2, 2, 900);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    const char *m[] = {t->regions[0], t->regions[2]};
    ck_assert_int_eq(emb_table_add_group(t, "G,02", 2, m), EMB_OK); /* a comma: quoted in CSV */
    return t;
}

static emb_accounts *accounts(const emb_table *t, int by_sector)
{
    emb_accounts_opts o = {.flows_by_sector = by_sector};
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    return a;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

START_TEST(flows_csv_every_pair)
{
    emb_table *t = table();
    emb_accounts *a = accounts(t, 0);
    char *path = emb_test_pathf("%s/flows.csv", tmp);
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, NULL, 0, 0, EMB_RESULTS_CSV, path),
                     EMB_OK);
    size_t len;
    char *text = emb_test_slurp(path, &len);
    size_t R = t->n_r;
    ck_assert_uint_eq(count_lines(text), 1 + t->k * R * R);
    ck_assert(strncmp(text, "stressor,unit,origin,destination,value\n", 39) == 0);
    /* every value round-trips */
    char *line = strchr(text, '\n') + 1;
    for (size_t s = 0; s < t->k; s++)
        for (size_t o = 0; o < R; o++)
            for (size_t d = 0; d < R; d++) {
                char *v = line, *end = strchr(line, '\n');
                for (int c = 0; c < 4; c++)
                    v = strchr(v, ',') + 1;
                ck_assert(strncmp(line, t->stressors[s], strlen(t->stressors[s])) == 0);
                ck_assert(strtod(v, NULL) == a->flows[(s * R + o) * R + d]);
                line = end + 1;
            }
    free(text);
    ck_assert_uint_eq(count_entries(tmp), 1); /* no temporary left */
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(flows_by_sector_pairs_and_groups)
{
    emb_table *t = table();
    emb_accounts *a = accounts(t, 1);
    emb_flow_pair pairs[] = {{"G,02", "G,02"}, {t->regions[1], t->regions[0]}};
    size_t sel[] = {1};
    char *path = emb_test_pathf("%s/f.csv", tmp);
    ck_assert_int_eq(emb_results_write_flows(a, t, sel, 1, pairs, 2, 1, EMB_RESULTS_CSV, path),
                     EMB_OK);
    size_t len;
    char *text = emb_test_slurp(path, &len);
    ck_assert_uint_eq(count_lines(text), 1 + 2 * t->n_s);
    ck_assert(strncmp(text, "stressor,unit,origin,sector,destination,value\n", 46) == 0);
    /* first row: group G,02 (regions 0 and 2) to itself, sector 0, quoted */
    char *row = emb_test_line_start(text, 2);
    char want[256];
    snprintf(want, sizeof want, "%s,%s,\"G,02\",%s,\"G,02\",", t->stressors[1], t->stressor_units[1],
             t->sectors[0]);
    ck_assert_msg(strncmp(row, want, strlen(want)) == 0, "%s", row);
    double v = 0;
    size_t N = t->N, R = t->n_r, ns = t->n_s, m[2] = {0, 2};
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 2; q++)
            v += a->flows_by_sector[(1 * N + m[p] * ns + 0) * R + m[q]];
    ck_assert(strtod(row + strlen(want), NULL) == v);
    free(text);
    /* aligned text to a file: the header, then one line per sector and pair */
    path = emb_test_pathf("%s/f.txt", tmp);
    ck_assert_int_eq(emb_results_write_flows(a, t, sel, 1, pairs, 2, 1, EMB_RESULTS_TEXT, path),
                     EMB_OK);
    text = emb_test_slurp(path, &len);
    ck_assert(strncmp(text, "stressor ", 9) == 0 && strstr(text, "origin sector"));
    ck_assert_uint_eq(count_lines(text), 1 + 2 * t->n_s);
    free(text);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

START_TEST(summary)
{
    emb_table *t = table();
    emb_accounts *a = accounts(t, 0);
    char *path = emb_test_pathf("%s/summary.txt", tmp);
    ck_assert_int_eq(emb_results_write_summary(a, t, NULL, 0, path), EMB_OK);
    size_t len;
    char *text = emb_test_slurp(path, &len);
    /* per stressor: title, header, regions, groups, world, blank line */
    ck_assert_uint_eq(count_lines(text), t->k * (2 + t->n_r + t->n_groups + 2));
    ck_assert(strstr(text, "CBA/PBA") && strstr(text, "world") && strstr(text, "G,02"));
    free(text);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* The summary stays aligned with long region names, and a region without
 * production shows '-' for CBA/PBA, not 0.000 (issue 11). */
START_TEST(summary_aligned_and_no_fake_ratio)
{
    emb_table *t = table();
    const char *longname = "Democratic People's Republic of Somewhere";
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, 1, longname), EMB_OK);
    for (size_t s = 0; s < t->k; s++) { /* region 2 emits nothing itself */
        for (size_t i = 2 * t->n_s; i < 3 * t->n_s; i++)
            t->F[s * t->N + i] = 0;
        for (size_t c = 2 * t->n_f; c < 3 * t->n_f; c++)
            t->F_Y[s * t->n_y + c] = 0;
    }
    emb_accounts *a = accounts(t, 0);
    char *path = emb_test_pathf("%s/summary.txt", tmp);
    ck_assert_int_eq(emb_results_write_summary(a, t, NULL, 0, path), EMB_OK);
    size_t len;
    char *text = emb_test_slurp(path, &len);
    /* lines 2 .. 2 + n_r + n_groups of the first block: header and rows */
    char *line = text, *next;
    size_t want = 0;
    for (size_t l = 0; l < 2 + t->n_r + t->n_groups; l++, line = next + 1) {
        next = strchr(line, '\n');
        ck_assert_ptr_nonnull(next);
        if (l == 0)
            continue;
        size_t n = (size_t)(next - line);
        if (!want)
            want = n;
        ck_assert_msg(n == want, "line %zu is %zu wide, the header %zu:\n%s", l, n, want, text);
        if (l == 1 + 3) /* region 2 */
            ck_assert_msg(strstr(line, "        - ") != NULL && !strstr(line, "0.000"), "%.*s",
                          (int)n, line);
    }
    ck_assert(strstr(text, longname) != NULL);
    free(text);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Refused before anything is written: no file, no temporary. */
START_TEST(errors_leave_nothing)
{
    emb_table *t = table();
    emb_accounts *a = accounts(t, 0);
    char *path = emb_test_pathf("%s/f.csv", tmp);
    emb_flow_pair bad[] = {{"nowhere", "R001"}};
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, bad, 1, 0, EMB_RESULTS_CSV, path),
                     EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "nowhere"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, NULL, 0, 1, EMB_RESULTS_CSV, path),
                     EMB_EUSAGE); /* by sector without flows_by_sector */
    size_t sel[] = {7};
    ck_assert_int_eq(emb_results_write_flows(a, t, sel, 1, NULL, 0, 0, EMB_RESULTS_CSV, path),
                     EMB_EUSAGE);
    ck_assert_int_eq(emb_results_write_summary(a, t, sel, 1, path), EMB_EUSAGE);
    ck_assert_int_eq(emb_results_write_flows(a, t, NULL, 0, NULL, 0, 0, EMB_RESULTS_CSV,
                                             emb_test_pathf("%s/no/such/dir/f.csv", tmp)),
                     EMB_EIO);
    ck_assert_uint_eq(count_entries(tmp), 0);
    emb_results_remove_temporaries(); /* nothing registered: a no-op */
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

static const char *csv_num(double v)
{
    static char buf[64];
    memset(buf, 0, sizeof buf);
    FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
    ck_assert_ptr_nonnull(fp);
    emb_csv_number(fp, v);
    fclose(fp);
    return buf;
}

/* CSV numbers: shortest round-trip text, no -0 (issue 11: 4.8000000000000007
 * and -0 in accounts.csv). */
START_TEST(csv_numbers_shortest_round_trip)
{
    ck_assert_str_eq(csv_num(4.8), "4.8");
    ck_assert_str_eq(csv_num(0.1 + 0.2), "0.30000000000000004");
    ck_assert_str_eq(csv_num(-0.0), "0");
    ck_assert_str_eq(csv_num(0.0), "0");
    ck_assert_str_eq(csv_num(325529.47861896653), "325529.47861896653");
    ck_assert_str_eq(csv_num(1e-300), "1e-300");
    ck_assert_str_eq(csv_num(-2.5), "-2.5");
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) { /* xorshift: arbitrary finite doubles */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v) || v == 0)
            continue;
        const char *txt = csv_num(v);
        ck_assert_msg(strtod(txt, NULL) == v, "%s does not read back as %.17g", txt, v);
        ck_assert(strlen(txt) <= 24);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csv_numbers_shortest_round_trip);
    tcase_add_test(tc, flows_csv_every_pair);
    tcase_add_test(tc, flows_by_sector_pairs_and_groups);
    tcase_add_test(tc, summary);
    tcase_add_test(tc, summary_aligned_and_no_fake_ratio);
    tcase_add_test(tc, errors_leave_nothing);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
