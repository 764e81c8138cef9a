/* tests/test_import_gloria_shared.c — the GLORIA importer on the format
 * sample in ../shared/testdata/format-samples/gloria (3 regions x 3 sectors,
 * 2 final-demand and 2 value-added categories, 5 satellites): shapes, labels,
 * exact values read by hand from the CSVs, x, CSR storage, the account
 * identities, HDF5 round trip, selection options, the MRIOs as a zip, broken
 * copies (one defect each), allocation failures and the CLI.
 *
 * Values are quoted from the sample files as (line, column), 1-based as a
 * spreadsheet shows them.  T-Results rows and columns run, per region, over
 * 3 industries then 3 products: product p of region r is line/column
 * 6r + 4 + p (0-based r, p), industry s column 6r + 1 + s. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zip.h>

static const char *shared; /* ../shared/testdata */

#define MRIO "GLORIA_MRIOs_59_2022"
#define SAT "GLORIA_SatelliteAccounts_059_2022"
#define F_T MRIO "/0_120secMother_AllCountries_002_T-Results_2022_059_Markup001(full).csv"
#define F_Y MRIO "/0_120secMother_AllCountries_002_Y-Results_2022_059_Markup001(full).csv"
#define F_V MRIO "/0_120secMother_AllCountries_002_V-Results_2022_059_Markup001(full).csv"
#define F_TQ SAT "/0_120secMother_AllCountries_002_TQ-Results_2022_059_Markup001(full).csv"
#define F_YQ SAT "/0_120secMother_AllCountries_002_YQ-Results_2022_059_Markup001(full).csv"
#define README "GLORIA_ReadMe_059.xlsx"

static const char *sample(void) { return emb_test_pathf("%s/format-samples/gloria", shared); }

/* A writable copy of the sample in tmp/rel. */
static const char *copy_sample(const char *tmp, const char *rel)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/%s' && chmod -R u+w '%s/%s'", sample(), tmp, rel,
             tmp, rel);
    ck_assert_int_eq(system(cmd), 0);
    return emb_test_pathf("%s/%s", tmp, rel);
}

/* Replace the first `from` in file `path` by `to`. */
static void edit(const char *path, const char *from, const char *to)
{
    size_t n;
    char *b = emb_test_slurp(path, &n);
    char *p = strstr(b, from);
    ck_assert_msg(p != NULL, "'%s' not in %s", from, path);
    size_t lf = strlen(from), lt = strlen(to);
    char *o = malloc(n - lf + lt + 1);
    memcpy(o, b, (size_t)(p - b));
    memcpy(o + (p - b), to, lt);
    memcpy(o + (p - b) + lt, p + lf, n - (size_t)(p - b) - lf);
    emb_test_spit(path, o, n - lf + lt);
    free(o), free(b);
}

static void truncate_to(const char *path, size_t len)
{
    size_t n;
    char *b = emb_test_slurp(path, &n);
    ck_assert(len < n);
    emb_test_spit(path, b, len);
    free(b);
}

static size_t idx(const emb_table *t, size_t r, size_t s) { return r * t->n_s + s; }

static long stressor(const emb_table *t, const char *name)
{
    for (size_t s = 0; s < t->k; s++)
        if (!strcmp(t->stressors[s], name))
            return (long)s;
    ck_abort_msg("no stressor %s", name);
    return -1;
}

/* Z[i][j] from the CSR (0 when absent). */
static double zat(const emb_table *t, size_t i, size_t j)
{
    const emb_csr *z = t->csr;
    for (size_t e = z->indptr[i]; e < z->indptr[i + 1]; e++)
        if (z->indices[e] == j)
            return z->data[e];
    return 0;
}

/* Sum of the numbers on line `line` of a sample CSV, left to right. */
static double line_sum(const char *rel, int line)
{
    size_t n;
    char *b = emb_test_slurp(emb_test_pathf("%s/%s", sample(), rel), &n), *p = b;
    for (int l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    double s = 0;
    char *end;
    for (;;) {
        s += strtod(p, &end);
        if (*end != ',')
            break;
        p = end + 1;
    }
    free(b);
    return s;
}

static void check_sample(const emb_table *t)
{
    ck_assert_uint_eq(t->n_r, 3);
    ck_assert_uint_eq(t->n_s, 3);
    ck_assert_uint_eq(t->n_f, 2);
    ck_assert_uint_eq(t->N, 9);
    ck_assert_uint_eq(t->k, 7);
    ck_assert_int_eq(t->year, 2022);
    ck_assert_str_eq(t->monetary_unit, "1000 USD");
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_str_eq(t->regions[0], "AUS");
    ck_assert_str_eq(t->regions[1], "AUT");
    ck_assert_str_eq(t->regions[2], "AZE");
    ck_assert_str_eq(t->sectors[0], "Forestry and logging");
    ck_assert_str_eq(t->sectors[2], "Crustaceans and molluscs");
    ck_assert_str_eq(t->fd_categories[1], "Non-profit institutions serving households P.3n");
    ck_assert_str_eq(t->stressors[0], "Q/Emissions (EDGAR)/'c2f6_1A5_EDGAR_consistent'");
    ck_assert_str_eq(t->stressor_units[0], "kilotonnes");
    ck_assert_str_eq(t->stressors[5], "VA/Compensation of employees D.1");
    ck_assert_str_eq(t->stressor_units[6], "1000 USD");
    /* Z held as CSR; GLORIA's supply table is diagonal, so Z = U. */
    ck_assert_ptr_null(t->T);
    ck_assert_ptr_nonnull(t->csr);
    ck_assert_uint_eq(t->csr->nnz, 81);
    /* T (4, 1): AUS product Forestry used by AUS industry Forestry. */
    ck_assert(zat(t, idx(t, 0, 0), idx(t, 0, 0)) == 1386400.0);
    /* T (4, 7): ... by AUT industry Forestry. */
    ck_assert(zat(t, idx(t, 0, 0), idx(t, 1, 0)) == 5.8362);
    /* T (11, 9): AUT product Fishing used by AUT industry Crustaceans. */
    ck_assert(zat(t, idx(t, 1, 1), idx(t, 1, 2)) == 138.07);
    /* T (18, 13): AZE product Crustaceans used by AZE industry Forestry. */
    ck_assert(zat(t, idx(t, 2, 2), idx(t, 2, 0)) == 0.012912);
    /* Y (5, 1) AUS Fishing -> AUS households; Y (11, 3) AUT Fishing -> AUT households. */
    ck_assert(t->Y[idx(t, 0, 1) * t->n_y + 0] == 1750300.0);
    ck_assert(t->Y[idx(t, 1, 1) * t->n_y + 2] == 20386.0);
    /* x = U 1 + Y 1: the product rows of T and Y (line 4 and 17). */
    EMB_ASSERT_CLOSE(t->x[idx(t, 0, 0)], line_sum(F_T, 4) + line_sum(F_Y, 4), 1e-15, 0);
    EMB_ASSERT_CLOSE(t->x[idx(t, 2, 1)], line_sum(F_T, 17) + line_sum(F_Y, 17), 1e-15, 0);
    /* Value added: V-Results (1, 1), (3, 7) (AUT's first row), (2, 2). */
    long ce = stressor(t, "VA/Compensation of employees D.1");
    long tx = stressor(t, "VA/Taxes on production D.29");
    ck_assert(t->F[ce * t->N + idx(t, 0, 0)] == 1138700.0);
    ck_assert(t->F[ce * t->N + idx(t, 1, 0)] == 225180.0);
    ck_assert(t->F[tx * t->N + idx(t, 0, 1)] == 206390.0);
    ck_assert(t->F[tx * t->N + idx(t, 2, 2)] == 937.52);
    /* TQ and YQ are all zero in the sample. */
    for (size_t i = 0; i < 5 * t->N; i++)
        ck_assert(t->F[i] == 0);
    ck_assert_msg(strstr(t->source, "industry-technology") && strstr(t->source, "V diagonal") &&
                      strstr(t->source, "regions dropped as empty: 0"), "%s", t->source);
}

static void check_identities(const emb_table *t)
{
    emb_accounts *a = NULL;
    emb_accounts_opts ao = {.identity_tol = 1e-10};
    emb_status st = emb_accounts_compute(t, &ao, &a);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    double worst = 1;
    ck_assert_int_eq(emb_accounts_check(a, 1e-10, &worst), EMB_OK);
    ck_assert_msg(worst <= 1e-10, "identity error %g", worst);
    emb_accounts_free(a);
}

START_TEST(sample_folder)
{
    emb_table *t = NULL;
    emb_status st = emb_import_gloria(sample(), NULL, &t);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    check_sample(t);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    check_identities(t);
    /* HDF5 round trip keeps the CSR group and every value. */
    char *tmp = emb_test_tmpdir();
    const char *h5 = emb_test_pathf("%s/g.h5", tmp);
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_OK);
    emb_table *u = NULL;
    st = emb_table_read_h5(h5, EMB_READ_DEFAULT, &u);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    ck_assert_ptr_nonnull(u->csr);
    ck_assert_uint_eq(u->csr->nnz, t->csr->nnz);
    for (size_t e = 0; e < t->csr->nnz; e++)
        ck_assert(u->csr->data[e] == t->csr->data[e] && u->csr->indices[e] == t->csr->indices[e]);
    for (size_t i = 0; i < t->N; i++)
        ck_assert(u->x[i] == t->x[i]);
    for (size_t i = 0; i < t->k * t->N; i++)
        ck_assert(u->F[i] == t->F[i]);
    check_sample(u);
    emb_table_free(u);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(mrios_zipped)
{
    char *tmp = emb_test_tmpdir();
    const char *d = copy_sample(tmp, "rel");
    char cmd[8192];
    /* The download layout: the MRIOs and satellites as zips of their files. */
    int zerr;
    const char *names[] = {MRIO, SAT};
    for (int z = 0; z < 2; z++) {
        zip_t *za = zip_open(emb_test_pathf("%s/%s.zip", d, names[z]), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
        ck_assert_ptr_nonnull(za);
        const char *files[] = {F_T, F_Y, F_V, F_TQ, F_YQ};
        for (int i = 0; i < 5; i++) {
            if (strncmp(files[i], names[z], strlen(names[z])))
                continue;
            zip_source_t *src = zip_source_file(za, emb_test_pathf("%s/%s", d, files[i]), 0, -1);
            ck_assert_int_ge(zip_file_add(za, strchr(files[i], '/') + 1, src, 0), 0);
        }
        ck_assert_int_eq(zip_close(za), 0);
    }
    snprintf(cmd, sizeof cmd, "rm -r '%s/%s' '%s/%s'", d, MRIO, d, SAT);
    ck_assert_int_eq(system(cmd), 0);
    emb_table *t = NULL;
    emb_status st = emb_import_gloria(d, NULL, &t);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    check_sample(t);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(selection)
{
    emb_table *t = NULL;
    const char *pats[] = {"VA/*"};
    emb_import_opts o = {.stressor_patterns = pats, .n_stressor_patterns = 1};
    ck_assert_int_eq(emb_import_gloria(sample(), &o, &t), EMB_OK);
    ck_assert_uint_eq(t->k, 2);
    ck_assert_str_eq(t->stressors[1], "VA/Taxes on production D.29");
    emb_table_free(t);
    const char *ext[] = {"Q"};
    emb_import_opts e = {.extensions = ext, .n_extensions = 1};
    ck_assert_int_eq(emb_import_gloria(sample(), &e, &t), EMB_OK);
    ck_assert_uint_eq(t->k, 5);
    emb_table_free(t);
    const char *none[] = {"*co2*"};
    emb_import_opts n = {.stressor_patterns = none, .n_stressor_patterns = 1};
    ck_assert_int_eq(emb_import_gloria(sample(), &n, &t), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "'*co2*' matches no stressor"), "%s", emb_errmsg());
    const char *bad[] = {"F"};
    emb_import_opts b = {.extensions = bad, .n_extensions = 1};
    ck_assert_int_eq(emb_import_gloria(sample(), &b, &t), EMB_EUSAGE);
    ck_assert_ptr_null(t);
}
END_TEST

/* A supply table that is not diagonal: AUS Forestry also makes 1000 of AUS
 * Fishing's product (T (1, 5)), so D = diag(g)^-1 V has an off-diagonal
 * entry and Z = U D takes the general sparse product. */
START_TEST(supply_not_diagonal)
{
    char *tmp = emb_test_tmpdir();
    const char *d = copy_sample(tmp, "offdiag");
    edit(emb_test_pathf("%s/%s", d, F_T), "5295100.0,0.0,", "5295100.0,1000.0,");
    emb_table *t = NULL;
    emb_status st = emb_import_gloria(d, NULL, &t);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(strstr(t->source, "V not diagonal"), "%s", t->source);
    double g = 5295100.0 + 1000.0;
    /* Z[AUS Forestry][AUS Forestry] = U (4, 1) x V (1, 4) / g. */
    EMB_ASSERT_CLOSE(zat(t, 0, 0), 1386400.0 * (5295100.0 / g), 1e-15, 0);
    /* Z[AUS Forestry][AUS Fishing] = U (4, 1) x 1000 / g + U (4, 2). */
    EMB_ASSERT_CLOSE(zat(t, 0, 1), 1386400.0 * (1000.0 / g) + 0.26391, 1e-15, 0);
    /* VA of AUS Fishing's product gains 1000/g of AUS Forestry's: V-Results (1, 1), (1, 2). */
    long ce = stressor(t, "VA/Compensation of employees D.1");
    EMB_ASSERT_CLOSE(t->F[ce * t->N + 1], 1138700.0 * (1000.0 / g) + 821570.0, 1e-15, 0);
    check_identities(t);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Replace every number on line `line` of file `path` by 0.0. */
static void zero_line(const char *path, int line)
{
    size_t n;
    char *b = emb_test_slurp(path, &n), *p = b;
    for (int l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    size_t cells = 1;
    char *e = strchr(p, '\n');
    for (char *q = p; q < e; q++)
        cells += *q == ',';
    size_t head = (size_t)(p - b), tail = n - (size_t)(e - b), nl = 4 * cells - 1;
    char *o = malloc(head + nl + tail);
    memcpy(o, b, head);
    for (size_t c = 0; c < cells; c++)
        memcpy(o + head + 4 * c, c + 1 < cells ? "0.0," : "0.0", c + 1 < cells ? 4 : 3);
    memcpy(o + head + nl, e, tail);
    emb_test_spit(path, o, head + nl + tail);
    free(o), free(b);
}

/* Defect: an industry without output that still buys inputs (AUS Fishing:
 * its supply V (2, 5) set to 0) and emits (TQ (1, 2) = 7).  Z = U D dropped
 * its inputs while x = U 1 + Y 1 kept them, so accounts refused the table
 * (world PBA != CBA), and F = Q D dropped its emissions.  Now they go to its
 * own product: Z keeps the inputs, F the 7, and the identities hold.  Then
 * the same with its product neither used nor demanded (T and Y line 5
 * zeroed): x = 0 there, so its inputs are dropped from Z and x, and the 7
 * is reported as unallocated. */
START_TEST(industry_without_output)
{
    char *tmp = emb_test_tmpdir();
    for (int unused = 0; unused < 2; unused++) {
        const char *d = copy_sample(tmp, unused ? "zerox" : "zerog");
        edit(emb_test_pathf("%s/%s", d, F_T), "0.0,0.0,0.0,0.0,5977600.0,", "0.0,0.0,0.0,0.0,0.0,");
        edit(emb_test_pathf("%s/%s", d, F_TQ), "0.0,0.0,", "0.0,7.0,");
        if (unused) {
            zero_line(emb_test_pathf("%s/%s", d, F_T), 5);
            zero_line(emb_test_pathf("%s/%s", d, F_Y), 5);
        }
        emb_table *t = NULL;
        emb_status st = emb_import_gloria(d, NULL, &t);
        ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
        ck_assert(t->F[0 * t->N + idx(t, 0, 1)] == 7.0);
        /* T (4, 2), (6, 2): AUS Forestry and Crustaceans bought by AUS Fishing. */
        ck_assert(zat(t, idx(t, 0, 0), idx(t, 0, 1)) == (unused ? 0 : 0.26391));
        ck_assert(zat(t, idx(t, 0, 2), idx(t, 0, 1)) == (unused ? 0 : 214.76));
        if (unused) {
            ck_assert(t->x[idx(t, 0, 1)] == 0);
            /* AUS Forestry's output loses what AUS Fishing bought from it. */
            EMB_ASSERT_CLOSE(t->x[idx(t, 0, 0)],
                             line_sum(F_T, 4) - 0.26391 + line_sum(F_Y, 4), 1e-15, 0);
        }
        /* x = Z 1 + Y 1 on every row. */
        for (size_t i = 0; i < t->N; i++) {
            double s = 0;
            for (size_t e = t->csr->indptr[i]; e < t->csr->indptr[i + 1]; e++)
                s += t->csr->data[e];
            for (size_t c = 0; c < t->n_y; c++)
                s += t->Y[i * t->n_y + c];
            EMB_ASSERT_CLOSE(t->x[i], s, 1e-14, 0);
        }
        emb_accounts *a = NULL;
        emb_accounts_opts ao = {.identity_tol = 1e-10};
        st = emb_accounts_compute(t, &ao, &a);
        ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
        double wp = 0, wc = 0, un = 0;
        for (size_t r = 0; r < t->n_r; r++)
            wp += a->pba[r], wc += a->cba[r], un += a->unallocated[r];
        ck_assert_msg(wp == (unused ? 0.0 : 7.0) && un == (unused ? 7.0 : 0.0),
                      "PBA %.17g, unallocated %.17g", wp, un);
        ck_assert(a->unallocated[0] == un); /* in AUS */
        EMB_ASSERT_CLOSE(wc, wp, 1e-12, 1e-12);
        emb_accounts_free(a);
        ck_assert_msg(strstr(t->source, "1 industries without output, mapped to their own product"),
                      "%s", t->source);
        ck_assert_msg(!unused || strstr(t->source, "inputs of products without output dropped: 8 "),
                      "%s", t->source);
        emb_table_free(t);
    }
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* In the copy `d`, replace the text of the ReadMe's Regions sheet from the
 * first `from` through the next `through` (inclusive; NULL: `from` alone)
 * by `to`. */
static void edit_regions_sheet(const char *d, const char *from, const char *through, const char *to)
{
    int zerr;
    zip_t *in = zip_open(emb_test_pathf("%s/%s", sample(), README), ZIP_RDONLY, &zerr);
    zip_t *out = zip_open(emb_test_pathf("%s/%s", d, README), 0, &zerr);
    ck_assert(in && out);
    const char *nm = "xl/worksheets/sheet1.xml";
    zip_stat_t zs;
    ck_assert_int_eq(zip_stat(in, nm, 0, &zs), 0);
    char *buf = malloc(zs.size + strlen(to) + 1);
    zip_file_t *zf = zip_fopen(in, nm, 0);
    ck_assert_int_eq(zip_fread(zf, buf, zs.size), (zip_int64_t)zs.size);
    zip_fclose(zf);
    buf[zs.size] = '\0';
    char *a = strstr(buf, from);
    ck_assert_msg(a != NULL, "'%s' not in %s", from, nm);
    char *b = through ? strstr(a, through) + strlen(through) : a + strlen(from);
    memmove(a + strlen(to), b, strlen(b) + 1);
    memcpy(a, to, strlen(to));
    zip_source_t *src = zip_source_buffer(out, buf, strlen(buf), 1);
    ck_assert_int_ge(zip_file_add(out, nm, src, ZIP_FL_OVERWRITE), 0);
    zip_close(in);
    ck_assert_int_eq(zip_close(out), 0);
}

/* Import the copy in `dir`: EMB_EINPUT with a message holding every one of
 * the NULL-terminated strings. */
static void expect_input_error(const char *dir, ...)
{
    emb_table *t = NULL;
    emb_status st = emb_import_gloria(dir, NULL, &t);
    ck_assert_msg(st == EMB_EINPUT, "%s: %s", emb_strerror(st), st ? emb_errmsg() : "ok");
    ck_assert_ptr_null(t);
    va_list ap;
    va_start(ap, dir);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        ck_assert_msg(strstr(emb_errmsg(), s), "'%s' not in: %s", s, emb_errmsg());
    va_end(ap);
}

START_TEST(broken_copies)
{
    char *tmp = emb_test_tmpdir();
    const char *d;
    /* Truncated inside line 18 of T (the file is 1799 bytes). */
    d = copy_sample(tmp, "trunc");
    truncate_to(emb_test_pathf("%s/%s", d, F_T), 1750);
    expect_input_error(d, "T-Results_2022_059_Markup001(full).csv: line 18, column ",
                       "columns, expected 18", NULL);
    /* Truncated at a line break: 17 of the 18 rows. */
    d = copy_sample(tmp, "trunc2");
    {
        size_t n;
        char *b = emb_test_slurp(emb_test_pathf("%s/%s", d, F_T), &n);
        b[n - 1] = '\0';
        emb_test_spit(emb_test_pathf("%s/%s", d, F_T), b, (size_t)(strrchr(b, '\n') - b + 1));
        free(b);
    }
    expect_input_error(d, "T-Results", "ends after line 17 with 17 of the 18 rows", NULL);
    /* A text cell: Y (5, 1). */
    d = copy_sample(tmp, "text");
    edit(emb_test_pathf("%s/%s", d, F_Y), "1750300.0", "n/a");
    expect_input_error(d, "Y-Results_2022_059_Markup001(full).csv: line 5, column 1", NULL);
    /* A missing column: the last cell of TQ line 2. */
    d = copy_sample(tmp, "col");
    edit(emb_test_pathf("%s/%s", d, F_TQ), "0.0,0.0\n0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
                                  "0.0,0.0,0.0,0.0\n0.0",
         "0.0,0.0\n0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n0.0");
    expect_input_error(d, "TQ-Results_2022_059_Markup001(full).csv: line 2, column 18: 17 columns, "
                          "expected 18", NULL);
    /* A missing column in V-Results line 1 (the last). */
    d = copy_sample(tmp, "colv");
    edit(emb_test_pathf("%s/%s", d, F_V), "0.0,0.0,0.0\n41387.0", "0.0,0.0\n41387.0");
    expect_input_error(d, "V-Results_2022_059_Markup001(full).csv: line 1, column 18", NULL);
    /* Wrong label count: a ReadMe with 2 regions (AZE's row removed) against
     * T's 18 columns. */
    d = copy_sample(tmp, "labels");
    edit_regions_sheet(d, "<row r=\"4\">", "</row>", "");
    expect_input_error(d, "T-Results_2022_059_Markup001(full).csv: line 1, column 13: 18 columns, "
                          "expected 12 (2 x 2 regions x 3 sectors of GLORIA_ReadMe_059.xlsx)", NULL);
    /* Row and column numbers beyond the worksheet's limits (found by
     * fuzz_gloria: the empty cells before them were being allocated one by
     * one, billions of them). */
    d = copy_sample(tmp, "bigrow");
    edit_regions_sheet(d, "<row r=\"2\">", NULL, "<row r=\"4294967298\">");
    expect_input_error(d, "GLORIA_ReadMe_059.xlsx: sheet 'Regions': row number '4294967298' is "
                          "not in 1..1048576", NULL);
    d = copy_sample(tmp, "negrow");
    edit_regions_sheet(d, "<row r=\"3\">", NULL, "<row r=\"-02\">");
    expect_input_error(d, "sheet 'Regions': row number '-02' is not in 1..1048576", NULL);
    d = copy_sample(tmp, "bigcol");
    edit_regions_sheet(d, "<c r=\"B3\"", NULL, "<c r=\"XFE3\"");
    expect_input_error(d, "sheet 'Regions': cell reference 'XFE3' is not a cell of a worksheet "
                          "(A1 to XFD1048576)", NULL);
    d = copy_sample(tmp, "bigref");
    edit_regions_sheet(d, "<c r=\"B3\"", NULL, "<c r=\"B1048577\"");
    expect_input_error(d, "sheet 'Regions': cell reference 'B1048577' is not a cell", NULL);
    /* At the limits: XFD1048576 is a valid cell (beyond the column read). */
    d = copy_sample(tmp, "limits");
    edit_regions_sheet(d, "<c r=\"C3\"", NULL, "<c r=\"XFD3\"");
    {
        emb_table *t = NULL;
        ck_assert_msg(emb_import_gloria(d, NULL, &t) == EMB_OK, "%s", emb_errmsg());
        emb_table_free(t);
    }
    /* A missing file. */
    d = copy_sample(tmp, "nofile");
    ck_assert_int_eq(remove(emb_test_pathf("%s/%s", d, F_YQ)), 0);
    expect_input_error(d, "no *_YQ-Results_*_Markup001(full).csv", NULL);
    /* Not a workbook. */
    d = copy_sample(tmp, "xlsx");
    emb_test_spit(emb_test_pathf("%s/%s", d, README), "not a zip", 9);
    {
        emb_table *t = NULL;
        ck_assert_int_ne(emb_import_gloria(d, NULL, &t), EMB_OK);
        ck_assert_msg(strstr(emb_errmsg(), README), "%s", emb_errmsg());
    }
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(allocation_failures)
{
    long k;
    for (k = 0; k < 100000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_import_gloria(sample(), NULL, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            check_sample(t);
            emb_table_free(t);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s (%s)", k, emb_strerror(st), emb_errmsg());
        ck_assert_ptr_null(t);
    }
    ck_assert_int_gt(k, 20);
}
END_TEST

START_TEST(cli_round_trip)
{
    char *tmp = emb_test_tmpdir();
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s/embodied' import gloria '%s' --stressors 'VA/*' -o '%s/t.h5' 2>'%s/err' "
             "&& '%s/embodied' accounts '%s/t.h5' -q --csv '%s/out' 2>>'%s/err'",
             b ? b : "build", sample(), tmp, tmp, b ? b : "build", tmp, tmp, tmp);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s failed", cmd);
    size_t n;
    char *err = emb_test_slurp(emb_test_pathf("%s/err", tmp), &n);
    ck_assert_msg(strstr(err, "3 regions x 3 sectors (N = 9), 2 final-demand categories, 2 "
                              "stressors"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "'%s/embodied' import gloria --help | grep -q 'D = diag(g)^-1 V'",
             b ? b : "build");
    ck_assert_int_eq(system(cmd), 0);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    shared = emb_test_require_shared("import_gloria_shared");
    Suite *s = suite_create("import_gloria_shared");
    TCase *tc = tcase_create("gloria");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sample_folder);
    tcase_add_test(tc, mrios_zipped);
    tcase_add_test(tc, selection);
    tcase_add_test(tc, supply_not_diagonal);
    tcase_add_test(tc, industry_without_output);
    tcase_add_test(tc, broken_copies);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, cli_round_trip);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
