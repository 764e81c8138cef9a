/* src/import/csvutil.h — small pieces shared by the CSV importers (OECD ICIO,
 * plain CSV) (internal): a growable list of owned strings, a growable
 * row-major matrix, stressor selection by glob, and opening a CSV reader.
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

#endif
