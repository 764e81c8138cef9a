/* src/io/h5util.h — small checked helpers over the HDF5 C API (internal).
 * Every function returns emb_status and names the file and dataset in its
 * message; HDF5's own error stack printing is switched off once by
 * emb_h5_init() (the library never prints). */
#ifndef EMB_H5UTIL_H
#define EMB_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

#include "embodied/error.h"

/* Silence HDF5's automatic error printing (idempotent). */
void emb_h5_init(void);

/* Bounds on what a file may declare, checked before anything is allocated
 * for it: a fixed-length string wider than EMB_H5_STRING_MAX bytes (a label
 * is at most 4096, core/label.h; the rest is padding no writer produces),
 * and a chunk larger than EMB_H5_CHUNK_MAX bytes (HDF5 inflates a whole
 * chunk to read any part of it, outside our allocation wrapper: h5py's
 * chunks are at most 1 MiB, ours 1 MiB). */
#define EMB_H5_STRING_MAX ((size_t)65536)
#define EMB_H5_CHUNK_MAX ((size_t)256 << 20)

typedef enum emb_h5_kind {
    EMB_H5_ABSENT = 0,
    EMB_H5_DATASET,
    EMB_H5_GROUP,
    EMB_H5_OTHER /* a named datatype */
} emb_h5_kind;

/* What `name` ('/'-separated, relative to loc) is, following hard links
 * only: every component of the path must be a hard link (a soft, external
 * or user-defined link is EMB_EINPUT naming it and is never traversed, so an
 * external link cannot make the reader open another file and a soft link
 * loop is never walked).  A missing component gives EMB_H5_ABSENT. */
emb_status emb_h5_object(hid_t loc, const char *file, const char *name, emb_h5_kind *kind);

/* A dataset described from its header, nothing read. */
typedef struct emb_h5_info {
    int rank;              /* 0 (scalar or null dataspace) .. 3 */
    size_t dims[3];
    H5T_class_t cls;       /* type class */
    size_t type_size;      /* bytes per element in the file (fixed strings: the width) */
    int var_str;           /* variable-length string */
    H5T_str_t strpad;      /* fixed strings: NULLTERM, NULLPAD or SPACEPAD */
    size_t chunk_bytes;    /* bytes of one chunk, 0 when not chunked */
} emb_h5_info;

/* Describe dataset `name` (reached through hard links only, emb_h5_object):
 * EMB_EINPUT naming file and dataset when it is missing, a group or a
 * datatype, of rank above 3, a fixed-length string wider than
 * EMB_H5_STRING_MAX, or chunked in chunks above EMB_H5_CHUNK_MAX. */
emb_status emb_h5_describe(hid_t loc, const char *file, const char *name, emb_h5_info *info);

/* Chunk shape for a dataset of `rank` dims: about EMB_H5_CHUNK_ELEMS
 * elements, whole trailing dimensions first (whole rows of a matrix where a
 * row fits), so row-block reads touch whole chunks. */
void emb_h5_chunk_dims(int rank, const hsize_t *dims, hsize_t *chunk);

/* Write a float64 dataset of rank 1..3 with dims[] from data (row-major).
 * deflate 0: contiguous; 1..9: chunked + gzip. */
emb_status emb_h5_write_doubles(hid_t loc, const char *file, const char *name, int rank,
                                const size_t *dims, const double *data, int deflate);

/* Write n strings as a 1-D variable-length UTF-8 string dataset (as h5py does). */
emb_status emb_h5_write_strings(hid_t loc, const char *file, const char *name, size_t n,
                                const char *const *s);

/* Check that `name` is a 1-D string dataset and return its length in *n,
 * reading nothing (emb_h5_describe's checks; EMB_EINPUT for another class or
 * rank).  info may be NULL. */
emb_status emb_h5_probe_strings(hid_t loc, const char *file, const char *name, size_t *n,
                                emb_h5_info *info);

/* Bytes emb_h5_read_strings may allocate for n strings of a dataset
 * described by info (an estimate for variable-length strings, whose lengths
 * only reading tells), for allocation plans. */
double emb_h5_strings_bytes(const emb_h5_info *info, size_t n);

/* Read a 1-D string dataset of labels (variable or fixed length, ASCII or
 * UTF-8) into a newly allocated array of *n newly allocated strings.
 * expect_n != 0 checks the length.  Every entry must be a label
 * (core/label.h; empty only when allow_empty): a null variable-length
 * string, a null-terminated fixed-length field without its terminator, bytes
 * that are not UTF-8 or control characters are EMB_EINPUT naming the dataset
 * and the entry.  Call emb_h5_probe_strings and plan first. */
emb_status emb_h5_read_strings(hid_t loc, const char *file, const char *name, size_t expect_n,
                               int allow_empty, char ***out, size_t *n);

/* Check a floating-point dataset's rank and dims (expected[]) and read it into
 * data (row-major, caller-allocated). */
/* The status of a failed H5Dread of dataset `name` (what: "" or " rows a..b"),
 * from HDF5's error stack (call it before any other HDF5 call): a filter
 * this HDF5 lacks (EMB_EINPUT naming it: the file is fine, this build cannot
 * decode it), a failed Fletcher-32 checksum or a filter that fails on the
 * data (EMB_EINPUT: damaged data), else EMB_EIO with `fallback`. */
emb_status emb_h5_read_failed(const char *file, const char *name, const char *what,
                              const char *fallback);
emb_status emb_h5_read_doubles(hid_t loc, const char *file, const char *name, int rank,
                               const size_t *expected, double *data);

/* Shape of a dataset: *rank and dims[0..rank-1] (rank <= 3); EMB_EINPUT if
 * missing, not a dataset reached by hard links, of rank > 3, or not floating
 * point when need_float (emb_h5_describe's checks). */
emb_status emb_h5_shape(hid_t loc, const char *file, const char *name, int need_float, int *rank,
                        size_t dims[3]);

/* Attributes on an object: strings (UTF-8, scalar) and integers / doubles. */
emb_status emb_h5_attr_write_string(hid_t obj, const char *file, const char *name, const char *v);
emb_status emb_h5_attr_write_long(hid_t obj, const char *file, const char *name, long v);
emb_status emb_h5_attr_write_double(hid_t obj, const char *file, const char *name, double v);
/* Read: *present = 0 when the attribute does not exist (not an error). */
emb_status emb_h5_attr_read_string(hid_t obj, const char *file, const char *name, char **out,
                                   int *present);
emb_status emb_h5_attr_read_long(hid_t obj, const char *file, const char *name, long *out,
                                 int *present);

#endif
