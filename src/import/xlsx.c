/* src/import/xlsx.c — text columns of an .xlsx workbook (see xlsx.h): a zip
 * (bytesrc.h) of XML parts scanned by a small tag reader.  No DTDs, no
 * namespaces beyond ignoring prefixes: the parts Excel, openpyxl and
 * LibreOffice write are plain element trees. */
#include "import/xlsx.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "import/bytesrc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct emb_xlsx {
    char *path;
    emb_archive *ar;
    emb_strlist names, parts; /* sheet name -> part ("xl/worksheets/sheet1.xml") */
    emb_strlist shared;       /* shared strings, in order */
};

/* ------------------------------------------------------------ XML tags */

typedef struct tag {
    const char *name; /* local name (prefix skipped) */
    size_t nlen;
    const char *attrs, *end; /* attributes text; end: the '>' */
    int closing, selfclose;
} tag;

/* The next element tag at or after p (comments, <? ?> and <! > skipped);
 * 0 at the end of the text or on a tag left open. */
static int next_tag(const char *p, const char *e, tag *t)
{
    for (;;) {
        const char *lt = memchr(p, '<', (size_t)(e - p));
        if (!lt || lt + 1 >= e)
            return 0;
        if (lt[1] == '!' || lt[1] == '?') {
            const char *close = lt[1] == '!' && e - lt > 4 && !memcmp(lt, "<!--", 4) ? "-->" : ">";
            const char *c = lt + 2;
            size_t cl = strlen(close);
            while (c + cl <= e && memcmp(c, close, cl))
                c++;
            if (c + cl > e)
                return 0;
            p = c + cl;
            continue;
        }
        const char *q = lt + 1;
        t->closing = *q == '/';
        if (t->closing)
            q++;
        const char *n0 = q;
        while (q < e && *q != '>' && *q != '/' && *q != ' ' && *q != '\t' && *q != '\n' &&
               *q != '\r')
            q++;
        const char *colon = memchr(n0, ':', (size_t)(q - n0));
        t->name = colon ? colon + 1 : n0;
        t->nlen = (size_t)(q - t->name);
        t->attrs = q;
        char quote = 0;
        while (q < e && (quote || *q != '>')) {
            if (quote && *q == quote)
                quote = 0;
            else if (!quote && (*q == '"' || *q == '\''))
                quote = *q;
            q++;
        }
        if (q >= e)
            return 0;
        t->end = q;
        t->selfclose = q[-1] == '/';
        return 1;
    }
}

static int is(const tag *t, const char *local)
{
    return t->nlen == strlen(local) && !memcmp(t->name, local, t->nlen);
}

/* Decode XML text s[0, n) (entities) and append it to *buf (length *len,
 * capacity *cap). */
static emb_status append_text(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*len + n + 1) * 2;
        char *nb = emb_realloc(*buf, nc, 1, "xlsx text");
        if (!nb)
            return EMB_ENOMEM;
        *buf = nb, *cap = nc;
    }
    char *o = *buf + *len;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            *o++ = s[i];
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i);
        size_t el = semi ? (size_t)(semi - (s + i)) + 1 : 0;
        static const struct { const char *e; char c; } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        int done = 0;
        for (size_t k = 0; k < 5 && !done; k++)
            if (el == strlen(ents[k].e) && !memcmp(s + i, ents[k].e, el))
                *o++ = ents[k].c, done = 1;
        if (!done && el > 3 && s[i + 1] == '#') {
            int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            unsigned long cp = strtoul(s + i + 2 + hex, NULL, hex ? 16 : 10);
            /* UTF-8; an entity is at least as long as its encoding. */
            if (cp < 0x80)
                *o++ = (char)cp;
            else if (cp < 0x800)
                *o++ = (char)(0xC0 | (cp >> 6)), *o++ = (char)(0x80 | (cp & 0x3F));
            else if (cp < 0x10000)
                *o++ = (char)(0xE0 | (cp >> 12)), *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)),
                *o++ = (char)(0x80 | (cp & 0x3F));
            else
                *o++ = (char)(0xF0 | ((cp >> 18) & 0x07)), *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)),
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
            done = 1;
        }
        if (done)
            i += el - 1;
        else
            *o++ = '&';
    }
    *len = (size_t)(o - *buf);
    *o = '\0';
    return EMB_OK;
}

/* Attribute `key` of t (matched with its prefix, e.g. "r:id", or without
 * one), decoded into a new string; NULL when absent (or out of memory:
 * *st is then set). */
static char *attr(const tag *t, const char *key, emb_status *st)
{
    size_t kl = strlen(key);
    const char *p = t->attrs, *e = t->end;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '/'))
            p++;
        const char *k0 = p;
        while (p < e && *p != '=' && *p != ' ')
            p++;
        size_t klen = (size_t)(p - k0);
        while (p < e && (*p == '=' || *p == ' '))
            p++;
        if (p >= e || (*p != '"' && *p != '\''))
            return NULL;
        char q = *p++;
        const char *v0 = p;
        while (p < e && *p != q)
            p++;
        if (klen == kl && !memcmp(k0, key, kl)) {
            char *buf = NULL;
            size_t len = 0, cap = 0;
            if ((*st = append_text(&buf, &len, &cap, v0, (size_t)(p - v0))) != EMB_OK)
                return NULL;
            return buf ? buf : emb_strdup("");
        }
        p++;
    }
    return NULL;
}

/* ------------------------------------------------------------ parts */

static emb_status read_part(emb_xlsx *x, const char *rel, char **out, size_t *len)
{
    *out = NULL, *len = 0;
    emb_bytesrc *s = NULL;
    emb_status st = emb_bytesrc_open(x->ar, rel, &s);
    if (st != EMB_OK)
        return st;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    for (;;) {
        if (cap - n < 65536) {
            size_t nc = cap ? 2 * cap : 131072;
            if (nc > EMB_XLSX_MAXPART + 1) {
                st = emb_raise(EMB_EINPUT, "%s: part larger than %zu MiB", emb_bytesrc_name(s),
                               EMB_XLSX_MAXPART >> 20);
                break;
            }
            char *nb = emb_realloc(buf, nc, 1, "xlsx part");
            if (!nb) {
                st = EMB_ENOMEM;
                break;
            }
            buf = nb, cap = nc;
        }
        if ((st = emb_bytesrc_read(s, buf + n, cap - n - 1, &got)) != EMB_OK || got == 0)
            break;
        n += got;
    }
    emb_bytesrc_close(s);
    if (st != EMB_OK) {
        emb_free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf, *len = n;
    return EMB_OK;
}

/* Shared strings: the text of every <t> of each <si>, phonetic runs (<rPh>)
 * skipped. */
static emb_status read_shared(emb_xlsx *x)
{
    const char *rel = "xl/sharedStrings.xml";
    if (!emb_archive_has(x->ar, rel))
        return EMB_OK;
    char *xml, *acc = NULL;
    size_t n, alen = 0, acap = 0;
    emb_status st = read_part(x, rel, &xml, &n);
    if (st != EMB_OK)
        return st;
    const char *p = xml, *e = xml + n;
    tag t;
    int in_si = 0, in_rph = 0;
    while (st == EMB_OK && next_tag(p, e, &t)) {
        p = t.end + 1;
        if (is(&t, "si")) {
            if (t.closing || t.selfclose) {
                st = emb_strlist_push(&x->shared, acc ? acc : "");
                in_si = 0;
            } else
                in_si = 1;
            alen = 0;
            if (acc)
                acc[0] = '\0';
        } else if (is(&t, "rPh") && !t.selfclose) {
            in_rph = !t.closing;
        } else if (is(&t, "t") && !t.closing && !t.selfclose && in_si && !in_rph) {
            const char *lt = memchr(p, '<', (size_t)(e - p));
            if (!lt)
                break;
            st = append_text(&acc, &alen, &acap, p, (size_t)(lt - p));
            p = lt;
        }
    }
    emb_free(acc);
    emb_free(xml);
    return st;
}

static emb_status read_workbook(emb_xlsx *x)
{
    char *wb = NULL, *rels = NULL, *name = NULL, *id = NULL;
    size_t nwb, nrels;
    emb_strlist rid = {0}, target = {0};
    emb_status st;
    if (!emb_archive_has(x->ar, "xl/workbook.xml") ||
        !emb_archive_has(x->ar, "xl/_rels/workbook.xml.rels")) {
        st = emb_raise(EMB_EINPUT, "%s: not an .xlsx workbook (no xl/workbook.xml and its "
                                   "relationships)", x->path);
        goto done;
    }
    if ((st = read_part(x, "xl/workbook.xml", &wb, &nwb)) ||
        (st = read_part(x, "xl/_rels/workbook.xml.rels", &rels, &nrels)))
        goto done;
    tag t;
    for (const char *p = rels; st == EMB_OK && next_tag(p, rels + nrels, &t); p = t.end + 1) {
        if (!is(&t, "Relationship") || t.closing)
            continue;
        id = attr(&t, "Id", &st);
        char *tg = st ? NULL : attr(&t, "Target", &st);
        if (id && tg) {
            char *full = tg[0] == '/' ? emb_strdup(tg + 1) : NULL;
            if (tg[0] != '/' && (full = emb_alloc(strlen(tg) + 4, 1, "xlsx part")) != NULL)
                memcpy(full, "xl/", 3), memcpy(full + 3, tg, strlen(tg) + 1);
            if (!full || (st = emb_strlist_push(&rid, id)) ||
                (st = emb_strlist_push(&target, full)))
                st = st ? st : EMB_ENOMEM;
            emb_free(full);
        }
        emb_free(id), emb_free(tg);
        id = NULL;
    }
    for (const char *p = wb; st == EMB_OK && next_tag(p, wb + nwb, &t); p = t.end + 1) {
        if (!is(&t, "sheet") || t.closing)
            continue;
        name = attr(&t, "name", &st);
        id = st ? NULL : attr(&t, "r:id", &st);
        long k = id ? emb_strlist_find(&rid, id) : -1;
        if (st == EMB_OK && name && k >= 0 && !(st = emb_strlist_push(&x->names, name)))
            st = emb_strlist_push(&x->parts, target.v[k]);
        emb_free(name), emb_free(id);
        name = id = NULL;
    }
    if (st == EMB_OK)
        st = read_shared(x);
done:
    emb_free(wb), emb_free(rels);
    emb_strlist_free(&rid), emb_strlist_free(&target);
    return st;
}

emb_status emb_xlsx_open(const char *path, emb_xlsx **out)
{
    *out = NULL;
    emb_xlsx *x = emb_calloc(1, sizeof *x, "xlsx");
    if (!x)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    if (!(x->path = emb_strdup(path)))
        st = EMB_ENOMEM;
    else if ((st = emb_archive_open(path, &x->ar)) == EMB_OK && !emb_archive_is_zip(x->ar))
        st = emb_raise(EMB_EINPUT, "%s: not an .xlsx workbook (a folder)", path);
    if (st == EMB_OK)
        st = read_workbook(x);
    if (st != EMB_OK) {
        emb_xlsx_close(x);
        return st;
    }
    *out = x;
    return EMB_OK;
}

const char *emb_xlsx_path(const emb_xlsx *x) { return x->path; }

void emb_xlsx_close(emb_xlsx *x)
{
    if (!x)
        return;
    emb_archive_close(x->ar);
    emb_strlist_free(&x->names), emb_strlist_free(&x->parts), emb_strlist_free(&x->shared);
    emb_free(x->path);
    emb_free(x);
}

/* ------------------------------------------------------------ sheets */

/* A worksheet's limits in the format (ECMA-376: A1:XFD1048576).  Row and
 * column numbers come from the file, and the reader fills the cells before
 * a value with empty strings: without the limits, one <row r="99999999999">
 * made it allocate billions of them (found by fuzz_gloria). */
#define MAX_ROWS ((size_t)1 << 20)
#define MAX_COLS ((size_t)1 << 14)

/* "AB12" -> column 27 (0-based), row 11 (0-based): 1; 0 when malformed; -1
 * beyond the worksheet's limits. */
static int cell_ref(const char *r, size_t *row, size_t *col)
{
    size_t c = 0, w = 0;
    while (*r >= 'A' && *r <= 'Z' && c <= MAX_COLS)
        c = c * 26 + (size_t)(*r++ - 'A' + 1);
    while (*r >= '0' && *r <= '9' && w <= MAX_ROWS)
        w = w * 10 + (size_t)(*r++ - '0');
    if (c > MAX_COLS || w > MAX_ROWS)
        return -1;
    if (!c || !w || *r)
        return 0;
    *col = c - 1, *row = w - 1;
    return 1;
}

/* A <row r="..."> number, "1" to MAX_ROWS, as a 0-based row; 0 otherwise. */
static int row_num(const char *r, size_t *row)
{
    size_t w = 0;
    if (!*r)
        return 0;
    for (; *r >= '0' && *r <= '9' && w <= MAX_ROWS; r++)
        w = w * 10 + (size_t)(*r - '0');
    if (*r || w == 0 || w > MAX_ROWS)
        return 0;
    *row = w - 1;
    return 1;
}

emb_status emb_xlsx_column(emb_xlsx *x, const char *sheet, const char *header, emb_strlist *out)
{
    emb_strlist_free(out);
    long k = emb_strlist_find(&x->names, sheet);
    if (k < 0) {
        char have[512];
        emb_strlist_join(&x->names, 8, have, sizeof have);
        return emb_raise(EMB_EINPUT, "%s: no sheet '%s' (sheets: %s)", x->path, sheet, have);
    }
    char *xml = NULL, *v = NULL, *ty = NULL, *ref = NULL;
    size_t n, vlen = 0, vcap = 0;
    emb_status st = read_part(x, x->parts.v[k], &xml, &n);
    if (st != EMB_OK)
        return st;
    emb_strlist heads = {0};
    size_t want = (size_t)-1, row = (size_t)-1, col = 0, last = 0;
    int in_c = 0, in_text = 0;
    const char *p = xml, *e = xml + n;
    tag t;
    while (st == EMB_OK && next_tag(p, e, &t)) {
        p = t.end + 1;
        if (is(&t, "row") && !t.closing) {
            char *r = attr(&t, "r", &st);
            if (r ? !row_num(r, &row) : ++row >= MAX_ROWS) {
                st = emb_raise(EMB_EINPUT, "%s: sheet '%s': row number '%.40s' is not 1 to %zu "
                               "(the format's limit)", x->path, sheet, r ? r : "?", MAX_ROWS);
                emb_free(r);
                break;
            }
            emb_free(r);
            col = 0;
            if (row > 0 && want == (size_t)-1)
                break; /* row 1 done, header not found */
        } else if (is(&t, "c") && !t.closing) {
            emb_free(ty), emb_free(ref);
            ty = attr(&t, "t", &st);
            ref = st ? NULL : attr(&t, "r", &st);
            size_t rr, cc;
            int ok = ref ? cell_ref(ref, &rr, &cc) : 0;
            if (ok > 0)
                col = cc;
            if (ok < 0 || col >= MAX_COLS) {
                st = emb_raise(EMB_EINPUT, "%s: sheet '%s': cell %.40s is beyond column XFD or "
                               "row %zu (the format's limits)", x->path, sheet, ref ? ref : "?",
                               MAX_ROWS);
                break;
            }
            vlen = 0;
            if (v)
                v[0] = '\0';
            in_c = !t.selfclose;
            if (!in_c)
                col++;
        } else if (is(&t, "c") && t.closing && in_c) {
            in_c = 0;
            const char *text = v ? v : "";
            if (ty && !strcmp(ty, "s")) {
                char *end;
                unsigned long si = strtoul(text, &end, 10);
                if (end == text || *end || si >= x->shared.n) {
                    st = emb_raise(EMB_EINPUT, "%s: sheet '%s', cell %s: shared string '%s' "
                                   "out of range (%zu strings)", x->path, sheet,
                                   ref ? ref : "?", text, x->shared.n);
                    break;
                }
                text = x->shared.v[si];
            }
            if (row == 0) {
                while (st == EMB_OK && heads.n < col)
                    st = emb_strlist_push(&heads, "");
                if (st == EMB_OK && heads.n == col)
                    st = emb_strlist_push(&heads, text);
                if (st == EMB_OK && !strcmp(text, header))
                    want = col;
            } else if (row != (size_t)-1 && col == want && *text) {
                while (st == EMB_OK && out->n + 1 < row)
                    st = emb_strlist_push(out, "");
                if (st == EMB_OK && out->n + 1 == row)
                    st = emb_strlist_push(out, text);
                last = out->n;
            }
            col++;
        } else if ((is(&t, "v") || is(&t, "t")) && in_c) {
            in_text = !t.closing && !t.selfclose;
            if (in_text) {
                const char *lt = memchr(p, '<', (size_t)(e - p));
                if (!lt)
                    break;
                st = append_text(&v, &vlen, &vcap, p, (size_t)(lt - p));
                p = lt;
            }
        }
    }
    if (st == EMB_OK && want == (size_t)-1) {
        char have[512];
        emb_strlist_join(&heads, 8, have, sizeof have);
        st = emb_raise(EMB_EINPUT, "%s: sheet '%s': no column '%s' in row 1 (found: %s)", x->path,
                       sheet, header, have);
    }
    while (st == EMB_OK && out->n > last) /* trailing empty cells */
        emb_free(out->v[--out->n]);
    emb_free(xml), emb_free(v), emb_free(ty), emb_free(ref);
    emb_strlist_free(&heads);
    if (st != EMB_OK)
        emb_strlist_free(out);
    return st;
}
