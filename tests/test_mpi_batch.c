/* tests/test_mpi_batch.c — `mpirun -np P embodied batch` (built with MPI):
 * the tables dealt to the ranks, and with --ranks-per-table G to groups of
 * G ranks solving each table with ScaLAPACK, against the serial batch of
 * the same four generated tables, one of them broken.  Every rank runs
 * under a small shell wrapper that records its own exit status in a file
 * (mpirun reports only one), so "non-zero on every rank" is checked rank by
 * rank; each launch is bounded by `timeout` (a hang fails the test). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpiutil.h"
#include "testutil.h"

#define TIMEOUT 300

static char *dir;
static const char TABLES[] = "t2001.h5 bad.h5 t2002.h5 t2003.h5";

/* Before the suite runs (no Check assertions here): 0 on success. */
static int make_table(const char *name, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(4, 4, 2, 2, seed);
    emb_table *t = NULL;
    if (emb_synth_table(&o, &t) != EMB_OK)
        return 1;
    int rc = emb_table_write_h5(t, emb_test_pathf("%s/%s", dir, name), NULL) != EMB_OK;
    emb_table_free(t);
    return rc;
}

/* I - A singular: A = blockdiag([.5 .5; .5 .5]) in both regions (as in
 * test_mpi.c); 0 on success. */
static int write_singular(void)
{
    double A[16] = {0}, x[4] = {1, 1, 1, 1}, Y[8] = {1, 0, 1, 0, 0, 1, 0, 1}, F[4] = {1, 2, 3, 4};
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                A[(2 * b + i) * 4 + 2 * b + j] = 0.5;
    const char *regions[] = {"R1", "R2"}, *sectors[] = {"s1", "s2"}, *fd[] = {"hh"};
    const char *stressors[] = {"co2"}, *units[] = {"kg"};
    emb_table *t = NULL;
    if (emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_A, A, x, Y, F, NULL, regions, sectors, fd,
                              stressors, units, &t) != EMB_OK)
        return 1;
    int rc = emb_table_write_h5(t, emb_test_pathf("%s/singular.h5", dir), NULL) != EMB_OK;
    emb_table_free(t);
    return rc;
}

/* `mpirun -np P embodied batch ARGS`, each rank's exit status written to
 * TAG.rc.RANK; returns mpirun's status (0 unless the launch itself failed). */
static int launch(int np, const char *tag, const char *args, char **err)
{
    char mpmd[2048];
    snprintf(mpmd, sizeof mpmd,
             "-np %d sh -c \"\\\"\\$0\\\" \\\"\\$@\\\"; echo \\$? > %s.rc.\\$OMPI_COMM_WORLD_RANK\" "
             "EXE batch %s",
             np, tag, args);
    return mpi_run_mpmd(dir, mpmd, TIMEOUT, err);
}

/* Every rank of a launch exited with `want`. */
static void assert_rank_status(int np, const char *tag, int want, const char *err)
{
    for (int r = 0; r < np; r++) {
        size_t len = 0;
        char *s = emb_test_slurp(emb_test_pathf("%s/%s.rc.%d", dir, tag, r), &len);
        ck_assert_msg(s, "%s: rank %d recorded no exit status\n%s", tag, r, err);
        ck_assert_msg(atoi(s) == want, "%s: rank %d exited %d, expected %d\n%s", tag, r, atoi(s),
                      want, err);
        free(s);
    }
}

static char *slurp(const char *rel)
{
    size_t len = 0;
    char *s = emb_test_slurp(emb_test_pathf("%s/%s", dir, rel), &len);
    ck_assert_msg(s, "%s: missing", rel);
    return s;
}

/* The status column of manifest `rel`'s row for table `name`. */
static void assert_manifest_status(const char *rel, const char *name, const char *status)
{
    char *m = slurp(rel), needle[256];
    snprintf(needle, sizeof needle, "\n%s.h5,%s,", name, name);
    char *row = strstr(m, needle);
    ck_assert_msg(row, "%s: no row for %s\n%s", rel, name, m);
    char *end = strchr(row + 1, '\n');
    if (end)
        *end = 0;
    snprintf(needle, sizeof needle, ",%s,", status);
    ck_assert_msg(strstr(row, needle), "%s: %s is not %s: %s", rel, name, status, row + 1);
    free(m);
}

/* Manifest rows of table `name` in a_rel and b_rel agree on input, name,
 * size and SHA-256 (the merged manifest keeps what the ranks recorded). */
static void assert_same_checksum(const char *a_rel, const char *b_rel, const char *name)
{
    char *a = slurp(a_rel), *b = slurp(b_rel), needle[256];
    snprintf(needle, sizeof needle, "\n%s.h5,%s,", name, name);
    char *ra = strstr(a, needle), *rb = strstr(b, needle);
    ck_assert_msg(ra && rb, "no row for %s", name);
    for (int k = 0, i = 0; k < 4; i++) { /* up to the comma after the checksum */
        ck_assert_msg(ra[i] == rb[i], "%s: %s and %s differ before the options", name, a_rel,
                      b_rel);
        k += ra[i] == ',';
    }
    free(a), free(b);
}

/* The serial batch's series, once (exit 3: the broken table). */
static void serial_reference(void)
{
    static int done;
    if (done)
        return;
    char *err = NULL;
    int rc = mpi_run(dir, 0, "batch t2001.h5 bad.h5 t2002.h5 t2003.h5 -o serial -q", TIMEOUT, &err);
    ck_assert_msg(rc == 3, "serial batch: exit %d\n%s", rc, err);
    free(err);
    done = 1;
}

/* Same rows and labels; numbers equal within rtol relative to the larger
 * magnitude (exact zeros equal). */
static void assert_same_series(const char *a_rel, const char *b_rel, double rtol)
{
    char *a = slurp(a_rel), *b = slurp(b_rel), *sa, *sb;
    size_t rows = 0;
    char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb);
    for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb), rows++) {
        char *fa, *fb, *ta, *tb;
        int col = 0;
        for (fa = strtok_r(la, ",", &ta), fb = strtok_r(lb, ",", &tb); fa && fb;
             fa = strtok_r(NULL, ",", &ta), fb = strtok_r(NULL, ",", &tb), col++) {
            char *ea, *eb;
            double x = strtod(fa, &ea), y = strtod(fb, &eb);
            if (rows == 0 || col < 4 || *ea || *eb) { /* header, year and labels: exact */
                ck_assert_msg(!strcmp(fa, fb), "row %zu col %d: '%s' vs '%s'", rows, col, fa, fb);
                continue;
            }
            double s = fmax(fabs(x), fabs(y));
            ck_assert_msg(s == 0 || fabs(x - y) <= rtol * s, "row %zu col %d: %.17g vs %.17g",
                          rows, col, x, y);
        }
        ck_assert_msg(!fa && !fb, "row %zu: column counts differ", rows);
    }
    ck_assert_msg(!la && !lb, "%s and %s: row counts differ", a_rel, b_rel);
    ck_assert_msg(rows > 10, "only %zu rows", rows);
    free(a), free(b);
}

/* P = 2 and 3 ranks dealing the tables: the broken one fails (exit 3 on
 * every rank), the others are done by their ranks, and rank 0's merge gives
 * the serial batch's series.csv byte for byte; a rerun resumes (skips). */
START_TEST(dealt_to_ranks)
{
    int np = _i == 0 ? 2 : 3;
    char tag[16], args[512], rel[64], *err = NULL;
    serial_reference();
    snprintf(tag, sizeof tag, "p%d", np);
    snprintf(args, sizeof args, "%s -o %s", TABLES, tag);
    int rc = launch(np, tag, args, &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(np, tag, 3, err);
    ck_assert_msg(strstr(err, "failed: bad.h5"), "%s", err);
    ck_assert_msg(strstr(err, "4 tables: 3 done"), "rank 0's summary covers all tables\n%s", err);
    for (int r = 0; r < np; r++) {
        snprintf(rel, sizeof rel, "%s/manifest.rank%d-of-%d.csv", tag, r, np);
        free(slurp(rel));
    }
    snprintf(rel, sizeof rel, "%s/manifest.csv", tag);
    assert_manifest_status(rel, "t2001", "done");
    assert_manifest_status(rel, "bad", "failed");
    assert_manifest_status(rel, "t2002", "done");
    assert_manifest_status(rel, "t2003", "done");
    assert_same_checksum("serial/manifest.csv", rel, "t2002");
    assert_same_checksum("serial/manifest.csv", rel, "bad");
    char *s = slurp("serial/series.csv"), *m;
    snprintf(rel, sizeof rel, "%s/series.csv", tag);
    m = slurp(rel);
    ck_assert_msg(!strcmp(s, m), "%s differs from the serial batch's series.csv", rel);
    free(m);
    free(err);
    /* The rerun skips what is done; the same series. */
    rc = launch(np, tag, args, &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(np, tag, 3, err);
    snprintf(rel, sizeof rel, "%s/manifest.csv", tag);
    assert_manifest_status(rel, "t2002", "skipped");
    snprintf(rel, sizeof rel, "%s/series.csv", tag);
    m = slurp(rel);
    ck_assert_msg(!strcmp(s, m), "%s differs after the resume", rel);
    free(m), free(s), free(err);
}
END_TEST

/* Without the broken table every rank exits 0. */
START_TEST(all_good_exit_zero)
{
    char *err = NULL;
    int rc = launch(2, "good", "t2001.h5 t2002.h5 t2003.h5 -o good -q", &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(2, "good", 0, err);
    free(slurp("good/series.csv"));
    free(err);
}
END_TEST

/* --ranks-per-table 2 with P = 4: two groups, each solving its tables with
 * ScaLAPACK on its own communicator.  The broken table (group 1's first)
 * fails alone: group 1's other table is done; every rank exits 3; the series
 * equals the serial one within 1e-12. */
START_TEST(groups_of_ranks)
{
    char *err = NULL;
    serial_reference();
    int rc = launch(4, "g4", "t2001.h5 bad.h5 t2002.h5 t2003.h5 -o g4 --ranks-per-table 2", &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(4, "g4", 3, err);
    assert_manifest_status("g4/manifest.csv", "t2001", "done");
    assert_manifest_status("g4/manifest.csv", "bad", "failed");
    assert_manifest_status("g4/manifest.csv", "t2002", "done");
    assert_manifest_status("g4/manifest.csv", "t2003", "done");
    char *m = slurp("g4/manifest.csv");
    /* the solver column of the tables done (after the options column) */
    ck_assert_int_eq(mpi_count_lines(m, "tcba=0,scalapack,"), 3);
    free(m);
    free(slurp("g4/manifest.rank0-of-2.csv"));
    free(slurp("g4/manifest.rank1-of-2.csv"));
    assert_same_series("serial/series.csv", "g4/series.csv", 1e-12);
    free(err);
}
END_TEST

/* A table whose I - A is singular fails in its group's solve (every rank
 * of the group agrees), the other group's tables are done, and every rank
 * exits 4 (numerical), the class a serial batch gives. */
START_TEST(singular_in_a_group)
{
    char *err = NULL;
    int rc = launch(4, "gs", "t2001.h5 singular.h5 t2002.h5 -o gs --ranks-per-table 2", &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(4, "gs", 4, err);
    assert_manifest_status("gs/manifest.csv", "t2001", "done");
    assert_manifest_status("gs/manifest.csv", "singular", "failed");
    assert_manifest_status("gs/manifest.csv", "t2002", "done");
    ck_assert_msg(strstr(err, "singular"), "%s", err);
    free(slurp("gs/series.csv"));
    free(err);
}
END_TEST

/* G not dividing P, --rank under mpirun: a usage error (exit 2) on every
 * rank, nothing written, nothing hangs. */
START_TEST(usage_errors_everywhere)
{
    char *err = NULL;
    int rc = launch(4, "u3", "t2001.h5 -o u3 --ranks-per-table 3", &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(4, "u3", 2, err);
    ck_assert_msg(strstr(err, "--ranks-per-table 3"), "%s", err);
    ck_assert_int_eq(mpi_count_lines(err, "--ranks-per-table 3"), 1); /* rank 0 alone */
    free(err);
    rc = launch(2, "ur", "t2001.h5 -o ur --rank 0 --ranks 2", &err);
    ck_assert_msg(rc == 0, "mpirun: exit %d\n%s", rc, err);
    assert_rank_status(2, "ur", 2, err);
    free(err);
}
END_TEST

int main(void)
{
    dir = emb_test_tmpdir();
    if (!dir) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }
    if (make_table("t2001.h5", 1) || make_table("t2002.h5", 2) || make_table("t2003.h5", 3)) {
        printf("Bail out! cannot write the generated tables: %s\n", emb_errmsg());
        return 1;
    }
    if (write_singular()) {
        printf("Bail out! cannot write singular.h5: %s\n", emb_errmsg());
        return 1;
    }
    FILE *bad = fopen(emb_test_pathf("%s/bad.h5", dir), "w"); /* the broken table */
    if (!bad || fputs("not an HDF5 file\n", bad) < 0 || fclose(bad)) {
        printf("Bail out! cannot write bad.h5\n");
        return 1;
    }
    Suite *s = suite_create("mpi_batch");
    TCase *tc = tcase_create("batch");
    tcase_set_timeout(tc, 4 * TIMEOUT);
    tcase_add_loop_test(tc, dealt_to_ranks, 0, 2);
    tcase_add_test(tc, all_good_exit_zero);
    tcase_add_test(tc, groups_of_ranks);
    tcase_add_test(tc, singular_in_a_group);
    tcase_add_test(tc, usage_errors_everywhere);
    suite_add_tcase(s, tc);
    int rc = emb_test_run(s);
    emb_test_rmtree(dir);
    free(dir);
    return rc;
}
