/* src/report/series.c — the report's time series: reads the batch series file
 * (DIR/series.csv, header year,stressor,unit,region,pba,cba,imports,exports,
 * unallocated,kind), checks that embodied trade balances every year, and
 * draws PBA and CBA over the years as a line chart with its numbers. */
#include "report/series.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static const char *const COLS[] = {"year", "stressor", "unit", "region", "pba", "cba",
                                   "imports", "exports", "unallocated", "kind"};
#define NCOLS 10

/* Okabe-Ito, without black (the axes) and yellow (too pale on white). */
static const char *const PALETTE[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                      "#CC79A7", "#56B4E9", "#000000"};
#define NPAL 7
/* A series line is a few hundred bytes; a longer one is not a series file. */
#define MAX_LINE (1u << 20)

/* Rows in order of (stressor, year, kind, region): a repeated key is
 * adjacent, a (stressor, year) is one run, a region's points come in year order. */
static int row_cmp(const void *x, const void *y)
{
    const emb_series_row *a = x, *b = y;
    int c = strcmp(a->stressor, b->stressor);
    if (c)
        return c;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->group != b->group)
        return a->group - b->group;
    return strcmp(a->region, b->region);
}

void emb_series_free(emb_series *s)
{
    for (size_t i = 0; s && i < s->n; i++) {
        emb_free(s->rows[i].stressor);
        emb_free(s->rows[i].unit);
        emb_free(s->rows[i].region);
    }
    if (s) {
        emb_free(s->rows);
        s->rows = NULL;
        s->n = 0;
    }
}

/* Split one CSV line (RFC 4180 quotes, no embedded newlines) in place into
 * at most max cells; returns the number of cells, or -1 on a bad quote. */
static int split(char *line, char **cell, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return n + 1; /* more cells than wanted: the caller ignores the rest */
        if (*p == '"') {
            char *w = ++p;
            cell[n++] = w;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = '\0';
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p)
                return -1;
            return n;
        }
        cell[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            return n;
        *c = '\0';
        p = c + 1;
    }
}

static int number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && errno != ERANGE && isfinite(*v);
}

emb_status emb_series_read(const char *path, emb_series *s)
{
    memset(s, 0, sizeof *s);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return emb_raise(EMB_EIO, "%s: cannot open the series file: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, alloc = 0, lineno = 0;
    ssize_t len;
    emb_status st = EMB_OK;
    while (!st && (len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if ((size_t)len > MAX_LINE) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: longer than %u bytes (not a series file)",
                           path, lineno, MAX_LINE);
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *cell[NCOLS + 1];
        int n = split(line, cell, NCOLS);
        if (lineno == 1) {
            int ok = n >= NCOLS;
            for (int c = 0; ok && c < NCOLS; c++)
                ok = strcmp(cell[c], COLS[c]) == 0;
            if (!ok)
                st = emb_raise(EMB_EINPUT, "%s: line 1: expected the header year,stressor,unit,"
                               "region,pba,cba,imports,exports,unallocated,kind (the series file "
                               "of embodied batch)", path);
            continue;
        }
        if (len == 0)
            continue;
        if (n < NCOLS) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: expected %d cells, found %s", path, lineno,
                           NCOLS, n < 0 ? "an unterminated quote" : "fewer");
            break;
        }
        if (s->n == alloc) {
            size_t na = alloc ? 2 * alloc : 64;
            emb_series_row *r = emb_realloc(s->rows, na, sizeof *r, "series rows");
            if (!r) {
                st = EMB_ENOMEM;
                break;
            }
            s->rows = r;
            alloc = na;
        }
        emb_series_row *r = &s->rows[s->n];
        memset(r, 0, sizeof *r);
        double v[5], y;
        int c = 0;
        if (!number(cell[0], &y) || y != floor(y) || y < 0 || y > 1e6)
            c = 1;
        for (int j = 0; !c && j < 5; j++)
            if (!number(cell[4 + j], &v[j]))
                c = 5 + j;
        int kind = strcmp(cell[9], "group") == 0 ? 1 : strcmp(cell[9], "region") == 0 ? 0 : -1;
        if (!c && kind < 0)
            c = 10;
        if (!c && (!*cell[1] || !*cell[3]))
            c = *cell[1] ? 4 : 2;
        if (c) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: column %d (%s): expected %s, found '%s'", path,
                           lineno, c, COLS[c - 1],
                           c == 1 ? "a year" : c == 10 ? "region or group"
                                  : c <= 4 ? "a name" : "a finite number", cell[c - 1]);
            break;
        }
        *r = (emb_series_row){(long)y, emb_strdup(cell[1]), emb_strdup(cell[2]), emb_strdup(cell[3]),
                              kind, v[0], v[1], v[2], v[3], v[4]};
        s->n++;
        if (!r->stressor || !r->unit || !r->region)
            st = EMB_ENOMEM;
    }
    if (!st && ferror(fp))
        st = emb_raise(EMB_EIO, "%s: read error", path);
    if (!st && lineno == 0)
        st = emb_raise(EMB_EINPUT, "%s: empty (expected the header of a series file)", path);
    if (!st && s->n)
        qsort(s->rows, s->n, sizeof *s->rows, row_cmp);
    for (size_t i = 1; !st && i < s->n; i++) {
        const emb_series_row *r = &s->rows[i];
        if (row_cmp(r - 1, r) == 0)
            st = emb_raise(EMB_EINPUT, "%s: year %ld, stressor %s, %s %s: repeated", path, r->year,
                           r->stressor, r->group ? "group" : "region", r->region);
    }
    free(line); /* getline's buffer comes from the C library */
    fclose(fp);
    if (st)
        emb_series_free(s);
    return st;
}

emb_status emb_series_check(const emb_series *s, const char *path)
{
    /* rows are sorted: each (stressor, year) is one run */
    for (size_t i = 0; i < s->n;) {
        const emb_series_row *a = &s->rows[i];
        double sum = 0, scale = 0;
        size_t nr = 0, j = i;
        for (; j < s->n && s->rows[j].year == a->year && strcmp(s->rows[j].stressor, a->stressor) == 0;
             j++) {
            const emb_series_row *b = &s->rows[j];
            if (b->group)
                continue;
            sum += b->exp - b->imp;
            scale = fmax(scale, fmax(fabs(b->exp), fabs(b->imp)));
            nr++;
        }
        double tol = 1e-9 * fmax(scale, 1e-300) * (double)(nr ? nr : 1);
        if (fabs(sum) > tol)
            return emb_raise(EMB_ENUMERIC, "%s: year %ld, stressor %s: sum over regions of exports "
                             "- imports = %.3g, expected 0 (tolerance %.3g)", path, a->year,
                             a->stressor, sum, tol);
        i = j;
    }
    return EMB_OK;
}

size_t emb_series_count(const emb_series *s, const char *stressor)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += strcmp(s->rows[i].stressor, stressor) == 0;
    return n;
}

/* A line of the chart: one region or group. */
typedef struct line {
    const char *name;
    int group;
    double last; /* |CBA| of its last year, for the choice */
} line;

static int by_last_desc(const void *x, const void *y)
{
    const line *p = x, *q = y;
    return p->last < q->last ? 1 : p->last > q->last ? -1 : strcmp(p->name, q->name);
}

emb_status emb_series_chart(FILE *fp, const emb_series *s, const char *stressor, size_t max_lines,
                            int standalone)
{
    const double W = 760, L = 80, RGT = 170, T = 40, PH = 300;
    long y0 = 0, y1 = 0;
    double lo = 0, hi = 0;
    const char *unit = "";
    line *ln = emb_alloc(s->n ? s->n : 1, sizeof *ln, "series lines");
    if (!ln)
        return EMB_ENOMEM;
    size_t nl = 0;
    int any = 0;
    for (size_t i = 0; i < s->n; i++) {
        const emb_series_row *r = &s->rows[i];
        if (strcmp(r->stressor, stressor) != 0)
            continue;
        unit = r->unit;
        if (!any || r->year < y0)
            y0 = r->year;
        if (!any || r->year > y1)
            y1 = r->year;
        any = 1;
        lo = fmin(lo, fmin(r->pba, r->cba));
        hi = fmax(hi, fmax(r->pba, r->cba));
        size_t k = 0;
        while (k < nl && !(ln[k].group == r->group && strcmp(ln[k].name, r->region) == 0))
            k++;
        if (k == nl)
            ln[nl++] = (line){r->region, r->group, 0};
    }
    /* Each line's last year decides which lines are drawn (rows in year
     * order: the last match is the last year). */
    for (size_t k = 0; k < nl; k++)
        for (size_t i = 0; i < s->n; i++) {
            const emb_series_row *r = &s->rows[i];
            if (strcmp(r->stressor, stressor) == 0 && r->group == ln[k].group &&
                strcmp(r->region, ln[k].name) == 0)
                ln[k].last = fabs(r->cba);
        }
    qsort(ln, nl, sizeof *ln, by_last_desc);
    size_t shown = nl < max_lines ? nl : max_lines;
    if (hi - lo <= 0)
        hi = lo + 1;
    double span = y1 > y0 ? (double)(y1 - y0) : 1, pw = W - L - RGT;
#define XP(y) (L + ((double)(y) - (double)y0) / span * pw)
#define YP(v) (T + PH - ((v) - lo) / (hi - lo) * PH)
    char title[512];
    snprintf(title, sizeof title, "%s: PBA (solid) and CBA (dashed) over the years%s", stressor,
             shown < nl ? ", the largest by CBA" : "");
    emb_report_svg_open(fp, "series", T + PH + 60, title, standalone);
    for (size_t k = 0; k < shown; k++) {
        const char *col = PALETTE[k % NPAL];
        for (int b = 0; b < 2; b++) {
            fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", col,
                    b ? " stroke-dasharray=\"6 3\"" : "");
            for (size_t i = 0; i < s->n; i++) { /* sorted: in year order */
                const emb_series_row *r = &s->rows[i];
                if (r->group == ln[k].group && strcmp(r->stressor, stressor) == 0 &&
                    strcmp(r->region, ln[k].name) == 0)
                    fprintf(fp, "%.2f,%.2f ", XP(r->year), YP(b ? r->cba : r->pba));
            }
            fputs("\"/>\n", fp);
        }
        for (size_t i = 0; i < s->n; i++) {
            const emb_series_row *r = &s->rows[i];
            if (r->group != ln[k].group || strcmp(r->stressor, stressor) != 0 ||
                strcmp(r->region, ln[k].name) != 0)
                continue;
            for (int b = 0; b < 2; b++) {
                fprintf(fp, "<circle class=\"pt\" data-series=\"%s\" data-region=\"", b ? "cba" : "pba");
                emb_report_esc(fp, r->region);
                fprintf(fp, "\" data-kind=\"%s\" data-year=\"%ld\" data-value=\"%.17g\" cx=\"%.2f\" "
                        "cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", r->group ? "group" : "region", r->year,
                        b ? r->cba : r->pba, XP(r->year), YP(b ? r->cba : r->pba), col);
            }
        }
        /* legend at the right */
        double ly = T + 12 + 16 * (double)k;
        fprintf(fp, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                "stroke-width=\"2\"/><text x=\"%.0f\" y=\"%.0f\"%s>", W - RGT + 10, ly - 4,
                W - RGT + 30, ly - 4, col, W - RGT + 36, ly,
                ln[k].group ? " font-style=\"italic\"" : "");
        if (ln[k].group)
            fputs("group ", fp);
        emb_report_esc(fp, ln[k].name);
        fputs("</text>\n", fp);
    }
    /* axes, ticks and their labels */
    fprintf(fp, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#000\"/>\n", L, T,
            L, T + PH);
    fprintf(fp, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" y2=\"%.2f\" stroke=\"#000\"/>\n", L,
            YP(fmax(lo, 0)), W - RGT, YP(fmax(lo, 0)));
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4;
        fprintf(fp, "<text x=\"%.0f\" y=\"%.2f\" text-anchor=\"end\">%.4g</text>\n", L - 4,
                YP(v) + 4, v);
    }
    long step = (y1 - y0) / 8 + 1;
    for (long y = y0; y <= y1; y += step)
        fprintf(fp, "<text x=\"%.2f\" y=\"%.0f\" text-anchor=\"middle\">%ld</text>\n", XP(y),
                T + PH + 16, y);
    fprintf(fp, "<text class=\"axis-label\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">year</text>\n",
            L + pw / 2, T + PH + 36);
    fprintf(fp, "<text class=\"axis-label\" x=\"14\" y=\"%.0f\" transform=\"rotate(-90 14 %.0f)\" "
            "text-anchor=\"middle\">emissions (", T + PH / 2, T + PH / 2);
    emb_report_esc(fp, unit);
    fputs(")</text>\n</svg>\n", fp);
#undef XP
#undef YP
    emb_free(ln);
    return EMB_OK;
}

void emb_series_table(FILE *fp, const emb_series *s, const char *stressor)
{
    const char *unit = "";
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].stressor, stressor) == 0)
            unit = s->rows[i].unit;
    fputs("<details><summary>Numbers</summary><table><tr><th>year</th><th>region or group</th>", fp);
    fputs("<th>kind</th><th>PBA (", fp);
    emb_report_esc(fp, unit);
    fputs(")</th><th>CBA (", fp);
    emb_report_esc(fp, unit);
    fputs(")</th></tr>\n", fp);
    for (size_t i = 0; i < s->n; i++) {
        const emb_series_row *r = &s->rows[i];
        if (strcmp(r->stressor, stressor) != 0)
            continue;
        fprintf(fp, "<tr><td>%ld</td><td>", r->year);
        emb_report_esc(fp, r->region);
        fprintf(fp, "</td><td>%s</td><td>%.17g</td><td>%.17g</td></tr>\n",
                r->group ? "group" : "region", r->pba, r->cba);
    }
    fputs("</table></details>\n", fp);
}
