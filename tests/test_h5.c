/* tests/test_h5.c — the embodied-mrio HDF5 format (reader, writer) and atomic
 * file writing: round trips compared exactly, files written by raw HDF5 calls
 * in the encodings other tools use, every malformed-file error, allocation
 * failure loops, and failed writes that must leave nothing behind. */
#include "core/alloc.h"
#include "core/table_impl.h"
#include "embodied/embodied.h"
#include "io/atomic.h"
#include "testutil.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixtures ---------------------------------------------------------- */

static char *tmpdir;

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tmpdir = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmpdir);
}

static void teardown(void)
{
    emb_test_rmtree(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

/* tmpdir/name in a static buffer (one of two, so two may be live). */
static const char *tpath(const char *name)
{
    static char buf[2][4096];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", tmpdir, name);
    return buf[which];
}

/* No HDF5 object of any file left open: the reader/writer closed everything. */
static void assert_no_open_h5(void)
{
    ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    ck_assert_msg(n == 0, "%zd HDF5 objects still open", n);
}

static void set_labels(emb_table *t, emb_label_kind kind, size_t n, const char *const *v)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(emb_table_set_label(t, kind, i, v[i]), EMB_OK);
}

/* A 3-region x 2-sector x 2-category table with 2 stressors and inexact
 * doubles everywhere, so a lossy path would show. */
static emb_table *make_table(emb_tech_kind kind, int with_x, size_t n_r, size_t n_s)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(n_r, n_s, 2, 2, kind, 1, &t), EMB_OK);
    char buf[64];
    static const char *const base_r[] = {"CN", "C\xc3\xb4te d'Ivoire", "DE"}; /* UTF-8 */
    for (size_t i = 0; i < n_r; i++) {
        if (i < 3)
            snprintf(buf, sizeof buf, "%s", base_r[i]);
        else
            snprintf(buf, sizeof buf, "R%zu", i);
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, i, buf), EMB_OK);
    }
    for (size_t i = 0; i < n_s; i++) {
        snprintf(buf, sizeof buf, "sector %zu", i);
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_SECTOR, i, buf), EMB_OK);
    }
    static const char *const fd[] = {"households", "government"};
    static const char *const str[] = {"co2/CO2/air", "Employment"};
    static const char *const unit[] = {"kt", "1000 p"};
    set_labels(t, EMB_LABEL_FD_CATEGORY, 2, fd);
    set_labels(t, EMB_LABEL_STRESSOR, 2, str);
    set_labels(t, EMB_LABEL_STRESSOR_UNIT, 2, unit);
    for (size_t i = 0; i < t->N * t->N; i++)
        t->T[i] = 1.0 / (3.0 + (double)(i % 97)) + (double)(i % 5) * 1e-13;
    for (size_t i = 0; i < t->N * t->n_y; i++)
        t->Y[i] = (double)i / 7.0 - (i == 3 ? 100.0 : 0.0); /* one inventory change */
    for (size_t i = 0; i < t->k * t->N; i++)
        t->F[i] = sqrt((double)i + 0.5);
    for (size_t i = 0; i < t->k * t->n_y; i++)
        t->F_Y[i] = (double)i * 0.1;
    if (with_x) {
        ck_assert_int_eq(emb_table_alloc_x(t), EMB_OK);
        for (size_t i = 0; i < t->N; i++)
            t->x[i] = 10.0 + (double)i / 3.0;
    }
    if (n_r >= 3) {
        const char *g1[] = {t->regions[2], t->regions[1]};
        const char *g2[] = {t->regions[0]};
        ck_assert_int_eq(emb_table_add_group(t, "ZZ_LAST", 2, g1), EMB_OK); /* not in name order */
        ck_assert_int_eq(emb_table_add_group(t, "ASIA", 1, g2), EMB_OK);
    }
    t->year = 2019;
    t->source = emb_strdup("synthetic test table");
    t->monetary_unit = emb_strdup("M.EUR");
    return t;
}

static void assert_strv_eq(char *const *a, char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(a[i], b[i]);
}

static void assert_opt_str_eq(const char *a, const char *b)
{
    ck_assert_int_eq(a == NULL, b == NULL);
    if (a)
        ck_assert_str_eq(a, b);
}

/* Check records every assertion it evaluates (a write(2) each), so large
 * arrays are compared in plain C and only a mismatch reaches Check. */
static void assert_doubles_eq(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
            ck_abort_msg("%s[%zu]: %.17g != %.17g", what, i, a[i], b[i]);
}

/* Everything equal, bit for bit; T compared through emb_table_tech_rows in
 * uneven blocks so streamed tables are exercised at block boundaries. */
static void assert_tables_equal(const emb_table *a, const emb_table *b)
{
    ck_assert_uint_eq(a->n_r, b->n_r);
    ck_assert_uint_eq(a->n_s, b->n_s);
    ck_assert_uint_eq(a->n_f, b->n_f);
    ck_assert_uint_eq(a->k, b->k);
    ck_assert_uint_eq(a->N, b->N);
    ck_assert_uint_eq(a->n_y, b->n_y);
    ck_assert_int_eq(a->tech_kind, b->tech_kind);
    assert_strv_eq(a->regions, b->regions, a->n_r);
    assert_strv_eq(a->sectors, b->sectors, a->n_s);
    assert_strv_eq(a->fd_categories, b->fd_categories, a->n_f);
    assert_strv_eq(a->stressors, b->stressors, a->k);
    assert_strv_eq(a->stressor_units, b->stressor_units, a->k);
    assert_doubles_eq(a->Y, b->Y, a->N * a->n_y, "Y");
    assert_doubles_eq(a->F, b->F, a->k * a->N, "F");
    assert_doubles_eq(a->F_Y, b->F_Y, a->k * a->n_y, "F_Y");
    ck_assert_int_eq(a->x == NULL, b->x == NULL);
    if (a->x)
        assert_doubles_eq(a->x, b->x, a->N, "x");
    ck_assert_uint_eq(a->n_groups, b->n_groups);
    for (size_t g = 0; g < a->n_groups; g++) {
        ck_assert_str_eq(a->groups[g].name, b->groups[g].name);
        ck_assert_uint_eq(a->groups[g].n, b->groups[g].n);
        for (size_t j = 0; j < a->groups[g].n; j++)
            ck_assert_uint_eq(a->groups[g].members[j], b->groups[g].members[j]);
    }
    ck_assert_int_eq(a->year, b->year);
    assert_opt_str_eq(a->source, b->source);
    assert_opt_str_eq(a->monetary_unit, b->monetary_unit);
    size_t N = a->N, block = N > 3 ? N / 3 + 1 : 1;
    double *ra = malloc(block * N * sizeof(double)), *rb = malloc(block * N * sizeof(double));
    ck_assert(ra && rb);
    for (size_t r0 = 0; r0 < N; r0 += block) {
        size_t nr = N - r0 < block ? N - r0 : block;
        ck_assert_int_eq(emb_table_tech_rows(a, r0, nr, ra), EMB_OK);
        ck_assert_int_eq(emb_table_tech_rows(b, r0, nr, rb), EMB_OK);
        assert_doubles_eq(ra, rb, nr * N, "T");
    }
    free(ra);
    free(rb);
}

/* Write t to path, read it back with both flags, compare; returns nothing,
 * leaves no HDF5 object open. */
static void roundtrip(const emb_table *t, const char *path, int deflate)
{
    emb_write_opts o = {.deflate = deflate};
    ck_assert_msg(emb_table_write_h5(t, path, &o) == EMB_OK, "%s", emb_errmsg());
    assert_no_open_h5();
    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        emb_table *r = NULL;
        emb_status st = emb_table_read_h5(path, in_mem ? EMB_READ_TECH_IN_MEMORY : EMB_READ_DEFAULT, &r);
        ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
        ck_assert_str_eq(r->path, path);
        if (in_mem) {
            ck_assert_ptr_nonnull(r->T);
            ck_assert_ptr_null(r->stream);
        } else {
            ck_assert_ptr_null(r->T);
            ck_assert_ptr_nonnull(r->stream);
        }
        assert_tables_equal(t, r);
        emb_table_free(r);
        assert_no_open_h5();
    }
}

/* ---- round trips ------------------------------------------------------- */

START_TEST(roundtrip_Z_contiguous)
{
    emb_table *t = make_table(EMB_TECH_Z, 0, 3, 2);
    roundtrip(t, tpath("z.h5"), 0);
    /* Contiguous: no chunking, no filter. */
    hid_t f = H5Fopen(tpath("z.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/Z", H5P_DEFAULT), p = H5Dget_create_plist(d);
    ck_assert_int_eq(H5Pget_layout(p), H5D_CONTIGUOUS);
    /* Labels are written as h5py writes str: variable-length UTF-8. */
    hid_t ds = H5Dopen2(f, "/regions", H5P_DEFAULT), ty = H5Dget_type(ds);
    ck_assert_int_gt(H5Tis_variable_str(ty), 0);
    ck_assert_int_eq(H5Tget_cset(ty), H5T_CSET_UTF8);
    H5Tclose(ty), H5Dclose(ds), H5Pclose(p), H5Dclose(d), H5Fclose(f);
    emb_table_free(t);
}
END_TEST

START_TEST(roundtrip_A_with_x_compressed)
{
    emb_table *t = make_table(EMB_TECH_A, 1, 3, 2);
    roundtrip(t, tpath("a.h5"), 6);
    hid_t f = H5Fopen(tpath("a.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_eq(H5Lexists(f, "/Z", H5P_DEFAULT), 0);
    static const char *const names[] = {"/A", "/Y", "/F", "/F_Y", "/x"};
    for (int i = 0; i < 5; i++) {
        hid_t d = H5Dopen2(f, names[i], H5P_DEFAULT), p = H5Dget_create_plist(d);
        ck_assert_msg(H5Pget_layout(p) == H5D_CHUNKED, "%s not chunked", names[i]);
        ck_assert_int_eq(H5Pget_nfilters(p), 1);
        H5Pclose(p), H5Dclose(d);
    }
    H5Fclose(f);
    emb_table_free(t);
}
END_TEST

START_TEST(roundtrip_without_stressors_and_optional_parts)
{
    /* k = 0, no groups, no metadata: empty datasets and absent attributes. */
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(1, 2, 1, 0, EMB_TECH_Z, 1, &t), EMB_OK);
    static const char *const s[] = {"a", "b"};
    emb_table_set_label(t, EMB_LABEL_REGION, 0, "WORLD");
    set_labels(t, EMB_LABEL_SECTOR, 2, s);
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "fd");
    t->T[1] = 0.5;
    t->Y[0] = 1;
    roundtrip(t, tpath("k0.h5"), 0);
    roundtrip(t, tpath("k0c.h5"), 1);
    emb_table_free(t);
}
END_TEST

START_TEST(roundtrip_many_row_blocks)
{
    /* N = 1100: the writer's 8 MiB block holds fewer rows than N, so T is
     * written in several blocks (and chunk rows when compressed). */
    emb_table *t = make_table(EMB_TECH_Z, 1, 11, 100);
    roundtrip(t, tpath("big.h5"), 0);
    roundtrip(t, tpath("bigc.h5"), 1);
    emb_table_free(t);
}
END_TEST

START_TEST(streamed_table_rewrites_itself_and_opens_twice)
{
    emb_table *t = make_table(EMB_TECH_Z, 1, 3, 2);
    const char *p = tpath("s.h5"), *q = tpath("s2.h5");
    ck_assert_int_eq(emb_table_write_h5(t, p, NULL), EMB_OK);
    emb_table *s = NULL, *s2 = NULL;
    ck_assert_int_eq(emb_table_read_h5(p, EMB_READ_DEFAULT, &s), EMB_OK);
    ck_assert_int_eq(emb_table_read_h5(p, EMB_READ_DEFAULT, &s2), EMB_OK); /* same file twice */
    /* A streamed table is written through its stream ... */
    emb_write_opts o = {.deflate = 4};
    ck_assert_int_eq(emb_table_write_h5(s, q, &o), EMB_OK);
    /* ... even over the very file it streams from (the old inode stays open). */
    ck_assert_msg(emb_table_write_h5(s, p, &o) == EMB_OK, "%s", emb_errmsg());
    emb_table_free(s);
    assert_tables_equal(t, s2); /* still readable after the other was freed */
    emb_table_free(s2);
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(q, EMB_READ_DEFAULT, &r), EMB_OK);
    ck_assert_str_eq(r->path, q);
    assert_tables_equal(t, r);
    emb_table_free(r);
    ck_assert_int_eq(emb_table_read_h5(p, EMB_READ_TECH_IN_MEMORY, &r), EMB_OK);
    assert_tables_equal(t, r);
    emb_table_free(r);
    assert_no_open_h5();
    emb_table_free(t);
}
END_TEST

/* ---- files written by raw HDF5 calls ---------------------------------- */

static void raw_vlen_strings(hid_t loc, const char *name, size_t n, const char *const *s)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    ck_assert_int_ge(H5Dwrite(ds, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), 0);
    H5Dclose(ds), H5Sclose(sp), H5Tclose(ty);
}

/* A rank-1 or rank-2 dataset of file type ftype from doubles (or raw memory of
 * mtype when mtype is not H5T_NATIVE_DOUBLE). */
static void raw_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                        hsize_t d0, hsize_t d1, const void *data)
{
    hsize_t d[2] = {d0, d1};
    hid_t sp = H5Screate_simple(rank, d, NULL);
    hid_t ds = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    if (data)
        ck_assert_int_ge(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    H5Dclose(ds), H5Sclose(sp);
}

static void raw_attr_fixed_string(hid_t obj, const char *name, const char *v)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, strlen(v)); /* no room for a terminator, as numpy's S dtype */
    H5Tset_strpad(ty, H5T_STR_NULLPAD);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(a, ty, v), 0);
    H5Aclose(a), H5Sclose(sp), H5Tclose(ty);
}

static void raw_attr_int(hid_t obj, const char *name, int v)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I32BE, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(a, H5T_NATIVE_INT, &v), 0);
    H5Aclose(a), H5Sclose(sp);
}

START_TEST(raw_fixed_length_ascii_and_float32)
{
    /* 2 regions x 2 sectors x 1 category, 1 stressor; strings in every
     * fixed-length flavour, numbers as float32, no /F_Y and no /x. */
    const char *p = tpath("raw.h5");
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    raw_attr_fixed_string(f, "mrio_format", "embodied-mrio");
    raw_attr_int(f, "mrio_format_version", 1);
    raw_attr_int(f, "year", 2011);
    raw_attr_fixed_string(f, "monetary_unit", "M.USD");
    static const char *const reg[] = {"AB", "CD"};      /* exactly 2 bytes: no terminator */
    static const char *const sec[] = {"agri", "steel"}; /* NUL-terminated in 8 bytes */
    static const char *const fd[] = {"hh"};              /* space-padded */
    static const char *const str[] = {"CO2"};            /* UTF-8 fixed, NUL-padded */
    static const char *const unit[] = {"kg"};            /* variable-length ASCII */
    emb_test_h5_fixed_strings(f, "regions", 2, reg, 2, H5T_STR_NULLPAD, H5T_CSET_ASCII, '\0');
    emb_test_h5_fixed_strings(f, "sectors", 2, sec, 8, H5T_STR_NULLTERM, H5T_CSET_ASCII, '\0');
    emb_test_h5_fixed_strings(f, "fd_categories", 1, fd, 6, H5T_STR_SPACEPAD, H5T_CSET_ASCII, ' ');
    emb_test_h5_fixed_strings(f, "stressors", 1, str, 5, H5T_STR_NULLPAD, H5T_CSET_UTF8, '\0');
    raw_vlen_strings(f, "stressor_units", 1, unit);
    float Z[16], Y[8] = {1.5f, 2.25f, 3.1f, 4.0f, -1.0f, 0.0f, 7.5f, 1e-3f}, F[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    for (int i = 0; i < 16; i++)
        Z[i] = (float)i / 3.0f;
    raw_dataset(f, "Z", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, 4, 4, Z);
    raw_dataset(f, "Y", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 2, 4, 2, Y); /* big-endian too */
    raw_dataset(f, "F", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, 1, 4, F);
    H5Fclose(f);

    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        emb_table *t = NULL;
        emb_status st = emb_table_read_h5(p, in_mem, &t);
        ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
        ck_assert_str_eq(t->regions[0], "AB");
        ck_assert_str_eq(t->regions[1], "CD");
        ck_assert_str_eq(t->sectors[1], "steel");
        ck_assert_str_eq(t->fd_categories[0], "hh");
        ck_assert_str_eq(t->stressors[0], "CO2");
        ck_assert_str_eq(t->stressor_units[0], "kg");
        ck_assert_int_eq(t->year, 2011);
        ck_assert_ptr_null(t->source);
        ck_assert_str_eq(t->monetary_unit, "M.USD");
        ck_assert_ptr_null(t->x);
        ck_assert_uint_eq(t->n_groups, 0);
        for (int i = 0; i < 8; i++)
            ck_assert(t->Y[i] == (double)Y[i]);
        for (int i = 0; i < 4; i++)
            ck_assert(t->F[i] == (double)F[i]);
        ck_assert(t->F_Y[0] == 0.0); /* absent: zeros */
        double rows[16];
        ck_assert_int_eq(emb_table_tech_rows(t, 1, 3, rows), EMB_OK);
        for (int i = 0; i < 12; i++)
            ck_assert(rows[i] == (double)Z[4 + i]);
        emb_table_free(t);
        assert_no_open_h5();
    }
}
END_TEST

/* ---- malformed files --------------------------------------------------- */

/* A valid 3 x 2 x 2 file (k = 2) at tmpdir/name, then opened read-write for
 * the caller to break with raw HDF5 calls. */
static hid_t valid_then_open(const char *name, emb_tech_kind kind)
{
    emb_table *t = make_table(kind, kind == EMB_TECH_A, 3, 2);
    ck_assert_int_eq(emb_table_write_h5(t, tpath(name), NULL), EMB_OK);
    emb_table_free(t);
    hid_t f = H5Fopen(tpath(name), H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    return f;
}

/* Both read modes fail with `want`, and the message names the file and each
 * of the (up to two) fragments. */
static void expect_fail(const char *path, emb_status want, const char *frag1, const char *frag2)
{
    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        emb_table *t = (emb_table *)&t; /* poison: must be reset to NULL */
        emb_status st = emb_table_read_h5(path, in_mem, &t);
        ck_assert_msg(st == want, "%s: got %d (%s), want %d", path, st, emb_errmsg(), want);
        ck_assert_ptr_null(t);
        const char *m = emb_errmsg();
        ck_assert_msg(strstr(m, path), "message does not name the file: %s", m);
        ck_assert_msg(!frag1 || strstr(m, frag1), "message lacks '%s': %s", frag1, m);
        ck_assert_msg(!frag2 || strstr(m, frag2), "message lacks '%s': %s", frag2, m);
        ck_assert_msg(!strchr(m, '\n'), "message is not one line: %s", m);
        assert_no_open_h5();
    }
}

START_TEST(malformed_missing_Y)
{
    hid_t f = valid_then_open("m.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Y", H5P_DEFAULT);
    H5Fclose(f);
    expect_fail(tpath("m.h5"), EMB_EINPUT, "/Y", "missing");
}
END_TEST

START_TEST(malformed_shapes)
{
    /* /F one column too many. */
    hid_t f = valid_then_open("m.h5", EMB_TECH_Z);
    H5Ldelete(f, "/F", H5P_DEFAULT);
    raw_dataset(f, "/F", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, 2, 7, NULL);
    H5Fclose(f);
    expect_fail(tpath("m.h5"), EMB_EINPUT,
                "dataset /F has shape 2 x 7, expected 2 x 6 (2 stressors, N = 3 regions x 2 sectors)",
                NULL);
    /* /Y one column short: the message explains both dimensions. */
    f = valid_then_open("m2.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Y", H5P_DEFAULT);
    raw_dataset(f, "/Y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, 6, 5, NULL);
    H5Fclose(f);
    expect_fail(tpath("m2.h5"), EMB_EINPUT,
                "m2.h5: dataset /Y has shape 6 x 5, expected 6 x 6 (N = 3 regions x 2 sectors, "
                "3 regions x 2 final-demand categories)", NULL);
    /* /Z of rank 1, /x of the wrong length, /F_Y transposed. */
    f = valid_then_open("m3.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Z", H5P_DEFAULT);
    raw_dataset(f, "/Z", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, 36, 0, NULL);
    H5Fclose(f);
    expect_fail(tpath("m3.h5"), EMB_EINPUT, "dataset /Z has shape 36, expected 6 x 6", NULL);
    f = valid_then_open("m4.h5", EMB_TECH_A);
    H5Ldelete(f, "/x", H5P_DEFAULT);
    raw_dataset(f, "/x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, 5, 0, NULL);
    H5Fclose(f);
    expect_fail(tpath("m4.h5"), EMB_EINPUT, "dataset /x has shape 5, expected 6", NULL);
    f = valid_then_open("m5.h5", EMB_TECH_Z);
    H5Ldelete(f, "/F_Y", H5P_DEFAULT);
    raw_dataset(f, "/F_Y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, 6, 2, NULL);
    H5Fclose(f);
    expect_fail(tpath("m5.h5"), EMB_EINPUT, "dataset /F_Y has shape 6 x 2, expected 2 x 6", NULL);
    /* Fewer units than stressors. */
    f = valid_then_open("m6.h5", EMB_TECH_Z);
    H5Ldelete(f, "/stressor_units", H5P_DEFAULT);
    static const char *const u[] = {"kt"};
    raw_vlen_strings(f, "/stressor_units", 1, u);
    H5Fclose(f);
    expect_fail(tpath("m6.h5"), EMB_EINPUT, "/stressor_units", "expected 2");
}
END_TEST

START_TEST(x_as_column_vector_is_accepted)
{
    hid_t f = valid_then_open("xcol.h5", EMB_TECH_A);
    double x[6] = {1, 2, 3, 4, 5, 6};
    H5Ldelete(f, "/x", H5P_DEFAULT);
    raw_dataset(f, "/x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, 6, 1, x);
    H5Fclose(f);
    emb_table *t = NULL;
    ck_assert_msg(emb_table_read_h5(tpath("xcol.h5"), 0, &t) == EMB_OK, "%s", emb_errmsg());
    assert_doubles_eq(t->x, x, 6, "x");
    emb_table_free(t);
}
END_TEST

START_TEST(tiled_compressed_matrix_streams)
{
    /* h5py-style square tiles smaller than a row (chunk 4 x 4 over 6 x 6,
     * with partial edge chunks): the streamed reader must not care. */
    emb_table *t = make_table(EMB_TECH_Z, 1, 3, 2);
    ck_assert_int_eq(emb_table_write_h5(t, tpath("tiles.h5"), NULL), EMB_OK);
    hid_t f = H5Fopen(tpath("tiles.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "/Z", H5P_DEFAULT);
    hsize_t d[2] = {6, 6}, c[2] = {4, 4};
    hid_t sp = H5Screate_simple(2, d, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(pl, 2, c);
    H5Pset_shuffle(pl);
    H5Pset_deflate(pl, 9);
    hid_t ds = H5Dcreate2(f, "/Z", H5T_IEEE_F64BE, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->T), 0);
    H5Dclose(ds), H5Pclose(pl), H5Sclose(sp), H5Fclose(f);
    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        emb_table *r = NULL;
        ck_assert_msg(emb_table_read_h5(tpath("tiles.h5"), in_mem, &r) == EMB_OK, "%s", emb_errmsg());
        assert_tables_equal(t, r);
        emb_table_free(r);
    }
    assert_no_open_h5();
    emb_table_free(t);
}
END_TEST

START_TEST(malformed_type_classes)
{
    hid_t f = valid_then_open("int.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Y", H5P_DEFAULT);
    raw_dataset(f, "/Y", H5T_STD_I32LE, H5T_NATIVE_INT, 2, 6, 6, NULL);
    H5Fclose(f);
    expect_fail(tpath("int.h5"), EMB_EINPUT, "dataset /Y", "integer");

    f = valid_then_open("str.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Z", H5P_DEFAULT);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 8);
    raw_dataset(f, "/Z", st, st, 2, 6, 6, NULL);
    H5Tclose(st);
    H5Fclose(f);
    expect_fail(tpath("str.h5"), EMB_EINPUT, "dataset /Z", "string");

    f = valid_then_open("cmp.h5", EMB_TECH_Z);
    H5Ldelete(f, "/F", H5P_DEFAULT);
    hid_t ct = H5Tcreate(H5T_COMPOUND, 2 * sizeof(double));
    H5Tinsert(ct, "re", 0, H5T_IEEE_F64LE);
    H5Tinsert(ct, "im", sizeof(double), H5T_IEEE_F64LE);
    raw_dataset(f, "/F", ct, ct, 2, 2, 6, NULL);
    H5Tclose(ct);
    H5Fclose(f);
    expect_fail(tpath("cmp.h5"), EMB_EINPUT, "dataset /F", "compound");

    /* Labels must be strings. */
    f = valid_then_open("lab.h5", EMB_TECH_Z);
    H5Ldelete(f, "/sectors", H5P_DEFAULT);
    raw_dataset(f, "/sectors", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, 2, 0, NULL);
    H5Fclose(f);
    expect_fail(tpath("lab.h5"), EMB_EINPUT, "dataset /sectors", "floating point");
}
END_TEST

START_TEST(malformed_technology_matrix)
{
    /* /A without /x. */
    hid_t f = valid_then_open("anox.h5", EMB_TECH_A);
    H5Ldelete(f, "/x", H5P_DEFAULT);
    H5Fclose(f);
    expect_fail(tpath("anox.h5"), EMB_EINPUT, "/A", "/x");
    /* Both /Z and /A. */
    f = valid_then_open("both.h5", EMB_TECH_Z);
    H5Lcreate_hard(f, "/Z", f, "/A", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    expect_fail(tpath("both.h5"), EMB_EINPUT, "/Z", "/A");
    /* Neither. */
    f = valid_then_open("none.h5", EMB_TECH_Z);
    H5Ldelete(f, "/Z", H5P_DEFAULT);
    H5Fclose(f);
    expect_fail(tpath("none.h5"), EMB_EINPUT, "/Z", "missing");
}
END_TEST

START_TEST(malformed_format_attributes)
{
    hid_t f = valid_then_open("nofmt.h5", EMB_TECH_Z);
    H5Adelete(f, "mrio_format");
    H5Fclose(f);
    expect_fail(tpath("nofmt.h5"), EMB_EINPUT, "mrio_format", "missing");

    f = valid_then_open("badfmt.h5", EMB_TECH_Z);
    raw_attr_fixed_string(f, "mrio_format", "pymrio");
    H5Fclose(f);
    expect_fail(tpath("badfmt.h5"), EMB_EINPUT, "mrio_format", "'pymrio'");

    f = valid_then_open("intfmt.h5", EMB_TECH_Z);
    H5Adelete(f, "mrio_format");
    raw_attr_int(f, "mrio_format", 1);
    H5Fclose(f);
    expect_fail(tpath("intfmt.h5"), EMB_EINPUT, "mrio_format", "integer");

    f = valid_then_open("v2.h5", EMB_TECH_Z);
    raw_attr_int(f, "mrio_format_version", 2);
    H5Fclose(f);
    expect_fail(tpath("v2.h5"), EMB_EINPUT, "mrio_format_version", "is 2");

    f = valid_then_open("nov.h5", EMB_TECH_Z);
    H5Adelete(f, "mrio_format_version");
    H5Fclose(f);
    expect_fail(tpath("nov.h5"), EMB_EINPUT, "mrio_format_version", "missing");
}
END_TEST

START_TEST(malformed_values_and_groups)
{
    hid_t f = valid_then_open("dup.h5", EMB_TECH_Z);
    H5Ldelete(f, "/regions", H5P_DEFAULT);
    static const char *const r[] = {"CN", "DE", "CN"};
    raw_vlen_strings(f, "/regions", 3, r);
    H5Ldelete(f, "/groups/ZZ_LAST", H5P_DEFAULT); /* names a region no longer there */
    H5Fclose(f);
    expect_fail(tpath("dup.h5"), EMB_EINPUT, "duplicate region", "'CN'");

    f = valid_then_open("nan.h5", EMB_TECH_Z);
    hid_t d = H5Dopen2(f, "/Y", H5P_DEFAULT);
    double Y[36] = {0};
    Y[14] = NAN;
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, Y);
    H5Dclose(d);
    H5Fclose(f);
    expect_fail(tpath("nan.h5"), EMB_EINPUT, "/Y", "NaN");

    f = valid_then_open("grp.h5", EMB_TECH_Z);
    static const char *const g[] = {"CN", "XX"};
    raw_vlen_strings(f, "/groups/BAD", 2, g);
    H5Fclose(f);
    expect_fail(tpath("grp.h5"), EMB_EINPUT, "/groups/BAD", "unknown region 'XX'");

    f = valid_then_open("grp2.h5", EMB_TECH_Z);
    static const char *const g2[] = {"CN", "CN"};
    raw_vlen_strings(f, "/groups/TWICE", 2, g2);
    H5Fclose(f);
    expect_fail(tpath("grp2.h5"), EMB_EINPUT, "TWICE", "twice");

    f = valid_then_open("grp3.h5", EMB_TECH_Z);
    H5Ldelete(f, "/groups/ASIA", H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "/groups/ASIA", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    expect_fail(tpath("grp3.h5"), EMB_EINPUT, "/groups/ASIA", "not a dataset");
}
END_TEST

START_TEST(unreadable_files)
{
    /* Truncated to half. */
    emb_table *t = make_table(EMB_TECH_Z, 0, 3, 2);
    const char *p = tpath("trunc.h5");
    ck_assert_int_eq(emb_table_write_h5(t, p, NULL), EMB_OK);
    emb_table_free(t);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(truncate(p, sb.st_size / 2), 0);
    expect_fail(p, EMB_EINPUT, "truncated", NULL);
    /* Not HDF5 at all. */
    FILE *fp = fopen(tpath("text.h5"), "w");
    fputs("region,sector\nCN,coal\n", fp);
    fclose(fp);
    expect_fail(tpath("text.h5"), EMB_EINPUT, "not an HDF5 file", NULL);
    /* Empty file. */
    fclose(fopen(tpath("empty.h5"), "w"));
    expect_fail(tpath("empty.h5"), EMB_EINPUT, NULL, NULL);
    /* A directory, and nothing at all. */
    expect_fail(tmpdir, EMB_EIO, "directory", NULL);
    expect_fail(tpath("nope.h5"), EMB_EIO, "No such file", NULL);
    /* Bad arguments. */
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(tpath("nope.h5"), 4, &r), EMB_EUSAGE);
}
END_TEST

START_TEST(read_allocation_failures)
{
    /* Every allocation of the reader may fail: ENOMEM, no leak, no open
     * HDF5 object, until the count is high enough to succeed. */
    emb_table *t = make_table(EMB_TECH_A, 1, 3, 2);
    const char *p = tpath("af.h5");
    ck_assert_int_eq(emb_table_write_h5(t, p, NULL), EMB_OK);
    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        long k;
        for (k = 0; k < 500; k++) {
            emb_table *r = NULL;
            emb_alloc_fail_after(k);
            emb_status st = emb_table_read_h5(p, in_mem, &r);
            emb_alloc_fail_after(-1);
            if (st == EMB_OK) {
                assert_tables_equal(t, r);
                emb_table_free(r);
                assert_no_open_h5();
                break;
            }
            assert_no_open_h5();
            ck_assert_msg(st == EMB_ENOMEM, "k=%ld: %d %s", k, st, emb_errmsg());
            ck_assert_ptr_null(r);
        }
        ck_assert_int_gt(k, 20); /* the loop went through the reader's allocations */
        ck_assert_int_lt(k, 500);
    }
    emb_table_free(t);
}
END_TEST

/* ---- failed writes leave nothing behind -------------------------------- */

/* Number of entries in dir whose name contains ".embodied-tmp." (the
 * temporaries of io/atomic.c). */
static int count_tmp(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".embodied-tmp.") != NULL;
    closedir(d);
    return n;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    ck_assert_uint_eq(fread(b, 1, (size_t)sz, fp), (size_t)sz);
    fclose(fp);
    *n = (size_t)sz;
    return b;
}

static void assert_file_is(const char *path, const char *want, size_t n)
{
    size_t m;
    char *got = slurp(path, &m);
    ck_assert_msg(m == n && memcmp(got, want, n) == 0, "%s was modified", path);
    free(got);
}

START_TEST(write_into_missing_directory_or_over_directory)
{
    emb_table *t = make_table(EMB_TECH_Z, 0, 3, 2);
    ck_assert_int_eq(emb_table_write_h5(t, tpath("no/such/dir/out.h5"), NULL), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "no/such/dir"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_write_h5(t, tmpdir, NULL), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "directory"), "%s", emb_errmsg());
    emb_write_opts bad = {.deflate = 10};
    ck_assert_int_eq(emb_table_write_h5(t, tpath("x.h5"), &bad), EMB_EUSAGE);
    /* Invalid tables are refused before anything is created. */
    t->Y[2] = NAN;
    ck_assert_int_eq(emb_table_write_h5(t, tpath("x.h5"), NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "NaN"), "%s", emb_errmsg());
    ck_assert_int_eq(access(tpath("x.h5"), F_OK), -1);
    ck_assert_int_eq(count_tmp(tmpdir), 0);
    assert_no_open_h5();
    emb_table_free(t);
}
END_TEST

START_TEST(write_allocation_failures_keep_old_file)
{
    emb_table *old = make_table(EMB_TECH_Z, 0, 3, 2), *t = make_table(EMB_TECH_A, 1, 3, 2);
    const char *p = tpath("keep.h5");
    ck_assert_int_eq(emb_table_write_h5(old, p, NULL), EMB_OK);
    size_t n;
    char *orig = slurp(p, &n);
    long k;
    for (k = 0; k < 200; k++) {
        emb_write_opts o = {.deflate = (int)(k % 2) * 3};
        emb_alloc_fail_after(k);
        emb_status st = emb_table_write_h5(t, p, &o);
        emb_alloc_fail_after(-1);
        assert_no_open_h5();
        ck_assert_int_eq(count_tmp(tmpdir), 0);
        if (st == EMB_OK)
            break;
        ck_assert_msg(st == EMB_ENOMEM, "k=%ld: %d %s", k, st, emb_errmsg());
        assert_file_is(p, orig, n);
    }
    ck_assert_int_gt(k, 3);
    ck_assert_int_lt(k, 200);
    emb_table *r = NULL;
    ck_assert_int_eq(emb_table_read_h5(p, 0, &r), EMB_OK);
    assert_tables_equal(t, r);
    emb_table_free(r);
    free(orig);
    emb_table_free(old);
    emb_table_free(t);
}
END_TEST

/* A stream that fails after the first block: a disk error mid-write. */
typedef struct failing_stream {
    struct emb_tech_stream base;
    size_t N;
} failing_stream;

static emb_status failing_read_rows(struct emb_tech_stream *s, size_t r0, size_t nrows, double *dst)
{
    memset(dst, 0, nrows * ((failing_stream *)s)->N * sizeof(double));
    return r0 == 0 ? EMB_OK : EMB_EIO;
}
static void noop_close(struct emb_tech_stream *s) { (void)s; }

START_TEST(write_failing_midway_keeps_old_file)
{
    /* N = 1100 is written in two blocks; the second read fails. */
    emb_table *old = make_table(EMB_TECH_Z, 0, 3, 2);
    const char *p = tpath("mid.h5");
    ck_assert_int_eq(emb_table_write_h5(old, p, NULL), EMB_OK);
    size_t n;
    char *orig = slurp(p, &n);
    emb_table *t = make_table(EMB_TECH_Z, 0, 11, 100);
    emb_free(t->T);
    t->T = NULL;
    failing_stream fs = {{failing_read_rows, noop_close}, t->N};
    t->stream = &fs.base;
    emb_status st = emb_table_write_h5(t, p, NULL);
    ck_assert_int_eq(st, EMB_EIO);
    assert_file_is(p, orig, n);
    ck_assert_int_eq(count_tmp(tmpdir), 0);
    assert_no_open_h5();
    free(orig);
    emb_table_free(t);
    emb_table_free(old);
}
END_TEST

/* ---- atomic files ------------------------------------------------------ */

/* A symbolic link planted where the temporary of an earlier version would
 * have been (<out>.tmp.<pid>, predictable) redirects nothing: the victim it
 * points to is untouched and the output is a regular file (issue 11, write
 * side 1). */
START_TEST(atomic_temporary_ignores_planted_links)
{
    const char *victim = tpath("victim.txt");
    FILE *v = fopen(victim, "w");
    ck_assert_ptr_nonnull(v);
    fputs("precious", v);
    fclose(v);
    char out[4200], link[4300];
    snprintf(out, sizeof out, "%s", tpath("out.csv"));
    snprintf(link, sizeof link, "%s.tmp.%ld", out, (long)getpid());
    ck_assert_int_eq(symlink(victim, link), 0);
    emb_atomic a, b;
    ck_assert_int_eq(emb_atomic_begin(&a, out), EMB_OK);
    ck_assert_int_eq(emb_atomic_begin(&b, out), EMB_OK);
    ck_assert_str_ne(a.tmp_path, b.tmp_path); /* two writers, two names */
    emb_atomic_abort(&b);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    fputs("results\n", a.fp);
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_OK);
    size_t n;
    char *got = slurp(victim, &n);
    ck_assert(n == 8 && memcmp(got, "precious", 8) == 0);
    free(got);
    struct stat sb;
    ck_assert_int_eq(lstat(out, &sb), 0);
    ck_assert(S_ISREG(sb.st_mode));
    unlink(link);
}
END_TEST

/* Two writers of the same new output: the first commit wins, the second is
 * refused with a message and leaves the first's file (issue 11, write side
 * 4: both used to succeed, the second silently replacing the first). */
START_TEST(atomic_new_output_not_replaced_by_a_racing_writer)
{
    char out[4200];
    snprintf(out, sizeof out, "%s", tpath("race.txt"));
    emb_atomic a, b;
    ck_assert_int_eq(emb_atomic_begin(&a, out), EMB_OK);
    ck_assert_int_eq(emb_atomic_begin(&b, out), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&b), EMB_OK);
    fputs("first", b.fp);
    fputs("second", a.fp);
    ck_assert_int_eq(emb_atomic_commit(&b), EMB_OK);
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "another process"), "%s", emb_errmsg());
    size_t n;
    char *got = slurp(out, &n);
    ck_assert(n == 5 && memcmp(got, "first", 5) == 0);
    free(got);
    ck_assert_int_eq(count_tmp(tmpdir), 0);
    /* an output that existed at begin (--force) is replaced as before */
    ck_assert_int_eq(emb_atomic_begin(&a, out), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    fputs("third!", a.fp);
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_OK);
    got = slurp(out, &n);
    ck_assert(n == 6 && memcmp(got, "third!", 6) == 0);
    free(got);
}
END_TEST

START_TEST(atomic_stdio_commit_abort_cleanup)
{
    const char *p = tpath("out.txt");
    emb_atomic a;
    ck_assert_int_eq(emb_atomic_begin(&a, p), EMB_OK);
    char want[4200], hex[16];
    snprintf(want, sizeof want, "%s/.out.txt.embodied-tmp.", tmpdir);
    unsigned host;
    long pid;
    int used = 0;
    size_t wl = strlen(want);
    ck_assert_msg(strncmp(a.tmp_path, want, wl) == 0 &&
                      sscanf(a.tmp_path + wl, "%8x.%ld.%12[0-9a-f]%n", &host, &pid, hex, &used) == 3 &&
                      pid == (long)getpid() && strlen(hex) == 12 && a.tmp_path[wl + used] == '\0',
                  "%s", a.tmp_path); /* .<name>.embodied-tmp.<host>.<pid>.<12 random hex digits> */
    ck_assert_int_eq(access(a.tmp_path, F_OK), 0); /* created by begin, exclusively */
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    fputs("hello\n", a.fp);
    ck_assert_int_eq(access(p, F_OK), -1); /* nothing under the final name yet */
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_OK);
    emb_atomic_abort(&a); /* safe after commit: removes nothing */
    size_t n;
    char *got = slurp(p, &n);
    ck_assert_uint_eq(n, 6);
    free(got);
    ck_assert_int_eq(count_tmp(tmpdir), 0);

    /* abort removes the temporary and leaves the old file. */
    ck_assert_int_eq(emb_atomic_begin(&a, p), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    fputs("other", a.fp);
    ck_assert_int_eq(count_tmp(tmpdir), 1);
    emb_atomic_abort(&a);
    emb_atomic_abort(&a); /* idempotent */
    ck_assert_int_eq(count_tmp(tmpdir), 0);
    got = slurp(p, &n);
    ck_assert_uint_eq(n, 6);
    free(got);

    /* The signal handler's cleanup removes live temporaries. */
    emb_atomic b;
    ck_assert_int_eq(emb_atomic_begin(&a, p), EMB_OK);
    ck_assert_int_eq(emb_atomic_begin(&b, tpath("second.txt")), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&b), EMB_OK);
    fflush(a.fp), fflush(b.fp);
    ck_assert_int_eq(count_tmp(tmpdir), 2);
    emb_atomic_cleanup_all();
    ck_assert_int_eq(count_tmp(tmpdir), 0);
    emb_atomic_abort(&a);
    emb_atomic_abort(&b);

    /* Aborting a zero-filled emb_atomic that never began closes nothing (its
     * fd field is 0: closing it closed stdin, and the descriptor number was
     * then reused under the test framework's pipe). */
    if (fcntl(0, F_GETFD) == -1)
        ck_assert_int_eq(open("/dev/null", O_RDONLY), 0);
    emb_atomic z;
    memset(&z, 0, sizeof z);
    emb_atomic_abort(&z);
    ck_assert_int_ne(fcntl(0, F_GETFD), -1);
    /* begin refuses a missing directory and a directory as destination. */
    ck_assert_int_eq(emb_atomic_begin(&a, tpath("missing/x.txt")), EMB_EIO);
    ck_assert_int_eq(emb_atomic_begin(&a, tmpdir), EMB_EIO);
    /* commit fails cleanly when the directory vanished meanwhile. */
    ck_assert_int_eq(mkdir(tpath("sub"), 0700), 0);
    ck_assert_int_eq(emb_atomic_begin(&a, tpath("sub/y.txt")), EMB_OK);
    ck_assert_int_eq(unlink(a.tmp_path), 0); /* the temporary vanished behind the writer's back */
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_EIO);
    ck_assert_int_eq(count_tmp(tpath("sub")), 0);
    emb_atomic_abort(&a);
    /* A path without a directory part works relative to the cwd. */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(tmpdir), 0);
    ck_assert_int_eq(emb_atomic_begin(&a, "rel.txt"), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_OK);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(access(tpath("rel.txt"), F_OK), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("h5");
    TCase *tc = tcase_create("h5");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, roundtrip_Z_contiguous);
    tcase_add_test(tc, roundtrip_A_with_x_compressed);
    tcase_add_test(tc, roundtrip_without_stressors_and_optional_parts);
    tcase_add_test(tc, roundtrip_many_row_blocks);
    tcase_add_test(tc, streamed_table_rewrites_itself_and_opens_twice);
    tcase_add_test(tc, raw_fixed_length_ascii_and_float32);
    tcase_add_test(tc, malformed_missing_Y);
    tcase_add_test(tc, malformed_shapes);
    tcase_add_test(tc, x_as_column_vector_is_accepted);
    tcase_add_test(tc, tiled_compressed_matrix_streams);
    tcase_add_test(tc, malformed_type_classes);
    tcase_add_test(tc, malformed_technology_matrix);
    tcase_add_test(tc, malformed_format_attributes);
    tcase_add_test(tc, malformed_values_and_groups);
    tcase_add_test(tc, unreadable_files);
    tcase_add_test(tc, read_allocation_failures);
    tcase_add_test(tc, write_into_missing_directory_or_over_directory);
    tcase_add_test(tc, write_allocation_failures_keep_old_file);
    tcase_add_test(tc, write_failing_midway_keeps_old_file);
    tcase_add_test(tc, atomic_stdio_commit_abort_cleanup);
    tcase_add_test(tc, atomic_temporary_ignores_planted_links);
    tcase_add_test(tc, atomic_new_output_not_replaced_by_a_racing_writer);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
