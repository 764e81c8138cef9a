/* src/io/h5table.c — the embodied-mrio HDF5 format, version 1
 * (datasets/README.md): emb_table_read_h5, which loads labels, Y, F, F_Y, x
 * and either loads the technology matrix or leaves it in the file behind an
 * emb_tech_stream that reads row hyperslabs (a CSR group, O(nnz), is always
 * loaded); and emb_table_write_h5, which writes a table atomically, the
 * technology matrix in bounded row blocks or as a CSR group.
 *
 * Files are opened with HDF5's default (weak) close degree on purpose: a
 * stronger degree would make any other H5Fopen of the same path in this
 * process (a second table, the results writer) fail with "file close degree
 * doesn't match".  Every hid_t is therefore closed explicitly on every path.
 */
#include "embodied/io.h"

#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/plan.h"
#include "core/table_impl.h"
#include "io/atomic.h"
#include "io/h5util.h"
#include "io/input.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NO_ID H5I_INVALID_HID

/* Bound on the writer's row-block buffer (the only O(N) x rows allocation). */
#define WRITE_BLOCK_BYTES ((size_t)8 << 20)
/* Bound on the chunk cache a streamed, chunked technology matrix gets. */
#define STREAM_CACHE_MAX ((size_t)64 << 20)

static void close_id(hid_t *id, herr_t (*fn)(hid_t))
{
    if (*id >= 0)
        fn(*id);
    *id = NO_ID;
}

/* ---- the streamed technology matrix ---------------------------------- */

typedef struct h5_stream {
    struct emb_tech_stream base; /* first, so emb_table_* can dispatch through it */
    hid_t file, dset;
    size_t N;
    char *path;
    const char *dsname; /* "/Z" or "/A" (static) */
} h5_stream;

/* dst[0..nrows*N) = T[r0..r0+nrows)[0..N), converted to native double. */
static emb_status stream_read_rows(struct emb_tech_stream *base, size_t r0, size_t nrows, double *dst)
{
    h5_stream *s = (h5_stream *)base;
    emb_status st = EMB_OK;
    hid_t fspace = NO_ID, mspace = NO_ID;
    hsize_t start[2] = {(hsize_t)r0, 0}, count[2] = {(hsize_t)nrows, (hsize_t)s->N};
    if (nrows == 0)
        return EMB_OK;
    /* Between row blocks: where a long read or residual pass can stop. */
    if ((st = emb_ctx_poll("reading the technology matrix")))
        return st;
    emb_h5_init();
    if ((fspace = H5Dget_space(s->dset)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mspace = H5Screate_simple(2, count, NULL)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot select rows %zu..%zu", s->path, s->dsname,
                       r0, r0 + nrows);
        goto done;
    }
    if (H5Dread(s->dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, dst) < 0) {
        char rows[64];
        snprintf(rows, sizeof rows, " rows %zu..%zu", r0, r0 + nrows);
        st = emb_h5_read_failed(s->path, s->dsname, rows, "file changed, corrupt or truncated?");
        goto done;
    }
done:
    close_id(&mspace, H5Sclose);
    close_id(&fspace, H5Sclose);
    return st;
}

static void stream_close(struct emb_tech_stream *base)
{
    h5_stream *s = (h5_stream *)base;
    close_id(&s->dset, H5Dclose);
    close_id(&s->file, H5Fclose);
    emb_free(s->path);
    emb_free(s);
}

/* Open dataset name for row-block reading.  A chunked (e.g. compressed)
 * dataset gets a chunk cache holding one row of chunks, so that reading it in
 * blocks of fewer rows than a chunk decompresses each chunk once, not once per
 * block. */
static emb_status stream_open(hid_t file, const char *path, const char *name, size_t N,
                              h5_stream **out)
{
    emb_status st = EMB_OK;
    hid_t dapl = NO_ID, dset = NO_ID, dcpl = NO_ID;
    h5_stream *s = NULL;
    *out = NULL;
    if ((dset = H5Dopen2(file, name, H5P_DEFAULT)) < 0 || (dcpl = H5Dget_create_plist(dset)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open dataset %s", path, name);
        goto done;
    }
    hsize_t chunk[2];
    if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, chunk) == 2 && chunk[1] > 0) {
        size_t per_row = (N + (size_t)chunk[1] - 1) / (size_t)chunk[1]; /* chunks across a row */
        size_t bytes = (size_t)chunk[0] * N * sizeof(double);
        size_t cache_max = emb_block_bytes(STREAM_CACHE_MAX);
        if (bytes / sizeof(double) / N != (size_t)chunk[0] || bytes > cache_max)
            bytes = cache_max;
        if (bytes < ((size_t)1 << 20))
            bytes = (size_t)1 << 20;
        size_t slots = per_row * 16 + 1; /* sparse hash table: about 100x chunks advised, 16x is ample */
        if (slots < 521)
            slots = 521;
        close_id(&dset, H5Dclose);
        if ((dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
            H5Pset_chunk_cache(dapl, slots, bytes, 1.0) < 0 ||
            (dset = H5Dopen2(file, name, dapl)) < 0) {
            st = emb_raise(EMB_EIO, "%s: cannot open dataset %s", path, name);
            goto done;
        }
    }
    if (!(s = emb_calloc(1, sizeof *s, "technology stream")) || !(s->path = emb_strdup(path))) {
        st = EMB_ENOMEM;
        goto done;
    }
    s->base.read_rows = stream_read_rows;
    s->base.close = stream_close;
    s->file = file;
    s->dset = dset;
    s->N = N;
    s->dsname = name;
    dset = NO_ID;
    *out = s;
    s = NULL;
done:
    if (s) {
        emb_free(s->path);
        emb_free(s);
    }
    close_id(&dcpl, H5Pclose);
    close_id(&dapl, H5Pclose);
    close_id(&dset, H5Dclose);
    return st;
}

/* ---- reading ---------------------------------------------------------- */

/* HDF5's innermost error description (the one that says why), and whether the
 * failure was a file lock; read right after the failing call. */
typedef struct h5_detail {
    char desc[200];
    int lock;
} h5_detail;

static herr_t detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    h5_detail *d = data;
    if (n == 0 && e->desc)
        snprintf(d->desc, sizeof d->desc, "%s", e->desc);
    if (e->min_num == H5E_CANTLOCKFILE)
        d->lock = 1;
    return 0;
}

static void get_detail(h5_detail *d)
{
    d->desc[0] = '\0';
    d->lock = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, d);
    if (!d->desc[0])
        snprintf(d->desc, sizeof d->desc, "no detail from HDF5");
}

/* *file = the HDF5 file at path, read-only. */
static emb_status open_file(const char *path, hid_t *file)
{
    struct stat sb;
    *file = NO_ID;
    if (stat(path, &sb) != 0)
        return emb_raise(EMB_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: is a directory, not an HDF5 file", path);
    emb_status st = emb_input_check_type(path, "a table");
    if (st)
        return st;
    if (access(path, R_OK) != 0)
        return emb_raise(EMB_EIO, "%s: cannot open: %s", path, strerror(errno));
    if ((*file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) >= 0)
        return EMB_OK;
    h5_detail d;
    get_detail(&d); /* before any other HDF5 call resets the error stack */
    if (d.lock)
        return emb_raise(EMB_EIO, "%s: cannot open: the file is locked by another process (%s)",
                         path, d.desc);
    if (H5Fis_hdf5(path) <= 0)
        return emb_raise(EMB_EINPUT, "%s: not an HDF5 file (no HDF5 signature)", path);
    return emb_raise(EMB_EINPUT, "%s: cannot open as HDF5, truncated or corrupt file? (%s)", path,
                     d.desc);
}

/* Root attributes mrio_format == "embodied-mrio" and mrio_format_version == 1. */
static emb_status check_format(hid_t file, const char *path)
{
    emb_status st;
    char *fmt = NULL;
    int present;
    long version = 0;
    if ((st = emb_h5_attr_read_string(file, path, "mrio_format", &fmt, &present)))
        goto done;
    if (!present) {
        st = emb_raise(EMB_EINPUT, "%s: root attribute mrio_format is missing (not an %s file; "
                                   "see datasets/README.md)", path, EMB_MRIO_FORMAT);
        goto done;
    }
    if (strcmp(fmt, EMB_MRIO_FORMAT) != 0) {
        st = emb_raise(EMB_EINPUT, "%s: root attribute mrio_format is '%s', expected '%s'", path,
                       fmt, EMB_MRIO_FORMAT);
        goto done;
    }
    if ((st = emb_h5_attr_read_long(file, path, "mrio_format_version", &version, &present)))
        goto done;
    if (!present) {
        st = emb_raise(EMB_EINPUT, "%s: root attribute mrio_format_version is missing", path);
        goto done;
    }
    if (version != EMB_MRIO_FORMAT_VERSION)
        st = emb_raise(EMB_EINPUT, "%s: root attribute mrio_format_version is %ld; this build "
                                   "reads version %d only", path, version, EMB_MRIO_FORMAT_VERSION);
done:
    emb_free(fmt);
    return st;
}

/* Check that numeric dataset `name` has shape e0 x e1 (e1 == 0: a vector of
 * e0; x_ok: [e0][1] accepted too, as pandas-derived writers store x).  ctx
 * explains the expectation in label counts. */
static emb_status check_shape(hid_t file, const char *path, const char *name, size_t e0,
                              size_t e1, int x_ok, const char *ctx, size_t *chunk_max)
{
    int rank;
    size_t d[3];
    emb_h5_info info;
    emb_status st = emb_h5_shape(file, path, name, 1, &rank, d);
    if (st || (st = emb_h5_describe(file, path, name, &info)))
        return st;
    if (info.chunk_bytes > *chunk_max)
        *chunk_max = info.chunk_bytes;
    if (e1 == 0 && ((rank == 1 && d[0] == e0) || (x_ok && rank == 2 && d[0] == e0 && d[1] == 1)))
        return EMB_OK;
    if (e1 != 0 && rank == 2 && d[0] == e0 && d[1] == e1)
        return EMB_OK;
    char got[96] = "scalar", want[64];
    for (int i = 0, off = 0; i < rank && off < (int)sizeof got; i++)
        off += snprintf(got + off, sizeof got - (size_t)off, "%s%zu", i ? " x " : "", d[i]);
    if (e1)
        snprintf(want, sizeof want, "%zu x %zu", e0, e1);
    else
        snprintf(want, sizeof want, "%zu", e0);
    return emb_raise(EMB_EINPUT, "%s: dataset %s has shape %s, expected %s (%s)", path, name, got,
                     want, ctx);
}

/* Read numeric dataset name (shape already checked) into data. */
static emb_status read_matrix(hid_t file, const char *path, const char *name, size_t e0, size_t e1,
                              double *data);

/* /population (optional, [n_r] persons): into t->population; its values are
 * checked by emb_table_validate. */
static emb_status read_population(hid_t file, const char *path, emb_table *t)
{
    if (!(t->population = emb_alloc(t->n_r, sizeof(double), "population")))
        return EMB_ENOMEM;
    return read_matrix(file, path, "/population", t->n_r, 0, t->population);
}

static emb_status read_matrix(hid_t file, const char *path, const char *name, size_t e0, size_t e1,
                              double *data)
{
    int rank;
    size_t d[3];
    emb_status st = emb_h5_shape(file, path, name, 1, &rank, d);
    if (st)
        return st;
    if (e1 == 0 && rank == 2) /* x stored as [N][1] */
        e1 = 1;
    size_t want[2] = {e0, e1};
    return emb_h5_read_doubles(file, path, name, rank, want, data);
}

/* The /groups group, reached by hard links only; *grp NO_ID when absent. */
static emb_status open_groups(hid_t file, const char *path, hid_t *grp, H5G_info_t *gi,
                              H5_index_t *order)
{
    emb_h5_kind kind;
    hid_t gcpl = NO_ID;
    unsigned crt = 0;
    *grp = NO_ID;
    emb_status st = emb_h5_object(file, path, "/groups", &kind);
    if (st || kind == EMB_H5_ABSENT)
        return st;
    if (kind != EMB_H5_GROUP)
        return emb_raise(EMB_EINPUT, "%s: /groups is not a group (expected a group of 1-D string "
                                     "datasets, one per region group)", path);
    if ((*grp = H5Gopen2(file, "/groups", H5P_DEFAULT)) < 0 ||
        (gcpl = H5Gget_create_plist(*grp)) < 0 || H5Pget_link_creation_order(gcpl, &crt) < 0 ||
        H5Gget_info(*grp, gi) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open group /groups", path);
        close_id(grp, H5Gclose);
    }
    close_id(&gcpl, H5Pclose);
    *order = (crt & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    return st;
}

/* Name of link i of /groups (newly allocated in *name) and its full path
 * (*full), the name checked to be a label before anything is allocated for
 * it: a link name may be as long as the file is. */
static emb_status group_link(hid_t grp, const char *path, H5_index_t order, hsize_t i,
                             char **name, char **full)
{
    *name = *full = NULL;
    ssize_t len = H5Lget_name_by_idx(grp, ".", order, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
    if (len < 0)
        return emb_raise(EMB_EIO, "%s: cannot list group /groups", path);
    if ((size_t)len > EMB_LABEL_MAX)
        return emb_raise(EMB_EINPUT, "%s: /groups: member %llu has a name of %zd bytes, more than "
                                     "the %zu a label may have", path, (unsigned long long)i, len,
                         EMB_LABEL_MAX);
    if (!(*name = emb_alloc((size_t)len + 1, 1, "group name")) ||
        !(*full = emb_alloc((size_t)len + sizeof "/groups/", 1, "group path")))
        return EMB_ENOMEM;
    if (H5Lget_name_by_idx(grp, ".", order, H5_ITER_INC, i, *name, (size_t)len + 1, H5P_DEFAULT) < 0)
        return emb_raise(EMB_EIO, "%s: cannot list group /groups", path);
    snprintf(*full, (size_t)len + sizeof "/groups/", "/groups/%s", *name);
    size_t at;
    const char *why = emb_label_problem(*name, strlen(*name), 0, &at);
    if (why)
        return emb_raise(EMB_EINPUT, "%s: %s: the group name %s (byte %zu)", path, *full, why, at);
    return EMB_OK;
}

/* Check /groups before anything is allocated: every member a hard link to a
 * 1-D string dataset (a soft or external link, a hard link back to a parent
 * group, a sub-group are refused, never walked) of at most n_r entries, with
 * a label for a name; what reading them will allocate goes into plan. */
static emb_status probe_groups(hid_t file, const char *path, size_t n_r, emb_plan *plan)
{
    hid_t grp = NO_ID;
    H5G_info_t gi;
    H5_index_t order;
    char *name = NULL, *full = NULL;
    double bytes = 0;
    emb_status st = open_groups(file, path, &grp, &gi, &order);
    if (st || grp == NO_ID)
        return st;
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        size_t n;
        emb_h5_info info;
        if ((st = group_link(grp, path, order, i, &name, &full)) ||
            (st = emb_h5_probe_strings(file, path, full, &n, &info)))
            goto done;
        if (n > n_r) {
            st = emb_raise(EMB_EINPUT, "%s: dataset %s has %zu entries, more than the %zu regions "
                                       "(a group lists each member region once)", path, full, n,
                           n_r);
            goto done;
        }
        bytes += emb_h5_strings_bytes(&info, n) + (double)n * sizeof(size_t) +
                 (double)sizeof(emb_group) + 2.0 * (double)strlen(full);
        emb_free(name), emb_free(full);
        name = full = NULL;
    }
    emb_plan_add(plan, "groups", bytes, 1, 1);
done:
    emb_free(name);
    emb_free(full);
    close_id(&grp, H5Gclose);
    return st;
}

/* Groups /groups/<NAME> (1-D lists of region names, checked by
 * probe_groups), in creation order when the file tracks it, else in name
 * order. */
static emb_status read_groups(hid_t file, const char *path, emb_table *t)
{
    hid_t grp = NO_ID;
    H5G_info_t gi;
    H5_index_t order;
    char *name = NULL, *full = NULL, **mem = NULL;
    size_t nmem = 0;
    emb_status st = open_groups(file, path, &grp, &gi, &order);
    if (st || grp == NO_ID)
        return st;
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        if ((st = group_link(grp, path, order, i, &name, &full)) ||
            (st = emb_h5_read_strings(file, path, full, 0, 0, &mem, &nmem)))
            goto done;
        /* Name the dataset here; emb_table_add_group knows only the table. */
        for (size_t j = 0; j < nmem; j++)
            if (emb_table_region_index(t, mem[j]) < 0) {
                st = emb_raise(EMB_EINPUT, "%s: dataset %s: group '%s' names unknown region '%s'",
                               path, full, name, mem[j]);
                goto done;
            }
        if ((st = emb_table_add_group(t, name, nmem, (const char *const *)mem))) {
            if (st == EMB_EUSAGE) /* a bad group in a file is bad input, not a usage error */
                st = EMB_EINPUT;
            goto done;
        }
        emb_strv_free(mem, nmem);
        emb_free(name);
        emb_free(full);
        mem = NULL, name = full = NULL, nmem = 0;
    }
done:
    emb_strv_free(mem, nmem);
    emb_free(name);
    emb_free(full);
    close_id(&grp, H5Gclose);
    return st;
}

/* Optional root attributes year, source, monetary_unit. */
static emb_status read_meta(hid_t file, const char *path, emb_table *t)
{
    emb_status st;
    int present;
    long year = 0;
    if ((st = emb_h5_attr_read_long(file, path, "year", &year, &present)))
        return st;
    if (present && (year < INT_MIN || year > INT_MAX))
        return emb_raise(EMB_EINPUT, "%s: root attribute year = %ld is out of range", path, year);
    t->year = present ? (int)year : 0;
    if ((st = emb_h5_attr_read_string(file, path, "source", &t->source, &present)) ||
        (st = emb_h5_attr_read_string(file, path, "monetary_unit", &t->monetary_unit, &present)))
        return st;
    return EMB_OK;
}

/* ---- the technology matrix as a CSR group ------------------------------ */

/* Entries read per block when converting /Z/indices (any integer type) to
 * 32-bit: the only temporary of the CSR reader, 8 MiB. */
#define CSR_READ_BLOCK ((size_t)1 << 20)

static const char *class_str(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "floating point";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "other (not numeric)";
    }
}

/* Member `name` of CSR group g: a 1-D dataset (hard link) of type class
 * want; *len its length, *chunk the largest chunk seen so far. */
static emb_status csr_member(hid_t file, const char *path, const char *g, const char *name,
                             H5T_class_t want, size_t *len, size_t *chunk)
{
    char full[64];
    emb_h5_kind kind;
    emb_h5_info info;
    snprintf(full, sizeof full, "%s/%s", g, name);
    emb_status st = emb_h5_object(file, path, full, &kind);
    if (st)
        return st;
    if (kind == EMB_H5_ABSENT)
        return emb_raise(EMB_EINPUT, "%s: dataset %s is missing (a CSR group %s needs datasets "
                                     "data, indices, indptr and attribute shape)", path, full, g);
    if ((st = emb_h5_describe(file, path, full, &info)))
        return st;
    if (info.cls != want)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has type class %s, expected %s", path, full,
                         class_str(info.cls), want == H5T_FLOAT ? "floating point (float64 or float32)"
                                                                : "integer (any width, signed or not)");
    if (info.rank != 1)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has rank %d, expected 1", path, full, info.rank);
    *len = info.dims[0];
    if (info.chunk_bytes > *chunk)
        *chunk = info.chunk_bytes;
    return EMB_OK;
}

/* Optional string attribute `name` of g, which when present must be one of
 * the two accepted values (anndata's encoding-type, h5sparse's format): a
 * CSC group has the same three datasets and must not be read transposed. */
static emb_status csr_kind_attr(hid_t grp, const char *path, const char *g, const char *name,
                                const char *ok)
{
    char *v = NULL;
    int present = 0;
    char where[4200];
    snprintf(where, sizeof where, "%s: group %s", path, g); /* names the group in messages */
    emb_status st = emb_h5_attr_read_string(grp, where, name, &v, &present);
    if (st)
        return st;
    if (present && strcmp(v, ok) != 0)
        st = emb_raise(EMB_EINPUT, "%s: attribute %s is '%s', expected '%s' (only CSR, "
                                   "row-compressed, groups are read)", where, name, v, ok);
    emb_free(v);
    return st;
}

/* Check CSR group g (N x N) before anything is allocated: attribute shape
 * = [N, N], datasets data (float), indices and indptr (integer), 1-D, of
 * lengths nnz, nnz and N + 1 with nnz <= N^2.  *nnz = the stored entries. */
static emb_status csr_probe(hid_t file, const char *path, const char *g, size_t N, size_t *nnz,
                            size_t *chunk)
{
    emb_status st = EMB_OK;
    hid_t grp = NO_ID, attr = NO_ID, type = NO_ID, space = NO_ID;
    size_t n_data, n_ind, n_ptr;
    if ((grp = H5Gopen2(file, g, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open group %s", path, g);
        goto done;
    }
    if ((st = csr_kind_attr(grp, path, g, "format", "csr")) ||
        (st = csr_kind_attr(grp, path, g, "encoding-type", "csr_matrix")))
        goto done;
    htri_t e = H5Aexists(grp, "shape");
    if (e <= 0) {
        st = emb_raise(EMB_EINPUT, "%s: group %s has no attribute shape (expected [%zu, %zu], "
                                   "the N x N of a CSR technology matrix)", path, g, N, N);
        goto done;
    }
    if ((attr = H5Aopen(grp, "shape", H5P_DEFAULT)) < 0 || (type = H5Aget_type(attr)) < 0 ||
        (space = H5Aget_space(attr)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open attribute shape of group %s", path, g);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_INTEGER || H5Sget_simple_extent_npoints(space) != 2) {
        st = emb_raise(EMB_EINPUT, "%s: attribute shape of group %s must be two integers [%zu, "
                                   "%zu]; found %lld value(s) of type class %s", path, g, N, N,
                       (long long)H5Sget_simple_extent_npoints(space), class_str(cls));
        goto done;
    }
    long long shp[2];
    if (H5Aread(attr, H5T_NATIVE_LLONG, shp) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot read attribute shape of group %s", path, g);
        goto done;
    }
    if (shp[0] < 0 || shp[1] < 0 || (unsigned long long)shp[0] != N ||
        (unsigned long long)shp[1] != N) {
        st = emb_raise(EMB_EINPUT, "%s: attribute shape of group %s is [%lld, %lld], expected "
                                   "[%zu, %zu] (N x N from the labels)", path, g, shp[0], shp[1],
                       N, N);
        goto done;
    }
    if ((st = csr_member(file, path, g, "data", H5T_FLOAT, &n_data, chunk)) ||
        (st = csr_member(file, path, g, "indices", H5T_INTEGER, &n_ind, chunk)) ||
        (st = csr_member(file, path, g, "indptr", H5T_INTEGER, &n_ptr, chunk)))
        goto done;
    if (n_ptr != N + 1) {
        st = emb_raise(EMB_EINPUT, "%s: dataset %s/indptr has %zu entries, expected N + 1 = %zu",
                       path, g, n_ptr, N + 1);
        goto done;
    }
    if (n_ind != n_data) {
        st = emb_raise(EMB_EINPUT, "%s: datasets %s/data and %s/indices have %zu and %zu entries; "
                                   "they must have one per stored entry (nnz)", path, g, g, n_data,
                       n_ind);
        goto done;
    }
    size_t NN;
    if (!emb_mul_overflows(N, N, &NN) && n_data > NN) {
        st = emb_raise(EMB_EINPUT, "%s: group %s stores %zu entries, more than N x N = %zu", path,
                       g, n_data, NN);
        goto done;
    }
    *nnz = n_data;
done:
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    close_id(&attr, H5Aclose);
    close_id(&grp, H5Gclose);
    return st;
}

/* Read elements [off, off + n) of 1-D dataset dset as mtype into buf. */
static emb_status read_1d(hid_t dset, hid_t mtype, size_t off, size_t n, void *buf,
                          const char *path, const char *name)
{
    emb_status st = EMB_OK;
    hid_t fspace = NO_ID, mspace = NO_ID;
    hsize_t start = (hsize_t)off, count = (hsize_t)n;
    if (n == 0)
        return EMB_OK;
    if ((fspace = H5Dget_space(dset)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
        (mspace = H5Screate_simple(1, &count, NULL)) < 0 ||
        H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
        st = emb_raise(EMB_EIO, "%s: cannot read entries %zu..%zu of dataset %s (corrupt or "
                                "truncated file?)", path, off, off + n, name);
    close_id(&mspace, H5Sclose);
    close_id(&fspace, H5Sclose);
    return st;
}

/* The row that stored entry p belongs to (indptr valid). */
static size_t row_of(const size_t *indptr, size_t N, size_t p)
{
    size_t lo = 0, hi = N; /* indptr[lo] <= p < indptr[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (indptr[mid] <= p)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Read CSR group g (checked by csr_probe: N x N, nnz entries) into *out,
 * validating indptr, then indices (range) block by block as they are
 * converted to 32-bit; order within rows and finite values are checked by
 * emb_table_set_tech_csr. */
static emb_status csr_read(hid_t file, const char *path, const char *g, size_t N, size_t nnz,
                           emb_csr **out)
{
    emb_status st;
    hid_t dset = NO_ID;
    long long *buf = NULL;
    emb_csr *m = NULL;
    char name[64];
    *out = NULL;
    if ((st = emb_csr_create(N, N, nnz, &m)))
        return st;
    size_t nbuf = nnz < CSR_READ_BLOCK ? nnz : CSR_READ_BLOCK;
    if (nbuf < N + 1)
        nbuf = N + 1;
    if (!(buf = emb_alloc(nbuf, sizeof *buf, "CSR index block"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    /* indptr, converted by HDF5 from any integer type (out-of-range values
     * saturate, and are then refused below). */
    snprintf(name, sizeof name, "%s/indptr", g);
    if ((dset = H5Dopen2(file, name, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open dataset %s", path, name);
        goto done;
    }
    if ((st = read_1d(dset, H5T_NATIVE_LLONG, 0, N + 1, buf, path, name)))
        goto done;
    close_id(&dset, H5Dclose);
    if (buf[0] != 0) {
        st = emb_raise(EMB_EINPUT, "%s: dataset %s: entry 0 is %lld, expected 0", path, name,
                       buf[0]);
        goto done;
    }
    for (size_t i = 1; i <= N; i++) {
        if (buf[i] < buf[i - 1]) {
            st = emb_raise(EMB_EINPUT, "%s: dataset %s: entry %zu (%lld) is less than entry %zu "
                                       "(%lld); indptr must be non-decreasing", path, name, i,
                           buf[i], i - 1, buf[i - 1]);
            goto done;
        }
        m->indptr[i] = (size_t)buf[i];
    }
    if (m->indptr[N] != nnz) {
        st = emb_raise(EMB_EINPUT, "%s: dataset %s: last entry is %lld, expected the number of "
                                   "stored entries (length of %s/data), %zu", path, name, buf[N],
                       g, nnz);
        goto done;
    }
    /* data: converted to native double by HDF5 (float32, big-endian). */
    snprintf(name, sizeof name, "%s/data", g);
    if ((dset = H5Dopen2(file, name, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open dataset %s", path, name);
        goto done;
    }
    if ((st = read_1d(dset, H5T_NATIVE_DOUBLE, 0, nnz, m->data, path, name)))
        goto done;
    close_id(&dset, H5Dclose);
    /* indices, block by block. */
    snprintf(name, sizeof name, "%s/indices", g);
    if ((dset = H5Dopen2(file, name, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open dataset %s", path, name);
        goto done;
    }
    for (size_t p0 = 0; p0 < nnz; p0 += nbuf) {
        size_t n = nnz - p0 < nbuf ? nnz - p0 : nbuf;
        if ((st = read_1d(dset, H5T_NATIVE_LLONG, p0, n, buf, path, name)))
            goto done;
        for (size_t q = 0; q < n; q++) {
            long long j = buf[q];
            if (j < 0 || (unsigned long long)j >= N) {
                size_t p = p0 + q;
                st = emb_raise(EMB_EINPUT, "%s: dataset %s: entry %zu (row %zu) is column %lld, "
                                           "outside 0..%zu", path, name, p, row_of(m->indptr, N, p),
                               j, N - 1);
                goto done;
            }
            m->indices[p0 + q] = (uint32_t)j;
        }
    }
    *out = m;
    m = NULL;
done:
    close_id(&dset, H5Dclose);
    emb_free(buf);
    emb_csr_free(m);
    return st;
}

enum { L_REG, L_SEC, L_FD, L_STR, L_UNIT, L_COUNT };
static const char *const label_ds[L_COUNT] = {"/regions", "/sectors", "/fd_categories",
                                              "/stressors", "/stressor_units"};

/* *out = the table in path (see io.h). */
static emb_status read_h5(const char *path, int flags, emb_table **out)
{
    emb_status st = EMB_OK;
    hid_t file = NO_ID;
    emb_table *t = NULL;
    h5_stream *stream = NULL;
    char **lab[L_COUNT] = {NULL};
    size_t nlab[L_COUNT] = {0};
    *out = NULL;
    emb_h5_init();
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "input path is empty");
    if (flags & ~(int)EMB_READ_TECH_IN_MEMORY)
        return emb_raise(EMB_EUSAGE, "%s: unknown read flags 0x%x", path, (unsigned)flags);
    int in_mem = (flags & EMB_READ_TECH_IN_MEMORY) != 0;

    if ((st = open_file(path, &file)) || (st = check_format(file, path)))
        goto done;
    /* Order matters for hostile files: label counts come from the
     * dataspaces, every shape is checked against them, and the sum of what
     * will be allocated against the memory limit, all before the first
     * label or value is read.  A file declaring 10^9 regions (chunked, never
     * written: a few kilobytes) is refused without reading them. */
    emb_h5_info linfo[L_COUNT];
    size_t chunk = 0;
    for (int i = 0; i < L_COUNT; i++) {
        if ((st = emb_h5_probe_strings(file, path, label_ds[i], &nlab[i], &linfo[i])))
            goto done;
        if (linfo[i].chunk_bytes > chunk)
            chunk = linfo[i].chunk_bytes;
    }
    if (nlab[L_UNIT] != nlab[L_STR]) {
        st = emb_raise(EMB_EINPUT, "%s: dataset /stressor_units has %zu entries, expected %zu "
                                   "(one per stressor)", path, nlab[L_UNIT], nlab[L_STR]);
        goto done;
    }
    for (int i = L_REG; i <= L_FD; i++)
        if (nlab[i] == 0) {
            st = emb_raise(EMB_EINPUT, "%s: dataset %s is empty (at least one entry is needed)",
                           path, label_ds[i]);
            goto done;
        }

    size_t n_r = nlab[L_REG], n_s = nlab[L_SEC], n_f = nlab[L_FD], k = nlab[L_STR];
    size_t N, n_y;
    if (emb_mul_overflows(n_r, n_s, &N) || emb_mul_overflows(n_r, n_f, &n_y)) {
        st = emb_raise(EMB_ENOMEM, "%s: %zu regions x %zu sectors x %zu final-demand categories "
                                   "overflows the address space", path, n_r, n_s, n_f);
        goto done;
    }
    emb_h5_kind kZ, kA, kx, kFY, kpop;
    if ((st = emb_h5_object(file, path, "/Z", &kZ)) || (st = emb_h5_object(file, path, "/A", &kA)) ||
        (st = emb_h5_object(file, path, "/x", &kx)) || (st = emb_h5_object(file, path, "/F_Y", &kFY)) ||
        (st = emb_h5_object(file, path, "/population", &kpop)))
        goto done;
    int has_pop = kpop != EMB_H5_ABSENT; /* optional: persons by region */
    int has_Z = kZ != EMB_H5_ABSENT, has_A = kA != EMB_H5_ABSENT;
    int has_x = kx != EMB_H5_ABSENT, has_FY = kFY != EMB_H5_ABSENT;
    if (has_Z && has_A) {
        st = emb_raise(EMB_EINPUT, "%s: datasets /Z and /A are both present; give exactly one "
                                   "technology matrix", path);
        goto done;
    }
    if (!has_Z && !has_A) {
        st = emb_raise(EMB_EINPUT, "%s: dataset /Z is missing (a table needs /Z, or /A with /x)", path);
        goto done;
    }
    if (has_A && !has_x) {
        st = emb_raise(EMB_EINPUT, "%s: dataset /x is missing; a table given as /A needs gross "
                                   "output /x", path);
        goto done;
    }
    const char *tname = has_Z ? "/Z" : "/A";
    int tech_csr = (has_Z ? kZ : kA) == EMB_H5_GROUP;
    size_t nnz = 0;

    /* Every shape is checked before the first large allocation. */
    char cN[128], cY[128], ctx[320];
    snprintf(cN, sizeof cN, "N = %zu regions x %zu sectors", n_r, n_s);
    snprintf(cY, sizeof cY, "%zu regions x %zu final-demand categories", n_r, n_f);
    if (tech_csr && N > EMB_CSR_MAX_DIM) {
        st = emb_raise(EMB_ENOMEM, "%s: group %s: N = %zu exceeds the sparse reader's limit %zu",
                       path, tname, N, EMB_CSR_MAX_DIM);
        goto done;
    }
    if ((st = tech_csr ? csr_probe(file, path, tname, N, &nnz, &chunk)
                       : check_shape(file, path, tname, N, N, 0, cN, &chunk)))
        goto done;
    snprintf(ctx, sizeof ctx, "%s, %s", cN, cY);
    if ((st = check_shape(file, path, "/Y", N, n_y, 0, ctx, &chunk)))
        goto done;
    snprintf(ctx, sizeof ctx, "%zu stressors, %s", k, cN);
    if ((st = check_shape(file, path, "/F", k, N, 0, ctx, &chunk)))
        goto done;
    snprintf(ctx, sizeof ctx, "%zu stressors, %s", k, cY);
    if (has_FY && (st = check_shape(file, path, "/F_Y", k, n_y, 0, ctx, &chunk)))
        goto done;
    if (has_x && (st = check_shape(file, path, "/x", N, 0, 1, cN, &chunk)))
        goto done;
    snprintf(ctx, sizeof ctx, "%zu regions", n_r);
    if (has_pop && (st = check_shape(file, path, "/population", n_r, 0, 1, ctx, &chunk)))
        goto done;

    /* The plan: everything this call allocates, from the shapes alone. */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_plan_table(&plan, (double)n_r, (double)n_s, (double)n_f, (double)k, in_mem && !tech_csr,
                   tname + 1, has_x);
    if (tech_csr) {
        emb_plan_add(&plan, tname + 1, (double)nnz, 1, sizeof(double) + sizeof(uint32_t));
        emb_plan_add(&plan, "CSR row pointers", (double)N + 1, 1, sizeof(size_t));
        emb_plan_add(&plan, "CSR index block",
                     (double)(nnz < CSR_READ_BLOCK ? nnz : CSR_READ_BLOCK) + (double)N + 1, 1,
                     sizeof(long long));
    }
    double label_bytes = 0;
    for (int i = 0; i < L_COUNT; i++)
        label_bytes += emb_h5_strings_bytes(&linfo[i], nlab[i]);
    emb_plan_add(&plan, "labels", label_bytes, 1, 1);
    emb_plan_add(&plan, "HDF5 chunk", (double)chunk, 1, 1);
    if ((st = probe_groups(file, path, n_r, &plan)) || (st = emb_plan_check(&plan, path, "the table")))
        goto done;

    for (int i = 0; i < L_COUNT; i++)
        if ((st = emb_h5_read_strings(file, path, label_ds[i], nlab[i], i == L_UNIT, &lab[i],
                                      &nlab[i])))
            goto done;

    if ((st = emb_table_create(n_r, n_s, n_f, k, has_Z ? EMB_TECH_Z : EMB_TECH_A,
                               in_mem && !tech_csr, &t)) ||
        (st = emb_table_set_path(t, path)))
        goto done;
    /* Hand the labels over to the table (its slots are all NULL). */
    char ***slot[L_COUNT] = {&t->regions, &t->sectors, &t->fd_categories, &t->stressors,
                             &t->stressor_units};
    for (int i = 0; i < L_COUNT; i++) {
        emb_free(*slot[i]);
        *slot[i] = lab[i];
        lab[i] = NULL;
    }
    if ((st = read_matrix(file, path, "/Y", N, n_y, t->Y)) ||
        (st = read_matrix(file, path, "/F", k, N, t->F)) ||
        (has_FY && (st = read_matrix(file, path, "/F_Y", k, n_y, t->F_Y))) ||
        (has_x && ((st = emb_table_alloc_x(t)) || (st = read_matrix(file, path, "/x", N, 0, t->x)))) ||
        (has_pop && (st = read_population(file, path, t))) ||
        (in_mem && !tech_csr && (st = read_matrix(file, path, tname, N, N, t->T))) ||
        (st = read_meta(file, path, t)) || (st = read_groups(file, path, t)))
        goto done;
    if (tech_csr) {
        emb_csr *m = NULL;
        if ((st = csr_read(file, path, tname, N, nnz, &m)) ||
            (st = emb_table_set_tech_csr(t, m))) /* takes m, checks rows and values */
            goto done;
    } else if (!in_mem) {
        if ((st = stream_open(file, path, tname, N, &stream)))
            goto done;
        t->stream = &stream->base; /* the stream (closed by emb_table_free) now owns file */
        file = NO_ID;
    }
    if ((st = emb_table_validate(t, NULL)))
        goto done;
    *out = t;
    t = NULL;
done:
    for (int i = 0; i < L_COUNT; i++)
        emb_strv_free(lab[i], nlab[i]);
    emb_table_free(t);
    close_id(&file, H5Fclose);
    return st;
}

/* ---- writing ---------------------------------------------------------- */

/* Write the technology matrix as dataset name, in blocks of rows read through
 * emb_table_tech_rows (memory or stream), so no N x N buffer is needed. */
static emb_status write_tech(hid_t file, const char *path, const emb_table *t, const char *name,
                             int deflate)
{
    emb_status st = EMB_OK;
    hid_t space = NO_ID, mspace = NO_ID, dcpl = NO_ID, dset = NO_ID;
    double *buf = NULL;
    size_t N = t->N, row_bytes = N * sizeof(double); /* N*N*8 was checked by emb_table_create */
    hsize_t dims[2] = {(hsize_t)N, (hsize_t)N};
    size_t rows = emb_block_bytes(WRITE_BLOCK_BYTES) / row_bytes;
    if (rows < 1)
        rows = 1;
    if ((space = H5Screate_simple(2, dims, NULL)) < 0 || (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot create dataspace", path, name);
        goto done;
    }
    if (deflate > 0) {
        hsize_t chunk[2];
        emb_h5_chunk_dims(2, dims, chunk); /* the rule every dataset follows */
        size_t crows = (size_t)chunk[0];
        /* Blocks of whole chunk rows: each chunk is written once, complete,
         * and HDF5 never has to read one back to update it. */
        rows = rows < crows ? crows : rows / crows * crows;
        if (H5Pset_chunk(dcpl, 2, chunk) < 0 || H5Pset_deflate(dcpl, (unsigned)deflate) < 0) {
            st = emb_raise(EMB_EIO, "%s: dataset %s: cannot set chunking/deflate", path, name);
            goto done;
        }
    }
    if (rows > N)
        rows = N;
    if (!(buf = emb_alloc(rows, row_bytes, "technology row block"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    if ((dset = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot create dataset %s", path, name);
        goto done;
    }
    for (size_t r0 = 0; r0 < N; r0 += rows) {
        size_t nr = N - r0 < rows ? N - r0 : rows;
        hsize_t start[2] = {(hsize_t)r0, 0}, count[2] = {(hsize_t)nr, (hsize_t)N};
        emb_ctx_report(EMB_PROGRESS_WRITING, r0, N);
        if ((st = emb_ctx_poll("writing the technology matrix")) ||
            (st = emb_table_tech_rows(t, r0, nr, buf)))
            goto done;
        if ((mspace = H5Screate_simple(2, count, NULL)) < 0 ||
            H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, H5P_DEFAULT, buf) < 0) {
            st = emb_raise(EMB_EIO, "%s: cannot write rows %zu..%zu of dataset %s", path, r0,
                           r0 + nr, name);
            goto done;
        }
        close_id(&mspace, H5Sclose);
    }
done:
    emb_free(buf);
    close_id(&dset, H5Dclose);
    close_id(&mspace, H5Sclose);
    close_id(&dcpl, H5Pclose);
    close_id(&space, H5Sclose);
    return st;
}

/* 1-D dataset name of file type ftype from n elements of mtype at buf;
 * chunked + gzip when deflate > 0 (an empty one stays contiguous). */
static emb_status write_1d(hid_t loc, const char *path, const char *name, hid_t ftype,
                           hid_t mtype, size_t n, const void *buf, int deflate)
{
    emb_status st = EMB_OK;
    hid_t space = NO_ID, dcpl = NO_ID, dset = NO_ID;
    hsize_t dim = (hsize_t)n, chunk;
    if ((space = H5Screate_simple(1, &dim, NULL)) < 0 || (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot create dataspace", path, name);
        goto done;
    }
    if (deflate > 0 && n > 0) {
        emb_h5_chunk_dims(1, &dim, &chunk);
        if (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_deflate(dcpl, (unsigned)deflate) < 0) {
            st = emb_raise(EMB_EIO, "%s: dataset %s: cannot set chunking/deflate", path, name);
            goto done;
        }
    }
    if ((dset = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0 ||
        (n > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        st = emb_raise(EMB_EIO, "%s: cannot write dataset %s", path, name);
        goto done;
    }
done:
    close_id(&dset, H5Dclose);
    close_id(&dcpl, H5Pclose);
    close_id(&space, H5Sclose);
    return st;
}

/* The technology matrix as CSR group name (datasets data float64, indices
 * int32, indptr int64; attributes shape int64 [N, N] and format "csr"), from
 * t->csr or from a CSR copy built by streaming rows (O(nnz) memory). */
static emb_status write_tech_csr(hid_t file, const char *path, const emb_table *t,
                                 const char *name, int deflate)
{
    emb_status st = EMB_OK;
    hid_t grp = NO_ID, space = NO_ID, attr = NO_ID;
    emb_csr *own = NULL;
    const emb_csr *m = t->csr;
    char ds[64];
    if (!m) {
        if ((st = emb_table_tech_csr(t, &own)))
            return st;
        m = own;
    }
    if ((grp = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot create group %s", path, name);
        goto done;
    }
    long long shape[2] = {(long long)t->N, (long long)t->N};
    hsize_t two = 2;
    if ((space = H5Screate_simple(1, &two, NULL)) < 0 ||
        (attr = H5Acreate2(grp, "shape", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, H5T_NATIVE_LLONG, shape) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot write attribute shape of group %s", path, name);
        goto done;
    }
    if ((st = emb_h5_attr_write_string(grp, path, "format", "csr")))
        goto done;
    /* size_t in memory: the native unsigned type of its width. */
    hid_t size_type = sizeof(size_t) == sizeof(unsigned long long) ? H5T_NATIVE_ULLONG
                                                                    : H5T_NATIVE_ULONG;
    snprintf(ds, sizeof ds, "%s/data", name);
    if ((st = write_1d(file, path, ds, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, m->nnz, m->data, deflate)))
        goto done;
    snprintf(ds, sizeof ds, "%s/indices", name); /* < 2^31 (EMB_CSR_MAX_DIM): int32 */
    if ((st = write_1d(file, path, ds, H5T_STD_I32LE, H5T_NATIVE_UINT32, m->nnz, m->indices,
                       deflate)))
        goto done;
    snprintf(ds, sizeof ds, "%s/indptr", name);
    if ((st = write_1d(file, path, ds, H5T_STD_I64LE, size_type, t->N + 1, m->indptr, deflate)))
        goto done;
done:
    close_id(&attr, H5Aclose);
    close_id(&space, H5Sclose);
    close_id(&grp, H5Gclose);
    emb_csr_free(own);
    return st;
}

/* /groups/<NAME> for every group, in table order (creation order tracked). */
static emb_status write_groups(hid_t file, const char *path, const emb_table *t)
{
    emb_status st = EMB_OK;
    hid_t gcpl = NO_ID, grp = NO_ID;
    char *full = NULL;
    const char **names = NULL;
    if (t->n_groups == 0)
        return EMB_OK;
    if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        (grp = H5Gcreate2(file, "/groups", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot create group /groups", path);
        goto done;
    }
    for (size_t g = 0; g < t->n_groups; g++) {
        const emb_group *gr = &t->groups[g];
        size_t len = strlen(gr->name) + sizeof "/groups/";
        if (!(full = emb_alloc(len, 1, "group path")) ||
            !(names = emb_alloc(gr->n, sizeof *names, "group member names"))) {
            st = EMB_ENOMEM;
            goto done;
        }
        snprintf(full, len, "/groups/%s", gr->name);
        for (size_t j = 0; j < gr->n; j++)
            names[j] = t->regions[gr->members[j]];
        if ((st = emb_h5_write_strings(file, path, full, gr->n, names)))
            goto done;
        emb_free(full);
        emb_free((void *)names);
        full = NULL, names = NULL;
    }
done:
    emb_free(full);
    emb_free((void *)names);
    close_id(&grp, H5Gclose);
    close_id(&gcpl, H5Pclose);
    return st;
}

/* Write t to path atomically (see io.h). */
static emb_status write_h5(const emb_table *t, const char *path, const emb_write_opts *opts)
{
    emb_status st = EMB_OK;
    emb_atomic a;
    int began = 0;
    hid_t file = NO_ID;
    int deflate = opts ? opts->deflate : 0;
    int csr = opts ? opts->csr : 0;
    emb_h5_init();
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "output path is empty");
    if (deflate < 0 || deflate > 9)
        return emb_raise(EMB_EUSAGE, "%s: deflate level %d not in 0..9", path, deflate);
    if (deflate > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0)
        return emb_raise(EMB_EUSAGE, "%s: this HDF5 library has no deflate (gzip) filter; "
                                     "write uncompressed (deflate 0)", path);
    if (csr < -1 || csr > 1)
        return emb_raise(EMB_EUSAGE, "%s: csr option %d not in -1..1", path, csr);
    int as_csr = csr == 1 || (csr == 0 && t->csr);
    if (as_csr && t->N > EMB_CSR_MAX_DIM)
        return emb_raise(EMB_EUSAGE, "%s: N = %zu is too large for a CSR group (at most %zu)",
                         path, t->N, EMB_CSR_MAX_DIM);
    if (!t->T && !t->csr && !t->stream)
        return emb_raise(EMB_EINTERNAL, "%s: table has no technology matrix to write", path);
    /* Refuse to write what the reader would reject. */
    if ((st = emb_table_validate(t, NULL)))
        return emb_raise_prefix(st, "not writing %s: ", path);
    for (size_t g = 0; g < t->n_groups; g++)
        if (strchr(t->groups[g].name, '/') || strcmp(t->groups[g].name, ".") == 0)
            return emb_raise(EMB_EUSAGE, "%s: group name '%s' cannot be an HDF5 dataset name "
                                         "(contains '/')", path, t->groups[g].name);

    if ((st = emb_atomic_begin(&a, path)))
        return st;
    began = 1;
    if ((file = H5Fcreate(a.tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        h5_detail d;
        get_detail(&d);
        st = emb_raise(EMB_EIO, "%s: cannot create %s (%s)", path, a.tmp_path, d.desc);
        goto done;
    }
    size_t dims[2];
    if ((st = emb_h5_attr_write_string(file, path, "mrio_format", EMB_MRIO_FORMAT)) ||
        (st = emb_h5_attr_write_long(file, path, "mrio_format_version", EMB_MRIO_FORMAT_VERSION)) ||
        (t->year != 0 && (st = emb_h5_attr_write_long(file, path, "year", t->year))) ||
        (t->source && (st = emb_h5_attr_write_string(file, path, "source", t->source))) ||
        (t->monetary_unit &&
         (st = emb_h5_attr_write_string(file, path, "monetary_unit", t->monetary_unit))))
        goto done;
    if ((st = emb_h5_write_strings(file, path, "/regions", t->n_r, (const char *const *)t->regions)) ||
        (st = emb_h5_write_strings(file, path, "/sectors", t->n_s, (const char *const *)t->sectors)) ||
        (st = emb_h5_write_strings(file, path, "/fd_categories", t->n_f,
                                   (const char *const *)t->fd_categories)) ||
        (st = emb_h5_write_strings(file, path, "/stressors", t->k, (const char *const *)t->stressors)) ||
        (st = emb_h5_write_strings(file, path, "/stressor_units", t->k,
                                   (const char *const *)t->stressor_units)))
        goto done;
    const char *tname = t->tech_kind == EMB_TECH_A ? "/A" : "/Z";
    if ((st = as_csr ? write_tech_csr(file, path, t, tname, deflate)
                     : write_tech(file, path, t, tname, deflate)))
        goto done;
    dims[0] = t->N, dims[1] = t->n_y;
    if ((st = emb_h5_write_doubles(file, path, "/Y", 2, dims, t->Y, deflate)))
        goto done;
    dims[0] = t->k, dims[1] = t->N;
    if ((st = emb_h5_write_doubles(file, path, "/F", 2, dims, t->F, deflate)))
        goto done;
    dims[0] = t->k, dims[1] = t->n_y;
    if ((st = emb_h5_write_doubles(file, path, "/F_Y", 2, dims, t->F_Y, deflate)))
        goto done;
    dims[0] = t->N;
    if (t->x && (st = emb_h5_write_doubles(file, path, "/x", 1, dims, t->x, deflate)))
        goto done;
    dims[0] = t->n_r;
    if (t->population &&
        (st = emb_h5_write_doubles(file, path, "/population", 1, dims, t->population, 0)))
        goto done;
    if ((st = write_groups(file, path, t)))
        goto done;
    /* Closing flushes: a full disk shows up here, before the rename. */
    herr_t closed = H5Fclose(file);
    file = NO_ID;
    if (closed < 0) {
        h5_detail d;
        get_detail(&d);
        st = emb_raise(EMB_EIO, "%s: cannot finish writing %s (%s)", path, a.tmp_path, d.desc);
        goto done;
    }
    st = emb_atomic_commit(&a); /* releases a whatever happens */
    began = 0;
done:
    close_id(&file, H5Fclose);
    if (began)
        emb_atomic_abort(&a);
    return st;
}

emb_status emb_table_read_h5_ctx(const char *path, int flags, const emb_context *ctx, emb_table **out)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, ctx);
    emb_status st = read_h5(path, flags, out);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_table_read_h5(const char *path, int flags, emb_table **out)
{
    return emb_table_read_h5_ctx(path, flags, NULL, out);
}

emb_status emb_table_write_h5(const emb_table *t, const char *path, const emb_write_opts *opts)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = write_h5(t, path, opts);
    emb_ctx_leave(&f);
    return st;
}
