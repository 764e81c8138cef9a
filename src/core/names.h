/* src/core/names.h — suggesting names when a name or glob pattern given by
 * the user matched nothing (internal): "did you mean one of these?". */
#ifndef EMB_NAMES_H
#define EMB_NAMES_H

#include <stddef.h>

/* Length of the literal prefix of glob `pat` (before its first '*', '?',
 * '[' or '\\'); the whole length for a plain name. */
size_t emb_glob_literal_prefix(const char *pat);

/* Write up to `max` (at most 8) of names[0..n) into buf (capacity cap) as
 * "'a', 'b', 'c'": those sharing the longest prefix with the literal prefix
 * of `pat` first, in their given order among equals; "" when n == 0.  The
 * text is cut (not overflowed) when cap is too small. */
void emb_nearest_names(const char *pat, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap);

#endif
