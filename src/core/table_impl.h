/* src/core/table_impl.h — the private side of emb_table: how a file-backed
 * technology matrix is streamed.  A loader (HDF5 today) fills a struct whose
 * first member is emb_tech_stream, so emb_table_tech_rows() and
 * emb_table_free() can dispatch without knowing the file format. */
#ifndef EMB_TABLE_IMPL_H
#define EMB_TABLE_IMPL_H

#include "embodied/table.h"

struct emb_tech_stream {
    /* Copy rows [r0, r0+nrows) of T into dst (row-major, ld N). */
    emb_status (*read_rows)(struct emb_tech_stream *s, size_t r0, size_t nrows, double *dst);
    /* Release the stream and the memory holding it. */
    void (*close)(struct emb_tech_stream *s);
};

/* emb_table_validate, with an A table's x optional when !x_required: an
 * importer's check of a table whose x the caller completes
 * (emb_table_complete_x) before writing it. */
emb_status emb_table_validate_x(const emb_table *t, emb_table_facts *facts, int x_required);

/* Free an array of n strings (and the array); NULL is a no-op. */
void emb_strv_free(char **v, size_t n);

#endif
