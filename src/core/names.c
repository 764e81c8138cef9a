/* src/core/names.c — forgiving name lookup and nearest-name suggestions for
 * messages (see names.h). */
#include "core/names.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t emb_glob_literal_prefix(const char *pat) { return strcspn(pat, "*?[\\"); }

/* names[best[0..nb)] as "'a', 'b'" into buf. */
static void format_names(const char *const *names, const size_t *best, size_t nb, char *buf,
                         size_t cap)
{
    if (cap)
        buf[0] = '\0';
    for (size_t b = 0, len = 0; b < nb && len < cap; b++) {
        int w = snprintf(buf + len, cap - len, "%s'%s'", b ? ", " : "", names[best[b]]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* Keep the `max` best (lowest rank) of a stream of (index, rank), stable. */
static void keep_best(size_t *best, size_t *rank, size_t *nb, size_t max, size_t i, size_t r)
{
    size_t at = *nb; /* insert after every entry ranked at most r */
    while (at > 0 && rank[at - 1] > r)
        at--;
    if (at >= max)
        return;
    if (*nb == max)
        (*nb)--;
    memmove(best + at + 1, best + at, (*nb - at) * sizeof *best);
    memmove(rank + at + 1, rank + at, (*nb - at) * sizeof *rank);
    best[at] = i, rank[at] = r, (*nb)++;
}

void emb_nearest_names(const char *pat, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap)
{
    enum { MAXN = 8 };
    size_t best[MAXN], rank[MAXN], nb = 0, lit = emb_glob_literal_prefix(pat);
    if (max > MAXN)
        max = MAXN;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < lit && names[i][c] &&
               tolower((unsigned char)names[i][c]) == tolower((unsigned char)pat[c]))
            c++;
        keep_best(best, rank, &nb, max, i, lit - c); /* longer common prefix: lower rank */
    }
    format_names(names, best, nb, buf, cap);
}

/* Edit distance (insert, delete, substitute), ignoring ASCII case, of the
 * first 64 bytes of a and b. */
size_t emb_name_distance(const char *a, const char *b)
{
    enum { L = 64 };
    size_t la = strnlen(a, L), lb = strnlen(b, L), row[L + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[lb];
}

void emb_closest_names(const char *name, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap)
{
    enum { MAXN = 8 };
    size_t best[MAXN], rank[MAXN], nb = 0;
    if (max > MAXN)
        max = MAXN;
    for (size_t i = 0; i < n; i++)
        if (names[i])
            keep_best(best, rank, &nb, max, i, emb_name_distance(name, names[i]));
    format_names(names, best, nb, buf, cap);
}

/* Does names[i] match `name` in tier `tier` (one EMB_NAME_* bit; nocase
 * applies to EXACT and SUFFIX)? */
static int matches(const char *s, const char *name, unsigned tier, int nocase)
{
    size_t ls = strlen(s), ln = strlen(name);
    int (*cmp)(const char *, const char *) = nocase ? strcasecmp : strcmp;
    switch (tier) {
    case EMB_NAME_EXACT: return cmp(s, name) == 0;
    case EMB_NAME_SUFFIX: return ls > ln && s[ls - ln - 1] == '/' && cmp(s + ls - ln, name) == 0;
    default: return 0;
    }
}

static int has_prefix_nocase(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

static int has_substring_nocase(const char *s, const char *p)
{
    size_t lp = strlen(p);
    for (; *s; s++)
        if (strncasecmp(s, p, lp) == 0)
            return 1;
    return 0;
}

long emb_name_find(const char *const *names, size_t n, const char *name, unsigned how,
                   size_t *amb, size_t max_amb, size_t *n_amb)
{
    /* (tier, nocase) in order; partial tiers: 0 prefix, 1 substring. */
    static const struct {
        unsigned need, tier;
        int nocase, partial;
    } tiers[] = {{EMB_NAME_EXACT, EMB_NAME_EXACT, 0, -1},  {EMB_NAME_SUFFIX, EMB_NAME_SUFFIX, 0, -1},
                 {EMB_NAME_NOCASE, EMB_NAME_EXACT, 1, -1}, {EMB_NAME_NOCASE, EMB_NAME_SUFFIX, 1, -1},
                 {EMB_NAME_PARTIAL, 0, 1, 0},              {EMB_NAME_PARTIAL, 0, 1, 1}};
    if (n_amb)
        *n_amb = 0;
    if (!name || !*name)
        return -1;
    for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
        if (!(how & tiers[t].need))
            continue;
        if (tiers[t].tier == EMB_NAME_SUFFIX && tiers[t].nocase && !(how & EMB_NAME_SUFFIX))
            continue;
        long hit = -1;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            const char *s = names[i];
            if (!s)
                continue;
            int m = tiers[t].partial < 0  ? matches(s, name, tiers[t].tier, tiers[t].nocase)
                    : tiers[t].partial == 0 ? has_prefix_nocase(s, name)
                                            : has_substring_nocase(s, name);
            if (!m)
                continue;
            /* labels are unique, so an exact match is the one (a table with
             * duplicate labels is refused by validation, which finds it) */
            if (t == 0)
                return (long)i;
            if (amb && count < max_amb)
                amb[count] = i;
            count++;
            hit = (long)i;
        }
        if (count == 1)
            return hit;
        if (count > 1) {
            if (n_amb)
                *n_amb = count;
            return -2;
        }
    }
    return -1;
}
