/* src/io/h5util.c — checked helpers over the HDF5 C API (see h5util.h): 1-D
 * string datasets in all four encodings HDF5 files use in practice (variable
 * or fixed length, ASCII or UTF-8), float64 datasets with optional
 * chunking + gzip, dataset shapes and type classes, scalar attributes.
 *
 * Every function keeps the netCDF-C shape: all hid_t start at
 * H5I_INVALID_HID, one `done:` label closes whatever was opened, every HDF5
 * return is checked and mapped to one emb_status with a message naming the
 * file and the object.  Content problems (missing, wrong class or shape) are
 * EMB_EINPUT; failures of HDF5 calls on well-formed requests (a read or write
 * that fails) are EMB_EIO.
 */
#include "io/h5util.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/label.h"
#include "core/plan.h" /* emb_fmt_bytes */
#include "core/table_impl.h" /* emb_strv_free */

#include <stdio.h>
#include <string.h>

#define NO_ID H5I_INVALID_HID
/* Longest object path the reader looks up ("/groups/<name>"). */
#define EMB_H5_NAME_MAX 8192

/* Target size of one chunk: large enough for gzip to work well and for row
 * block reads to touch few chunks, small enough for HDF5's default 1 MiB chunk
 * cache. */
#define EMB_H5_CHUNK_ELEMS ((size_t)1 << 17) /* 1 MiB of doubles */

void emb_h5_init(void)
{
    /* HDF5 built thread-safe (Debian's is) keeps this setting per thread, so
     * it is not a once-only flag: every entry point calls it, and it is cheap. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void close_id(hid_t *id, herr_t (*fn)(hid_t))
{
    if (*id >= 0)
        fn(*id);
    *id = NO_ID;
}

static const char *link_kind(H5L_type_t t)
{
    switch (t) {
    case H5L_TYPE_SOFT: return "a soft";
    case H5L_TYPE_EXTERNAL: return "an external";
    case H5L_TYPE_HARD: return "a hard";
    default: return "a user-defined";
    }
}

/* Kind of the object a hard link `name` leads to (its path checked). */
static emb_h5_kind object_kind(hid_t loc, const char *name)
{
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0)
        return EMB_H5_ABSENT;
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_DATASET ? EMB_H5_DATASET : t == H5I_GROUP ? EMB_H5_GROUP : EMB_H5_OTHER;
}

emb_status emb_h5_object(hid_t loc, const char *file, const char *name, emb_h5_kind *kind)
{
    /* One component at a time: H5Lexists and H5Lget_info follow every link
     * but the last of a path, so each prefix is checked to be a hard link
     * (to a group, when more follows) before anything beyond it is looked
     * up.  Names longer than the buffer come only from hostile files (link
     * names under /groups): refused. */
    char buf[EMB_H5_NAME_MAX + 1];
    size_t n = strlen(name);
    *kind = EMB_H5_ABSENT;
    if (n == 0 || strcmp(name, "/") == 0) {
        *kind = EMB_H5_GROUP;
        return EMB_OK;
    }
    if (n > EMB_H5_NAME_MAX)
        return emb_raise(EMB_EINPUT, "%s: object name '%.60s...' is longer than %d bytes", file,
                         name, EMB_H5_NAME_MAX);
    memcpy(buf, name, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (i < n && buf[i] != '/')
            continue;
        buf[i] = '\0';
        htri_t e = H5Lexists(loc, buf, H5P_DEFAULT);
        if (e <= 0)
            return EMB_OK; /* absent (or below something that is not a group) */
        H5L_info_t li;
        if (H5Lget_info(loc, buf, &li, H5P_DEFAULT) < 0)
            return emb_raise(EMB_EIO, "%s: cannot inspect link %s", file, buf);
        if (li.type != H5L_TYPE_HARD)
            return emb_raise(EMB_EINPUT, "%s: %s is %s link; embodied-mrio files hold their "
                                         "datasets and groups as hard links only (soft, external "
                                         "and user-defined links are never followed)",
                             file, buf, link_kind(li.type));
        if (i < n) {
            if (object_kind(loc, buf) != EMB_H5_GROUP)
                return EMB_OK; /* "/Y/x": nothing can be below a dataset */
            buf[i] = '/';
        }
    }
    *kind = object_kind(loc, name);
    return EMB_OK;
}

static const char *class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "floating point";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length sequence";
    case H5T_ARRAY: return "array";
    default: return "unknown";
    }
}

/* "48 x 41" (rank 0: "scalar") into buf. */
static const char *shape_str(char *buf, size_t len, int rank, const size_t *dims)
{
    if (rank == 0) {
        snprintf(buf, len, "scalar");
        return buf;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < rank && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%zu", i ? " x " : "", dims[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    return buf;
}

/* Chunk dims of about EMB_H5_CHUNK_ELEMS elements made of whole trailing
 * dimensions where possible, so a block of rows maps onto whole chunks. */
void emb_h5_chunk_dims(int rank, const hsize_t *dims, hsize_t *chunk)
{
    size_t budget = EMB_H5_CHUNK_ELEMS;
    for (int d = rank - 1; d >= 0; d--) {
        size_t c = (size_t)dims[d] < budget ? (size_t)dims[d] : budget;
        chunk[d] = c ? c : 1;
        budget /= chunk[d];
        if (budget == 0)
            budget = 1;
    }
}

emb_status emb_h5_write_doubles(hid_t loc, const char *file, const char *name, int rank,
                                const size_t *dims, const double *data, int deflate)
{
    emb_status st = EMB_OK;
    hid_t space = NO_ID, dcpl = NO_ID, dset = NO_ID;
    hsize_t hd[3], chunk[3];
    size_t total = 1;
    if (rank < 1 || rank > 3)
        return emb_raise(EMB_EINTERNAL, "%s: dataset %s: rank %d not in 1..3", file, name, rank);
    for (int i = 0; i < rank; i++) {
        hd[i] = (hsize_t)dims[i];
        if (emb_mul_overflows(total, dims[i], &total))
            return emb_raise(EMB_ENOMEM, "%s: dataset %s: size overflows", file, name);
    }
    if ((space = H5Screate_simple(rank, hd, NULL)) < 0 || (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot create dataspace", file, name);
        goto done;
    }
    /* Chunked layouts cannot have a zero extent with fixed dims: an empty
     * dataset (no stressors) stays contiguous. */
    if (deflate > 0 && total > 0) {
        emb_h5_chunk_dims(rank, hd, chunk);
        if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_deflate(dcpl, (unsigned)deflate) < 0) {
            st = emb_raise(EMB_EIO, "%s: dataset %s: cannot set chunking/deflate", file, name);
            goto done;
        }
    }
    if ((dset = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot create dataset %s", file, name);
        goto done;
    }
    if (total > 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot write dataset %s", file, name);
        goto done;
    }
done:
    close_id(&dset, H5Dclose);
    close_id(&dcpl, H5Pclose);
    close_id(&space, H5Sclose);
    return st;
}

/* Variable-length UTF-8 string type (h5py's str). */
static hid_t vlen_utf8(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return NO_ID;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return NO_ID;
    }
    return t;
}

emb_status emb_h5_write_strings(hid_t loc, const char *file, const char *name, size_t n,
                                const char *const *s)
{
    emb_status st = EMB_OK;
    hid_t type = NO_ID, space = NO_ID, dset = NO_ID;
    hsize_t hn = (hsize_t)n;
    if ((type = vlen_utf8()) < 0 || (space = H5Screate_simple(1, &hn, NULL)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot create string type", file, name);
        goto done;
    }
    if ((dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot create dataset %s", file, name);
        goto done;
    }
    if (n > 0 && H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0) {
        st = emb_raise(EMB_EIO, "%s: cannot write dataset %s", file, name);
        goto done;
    }
done:
    close_id(&dset, H5Dclose);
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    return st;
}

emb_status emb_h5_describe(hid_t loc, const char *file, const char *name, emb_h5_info *info)
{
    emb_status st = EMB_OK;
    emb_h5_kind kind;
    hid_t dset = NO_ID, type = NO_ID, space = NO_ID, dcpl = NO_ID;
    hsize_t hd[H5S_MAX_RANK];
    memset(info, 0, sizeof *info);
    if ((st = emb_h5_object(loc, file, name, &kind)))
        return st;
    if (kind == EMB_H5_ABSENT)
        return emb_raise(EMB_EINPUT, "%s: dataset %s is missing", file, name);
    if (kind != EMB_H5_DATASET)
        return emb_raise(EMB_EINPUT, "%s: %s is %s, not a dataset", file, name,
                         kind == EMB_H5_GROUP ? "a group" : "a named datatype");
    if ((dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) {
        st = emb_raise(EMB_EINPUT, "%s: %s is not a dataset", file, name);
        goto done;
    }
    if ((type = H5Dget_type(dset)) < 0 || (space = H5Dget_space(dset)) < 0 ||
        (dcpl = H5Dget_create_plist(dset)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot read its type or shape", file, name);
        goto done;
    }
    info->cls = H5Tget_class(type);
    info->type_size = H5Tget_size(type);
    if (info->cls == H5T_STRING) {
        htri_t v = H5Tis_variable_str(type);
        if (v < 0) {
            st = emb_raise(EMB_EIO, "%s: dataset %s: cannot inspect its string type", file, name);
            goto done;
        }
        info->var_str = v > 0;
        if (!info->var_str) {
            info->strpad = H5Tget_strpad(type);
            if (info->type_size > EMB_H5_STRING_MAX) {
                st = emb_raise(EMB_EINPUT, "%s: dataset %s holds fixed-length strings of %zu bytes, "
                                           "more than the reader's limit of %zu", file, name,
                               info->type_size, EMB_H5_STRING_MAX);
                goto done;
            }
        }
    }
    int r = H5Sget_simple_extent_ndims(space);
    if (r < 0 || r > 3 || H5Sget_simple_extent_dims(space, hd, NULL) != r) {
        st = emb_raise(EMB_EINPUT, "%s: dataset %s has rank %d, expected at most 3", file, name, r);
        goto done;
    }
    info->rank = r;
    for (int i = 0; i < r; i++)
        info->dims[i] = (size_t)hd[i];
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t cd[H5S_MAX_RANK];
        int nd = H5Pget_chunk(dcpl, H5S_MAX_RANK, cd);
        double bytes = (double)info->type_size;
        for (int i = 0; i < nd; i++)
            bytes *= (double)cd[i];
        if (nd < 0 || bytes > (double)EMB_H5_CHUNK_MAX) {
            char b[32], l[32];
            st = emb_raise(EMB_EINPUT, "%s: dataset %s is stored in chunks of %s, more than the "
                                       "reader's limit of %s (HDF5 inflates a whole chunk to read "
                                       "any part of it)", file, name,
                           emb_fmt_bytes(bytes, b, sizeof b),
                           emb_fmt_bytes((double)EMB_H5_CHUNK_MAX, l, sizeof l));
            goto done;
        }
        info->chunk_bytes = (size_t)bytes;
    }
done:
    close_id(&dcpl, H5Pclose);
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    close_id(&dset, H5Dclose);
    return st;
}

emb_status emb_h5_probe_strings(hid_t loc, const char *file, const char *name, size_t *n,
                                emb_h5_info *info)
{
    emb_h5_info own;
    if (!info)
        info = &own;
    *n = 0;
    emb_status st = emb_h5_describe(loc, file, name, info);
    if (st)
        return st;
    if (info->cls != H5T_STRING)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has type class %s, expected string", file,
                         name, class_name(info->cls));
    if (info->rank != 1)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has rank %d, expected a 1-D list of strings",
                         file, name, info->rank);
    *n = info->dims[0];
    return EMB_OK;
}

double emb_h5_strings_bytes(const emb_h5_info *info, size_t n)
{
    /* The array of pointers we return, and per string: variable length, the
     * pointer array HDF5 fills and our copy (length unknown before reading:
     * counted as a typical label with malloc's overhead); fixed length, the
     * read buffer and the copy. */
    double per = (double)sizeof(char *) +
                 (info->var_str ? (double)sizeof(char *) + 48.0
                                : 2.0 * (double)info->type_size + 17.0);
    return (double)n * per;
}

/* Copy a fixed-length field of `size` bytes into a C string: it ends at the
 * first NUL or, for NUL- and space-padded strings, at `size` (numpy's S
 * dtype fills the field exactly, without a terminator); space-padded fields
 * lose their trailing spaces. */
static char *fixed_to_cstr(const char *field, size_t size, int spacepad)
{
    size_t len = 0;
    while (len < size && field[len] != '\0')
        len++;
    if (spacepad)
        while (len > 0 && field[len - 1] == ' ')
            len--;
    return emb_strndup(field, len);
}

/* Read the n strings of a dataset (is_attr 0) or attribute (is_attr 1) whose
 * file type is ftype into out[0..n-1] (already zeroed; each newly allocated).
 * Dataset entries must be labels (empty ones only when allow_empty); a null
 * variable-length string is an error there and "" in an attribute. */
static emb_status read_strv(hid_t obj, int is_attr, hid_t ftype, hid_t space, const char *file,
                            const char *what, size_t n, char **out, int allow_empty)
{
    emb_status st = EMB_OK;
    hid_t mtype = NO_ID;
    void *buf = NULL;
    int reclaim = 0;
    htri_t is_var = H5Tis_variable_str(ftype);
    size_t size = H5Tget_size(ftype);
    if (is_var < 0 || size == 0 || (mtype = H5Tcopy(ftype)) < 0) {
        st = emb_raise(EMB_EIO, "%s: %s: cannot inspect string type", file, what);
        goto done;
    }
    if (!is_var && size > EMB_H5_STRING_MAX) { /* attributes come here undescribed */
        st = emb_raise(EMB_EINPUT, "%s: %s: fixed-length strings of %zu bytes, more than the "
                                   "reader's limit of %zu", file, what, size, EMB_H5_STRING_MAX);
        goto done;
    }
    if (n == 0)
        goto done;
    /* The memory type keeps the file's character set: HDF5 does not convert
     * between ASCII and UTF-8, and both are byte strings to us. */
    if (is_var) {
        if (!(buf = emb_calloc(n, sizeof(char *), "string pointers"))) {
            st = EMB_ENOMEM;
            goto done;
        }
    } else if (!(buf = emb_alloc(n, size, "fixed-length strings"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    herr_t r = is_attr ? H5Aread(obj, mtype, buf) : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    if (r < 0) {
        st = emb_raise(EMB_EIO, "%s: %s: cannot read strings (corrupt or truncated file?)", file, what);
        goto done;
    }
    reclaim = is_var;
    H5T_str_t pad = is_var ? H5T_STR_NULLTERM : H5Tget_strpad(ftype);
    for (size_t i = 0; i < n; i++) {
        if (is_var) {
            const char *s = ((char **)buf)[i];
            if (!s && !is_attr) {
                st = emb_raise(EMB_EINPUT, "%s: %s: entry %zu is a null variable-length string "
                                           "(no value)", file, what, i);
                goto done;
            }
            out[i] = emb_strdup(s ? s : "");
        } else {
            const char *field = (const char *)buf + i * size;
            /* A null-terminated type promises a NUL inside the field; without
             * it the field's width, not the writer, decided where the string
             * ends: a truncated label or binary data. */
            if (pad == H5T_STR_NULLTERM && !memchr(field, '\0', size)) {
                st = emb_raise(EMB_EINPUT, "%s: %s: entry %zu: a null-terminated fixed-length "
                                           "string of %zu bytes has no terminator (truncated "
                                           "label? write it null-padded, as numpy does)",
                               file, what, i, size);
                goto done;
            }
            out[i] = fixed_to_cstr(field, size, pad == H5T_STR_SPACEPAD);
        }
        if (!out[i]) {
            st = EMB_ENOMEM;
            goto done;
        }
        size_t at;
        const char *why;
        if (!is_attr && (why = emb_label_problem(out[i], strlen(out[i]), allow_empty, &at))) {
            st = emb_raise(EMB_EINPUT, "%s: %s: entry %zu ('%.80s') %s (byte %zu)", file, what, i,
                           out[i], why, at);
            goto done;
        }
    }
done:
    if (reclaim) /* free the strings HDF5 allocated (renamed in 1.12) */
#if H5_VERSION_GE(1, 12, 0)
        H5Treclaim(mtype, space, H5P_DEFAULT, buf);
#else
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
#endif
    emb_free(buf);
    close_id(&mtype, H5Tclose);
    return st;
}

emb_status emb_h5_read_strings(hid_t loc, const char *file, const char *name, size_t expect_n,
                               int allow_empty, char ***out, size_t *n)
{
    emb_status st = EMB_OK;
    hid_t dset = NO_ID, type = NO_ID, space = NO_ID;
    char **v = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    if ((st = emb_h5_probe_strings(loc, file, name, &count, NULL)))
        return st;
    if (expect_n && count != expect_n)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has %zu entries, expected %zu", file, name,
                         count, expect_n);
    if ((dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0 || (type = H5Dget_type(dset)) < 0 ||
        (space = H5Dget_space(dset)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot open it", file, name);
        goto done;
    }
    if (!(v = emb_calloc(count, sizeof(char *), "string labels"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    char what[EMB_H5_NAME_MAX + 16];
    snprintf(what, sizeof what, "dataset %s", name);
    if ((st = read_strv(dset, 0, type, space, file, what, count, v, allow_empty)))
        goto done;
    *out = v;
    *n = count;
    v = NULL;
done:
    emb_strv_free(v, count);
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    close_id(&dset, H5Dclose);
    return st;
}

emb_status emb_h5_shape(hid_t loc, const char *file, const char *name, int need_float, int *rank,
                        size_t dims[3])
{
    emb_h5_info info;
    *rank = 0;
    emb_status st = emb_h5_describe(loc, file, name, &info);
    if (st)
        return st;
    if (need_float && info.cls != H5T_FLOAT)
        return emb_raise(EMB_EINPUT, "%s: dataset %s has type class %s, expected floating point "
                                     "(float64 or float32; write integers as floats, e.g. numpy "
                                     "astype(float))", file, name, class_name(info.cls));
    *rank = info.rank;
    for (int i = 0; i < info.rank; i++)
        dims[i] = info.dims[i];
    return EMB_OK;
}

/* What the error stack says about a failed read: a filter not registered
 * (its name kept), a checksum, another filter failure. */
typedef struct read_why {
    int kind; /* 0 unknown, 1 missing filter, 2 checksum, 3 filter failed */
    char filter[128];
} read_why;

static herr_t read_why_cb(unsigned n, const H5E_error2_t *e, void *p)
{
    (void)n;
    read_why *w = p;
    const char *d = e->desc ? e->desc : "";
    const char *q;
    if (strstr(d, "is not registered") && (q = strchr(d, '\'')) && w->kind != 2) {
        const char *end = strchr(q + 1, '\'');
        int len = end ? (int)(end - q - 1) : 0;
        snprintf(w->filter, sizeof w->filter, "%.*s", len < 100 ? len : 100, q + 1);
        w->kind = 1;
    } else if (strstr(d, "checksum")) {
        w->kind = 2;
    } else if (!w->kind && e->maj_num == H5E_PLINE) {
        w->kind = 3;
    }
    return 0;
}

emb_status emb_h5_read_failed(const char *file, const char *name, const char *what,
                              const char *fallback)
{
    read_why w = {0, ""};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, read_why_cb, &w);
    switch (w.kind) {
    case 1:
        return emb_raise(EMB_EINPUT, "%s: dataset %s%s: compressed with the HDF5 filter '%s', "
                                     "which this HDF5 library does not have (install "
                                     "the filter's plugin, or re-save the dataset with gzip or "
                                     "without compression)", file, name, what, w.filter);
    case 2:
        return emb_raise(EMB_EINPUT, "%s: dataset %s%s: the data fail their Fletcher-32 "
                                     "checksum (damaged file)", file, name, what);
    case 3:
        return emb_raise(EMB_EINPUT, "%s: dataset %s%s: a filter (decompression) failed on the "
                                     "data (damaged file)", file, name, what);
    default:
        return emb_raise(EMB_EIO, "%s: cannot read dataset %s%s (%s)", file, name, what, fallback);
    }
}

emb_status emb_h5_read_doubles(hid_t loc, const char *file, const char *name, int rank,
                               const size_t *expected, double *data)
{
    emb_status st;
    int r;
    size_t dims[3], total = 1;
    if ((st = emb_h5_shape(loc, file, name, 1, &r, dims)))
        return st;
    int same = r == rank;
    for (int i = 0; same && i < r; i++)
        same = dims[i] == expected[i];
    if (!same) {
        char got[96], want[96];
        return emb_raise(EMB_EINPUT, "%s: dataset %s has shape %s, expected %s", file, name,
                         shape_str(got, sizeof got, r, dims), shape_str(want, sizeof want, rank, expected));
    }
    for (int i = 0; i < r; i++)
        total *= dims[i]; /* no overflow: the caller allocated data of this size */
    if (total == 0)
        return EMB_OK;
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    if (dset < 0)
        return emb_raise(EMB_EIO, "%s: cannot open dataset %s", file, name);
    /* HDF5 converts float32 (or big-endian) to native double on the way. */
    if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = emb_h5_read_failed(file, name, "", "corrupt or truncated file?");
    H5Dclose(dset);
    return st;
}

/* Remove attribute `name` from obj if present, so writers can overwrite. */
static emb_status attr_replace(hid_t obj, const char *file, const char *name)
{
    htri_t e = H5Aexists(obj, name);
    if (e < 0 || (e > 0 && H5Adelete(obj, name) < 0))
        return emb_raise(EMB_EIO, "%s: cannot replace attribute %s", file, name);
    return EMB_OK;
}

/* Write a scalar attribute of file type ftype from *v in memory type mtype. */
static emb_status attr_write(hid_t obj, const char *file, const char *name, hid_t ftype,
                             hid_t mtype, const void *v)
{
    emb_status st;
    hid_t space = NO_ID, attr = NO_ID;
    if ((st = attr_replace(obj, file, name)))
        return st;
    if ((space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mtype, v) < 0)
        st = emb_raise(EMB_EIO, "%s: cannot write attribute %s", file, name);
    close_id(&attr, H5Aclose);
    close_id(&space, H5Sclose);
    return st;
}

emb_status emb_h5_attr_write_string(hid_t obj, const char *file, const char *name, const char *v)
{
    hid_t type = vlen_utf8();
    if (type < 0)
        return emb_raise(EMB_EIO, "%s: attribute %s: cannot create string type", file, name);
    emb_status st = attr_write(obj, file, name, type, type, &v);
    H5Tclose(type);
    return st;
}

emb_status emb_h5_attr_write_long(hid_t obj, const char *file, const char *name, long v)
{
    return attr_write(obj, file, name, H5T_STD_I64LE, H5T_NATIVE_LONG, &v);
}

emb_status emb_h5_attr_write_double(hid_t obj, const char *file, const char *name, double v)
{
    return attr_write(obj, file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* Open attribute `name` of obj holding exactly one value of class want:
 * *attr, *type, *space set (caller closes); *present = 0 if absent. */
static emb_status attr_open(hid_t obj, const char *file, const char *name, H5T_class_t want,
                            hid_t *attr, hid_t *type, hid_t *space, int *present)
{
    *attr = *type = *space = NO_ID;
    *present = 0;
    htri_t e = H5Aexists(obj, name);
    if (e < 0)
        return emb_raise(EMB_EIO, "%s: cannot look up attribute %s", file, name);
    if (e == 0)
        return EMB_OK;
    if ((*attr = H5Aopen(obj, name, H5P_DEFAULT)) < 0 || (*type = H5Aget_type(*attr)) < 0 ||
        (*space = H5Aget_space(*attr)) < 0)
        return emb_raise(EMB_EIO, "%s: cannot open attribute %s", file, name);
    H5T_class_t cls = H5Tget_class(*type);
    if (cls != want)
        return emb_raise(EMB_EINPUT, "%s: attribute %s has type class %s, expected %s", file,
                         name, class_name(cls), class_name(want));
    hssize_t npoints = H5Sget_simple_extent_npoints(*space);
    if (npoints != 1)
        return emb_raise(EMB_EINPUT, "%s: attribute %s has %lld values, expected one", file, name,
                         (long long)npoints);
    *present = 1;
    return EMB_OK;
}

emb_status emb_h5_attr_read_string(hid_t obj, const char *file, const char *name, char **out,
                                   int *present)
{
    hid_t attr, type, space;
    char *v = NULL;
    *out = NULL;
    emb_status st = attr_open(obj, file, name, H5T_STRING, &attr, &type, &space, present);
    if (!st && *present) {
        char what[512];
        snprintf(what, sizeof what, "attribute %s", name);
        st = read_strv(attr, 1, type, space, file, what, 1, &v, 1);
        if (!st)
            *out = v;
    }
    if (st)
        *present = 0;
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    close_id(&attr, H5Aclose);
    return st;
}

emb_status emb_h5_attr_read_long(hid_t obj, const char *file, const char *name, long *out,
                                 int *present)
{
    hid_t attr, type, space;
    emb_status st = attr_open(obj, file, name, H5T_INTEGER, &attr, &type, &space, present);
    if (!st && *present && H5Aread(attr, H5T_NATIVE_LONG, out) < 0)
        st = emb_raise(EMB_EIO, "%s: cannot read attribute %s", file, name);
    if (st)
        *present = 0;
    close_id(&space, H5Sclose);
    close_id(&type, H5Tclose);
    close_id(&attr, H5Aclose);
    return st;
}
