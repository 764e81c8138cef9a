/* tests/testutil.c — see testutil.h. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <hdf5.h>

#include <ftw.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *emb_test_shared_dir(void)
{
    static char buf[4096];
    const char *env = getenv("EMB_SHARED_DIR");
    snprintf(buf, sizeof buf, "%s/testdata", env ? env : "../shared");
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return buf;
    return NULL;
}

const char *emb_test_require_shared(const char *suite)
{
    const char *d = emb_test_shared_dir();
    if (d)
        return d;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) {
        printf("Bail out! %s needs ../shared/testdata (EMB_SHARED_DIR=%s) and CI=true\n", suite,
               getenv("EMB_SHARED_DIR") ? getenv("EMB_SHARED_DIR") : "unset");
        exit(1);
    }
    printf("1..0 # SKIP %s: ../shared/testdata not found (set EMB_SHARED_DIR)\n", suite);
    exit(0);
}

const char *emb_test_src_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("EMB_SOURCE_ROOT");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

char *emb_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/embodied-test-XXXXXX", base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void emb_test_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int emb_test_close(double a, double b, double rtol, double floor)
{
    if (isnan(a) || isnan(b))
        return 0;
    double scale = fmax(fmax(fabs(a), fabs(b)), floor);
    return fabs(a - b) <= rtol * scale;
}

int emb_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/* ------------------------------------------------ files and reference CSVs */

char *emb_test_pathf(const char *fmt, ...)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

char *emb_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    ck_assert(b != NULL);
    ck_assert_int_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

void emb_test_spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_int_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

void emb_test_spits(const char *path, const char *text) { emb_test_spit(path, text, strlen(text)); }

char *emb_test_line_start(char *text, int line)
{
    char *p = text;
    for (int l = 1; l < line; l++) {
        p = strchr(p, '\n');
        ck_assert(p != NULL);
        p++;
    }
    return p;
}

void emb_test_edit_cell(const char *path, char delim, int line, int col, const char *repl)
{
    size_t n;
    char *b = emb_test_slurp(path, &n);
    char *p = emb_test_line_start(b, line);
    for (int c = 1; c < col; c++) {
        p = strchr(p, delim);
        ck_assert(p != NULL);
        p++;
    }
    const char stop[3] = {delim, '\n', '\0'};
    char *e = p + strcspn(p, stop);
    size_t head = (size_t)(p - b), tail = n - (size_t)(e - b);
    char *o = malloc(n + (repl ? strlen(repl) : 0) + 1);
    memcpy(o, b, head);
    size_t w = head;
    if (repl) {
        memcpy(o + w, repl, strlen(repl));
        w += strlen(repl);
    } else {
        w--; /* the delimiter before the field */
    }
    memcpy(o + w, e, tail);
    emb_test_spit(path, o, w + tail);
    free(o);
    free(b);
}


void emb_test_csv_free(emb_test_csv *c)
{
    for (size_t i = 0; i < c->rows; i++)
        free(c->first[i]);
    free(c->first);
    free(c->v);
}

emb_test_csv emb_test_csv_read(const char *path, size_t nhdr, size_t nidx)
{
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    emb_test_csv c = {0, 0, NULL, NULL};
    size_t cap = 0;
    char *line = NULL;
    size_t ln = 0, lineno = 0;
    while (getline(&line, &ln, fp) > 0) {
        if (lineno++ < nhdr)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        /* split on commas (the reference files have no quoted commas in values) */
        size_t ncell = 1;
        for (char *p = line; *p; p++)
            ncell += *p == ',';
        char **cells = malloc(ncell * sizeof *cells);
        size_t n = 0;
        char *save = line;
        for (char *p = line;; p++)
            if (*p == ',' || *p == '\0') {
                int end = *p == '\0';
                *p = '\0';
                cells[n++] = save;
                save = p + 1;
                if (end)
                    break;
            }
        int empty = 1;
        for (size_t j = nidx; j < n; j++)
            empty &= cells[j][0] == '\0';
        if (empty || n <= nidx) {
            free(cells);
            continue;
        }
        if (!c.cols)
            c.cols = n - nidx;
        ck_assert_msg(n - nidx == c.cols, "%s: line %zu has %zu values, expected %zu", path, lineno,
                      n - nidx, c.cols);
        if (c.rows == cap) {
            cap = cap ? 2 * cap : 64;
            c.v = realloc(c.v, cap * c.cols * sizeof(double));
            c.first = realloc(c.first, cap * sizeof(char *));
        }
        for (size_t j = 0; j < c.cols; j++)
            c.v[c.rows * c.cols + j] = strtod(cells[nidx + j], NULL);
        c.first[c.rows] = strdup(nidx ? cells[0] : "");
        c.rows++;
        free(cells);
    }
    free(line);
    fclose(fp);
    return c;
}

double emb_test_compare(const char *what, const double *got, const emb_test_csv *ref, size_t row0,
                        size_t nrows, double rtol)
{
    double maxabs = 0, worst = 0;
    for (size_t i = 0; i < nrows * ref->cols; i++)
        maxabs = fmax(maxabs, fabs(ref->v[row0 * ref->cols + i]));
    double floor = 1e-12 * maxabs;
    size_t wi = 0;
    for (size_t i = 0; i < nrows * ref->cols; i++) {
        double r = ref->v[row0 * ref->cols + i], g = got[i];
        double e = fabs(g - r) / fmax(fabs(r), floor > 0 ? floor : 1e-300);
        if (!(e <= worst)) {
            worst = isnan(e) ? INFINITY : e;
            wi = i;
        }
    }
    /* A TAP comment, so that the test log shows how close each quantity is. */
    printf("# %s: worst relative error %.2e (tolerance %.0e)\n", what, worst, rtol);
    fflush(stdout);
    ck_assert_msg(worst <= rtol, "%s: worst relative error %.3g at element %zu (%.17g vs pymrio %.17g)",
                  what, worst, wi, got[wi], ref->v[row0 * ref->cols + wi]);
    return worst;
}


/* ------------------------------------------------------------ HDF5 files */

void emb_test_h5_fixed_strings(hid_t loc, const char *name, size_t n, const char *const *s,
                               size_t size, H5T_str_t pad, H5T_cset_t cset, char fill)
{
    char *buf = malloc(n * size);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]) < size ? strlen(s[i]) : size;
        memset(buf + i * size, fill, size);
        memcpy(buf + i * size, s[i], l);
    }
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, size);
    H5Tset_strpad(ty, pad);
    H5Tset_cset(ty, cset);
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    ck_assert_int_ge(H5Dwrite(ds, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(ds), H5Sclose(sp), H5Tclose(ty);
    free(buf);
}

/* The hand-solved 2 regions x 2 sectors system of tests/test_accounts.c (its
 * comment derives every account), as Z or A, with or without x; shared by the
 * suites that check an analysis on it by hand. */
emb_table *emb_test_hand_table(emb_tech_kind kind, int with_x)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(2, 2, 1, 1, kind, 1, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "R1");
    emb_table_set_label(t, EMB_LABEL_REGION, 1, "R2");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "s1");
    emb_table_set_label(t, EMB_LABEL_SECTOR, 1, "s2");
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "households");
    emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "CO2");
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    static const double x[4] = {100, 200, 400, 100};
    static const double Z[4][4] = {{0, 20, 0, 30}, {0, 0, 0, 0}, {0, 40, 0, 10}, {0, 0, 0, 0}};
    static const double Y[4][2] = {{40, 10}, {150, 50}, {50, 300}, {-10, 110}};
    static const double F[4] = {10, 40, 80, 5}, FY[2] = {7, 3};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++)
            t->T[i * 4 + j] = kind == EMB_TECH_Z ? Z[i][j] : Z[i][j] / x[j];
        t->Y[i * 2] = Y[i][0];
        t->Y[i * 2 + 1] = Y[i][1];
        t->F[i] = F[i];
    }
    t->F_Y[0] = FY[0];
    t->F_Y[1] = FY[1];
    if (with_x) {
        emb_table_alloc_x(t);
        memcpy(t->x, x, sizeof x);
    }
    ck_assert_int_eq(emb_table_validate(t, NULL), kind == EMB_TECH_A && !with_x ? EMB_EINPUT : EMB_OK);
    return t;
}
