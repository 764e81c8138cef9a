/* src/import/factors.c — reading a characterisation factor file into rows
 * (see factors.h): lines from the delimited-text reader, cells split here
 * (RFC 4180 quoting on one line, blanks around cells trimmed, '#' comment
 * and blank lines skipped), the header and every cell checked. */
#include "import/factors.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "embodied/memory.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const emb_factor_colname[EMB_FCOL_N] = {"stressor", "impact", "factor", "unit",
                                                    "stressor_unit"};
#define MIN_COLS 3 /* stressor, impact, factor; unit and stressor_unit are optional */

static emb_status fail_at(const emb_tsv *r, size_t col, const char *fmt, ...) EMB_PRINTF(3, 4);
static emb_status fail_at(const emb_tsv *r, size_t col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        return emb_raise(EMB_EINPUT, "%s: line %zu, column %zu (%s): %s", emb_tsv_name(r),
                         emb_tsv_lineno(r), col, emb_factor_colname[col - 1], msg);
    return emb_raise(EMB_EINPUT, "%s: line %zu: %s", emb_tsv_name(r), emb_tsv_lineno(r), msg);
}

static int blank(int c) { return c == ' ' || c == '\t'; }

/* Split line p (NUL-terminated) into at most EMB_FCOL_N + 1 cells in place:
 * RFC 4180 quoting ("" inside quotes is one "), blanks around cells
 * trimmed.  *nf = number of cells (EMB_FCOL_N + 1 and more: "too many"). */
static emb_status split_csv(const emb_tsv *r, char *p, char **cells, size_t *nf)
{
    *nf = 0;
    for (;;) {
        while (blank(*p))
            p++;
        char *start = p, *end;
        if (*p == '"') {
            char *w = start;
            for (p++;; p++) {
                if (!*p)
                    return fail_at(r, 0, "cell %zu: quoted cell has no closing quote", *nf + 1);
                if (*p == '"') {
                    if (p[1] != '"')
                        break;
                    p++;
                }
                *w++ = *p;
            }
            end = w;
            p++;
            while (blank(*p))
                p++;
            if (*p && *p != ',')
                return fail_at(r, 0, "cell %zu: text after the closing quote", *nf + 1);
        } else {
            p += strcspn(p, ",");
            end = p;
            while (end > start && blank(end[-1]))
                end--;
        }
        if (*nf <= EMB_FCOL_N)
            cells[*nf] = start;
        (*nf)++;
        int more = *p == ',';
        *end = '\0';
        if (!more)
            return EMB_OK;
        p++;
    }
}

static emb_status read_header(const emb_tsv *r, emb_factors *fs, char **cells, size_t nf)
{
    if (nf < MIN_COLS || nf > EMB_FCOL_N)
        return fail_at(r, 0, "the header must be 'stressor,impact,factor[,unit[,stressor_unit]]' "
                             "(found %zu columns)", nf);
    for (size_t c = 0; c < nf; c++)
        if (strcmp(cells[c], emb_factor_colname[c]) != 0)
            return fail_at(r, 0, "header column %zu is '%s', expected '%s' (the header must be "
                                 "'stressor,impact,factor[,unit[,stressor_unit]]')",
                           c + 1, cells[c], emb_factor_colname[c]);
    fs->ncols = nf;
    return EMB_OK;
}

static emb_status read_row(const emb_tsv *r, emb_factors *fs, char **cells, size_t nf)
{
    if (nf != fs->ncols)
        return fail_at(r, 0, "%zu cells, the header has %zu", nf, fs->ncols);
    for (size_t c = EMB_FCOL_STRESSOR; c <= EMB_FCOL_FACTOR; c++)
        if (!*cells[c])
            return fail_at(r, c + 1, "empty cell");
    char *e;
    errno = 0;
    double v = strtod(cells[EMB_FCOL_FACTOR], &e);
    if (e == cells[EMB_FCOL_FACTOR] || *e || !isfinite(v))
        return fail_at(r, EMB_FCOL_FACTOR + 1, "'%.40s' is not a finite number",
                       cells[EMB_FCOL_FACTOR]);
    if (fs->n == fs->cap) {
        size_t nc = fs->cap ? 2 * fs->cap : 16;
        emb_factor_row *nr = emb_realloc(fs->rows, nc, sizeof *nr, "characterisation rows");
        if (!nr)
            return EMB_ENOMEM;
        fs->rows = nr, fs->cap = nc;
    }
    emb_factor_row *row = &fs->rows[fs->n++];
    memset(row, 0, sizeof *row);
    row->line = emb_tsv_lineno(r), row->factor = v;
    for (size_t c = 0; c < nf; c++)
        if (*cells[c] && !(row->f[c] = emb_strdup(cells[c])))
            return EMB_ENOMEM;
    return EMB_OK;
}

emb_status emb_factors_read(const char *path, emb_factors *fs)
{
    memset(fs, 0, sizeof *fs);
    emb_bytesrc *src = NULL;
    emb_tsv *r = NULL;
    emb_status st = emb_bytesrc_open_file(path, "characterisation file", &src);
    if (st)
        return st;
    /* The first buffer: the file's size when small (they are kilobytes),
     * never more than the line limit; it grows only for a long line. */
    size_t bufsize = EMB_FACTORS_MAXLINE;
    unsigned long long size = emb_bytesrc_size(src);
    if (size > 0 && size < bufsize)
        bufsize = (size_t)size + 1;
    if (bufsize < 4096)
        bufsize = 4096;
    if ((st = emb_tsv_open(src, bufsize, EMB_FACTORS_MAXLINE, &r)))
        return st;
    emb_tsv_set_lines(r, ',');
    char *cells[EMB_FCOL_N + 1];
    for (;;) {
        char *p;
        size_t len, nf;
        int have = 0;
        if ((st = emb_tsv_next_line(r, &p, &len, &have)) || !have)
            break;
        size_t lead = strspn(p, " \t");
        if (p[lead] == '\0' || p[lead] == '#')
            continue; /* blank or comment */
        if ((st = split_csv(r, p, cells, &nf)))
            break;
        if ((st = fs->ncols ? read_row(r, fs, cells, nf) : read_header(r, fs, cells, nf)))
            break;
    }
    if (!st && !fs->ncols)
        st = emb_raise(EMB_EINPUT, "%s: no header line 'stressor,impact,factor[,unit[,"
                                   "stressor_unit]]'", path);
    if (!st && fs->n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no characterisation factors (only a header)", path);
    emb_tsv_close(r);
    return st;
}

void emb_factors_free(emb_factors *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n; i++)
        for (size_t c = 0; c < EMB_FCOL_N; c++)
            emb_free(fs->rows[i].f[c]);
    emb_free(fs->rows);
    memset(fs, 0, sizeof *fs);
}
