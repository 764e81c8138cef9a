/* tests/test_batch.c — `embodied batch` (src/batch/, src/cli/cmd_batch.c)
 * on generated tables: one deliberately broken table fails without stopping
 * the others; resume skips what is done (asserted through the manifest's
 * status column, never timing); --force and a changed input redo; an
 * interruption at a known point (EMBODIED_TEST_INTERRUPT_TABLE) leaves only
 * complete per-table folders and a rerun completes; series.csv equals each
 * table's own accounts.csv; label differences; the year sources; rank
 * dealing; --jobs 2 gives the same files as --jobs 1; and the job-array
 * script's dry run. */
#include "batch/batch.h"
#include "core/sha256.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

/* A generated table (R regions x 4 sectors, 2 stressors) in tmp/name;
 * year > 0 sets the table's year attribute. */
static const char *make_table(const char *name, size_t R, uint64_t seed, int year)
{
    emb_synth_opts o = emb_synth_defaults(R, 4, 2, 2, seed);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    t->year = year;
    const char *p = emb_test_pathf("%s/%s", tmp, name);
    ck_assert_int_eq(emb_table_write_h5(t, p, NULL), EMB_OK);
    emb_table_free(t);
    return p;
}

/* Run `ENV embodied batch ARGS` in tmp; the exit status, stderr in *err. */
static int batch(const char *env, const char *args, char **err)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s' batch %s >stdout.txt 2>stderr.txt", tmp, env, exe,
             args);
    int rc = system(cmd);
    size_t len;
    *err = emb_test_slurp(emb_test_pathf("%s/stderr.txt", tmp), &len);
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal", cmd);
    return WEXITSTATUS(rc);
}

/* Field `col` (0-based) of the manifest row whose name is `name`, static. */
static const char *manifest_field(const char *manifest, const char *name, int col)
{
    static char out[4096];
    size_t len;
    char *text = emb_test_slurp(emb_test_pathf("%s/%s", tmp, manifest), &len);
    ck_assert(strncmp(text, "input,name,size,sha256,options,solver,residual_solve,", 52) == 0);
    char *line = strchr(text, '\n') + 1;
    int found = 0;
    while (*line && !found) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        /* Split, honouring quotes. */
        char *f[20];
        int nf = 0;
        char *p = line;
        while (nf < 20) {
            char *start = p, *w = p;
            if (*p == '"') {
                p++;
                for (; *p; p++) {
                    if (*p == '"') {
                        if (p[1] == '"')
                            p++;
                        else {
                            p++;
                            break;
                        }
                    }
                    *w++ = *p;
                }
            } else
                while (*p && *p != ',')
                    *w++ = *p++;
            char end = *p;
            *w = '\0';
            f[nf++] = start;
            if (end != ',')
                break;
            p++;
        }
        ck_assert_int_eq(nf, 15);
        if (!strcmp(f[1], name)) {
            snprintf(out, sizeof out, "%s", f[col]);
            found = 1;
        }
        line = nl + 1;
    }
    free(text);
    ck_assert_msg(found, "%s: no row for %s", manifest, name);
    return out;
}

enum { COL_SHA = 3, COL_YEAR = 11, COL_YEAR_SOURCE = 12, COL_STATUS = 13, COL_ERROR = 14 };
#define STATUS(m, name) manifest_field(m, name, COL_STATUS)

static int exists(const char *rel)
{
    struct stat sb;
    return stat(emb_test_pathf("%s/%s", tmp, rel), &sb) == 0;
}

/* No temporary or set-aside folder (.NAME.tmp.*, .NAME.old.*) left in out/. */
static void assert_no_temporaries(void)
{
    DIR *d = opendir(emb_test_pathf("%s/out", tmp));
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        ck_assert_msg(!strstr(e->d_name, ".tmp.") && !strstr(e->d_name, ".old."), "left: %s",
                      e->d_name);
    closedir(d);
}

/* Three tables, one broken: the broken one fails with its reason (exit 3),
 * the others are done; a rerun skips them (status skipped), still reporting
 * the broken one; --force redoes them; a changed input is redone alone. */
START_TEST(broken_resume_force)
{
    make_table("t2001.h5", 4, 1, 0);
    make_table("t2002.h5", 4, 2, 0);
    emb_test_spits(emb_test_pathf("%s/bad.h5", tmp), "not an HDF5 file\n");
    char *err;
    ck_assert_int_eq(batch("", "t2001.h5 bad.h5 t2002.h5 -o out", &err), 3);
    ck_assert_msg(strstr(err, "failed: bad.h5: not an HDF5 file"), "%s", err);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2001"), "done");
    ck_assert_str_eq(STATUS("out/manifest.csv", "bad"), "failed");
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2002"), "done");
    ck_assert_ptr_nonnull(strstr(manifest_field("out/manifest.csv", "bad", COL_ERROR), "HDF5"));
    ck_assert(exists("out/t2001/results.h5") && exists("out/t2001/accounts.csv") &&
              exists("out/t2002/flows.csv") && !exists("out/bad") && exists("out/series.csv"));
    /* The manifest's checksum is the file's. */
    char hex[65];
    ck_assert_int_eq(emb_sha256_file(emb_test_pathf("%s/t2002.h5", tmp), hex), EMB_OK);
    ck_assert_str_eq(manifest_field("out/manifest.csv", "t2002", COL_SHA), hex);

    ck_assert_int_eq(batch("", "t2001.h5 bad.h5 t2002.h5 -o out", &err), 3);
    ck_assert_msg(strstr(err, "0 done, 2 skipped"), "%s", err);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2001"), "skipped");
    ck_assert_str_eq(STATUS("out/manifest.csv", "bad"), "failed");
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2002"), "skipped");

    /* Other options are another computation: redone. */
    ck_assert_int_eq(batch("", "t2001.h5 t2002.h5 -o out --sectors", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2001"), "done");
    ck_assert(exists("out/t2001/sectors.csv"));

    ck_assert_int_eq(batch("", "t2001.h5 t2002.h5 -o out --sectors --force", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2001"), "done");
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2002"), "done");

    make_table("t2002.h5", 4, 3, 0); /* a new release of one year */
    ck_assert_int_eq(batch("", "t2001.h5 t2002.h5 -o out --sectors", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2001"), "skipped");
    ck_assert_str_eq(STATUS("out/manifest.csv", "t2002"), "done");
    assert_no_temporaries();
}
END_TEST

/* Every row of series.csv is the row of the table's own accounts.csv (same
 * text: the same doubles through the same printer), with its year, kind
 * region for regions and group for the groups after them, in year order. */
START_TEST(series_equals_accounts)
{
    make_table("b_2012.h5", 4, 5, 0);
    make_table("a_2011.h5", 4, 6, 0);
    char *err;
    ck_assert_int_eq(batch("", "b_2012.h5 a_2011.h5 -o out -g NORTH=R001,R002 --from R001 "
                               "--to NORTH --all-flows", &err), 0);
    free(err);
    size_t len;
    char *series = emb_test_slurp(emb_test_pathf("%s/out/series.csv", tmp), &len);
    static const char hdr[] = "year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind\n";
    ck_assert(!strncmp(series, hdr, sizeof hdr - 1));
    char *s = series + sizeof hdr - 1;
    const char *names[2] = {"a_2011", "b_2012"}, *years[2] = {"2011", "2012"};
    size_t rows = 0;
    for (int t = 0; t < 2; t++) {
        char *acc = emb_test_slurp(emb_test_pathf("%s/out/%s/accounts.csv", tmp, names[t]), &len);
        char *a = strchr(acc, '\n') + 1;
        while (*a) {
            char *nl = strchr(a, '\n');
            *nl = '\0';
            /* accounts: stressor,unit,region,pba,cba,imports,exports,unallocated,balance,kind */
            *strrchr(a, ',') = '\0'; /* kind */
            *strrchr(a, ',') = '\0'; /* balance */
            char *snl = strchr(s, '\n');
            ck_assert_ptr_nonnull(snl);
            *snl = '\0';
            char want[4096];
            int grp = strstr(a, "NORTH") != NULL;
            snprintf(want, sizeof want, "%s,%s,%s", years[t], a, grp ? "group" : "region");
            ck_assert_str_eq(s, want);
            s = snl + 1;
            a = nl + 1;
            rows++;
        }
        free(acc);
    }
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(rows, 2 * 2 * (4 + 1)); /* tables x stressors x (regions + group) */
    free(series);
    /* series_flows: every region pair (4 x 4) plus the pair asked, per stressor and year. */
    char *fl = emb_test_slurp(emb_test_pathf("%s/out/series_flows.csv", tmp), &len);
    size_t lines = 0;
    for (char *p = fl; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, 1 + 2 * 2 * (16 + 1));
    ck_assert_ptr_nonnull(strstr(fl, "\n2011,"));
    ck_assert_ptr_nonnull(strstr(fl, ",R001,NORTH,"));
    free(fl);
    assert_no_temporaries();
}
END_TEST

/* An interruption once table 1's files are complete in its temporary
 * folder: exit 130, table 0 kept, table 1 discarded (no folder, no
 * temporary), table 2 never started, no series; the rerun completes. */
START_TEST(interrupt_and_resume)
{
    make_table("y2001.h5", 4, 7, 0);
    make_table("y2002.h5", 4, 8, 0);
    make_table("y2003.h5", 4, 9, 0);
    char *err;
    ck_assert_int_eq(batch("EMBODIED_TEST_INTERRUPT_TABLE=1",
                           "y2001.h5 y2002.h5 y2003.h5 -o out --jobs 1", &err), 130);
    ck_assert_msg(strstr(err, "test hook") && strstr(err, "interrupted"), "%s", err);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2001"), "done");
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2002"), "interrupted");
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2003"), "pending");
    ck_assert(exists("out/y2001/results.h5") && exists("out/y2001/accounts.csv"));
    ck_assert(!exists("out/y2002") && !exists("out/y2003") && !exists("out/series.csv"));
    assert_no_temporaries();
    /* What a run killed outright (SIGKILL) leaves: a partial temporary
     * folder; the next run removes it. */
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/out/.y2003.tmp.99999", tmp), 0777), 0);
    emb_test_spits(emb_test_pathf("%s/out/.y2003.tmp.99999/results.h5", tmp), "partial");
    ck_assert_int_eq(batch("", "y2001.h5 y2002.h5 y2003.h5 -o out", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2001"), "skipped");
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2002"), "done");
    ck_assert_str_eq(STATUS("out/manifest.csv", "y2003"), "done");
    ck_assert(exists("out/series.csv"));
    assert_no_temporaries();
}
END_TEST

/* Tables with different regions: the series is refused naming the
 * difference (the per-table results stay), unless --allow-different-labels,
 * which writes each table's own labelled rows (gaps, never misaligned). */
START_TEST(label_mismatch)
{
    make_table("r2001.h5", 4, 10, 0);
    make_table("r2002.h5", 5, 11, 0);
    char *err;
    ck_assert_int_eq(batch("", "r2001.h5 r2002.h5 -o out", &err), 3);
    ck_assert_msg(strstr(err, "r2002/results.h5: 5 regions, but") &&
                  strstr(err, "r2001/results.h5 has 4"), "%s", err);
    free(err);
    ck_assert(!exists("out/series.csv") && exists("out/r2002/results.h5"));
    ck_assert_int_eq(batch("", "r2001.h5 r2002.h5 -o out --allow-different-labels", &err), 0);
    free(err);
    size_t len;
    char *series = emb_test_slurp(emb_test_pathf("%s/out/series.csv", tmp), &len);
    ck_assert_ptr_null(strstr(series, "2001,E1,kt,R005,"));
    ck_assert_ptr_nonnull(strstr(series, "2002,E1,kt,R005,"));
    free(series);
}
END_TEST

/* Year from the table's attribute, else a four-digit number in the file
 * name, else the position in the list, each stated in year_source. */
START_TEST(year_sources)
{
    make_table("attr.h5", 4, 12, 1995);
    make_table("wiod_2009_v2.h5", 4, 13, 0);
    make_table("scenario.h5", 4, 14, 0);
    char *err;
    ck_assert_int_eq(batch("", "attr.h5 wiod_2009_v2.h5 scenario.h5 -o out", &err), 0);
    free(err);
    ck_assert_str_eq(manifest_field("out/manifest.csv", "attr", COL_YEAR), "1995");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "attr", COL_YEAR_SOURCE), "attribute");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "wiod_2009_v2", COL_YEAR), "2009");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "wiod_2009_v2", COL_YEAR_SOURCE),
                     "file name");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "scenario", COL_YEAR), "3");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "scenario", COL_YEAR_SOURCE), "index");
    ck_assert_int_eq(emb_batch_year_from_name("x/2010/t12345.h5"), 0);
    ck_assert_int_eq(emb_batch_year_from_name("exio_2011_pxp.h5"), 2011);
    ck_assert_int_eq(emb_batch_year_from_name("ixi3.8.h5"), 0);
}
END_TEST

/* --rank R --ranks P computes tables i with i mod P = R only, into
 * manifest.rankR-of-P.csv and no series; a final run without ranks skips
 * them and writes manifest.csv and the series.  Same names: refused. */
START_TEST(ranks_and_names)
{
    make_table("p2001.h5", 4, 15, 0);
    make_table("p2002.h5", 4, 16, 0);
    make_table("p2003.h5", 4, 17, 0);
    char *err;
    ck_assert_int_eq(batch("", "p2001.h5 p2002.h5 p2003.h5 -o out --rank 1 --ranks 2", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.rank1-of-2.csv", "p2002"), "done");
    ck_assert(!exists("out/p2001") && !exists("out/p2003") && !exists("out/series.csv") &&
              !exists("out/manifest.csv"));
    ck_assert_int_eq(batch("", "p2001.h5 p2002.h5 p2003.h5 -o out --rank 0 --ranks 2", &err), 0);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.rank0-of-2.csv", "p2001"), "done");
    ck_assert_str_eq(STATUS("out/manifest.rank0-of-2.csv", "p2003"), "done");
    ck_assert_int_eq(batch("", "p2001.h5 p2002.h5 p2003.h5 -o out", &err), 0);
    ck_assert_msg(strstr(err, "0 done, 3 skipped"), "%s", err);
    free(err);
    ck_assert(exists("out/series.csv"));
    ck_assert_int_eq(mkdir(emb_test_pathf("%s/sub", tmp), 0777), 0);
    make_table("sub/p2001.h5", 4, 18, 0);
    ck_assert_int_eq(batch("", "p2001.h5 sub/p2001.h5 -o out2", &err), 2);
    ck_assert_msg(strstr(err, "both would write"), "%s", err);
    free(err);
    ck_assert_int_eq(batch("", "p2001.h5 -o out --rank 2 --ranks 2", &err), 2);
    free(err);
}
END_TEST

/* Two tables at once (threads divided) give the same series as one at a time. */
START_TEST(jobs_same_results)
{
    make_table("j2001.h5", 5, 19, 0);
    make_table("j2002.h5", 5, 20, 0);
    make_table("j2003.h5", 5, 21, 0);
    char *err;
    ck_assert_int_eq(batch("", "j2001.h5 j2002.h5 j2003.h5 -o one --jobs 1", &err), 0);
    free(err);
    ck_assert_int_eq(batch("", "j2001.h5 j2002.h5 j2003.h5 -o two --jobs 2 --threads 1", &err), 0);
    free(err);
    size_t l1, l2;
    char *a = emb_test_slurp(emb_test_pathf("%s/one/series.csv", tmp), &l1),
         *b = emb_test_slurp(emb_test_pathf("%s/two/series.csv", tmp), &l2);
    ck_assert_uint_eq(l1, l2);
    ck_assert(memcmp(a, b, l1) == 0);
    free(a);
    free(b);
}
END_TEST

/* scripts/slurm/array.sh as a dry run: the array job (one task per table,
 * each `embodied batch ... --rank $SLURM_ARRAY_TASK_ID --ranks N`) and the
 * dependent final pass that writes the series, printed, nothing submitted. */
START_TEST(slurm_array_dry_run)
{
    make_table("s2001.h5", 4, 22, 0);
    make_table("s2002.h5", 4, 23, 0);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && EMBODIED='%s' bash '%s' --dry-run -o out s2001.h5 s2002.h5 "
                              "-- --solver dense >dry.txt 2>&1", tmp, exe,
             emb_test_src_path("scripts/slurm/array.sh"));
    ck_assert_int_eq(system(cmd), 0);
    size_t len;
    char *out = emb_test_slurp(emb_test_pathf("%s/dry.txt", tmp), &len);
    ck_assert_msg(strstr(out, "sbatch") && strstr(out, "--array=0-1") &&
                  strstr(out, "--rank $SLURM_ARRAY_TASK_ID --ranks 2") &&
                  strstr(out, "--dependency=afterany:") && strstr(out, "--solver dense"), "%s", out);
    free(out);
    ck_assert(!exists("out"));
    /* The task command itself, run here as task 1 of 2, then the final pass. */
    snprintf(cmd, sizeof cmd, "cd '%s' && SLURM_ARRAY_TASK_ID=1 EMBODIED='%s' bash '%s' --task "
                              "-o out s2001.h5 s2002.h5 >task.txt 2>&1", tmp, exe,
             emb_test_src_path("scripts/slurm/array.sh"));
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_str_eq(STATUS("out/manifest.rank1-of-2.csv", "s2002"), "done");
    snprintf(cmd, sizeof cmd, "cd '%s' && EMBODIED='%s' bash '%s' --final -o out s2001.h5 s2002.h5 "
                              ">final.txt 2>&1", tmp, exe,
             emb_test_src_path("scripts/slurm/array.sh"));
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_str_eq(STATUS("out/manifest.csv", "s2002"), "skipped");
    ck_assert_str_eq(STATUS("out/manifest.csv", "s2001"), "done");
    ck_assert(exists("out/series.csv"));
}
END_TEST

/* `import FORMAT PATH... -o DIR/`: one table per input, named after it, then
 * a batch over them (the documented loop of README "Batch runs"); two inputs
 * with the same name are refused before any work. */
START_TEST(import_many_then_batch)
{
    char cmd[8192];
    const char *ex = emb_test_src_path("datasets/csv-example");
    snprintf(cmd, sizeof cmd, "cd '%s' && cp -r '%s' ex_2001 && cp -r '%s' ex_2002 && mkdir dup && "
                              "cp -r '%s' dup/ex_2001", tmp, ex, ex, ex);
    ck_assert_int_eq(system(cmd), 0);
    char err_path[1200];
    snprintf(err_path, sizeof err_path, "%s/import.txt", tmp);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' import csv ex_2001 ex_2002 -o tables/ 2>'%s'", tmp,
             exe, err_path);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert(exists("tables/ex_2001.h5") && exists("tables/ex_2002.h5"));
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' import csv ex_2001 dup/ex_2001 -o t2/ 2>'%s'", tmp,
             exe, err_path);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
    ck_assert(!exists("t2/ex_2001.h5"));
    char *err;
    /* Both carry the year attribute 2020: the series refuses to mix them. */
    ck_assert_int_eq(batch("", "tables/ex_2001.h5 tables/ex_2002.h5 -o out", &err), 3);
    ck_assert_msg(strstr(err, "both are year 2020"), "%s", err);
    free(err);
    ck_assert(!exists("out/series.csv"));
    ck_assert_int_eq(batch("", "tables/ex_2001.h5 tables/ex_2002.h5 -o out --year-from name", &err),
                     0);
    free(err);
    ck_assert_str_eq(manifest_field("out/manifest.csv", "ex_2002", COL_YEAR), "2002");
    ck_assert_str_eq(manifest_field("out/manifest.csv", "ex_2002", COL_STATUS), "skipped");
    size_t len;
    char *series = emb_test_slurp(emb_test_pathf("%s/out/series.csv", tmp), &len);
    ck_assert_ptr_nonnull(strstr(series, "\n2001,"));
    ck_assert_ptr_nonnull(strstr(series, "\n2002,"));
    free(series);
}
END_TEST

/* A results file altered after it was written (PBA of one region changed):
 * the series checks CBA = PBA + imports - exports and refuses it (exit 4). */
START_TEST(altered_results_refused)
{
    make_table("q2001.h5", 4, 24, 0);
    char *err;
    ck_assert_int_eq(batch("", "q2001.h5 -o out", &err), 0);
    free(err);
    const char *r = emb_test_pathf("%s/out/q2001/results.h5", tmp);
    hid_t f = H5Fopen(r, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t d = H5Dopen2(f, "pba", H5P_DEFAULT);
    double v[2 * 4];
    ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    v[1] *= 1.5;
    ck_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    ck_assert_int_eq(batch("", "q2001.h5 -o out", &err), 4);
    ck_assert_msg(strstr(err, "results altered?"), "%s", err);
    free(err);
}
END_TEST

/* A plan over the memory limit fails the table (exit 6, recorded) before
 * any work; --explain says which solver ran and why. */
START_TEST(memory_limit_and_explain)
{
    make_table("m2001.h5", 4, 25, 0);
    char *err;
    ck_assert_int_eq(batch("", "m2001.h5 -o out --max-memory 1K", &err), 6);
    ck_assert_msg(strstr(err, "memory"), "%s", err);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "m2001"), "failed");
    ck_assert(!exists("out/m2001"));
    ck_assert_int_eq(batch("", "m2001.h5 -o out --explain", &err), 0);
    ck_assert_msg(strstr(err, "[1] solver "), "%s", err);
    free(err);
    ck_assert_str_eq(STATUS("out/manifest.csv", "m2001"), "done");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("batch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, broken_resume_force);
    tcase_add_test(tc, series_equals_accounts);
    tcase_add_test(tc, interrupt_and_resume);
    tcase_add_test(tc, label_mismatch);
    tcase_add_test(tc, year_sources);
    tcase_add_test(tc, ranks_and_names);
    tcase_add_test(tc, jobs_same_results);
    tcase_add_test(tc, slurm_array_dry_run);
    tcase_add_test(tc, import_many_then_batch);
    tcase_add_test(tc, altered_results_refused);
    tcase_add_test(tc, memory_limit_and_explain);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
