/* src/report/series.h — the batch time series (DIR/series.csv of `embodied
 * batch`) for the report: reading, its identity check and its chart. */
#ifndef EMB_REPORT_SERIES_H
#define EMB_REPORT_SERIES_H

#include <stddef.h>
#include <stdio.h>

#include "embodied/error.h"

/* One line of series.csv:
 *   year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind
 * (kind "region" or "group"; further columns are ignored). */
typedef struct emb_series_row {
    long year;
    char *stressor, *unit, *region;
    int group;
    double pba, cba, imp, exp, unal;
} emb_series_row;

typedef struct emb_series {
    size_t n;
    emb_series_row *rows;
} emb_series;

/* Read path into *s, rows sorted by (stressor, year, kind, region)
 * (EMB_EINPUT naming the line and column of the first malformed cell, a
 * header other than the one above, a line over 1 MiB, or a repeated (year,
 * stressor, region, kind); EMB_EIO when it cannot be read). */
emb_status emb_series_read(const char *path, emb_series *s);

/* The identity the chart rests on: for each (year, stressor), the sum over
 * the region rows of exports - imports is 0 (every export is someone's
 * import), to 1e-9 of the largest magnitude times the number of regions
 * (EMB_ENUMERIC naming the year and stressor otherwise). */
emb_status emb_series_check(const emb_series *s, const char *path);

/* Rows of stressor name (none: 0). */
size_t emb_series_count(const emb_series *s, const char *stressor);

/* The chart (SVG, id "series"): PBA (solid) and CBA (dashed) per region or
 * group over the years for one stressor, the `max_lines` largest by |CBA| of
 * the last year (EMB_ENOMEM); every point a <circle class="pt" data-series data-region
 * data-kind data-year data-value>.  The table: every row of the stressor. */
emb_status emb_series_chart(FILE *fp, const emb_series *s, const char *stressor, size_t max_lines,
                            int standalone);
void emb_series_table(FILE *fp, const emb_series *s, const char *stressor);

void emb_series_free(emb_series *s);

/* Shared with report.c: HTML/XML escaping, and the opening of a chart's
 * <svg> (760 wide, h high) with its <title> and visible title. */
void emb_report_esc(FILE *fp, const char *s);
void emb_report_svg_open(FILE *fp, const char *id, double h, const char *title, int standalone);

#endif
