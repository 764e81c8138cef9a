/* src/core/names.h — finding a name the user typed among labels, forgiving
 * case and (for stressors) a unique prefix or substring, and suggesting
 * names when a name or glob pattern matched nothing (internal): "did you
 * mean one of these?". */
#ifndef EMB_NAMES_H
#define EMB_NAMES_H

#include <stddef.h>

/* Length of the literal prefix of glob `pat` (before its first '*', '?',
 * '[' or '\\'); the whole length for a plain name. */
size_t emb_glob_literal_prefix(const char *pat);

/* Write up to `max` (at most 8) of names[0..n) into buf (capacity cap) as
 * "'a', 'b', 'c'": those sharing the longest prefix with the literal prefix
 * of `pat` first (ignoring case), in their given order among equals; ""
 * when n == 0.  The text is cut (not overflowed) when cap is too small. */
void emb_nearest_names(const char *pat, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap);

/* The same for a plain name: the `max` (at most 8) names closest to `name`
 * by edit distance ignoring case (a typo, a missing letter), ties in their
 * given order. */
void emb_closest_names(const char *name, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap);

/* Edit distance (insertions, deletions, substitutions) between a and b
 * ignoring ASCII case, over their first 64 bytes. */
size_t emb_name_distance(const char *a, const char *b);

/* How emb_name_find matches, tried in this order; the first tier that
 * matches anything decides (exact beats case-insensitive beats partial). */
enum {
    EMB_NAME_EXACT = 1,      /* the name as spelled */
    EMB_NAME_SUFFIX = 2,     /* its last '/'-separated components ("CO2/air") */
    EMB_NAME_NOCASE = 4,     /* exact, then suffix, ignoring ASCII case */
    EMB_NAME_PARTIAL = 8     /* a prefix, then a substring, ignoring case */
};

/* Find `name` among names[0..n) through the tiers in `how` (EMB_NAME_*).
 * Returns its index, -1 when nothing matches, or -2 when the deciding tier
 * matches several names: their indices (at most max_amb) in amb, their
 * number in *n_amb (amb may be NULL). */
long emb_name_find(const char *const *names, size_t n, const char *name, unsigned how,
                   size_t *amb, size_t max_amb, size_t *n_amb);

#endif
