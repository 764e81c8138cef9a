/* src/solver/prefetch.h — stream a table's technology matrix in row blocks
 * with reading and computing overlapped (internal).
 *
 * The residual pass multiplies each block with BLAS while the next block is
 * read from the file: the calling thread reads (all HDF5 calls stay on the
 * caller's thread: HDF5 1.10 keeps per-thread state that it never frees
 * when a thread ends, so short-lived threads must not call it), and one
 * worker thread runs `fn` on the block read before.  Two buffers of `nb`
 * rows.  Blocks reach `fn` in order, one at a time. */
#ifndef EMB_PREFETCH_H
#define EMB_PREFETCH_H

#include <stddef.h>

#include "embodied/table.h"

/* Work on rows [r0, r0+n) of T, given row-major with leading dimension N. */
typedef void (*emb_block_fn)(void *ctx, const double *rows, size_t r0, size_t n);

/* Read all of t's rows in blocks of nb and hand each to fn.  A read error
 * stops the stream and is returned (blocks before it have been handed out).
 * If no worker thread can be started, reading and fn take turns on the
 * caller's thread. */
emb_status emb_stream_blocks(const emb_table *t, size_t nb, emb_block_fn fn, void *ctx);

#endif
