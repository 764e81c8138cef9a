/* src/core/names.c — nearest-name suggestions for messages (see names.h). */
#include "core/names.h"

#include <stdio.h>
#include <string.h>

size_t emb_glob_literal_prefix(const char *pat) { return strcspn(pat, "*?[\\"); }

void emb_nearest_names(const char *pat, const char *const *names, size_t n, size_t max, char *buf,
                       size_t cap)
{
    enum { MAXN = 8 };
    size_t best[MAXN], score[MAXN], nb = 0, lit = emb_glob_literal_prefix(pat);
    if (max > MAXN)
        max = MAXN;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < lit && names[i][c] == pat[c])
            c++;
        size_t at = nb; /* insert after every entry scoring at least c */
        while (at > 0 && score[at - 1] < c)
            at--;
        if (at >= max)
            continue;
        if (nb == max)
            nb--;
        memmove(best + at + 1, best + at, (nb - at) * sizeof *best);
        memmove(score + at + 1, score + at, (nb - at) * sizeof *score);
        best[at] = i, score[at] = c, nb++;
    }
    if (cap)
        buf[0] = '\0';
    for (size_t b = 0, len = 0; b < nb && len < cap; b++) {
        int w = snprintf(buf + len, cap - len, "%s'%s'", b ? ", " : "", names[best[b]]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}
