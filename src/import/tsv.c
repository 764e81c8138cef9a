/* src/import/tsv.c — streaming reader of tab- or comma-separated text: buffer
 * management, line (record) splitting, pandas / RFC 4180 unquoting and strict
 * number parsing (see tsv.h). */
#include "import/tsv.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "embodied/memory.h"
#include "import/numparse.h"

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
    /* A small memory limit starts with a smaller buffer (it grows for long
     * lines, within the limit) rather than refusing a short file.  A file
     * smaller than that gets a buffer its size (plus the byte that lets the
     * read after it see end of file at once): the unit.txt and label files
     * of a table are kilobytes, and a megabyte each is memory to map, fault
     * in and unmap for nothing.  The size is only a hint (a zip may misstate
     * it): a longer line still grows the buffer. */
    size_t bufsize = emb_block_bytes(EMB_TSV_BUFSIZE);
    unsigned long long size = emb_bytesrc_size(src);
    if (size > 0 && size < bufsize)
        bufsize = (size_t)size + 1;
    return emb_tsv_open(src, bufsize < 4096 ? 4096 : bufsize, EMB_TSV_MAXLINE, out);
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

void emb_tsv_set_lines(emb_tsv *r, char delim)
{
    r->delim = delim;
    r->csv = 0; /* lines end at '\n' whatever the quotes say */
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

/* The line being read, buf[beg, end), is incomplete: the 1-based column
 * its end is in (delimiters counted; in CSV those inside quotes are not). */
static size_t partial_column(const emb_tsv *r)
{
    size_t col = 1;
    int inq = 0;
    for (size_t i = r->beg; i < r->end; i++) {
        char c = r->buf[i];
        if (r->csv && c == '"')
            inq = !inq;
        else if (c == r->delim && !inq)
            col++;
    }
    return col;
}

/* Raise EMB_EINPUT "<file>: line L, column C: ..." for the incomplete line. */
static emb_status partial_fail(const emb_tsv *r, const char *fmt, ...) EMB_PRINTF(2, 3);
static emb_status partial_fail(const emb_tsv *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return emb_raise(EMB_EINPUT, "%s: line %zu, column %zu: %s", emb_tsv_name(r), r->line + 1,
                     partial_column(r), msg);
}

/* The longest line the buffer may grow to: the reader's limit, and at most
 * a quarter of the memory limit (the buffer is one allocation of the import
 * beside the table it fills). */
static size_t line_limit(const emb_tsv *r, int *by_mem)
{
    size_t lim = r->maxcap, mem = emb_memory_limit() / 4;
    *by_mem = mem < lim;
    if (mem < lim)
        lim = mem;
    return lim < r->cap ? r->cap : lim;
}

/* Before the buffer grows for a long line: the field it ends in must not
 * already be longer than EMB_TSV_MAXFIELD (outside quotes), so a megabyte of
 * bytes without a delimiter stops the reader at its first buffer. */
static emb_status check_partial(const emb_tsv *r)
{
    if (r->csv && r->inq)
        return EMB_OK; /* a quoted field may hold delimiters: the line limit decides */
    size_t i = r->end;
    while (i > r->beg && r->buf[i - 1] != r->delim)
        i--;
    if (r->end - i > EMB_TSV_MAXFIELD)
        return partial_fail(r, "a field longer than %zu bytes (the longest label allowed; "
                               "numbers are far shorter: binary data, or not %s text?)",
                            EMB_TSV_MAXFIELD,
                            r->delim == '\t' ? "tab-separated" : "comma-separated");
    return EMB_OK;
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
        if (r->end == r->cap) { /* the line fills the buffer: grow, within the limits */
            emb_status st = check_partial(r);
            if (st)
                return st;
            int by_mem = 0;
            size_t lim = line_limit(r, &by_mem);
            if (r->cap >= lim)
                return partial_fail(r, "the line is longer than %zu bytes, the reader's limit%s "
                                       "(is this a %s text file%s?)", lim,
                                    by_mem ? " (a quarter of the memory limit)" : "",
                                    r->delim == '\t' ? "tab-separated" : "comma-separated",
                                    r->csv ? ", or a quote left open" : "");
            size_t nc = r->cap > lim / 2 ? lim : 2 * r->cap;
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

static emb_status push_field(emb_tsv *r, char *f, size_t len)
{
    if (len > EMB_TSV_MAXFIELD)
        return emb_tsv_fail(r, EMB_EINPUT, r->nf, "a field of %zu bytes, longer than %zu (the "
                            "longest label allowed; numbers are far shorter)", len,
                            EMB_TSV_MAXFIELD);
    if (r->nf >= EMB_TSV_MAXFIELDS)
        return emb_tsv_fail(r, EMB_EINPUT, r->nf, "more than %zu columns (the reader's limit; no "
                            "MRIO table is that wide)", EMB_TSV_MAXFIELDS);
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
        size_t flen;
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
            flen = (size_t)(w - start);
        } else {
            char *tab = memchr(p, r->delim, (size_t)(end - p));
            p = tab ? tab : end;
            if (r->csv && memchr(start, '"', (size_t)(p - start)))
                return emb_tsv_fail(r, EMB_EINPUT, r->nf, "quote inside an unquoted field (CSV: "
                                    "quote the whole field and double the quote inside, \"a\"\"b\")");
            *p = '\0';
            flen = (size_t)(p - start);
        }
        if ((st = push_field(r, start, flen)) != EMB_OK)
            return st;
        if (p == end)
            return EMB_OK;
        p++; /* past the tab */
    }
}

/* Advance to the next line and return it in [*p, *p + *len): the newline
 * (and a CR before it) and a first line's byte-order mark removed, NUL
 * bytes refused.  (*p)[*len] is writable.  *have = 0 at end of file. */
static emb_status take_line(emb_tsv *r, char **p, size_t *len, int *have)
{
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
                            r->delim == '\t' ? "tab-separated" : "comma-separated");
    *p = r->buf + ls, *len = le - ls;
    return EMB_OK;
}

emb_status emb_tsv_next(emb_tsv *r, int *have)
{
    if (r->again) {
        r->again = 0;
        *have = 1;
        return EMB_OK;
    }
    char *p = NULL;
    size_t len = 0;
    emb_status st = take_line(r, &p, &len, have);
    if (st != EMB_OK || !*have)
        return st;
    return split(r, p, len);
}

emb_status emb_tsv_next_row2(emb_tsv *r, const char *h0, const char *h1, int *header, int *have)
{
    for (;;) {
        emb_status st = emb_tsv_next(r, have);
        if (st || !*have)
            return st;
        if (emb_tsv_blank(r) || emb_tsv_field(r, 0)[0] == '#')
            continue;
        if (*header)
            return EMB_OK;
        if (emb_tsv_nfields(r) != 2 || strcmp(emb_tsv_field(r, 0), h0) != 0 ||
            strcmp(emb_tsv_field(r, 1), h1) != 0)
            return emb_tsv_fail(r, EMB_EINPUT, EMB_TSV_NOCOL,
                                "the header must be '%s,%s' (found '%s%s%s%s')", h0, h1,
                                emb_tsv_field(r, 0), emb_tsv_nfields(r) > 1 ? "," : "",
                                emb_tsv_field(r, 1), emb_tsv_nfields(r) > 2 ? ",..." : "");
        *header = 1;
    }
}

emb_status emb_tsv_next_line(emb_tsv *r, char **line, size_t *len, int *have)
{
    r->again = 0;
    emb_status st = take_line(r, line, len, have);
    if (st == EMB_OK && *have)
        (*line)[*len] = '\0'; /* the buffer's spare byte, or the newline */
    return st;
}

/* The fast path of emb_tsv_next_numbers: line p[0, len) is nlead cells
 * without quotes and n numbers that emb_parse_decimal decides, separated by
 * the delimiter.  Then the fields are set exactly as split() sets them and
 * the numbers are in out; else 0 and nothing was changed (not even the
 * line).  A quote anywhere in a label cell goes to split(), which unquotes
 * it or (CSV) refuses it. */
static int fast_row(emb_tsv *r, char *p, size_t len, size_t nlead, size_t n, double *out)
{
    char *end = p + len, **f = r->fields, *q = p, d = r->delim;
    size_t nf = nlead + n;
    if (n == 0 || nf > r->fcap)
        return 0; /* the header rows' split() has grown fcap by the data rows */
    *end = '\0';
    for (size_t i = 0; i < nlead; i++) {
        char *sep = memchr(q, d, (size_t)(end - q));
        if (!sep || memchr(q, '"', (size_t)(sep - q)) || (size_t)(sep - q) > EMB_TSV_MAXFIELD)
            return 0; /* split() names what is wrong */
        f[i] = q;
        q = sep + 1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = emb_parse_decimal(q, &out[i]);
        if (!e || (*e != d && e != end) || (*e == d) != (i + 1 < n))
            return 0; /* text, a quote, a hard number, too few or too many cells */
        f[nlead + i] = q;
        q = (char *)e + 1;
    }
    for (size_t i = 1; i < nf; i++) /* commit: terminate every field */
        f[i][-1] = '\0';
    r->nf = nf;
    return 1;
}

emb_status emb_tsv_next_numbers(emb_tsv *r, size_t nlead, size_t n, double *out, int *have,
                                int *parsed)
{
    *parsed = 0;
    if (r->again)
        return emb_tsv_next(r, have);
    char *p = NULL;
    size_t len = 0;
    emb_status st = take_line(r, &p, &len, have);
    if (st != EMB_OK || !*have)
        return st;
    if (fast_row(r, p, len, nlead, n, out)) {
        *parsed = 1;
        return EMB_OK;
    }
    return split(r, p, len);
}

/* Field i as a finite double, or the error naming it.  The fast parser
 * decides plain decimals (bit-identical to strtod, see numparse.h); strtod
 * gives its verdict on everything else. */
static emb_status parse_cell(const emb_tsv *r, size_t i, const char *s, double *out)
{
    if (emb_parse_double(s, out))
        return EMB_OK;
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

emb_status emb_tsv_number(const emb_tsv *r, size_t i, double *out)
{
    if (i >= r->nf)
        return emb_tsv_fail(r, EMB_EINPUT, i, "missing cell (the line has %zu columns)", r->nf);
    return parse_cell(r, i, r->fields[i], out);
}

emb_status emb_tsv_numbers(const emb_tsv *r, size_t first, size_t n, double *out)
{
    if (n > r->nf || first > r->nf - n) /* name the first missing cell */
        return emb_tsv_fail(r, EMB_EINPUT, r->nf > first ? r->nf : first,
                            "missing cell (the line has %zu columns)", r->nf);
    char *const *f = r->fields + first;
    for (size_t c = 0; c < n; c++)
        if (!emb_parse_double(f[c], &out[c])) {
            emb_status st = parse_cell(r, first + c, f[c], &out[c]);
            if (st)
                return st;
        }
    return EMB_OK;
}
