/* tests/test_csr.c — the technology matrix held as CSR (embodied/table.h):
 * emb_csr invariants and their errors, dense rows of a CSR table, CSR copies
 * of dense and CSR tables (bit-identical both ways), the dense and mixed
 * solvers and the accounts on a CSR table, allocation-failure loops; and
 * the CSR group of the HDF5 format: round trips dense <-> CSR bit-identical,
 * files as h5py / scipy write them (any integer types), every malformed
 * group.  The CSR module itself (embodied/csr.h): the builder (rows,
 * entries, entries written in place, the plan's bound, allocation
 * failures) and the transpose. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static emb_table *gen(size_t n_r, size_t n_s, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 2, 2, seed);
    o.foreign_density = 0.1;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "%s", emb_errmsg());
    return t;
}

/* Bit-identical doubles (so -0.0 differs from +0.0). */
static void assert_bits_eq(const double *a, const double *b, size_t n, const char *what)
{
    if (n && memcmp(a, b, n * sizeof *a) != 0)
        for (size_t i = 0; i < n; i++)
            if (memcmp(&a[i], &b[i], sizeof *a) != 0)
                ck_abort_msg("%s[%zu]: %.17g != %.17g", what, i, a[i], b[i]);
}

/* The CSR of a dense row-major n x n array, built by hand. */
static emb_csr *csr_of(const double *T, size_t n)
{
    size_t nnz = 0;
    for (size_t i = 0; i < n * n; i++)
        nnz += T[i] != 0 || signbit(T[i]);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_csr_create(n, n, nnz, &m), EMB_OK);
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (T[i * n + j] != 0 || signbit(T[i * n + j])) {
                m->indices[p] = (uint32_t)j;
                m->data[p++] = T[i * n + j];
            }
        m->indptr[i + 1] = p;
    }
    return m;
}

/* Turn a dense table into a CSR one (through emb_table_tech_csr). */
static void make_csr(emb_table *t)
{
    emb_csr *m = NULL;
    ck_assert_msg(emb_table_tech_csr(t, &m) == EMB_OK, "%s", emb_errmsg());
    ck_assert_msg(emb_table_set_tech_csr(t, m) == EMB_OK, "%s", emb_errmsg());
    ck_assert_ptr_null(t->T);
    ck_assert_ptr_nonnull(t->csr);
}

START_TEST(dense_to_csr_and_back_is_bit_identical)
{
    emb_table *t = gen(4, 5, 11);
    size_t N = t->N;
    t->T[3] = -0.0; /* kept: the round trip must reproduce the sign */
    double *dense = malloc(N * N * sizeof *dense), *rows = malloc(N * N * sizeof *rows);
    ck_assert(dense && rows);
    memcpy(dense, t->T, N * N * sizeof *dense);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    emb_csr *ref = csr_of(dense, N);
    ck_assert_uint_eq(m->nnz, ref->nnz);
    ck_assert_uint_lt(m->nnz, N * N); /* zero-output rows and columns, sparse foreign blocks */
    ck_assert(memcmp(m->indptr, ref->indptr, (N + 1) * sizeof(size_t)) == 0);
    ck_assert(memcmp(m->indices, ref->indices, m->nnz * sizeof(uint32_t)) == 0);
    assert_bits_eq(m->data, ref->data, m->nnz, "data");
    ck_assert_int_eq(emb_csr_check(m, "x.h5", "/Z"), EMB_OK);
    emb_csr_free(ref);
    ck_assert_int_eq(emb_table_set_tech_csr(t, m), EMB_OK);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    /* Dense rows in uneven blocks. */
    for (size_t r0 = 0; r0 < N; r0 += 7) {
        size_t n = N - r0 < 7 ? N - r0 : 7;
        ck_assert_int_eq(emb_table_tech_rows(t, r0, n, rows + r0 * N), EMB_OK);
    }
    assert_bits_eq(rows, dense, N * N, "T");
    /* A CSR copy of a CSR table is an equal, separate matrix. */
    emb_csr *c = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &c), EMB_OK);
    ck_assert_ptr_ne(c->data, t->csr->data);
    ck_assert_uint_eq(c->nnz, t->csr->nnz);
    assert_bits_eq(c->data, t->csr->data, c->nnz, "copy");
    emb_csr_free(c);
    free(dense);
    free(rows);
    emb_table_free(t);
}
END_TEST

START_TEST(empty_and_full_rows)
{
    /* All-zero matrix: nnz 0; a full matrix: nnz N^2. */
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(1, 3, 1, 0, EMB_TECH_Z, 1, &t), EMB_OK);
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    ck_assert_uint_eq(m->nnz, 0);
    for (size_t i = 0; i <= 3; i++)
        ck_assert_uint_eq(m->indptr[i], 0);
    emb_csr_free(m);
    for (size_t i = 0; i < 9; i++)
        t->T[i] = (double)i + 0.5;
    ck_assert_int_eq(emb_table_tech_csr(t, &m), EMB_OK);
    ck_assert_uint_eq(m->nnz, 9);
    ck_assert_uint_eq(m->indptr[2], 6);
    ck_assert_uint_eq(m->indices[5], 2);
    emb_csr_free(m);
    emb_table_free(t);
}
END_TEST

/* A 3 x 3 CSR: row 0 = {0: 1, 2: 2}, row 1 = {}, row 2 = {1: 3}. */
static emb_csr *small_csr(void)
{
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_csr_create(3, 3, 3, &m), EMB_OK);
    const size_t ip[4] = {0, 2, 2, 3};
    const uint32_t ix[3] = {0, 2, 1};
    const double d[3] = {1, 2, 3};
    memcpy(m->indptr, ip, sizeof ip);
    memcpy(m->indices, ix, sizeof ix);
    memcpy(m->data, d, sizeof d);
    return m;
}

static void expect_check(emb_csr *m, const char *needle1, const char *needle2)
{
    ck_assert_int_eq(emb_csr_check(m, "t.h5", "/Z"), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "t.h5") && strstr(emb_errmsg(), needle1) &&
                      strstr(emb_errmsg(), needle2), "%s", emb_errmsg());
    emb_csr_free(m);
}

START_TEST(csr_check_names_every_violation)
{
    emb_csr *m = small_csr();
    ck_assert_int_eq(emb_csr_check(m, "t.h5", "/Z"), EMB_OK);
    emb_csr_free(m);
    m = small_csr(), m->indptr[0] = 1;
    expect_check(m, "/Z/indptr", "entry 0");
    m = small_csr(), m->indptr[2] = 1; /* 2, 1, 3: decreasing */
    expect_check(m, "/Z/indptr", "non-decreasing");
    m = small_csr(), m->indptr[3] = 2;
    expect_check(m, "/Z/indptr", "last entry");
    m = small_csr(), m->indices[1] = 3;
    expect_check(m, "/Z/indices", "outside 0..2");
    m = small_csr(), m->indices[1] = 0; /* duplicate in row 0 */
    expect_check(m, "row 0", "strictly increasing");
    m = small_csr(), m->data[2] = NAN;
    expect_check(m, "/Z/data", "row 2, column 1");
    m = small_csr(), m->data[0] = INFINITY;
    expect_check(m, "/Z/data", "infinite");
}
END_TEST

START_TEST(set_tech_csr_checks_and_takes_ownership)
{
    emb_table *t = gen(1, 3, 5);
    ck_assert_int_eq(emb_table_set_path(t, "t.h5"), EMB_OK);
    emb_csr *m = small_csr();
    m->indices[2] = 7; /* freed by the failing call */
    ck_assert_int_eq(emb_table_set_tech_csr(t, m), EMB_EINPUT);
    ck_assert_ptr_nonnull(t->T);
    emb_csr *wrong = NULL;
    ck_assert_int_eq(emb_csr_create(2, 3, 0, &wrong), EMB_OK);
    ck_assert_int_eq(emb_table_set_tech_csr(t, wrong), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "2 x 3"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_set_tech_csr(t, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_set_tech_csr(t, small_csr()), EMB_OK);
    ck_assert_ptr_null(t->T);
    /* validate finds a value broken after the fact */
    t->csr->data[1] = NAN;
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "row 0, column 2"), "%s", emb_errmsg());
    emb_table_free(t);
    /* Dimensions beyond 32-bit indices are refused before allocating. */
    ck_assert_int_eq(emb_csr_create(EMB_CSR_MAX_DIM + 1, 1, 0, &m), EMB_ENOMEM);
    ck_assert_ptr_null(m);
}
END_TEST

/* The dense and mixed-precision solvers read a CSR table through
 * emb_table_tech_rows (the mixed one's residual passes from a second
 * thread): the accounts are bit-identical to those of the dense table. */
START_TEST(dense_solver_runs_on_csr_table)
{
    emb_table *d = gen(5, 6, 21), *s = gen(5, 6, 21);
    make_csr(s);
    static const emb_solver_kind kinds[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED};
    for (size_t q = 0; q < 2; q++) {
        emb_accounts_opts o;
        memset(&o, 0, sizeof o);
        o.solver.kind = kinds[q];
        emb_accounts *ad = NULL, *as = NULL;
        ck_assert_msg(emb_accounts_compute(d, &o, &ad) == EMB_OK, "%s", emb_errmsg());
        ck_assert_msg(emb_accounts_compute(s, &o, &as) == EMB_OK, "%s", emb_errmsg());
        assert_bits_eq(ad->M, as->M, d->k * d->N, "M");
        assert_bits_eq(ad->flows, as->flows, d->k * d->n_r * d->n_r, "flows");
        assert_bits_eq(ad->x, as->x, d->N, "x");
        emb_accounts_free(ad);
        emb_accounts_free(as);
    }
    emb_table_free(d);
    emb_table_free(s);
}
END_TEST

START_TEST(alloc_failure_loop_tech_csr)
{
    emb_table *t = gen(3, 4, 8);
    emb_table *c = gen(3, 4, 8);
    make_csr(c);
    for (int which = 0; which < 2; which++) {
        int done = 0;
        for (long k = 0; k < 100 && !done; k++) {
            emb_csr *m = (emb_csr *)1;
            emb_alloc_fail_after(k);
            emb_status st = emb_table_tech_csr(which ? c : t, &m);
            emb_alloc_fail_after(-1);
            if (st == EMB_OK) {
                emb_csr_free(m);
                done = 1;
            } else {
                ck_assert_int_eq(st, EMB_ENOMEM);
                ck_assert_ptr_null(m);
            }
        }
        ck_assert(done);
    }
    emb_table_free(t);
    emb_table_free(c);
}
END_TEST


/* ---- HDF5: the CSR group ------------------------------------------------ */

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

static const char *tpath(const char *name)
{
    static char buf[2][4096];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", tmpdir, name);
    return buf[which];
}

static void assert_no_open_h5(void)
{
    ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    ck_assert_msg(n == 0, "%zd HDF5 objects still open", n);
}

/* Everything of a and b equal bit for bit, T through emb_table_tech_rows. */
static void assert_tables_equal(const emb_table *a, const emb_table *b)
{
    ck_assert_uint_eq(a->N, b->N);
    ck_assert_uint_eq(a->n_y, b->n_y);
    ck_assert_uint_eq(a->k, b->k);
    ck_assert_int_eq(a->tech_kind, b->tech_kind);
    for (size_t i = 0; i < a->n_r; i++)
        ck_assert_str_eq(a->regions[i], b->regions[i]);
    assert_bits_eq(a->Y, b->Y, a->N * a->n_y, "Y");
    assert_bits_eq(a->F, b->F, a->k * a->N, "F");
    assert_bits_eq(a->F_Y, b->F_Y, a->k * a->n_y, "F_Y");
    ck_assert_int_eq(a->x == NULL, b->x == NULL);
    if (a->x)
        assert_bits_eq(a->x, b->x, a->N, "x");
    size_t N = a->N;
    double *ra = malloc(N * N * sizeof *ra), *rb = malloc(N * N * sizeof *rb);
    ck_assert(ra && rb);
    ck_assert_int_eq(emb_table_tech_rows(a, 0, N, ra), EMB_OK);
    ck_assert_int_eq(emb_table_tech_rows(b, 0, N, rb), EMB_OK);
    assert_bits_eq(ra, rb, N * N, "T");
    free(ra);
    free(rb);
}

/* Write t with the given options, read it back with both flags, compare;
 * expect_csr: whether the file holds a CSR group. */
static void roundtrip(const emb_table *t, const char *p, int deflate, int csr, int expect_csr)
{
    emb_write_opts o = {.deflate = deflate, .csr = csr};
    ck_assert_msg(emb_table_write_h5(t, p, &o) == EMB_OK, "%s", emb_errmsg());
    assert_no_open_h5();
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    const char *tn = t->tech_kind == EMB_TECH_Z ? "/Z" : "/A";
    hid_t obj = H5Oopen(f, tn, H5P_DEFAULT);
    ck_assert_int_eq(H5Iget_type(obj) == H5I_GROUP, expect_csr);
    H5Oclose(obj);
    H5Fclose(f);
    for (int flags = 0; flags <= 1; flags++) {
        emb_table *r = NULL;
        ck_assert_msg(emb_table_read_h5(p, flags, &r) == EMB_OK, "%s", emb_errmsg());
        ck_assert_int_eq(r->csr != NULL, expect_csr);
        if (expect_csr)
            ck_assert(r->T == NULL && r->stream == NULL);
        assert_tables_equal(t, r);
        emb_table_free(r);
        assert_no_open_h5();
    }
}

START_TEST(h5_roundtrip_dense_csr_dense)
{
    emb_table *t = gen(4, 6, 3);
    t->T[5] = -0.0;
    roundtrip(t, tpath("c.h5"), 0, 1, 1);  /* dense table, written as CSR */
    roundtrip(t, tpath("cz.h5"), 5, 1, 1); /* compressed */
    roundtrip(t, tpath("d.h5"), 0, 0, 0);  /* dense stays dense by default */
    /* The CSR of a streamed table (rows read from the file) is the CSR of
     * the table in memory. */
    emb_table *st = NULL;
    ck_assert_int_eq(emb_table_read_h5(tpath("d.h5"), EMB_READ_DEFAULT, &st), EMB_OK);
    ck_assert_ptr_nonnull(st->stream);
    emb_csr *ca = NULL, *cb = NULL;
    ck_assert_int_eq(emb_table_tech_csr(st, &ca), EMB_OK);
    ck_assert_int_eq(emb_table_tech_csr(t, &cb), EMB_OK);
    ck_assert_uint_eq(ca->nnz, cb->nnz);
    ck_assert(memcmp(ca->indptr, cb->indptr, (t->N + 1) * sizeof(size_t)) == 0);
    ck_assert(memcmp(ca->indices, cb->indices, ca->nnz * sizeof(uint32_t)) == 0);
    assert_bits_eq(ca->data, cb->data, ca->nnz, "streamed CSR");
    emb_csr_free(ca), emb_csr_free(cb);
    emb_table_free(st);
    emb_table *c = NULL;
    ck_assert_int_eq(emb_table_read_h5(tpath("c.h5"), 0, &c), EMB_OK);
    roundtrip(c, tpath("c2.h5"), 0, 0, 1);  /* a CSR table stays CSR by default */
    roundtrip(c, tpath("d2.h5"), 3, -1, 0); /* ... or is written dense */
    /* The file's datasets: float64 data, int32 indices, int64 indptr, shape. */
    hid_t f = H5Fopen(tpath("c.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    static const char *const ds[] = {"/Z/data", "/Z/indices", "/Z/indptr"};
    hid_t want[] = {H5T_IEEE_F64LE, H5T_STD_I32LE, H5T_STD_I64LE};
    for (int i = 0; i < 3; i++) {
        hid_t d = H5Dopen2(f, ds[i], H5P_DEFAULT), ty = H5Dget_type(d);
        ck_assert_msg(H5Tequal(ty, want[i]) > 0, "%s has the wrong type", ds[i]);
        H5Tclose(ty), H5Dclose(d);
    }
    long long shape[2] = {0, 0};
    hid_t a = H5Aopen_by_name(f, "/Z", "shape", H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_LLONG, shape), 0);
    ck_assert(shape[0] == 24 && shape[1] == 24);
    H5Aclose(a), H5Fclose(f);
    emb_table_free(c);
    emb_table_free(t);
}
END_TEST

START_TEST(h5_roundtrip_A_table_and_empty_matrix)
{
    emb_table *t = gen(3, 3, 9);
    ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    t->tech_kind = EMB_TECH_A;
    for (size_t i = 0; i < t->N * t->N; i++)
        t->T[i] = t->x[i % t->N] > 0 ? t->T[i] / t->x[i % t->N] : 0.0;
    make_csr(t);
    roundtrip(t, tpath("a.h5"), 0, 0, 1);
    roundtrip(t, tpath("az.h5"), 9, 0, 1);
    emb_table_free(t);
    /* No inter-industry flows at all: nnz = 0, empty datasets. */
    t = gen(2, 2, 1);
    memset(t->T, 0, t->N * t->N * sizeof(double));
    roundtrip(t, tpath("e.h5"), 0, 1, 1);
    roundtrip(t, tpath("ez.h5"), 4, 1, 1);
    emb_table_free(t);
}
END_TEST

/* ---- raw CSR groups, as h5py / scipy / anndata write them --------------- */

/* The 4 x 4 matrix of the raw files:
 *   row 0: (0, 1.5) (3, 2.5);  row 1: empty;  row 2: (1, 4) (2, 5) (3, 6);  row 3: (0, 7). */
static const double raw_dense[16] = {1.5, 0, 0, 2.5, 0, 0, 0, 0, 0, 4, 5, 6, 7, 0, 0, 0};

typedef struct raw_csr {
    hid_t data_type, ind_type, ptr_type; /* file types */
    double data[8];
    long long ind[8], ptr[8];
    size_t n_data, n_ind, n_ptr;
    int shape_n;            /* values in the shape attribute, 0: none */
    long long shape[3];
    hid_t shape_type;
    const char *fmt, *enc;  /* optional string attributes */
    int ind_rank2;          /* indices written as n x 1 */
    int skip;               /* 1 data, 2 indices, 3 indptr missing */
} raw_csr;

static raw_csr raw_good(void)
{
    raw_csr r = {H5T_IEEE_F64LE, H5T_STD_I32LE, H5T_STD_I32LE,
                 {1.5, 2.5, 4, 5, 6, 7}, {0, 3, 1, 2, 3, 0}, {0, 2, 2, 5, 6},
                 6, 6, 5, 2, {4, 4, 0}, H5T_STD_I64LE, NULL, NULL, 0, 0};
    return r;
}

static void raw_write_ds(hid_t g, const char *name, hid_t ftype, hid_t mtype, size_t n, int rank2,
                         const void *buf)
{
    hsize_t d[2] = {n, 1};
    hid_t sp = H5Screate_simple(rank2 ? 2 : 1, d, NULL);
    hid_t ds = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    if (n)
        ck_assert_int_ge(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(ds), H5Sclose(sp);
}

static void raw_str_attr(hid_t obj, const char *name, const char *v)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(H5Awrite(a, ty, v), 0);
    H5Aclose(a), H5Sclose(sp), H5Tclose(ty);
}

/* A valid 2 x 2-sector table whose /Z is replaced by the raw group r. */
static const char *raw_file(const raw_csr *r, const char *name)
{
    const char *p = tpath(name);
    emb_table *t = gen(2, 2, 1);
    emb_write_opts o = {.csr = -1};
    ck_assert_int_eq(emb_table_write_h5(t, p, &o), EMB_OK);
    emb_table_free(t);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(H5Ldelete(f, "/Z", H5P_DEFAULT), 0);
    hid_t g = H5Gcreate2(f, "/Z", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (r->skip != 1)
        raw_write_ds(g, "data", r->data_type, H5T_NATIVE_DOUBLE, r->n_data, 0, r->data);
    if (r->skip != 2)
        raw_write_ds(g, "indices", r->ind_type, /* unsigned: the same bits, -1 = 2^64 - 1 */
                     H5Tget_sign(r->ind_type) == H5T_SGN_NONE ? H5T_NATIVE_ULLONG : H5T_NATIVE_LLONG,
                     r->n_ind, r->ind_rank2, r->ind);
    if (r->skip != 3)
        raw_write_ds(g, "indptr", r->ptr_type, H5T_NATIVE_LLONG, r->n_ptr, 0, r->ptr);
    if (r->shape_n) {
        hsize_t d = (hsize_t)r->shape_n;
        hid_t sp = H5Screate_simple(1, &d, NULL);
        hid_t a = H5Acreate2(g, "shape", r->shape_type, sp, H5P_DEFAULT, H5P_DEFAULT);
        double dv[3] = {(double)r->shape[0], (double)r->shape[1], (double)r->shape[2]};
        int isf = H5Tget_class(r->shape_type) == H5T_FLOAT;
        ck_assert_int_ge(H5Awrite(a, isf ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG,
                                  isf ? (const void *)dv : (const void *)r->shape), 0);
        H5Aclose(a), H5Sclose(sp);
    }
    if (r->fmt)
        raw_str_attr(g, "format", r->fmt);
    if (r->enc)
        raw_str_attr(g, "encoding-type", r->enc);
    H5Gclose(g);
    H5Fclose(f);
    return p;
}

static void expect_ok(const raw_csr *r)
{
    const char *p = raw_file(r, "ok.h5");
    emb_table *t = NULL;
    ck_assert_msg(emb_table_read_h5(p, 0, &t) == EMB_OK, "%s", emb_errmsg());
    ck_assert_ptr_nonnull(t->csr);
    ck_assert_uint_eq(t->csr->nnz, 6);
    double rows[16];
    ck_assert_int_eq(emb_table_tech_rows(t, 0, 4, rows), EMB_OK);
    for (int i = 0; i < 16; i++)
        ck_assert_msg(rows[i] == raw_dense[i], "T[%d] = %g, expected %g", i, rows[i], raw_dense[i]);
    emb_table_free(t);
    assert_no_open_h5();
}

START_TEST(raw_groups_of_any_integer_type)
{
    raw_csr r = raw_good();
    expect_ok(&r); /* scipy's int32 everywhere */
    r.ind_type = H5T_STD_U16BE, r.ptr_type = H5T_STD_U64LE, r.data_type = H5T_IEEE_F32BE;
    expect_ok(&r);
    r.ind_type = H5T_STD_I64LE, r.ptr_type = H5T_STD_I8LE, r.shape_type = H5T_STD_U32LE;
    expect_ok(&r);
    r = raw_good(), r.fmt = "csr", r.enc = "csr_matrix"; /* h5sparse / anndata attributes */
    expect_ok(&r);
}
END_TEST

/* The file made from r must fail with EMB_EINPUT, the message naming the
 * file and containing both needles. */
static void expect_bad(const raw_csr *r, const char *needle1, const char *needle2)
{
    const char *p = raw_file(r, "bad.h5");
    for (int flags = 0; flags <= 1; flags++) {
        emb_table *t = (emb_table *)1;
        emb_status st = emb_table_read_h5(p, flags, &t);
        ck_assert_msg(st == EMB_EINPUT, "expected an input error (%s), got %d: %s", needle1, st,
                      emb_errmsg());
        ck_assert_ptr_null(t);
        const char *m = emb_errmsg();
        ck_assert_msg(strstr(m, p) && strstr(m, needle1) && strstr(m, needle2),
                      "message '%s' lacks '%s' or '%s'", m, needle1, needle2);
        assert_no_open_h5();
    }
}

START_TEST(malformed_indptr)
{
    raw_csr r = raw_good();
    r.ptr[0] = 1;
    expect_bad(&r, "/Z/indptr", "entry 0 is 1, expected 0");
    r = raw_good(), r.ptr[2] = 1; /* 0 2 1 5 6 */
    expect_bad(&r, "/Z/indptr", "entry 2 (1) is less than entry 1 (2)");
    r = raw_good(), r.ptr[4] = 5;
    expect_bad(&r, "/Z/indptr", "last entry is 5");
    r = raw_good(), r.ptr[3] = 7, r.ptr[4] = 7; /* beyond nnz, then last != nnz */
    expect_bad(&r, "/Z/indptr", "expected the number of stored entries");
    r = raw_good(), r.n_ptr = 4;
    expect_bad(&r, "/Z/indptr has 4 entries", "N + 1 = 5");
    r = raw_good(), r.ptr[1] = -2;
    expect_bad(&r, "/Z/indptr", "non-decreasing");
}
END_TEST

START_TEST(malformed_indices)
{
    raw_csr r = raw_good();
    r.ind[3] = 4;
    expect_bad(&r, "/Z/indices", "entry 3 (row 2) is column 4, outside 0..3");
    r = raw_good(), r.ind[5] = -1;
    expect_bad(&r, "/Z/indices", "entry 5 (row 3) is column -1");
    r = raw_good(), r.ind[3] = 1; /* row 2: 1, 1, 3 */
    expect_bad(&r, "/Z/indices", "strictly increasing");
    r = raw_good(), r.ind[2] = 3, r.ind[4] = 1; /* row 2: 3, 2, 1 */
    expect_bad(&r, "entry 3 (row 2)", "after column 3");
    r = raw_good(), r.ind_type = H5T_STD_U64LE, r.ind[0] = -1; /* 2^64 - 1: saturates, refused */
    expect_bad(&r, "/Z/indices", "outside 0..3");
    r = raw_good(), r.ind_type = H5T_IEEE_F64LE;
    expect_bad(&r, "/Z/indices has type class floating point", "expected integer");
    r = raw_good(), r.ind_rank2 = 1;
    expect_bad(&r, "/Z/indices has rank 2", "expected 1");
}
END_TEST

START_TEST(malformed_data_shape_and_kind)
{
    raw_csr r = raw_good();
    r.data[4] = NAN;
    expect_bad(&r, "/Z/data", "NaN at entry 4 (row 2, column 3)");
    r = raw_good(), r.data_type = H5T_STD_I32LE;
    expect_bad(&r, "/Z/data has type class integer", "expected floating point");
    r = raw_good(), r.n_data = 5;
    expect_bad(&r, "/Z/data and /Z/indices have 5 and 6 entries", "nnz");
    r = raw_good(), r.shape_n = 0;
    expect_bad(&r, "group /Z has no attribute shape", "[4, 4]");
    r = raw_good(), r.shape[1] = 5;
    expect_bad(&r, "attribute shape of group /Z is [4, 5]", "expected [4, 4]");
    r = raw_good(), r.shape_n = 3;
    expect_bad(&r, "attribute shape of group /Z", "found 3 value(s)");
    r = raw_good(), r.shape_type = H5T_IEEE_F64LE;
    expect_bad(&r, "attribute shape of group /Z", "floating point");
    r = raw_good(), r.skip = 3;
    expect_bad(&r, "dataset /Z/indptr is missing", "CSR group");
    r = raw_good(), r.skip = 1;
    expect_bad(&r, "dataset /Z/data is missing", "indices");
    r = raw_good(), r.enc = "csc_matrix";
    expect_bad(&r, "group /Z: attribute encoding-type is 'csc_matrix'", "only CSR");
    r = raw_good(), r.fmt = "csc";
    expect_bad(&r, "attribute format is 'csc'", "expected 'csr'");
    /* More entries than N^2: refused before allocating. */
    r = raw_good(), r.n_data = r.n_ind = 17;
    expect_bad(&r, "group /Z stores 17 entries", "more than N x N = 16");
}
END_TEST

START_TEST(alloc_failure_loop_h5_csr)
{
    emb_table *t = gen(3, 4, 2);
    const char *p = tpath("c.h5"), *q = tpath("w.h5");
    emb_write_opts o = {.deflate = 1, .csr = 1};
    ck_assert_int_eq(emb_table_write_h5(t, p, &o), EMB_OK);
    int read_done = 0, write_done = 0;
    for (long k = 0; k < 400 && !(read_done && write_done); k++) {
        emb_table *r = (emb_table *)1;
        emb_alloc_fail_after(k);
        emb_status st = emb_table_read_h5(p, 0, &r);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            emb_table_free(r);
            read_done = 1;
        } else {
            ck_assert_msg(st == EMB_ENOMEM, "%d: %s", st, emb_errmsg());
            ck_assert_ptr_null(r);
        }
        emb_alloc_fail_after(k);
        st = emb_table_write_h5(t, q, &o);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK)
            write_done = 1;
        else
            ck_assert_msg(st == EMB_ENOMEM, "%d: %s", st, emb_errmsg());
        assert_no_open_h5();
    }
    ck_assert(read_done && write_done);
    emb_table_free(t);
}
END_TEST

/* ---- the builder and the transpose (embodied/csr.h) -------------------- */

/* A deterministic rectangular test matrix, dense row-major: about a third
 * non-zero, with a -0.0, an empty row and an empty column. */
static void dense_test(double *T, size_t nr, size_t nc, uint64_t seed)
{
    for (size_t i = 0; i < nr * nc; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        T[i] = (seed >> 33) % 3 == 0 ? (double)((seed >> 40) % 1000) / 7.0 - 50.0 : 0.0;
    }
    for (size_t j = 0; j < nc; j++)
        T[2 * nc + j] = 0.0; /* row 2 empty */
    for (size_t i = 0; i < nr; i++)
        T[i * nc + 1] = 0.0; /* column 1 empty */
    T[0] = -0.0;
}

/* m equals dense T (nr x nc) entry for entry, -0.0 stored, +0.0 not. */
static void assert_csr_is(const emb_csr *m, const double *T, size_t nr, size_t nc)
{
    ck_assert_uint_eq(m->n_rows, nr);
    ck_assert_uint_eq(m->n_cols, nc);
    ck_assert_msg(emb_csr_check(m, "mem", "/M") == EMB_OK, "%s", emb_errmsg());
    double *D = calloc(nr * nc + 1, sizeof *D);
    size_t stored = 0;
    for (size_t i = 0; i < nr; i++)
        for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
            D[i * nc + m->indices[p]] = m->data[p];
    for (size_t i = 0; i < nr * nc; i++)
        stored += T[i] != 0 || signbit(T[i]);
    ck_assert_uint_eq(m->nnz, stored);
    assert_bits_eq(D, T, nr * nc, "entry");
    free(D);
}

START_TEST(builder_rows_entries_and_bound)
{
    enum { NR = 9, NC = 7 };
    double T[NR * NC];
    dense_test(T, NR, NC, 11);
    /* Dense rows, tiny initial room (grows many times). */
    emb_csr_builder b;
    ck_assert_int_eq(emb_csr_builder_init(&b, NR, NC, 1, 0, "test"), EMB_OK);
    for (size_t i = 0; i < NR; i++) {
        ck_assert_int_eq(emb_csr_builder_dense_row(&b, T + i * NC), EMB_OK);
        ck_assert_int_eq(emb_csr_builder_end_row(&b), EMB_OK);
    }
    ck_assert_int_eq(emb_csr_builder_end_row(&b), EMB_EINTERNAL); /* past the last row */
    emb_csr *m = NULL;
    ck_assert_int_eq(emb_csr_builder_finish(&b, &m), EMB_OK);
    ck_assert_ptr_null(b.m);
    assert_csr_is(m, T, NR, NC);
    emb_csr_free(m);
    emb_csr_builder_free(&b); /* finished: a no-op */

    /* Entries one by one, rows left unended at the end (empty), and a row
     * written in place after a reserve. */
    ck_assert_int_eq(emb_csr_builder_init(&b, 4, 5, 0, 0, NULL), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_push(&b, 1, 2.5), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_push(&b, 4, -1.0), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_end_row(&b), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_end_row(&b), EMB_OK); /* row 1 empty */
    ck_assert_int_eq(emb_csr_builder_reserve(&b, 5), EMB_OK);
    ck_assert_uint_ge(b.cap - b.m->nnz, 5);
    b.m->indices[b.m->nnz] = 0, b.m->data[b.m->nnz++] = 7.0;
    b.m->indices[b.m->nnz] = 3, b.m->data[b.m->nnz++] = 8.0;
    ck_assert_int_eq(emb_csr_builder_end_row(&b), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_finish(&b, &m), EMB_OK);
    double want[4 * 5] = {0, 2.5, 0, 0, -1, 0, 0, 0, 0, 0, 7, 0, 0, 8, 0, 0, 0, 0, 0, 0};
    assert_csr_is(m, want, 4, 5);
    emb_csr_free(m);

    /* The plan's bound: growing past max_nnz entries is refused. */
    ck_assert_int_eq(emb_csr_builder_init(&b, 1, 10, 2, 3, "planned matrix"), EMB_OK);
    for (size_t j = 0; j < 3; j++)
        ck_assert_int_eq(emb_csr_builder_push(&b, j, 1.0), EMB_OK);
    ck_assert_int_eq(emb_csr_builder_push(&b, 3, 1.0), EMB_ENOMEM);
    ck_assert_msg(strstr(emb_errmsg(), "planned matrix: more than the 3 entries planned"), "%s",
                  emb_errmsg());
    emb_csr_builder_free(&b);
    ck_assert_ptr_null(b.m);
}
END_TEST

START_TEST(transpose_is_exact)
{
    enum { NR = 9, NC = 7 };
    double T[NR * NC], Tt[NC * NR];
    dense_test(T, NR, NC, 5);
    for (size_t i = 0; i < NR; i++)
        for (size_t j = 0; j < NC; j++)
            Tt[j * NR + i] = T[i * NC + j];
    emb_csr_builder b;
    ck_assert_int_eq(emb_csr_builder_init(&b, NR, NC, 0, 0, "A"), EMB_OK);
    for (size_t i = 0; i < NR; i++)
        ck_assert(emb_csr_builder_dense_row(&b, T + i * NC) == EMB_OK &&
                  emb_csr_builder_end_row(&b) == EMB_OK);
    emb_csr *A = NULL, *C = NULL, *CC = NULL;
    ck_assert_int_eq(emb_csr_builder_finish(&b, &A), EMB_OK);
    ck_assert_int_eq(emb_csr_transpose(A, &C), EMB_OK);
    assert_csr_is(C, Tt, NC, NR); /* C = A', columns sorted in each row */
    ck_assert_int_eq(emb_csr_transpose(C, &CC), EMB_OK);
    ck_assert(memcmp(CC->indptr, A->indptr, (NR + 1) * sizeof *A->indptr) == 0);
    ck_assert(memcmp(CC->indices, A->indices, A->nnz * sizeof *A->indices) == 0);
    assert_bits_eq(CC->data, A->data, A->nnz, "(A')'");
    emb_csr_free(CC);
    emb_csr_free(C);

    /* An empty matrix, and allocation failures (nothing leaks). */
    emb_csr *E = NULL;
    ck_assert_int_eq(emb_csr_create(3, 0, 0, &E), EMB_OK);
    ck_assert_int_eq(emb_csr_transpose(E, &C), EMB_OK);
    ck_assert_uint_eq(C->n_rows, 0);
    ck_assert_uint_eq(C->n_cols, 3);
    ck_assert_uint_eq(C->nnz, 0);
    ck_assert_int_eq(emb_csr_check(C, "mem", "/E'"), EMB_OK);
    emb_csr_free(C);
    emb_csr_free(E);
    long k;
    for (k = 0; k < 100; k++) {
        emb_alloc_fail_after(k);
        emb_status st = emb_csr_transpose(A, &C);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            assert_csr_is(C, Tt, NC, NR);
            emb_csr_free(C);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
    }
    ck_assert_int_gt(k, 2);
    emb_csr_free(A);
}
END_TEST

START_TEST(builder_alloc_failure_loop)
{
    enum { NR = 40, NC = 30 };
    double T[NR * NC];
    dense_test(T, NR, NC, 3);
    long k;
    for (k = 0; k < 1000; k++) {
        emb_csr_builder b;
        emb_csr *m = NULL;
        emb_alloc_fail_after(k);
        emb_status st = emb_csr_builder_init(&b, NR, NC, 4, 0, "loop");
        for (size_t i = 0; i < NR && !st; i++)
            if (!(st = emb_csr_builder_dense_row(&b, T + i * NC)))
                st = emb_csr_builder_end_row(&b);
        if (!st)
            st = emb_csr_builder_finish(&b, &m);
        emb_alloc_fail_after(-1);
        emb_csr_builder_free(&b);
        if (st == EMB_OK) {
            assert_csr_is(m, T, NR, NC);
            emb_csr_free(m);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
    }
    ck_assert_int_gt(k, 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csr");
    TCase *tc = tcase_create("csr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dense_to_csr_and_back_is_bit_identical);
    tcase_add_test(tc, empty_and_full_rows);
    tcase_add_test(tc, csr_check_names_every_violation);
    tcase_add_test(tc, set_tech_csr_checks_and_takes_ownership);
    tcase_add_test(tc, dense_solver_runs_on_csr_table);
    tcase_add_test(tc, alloc_failure_loop_tech_csr);
    tcase_add_test(tc, builder_rows_entries_and_bound);
    tcase_add_test(tc, transpose_is_exact);
    tcase_add_test(tc, builder_alloc_failure_loop);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("h5");
    tcase_set_timeout(th, 60);
    tcase_add_checked_fixture(th, setup, teardown);
    tcase_add_test(th, h5_roundtrip_dense_csr_dense);
    tcase_add_test(th, h5_roundtrip_A_table_and_empty_matrix);
    tcase_add_test(th, raw_groups_of_any_integer_type);
    tcase_add_test(th, malformed_indptr);
    tcase_add_test(th, malformed_indices);
    tcase_add_test(th, malformed_data_shape_and_kind);
    tcase_add_test(th, alloc_failure_loop_h5_csr);
    suite_add_tcase(s, th);
    return emb_test_run(s);
}
