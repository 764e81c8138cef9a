/* src/core/label.h — what a label (region, sector, category, stressor, unit,
 * group name) may contain (internal), shared by the HDF5 reader, which names
 * the dataset and entry, and emb_table_validate, which every importer and
 * the writer run.
 *
 * A label is at most EMB_LABEL_MAX bytes of valid UTF-8 (ASCII included)
 * without control characters (U+0000-U+001F, U+007F-U+009F).  Real labels
 * are far shorter (EXIOBASE's longest stressor name with its compartment is
 * under 200 bytes); the bound keeps one label from costing more than a page
 * of every message and report it appears in, and refuses binary data read as
 * text.  Control characters would break the one-line messages and the CSV
 * and terminal output labels end up in.
 */
#ifndef EMB_LABEL_H
#define EMB_LABEL_H

#include <stddef.h>

#define EMB_LABEL_MAX ((size_t)4096)

/* NULL when s[0, len) is an acceptable label (empty only when allow_empty);
 * else a short reason ("is not valid UTF-8", ...), and *at the offending
 * byte offset. */
const char *emb_label_problem(const char *s, size_t len, int allow_empty, size_t *at);

/* Free text (the table's source) follows the same rule with room for a
 * paragraph: at most EMB_TEXT_MAX bytes, may be empty. */
#define EMB_TEXT_MAX ((size_t)65536)
const char *emb_text_problem(const char *s, size_t len, size_t *at);

/* Is any of v[0, n) equal to an earlier one?  Returns 1 with *first < *second
 * the first such pair (the smallest *second, *first its earliest equal),
 * else 0; -1 when memory for the sort runs out (EMB_ENOMEM raised).  Small
 * sets are compared pairwise, large ones sorted: n log n, so a header of a
 * million distinct labels costs a second, not hours. */
int emb_first_duplicate(const char *const *v, size_t n, size_t *first, size_t *second);

#endif
