/* src/import/tsv.c — streaming reader of tab- or comma-separated text: buffer
 * management, line (record) splitting, pandas / RFC 4180 unquoting and strict
 * number parsing (see tsv.h). */
#include "import/tsv.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct emb_tsv {
    emb_bytesrc *src;
    char *buf;          /* cap + 1 bytes: the spare byte terminates a last line without '\n' */
    size_t cap, maxcap;
    size_t beg, end;    /* unconsumed bytes are buf[beg, end) */
    size_t scan;        /* buf[beg, scan) is known to hold no '\n' */
    int eof;            /* the source is exhausted */
    size_t line;        /* number of the current line */
    char **fields;
    size_t nf, fcap;
    int again;          /* emb_tsv_again() was called */
    char delim;         /* field separator */
    int csv;            /* RFC 4180 rules: quoted fields may span lines */
    /* CSV record scanner state at buf[scan] (kept across buffer refills). */
    int inq;            /* inside a quoted field */
    int pendq;          /* the byte before scan was a '"' inside a quoted field */
    int fstart;         /* the byte before scan ended a field (or the record started) */
    size_t nl_inside;   /* line breaks inside quoted fields of the record being scanned */
    size_t nl_record;   /* ... of the current record */
};

emb_status emb_tsv_open(emb_bytesrc *src, size_t bufsize, size_t maxline, emb_tsv **out)
{
    *out = NULL;
    if (bufsize == 0 || maxline < bufsize) {
        emb_bytesrc_close(src);
        return emb_raise(EMB_EINTERNAL, "tsv: buffer size %zu / line limit %zu are invalid",
                         bufsize, maxline);
    }
    emb_tsv *r = emb_calloc(1, sizeof *r, "TSV reader");
    if (!r) {
        emb_bytesrc_close(src);
        return EMB_ENOMEM;
    }
    r->src = src;
    r->cap = bufsize, r->maxcap = maxline;
    r->fcap = 64;
    r->delim = '\t';
    r->fstart = 1;
    if (!(r->buf = emb_alloc(bufsize + 1, 1, "TSV read buffer")) ||
        !(r->fields = emb_alloc(r->fcap, sizeof *r->fields, "TSV field list"))) {
        emb_tsv_close(r);
        return EMB_ENOMEM;
    }
    *out = r;
    return EMB_OK;
}

emb_status emb_tsv_open_in(emb_archive *a, const char *rel, emb_tsv **out)
{
    emb_bytesrc *src = NULL;
    *out = NULL;
    emb_status st = emb_bytesrc_open(a, rel, &src);
    if (st != EMB_OK)
        return st;
    return emb_tsv_open(src, EMB_TSV_BUFSIZE, EMB_TSV_MAXLINE, out);
}

void emb_tsv_close(emb_tsv *r)
{
    if (!r)
        return;
    emb_bytesrc_close(r->src);
    emb_free(r->buf);
    emb_free(r->fields);
    emb_free(r);
}

const char *emb_tsv_name(const emb_tsv *r) { return emb_bytesrc_name(r->src); }
size_t emb_tsv_lineno(const emb_tsv *r) { return r->line; }
size_t emb_tsv_nfields(const emb_tsv *r) { return r->nf; }
const char *emb_tsv_field(const emb_tsv *r, size_t i) { return i < r->nf ? r->fields[i] : ""; }
int emb_tsv_blank(const emb_tsv *r) { return r->nf == 1 && !r->fields[0][0]; }
void emb_tsv_again(emb_tsv *r) { r->again = r->line > 0; }

void emb_tsv_set_delim(emb_tsv *r, char delim)
{
    r->delim = delim;
    r->csv = delim != '\t';
}

emb_status emb_tsv_fail(const emb_tsv *r, emb_status s, size_t i, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (i == EMB_TSV_NOCOL)
        return emb_raise(s, "%s: line %zu: %s", emb_tsv_name(r), r->line, msg);
    return emb_raise(s, "%s: line %zu, column %zu: %s", emb_tsv_name(r), r->line, i + 1, msg);
}

/* CSV: the '\n' that ends the record in buf[scan, end), or NULL (then the
 * scanner state describes buf[end - 1]).  Line breaks inside quoted fields
 * do not end it.  Quote-free stretches outside quotes are skipped with
 * memchr, so unquoted data costs what the tab-separated path costs. */
static char *csv_record_end(emb_tsv *r)
{
    char *p = r->buf + r->scan, *end = r->buf + r->end;
    while (p < end) {
        if (r->pendq) { /* a quote inside quotes: "" escapes, anything else closes */
            r->pendq = 0;
            if (*p == '"') {
                p++;
                continue;
            }
            r->inq = 0, r->fstart = 0;
            continue;
        }
        if (r->inq) {
            char *q = memchr(p, '"', (size_t)(end - p));
            char *stop = q ? q : end;
            for (char *c = memchr(p, '\n', (size_t)(stop - p)); c;
                 c = memchr(c + 1, '\n', (size_t)(stop - c - 1)))
                r->nl_inside++;
            if (!q) {
                p = end;
                break;
            }
            p = q + 1;
            r->pendq = 1;
            continue;
        }
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *lim = nl ? nl : end;
        char *q = memchr(p, '"', (size_t)(lim - p));
        if (!q) {
            if (nl)
                return nl;
            r->fstart = end[-1] == r->delim;
            p = end;
            break;
        }
        /* Only a quote that opens a field starts a quoted field; one inside
         * an unquoted field is left for split() to refuse. */
        if (q == p ? r->fstart : q[-1] == r->delim)
            r->inq = 1;
        r->fstart = 0;
        p = q + 1;
    }
    r->scan = r->end;
    return NULL;
}

/* Find the next complete line, reading and growing the buffer as needed.
 * On success [*ls, *le) is the line (without its newline); *have = 0 at EOF. */
static emb_status find_line(emb_tsv *r, size_t *ls, size_t *le, int *have)
{
    for (;;) {
        char *nl = r->csv ? csv_record_end(r)
                          : memchr(r->buf + r->scan, '\n', r->end - r->scan);
        if (nl) {
            *ls = r->beg, *le = (size_t)(nl - r->buf);
            r->beg = r->scan = *le + 1;
            *have = 1;
            r->nl_record = r->nl_inside;
            r->nl_inside = 0, r->inq = r->pendq = 0, r->fstart = 1;
            return EMB_OK;
        }
        r->scan = r->end;
        if (r->eof) {
            *have = r->beg < r->end; /* a last line without its newline */
            *ls = r->beg, *le = r->end;
            r->beg = r->scan = r->end;
            r->nl_record = r->nl_inside;
            r->nl_inside = 0, r->inq = r->pendq = 0, r->fstart = 1;
            return EMB_OK;
        }
        if (r->beg > 0) { /* slide the partial line to the front */
            memmove(r->buf, r->buf + r->beg, r->end - r->beg);
            r->end -= r->beg, r->scan -= r->beg, r->beg = 0;
        }
        if (r->end == r->cap) { /* the line fills the buffer: grow, within the limit */
            if (r->cap >= r->maxcap)
                return emb_raise(EMB_EINPUT, "%s: line %zu is longer than %zu bytes (the reader's "
                                             "limit; is this a %s text file%s?)",
                                 emb_tsv_name(r), r->line + 1, r->maxcap,
                                 r->csv ? "comma-separated" : "tab-separated",
                                 r->csv ? ", or a quote left open" : "");
            size_t nc = r->cap > r->maxcap / 2 ? r->maxcap : 2 * r->cap;
            char *nb = emb_realloc(r->buf, nc + 1, 1, "TSV read buffer");
            if (!nb)
                return EMB_ENOMEM;
            r->buf = nb, r->cap = nc;
        }
        size_t got = 0;
        emb_status st = emb_bytesrc_read(r->src, r->buf + r->end, r->cap - r->end, &got);
        if (st != EMB_OK)
            return st;
        if (got == 0)
            r->eof = 1;
        r->end += got;
    }
}

static emb_status push_field(emb_tsv *r, char *f)
{
    if (r->nf == r->fcap) {
        char **nv = emb_realloc(r->fields, 2 * r->fcap, sizeof *nv, "TSV field list");
        if (!nv)
            return EMB_ENOMEM;
        r->fields = nv, r->fcap *= 2;
    }
    r->fields[r->nf++] = f;
    return EMB_OK;
}

/* Split line p[0, len) (p[len] is writable) into fields, in place. */
static emb_status split(emb_tsv *r, char *p, size_t len)
{
    char *end = p + len;
    *end = '\0';
    r->nf = 0;
    for (;;) {
        char *start = p;
        emb_status st;
        if (*p == '"') { /* quoted: copy down over the quotes, "" -> " */
            char *w = p++;
            for (;;) {
                if (p == end)
                    return emb_tsv_fail(r, EMB_EINPUT, r->nf, "quoted field has no closing quote");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"', p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (p < end && *p != r->delim)
                return emb_tsv_fail(r, EMB_EINPUT, r->nf, "text after the closing quote");
            *w = '\0';
        } else {
            char *tab = memchr(p, r->delim, (size_t)(end - p));
            p = tab ? tab : end;
            if (r->csv && memchr(start, '"', (size_t)(p - start)))
                return emb_tsv_fail(r, EMB_EINPUT, r->nf, "quote inside an unquoted field (CSV: "
                                    "quote the whole field and double the quote inside, \"a\"\"b\")");
            *p = '\0';
        }
        if ((st = push_field(r, start)) != EMB_OK)
            return st;
        if (p == end)
            return EMB_OK;
        p++; /* past the tab */
    }
}

emb_status emb_tsv_next(emb_tsv *r, int *have)
{
    if (r->again) {
        r->again = 0;
        *have = 1;
        return EMB_OK;
    }
    size_t ls = 0, le = 0;
    r->nf = 0;
    r->line += r->nl_record; /* line breaks inside the previous record */
    r->nl_record = 0;
    emb_status st = find_line(r, &ls, &le, have);
    if (st != EMB_OK || !*have)
        return st;
    r->line++;
    if (le > ls && r->buf[le - 1] == '\r')
        le--;
    if (r->line == 1 && le - ls >= 3 && memcmp(r->buf + ls, "\xEF\xBB\xBF", 3) == 0)
        ls += 3;
    if (memchr(r->buf + ls, '\0', le - ls))
        return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL,
                            "NUL byte in the text (binary data, not a %s file?)",
                            r->csv ? "comma-separated" : "tab-separated");
    return split(r, r->buf + ls, le - ls);
}

emb_status emb_tsv_number(const emb_tsv *r, size_t i, double *out)
{
    const char *s = emb_tsv_field(r, i);
    if (i >= r->nf)
        return emb_tsv_fail(r, EMB_EINPUT, i, "missing cell (the line has %zu columns)", r->nf);
    if (!*s)
        return emb_tsv_fail(r, EMB_EINPUT, i, "empty cell where a number is expected "
                                              "(pandas writes missing values as empty cells)");
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    const char *ell = strlen(s) > 40 ? "..." : "";
    if (e == s || *e)
        return emb_tsv_fail(r, EMB_EINPUT, i, "'%.40s%s' is not a number", s, ell);
    /* strtod reads "nan", "inf" and overflows to HUGE_VAL: none is data. */
    if (!isfinite(v))
        return emb_tsv_fail(r, EMB_EINPUT, i, "'%.40s%s' is not a finite number", s, ell);
    *out = v; /* ERANGE on underflow leaves a denormal or 0: accepted */
    return EMB_OK;
}
