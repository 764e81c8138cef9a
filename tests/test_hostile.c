/* tests/test_hostile.c — hostile inputs: files generated here, each built to
 * make a careless reader allocate, loop or print something it should not —
 * HDF5 files declaring absurd dimensions (tiny on disk: chunked storage
 * never written), label counts that disagree with shapes, unterminated,
 * null, non-UTF-8 and control-character strings, datasets and attributes of
 * the wrong type, soft, external and recursive links; zip archives with
 * path-traversal member names, zip bombs and forged sizes; text with
 * endless lines and header rows of millions of columns.
 *
 * Each case asserts the status class, the key words of the message (one
 * line, naming the file), and that nothing large was allocated before the
 * refusal: the memory limit is set low (64 MiB) for the whole suite, so a
 * reader that tried would fail differently, and the largest single request
 * (emb_alloc_peak_request) must stay under 1 MiB. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "import/bytesrc.h"
#include "import/tsv.h"
#include "import/xlsx.h"
#include "testutil.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>
#include <zlib.h>

#define LIMIT ((size_t)64 << 20)
#define SMALL ((size_t)1 << 20) /* "nothing large was allocated" */

static char *tmpdir;

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tmpdir = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmpdir);
    emb_set_memory_limit(LIMIT);
}

static void teardown(void)
{
    emb_set_memory_limit(0);
    emb_test_rmtree(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

/* tmpdir/name in a static buffer (one of four, so several may be live). */
static const char *tpath(const char *name)
{
    static char buf[4][4096];
    static int which;
    which = (which + 1) % 4;
    snprintf(buf[which], sizeof buf[which], "%s/%s", tmpdir, name);
    return buf[which];
}

static void assert_no_open_h5(void)
{
    ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    ck_assert_msg(n == 0, "%zd HDF5 objects still open", n);
}

/* The message: names `file`, holds the fragments, is one printable line
 * (no byte below 0x20, no DEL). */
static void assert_message(const char *file, const char *frag1, const char *frag2)
{
    const char *m = emb_errmsg();
    ck_assert_msg(!file || strstr(m, file), "message does not name %s: %s", file, m);
    ck_assert_msg(!frag1 || strstr(m, frag1), "message lacks '%s': %s", frag1, m);
    ck_assert_msg(!frag2 || strstr(m, frag2), "message lacks '%s': %s", frag2, m);
    for (const unsigned char *p = (const unsigned char *)m; *p; p++)
        ck_assert_msg(*p >= 0x20 && *p != 0x7F, "control byte 0x%02X in message: %s", *p, m);
}

/* ---- HDF5 files built with the HDF5 API ---------------------------------- */

/* Variable-length strings (NULL entries allowed: the null string). */
static void h5_vstrings(hid_t f, const char *name, size_t n, const char *const *s)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    H5Tset_cset(ty, H5T_CSET_UTF8);
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(f, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    if (n)
        ck_assert_int_ge(H5Dwrite(ds, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), 0);
    H5Dclose(ds), H5Sclose(sp), H5Tclose(ty);
}

/* A dataset of type ty and the given shape that claims any size and costs
 * nothing: chunked, never written (reads would give fill values).  rank 0
 * makes a scalar. */
static void h5_declared(hid_t f, const char *name, hid_t ty, int rank, const hsize_t *dims)
{
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (rank) {
        hsize_t chunk[H5S_MAX_RANK];
        for (int i = 0; i < rank; i++)
            chunk[i] = dims[i] < 64 ? (dims[i] ? dims[i] : 1) : 64;
        H5Pset_chunk(pl, rank, chunk);
    }
    hid_t ds = H5Dcreate2(f, name, ty, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    ck_assert_msg(ds >= 0, "cannot create %s", name);
    H5Dclose(ds), H5Pclose(pl), H5Sclose(sp);
}

static void h5_declared2(hid_t f, const char *name, hid_t ty, hsize_t d0, hsize_t d1)
{
    hsize_t d[2] = {d0, d1};
    h5_declared(f, name, ty, d1 ? 2 : 1, d);
}

/* A declared 1-D dataset of n variable-length strings. */
static void h5_declared_vstrings(hid_t f, const char *name, hsize_t n, int rank)
{
    hid_t vs = H5Tcopy(H5T_C_S1);
    H5Tset_size(vs, H5T_VARIABLE);
    hsize_t d[2] = {n, 1};
    h5_declared(f, name, vs, rank, d);
    H5Tclose(vs);
}

/* A float64 matrix of zeros, written. */
static void h5_zeros(hid_t f, const char *name, hsize_t d0, hsize_t d1)
{
    hsize_t d[2] = {d0, d1};
    double *z = calloc(d0 * (d1 ? d1 : 1) + 1, sizeof(double));
    hid_t sp = H5Screate_simple(d1 ? 2 : 1, d, NULL);
    hid_t ds = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, z), 0);
    H5Dclose(ds), H5Sclose(sp);
    free(z);
}

static void h5_attr_string(hid_t obj, const char *name, const char *v)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(a, ty, &v), 0);
    H5Aclose(a), H5Sclose(sp), H5Tclose(ty);
}

static void h5_attr_int(hid_t obj, const char *name, int v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(a, H5T_NATIVE_INT, &v), 0);
    H5Aclose(a), H5Sclose(sp);
}

/* The valid 2 regions x 2 sectors x 1 category table with 1 stressor (N =
 * 4), every dataset written except those named in `skip` (space-separated
 * names), for the caller to add its own; the file is returned open. */
static hid_t h5_base(const char *path, const char *skip)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    char sk[256];
    snprintf(sk, sizeof sk, " %s ", skip ? skip : "");
#define WANT(n) (!strstr(sk, " " n " "))
    if (WANT("mrio_format"))
        h5_attr_string(f, "mrio_format", "embodied-mrio");
    if (WANT("mrio_format_version"))
        h5_attr_int(f, "mrio_format_version", 1);
    static const char *const reg[] = {"R1", "R2"}, *const sec[] = {"s1", "s2"},
                             *const fd[] = {"hh"}, *const str[] = {"CO2"}, *const unit[] = {"kt"};
    if (WANT("regions"))
        h5_vstrings(f, "regions", 2, reg);
    if (WANT("sectors"))
        h5_vstrings(f, "sectors", 2, sec);
    if (WANT("fd_categories"))
        h5_vstrings(f, "fd_categories", 1, fd);
    if (WANT("stressors"))
        h5_vstrings(f, "stressors", 1, str);
    if (WANT("stressor_units"))
        h5_vstrings(f, "stressor_units", 1, unit);
    if (WANT("Z"))
        h5_zeros(f, "Z", 4, 4);
    if (WANT("Y"))
        h5_zeros(f, "Y", 4, 2);
    if (WANT("F"))
        h5_zeros(f, "F", 1, 4);
#undef WANT
    return f;
}

/* Reading `path` in both modes fails with `want`, names the file and the
 * fragments, and allocated nothing large on the way. */
static void expect_refused(const char *path, emb_status want, const char *frag1, const char *frag2)
{
    for (int in_mem = 0; in_mem <= 1; in_mem++) {
        emb_table *t = (emb_table *)&t; /* poison */
        emb_alloc_peak_reset();
        emb_status st = emb_table_read_h5(path, in_mem, &t);
        ck_assert_msg(st == want, "%s (in_mem %d): got %d (%s), want %d", path, in_mem, st,
                      emb_errmsg(), want);
        ck_assert_ptr_null(t);
        assert_message(path, frag1, frag2);
        ck_assert_msg(emb_alloc_peak_request() < SMALL, "%s: %zu bytes requested at once before "
                      "refusing", path, emb_alloc_peak_request());
        assert_no_open_h5();
    }
}

static emb_table *expect_read(const char *path)
{
    emb_table *t = NULL;
    emb_status st = emb_table_read_h5(path, EMB_READ_TECH_IN_MEMORY, &t);
    ck_assert_msg(st == EMB_OK, "%s: %s", path, emb_errmsg());
    return t;
}

START_TEST(h5_base_file_is_valid)
{
    /* The fixture itself reads: every refusal below is the change's doing. */
    const char *p = tpath("base.h5");
    H5Fclose(h5_base(p, NULL));
    emb_table *t = expect_read(p);
    ck_assert_uint_eq(t->N, 4);
    emb_table_free(t);
    assert_no_open_h5();
}
END_TEST

START_TEST(h5_absurd_dimensions)
{
    /* /Z declared 10^9 x 10^9 (8 EB; the file is kilobytes): its shape
     * disagrees with the labels, refused before anything is allocated. */
    const char *p = tpath("z1e9.h5");
    hid_t f = h5_base(p, "Z");
    h5_declared2(f, "Z", H5T_IEEE_F64LE, 1000000000, 1000000000);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Z has shape 1000000000 x 1000000000", "expected 4 x 4");

    /* /Y 10^9 rows, /F 10^9 columns, /x 10^12 entries. */
    p = tpath("y1e9.h5");
    f = h5_base(p, "Y");
    h5_declared2(f, "Y", H5T_IEEE_F64LE, 1000000000, 2);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Y has shape 1000000000 x 2", "expected 4 x 2");
    p = tpath("x1e12.h5");
    f = h5_base(p, NULL);
    h5_declared2(f, "x", H5T_IEEE_F64LE, 1000000000000ull, 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /x has shape 1000000000000", "expected 4");
}
END_TEST

START_TEST(h5_absurd_label_counts)
{
    /* /regions claims 10^9 strings (never written) and the matrices keep
     * N = 4: the shapes disagree with the counts, and the 10^9 labels are
     * never read (a pointer array for them alone would be 8 GB). */
    const char *p = tpath("r1e9.h5");
    hid_t f = h5_base(p, "regions");
    h5_declared_vstrings(f, "regions", 1000000000, 1);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Z has shape 4 x 4",
                   "N = 1000000000 regions x 2 sectors");

    /* Everything consistent with 10^6 regions x 10^3 sectors (N = 10^9): the
     * shapes agree, the plan does not fit, at the suite's limit and at the
     * machine's; nothing was read. */
    p = tpath("consistent.h5");
    f = h5_base(p, "regions sectors Z Y F");
    h5_declared_vstrings(f, "regions", 1000000, 1);
    h5_declared_vstrings(f, "sectors", 1000, 1);
    h5_declared2(f, "Z", H5T_IEEE_F64LE, 1000000000, 1000000000);
    h5_declared2(f, "Y", H5T_IEEE_F64LE, 1000000000, 1000000);
    h5_declared2(f, "F", H5T_IEEE_F64LE, 1, 1000000000);
    H5Fclose(f);
    expect_refused(p, EMB_ENOMEM, "the table needs", "Y 7.1 PiB");
    ck_assert_msg(strstr(emb_errmsg(), "(Z 6.9 EiB, Y 7.1 PiB"), "%s", emb_errmsg()); /* in memory */
    assert_message(p, "but the memory limit is 64 MiB (--max-memory)", NULL);
    emb_set_memory_limit(0);
    expect_refused(p, EMB_ENOMEM, "the table needs", "(machine memory)");
}
END_TEST

START_TEST(h5_ranks_and_shapes)
{
    hsize_t d3[3] = {2, 2, 4}, d4[4] = {1, 1, 4, 4};
    const char *p = tpath("rank3.h5");
    hid_t f = h5_base(p, "Z");
    h5_declared(f, "Z", H5T_IEEE_F64LE, 3, d3);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Z has shape 2 x 2 x 4", "expected 4 x 4");
    p = tpath("rank4.h5");
    f = h5_base(p, "Z");
    h5_declared(f, "Z", H5T_IEEE_F64LE, 4, d4);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Z has rank 4", "at most 3");
    p = tpath("scalarY.h5");
    f = h5_base(p, "Y");
    h5_declared(f, "Y", H5T_IEEE_F64LE, 0, NULL);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Y has shape scalar", "expected 4 x 2");
    /* Labels of rank 2 and a scalar label. */
    p = tpath("lab2.h5");
    f = h5_base(p, "sectors");
    h5_declared_vstrings(f, "sectors", 2, 2);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /sectors has rank 2", "1-D list of strings");
    p = tpath("lab0.h5");
    f = h5_base(p, "regions");
    h5_declared_vstrings(f, "regions", 1, 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /regions has rank 0", NULL);
    /* Three sectors against N = 4 data; five units for one stressor. */
    p = tpath("count.h5");
    f = h5_base(p, "sectors stressor_units");
    static const char *const s3[] = {"a", "b", "c"}, *const u5[] = {"a", "b", "c", "d", "e"};
    h5_vstrings(f, "sectors", 3, s3);
    h5_vstrings(f, "stressor_units", 5, u5);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /stressor_units has 5 entries", "expected 1");
    p = tpath("count2.h5");
    f = h5_base(p, "sectors");
    h5_vstrings(f, "sectors", 3, s3);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Z has shape 4 x 4", "expected 6 x 6");
}
END_TEST

START_TEST(h5_strings_without_terminators)
{
    /* Null-terminated type, fields filled to the last byte: refused. */
    static const char *const sec[] = {"agri", "mine"};
    const char *p = tpath("nullterm.h5");
    hid_t f = h5_base(p, "sectors");
    emb_test_h5_fixed_strings(f, "sectors", 2, sec, 4, H5T_STR_NULLTERM, H5T_CSET_ASCII, '\0');
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /sectors: entry 0", "has no terminator");
    /* Null- and space-padded types need none: the field's width ends them. */
    p = tpath("nullpad.h5");
    f = h5_base(p, "sectors regions");
    emb_test_h5_fixed_strings(f, "sectors", 2, sec, 4, H5T_STR_NULLPAD, H5T_CSET_ASCII, '\0');
    static const char *const reg[] = {"AB", "C"};
    emb_test_h5_fixed_strings(f, "regions", 2, reg, 2, H5T_STR_SPACEPAD, H5T_CSET_ASCII, ' ');
    H5Fclose(f);
    emb_table *t = expect_read(p);
    ck_assert_str_eq(t->sectors[0], "agri");
    ck_assert_str_eq(t->sectors[1], "mine");
    ck_assert_str_eq(t->regions[0], "AB");
    ck_assert_str_eq(t->regions[1], "C");
    emb_table_free(t);
    /* A field wider than any label: refused from the type, before the
     * n x width read buffer is allocated. */
    p = tpath("wide.h5");
    f = h5_base(p, "regions");
    hid_t w = H5Tcopy(H5T_C_S1);
    H5Tset_size(w, (size_t)1 << 24);
    h5_declared2(f, "regions", w, 1000, 0);
    H5Tclose(w);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /regions holds fixed-length strings of 16777216 bytes",
                   "limit of 65536");
    assert_no_open_h5();
}
END_TEST

START_TEST(h5_null_empty_bad_and_duplicate_labels)
{
    const char *p = tpath("null.h5");
    hid_t f = h5_base(p, "sectors");
    const char *const sn[] = {"s1", NULL};
    h5_vstrings(f, "sectors", 2, sn);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /sectors: entry 1", "null variable-length string");

    p = tpath("empty.h5");
    f = h5_base(p, "regions");
    const char *const re[] = {"R1", ""};
    h5_vstrings(f, "regions", 2, re);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /regions: entry 1", "is empty");

    p = tpath("utf8.h5");
    f = h5_base(p, "regions");
    const char *const rb[] = {"R1", "C\xf4te"}; /* Latin-1, not UTF-8 */
    h5_vstrings(f, "regions", 2, rb);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "entry 1 ('C\\xF4te') is not valid UTF-8", "(byte 1)");

    p = tpath("ctrl.h5");
    f = h5_base(p, "stressors");
    const char *const sc[] = {"CO2\x1b[2J\nfake: line"}; /* a terminal escape and a newline */
    h5_vstrings(f, "stressors", 1, sc);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /stressors: entry 0 ('CO2\\x1B[2J\\x0Afake: line')",
                   "contains a control character");

    p = tpath("long.h5");
    f = h5_base(p, "fd_categories");
    char *lng = malloc(5001);
    memset(lng, 'a', 5000);
    lng[5000] = '\0';
    const char *const fl[] = {lng};
    h5_vstrings(f, "fd_categories", 1, fl);
    H5Fclose(f);
    free(lng);
    expect_refused(p, EMB_EINPUT, "dataset /fd_categories: entry 0", "longer than 4096 bytes");

    p = tpath("dup.h5");
    f = h5_base(p, "sectors");
    const char *const sd[] = {"s1", "s1"};
    h5_vstrings(f, "sectors", 2, sd);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /sectors: duplicate sector name 's1'", "entries 0 and 1");
    /* Free text is printed by `embodied info`: no escape sequences either. */
    p = tpath("source.h5");
    f = h5_base(p, NULL);
    h5_attr_string(f, "source", "EXIOBASE\x1b]0;owned\x07");
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "attribute source ('EXIOBASE\\x1B]0;owned\\x07')",
                   "contains a control character");
    /* Units may be empty (dimensionless counts). */
    p = tpath("unit.h5");
    f = h5_base(p, "stressor_units");
    const char *const ue[] = {""};
    h5_vstrings(f, "stressor_units", 1, ue);
    H5Fclose(f);
    emb_table *t = expect_read(p);
    ck_assert_str_eq(t->stressor_units[0], "");
    emb_table_free(t);
}
END_TEST

START_TEST(h5_wrong_types)
{
    static const char *const name[] = {"int", "str", "cmp", "enum", "array", "vlen"};
    static const char *const cls[] = {"type class integer", "type class string",
                                      "type class compound", "type class enum",
                                      "type class array", "type class variable-length sequence"};
    hsize_t two = 2;
    for (size_t i = 0; i < 6; i++) {
        hid_t ty = -1;
        int v0 = 0, v1 = 1;
        switch (i) {
        case 0: ty = H5Tcopy(H5T_STD_I64LE); break;
        case 1: ty = H5Tcopy(H5T_C_S1), H5Tset_size(ty, 8); break;
        case 2:
            ty = H5Tcreate(H5T_COMPOUND, 16);
            H5Tinsert(ty, "re", 0, H5T_IEEE_F64LE);
            H5Tinsert(ty, "im", 8, H5T_IEEE_F64LE);
            break;
        case 3:
            ty = H5Tenum_create(H5T_STD_I32LE);
            H5Tenum_insert(ty, "zero", &v0);
            H5Tenum_insert(ty, "one", &v1);
            break;
        case 4: ty = H5Tarray_create2(H5T_IEEE_F64LE, 1, &two); break;
        default: ty = H5Tvlen_create(H5T_IEEE_F64LE); break;
        }
        char nm[64];
        snprintf(nm, sizeof nm, "Z_%s.h5", name[i]);
        const char *p = tpath(nm);
        hid_t f = h5_base(p, "Z");
        h5_declared2(f, "Z", ty, 4, 4);
        H5Tclose(ty);
        H5Fclose(f);
        expect_refused(p, EMB_EINPUT, "dataset /Z has", cls[i]);
    }
    /* Labels stored as numbers. */
    const char *p = tpath("numlab.h5");
    hid_t f = h5_base(p, "regions");
    h5_declared2(f, "regions", H5T_STD_I32LE, 2, 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /regions has type class integer", "expected string");
    /* Attributes of the wrong type or shape. */
    p = tpath("attrstr.h5");
    f = h5_base(p, "mrio_format_version");
    h5_attr_string(f, "mrio_format_version", "1");
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "attribute mrio_format_version has type class string",
                   "expected integer");
    p = tpath("attrarr.h5");
    f = h5_base(p, "mrio_format");
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    hid_t sp = H5Screate_simple(1, &two, NULL);
    hid_t a = H5Acreate2(f, "mrio_format", ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    const char *two_fmt[] = {"embodied-mrio", "embodied-mrio"};
    H5Awrite(a, ty, two_fmt);
    H5Aclose(a), H5Sclose(sp), H5Tclose(ty);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "attribute mrio_format has 2 values", "expected one");
}
END_TEST

START_TEST(h5_links)
{
    /* /groups/LOOP: a soft link to itself. */
    const char *p = tpath("loop.h5");
    hid_t f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ck_assert_int_ge(H5Lcreate_soft("/groups/LOOP", f, "/groups/LOOP", H5P_DEFAULT, H5P_DEFAULT), 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups/LOOP is a soft link", "never followed");

    /* /groups/EXT: an external link to a valid table's /regions; never
     * opened (the target would read fine). */
    const char *other = tpath("other.h5");
    H5Fclose(h5_base(other, NULL));
    p = tpath("ext.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ck_assert_int_ge(H5Lcreate_external(other, "/regions", f, "/groups/EXT", H5P_DEFAULT,
                                        H5P_DEFAULT), 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups/EXT is an external link", NULL);

    /* /groups/UP: a hard link back to /groups (a recursive group), and a
     * member that is a group. */
    p = tpath("up.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ck_assert_int_ge(H5Lcreate_hard(f, "/groups", f, "/groups/UP", H5P_DEFAULT, H5P_DEFAULT), 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups/UP is a group", "not a dataset");
    p = tpath("sub.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Gclose(H5Gcreate2(f, "groups/SUB", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups/SUB is a group", "not a dataset");

    /* /groups itself a soft link (to /), an external link as /Z, a soft
     * link as /regions. */
    p = tpath("gsoft.h5");
    f = h5_base(p, NULL);
    H5Lcreate_soft("/", f, "groups", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups is a soft link", NULL);
    p = tpath("zext.h5");
    f = h5_base(p, "Z");
    H5Lcreate_external(other, "/Z", f, "Z", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/Z is an external link", NULL);
    p = tpath("rsoft.h5");
    f = h5_base(p, "regions");
    H5Lcreate_soft("/sectors", f, "regions", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/regions is a soft link", NULL);

    /* Group members: more than the regions, a name that is no label. */
    p = tpath("gbig.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    h5_declared_vstrings(f, "groups/HUGE", 100000000, 1);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /groups/HUGE has 100000000 entries",
                   "more than the 2 regions");
    p = tpath("gname.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const char *const g[] = {"R1"};
    h5_vstrings(f, "groups/EU\x07", 1, g);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/groups/EU\\x07", "contains a control character");
    /* A well-formed group still reads. */
    p = tpath("gok.h5");
    f = h5_base(p, NULL);
    H5Gclose(H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    h5_vstrings(f, "groups/ONE", 1, g);
    H5Fclose(f);
    emb_table *t = expect_read(p);
    ck_assert_uint_eq(t->n_groups, 1);
    emb_table_free(t);
    assert_no_open_h5();
}
END_TEST

START_TEST(h5_chunks_and_csr)
{
    /* /Y in chunks of 512 MiB (possible with unlimited maximum dims): HDF5
     * would inflate a whole chunk to read one value. */
    const char *p = tpath("chunk.h5");
    hid_t f = h5_base(p, "Y");
    hsize_t d[2] = {4, 2}, mx[2] = {H5S_UNLIMITED, H5S_UNLIMITED}, ch[2] = {8192, 8192};
    hid_t sp = H5Screate_simple(2, d, mx), pl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(pl, 2, ch);
    hid_t ds = H5Dcreate2(f, "Y", H5T_IEEE_F64LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    H5Dclose(ds), H5Pclose(pl), H5Sclose(sp);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "dataset /Y is stored in chunks of 512 MiB", "limit of 256 MiB");

    /* A CSR /Z claiming 10^10 entries (<= N^2 for 10^5 sectors): the plan
     * refuses it before the 112 GiB of indices and values are allocated. */
    p = tpath("csrbig.h5");
    f = h5_base(p, "regions sectors Z Y F");
    const char *const one[] = {"R1"};
    h5_vstrings(f, "regions", 1, one);
    h5_declared_vstrings(f, "sectors", 100000, 1);
    hid_t g = H5Gcreate2(f, "Z", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t two = 2;
    long long shape[2] = {100000, 100000};
    sp = H5Screate_simple(1, &two, NULL);
    hid_t a = H5Acreate2(g, "shape", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, shape);
    H5Aclose(a), H5Sclose(sp), H5Gclose(g);
    h5_declared2(f, "Z/data", H5T_IEEE_F64LE, 10000000000ull, 0);
    h5_declared2(f, "Z/indices", H5T_STD_I32LE, 10000000000ull, 0);
    h5_declared2(f, "Z/indptr", H5T_STD_I64LE, 100001, 0);
    h5_declared2(f, "Y", H5T_IEEE_F64LE, 100000, 1);
    h5_declared2(f, "F", H5T_IEEE_F64LE, 1, 100000);
    H5Fclose(f);
    expect_refused(p, EMB_ENOMEM, "the table needs", "(Z 112 GiB");
    /* A CSR member that is a soft link. */
    p = tpath("csrsoft.h5");
    f = h5_base(p, "Z");
    g = H5Gcreate2(f, "Z", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    long long s4[2] = {4, 4};
    sp = H5Screate_simple(1, &two, NULL);
    a = H5Acreate2(g, "shape", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, s4);
    H5Aclose(a), H5Sclose(sp), H5Gclose(g);
    h5_zeros(f, "Z/data", 0, 0);
    H5Lcreate_soft("/Z/data", f, "Z/indices", H5P_DEFAULT, H5P_DEFAULT);
    h5_zeros(f, "Z/indptr", 5, 0);
    H5Fclose(f);
    expect_refused(p, EMB_EINPUT, "/Z/indices is a soft link", NULL);
}
END_TEST


/* ---- zip archives -------------------------------------------------------- */

/* A zip written by libzip: n members name[i] holding text[i] (deflated). */
static void libzip_write(const char *path, size_t n, const char *const *name,
                         const char *const *text)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_ptr_nonnull(z);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(z, text[i], strlen(text[i]), 0);
        ck_assert_ptr_nonnull(src);
        ck_assert_int_ge(zip_file_add(z, name[i], src, ZIP_FL_ENC_UTF_8), 0);
    }
    ck_assert_int_eq(zip_close(z), 0);
}

/* Raw deflate (no zlib header, as zip stores it) of `n` copies of byte c,
 * streamed: nothing of size n is allocated.  *crc is the CRC-32 of the
 * uncompressed bytes. */
static unsigned char *deflate_run(unsigned char c, size_t n, size_t *outlen, uint32_t *crc)
{
    static unsigned char in[65536];
    memset(in, c, sizeof in);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = 1 << 16, len = 0;
    unsigned char *out = malloc(cap);
    uLong c32 = crc32(0, NULL, 0);
    for (size_t done = 0;;) {
        size_t chunk = n - done < sizeof in ? n - done : sizeof in;
        zs.next_in = in;
        zs.avail_in = (uInt)chunk;
        c32 = crc32(c32, in, (uInt)chunk);
        done += chunk;
        int flush = done == n ? Z_FINISH : Z_NO_FLUSH;
        int r;
        do {
            if (cap - len < 65536)
                out = realloc(out, cap *= 2);
            zs.next_out = out + len;
            zs.avail_out = (uInt)(cap - len);
            r = deflate(&zs, flush);
            len = cap - zs.avail_out;
        } while (zs.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
        if (flush == Z_FINISH)
            break;
    }
    deflateEnd(&zs);
    *outlen = len;
    *crc = (uint32_t)c32;
    return out;
}

/* One member of a zip written byte by byte, so its entry may lie. */
typedef struct zmember {
    const char *name;
    int method;                /* 0 stored, 8 deflated */
    const unsigned char *data; /* as stored */
    size_t len;
    uint32_t crc, usize;       /* as declared */
} zmember;

static void put16(FILE *fp, unsigned v)
{
    fputc((int)(v & 0xFF), fp), fputc((int)((v >> 8) & 0xFF), fp);
}

static void put32(FILE *fp, uint32_t v)
{
    put16(fp, v & 0xFFFF), put16(fp, v >> 16);
}

static void raw_zip(const char *path, const zmember *m, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    uint32_t *off = calloc(n, sizeof *off);
    for (size_t i = 0; i < n; i++) {
        off[i] = (uint32_t)ftell(fp);
        put32(fp, 0x04034b50), put16(fp, 20), put16(fp, 0), put16(fp, (unsigned)m[i].method);
        put16(fp, 0), put16(fp, 0x21); /* time, date */
        put32(fp, m[i].crc), put32(fp, (uint32_t)m[i].len), put32(fp, m[i].usize);
        put16(fp, (unsigned)strlen(m[i].name)), put16(fp, 0);
        fwrite(m[i].name, 1, strlen(m[i].name), fp);
        fwrite(m[i].data, 1, m[i].len, fp);
    }
    uint32_t cd = (uint32_t)ftell(fp);
    for (size_t i = 0; i < n; i++) {
        put32(fp, 0x02014b50), put16(fp, 20), put16(fp, 20), put16(fp, 0);
        put16(fp, (unsigned)m[i].method), put16(fp, 0), put16(fp, 0x21);
        put32(fp, m[i].crc), put32(fp, (uint32_t)m[i].len), put32(fp, m[i].usize);
        put16(fp, (unsigned)strlen(m[i].name)), put16(fp, 0), put16(fp, 0), put16(fp, 0);
        put16(fp, 0), put32(fp, 0), put32(fp, off[i]);
        fwrite(m[i].name, 1, strlen(m[i].name), fp);
    }
    uint32_t cdlen = (uint32_t)ftell(fp) - cd;
    put32(fp, 0x06054b50), put16(fp, 0), put16(fp, 0), put16(fp, (unsigned)n), put16(fp, (unsigned)n);
    put32(fp, cdlen), put32(fp, cd), put16(fp, 0);
    ck_assert_int_eq(fclose(fp), 0);
    free(off);
}

/* Opening `path` as an archive fails with `want`, naming it and the
 * fragments, allocating nothing large. */
static void expect_archive_refused(const char *path, emb_status want, const char *frag1,
                                   const char *frag2)
{
    emb_archive *a = (emb_archive *)&a;
    emb_alloc_peak_reset();
    emb_status st = emb_archive_open(path, &a);
    ck_assert_msg(st == want, "%s: got %d (%s), want %d", path, st, emb_errmsg(), want);
    ck_assert_ptr_null(a);
    assert_message(path, frag1, frag2);
    ck_assert_msg(emb_alloc_peak_request() < SMALL, "%zu bytes at once", emb_alloc_peak_request());
}

START_TEST(zip_member_names_escaping_the_archive)
{
    static const struct {
        const char *name, *why;
    } bad[] = {
        {"../evil.txt", "'..' component"},
        {"/etc/passwd", "absolute path"},
        {"IOT/../../up.txt", "'..' component"},
        {"IOT/..", "'..' component"},
        {"..\\..\\windows\\evil.txt", "backslash"},
        {"IOT\\Z.txt", "backslash"},
        {"C:/evil.txt", "drive letter"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, "bad%zu.zip", i);
        const char *p = tpath(nm);
        const char *names[] = {"IOT/file_parameters.json", bad[i].name};
        const char *text[] = {"{}", "x"};
        libzip_write(p, 2, names, text);
        expect_archive_refused(p, EMB_EINPUT, bad[i].name, bad[i].why);
        /* Every importer opens archives the same way. */
        emb_table *t = NULL;
        ck_assert_int_eq(emb_import_pymrio(p, NULL, &t), EMB_EINPUT);
        assert_message(p, bad[i].why, "hostile");
        ck_assert_int_eq(emb_import_csv(p, NULL, &t), EMB_EINPUT);
        ck_assert_ptr_null(t);
    }
    /* Names that only look alike are fine. */
    const char *p = tpath("ok.zip");
    const char *names[] = {"IOT/..data/a.txt", "IOT/x..y.txt", "IOT/.../b.txt"};
    const char *text[] = {"a", "b", "c"};
    libzip_write(p, 3, names, text);
    emb_archive *a = NULL;
    ck_assert_msg(emb_archive_open(p, &a) == EMB_OK, "%s", emb_errmsg());
    ck_assert(emb_archive_has(a, "IOT/x..y.txt"));
    emb_archive_close(a);
}
END_TEST

START_TEST(zip_bombs)
{
    /* Declared: 64 KiB of zeros deflated (a few hundred bytes) whose entry
     * claims 3 GiB: refused from the central directory, nothing inflated. */
    size_t clen;
    uint32_t crc;
    unsigned char *z = deflate_run(0, 65536, &clen, &crc);
    zmember m[2] = {{"file_parameters.json", 0, (const unsigned char *)"{}", 2, 0, 2},
                    {"Z.txt", 8, z, clen, crc, 3221225472u}};
    m[0].crc = (uint32_t)crc32(0, (const Bytef *)"{}", 2);
    const char *p = tpath("declared.zip");
    raw_zip(p, m, 2);
    free(z);
    expect_archive_refused(p, EMB_EINPUT, "member 'Z.txt' declares 3221225472 bytes",
                           "zip bomb");
    emb_table *t = NULL;
    ck_assert_int_eq(emb_import_pymrio(p, NULL, &t), EMB_EINPUT);
    assert_message(p, "refused before inflating", NULL);

    /* Real: 80 MiB of zeros, deflated (about 1030:1, deflate's best), entry
     * honest. */
    z = deflate_run(0, (size_t)80 << 20, &clen, &crc);
    m[1].data = z, m[1].len = clen, m[1].crc = crc, m[1].usize = 80u << 20;
    p = tpath("real.zip");
    raw_zip(p, m, 2);
    free(z);
    expect_archive_refused(p, EMB_EINPUT, "member 'Z.txt' declares 83886080 bytes", "ratio of");

    /* Below the size floor a high ratio is fine (a column of zeros). */
    z = deflate_run(0, (size_t)1 << 20, &clen, &crc);
    m[1].data = z, m[1].len = clen, m[1].crc = crc, m[1].usize = 1u << 20;
    p = tpath("small.zip");
    raw_zip(p, m, 2);
    free(z);
    emb_archive *a = NULL;
    ck_assert_msg(emb_archive_open(p, &a) == EMB_OK, "%s", emb_errmsg());
    emb_archive_close(a);
}
END_TEST

START_TEST(zip_member_inflating_past_its_entry)
{
    /* 1 MiB of 'a' deflated, the entry declaring 1000 bytes: the reader
     * stops after 1000 bytes (+1 to see there is more) and says so. */
    size_t clen;
    uint32_t crc;
    unsigned char *z = deflate_run('a', (size_t)1 << 20, &clen, &crc);
    zmember m = {"data.txt", 8, z, clen, crc, 1000};
    const char *p = tpath("forged.zip");
    raw_zip(p, &m, 1);
    free(z);
    emb_archive *a = NULL;
    ck_assert_msg(emb_archive_open(p, &a) == EMB_OK, "%s", emb_errmsg());
    emb_bytesrc *src = NULL;
    ck_assert_int_eq(emb_bytesrc_open(a, "data.txt", &src), EMB_OK);
    char buf[65536];
    size_t total = 0, got = 0;
    emb_status st;
    while ((st = emb_bytesrc_read(src, buf, sizeof buf, &got)) == EMB_OK && got)
        total += got;
    ck_assert_int_eq(st, EMB_EINPUT);
    ck_assert_uint_le(total, 1000);
    assert_message("forged.zip:data.txt", "inflates to more than the 1000 bytes", "hostile");
    emb_bytesrc_close(src);
    emb_archive_close(a);
}
END_TEST

START_TEST(zip_too_many_members)
{
    /* 65,536 empty members (libzip writes zip64 past 65,535). */
    const char *p = tpath("many.zip");
    int err = 0;
    zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_ptr_nonnull(z);
    for (unsigned i = 0; i < 65536; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "f%05u", i);
        zip_source_t *src = zip_source_buffer(z, "", 0, 0);
        zip_int64_t idx = zip_file_add(z, nm, src, 0);
        ck_assert_int_ge(idx, 0);
        /* Stored: a deflate context per member (256 KiB, mmapped and
         * unmapped each time under ASan) would take minutes there. */
        ck_assert_int_eq(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
    }
    ck_assert_int_eq(zip_close(z), 0);
    expect_archive_refused(p, EMB_EINPUT, "lists 65536 members", "more than the 65535");
}
END_TEST

/* A minimal workbook: one sheet "S" whose XML is `sheet`, plus extra
 * members (name, text) when given. */
static void write_xlsx(const char *path, const char *sheet, const char *extra_name,
                       const char *extra_text)
{
    const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                           "xl/worksheets/sheet1.xml", extra_name};
    const char *text[] = {
        "<workbook><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
        "</Relationships>",
        sheet, extra_text};
    libzip_write(path, extra_name ? 4 : 3, names, text);
}

START_TEST(xlsx_forged_cells)
{
    emb_strlist col = {0};
    emb_xlsx *x = NULL;
    /* The fixture reads. */
    const char *p = tpath("ok.xlsx");
    write_xlsx(p, "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Name</t>"
                  "</is></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>CN</t></is></c>"
                  "</row></sheetData></worksheet>", NULL, NULL);
    ck_assert_msg(emb_xlsx_open(p, &x) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_xlsx_column(x, "S", "Name", &col) == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(col.n, 1);
    ck_assert_str_eq(col.v[0], "CN");
    emb_xlsx_close(x);
    emb_strlist_free(&col);
    /* A header cell at column ZZZZZZ (3 x 10^8): the reader would pad its
     * header list with that many empty cells. */
    p = tpath("col.xlsx");
    write_xlsx(p, "<worksheet><sheetData><row r=\"1\"><c r=\"ZZZZZZ1\" t=\"inlineStr\"><is><t>Name"
                  "</t></is></c></row></sheetData></worksheet>", NULL, NULL);
    ck_assert_int_eq(emb_xlsx_open(p, &x), EMB_OK);
    emb_alloc_peak_reset();
    long before = emb_alloc_count();
    ck_assert_int_eq(emb_xlsx_column(x, "S", "Name", &col), EMB_EINPUT);
    assert_message(p, "cell reference 'ZZZZZZ1'", "A1 to XFD1048576");
    ck_assert_msg(emb_alloc_count() - before < 1000, "%ld allocations", emb_alloc_count() - before);
    emb_xlsx_close(x);
    /* A data row numbered 4 x 10^9: the column would be padded to it. */
    p = tpath("row.xlsx");
    write_xlsx(p, "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Name</t>"
                  "</is></c></row><row r=\"4000000000\"><c t=\"inlineStr\"><is><t>CN</t></is></c>"
                  "</row></sheetData></worksheet>", NULL, NULL);
    ck_assert_int_eq(emb_xlsx_open(p, &x), EMB_OK);
    before = emb_alloc_count();
    ck_assert_int_eq(emb_xlsx_column(x, "S", "Name", &col), EMB_EINPUT);
    assert_message(p, "row number '4000000000'", "1..1048576");
    ck_assert_msg(emb_alloc_count() - before < 1000, "%ld allocations", emb_alloc_count() - before);
    emb_xlsx_close(x);
    /* A workbook is a zip: a member escaping it refuses the workbook. */
    p = tpath("trav.xlsx");
    write_xlsx(p, "<worksheet/>", "../../evil.xml", "x");
    ck_assert_int_eq(emb_xlsx_open(p, &x), EMB_EINPUT);
    ck_assert_ptr_null(x);
    assert_message(p, "'../../evil.xml'", "'..' component");
}
END_TEST

/* ---- text ---------------------------------------------------------------- */

/* path := n copies of `unit` (of length ul) then `tail`. */
static void write_repeat(const char *path, const char *unit, size_t n, const char *tail)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    size_t ul = strlen(unit);
    char *blk = malloc(ul * 4096);
    for (size_t i = 0; i < 4096; i++)
        memcpy(blk + i * ul, unit, ul);
    for (size_t i = 0; i < n; i += 4096)
        fwrite(blk, ul, n - i < 4096 ? n - i : 4096, fp);
    fputs(tail, fp);
    free(blk);
    ck_assert_int_eq(fclose(fp), 0);
}

/* Read the first line of tmpdir/name (tab- or comma-separated): expect
 * EMB_EINPUT with the fragments; the largest allocation below `peak`. */
static void expect_line_refused(const char *name, char delim, size_t peak, const char *frag1,
                                const char *frag2)
{
    emb_archive *a = NULL;
    emb_tsv *r = NULL;
    int have = 0;
    ck_assert_int_eq(emb_archive_open(tmpdir, &a), EMB_OK);
    emb_alloc_peak_reset();
    ck_assert_int_eq(emb_tsv_open_in(a, name, &r), EMB_OK);
    if (delim != '\t')
        emb_tsv_set_delim(r, delim);
    emb_status st = emb_tsv_next(r, &have);
    ck_assert_msg(st == EMB_EINPUT, "%s: got %d (%s)", name, st, emb_errmsg());
    assert_message(name, frag1, frag2);
    ck_assert_msg(emb_alloc_peak_request() < peak, "%s: %zu bytes at once", name,
                  emb_alloc_peak_request());
    emb_tsv_close(r);
    emb_archive_close(a);
}

START_TEST(text_without_end)
{
    /* 64 MiB without a delimiter or a newline: refused at the first
     * buffer (1 MiB), which never grows. */
    write_repeat(tpath("field.txt"), "abcdefgh", (size_t)8 << 20, "\n");
    expect_line_refused("field.txt", '\t', 2 * EMB_TSV_BUFSIZE,
                        "field.txt: line 1, column 1: a field longer than 4096 bytes", NULL);
    /* The same after two cells, and in CSV. */
    FILE *fp = fopen(tpath("field3.csv"), "wb");
    fputs("a,b,", fp);
    fclose(fp);
    write_repeat(tpath("field3b.csv"), "x", (size_t)2 << 20, "\n");
    {
        /* concatenate: "a,b," + 2 MiB of x */
        FILE *o = fopen(tpath("field3.csv"), "ab"), *i = fopen(tpath("field3b.csv"), "rb");
        char b[65536];
        size_t n;
        while ((n = fread(b, 1, sizeof b, i)) > 0)
            fwrite(b, 1, n, o);
        fclose(i), fclose(o);
    }
    expect_line_refused("field3.csv", ',', 2 * EMB_TSV_BUFSIZE, "line 1, column 3",
                        "a field longer than 4096 bytes");
    /* A header row of 2^20 + 1 columns. */
    write_repeat(tpath("wide.txt"), "a\t", ((size_t)1 << 20), "a\n");
    expect_line_refused("wide.txt", '\t', (size_t)16 << 20, "line 1, column 1048577",
                        "more than 1048576 columns");
    /* A line of short fields longer than a quarter of the memory limit
     * (64 MiB here): 20 MB. */
    write_repeat(tpath("long.txt"), "1234567890123456789012345678901\t", 640000, "\n");
    expect_line_refused("long.txt", '\t', (size_t)20 << 20,
                        "the line is longer than 16777216 bytes",
                        "a quarter of the memory limit");
    /* A label of 5000 bytes in a short line. */
    fp = fopen(tpath("label.txt"), "wb");
    fputs("region\t", fp);
    for (int i = 0; i < 5000; i++)
        fputc('r', fp);
    fputs("\tR2\n", fp);
    fclose(fp);
    expect_line_refused("label.txt", '\t', 2 * EMB_TSV_BUFSIZE,
                        "label.txt: line 1, column 2: a field of 5000 bytes", "longer than 4096");
}
END_TEST

/* A plain-CSV table folder (datasets/README.md) whose Z and Y headers
 * declare `regions` regions of one sector: no data rows (the plan must
 * refuse before they are wanted). */
static void csv_headers(const char *dir, size_t regions)
{
    char path[4200];
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"format\": \"embodied-csv\", \"version\": 1, \"Z\": \"Z.csv\", \"Y\": \"Y.csv\", "
          "\"F\": \"F.csv\"}\n", fp);
    fclose(fp);
    const char *files[] = {"Z.csv", "Y.csv", "F.csv"}, *inner[] = {"sector", "category", "sector"},
               *cell[] = {"s", "hh", "s"};
    for (int f = 0; f < 3; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        fp = fopen(path, "w");
        fputs("region,", fp);
        for (size_t r = 0; r < regions; r++)
            fprintf(fp, ",R%zu", r);
        fprintf(fp, "\n%s,", inner[f]);
        for (size_t r = 0; r < regions; r++)
            fprintf(fp, ",%s", cell[f]);
        fputc('\n', fp);
        fclose(fp);
    }
}

START_TEST(import_plan_from_headers)
{
    /* 3,000 regions x 1 sector: Z alone is 69 MiB, over the 64 MiB limit:
     * refused once Z's first header row gives N, before its labels are
     * compared and before Z is allocated. */
    const char *dir = tpath("csv3000");
    csv_headers(dir, 3000);
    emb_table *t = NULL;
    emb_alloc_peak_reset();
    emb_status st = emb_import_csv(dir, NULL, &t);
    ck_assert_msg(st == EMB_ENOMEM, "got %d: %s", st, emb_errmsg());
    ck_assert_ptr_null(t);
    assert_message(dir, "Z.csv: the table needs 69 MiB (Z 69 MiB)", "memory limit is 64 MiB");
    ck_assert_msg(emb_alloc_peak_request() < 2 * EMB_TSV_BUFSIZE, "%zu bytes at once",
                  emb_alloc_peak_request());
    /* With room for it, the same headers get past the plan, as far as the
     * missing rows. */
    emb_set_memory_limit((size_t)1 << 30);
    ck_assert_int_eq(emb_import_csv(dir, NULL, &t), EMB_EINPUT);
    assert_message(NULL, "F.csv", "no stressor rows");
}
END_TEST

START_TEST(wide_headers_stay_cheap)
{
    /* Z's header declaring 2^20 - 3 distinct regions: the plan (8 TiB)
     * refuses it before the labels are compared pairwise (5 x 10^11
     * comparisons before). */
    const char *dir = tpath("wideZ");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"format\": \"embodied-csv\", \"version\": 1, \"Z\": \"Z.csv\", \"Y\": \"Y.csv\", "
          "\"F\": \"F.csv\"}\n", fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/Y.csv", dir); /* rewritten below */
    fclose(fopen(path, "w"));
    snprintf(path, sizeof path, "%s/F.csv", dir);
    fp = fopen(path, "w");
    fputs("region,,R\nsector,,s\nCO2,kt,1\n", fp);
    fclose(fp);
    size_t n = ((size_t)1 << 20) - 3;
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    fp = fopen(path, "w");
    fputs("region,", fp);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, ",R%zu", i);
    fputs("\nsector,,s\n", fp);
    fclose(fp);
    emb_table *t = NULL;
    emb_status st = emb_import_csv(dir, NULL, &t);
    ck_assert_msg(st == EMB_ENOMEM, "%d: %s", st, emb_errmsg());
    assert_message("Z.csv", "the table needs 8.0 TiB (Z 8.0 TiB)", NULL);
    /* One region, one sector, and a Y header of 2^20 - 3 categories whose
     * last repeats the first: found by sorting, not by 5 x 10^11 compares. */
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    fp = fopen(path, "w");
    fputs("region,,R\nsector,,s\nR,s,0\n", fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    fp = fopen(path, "w");
    fputs("region,", fp);
    for (size_t i = 0; i < n; i++)
        fputs(",R", fp);
    fputs("\ncategory,", fp);
    for (size_t i = 0; i + 1 < n; i++)
        fprintf(fp, ",c%zu", i);
    fputs(",c0\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_import_csv(dir, NULL, &t), EMB_EINPUT);
    assert_message("Y.csv", "line 2, column 1048575: category 'c0' appears twice", NULL);
    /* A Y header naming more regions than Z: refused at the first extra. */
    fp = fopen(path, "w");
    fputs("region,,R,R2\ncategory,,c,c\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_import_csv(dir, NULL, &t), EMB_EINPUT);
    assert_message("Y.csv", "line 1, column 4: region 'R2': more regions than the 1", NULL);
}
END_TEST

START_TEST(json_hostile)
{
    /* 20,000 items in one array (a 40 kB file): refused at the cap. */
    const char *dir = tpath("js");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/file_parameters.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"files\": [", fp);
    for (int i = 0; i < 20000; i++)
        fputs(i ? ",0" : "0", fp);
    fputs("]}\n", fp);
    fclose(fp);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_import_pymrio(dir, NULL, &t), EMB_EINPUT);
    assert_message("file_parameters.json", "line 1", "more than 10000 items in one array");
    /* Just over 1 MiB of whitespace: refused by size, not read whole. */
    write_repeat(path, " ", ((size_t)1 << 20) + 10, "{}\n");
    ck_assert_int_eq(emb_import_pymrio(dir, NULL, &t), EMB_EINPUT);
    assert_message("file_parameters.json", "larger than 1048576 bytes", NULL);
}
END_TEST

/* ---- plans in the library ------------------------------------------------ */

START_TEST(library_plans)
{
    /* emb_table_create: 10^4 x 10^4 industries asked of the library. */
    emb_table *t = (emb_table *)&t;
    emb_alloc_peak_reset();
    ck_assert_int_eq(emb_table_create(10000, 10000, 1, 1, EMB_TECH_Z, 1, &t), EMB_ENOMEM);
    ck_assert_ptr_null(t);
    assert_message("table", "the table needs 71 PiB", "(Z 71 PiB");
    ck_assert_uint_lt(emb_alloc_peak_request(), SMALL);
    /* The generator, before generating. */
    emb_synth_opts o = emb_synth_defaults(1000, 1000, 6, 3, 1);
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_ENOMEM);
    assert_message("synth", "the generated table needs", "memory limit is 64 MiB (--max-memory)");
    ck_assert_uint_lt(emb_alloc_peak_request(), SMALL);
    /* The accounts: flows by sector (k x N x n_r) refused before solving. */
    o = emb_synth_defaults(10, 50, 2, 3, 1);
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_OK);
    emb_set_memory_limit((size_t)100 << 10);
    emb_accounts_opts ao = {.flows_by_sector = 1};
    emb_accounts *a = (emb_accounts *)&a;
    emb_alloc_peak_reset();
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_ENOMEM);
    ck_assert_ptr_null(a);
    assert_message(NULL, "the accounts computation needs", "flows by sector 117 KiB");
    ck_assert_uint_lt(emb_alloc_peak_request(), (size_t)16 << 10);
    /* The solver, after the accounts' plan fits: the dense factor of N =
     * 500 (1.9 MiB). */
    emb_set_memory_limit((size_t)1 << 20);
    ao.flows_by_sector = 0;
    ao.solver.kind = EMB_SOLVER_DENSE;
    ck_assert_int_eq(emb_accounts_compute(t, &ao, &a), EMB_ENOMEM);
    assert_message(NULL, "the solver needs 1.9 MiB (Leontief factor I - A, N x N double, N = 500)",
                   "but the memory limit is 1.0 MiB (--max-memory)");
    /* A single request above the limit, through the wrapper. */
    ck_assert_ptr_null(emb_alloc(2, (size_t)1 << 20, "test block"));
    assert_message(NULL, "test block: one allocation of 2.0 MiB exceeds the memory limit of 1.0 MiB",
                   NULL);
    emb_table_free(t);
    /* The setting: 0 restores the machine's memory, the previous value is
     * returned. */
    ck_assert_uint_eq(emb_set_memory_limit(0), (size_t)1 << 20);
    ck_assert(!emb_memory_limit_is_set());
    ck_assert_uint_gt(emb_memory_limit(), (size_t)1 << 20);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostile");
    TCase *th = tcase_create("hdf5");
    tcase_add_checked_fixture(th, setup, teardown);
    tcase_set_timeout(th, 60);
    tcase_add_test(th, h5_base_file_is_valid);
    tcase_add_test(th, h5_absurd_dimensions);
    tcase_add_test(th, h5_absurd_label_counts);
    tcase_add_test(th, h5_ranks_and_shapes);
    tcase_add_test(th, h5_strings_without_terminators);
    tcase_add_test(th, h5_null_empty_bad_and_duplicate_labels);
    tcase_add_test(th, h5_wrong_types);
    tcase_add_test(th, h5_links);
    tcase_add_test(th, h5_chunks_and_csr);
    suite_add_tcase(s, th);
    TCase *tz = tcase_create("zip");
    tcase_add_checked_fixture(tz, setup, teardown);
    tcase_set_timeout(tz, 120);
    tcase_add_test(tz, zip_member_names_escaping_the_archive);
    tcase_add_test(tz, zip_bombs);
    tcase_add_test(tz, zip_member_inflating_past_its_entry);
    tcase_add_test(tz, zip_too_many_members);
    tcase_add_test(tz, xlsx_forged_cells);
    suite_add_tcase(s, tz);
    TCase *tt = tcase_create("text");
    tcase_add_checked_fixture(tt, setup, teardown);
    tcase_set_timeout(tt, 120);
    tcase_add_test(tt, text_without_end);
    tcase_add_test(tt, import_plan_from_headers);
    tcase_add_test(tt, wide_headers_stay_cheap);
    tcase_add_test(tt, json_hostile);
    suite_add_tcase(s, tt);
    TCase *tp = tcase_create("plans");
    tcase_add_checked_fixture(tp, setup, teardown);
    tcase_add_test(tp, library_plans);
    suite_add_tcase(s, tp);
    return emb_test_run(s);
}
