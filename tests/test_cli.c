/* tests/test_cli.c — the `embodied` command on good and malformed inputs.
 *
 * A table of cases: each builds a broken input (HDF5 mutated with the HDF5
 * API, or a pymrio text folder), runs the CLI and checks the documented exit
 * code, that stderr is exactly one line naming the file (or the bad name) and
 * the problem, and that no output file (or temporary) was left behind. */
#include "embodied/embodied.h"
#include "io/h5util.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;         /* per-test temporary directory */
static char exe[4096];    /* the embodied binary */
static char out_dir[4200];

static void setup(void)
{
    tmp = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmp);
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(exe, sizeof exe, "%s/embodied", b ? b : "build");
    snprintf(out_dir, sizeof out_dir, "%s/out", tmp);
    ck_assert_int_eq(mkdir(out_dir, 0777), 0);
}

static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* Run `PREFIX embodied ARGS` in sh (prefix: shell set-up such as ulimit, or
 * ""); stdout to `out` ("" = a file in tmp).  Returns the exit status,
 * stderr in *err (malloc'd). */
static int run_in(const char *prefix, const char *args, const char *out, char **err)
{
    char cmd[32768], errf[4200], outf[4300];
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmp);
    if (*out)
        snprintf(outf, sizeof outf, "%s", out);
    else
        snprintf(outf, sizeof outf, "%s/stdout.txt", tmp);
    snprintf(cmd, sizeof cmd, "%s '%s' %s >'%s' 2>'%s'", prefix, exe, args, outf, errf);
    int rc = system(cmd);
    FILE *fp = fopen(errf, "r");
    ck_assert_ptr_nonnull(fp);
    size_t cap = 1 << 16;
    *err = calloc(cap, 1);
    size_t n = fread(*err, 1, cap - 1, fp);
    (*err)[n] = '\0';
    fclose(fp);
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal (crash?)", cmd);
    ck_assert_msg(WEXITSTATUS(rc) < 126, "%s: the shell says %d (killed? crash?): %s", cmd,
                  WEXITSTATUS(rc), *err);
    return WEXITSTATUS(rc);
}

static int run(const char *args, char **err) { return run_in("", args, "", err); }

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* The hand-solved 2 x 2 table of test_accounts.c, written to `path`. */
static void write_good(const char *path)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(2, 2, 1, 1, EMB_TECH_Z, 1, &t), EMB_OK);
    const char *r[] = {"R1", "R2"}, *s[] = {"s1", "s2"};
    for (size_t i = 0; i < 2; i++) {
        emb_table_set_label(t, EMB_LABEL_REGION, i, r[i]);
        emb_table_set_label(t, EMB_LABEL_SECTOR, i, s[i]);
    }
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "households");
    emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "CO2");
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    const double Z[16] = {0, 20, 0, 30, 0, 0, 0, 0, 0, 40, 0, 10, 0, 0, 0, 0};
    const double Y[8] = {40, 10, 150, 50, 50, 300, -10, 110}, F[4] = {10, 40, 80, 5};
    memcpy(t->T, Z, sizeof Z);
    memcpy(t->Y, Y, sizeof Y);
    memcpy(t->F, F, sizeof F);
    t->F_Y[0] = 7, t->F_Y[1] = 3;
    ck_assert_int_eq(emb_table_write_h5(t, path, NULL), EMB_OK);
    emb_table_free(t);
}

/* Replace dataset `name` by a float64 array of the given shape and values. */
static void replace_doubles(const char *path, const char *name, int rank, const size_t *dims,
                            const double *v)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    if (H5Lexists(f, name, H5P_DEFAULT) > 0)
        H5Ldelete(f, name, H5P_DEFAULT);
    ck_assert_int_eq(emb_h5_write_doubles(f, path, name, rank, dims, v, 0), EMB_OK);
    H5Fclose(f);
}

typedef void (*mutate_fn)(const char *path);

static void m_missing_Y(const char *p)
{
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "Y", H5P_DEFAULT);
    H5Fclose(f);
}
static void m_shape_F(const char *p)
{
    const size_t d[2] = {1, 3};
    const double v[3] = {1, 2, 3};
    replace_doubles(p, "F", 2, d, v);
}
static void m_nan_Y(const char *p)
{
    const size_t d[2] = {4, 2};
    const double v[8] = {40, 10, 150, NAN, 50, 300, -10, 110};
    replace_doubles(p, "Y", 2, d, v);
}
static void m_inf_Z(const char *p)
{
    const size_t d[2] = {4, 4};
    double v[16] = {0, 20, 0, 30, 0, 0, 0, 0, 0, 40, 0, 10, 0, 0, 0, 0};
    v[9] = INFINITY;
    replace_doubles(p, "Z", 2, d, v);
}
static void m_negative_x(const char *p)
{
    const size_t d[1] = {4};
    const double v[4] = {100, 200, -5, 100};
    replace_doubles(p, "x", 1, d, v);
}
static void m_negative_x_computed(const char *p)
{
    /* x_1 = Z 1 + Y 1 = 0 + (-500 + 50) < 0 while sector 1 buys inputs (Z[0][1] = 20) */
    const size_t d[2] = {4, 2};
    const double v[8] = {40, 10, -500, 50, 50, 300, -10, 110};
    replace_doubles(p, "Y", 2, d, v);
}
static void m_duplicate_region(const char *p)
{
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "regions", H5P_DEFAULT);
    const char *r[2] = {"R1", "R1"};
    ck_assert_int_eq(emb_h5_write_strings(f, p, "regions", 2, r), EMB_OK);
    H5Fclose(f);
}
static void m_truncate(const char *p)
{
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(truncate(p, sb.st_size / 2), 0);
}
static void m_not_hdf5(const char *p)
{
    FILE *fp = fopen(p, "w");
    fputs("region,sector\nthis is not HDF5\n", fp);
    fclose(fp);
}

typedef struct {
    const char *name;
    mutate_fn mutate;
    int exit_code;
    const char *expect; /* substring of the message besides the file name */
} h5case;

static const h5case h5cases[] = {
    {"missing dataset /Y", m_missing_Y, 3, "/Y"},
    {"wrong shape of /F", m_shape_F, 3, "/F"},
    {"NaN in /Y", m_nan_Y, 3, "NaN"},
    {"Inf in /Z", m_inf_Z, 3, "infinite"},
    {"negative /x", m_negative_x, 3, "negative"},
    {"negative computed x", m_negative_x_computed, 3, "negative"},
    {"duplicate region names", m_duplicate_region, 3, "duplicate"},
    {"truncated file", m_truncate, 3, "truncated"},
    {"not an HDF5 file", m_not_hdf5, 3, "HDF5"},
};

static void check_one_line(const char *err, const char *what)
{
    size_t nl = 0;
    for (const char *c = err; *c; c++)
        nl += *c == '\n';
    ck_assert_msg(nl == 1, "%s: expected a one-line message, got:\n%s", what, err);
    ck_assert_msg(strncmp(err, "embodied: ", 10) == 0, "%s: message lacks 'embodied: ': %s", what, err);
}

START_TEST(malformed_hdf5_inputs)
{
    size_t nc = sizeof h5cases / sizeof h5cases[0];
    for (size_t i = 0; i < nc; i++) {
        const h5case *c = &h5cases[i];
        char path[4200], args[20000], *err;
        snprintf(path, sizeof path, "%s/case%zu.h5", tmp, i);
        write_good(path);
        c->mutate(path);
        /* accounts, with both kinds of output requested */
        snprintf(args, sizeof args, "accounts '%s' -o '%s/r.h5' --csv '%s/csv'", path, out_dir, out_dir);
        int rc = run(args, &err);
        ck_assert_msg(rc == c->exit_code, "%s: exit %d, expected %d; stderr: %s", c->name, rc,
                      c->exit_code, err);
        check_one_line(err, c->name);
        ck_assert_msg(strstr(err, path), "%s: message does not name the file: %s", c->name, err);
        ck_assert_msg(strstr(err, c->expect), "%s: message lacks '%s': %s", c->name, c->expect, err);
        ck_assert_msg(count_entries(out_dir) == 0, "%s: output left behind", c->name);
        free(err);
        /* flows and info fail the same way */
        snprintf(args, sizeof args, "flows '%s' --from R1 --to R2 -o '%s/f.csv'", path, out_dir);
        rc = run(args, &err);
        ck_assert_msg(rc == c->exit_code, "flows %s: exit %d; %s", c->name, rc, err);
        ck_assert_msg(count_entries(out_dir) == 0, "flows %s: output left behind", c->name);
        free(err);
    }
}
END_TEST

START_TEST(missing_and_directory_inputs)
{
    char args[20000], *err;
    snprintf(args, sizeof args, "accounts '%s' -o '%s/r.h5'", tmp, out_dir);
    ck_assert_int_eq(run(args, &err), 5);
    check_one_line(err, "directory");
    ck_assert_msg(strstr(err, tmp) && strstr(err, "directory"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "info '%s/nope.h5'", tmp);
    ck_assert_int_eq(run(args, &err), 5);
    check_one_line(err, "missing file");
    ck_assert_msg(strstr(err, "nope.h5"), "%s", err);
    free(err);
    ck_assert_uint_eq(count_entries(out_dir), 0);
}
END_TEST

START_TEST(unknown_names_are_usage_errors)
{
    char good[4200], args[20000], *err;
    snprintf(good, sizeof good, "%s/good.h5", tmp);
    write_good(good);
    const struct {
        const char *args, *expect;
    } cases[] = {
        {"flows '%s' --from XX --to R1", "'XX'"},
        {"flows '%s' --from R1 --to YY", "'YY'"},
        {"flows '%s' --from R1 --from R2 --to R1", "pair"},
        {"accounts '%s' --group G=R1,ZZ", "'ZZ'"},
        {"accounts '%s' --group G", "NAME=REGION1"},
        {"accounts '%s' --group R1=R2", "already a region"},
        {"accounts '%s' --stressor CH4", "'CH4'"},
        {"accounts '%s' --no-such-option", "unknown option '--no-such-option'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[8000];
        snprintf(a, sizeof a, cases[i].args, good);
        snprintf(args, sizeof args, "%s -o '%s/r.h5'", a, out_dir);
        int rc = run(args, &err);
        ck_assert_msg(rc == 2, "%s: exit %d; %s", a, rc, err);
        ck_assert_msg(strstr(err, cases[i].expect), "%s: message lacks %s: %s", a, cases[i].expect, err);
        ck_assert_uint_eq(count_entries(out_dir), 0);
        free(err);
    }
}
END_TEST

/* A tiny pymrio text layout (the same 2 x 2 system). */
static void write_text(const char *dir, const char *z_cell)
{
    char p[4400];
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/file_parameters.json", dir);
    FILE *fp = fopen(p, "w");
    fputs("{\"files\": {\"Z\": {\"name\": \"Z.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},"
          " \"Y\": {\"name\": \"Y.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},"
          " \"unit\": {\"name\": \"unit.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"1\"}},"
          " \"systemtype\": \"IOSystem\"}\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/Z.txt", dir);
    fp = fopen(p, "w");
    fprintf(fp, "region\t\tR1\tR1\tR2\tR2\nsector\t\ts1\ts2\ts1\ts2\nregion\tsector\t\t\t\t\n"
                "R1\ts1\t0\t20\t0\t30\nR1\ts2\t0\t0\t0\t0\nR2\ts1\t0\t%s\t0\t10\nR2\ts2\t0\t0\t0\t0\n",
            z_cell);
    fclose(fp);
    snprintf(p, sizeof p, "%s/Y.txt", dir);
    fp = fopen(p, "w");
    fputs("region\t\tR1\tR2\ncategory\t\thh\thh\nregion\tsector\t\t\n"
          "R1\ts1\t40\t10\nR1\ts2\t150\t50\nR2\ts1\t50\t300\nR2\ts2\t-10\t110\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/unit.txt", dir);
    fp = fopen(p, "w");
    fputs("region\tsector\tunit\nR1\ts1\tM.USD\nR1\ts2\tM.USD\nR2\ts1\tM.USD\nR2\ts2\tM.USD\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/co2", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/co2/file_parameters.json", dir);
    fp = fopen(p, "w");
    fputs("{\"files\": {\"F\": {\"name\": \"F.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},"
          " \"F_Y\": {\"name\": \"F_Y.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"2\"},"
          " \"unit\": {\"name\": \"unit.txt\", \"nr_index_col\": \"2\", \"nr_header\": \"1\"}},"
          " \"systemtype\": \"Extension\", \"name\": \"CO2\"}\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/co2/F.txt", dir);
    fp = fopen(p, "w");
    fputs("region\t\tR1\tR1\tR2\tR2\nsector\t\ts1\ts2\ts1\ts2\nstressor\tcompartment\t\t\t\t\n"
          "CO2\tair\t10\t40\t80\t5\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/co2/F_Y.txt", dir);
    fp = fopen(p, "w");
    fputs("region\t\tR1\tR2\ncategory\t\thh\thh\nstressor\tcompartment\t\t\nCO2\tair\t7\t3\n", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/co2/unit.txt", dir);
    fp = fopen(p, "w");
    fputs("stressor\tcompartment\tunit\nCO2\tair\tkt\n", fp);
    fclose(fp);
}

START_TEST(import_then_accounts_end_to_end)
{
    char dir[4200], h5[4300], args[20000], *err;
    snprintf(dir, sizeof dir, "%s/text", tmp);
    snprintf(h5, sizeof h5, "%s/t.h5", out_dir);
    write_text(dir, "40");
    snprintf(args, sizeof args, "import pymrio '%s' -o '%s'", dir, h5);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' --csv '%s/csv' -o '%s/r.h5' -q", h5, out_dir, out_dir);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    /* accounts.csv: R1 pba 57, cba 57.5 (hand-solved in test_accounts.c) */
    char p[4400], line[512];
    snprintf(p, sizeof p, "%s/csv/accounts.csv", out_dir);
    FILE *fp = fopen(p, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert_str_eq(line, "stressor,unit,region,pba,cba,imports,exports,unallocated,balance,kind\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert_msg(strncmp(line, "co2/CO2/air,kt,R1,57,57.5", 25) == 0, "%s", line);
    fclose(fp);
    snprintf(args, sizeof args, "flows '%s' --from R2 --to R1 --csv", h5);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/stdout.txt", tmp);
    fp = fopen(p, "r");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert_msg(strncmp(line, "co2/CO2/air,kt,R2,R1,15.3", 25) == 0, "%s", line);
    fclose(fp);
}
END_TEST

START_TEST(malformed_text_inputs)
{
    const struct {
        const char *cell;
        const char *expect;
    } cells[] = {{"abc", "abc"}, {"nan", "line 6"}, {"inf", "line 6"}, {"", "line 6"}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        char dir[4200], args[20000], *err;
        snprintf(dir, sizeof dir, "%s/text%zu", tmp, i);
        write_text(dir, cells[i].cell);
        snprintf(args, sizeof args, "import pymrio '%s' -o '%s/t.h5'", dir, out_dir);
        int rc = run(args, &err);
        ck_assert_msg(rc == 3, "cell '%s': exit %d; %s", cells[i].cell, rc, err);
        check_one_line(err, cells[i].cell);
        ck_assert_msg(strstr(err, "Z.txt") && strstr(err, cells[i].expect), "%s", err);
        ck_assert_uint_eq(count_entries(out_dir), 0);
        free(err);
    }
    /* a missing Y.txt */
    char dir[4200], p[4400], args[20000], *err;
    snprintf(dir, sizeof dir, "%s/textY", tmp);
    write_text(dir, "40");
    snprintf(p, sizeof p, "%s/Y.txt", dir);
    unlink(p);
    snprintf(args, sizeof args, "import pymrio '%s' -o '%s/t.h5'", dir, out_dir);
    ck_assert_int_ne(run(args, &err), 0);
    check_one_line(err, "missing Y.txt");
    ck_assert_msg(strstr(err, "Y.txt"), "%s", err);
    ck_assert_uint_eq(count_entries(out_dir), 0);
    free(err);
}
END_TEST

/* `synth --csr`: a CSR file that `info` reports and `accounts` solves with
 * the same results as the dense file of the same seed; bad options exit 2. */
START_TEST(synth_csr_then_accounts)
{
    char args[20000], p[4400], *err;
    snprintf(args, sizeof args, "synth -r 4 --sectors 5 -k 2 --seed 9 --spectral-radius 0.9 --csr -o '%s/c.h5'",
             out_dir);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "CSR with"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "synth -r 4 --sectors 5 -k 2 --seed 9 --colsum 0.9,0.9 -o '%s/d.h5'", out_dir);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/c.h5", out_dir);
    emb_table *c = NULL, *d = NULL;
    ck_assert_int_eq(emb_table_read_h5(p, 0, &c), EMB_OK);
    ck_assert_ptr_nonnull(c->csr);
    snprintf(p, sizeof p, "%s/d.h5", out_dir);
    ck_assert_int_eq(emb_table_read_h5(p, 0, &d), EMB_OK);
    ck_assert_ptr_null(d->csr);
    ck_assert_str_eq(c->source, d->source);
    emb_table_free(c);
    emb_table_free(d);
    snprintf(args, sizeof args, "info '%s/c.h5'", out_dir);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    char line[1024];
    int found = 0;
    snprintf(p, sizeof p, "%s/stdout.txt", tmp);
    FILE *fp = fopen(p, "r");
    ck_assert_ptr_nonnull(fp);
    while (fgets(line, sizeof line, fp))
        found |= strstr(line, "CSR,") != NULL;
    fclose(fp);
    ck_assert(found);
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "accounts '%s/%s.h5' --csv '%s/csv%d' -q", out_dir,
                 i ? "d" : "c", out_dir, i);
        ck_assert_msg(run(args, &err) == 0, "%s", err);
        free(err);
    }
    char a[4400], b[4400];
    snprintf(a, sizeof a, "%s/csv0/accounts.csv", out_dir);
    snprintf(b, sizeof b, "%s/csv1/accounts.csv", out_dir);
    FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
    ck_assert(fa && fb);
    char la[1024], lb[1024];
    while (fgets(la, sizeof la, fa)) {
        ck_assert_ptr_nonnull(fgets(lb, sizeof lb, fb));
        ck_assert_str_eq(la, lb);
    }
    fclose(fa), fclose(fb);
    const char *bad[] = {"--colsum 0.5", "--colsum 0.6,0.5", "--spectral-radius 1", "--colsum 0,0.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "synth -r 2 --sectors 2 %s -o '%s/x.h5'", bad[i], out_dir);
        ck_assert_int_eq(run(args, &err), 2);
        ck_assert_msg(strncmp(err, "embodied synth: ", 16) == 0 && strstr(err, "--help"), "%s", err);
        free(err);
    }
}
END_TEST

/* Outputs that must never be replaced, even with --force (issue 11, write
 * side 2 and 3): the input itself (compared by device and inode: a link to
 * it too), a file inside an input folder, a FIFO, a symbolic link.  Refused
 * before any work, exit 2, everything left as it was. */
START_TEST(outputs_never_replaced)
{
    char in[4200], args[20000], p[4300];
    char *err;
    snprintf(in, sizeof in, "%s/t.h5", tmp);
    write_good(in);
    size_t len0;
    char *before = emb_test_slurp(in, &len0);
    snprintf(args, sizeof args, "accounts '%s' -q -o '%s' --force", in, in);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "is the input"), "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/hard.h5", tmp);
    ck_assert_int_eq(link(in, p), 0); /* another name of the same file */
    snprintf(args, sizeof args, "accounts '%s' -q -o '%s' --force", in, p);
    ck_assert_int_eq(run(args, &err), 2);
    free(err);
    size_t len1;
    char *after = emb_test_slurp(in, &len1);
    ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
    free(before), free(after);
    snprintf(p, sizeof p, "%s/fifo", tmp);
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    snprintf(args, sizeof args, "accounts '%s' -q -o '%s' --force", in, p);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "not a regular file (a FIFO)"), "%s", err);
    free(err);
    struct stat sb;
    ck_assert(lstat(p, &sb) == 0 && S_ISFIFO(sb.st_mode));
    snprintf(p, sizeof p, "%s/sym", tmp);
    ck_assert_int_eq(symlink("/dev/null", p), 0);
    snprintf(args, sizeof args, "synth -r 3 --sectors 4 -o '%s' --force", p);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "a symbolic link"), "%s", err);
    free(err);
    ck_assert(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode));
    /* import: an existing file of the input folder */
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/ce", tmp);
    snprintf(args, sizeof args, "cp -r '%s' '%s'", emb_test_src_path("datasets/csv-example"), dir);
    ck_assert_int_eq(system(args), 0);
    snprintf(args, sizeof args, "import csv '%s' -o '%s/Z.csv' --force", dir, dir);
    ck_assert_int_eq(run(args, &err), 2);
    free(err);
    snprintf(args, sizeof args, "import csv '%s' -o '%s/new.h5'", dir, dir); /* a new file: fine */
    ck_assert_int_eq(run(args, &err), 0);
    free(err);
}
END_TEST

START_TEST(help_and_version)
{
    const char *cmds[] = {"--help", "--version", "info --help", "accounts --help", "flows --help",
                          "import --help", "import --list", "synth --help"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *err;
        ck_assert_msg(run(cmds[i], &err) == 0, "%s: %s", cmds[i], err);
        free(err);
    }
    char *err;
    /* every accepted format name is listed (issue 11: exiobase3 worked but was missing) */
    ck_assert_int_eq(run_in("", "import --list", "", &err), 0);
    free(err);
    size_t list_len;
    char *list = emb_test_slurp(emb_test_pathf("%s/stdout.txt", tmp), &list_len);
    const char *names[] = {"pymrio", "exiobase3", "eora26", "oecd-icio", "icio", "gloria", "csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(strstr(list, names[i]), "%s missing from import --list:\n%s", names[i], list);
    free(list);
    ck_assert_int_eq(run("", &err), 2);
    free(err);
    ck_assert_int_eq(run("frobnicate", &err), 2);
    free(err);
}
END_TEST

/* Read a whole small file (malloc'd). */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    char *b = calloc(1 << 20, 1);
    size_t n = fread(b, 1, (1 << 20) - 1, fp);
    b[n] = '\0';
    fclose(fp);
    return b;
}

/* An existing output is never overwritten without --force; with it, it is
 * replaced atomically.  The solver options are accepted and reported. */
START_TEST(outputs_not_overwritten_without_force)
{
    char in[4300], args[16384], res[4300], csvd[4300], keep[4400];
    snprintf(in, sizeof in, "%s/good.h5", tmp);
    write_good(in);
    snprintf(res, sizeof res, "%s/results.h5", out_dir);
    snprintf(csvd, sizeof csvd, "%s/csv", out_dir);
    ck_assert_int_eq(mkdir(csvd, 0777), 0);
    snprintf(keep, sizeof keep, "%s/flows.csv", csvd);
    FILE *fp = fopen(keep, "w");
    fputs("precious\n", fp);
    fclose(fp);
    fp = fopen(res, "w");
    fputs("precious\n", fp);
    fclose(fp);
    char *err;
    snprintf(args, sizeof args, "accounts '%s' -o '%s' -q", in, res);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "output exists") && strstr(err, "--force"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' --csv '%s' -q", in, csvd);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "flows.csv"), "%s", err);
    free(err);
    char *b = slurp(res), *c = slurp(keep);
    ck_assert_str_eq(b, "precious\n");
    ck_assert_str_eq(c, "precious\n");
    free(b), free(c);
    snprintf(args, sizeof args, "flows '%s' --from R1 --to R2 -o '%s'", in, keep);
    ck_assert_int_eq(run(args, &err), 2);
    free(err);
    snprintf(args, sizeof args, "synth -r 2 --sectors 2 -o '%s'", res);
    ck_assert_int_eq(run(args, &err), 2);
    free(err);
    /* --force replaces, and the solver can be chosen and explained. */
    snprintf(args, sizeof args,
             "accounts '%s' -o '%s' --csv '%s' -q --force --solver mixed --explain", in, res, csvd);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "solver mixed: requested"), "%s", err);
    free(err);
    c = slurp(keep);
    ck_assert_msg(strncmp(c, "stressor,unit,origin,destination,value", 38) == 0, "%s", c);
    free(c);
    ck_assert_uint_eq(count_entries(out_dir), 2); /* results.h5, csv/: no temporaries */
    snprintf(args, sizeof args, "accounts '%s' -q --solver lu", in);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "dense, mixed, sparse, scalapack or auto"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' -q --max-memory 12X", in);
    ck_assert_int_eq(run(args, &err), 2);
    free(err);
    /* One parser, case-insensitive units; overflow is an error; a limit
     * above the machine's memory is accepted with a warning. */
    snprintf(args, sizeof args, "accounts '%s' -q --max-memory 8gib", in);
    ck_assert_int_eq(run(args, &err), 0);
    ck_assert_msg(!strstr(err, "warning: --max-memory"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' -q --max-memory 99999999999999999999999", in);
    ck_assert_int_eq(run(args, &err), 2);
    ck_assert_msg(strstr(err, "overflows"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' -q --max-memory 15EiB", in);
    ck_assert_int_eq(run(args, &err), 0);
    ck_assert_msg(strstr(err, "warning: --max-memory 15EiB exceeds the machine's memory"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' -q --solver dense --max-memory 100", in);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "needs") && strstr(err, "but the memory limit is 100 B (--max-memory)"),
                  "%s", err);
    free(err);
}
END_TEST

/* --max-memory on every command that loads or builds a table: documented,
 * plans refused before work with exit status 6 and one line naming the
 * file, the plan and the limit; nothing written. */
START_TEST(max_memory_on_every_command)
{
    char args[20000], h5[4300], t5[4300], dir[4200], *err;
    const char *helps[] = {"info --help", "accounts --help", "flows --help", "import --help",
                           "synth --help"};
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
        ck_assert_int_eq(run(helps[i], &err), 0);
        free(err);
        char p[4300];
        snprintf(p, sizeof p, "%s/stdout.txt", tmp);
        char *o = slurp(p);
        ck_assert_msg(strstr(o, "--max-memory SIZE"), "%s: %s", helps[i], o);
        free(o);
    }
    /* A table no machine holds: refused before generating, at the default
     * limit (the machine's memory). */
    snprintf(h5, sizeof h5, "%s/huge.h5", out_dir);
    snprintf(args, sizeof args, "synth -r 5000 --sectors 5000 -o '%s'", h5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "embodied: synth: the generated table needs") &&
                      strstr(err, "(machine memory)") && strchr(err, '\n') == err + strlen(err) - 1,
                  "%s", err);
    free(err);
    snprintf(args, sizeof args, "synth -r 4 --sectors 5 -o '%s' --max-memory 10K", h5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "but the memory limit is 10 KiB (--max-memory)"), "%s", err);
    free(err);
    ck_assert_uint_eq(count_entries(out_dir), 0);
    /* One region of 300 sectors: the table is kilobytes, a dense factor
     * 703 KiB. */
    snprintf(t5, sizeof t5, "%s/t.h5", tmp);
    snprintf(args, sizeof args, "synth -r 1 --sectors 300 --fd 1 -k 1 -o '%s'", t5);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    snprintf(args, sizeof args, "info '%s' --max-memory 4K", t5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "t.h5: the table needs") && strstr(err, "Y 2.3 KiB") &&
                      strstr(err, "memory limit is 4.0 KiB (--max-memory)"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "info '%s' --max-memory 1G", t5);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    snprintf(args, sizeof args, "accounts '%s' -q --solver dense --max-memory 100K", t5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "t.h5: the solver needs 703 KiB (Leontief factor I - A, N x N double, "
                              "N = 300) but the memory limit is 100 KiB (--max-memory)"), "%s", err);
    free(err);
    /* Under a limit auto takes what fits: the float factor (352 KiB). */
    snprintf(args, sizeof args, "accounts '%s' -q --explain --max-memory 600K", t5);
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "solver mixed: the dense factor"), "%s", err);
    free(err);
    snprintf(args, sizeof args, "flows '%s' --from R001 --to R001 --max-memory 4K", t5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "the table needs"), "%s", err);
    free(err);
    /* import: the plan from the headers (plain CSV, 3,000 regions x 1
     * sector: Z and Y 69 MiB each), before any data row is read. */
    snprintf(dir, sizeof dir, "%s/csv", tmp);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char p[4400];
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    FILE *fp = fopen(p, "w");
    fputs("{\"format\": \"embodied-csv\", \"version\": 1, \"Z\": \"Z.csv\", \"Y\": \"Y.csv\", "
          "\"F\": \"F.csv\"}\n", fp);
    fclose(fp);
    const char *files[] = {"Z.csv", "Y.csv", "F.csv"}, *inner[] = {"sector,,s", "category,,hh",
                                                                    "sector,,s"};
    for (int f = 0; f < 3; f++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[f]);
        fp = fopen(p, "w");
        fputs("region,", fp);
        for (int r = 0; r < 3000; r++)
            fprintf(fp, ",R%d", r);
        fprintf(fp, "\n%s", inner[f]);
        for (int r = 1; r < 3000; r++)
            fprintf(fp, ",%s", inner[f] + strlen(inner[f]) - (f == 1 ? 2 : 1));
        fputc('\n', fp);
        fclose(fp);
    }
    snprintf(args, sizeof args, "import csv '%s' -o '%s' --max-memory 32M", dir, h5);
    ck_assert_int_eq(run(args, &err), 6);
    ck_assert_msg(strstr(err, "csv/Z.csv: the table needs 69 MiB (Z 69 MiB)") &&
                      strstr(err, "memory limit is 32 MiB (--max-memory)"), "%s", err);
    free(err);
    ck_assert_uint_eq(count_entries(out_dir), 0);
    /* Sizes that are not sizes: usage errors. */
    const char *bad[] = {"0", "-5G", "1.5X", "G", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "info '%s' --max-memory '%s'", t5, bad[i]);
        ck_assert_int_eq(run(args, &err), 2);
        ck_assert_msg(strstr(err, "--max-memory"), "%s", err);
        free(err);
    }
}
END_TEST

/* A full disk, simulated by a file size limit (SIGXFSZ ignored, so writes
 * fail with EFBIG as they would with ENOSPC), and a full stdout (/dev/full):
 * exit status 5, a one-line message, no output and no temporary left. */
START_TEST(full_disk_gives_io_error_and_no_output)
{
    char in[4300], args[16384], prefix[] = "ulimit -f 4; trap '' XFSZ;";
    snprintf(in, sizeof in, "%s/big.h5", tmp);
    snprintf(args, sizeof args, "synth -r 8 --sectors 20 -o '%s'", in); /* N = 160: Z is 200 kB */
    char *err;
    ck_assert_msg(run(args, &err) == 0, "%s", err);
    free(err);
    const char *outs[][2] = {
        {"synth -r 8 --sectors 20 -o '%s/t.h5'", NULL},
        {"accounts '%s' -q --sectors --flows-by-sector -o '%s/r.h5'", "in"},
        {"accounts '%s' -q --sectors --flows-by-sector --csv '%s'", "in"},
        {"flows '%s' --from R001 --to R002 --by-sector -o '%s/f.csv'", "in"},
    };
    for (size_t c = 0; c < sizeof outs / sizeof outs[0]; c++) {
        if (outs[c][1])
            snprintf(args, sizeof args, outs[c][0], in, out_dir);
        else
            snprintf(args, sizeof args, outs[c][0], out_dir);
        int rc = run_in(prefix, args, "", &err);
        ck_assert_msg(rc == 5, "%s: exit %d, %s", args, rc, err);
        ck_assert_msg(strstr(err, out_dir), "%s: the message does not name the file: %s", args,
                      err);
        ck_assert_msg(count_entries(out_dir) == 0, "%s: left a file behind", args);
        free(err);
    }
    snprintf(args, sizeof args, "flows '%s' --from R001 --to R002", in);
    ck_assert_int_eq(run_in("", args, "/dev/full", &err), 5);
    ck_assert_msg(strstr(err, "standard output: write error"), "%s", err);
    free(err);
}
END_TEST

/* Copy file src to dst with mode `mode`. */
static void copy_file(const char *src, const char *dst, mode_t mode)
{
    size_t n;
    char *data = emb_test_slurp(src, &n);
    emb_test_spit(dst, data, n);
    free(data);
    ck_assert_int_eq(chmod(dst, mode), 0);
}

/* A directory the user may not write to: exit status 5 naming the path, no
 * output, no temporary.  Root ignores permissions, so as root the command
 * runs as nobody (setpriv, util-linux).  nobody may not reach the checkout
 * (a clone inside a private directory, mode 0700): the binary and the demo
 * table it reads are copied into the test's own directory, opened up for
 * nobody meanwhile; where nobody cannot reach even that (a private TMPDIR),
 * the unprivileged part is skipped with a message. */
START_TEST(read_only_dir_gives_io_error)
{
    char ro[4300], args[16384], prefix[128] = "", table[4300], own_exe[4300];
    snprintf(ro, sizeof ro, "%s/ro", tmp);
    snprintf(table, sizeof table, "%s/demo.h5", tmp);
    snprintf(own_exe, sizeof own_exe, "%s/embodied", tmp);
    ck_assert_int_eq(mkdir(ro, 0555), 0);
    ck_assert_int_eq(chmod(ro, 0555), 0); /* whatever the umask */
    copy_file(emb_test_src_path("datasets/demo.h5"), table, 0644);
    copy_file(exe, own_exe, 0755);
    char saved_exe[sizeof exe];
    memcpy(saved_exe, exe, sizeof exe);
    ck_assert_uint_lt(strlen(own_exe), sizeof exe);
    memcpy(exe, own_exe, strlen(own_exe) + 1);
    if (geteuid() == 0) {
        if (access("/usr/bin/setpriv", X_OK) != 0) {
            printf("# skipped: running as root without setpriv, permissions cannot be tested\n");
            memcpy(exe, saved_exe, sizeof exe);
            return;
        }
        ck_assert_int_eq(chmod(tmp, 0755), 0);
        snprintf(prefix, sizeof prefix, "setpriv --reuid=65534 --regid=65534 --clear-groups");
        char probe[16384];
        snprintf(probe, sizeof probe, "%s sh -c 'test -x \"$0\" && test -r \"$1\"' '%s' '%s'",
                 prefix, own_exe, table);
        if (system(probe) != 0) {
            printf("# skipped: nobody cannot reach the test directory %s (a private TMPDIR?)\n", tmp);
            ck_assert_int_eq(chmod(tmp, 0700), 0);
            memcpy(exe, saved_exe, sizeof exe);
            return;
        }
    }
    const char *cmds[] = {"accounts '%s' -q -o '%s/r.h5'", "accounts '%s' -q --csv '%s/csv'",
                          "flows '%s' --from MN --to CN -o '%s/f.csv'",
                          "synth -r 2 --sectors 3 -o '%s/t.h5'"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char *err;
        if (strncmp(cmds[c], "synth", 5) == 0) /* reads no table */
            snprintf(args, sizeof args, cmds[c], ro);
        else
            snprintf(args, sizeof args, cmds[c], table, ro);
        int rc = run_in(prefix, args, "", &err);
        ck_assert_msg(rc == 5, "%s: exit %d, %s", args, rc, err);
        ck_assert_msg(strstr(err, ro), "%s: the message does not name the path: %s", args, err);
        ck_assert_msg(count_entries(ro) == 0, "%s: left a file behind", args);
        free(err);
    }
    ck_assert_int_eq(chmod(tmp, 0700), 0);
    memcpy(exe, saved_exe, sizeof exe);
}
END_TEST

/* Files on which libhdf5 1.10 itself loops or crashes (found by fuzz_h5,
 * kept in tests/fuzz/known/): the CLI's probe in a child process turns the
 * hang (within the probe's time limit) or the crash into an input error
 * naming the file. */
START_TEST(hdf5_library_hang_is_an_input_error)
{
    char args[8192], *err;
    snprintf(args, sizeof args, "info '%s'", emb_test_src_path("tests/fuzz/known/h5/heap-loop.h5"));
    time_t t0 = time(NULL);
    int rc = run_in("EMBODIED_HDF5_PROBE_SECONDS=2", args, "", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "heap-loop.h5: the HDF5 library did not finish reading"), "%s", err);
    ck_assert_msg(time(NULL) - t0 < 30, "took %ld s", (long)(time(NULL) - t0));
    free(err);
    /* A SEGV inside libhdf5 (the global-heap cache): the probe's child dies
     * of it, the CLI reports it.  (ASan would catch the signal in the child
     * and exit normally: let the signal through.  Under ASan's memory layout
     * the same file can send libhdf5 into a loop instead: also an input
     * error, after the probe's time limit.) */
    snprintf(args, sizeof args, "info '%s'",
             emb_test_src_path("tests/fuzz/known/h5/heap-cache-segv.h5"));
    rc = run_in("ASAN_OPTIONS=handle_segv=0:detect_leaks=0 EMBODIED_HDF5_PROBE_SECONDS=5", args,
                "", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "heap-cache-segv.h5: the HDF5 library crashed (signal 11") ||
                      strstr(err, "heap-cache-segv.h5: the HDF5 library did not finish"),
                  "%s", err);
    free(err);
    rc = run_in("EMBODIED_HDF5_PROBE_SECONDS=x", "info", "", &err);
    ck_assert_msg(rc == 2 && strstr(err, "EMBODIED_HDF5_PROBE_SECONDS='x'"), "exit %d: %s", rc, err);
    ck_assert_msg(!strstr(err, "(null)"), "%s", err); /* issue 11: "Try 'embodied (null) --help'" */
    free(err);
}
END_TEST

/* SIGINT or SIGTERM while writing: no result and no temporary left.  No
 * timed kill (a run that finished first proved nothing): the CLI's test hook
 * EMBODIED_TEST_SIGNAL_AFTER_TEMP makes it raise the signal itself once its
 * first temporary is written, and report that temporary's name on stderr.
 * Each writer is covered: the table (synth), the HDF5 results and the CSV
 * results (accounts), the flows CSV.  The documented outcome: the process
 * dies of the signal (the handler removes the temporaries and re-raises).
 * Every signal at every point of the commit: tests/test_commit.c. */
START_TEST(interrupted_run_leaves_nothing)
{
    const int sigs[] = {SIGINT, SIGTERM};
    const char *names[] = {"SIGINT", "SIGTERM"};
    const char *cmds[][12] = {
        {"synth", "-r", "4", "--sectors", "5", "-o", "%s/t.h5", NULL},
        {"accounts", "-q", "-o", "%s/r.h5", NULL},
        {"accounts", "-q", "--csv", "%s/csv", NULL},
        {"flows", "--from", "MN", "--to", "CN", "-o", "%s/f.csv", NULL},
    };
    char errf[4300];
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmp);
    for (size_t si = 0; si < 2; si++)
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            char *argv[16], arg[4300];
            size_t n = 0;
            argv[n++] = exe;
            for (size_t i = 0; cmds[c][i]; i++) {
                if (strstr(cmds[c][i], "%s")) {
                    snprintf(arg, sizeof arg, cmds[c][i], out_dir);
                    argv[n++] = arg;
                } else {
                    argv[n++] = (char *)cmds[c][i];
                }
            }
            argv[n] = NULL;
            pid_t pid = fork();
            ck_assert_int_ge(pid, 0);
            if (pid == 0) {
                int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                int dn = open("/dev/null", O_WRONLY);
                if (fd < 0 || dn < 0 || dup2(fd, 2) < 0 || dup2(dn, 1) < 0)
                    _exit(126);
                setenv("EMBODIED_TEST_SIGNAL_AFTER_TEMP", names[si], 1);
                execv(exe, argv);
                _exit(127);
            }
            int status;
            ck_assert_int_eq(waitpid(pid, &status, 0), pid);
            size_t errlen;
            char *err = emb_test_slurp(errf, &errlen);
            ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[si],
                          "%s %s: status %d, expected death by %s; stderr: %s", cmds[c][0],
                          cmds[c][1], status, names[si], err);
            /* The temporary existed, beside the output, when the signal came. */
            char want[4400];
            snprintf(want, sizeof want, "test hook: temporary %s/", out_dir);
            const char *line = strstr(err, want);
            ck_assert_msg(line, "%s %s: no temporary in %s reported: %s", cmds[c][0], cmds[c][1],
                          out_dir, err);
            ck_assert_msg(strstr(line, ".embodied-tmp.") && strstr(line, " exists ("), "%s", err);
            ck_assert_msg(count_entries(out_dir) == 0, "%s %s after %s: a file is left",
                          cmds[c][0], cmds[c][1], names[si]);
            free(err);
        }
    /* A misspelt hook is refused, not ignored. */
    char *err;
    ck_assert_int_eq(run_in("EMBODIED_TEST_SIGNAL_AFTER_TEMP=SIGKILL", "info", "", &err), 2);
    ck_assert_msg(strstr(err, "EMBODIED_TEST_SIGNAL_AFTER_TEMP='SIGKILL'"), "%s", err);
    free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, malformed_hdf5_inputs);
    tcase_add_test(tc, missing_and_directory_inputs);
    tcase_add_test(tc, unknown_names_are_usage_errors);
    tcase_add_test(tc, import_then_accounts_end_to_end);
    tcase_add_test(tc, malformed_text_inputs);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, outputs_never_replaced);
    tcase_add_test(tc, outputs_not_overwritten_without_force);
    tcase_add_test(tc, full_disk_gives_io_error_and_no_output);
    tcase_add_test(tc, read_only_dir_gives_io_error);
    tcase_add_test(tc, hdf5_library_hang_is_an_input_error);
    tcase_add_test(tc, interrupted_run_leaves_nothing);
    tcase_add_test(tc, synth_csr_then_accounts);
    tcase_add_test(tc, max_memory_on_every_command);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
