/* src/solver/prefetch.h — read a table's technology matrix in row blocks on a
 * second thread, one block ahead of the consumer (internal).
 *
 * The residual pass multiplies each block with BLAS while the next block is
 * read from the file: on a table streamed from HDF5 the read (a copy out of
 * the page cache, or disk) and the dgemm overlap instead of taking turns.
 * Two block buffers of `nb` rows; only the reader thread calls into HDF5
 * while a prefetch is open, so a non-thread-safe HDF5 is fine as long as the
 * caller makes no HDF5 call of its own until emb_prefetch_close(). */
#ifndef EMB_PREFETCH_H
#define EMB_PREFETCH_H

#include <stddef.h>

#include "embodied/table.h"

typedef struct emb_prefetch emb_prefetch;

/* Start reading t's rows in blocks of nb.  Falls back to reading on the
 * caller's thread if no thread can be started.  *out owned by the caller. */
emb_status emb_prefetch_open(const emb_table *t, size_t nb, emb_prefetch **out);

/* The next block: *rows points at its first row (row-major, ld N), *r0 and
 * *n say which rows; *n = 0 at the end.  The block stays valid until the
 * next call.  A read error is returned here (with its message). */
emb_status emb_prefetch_next(emb_prefetch *p, const double **rows, size_t *r0, size_t *n);

/* Stop the reader (waiting for it) and free; NULL is a no-op. */
void emb_prefetch_close(emb_prefetch *p);

#endif
