/* src/core/label.c — the label rule of core/label.h: length, UTF-8, no
 * control characters. */
#include "core/label.h"

#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s[0, n) (1-4), or 0 when invalid:
 * overlong forms, surrogates and code points above U+10FFFF are invalid
 * (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* UTF-8 without control characters. */
static const char *utf8_problem(const unsigned char *u, size_t len, size_t *at)
{
    for (size_t i = 0; i < len;) {
        unsigned cp = 0;
        size_t l = utf8_seq(u + i, len - i, &cp);
        if (!l) {
            *at = i;
            return "is not valid UTF-8";
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            *at = i;
            return "contains a control character";
        }
        i += l;
    }
    return NULL;
}

const char *emb_label_problem(const char *s, size_t len, int allow_empty, size_t *at)
{
    *at = 0;
    if (len == 0)
        return allow_empty ? NULL : "is empty";
    if (len > EMB_LABEL_MAX) {
        *at = EMB_LABEL_MAX;
        return "is longer than 4096 bytes";
    }
    return utf8_problem((const unsigned char *)s, len, at);
}

const char *emb_text_problem(const char *s, size_t len, size_t *at)
{
    *at = 0;
    if (len > EMB_TEXT_MAX) {
        *at = EMB_TEXT_MAX;
        return "is longer than 65536 bytes";
    }
    return utf8_problem((const unsigned char *)s, len, at);
}

/* Sort key: the label, then its index, so the first two entries of a run of
 * equal labels are its first two occurrences. */
typedef struct label_ref {
    const char *s;
    size_t i;
} label_ref;

static int cmp_label_ref(const void *x, const void *y)
{
    const label_ref *a = x, *b = y;
    int c = strcmp(a->s, b->s);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

int emb_first_duplicate(const char *const *v, size_t n, size_t *first, size_t *second)
{
    if (n <= 64) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(v[i], v[j]) == 0) {
                    *first = j, *second = i;
                    return 1;
                }
        return 0;
    }
    label_ref *r = emb_alloc(n, sizeof *r, "label index");
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++)
        r[i].s = v[i], r[i].i = i;
    qsort(r, n, sizeof *r, cmp_label_ref);
    size_t bi = (size_t)-1, bj = 0;
    for (size_t p = 1; p < n; p++)
        if (strcmp(r[p].s, r[p - 1].s) == 0 && (p < 2 || strcmp(r[p - 1].s, r[p - 2].s) != 0) &&
            r[p].i < bi)
            bi = r[p].i, bj = r[p - 1].i;
    emb_free(r);
    if (bi == (size_t)-1)
        return 0;
    *first = bj, *second = bi;
    return 1;
}
