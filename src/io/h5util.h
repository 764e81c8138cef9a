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

/* Does link `name` exist under loc (intermediate groups checked)? */
int emb_h5_exists(hid_t loc, const char *name);

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

/* Read a 1-D string dataset (variable or fixed length, ASCII or UTF-8) into a
 * newly allocated array of *n newly allocated strings.  expect_n != 0 checks
 * the length. */
emb_status emb_h5_read_strings(hid_t loc, const char *file, const char *name, size_t expect_n,
                               char ***out, size_t *n);

/* Check a floating-point dataset's rank and dims (expected[]) and read it into
 * data (row-major, caller-allocated). */
emb_status emb_h5_read_doubles(hid_t loc, const char *file, const char *name, int rank,
                               const size_t *expected, double *data);

/* Shape of a dataset: *rank and dims[0..rank-1] (rank <= 3); EMB_EINPUT if
 * missing, of rank > 3, or not floating point when need_float. */
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
