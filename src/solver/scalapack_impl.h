/* src/solver/scalapack_impl.h — the pieces of the ScaLAPACK backend
 * (internal): one rank's tiles of T in the 2-D block-cyclic layout, read
 * band by band (scalapack_read.c), used by the distributed accounts
 * (scalapack.c) to form I - A and again for the residuals. */
#ifndef EMB_SCALAPACK_IMPL_H
#define EMB_SCALAPACK_IMPL_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/table.h"

/* Block-cyclic ownership (0-based; blocks of nb; p processes along the
 * dimension): the number of indices of 0 .. n-1 that process `me` owns
 * (ScaLAPACK's NUMROC), and the global index of local index l. */
size_t emb_bc_count(size_t n, size_t nb, size_t me, size_t p);
size_t emb_bc_global(size_t l, size_t nb, size_t me, size_t p);

/* One rank's tiles of T: rows owned by process row `myrow` of `pr`, columns
 * by process column `mycol` of `pc`, in nb x nb blocks. */
typedef struct emb_tiles {
    const emb_table *t;
    size_t N, nb, pr, pc, myrow, mycol;
    size_t locr, locc;  /* local rows and columns */
    size_t nbands;      /* local row blocks: ceil(locr / nb) */
    long long file, dset; /* HDF5 ids of the file-backed T (hid_t), -1 otherwise */
    const char *dsname; /* "/Z" or "/A" */
} emb_tiles;

/* Prepare to read this rank's tiles of t (opening its file read-only a
 * second time when T is streamed from it: serial HDF5 on every rank). */
emb_status emb_tiles_open(emb_tiles *tl, const emb_table *t, size_t nb, size_t pr, size_t pc,
                          size_t myrow, size_t mycol);

/* Local row block `band` (0 .. nbands-1): its first global row in *g0 and
 * row count in *nrows, and T[g0 .. g0+nrows)[this rank's columns] into buf
 * (row-major, nrows x locc, columns in increasing global order). */
emb_status emb_tiles_read_band(emb_tiles *tl, size_t band, double *buf, size_t *g0, size_t *nrows);

/* Close what emb_tiles_open opened; safe on a zeroed or failed struct. */
void emb_tiles_close(emb_tiles *tl);

#endif
