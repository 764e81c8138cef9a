/* src/import/csvutil.h — small pieces shared by the text importers
 * (pymrio/EXIOBASE, OECD ICIO, plain CSV) (internal): a growable list of
 * owned strings, a growable row-major matrix, stressor selection by glob,
 * opening a CSV reader, and pandas' two-row column headers.
 */
#ifndef EMB_IMPORT_CSVUTIL_H
#define EMB_IMPORT_CSVUTIL_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/import.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

/* A growable list of owned strings; zero-filled is empty. */
typedef struct emb_strlist {
    char **v;
    size_t n, cap;
} emb_strlist;

/* Append a copy of s. */
emb_status emb_strlist_push(emb_strlist *l, const char *s);
/* Index of s, or -1 (linear: for label sets of at most a few thousand). */
long emb_strlist_find(const emb_strlist *l, const char *s);
/* Free the strings and the array; the list is empty again. */
void emb_strlist_free(emb_strlist *l);
/* The first few entries joined by ", " into buf[cap] ("..." when cut). */
void emb_strlist_join(const emb_strlist *l, size_t max, char *buf, size_t cap);

/* A growable [rows][cols] matrix of doubles, zero-filled as it grows; the
 * column count is fixed at the first call. */
typedef struct emb_rows {
    double *a;
    size_t rows, cap, cols;
} emb_rows;

/* Append a zero row; *row points at it (valid until the next append). */
emb_status emb_rows_append(emb_rows *m, size_t cols, const char *what, double **row);
void emb_rows_free(emb_rows *m);

/* Does stressor `name` pass opts->stressor_patterns (fnmatch(3) globs, any
 * one matching; none given keeps all)?  Sets used[p] = 1 for each matching
 * pattern p when used is not NULL.  opts may be NULL. */
int emb_stressor_wanted(const emb_import_opts *opts, const char *name, unsigned char *used);

/* After selection: every pattern must have matched some stressor of `all`
 * (the names seen, kept or not) — else EMB_EUSAGE naming the pattern, the
 * file and a few available names. */
emb_status emb_stressor_patterns_check(const emb_import_opts *opts, const unsigned char *used,
                                       const emb_strlist *all, const char *file);

/* emb_tsv_open_in() switched to CSV with delimiter `delim`. */
emb_status emb_csv_open_in(emb_archive *a, const char *rel, char delim, emb_tsv **out);

/* pandas' MultiIndex column header as pymrio writes Z, Y and F: after nic
 * index cells, a row of outer labels (regions) in runs of equal length and a
 * row of inner labels (sectors, categories) repeating the first run; then
 * pandas' row of index names (index cells named, every data cell empty),
 * skipped when present. */
typedef struct emb_colhdr {
    emb_strlist outer, inner;
    size_t nic, nf; /* index columns, fields per line */
    size_t line_outer, line_inner;
} emb_colhdr;

/* Read the header rows of r into *h (zero-filled by the caller; freed with
 * emb_colhdr_free even on error).  nic 0: count the index columns from the
 * first row (pandas writes the level name in the first cell and leaves the
 * other index cells empty).  ow/iw name the outer and inner labels in
 * messages.  Before any label is compared: Z's header (max_outer 0) gives
 * N = nf - nic, and an N x N table must fit the memory limit; any other
 * header may name at most max_outer outer labels (Z's regions).  So the
 * label checks stay within what the table's own size allows, whatever a
 * header row declares. */
emb_status emb_colhdr_read(emb_tsv *r, size_t nic, const char *ow, const char *iw,
                           size_t max_outer, emb_colhdr *h);
void emb_colhdr_free(emb_colhdr *h);

/* The current line of r must have nf fields (nic index + nf - nic data);
 * else EMB_EINPUT naming the first missing or extra column. */
emb_status emb_tsv_check_nfields(emb_tsv *r, size_t nf, size_t nic);

/* After the last expected row (`rows` names them in the message): only blank
 * lines may follow. */
emb_status emb_tsv_expect_end(emb_tsv *r, const char *rows);

#endif
