/* src/report/report.c — `embodied report`: reads a results HDF5 file (layout in
 * README "Outputs") and writes one self-contained HTML page (inline SVG and
 * CSS, no script, nothing from the network) with the PBA vs CBA and balance
 * charts, each with its numbers in a <details> table, the data facts and the
 * provenance (with the input's SHA-256 and the run's warnings when the file
 * has them), the time series of a batch series file (report/series.c);
 * optionally each chart as a standalone SVG.  Written atomically
 * through src/results/output.h. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "embodied/report.h"
#include "io/h5util.h"
#include "io/input.h"
#include "report/series.h"
#include "results/output.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Okabe-Ito colours (readable with the common colour-vision deficiencies). */
#define C_PBA "#0072B2"
#define C_CBA "#E69F00"
#define C_POS "#009E73"
#define C_NEG "#D55E00"

typedef struct rep {
    size_t R, k, G, n_lab, n_s;
    char **regions, **stressors, **units, **groups, **sectors;
    double *flows, *fbs;                             /* [k][R][R], [k][N][R] or NULL */
    size_t **members, *n_members;                    /* group members (region indices) */
    double *pba, *cba, *imp, *exp, *bal, *unal;      /* [k][R] */
    double *gpba, *gcba, *gimp, *gexp;               /* [k][G] */
    char *input, *version, *solver, *created, *sha256, *warnings; /* the last two may be NULL */
    long zero_out, neg_fd, have_zero, have_neg;
    double res_solve, res_mult, ident;
    int have_res_solve, have_res_mult, have_ident;
} rep;

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        emb_free(s[i]);
    emb_free(s);
}

static void rep_free(rep *r)
{
    free_strings(r->regions, r->R);
    free_strings(r->stressors, r->k);
    free_strings(r->units, r->k);
    for (size_t g = 0; r->members && g < r->G; g++)
        emb_free(r->members[g]);
    emb_free(r->members);
    emb_free(r->n_members);
    free_strings(r->groups, r->G);
    free_strings(r->sectors, r->n_s);
    emb_free(r->flows);
    emb_free(r->fbs);
    double *d[] = {r->pba, r->cba, r->imp, r->exp, r->bal, r->unal, r->gpba, r->gcba, r->gimp, r->gexp};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        emb_free(d[i]);
    emb_free(r->input);
    emb_free(r->version);
    emb_free(r->solver);
    emb_free(r->created);
    emb_free(r->sha256);
    emb_free(r->warnings);
}

static emb_status read_labels(hid_t f, const char *fn, const char *name, size_t expect, char ***out,
                              size_t *n)
{
    emb_status st = emb_h5_probe_strings(f, fn, name, n, NULL);
    if (!st)
        st = emb_h5_read_strings(f, fn, name, expect, 0, out, n);
    return st;
}

static emb_status read_kx(hid_t f, const char *fn, const char *name, size_t k, size_t n, double **out)
{
    size_t dims[2] = {k, n}, kn;
    if (emb_mul_overflows(k, n, &kn))
        return emb_raise(EMB_EINPUT, "%s: dataset %s: %zu x %zu is too large", fn, name, k, n);
    if (!(*out = emb_alloc(kn ? kn : 1, sizeof **out, name)))
        return EMB_ENOMEM;
    return emb_h5_read_doubles(f, fn, name, 2, dims, *out);
}

/* A scalar double attribute of the file root; *present = 0 when absent. */
static emb_status attr_double(hid_t f, const char *fn, const char *name, double *v, int *present)
{
    *present = 0;
    if (H5Aexists(f, name) <= 0)
        return EMB_OK;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Aread(a, H5T_NATIVE_DOUBLE, v);
    if (a >= 0)
        H5Aclose(a);
    if (e < 0)
        return emb_raise(EMB_EINPUT, "%s: attribute %s: expected a number", fn, name);
    *present = 1;
    return EMB_OK;
}

static emb_status rep_read(rep *r, const char *fn)
{
    emb_h5_init();
    emb_status tst = emb_input_check_type(fn, "a results file");
    if (tst)
        return tst;
    hid_t f = H5Fopen(fn, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return emb_raise(EMB_EINPUT, "%s: cannot open as HDF5 (expected a results file of "
                                     "`embodied accounts -o`)", fn);
    char *fmt = NULL;
    int present = 0;
    emb_status st = emb_h5_attr_read_string(f, fn, "results_format", &fmt, &present);
    if (!st && (!present || strcmp(fmt, "embodied-results") != 0))
        st = emb_raise(EMB_EINPUT, "%s: attribute results_format: expected \"embodied-results\"", fn);
    emb_free(fmt);
    if (!st)
        st = read_labels(f, fn, "regions", 0, &r->regions, &r->R);
    if (!st)
        st = read_labels(f, fn, "stressors", 0, &r->stressors, &r->k);
    size_t nu = 0;
    if (!st)
        st = read_labels(f, fn, "stressor_units", r->k, &r->units, &nu);
    size_t k = r->k, R = r->R;
    if (!st)
        st = read_kx(f, fn, "pba", k, R, &r->pba);
    if (!st)
        st = read_kx(f, fn, "cba", k, R, &r->cba);
    if (!st)
        st = read_kx(f, fn, "imports", k, R, &r->imp);
    if (!st)
        st = read_kx(f, fn, "exports", k, R, &r->exp);
    if (!st)
        st = read_kx(f, fn, "balance", k, R, &r->bal);
    if (!st)
        st = read_kx(f, fn, "unallocated", k, R, &r->unal);
    if (!st)
        st = read_labels(f, fn, "sectors", 0, &r->sectors, &r->n_s);
    size_t RR = 0, NR = 0;
    if (!st && (emb_mul_overflows(R, R, &RR) || emb_mul_overflows(R * r->n_s, R, &NR)))
        st = emb_raise(EMB_EINPUT, "%s: regions x sectors: too large", fn);
    if (!st) {
        size_t d3[3] = {k, R, R};
        if (!(r->flows = emb_alloc((k && RR) ? k * RR : 1, sizeof *r->flows, "flows")))
            st = EMB_ENOMEM;
        else
            st = emb_h5_read_doubles(f, fn, "flows", 3, d3, r->flows);
    }
    if (!st && H5Lexists(f, "flows_by_sector", H5P_DEFAULT) > 0) {
        size_t d3[3] = {k, R * r->n_s, R};
        if (!(r->fbs = emb_alloc((k && NR) ? k * NR : 1, sizeof *r->fbs, "flows_by_sector")))
            st = EMB_ENOMEM;
        else
            st = emb_h5_read_doubles(f, fn, "flows_by_sector", 3, d3, r->fbs);
    }
    if (!st && H5Lexists(f, "group_names", H5P_DEFAULT) > 0) {
        st = read_labels(f, fn, "group_names", 0, &r->groups, &r->G);
        if (!st)
            st = read_kx(f, fn, "group_pba", k, r->G, &r->gpba);
        if (!st)
            st = read_kx(f, fn, "group_cba", k, r->G, &r->gcba);
        if (!st)
            st = read_kx(f, fn, "group_imports", k, r->G, &r->gimp);
        if (!st)
            st = read_kx(f, fn, "group_exports", k, r->G, &r->gexp);
        if (!st && (!(r->members = emb_calloc(r->G ? r->G : 1, sizeof *r->members, "groups")) ||
                    !(r->n_members = emb_calloc(r->G ? r->G : 1, sizeof *r->n_members, "groups"))))
            st = EMB_ENOMEM;
        hid_t grp = st ? -1 : H5Gopen2(f, "groups", H5P_DEFAULT);
        if (!st && grp < 0)
            st = emb_raise(EMB_EINPUT, "%s: /groups: expected the group members", fn);
        for (size_t g = 0; !st && g < r->G; g++) {
            char **m = NULL;
            size_t nm = 0;
            if (!(st = read_labels(grp, fn, r->groups[g], 0, &m, &nm)) &&
                !(r->members[g] = emb_alloc(nm ? nm : 1, sizeof **r->members, "group members")))
                st = EMB_ENOMEM;
            for (size_t j = 0; !st && j < nm; j++) {
                size_t i = 0;
                while (i < R && strcmp(r->regions[i], m[j]) != 0)
                    i++;
                if (i == R)
                    st = emb_raise(EMB_EINPUT, "%s: /groups/%s: member %s is not a region", fn,
                                   r->groups[g], m[j]);
                else
                    r->members[g][r->n_members[g]++] = i;
            }
            free_strings(m, nm);
        }
        if (grp >= 0)
            H5Gclose(grp);
    }
    int p;
    if (!st)
        st = emb_h5_attr_read_string(f, fn, "input_file", &r->input, &p);
    if (!st)
        st = emb_h5_attr_read_string(f, fn, "embodied_version", &r->version, &p);
    if (!st)
        st = emb_h5_attr_read_string(f, fn, "solver", &r->solver, &p);
    if (!st)
        st = emb_h5_attr_read_string(f, fn, "created", &r->created, &p);
    /* Written by newer versions only (batch: input_sha256; accounts: warnings). */
    if (!st && H5Aexists(f, "input_sha256") > 0)
        st = emb_h5_attr_read_string(f, fn, "input_sha256", &r->sha256, &p);
    if (!st && H5Aexists(f, "warnings") > 0)
        st = emb_h5_attr_read_string(f, fn, "warnings", &r->warnings, &p);
    if (!st)
        st = emb_h5_attr_read_long(f, fn, "zero_output_sectors", &r->zero_out, &p), r->have_zero = p;
    if (!st)
        st = emb_h5_attr_read_long(f, fn, "negative_final_demand_entries", &r->neg_fd, &p),
        r->have_neg = p;
    if (!st)
        st = attr_double(f, fn, "max_residual_solve", &r->res_solve, &r->have_res_solve);
    if (!st)
        st = attr_double(f, fn, "max_residual_multipliers", &r->res_mult, &r->have_res_mult);
    if (!st)
        st = attr_double(f, fn, "identity_error", &r->ident, &r->have_ident);
    H5Fclose(f);
    return st;
}

/* The identities the charts rest on: balance = exports - imports per region
 * and sum over regions of the balance = 0 (every export is someone's import),
 * to 1e-9 of the largest magnitude of the stressor. */
static emb_status rep_check(const rep *r, const char *fn)
{
    for (size_t s = 0; s < r->k; s++) {
        double scale = 0, sum = 0;
        for (size_t i = 0; i < r->R; i++) {
            size_t j = s * r->R + i;
            double m = fmax(fmax(fabs(r->pba[j]), fabs(r->cba[j])), fmax(fabs(r->exp[j]), fabs(r->imp[j])));
            if (!isfinite(m) || !isfinite(r->bal[j]))
                return emb_raise(EMB_ENUMERIC, "%s: stressor %s: region %s: non-finite value", fn,
                                 r->stressors[s], r->regions[i]);
            scale = fmax(scale, m);
        }
        double tol = 1e-9 * fmax(scale, 1e-300);
        for (size_t i = 0; i < r->R; i++) {
            size_t j = s * r->R + i;
            if (fabs(r->bal[j] - (r->exp[j] - r->imp[j])) > tol)
                return emb_raise(EMB_ENUMERIC, "%s: stressor %s: region %s: balance != exports - imports "
                                 "(identity off by %.3g, tolerance %.3g)", fn, r->stressors[s],
                                 r->regions[i], r->bal[j] - (r->exp[j] - r->imp[j]), tol);
            sum += r->bal[j];
            double ex = 0, im = 0;
            const double *B = r->flows + s * r->R * r->R;
            for (size_t d = 0; d < r->R; d++)
                if (d != i) {
                    ex += B[i * r->R + d];
                    im += B[d * r->R + i];
                }
            if (fabs(ex - r->exp[j]) > tol || fabs(im - r->imp[j]) > tol)
                return emb_raise(EMB_ENUMERIC, "%s: stressor %s: region %s: exports/imports != "
                                 "off-diagonal row/column sums of flows (off by %.3g / %.3g, "
                                 "tolerance %.3g)", fn, r->stressors[s], r->regions[i],
                                 ex - r->exp[j], im - r->imp[j], tol);
        }
        if (fabs(sum) > tol * (double)(r->R ? r->R : 1))
            return emb_raise(EMB_ENUMERIC, "%s: stressor %s: sum of balances over regions = %.3g, "
                             "expected 0 (tolerance %.3g)", fn, r->stressors[s], sum,
                             tol * (double)r->R);
    }
    return EMB_OK;
}

void emb_report_esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

/* One row of a chart: a region or a group. */
typedef struct row {
    const char *name;
    int group;
    double a, b; /* PBA and CBA, or balance and unused */
} row;

/* Groups after regions; within each, descending value, then name. */
static int by_a_desc(const void *x, const void *y)
{
    const row *p = x, *q = y;
    if (p->group != q->group)
        return p->group - q->group;
    return p->a < q->a ? 1 : p->a > q->a ? -1 : strcmp(p->name, q->name);
}

#define W 760.0
#define LEFT 150.0
#define RIGHT 50.0
#define TOP 40.0

void emb_report_svg_open(FILE *fp, const char *id, double h, const char *title, int standalone)
{
    fprintf(fp, "<svg %sid=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
            "height=\"%.0f\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n",
            standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "", id, W, h, W, h);
    fputs("<title>", fp);
    emb_report_esc(fp, title);
    fprintf(fp, "</title>\n<text x=\"%.0f\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">", W / 2);
    emb_report_esc(fp, title);
    fputs("</text>\n", fp);
}

/* Horizontal bars: PBA and CBA side by side per row (two == 1), or one
 * diverging bar per row (balance). Value axis from lo to hi. */
static void chart(FILE *fp, const char *id, const char *title, const char *unit, const row *rows,
                  size_t n, int two, int standalone)
{
    double lo = 0, hi = 0;
    int pair = two == 2;
    if (pair)
        two = 0;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, fmin(rows[i].a, two ? rows[i].b : 0));
        hi = fmax(hi, fmax(rows[i].a, two ? rows[i].b : 0));
    }
    if (hi - lo <= 0)
        hi = lo + 1;
    double rh = two ? 18 : 14, h = TOP + rh * (double)n + 50, pw = W - LEFT - RIGHT;
#define XPOS(v) (LEFT + ((v) - lo) / (hi - lo) * pw)
    emb_report_svg_open(fp, id, h, title, standalone);
    if (pair)
        ;
    else if (two)
        fprintf(fp, "<rect x=\"%.0f\" y=\"26\" width=\"10\" height=\"8\" fill=\"" C_PBA "\"/>"
                "<text x=\"%.0f\" y=\"34\">PBA (production)</text>"
                "<rect x=\"%.0f\" y=\"26\" width=\"10\" height=\"8\" fill=\"" C_CBA "\"/>"
                "<text x=\"%.0f\" y=\"34\">CBA (consumption)</text>\n",
                LEFT, LEFT + 14, LEFT + 140, LEFT + 154);
    else
        fprintf(fp, "<text x=\"%.0f\" y=\"34\" fill=\"" C_POS "\">net exporter of emissions (+)</text>"
                "<text x=\"%.0f\" y=\"34\" fill=\"" C_NEG "\">net importer (-)</text>\n",
                LEFT, LEFT + 220);
    for (size_t i = 0; i < n; i++) {
        double y = TOP + rh * (double)i;
        fprintf(fp, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\"%s>", LEFT - 6, y + rh * 0.7,
                rows[i].group ? " font-style=\"italic\"" : "");
        if (rows[i].group)
            fputs("group ", fp);
        emb_report_esc(fp, rows[i].name);
        fputs("</text>\n", fp);
        for (int b = 0; b < (two ? 2 : 1); b++) {
            double v = b ? rows[i].b : rows[i].a, x0 = XPOS(fmin(0, v)), x1 = XPOS(fmax(0, v));
            const char *col = pair ? C_PBA : two ? (b ? C_CBA : C_PBA) : (v >= 0 ? C_POS : C_NEG);
            const char *ser = pair ? id : two ? (b ? "cba" : "pba") : "balance";
            double bh = two ? 7 : 10, by = y + 2 + (two ? b * 8.0 : 0);
            fprintf(fp, "<rect class=\"bar%s\" data-series=\"%s\" data-region=\"", rows[i].group ? " group" : "", ser);
            emb_report_esc(fp, rows[i].name);
            fprintf(fp, "\" data-value=\"%.17g\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
                    "fill=\"%s\"%s/>\n", v, x0, by, x1 - x0, bh, col,
                    rows[i].group ? " stroke=\"#000\" stroke-dasharray=\"2 2\"" : "");
        }
    }
    double yb = TOP + rh * (double)n + 4;
    fprintf(fp, "<line x1=\"%.2f\" y1=\"%.0f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#000\"/>\n", XPOS(0),
            TOP - 2, XPOS(0), yb);
    fprintf(fp, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#000\"/>\n", LEFT, yb,
            W - RIGHT, yb);
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4;
        fprintf(fp, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n", XPOS(v), yb + 14, v);
    }
    fprintf(fp, "<text class=\"axis-label\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"middle\">", LEFT + pw / 2, yb + 32);
    emb_report_esc(fp, pair ? "emissions embodied in the flow" : two ? "emissions" : "exports - imports");
    fputs(" (", fp);
    emb_report_esc(fp, unit);
    fputs(")</text>\n", fp);
    fprintf(fp, "<text class=\"axis-label\" x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" "
            "text-anchor=\"middle\">%s</text>\n</svg>\n", TOP + rh * n / 2, TOP + rh * n / 2,
            pair ? "origin sector" : "region");
#undef XPOS
}

static void table(FILE *fp, const row *rows, size_t n, int two, const char *unit)
{
    fprintf(fp, "<details><summary>Numbers</summary><table><tr><th>%s</th>",
            two == 2 ? "origin sector" : "region");
    if (two == 2)
        fprintf(fp, "<th>flow (%s)</th></tr>\n", unit), two = 0, unit = NULL;
    else
        fprintf(fp, two ? "<th>PBA (%s)</th><th>CBA (%s)</th></tr>\n" : "<th>balance (%s)</th></tr>\n", unit, unit);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", fp);
        if (rows[i].group)
            fputs("group ", fp);
        emb_report_esc(fp, rows[i].name);
        fprintf(fp, "</td><td>%.17g</td>", rows[i].a);
        if (two)
            fprintf(fp, "<td>%.17g</td>", rows[i].b);
        fputs("</tr>\n", fp);
    }
    fputs("</table></details>\n", fp);
}

static emb_status svg_file(const char *dir, const char *id, const char *title, const char *unit,
                           const row *rows, size_t n, int two)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.svg", dir, id) >= sizeof path)
        return emb_raise(EMB_EUSAGE, "%s: --svg directory name too long", dir);
    emb_out o;
    emb_status st = emb_out_open(&o, path);
    if (!st) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", o.fp);
        chart(o.fp, id, title, unit, rows, n, two, 1);
        st = emb_out_commit(&o);
    }
    emb_out_abort(&o);
    return st;
}


/* A row or column of the heatmap: a region or a group (its members). */
typedef struct hunit {
    const char *name;
    int group;
    const size_t *m;
    size_t n;
} hunit;

/* B[a][b] summed over the members of units a and b. */
static double hflow(const rep *r, const double *B, const hunit *a, const hunit *b)
{
    double v = 0;
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            v += B[a->m[i] * r->R + b->m[j]];
    return v;
}

/* Units sharing a region (a group and its member, overlapping groups, a unit
 * and itself) have no net transfer between them: their cell stays empty. */
static int overlap(const hunit *a, const hunit *b)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            if (a->m[i] == b->m[j])
                return 1;
    return 0;
}

/* The net-transfer heatmap: net[o][d] = B[o][d] - B[d][o] for the m largest
 * regions by PBA and the groups (u[0..m)); blue where o is a net exporter of
 * emissions to d, vermillion where it is a net importer, opacity |net|/max;
 * grey cells where o and d share a region. */
static void heatmap(FILE *fp, const rep *r, size_t s, const hunit *u, size_t m, size_t nreg,
                    const char *unit, int standalone)
{
    const double *B = r->flows + s * r->R * r->R;
    double mx = 0, cell = 40, x0 = 120, y0 = 70;
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++)
            if (!overlap(&u[a], &u[b]))
                mx = fmax(mx, fabs(hflow(r, B, &u[a], &u[b]) - hflow(r, B, &u[b], &u[a])));
    char title[512];
    snprintf(title, sizeof title, "%s: net transfers B[o][d] - B[d][o] between the %zu largest regions%s",
             r->stressors[s], nreg, m > nreg ? " and the groups" : "");
    emb_report_svg_open(fp, "net_heatmap", y0 + cell * (double)m + 60, title, standalone);
    fprintf(fp, "<text x=\"%.0f\" y=\"40\" fill=\"" C_PBA "\">origin (row) net exporter to destination</text>"
            "<text x=\"%.0f\" y=\"54\" fill=\"" C_NEG "\">origin (row) net importer from destination</text>\n",
            x0, x0);
    for (size_t a = 0; a < m; a++) {
        const char *it = u[a].group ? " font-style=\"italic\"" : "";
        fprintf(fp, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\"%s>", x0 - 6,
                y0 + cell * (double)a + cell * 0.6, it);
        emb_report_esc(fp, u[a].name);
        fprintf(fp, "</text><text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\"%s>",
                x0 + cell * (double)a + cell / 2, y0 + cell * (double)m + 14, it);
        emb_report_esc(fp, u[a].name);
        fputs("</text>\n", fp);
        for (size_t b = 0; b < m; b++) {
            if (overlap(&u[a], &u[b]) && a != b) {
                fprintf(fp, "<rect class=\"cell-overlap\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
                        "height=\"%.0f\" fill=\"#eee\" stroke=\"#ccc\"/>\n", x0 + cell * (double)b,
                        y0 + cell * (double)a, cell, cell);
                continue;
            }
            double v = a == b ? 0 : hflow(r, B, &u[a], &u[b]) - hflow(r, B, &u[b], &u[a]);
            fputs("<rect class=\"cell\" data-origin=\"", fp);
            emb_report_esc(fp, u[a].name);
            fputs("\" data-destination=\"", fp);
            emb_report_esc(fp, u[b].name);
            fprintf(fp, "\" data-value=\"%.17g\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
                    "fill=\"%s\" fill-opacity=\"%.3f\" stroke=\"#ccc\"/>\n", v, x0 + cell * (double)b,
                    y0 + cell * (double)a, cell, cell, v >= 0 ? C_PBA : C_NEG, mx > 0 ? fabs(v) / mx : 0);
        }
    }
    fprintf(fp, "<text class=\"axis-label\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">destination "
            "(columns); colour scale: |net| up to %.4g ", x0 + cell * (double)m / 2, y0 + cell * (double)m + 34, mx);
    emb_report_esc(fp, unit);
    fprintf(fp, "</text>\n<text class=\"axis-label\" x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" "
            "text-anchor=\"middle\">origin (rows)</text>\n</svg>\n", y0 + cell * m / 2, y0 + cell * m / 2);
}

static void heat_table(FILE *fp, const rep *r, size_t s, const hunit *u, size_t m, const char *unit)
{
    const double *B = r->flows + s * r->R * r->R;
    fprintf(fp, "<details><summary>Numbers (%s; row: origin, column: destination; empty where "
            "they share a region)</summary><table><tr><th></th>", unit);
    for (size_t b = 0; b < m; b++) {
        fputs("<th>", fp);
        emb_report_esc(fp, u[b].name);
        fputs("</th>", fp);
    }
    fputs("</tr>\n", fp);
    for (size_t a = 0; a < m; a++) {
        fputs("<tr><th>", fp);
        emb_report_esc(fp, u[a].name);
        fputs("</th>", fp);
        for (size_t b = 0; b < m; b++)
            if (a == b)
                fputs("<td>0</td>", fp);
            else if (overlap(&u[a], &u[b]))
                fputs("<td></td>", fp);
            else
                fprintf(fp, "<td>%.17g</td>", hflow(r, B, &u[a], &u[b]) - hflow(r, B, &u[b], &u[a]));
        fputs("</tr>\n", fp);
    }
    fputs("</table></details>\n", fp);
}

/* Region indices of a region or group name: *n of them in *out (pointing
 * into r or at one), 0 when the name is unknown. */
static size_t unit_members(const rep *r, const char *name, const size_t **out, size_t *one)
{
    for (size_t i = 0; i < r->R; i++)
        if (strcmp(r->regions[i], name) == 0) {
            *one = i;
            *out = one;
            return 1;
        }
    for (size_t g = 0; g < r->G; g++)
        if (strcmp(r->groups[g], name) == 0) {
            *out = r->members[g];
            return r->n_members[g];
        }
    return 0;
}

static emb_status svg_heat(const char *dir, const rep *r, size_t s, const hunit *u, size_t m,
                           size_t nreg, const char *unit)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/net_heatmap.svg", dir) >= sizeof path)
        return emb_raise(EMB_EUSAGE, "%s: --svg directory name too long", dir);
    emb_out o;
    emb_status st = emb_out_open(&o, path);
    if (!st) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", o.fp);
        heatmap(o.fp, r, s, u, m, nreg, unit, 1);
        st = emb_out_commit(&o);
    }
    emb_out_abort(&o);
    return st;
}

static void fact(FILE *fp, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fact(FILE *fp, const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(fp, "<tr><th>%s</th><td>", what);
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    fputs("</td></tr>\n", fp);
}

emb_status emb_report_write(const char *results_path, const char *html_path, const emb_report_opts *opts)
{
    if (!results_path || !html_path)
        return emb_raise(EMB_EUSAGE, "report: results and output paths are required");
    rep r;
    memset(&r, 0, sizeof r);
    emb_status st = rep_read(&r, results_path);
    size_t s = 0;
    if (!st && opts && opts->stressor) {
        while (s < r.k && strcmp(r.stressors[s], opts->stressor) != 0)
            s++;
        if (s == r.k)
            st = emb_raise(EMB_EUSAGE, "%s: stressor '%s': not in the results", results_path,
                           opts->stressor);
    }
    if (!st && r.k == 0)
        st = emb_raise(EMB_EINPUT, "%s: stressors: expected at least one", results_path);
    if (!st)
        st = rep_check(&r, results_path);
    emb_series ser = {0};
    const char *series = opts ? opts->series : NULL;
    if (!st && series && !(st = emb_series_read(series, &ser)) &&
        !(st = emb_series_check(&ser, series)) && !emb_series_count(&ser, r.stressors[s]))
        st = emb_raise(EMB_EUSAGE, "%s: no rows of stressor %s (charted from %s)", series,
                       r.stressors[s], results_path);
    size_t n = r.R + r.G, np = opts ? opts->n_pairs : 0, ns = r.n_s;
    size_t m = opts && opts->heatmap_regions ? opts->heatmap_regions : 10;
    if (m > r.R)
        m = r.R;
    row *pc = NULL, *bl = NULL, *pr = NULL, *hr = NULL;
    size_t *hidx = NULL;
    hunit *hu = NULL;
    char (*ptitle)[1024] = NULL;
    if (!st && (!(pc = emb_alloc(n ? n : 1, sizeof *pc, "report rows")) ||
                !(bl = emb_alloc(n ? n : 1, sizeof *bl, "report rows")) ||
                !(hr = emb_alloc(r.R ? r.R : 1, sizeof *hr, "report rows")) ||
                !(hidx = emb_alloc(r.R ? r.R : 1, sizeof *hidx, "report rows")) ||
                !(hu = emb_alloc(r.R + r.G ? r.R + r.G : 1, sizeof *hu, "report rows")) ||
                !(ptitle = emb_alloc(np ? np : 1, sizeof *ptitle, "report pairs")) ||
                !(pr = emb_calloc((np && ns) ? np * ns : 1, sizeof *pr, "report pairs"))))
        st = EMB_ENOMEM;
    /* Pairs: names resolved and the sector flows summed (and checked against
     * the pair's flow) before anything is written. */
    for (size_t p = 0; !st && p < np; p++) {
        const char *spec = opts->pairs[p], *colon = spec ? strchr(spec, ':') : NULL;
        char on[256], dn[256];
        if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof on ||
            strlen(colon + 1) >= sizeof dn) {
            st = emb_raise(EMB_EUSAGE, "--pair '%s': expected ORIGIN:DESTINATION", spec ? spec : "");
            break;
        }
        memcpy(on, spec, (size_t)(colon - spec));
        on[colon - spec] = 0;
        strcpy(dn, colon + 1);
        const size_t *om = NULL, *dm = NULL;
        size_t o1, d1, no = unit_members(&r, on, &om, &o1), nd = unit_members(&r, dn, &dm, &d1);
        if (!no || !nd) {
            st = emb_raise(EMB_EUSAGE, "--pair '%s': %s is not a region or group of the results",
                           spec, no ? dn : on);
            break;
        }
        snprintf(ptitle[p], sizeof ptitle[p], "%s: flows %s -> %s by origin sector", r.stressors[s], on, dn);
        if (!r.fbs)
            continue;
        double total = 0, sum = 0, scale = 0;
        const double *B = r.flows + s * r.R * r.R, *F = r.fbs + s * r.R * ns * r.R;
        for (size_t a = 0; a < no; a++)
            for (size_t b = 0; b < nd; b++) {
                total += B[om[a] * r.R + dm[b]];
                scale = fmax(scale, fabs(B[om[a] * r.R + dm[b]]));
            }
        for (size_t i = 0; i < ns; i++) {
            double v = 0;
            for (size_t a = 0; a < no; a++)
                for (size_t b = 0; b < nd; b++)
                    v += F[(om[a] * ns + i) * r.R + dm[b]];
            pr[p * ns + i] = (row){r.sectors[i], 0, v, 0};
            sum += v;
        }
        if (fabs(sum - total) > 1e-9 * fmax(scale, 1e-300) * (double)(ns + 1))
            st = emb_raise(EMB_ENUMERIC, "%s: --pair %s: sum over origin sectors %.17g != flow %.17g",
                           results_path, spec, sum, total);
        qsort(pr + p * ns, ns, sizeof *pr, by_a_desc);
    }
    if (st) {
        emb_free(pc);
        emb_free(bl);
        emb_free(hr);
        emb_free(hidx);
        emb_free(hu);
        emb_free(ptitle);
        emb_free(pr);
        rep_free(&r);
        emb_series_free(&ser);
        return st;
    }
    /* The heatmap's regions: the m largest by PBA. */
    for (size_t i = 0; i < r.R; i++) {
        hr[i] = (row){r.regions[i], 0, r.pba[s * r.R + i], 0};
        hidx[i] = i;
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < r.R; j++)
            if (hr[hidx[j]].a > hr[hidx[i]].a) {
                size_t x = hidx[i];
                hidx[i] = hidx[j];
                hidx[j] = x;
            }
    /* ... then the groups, each with its members */
    size_t hm = m + r.G;
    for (size_t i = 0; i < m; i++)
        hu[i] = (hunit){r.regions[hidx[i]], 0, &hidx[i], 1};
    for (size_t g = 0; g < r.G; g++)
        hu[m + g] = (hunit){r.groups[g], 1, r.members[g], r.n_members[g]};
    for (size_t i = 0; i < r.R; i++) {
        size_t j = s * r.R + i;
        pc[i] = (row){r.regions[i], 0, r.pba[j], r.cba[j]};
        bl[i] = (row){r.regions[i], 0, r.bal[j], 0};
    }
    for (size_t g = 0; g < r.G; g++) {
        size_t j = s * r.G + g;
        pc[r.R + g] = (row){r.groups[g], 1, r.gpba[j], r.gcba[j]};
        bl[r.R + g] = (row){r.groups[g], 1, r.gexp[j] - r.gimp[j], 0};
    }
    qsort(pc, n, sizeof *pc, by_a_desc);
    qsort(bl, n, sizeof *bl, by_a_desc);
    const char *unit = r.units[s], *sn = r.stressors[s];
    char t1[512], t2[512];
    snprintf(t1, sizeof t1, "%s: production-based (PBA) vs consumption-based (CBA) accounts", sn);
    snprintf(t2, sizeof t2, "%s: balance of emissions embodied in trade (exports - imports)", sn);
    if (opts && opts->svg_dir && ((st = svg_file(opts->svg_dir, "pba_cba", t1, unit, pc, n, 1)) ||
                                  (st = svg_file(opts->svg_dir, "balance", t2, unit, bl, n, 0)) ||
                                  (st = svg_heat(opts->svg_dir, &r, s, hu, hm, m, unit))))
        goto done;
    if (series && opts->svg_dir) {
        char path[4096];
        emb_out so;
        if ((size_t)snprintf(path, sizeof path, "%s/series.svg", opts->svg_dir) >= sizeof path) {
            st = emb_raise(EMB_EUSAGE, "%s: --svg directory name too long", opts->svg_dir);
            goto done;
        }
        if (!(st = emb_out_open(&so, path))) {
            fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", so.fp);
            if (!(st = emb_series_chart(so.fp, &ser, sn, 7, 1)))
                st = emb_out_commit(&so);
        }
        emb_out_abort(&so);
        if (st)
            goto done;
    }
    for (size_t p = 0; r.fbs && opts && opts->svg_dir && p < np; p++) {
        char id[32];
        snprintf(id, sizeof id, "pair_%zu", p + 1);
        if ((st = svg_file(opts->svg_dir, id, ptitle[p], unit, pr + p * ns, ns, 2)))
            goto done;
    }
    emb_out o;
    if ((st = emb_out_open(&o, html_path)))
        goto done;
    FILE *fp = o.fp;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>embodied report</title>\n<style>\n"
          "body{font-family:sans-serif;max-width:800px;margin:1em auto;color:#111}\n"
          "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #bbb;padding:2px 6px;"
          "text-align:left}\nsvg.chart{max-width:100%;height:auto}\n"
          "@media print{details{display:block}details>*{display:block}section{break-inside:avoid}}\n"
          "</style></head><body>\n<h1>embodied report</h1>\n<p>Results: <code>", fp);
    emb_report_esc(fp, results_path);
    fprintf(fp, "</code>; %zu regions, %zu groups; stressor charted: <b>", r.R, r.G);
    emb_report_esc(fp, sn);
    fputs("</b> (", fp);
    emb_report_esc(fp, unit);
    fputs(").</p>\n<section id=\"pba-cba\"><h2>PBA vs CBA per region</h2>\n", fp);
    chart(fp, "pba_cba", t1, unit, pc, n, 1, 0);
    table(fp, pc, n, 1, unit);
    fputs("</section>\n<section id=\"balance\"><h2>Balance of embodied trade</h2>\n", fp);
    chart(fp, "balance", t2, unit, bl, n, 0, 0);
    table(fp, bl, n, 0, unit);
    fputs("</section>\n<section id=\"heatmap\"><h2>Net transfers between the largest regions and the groups</h2>\n", fp);
    heatmap(fp, &r, s, hu, hm, m, unit, 0);
    heat_table(fp, &r, s, hu, hm, unit);
    fputs("</section>\n<section id=\"pairs\"><h2>Flows of chosen pairs by origin sector</h2>\n", fp);
    if (np == 0)
        fputs("<p>No pair chosen (<code>embodied report --pair ORIGIN:DESTINATION</code>).</p>\n", fp);
    else if (!r.fbs)
        fputs("<p>The results hold no flows by sector: run <code>embodied accounts "
              "--flows-by-sector -o ...</code> to chart the chosen pairs by origin sector.</p>\n", fp);
    for (size_t p = 0; r.fbs && p < np; p++) {
        char id[32];
        snprintf(id, sizeof id, "pair_%zu", p + 1);
        chart(fp, id, ptitle[p], unit, pr + p * ns, ns, 2, 0);
        table(fp, pr + p * ns, ns, 2, unit);
    }
    if (series) {
        fputs("</section>\n<section id=\"series\"><h2>Time series</h2>\n<p>From <code>", fp);
        emb_report_esc(fp, series);
        fputs("</code>.</p>\n", fp);
        if ((st = emb_series_chart(fp, &ser, sn, 7, 0))) {
            emb_out_abort(&o);
            goto done;
        }
        emb_series_table(fp, &ser, sn);
    }
    fputs("</section>\n<section id=\"facts\"><h2>Data facts</h2><table>\n", fp);
    double una = 0;
    for (size_t i = 0; i < r.R; i++)
        una += r.unal[s * r.R + i];
    fact(fp, "unallocated emissions (sum over regions)", "%.17g", una);
    if (r.have_zero)
        fact(fp, "zero-output sectors", "%ld", r.zero_out);
    if (r.have_neg)
        fact(fp, "negative final-demand entries (inventories)", "%ld", r.neg_fd);
    if (r.warnings && r.warnings[0]) {
        /* one list item per line of the attribute */
        fputs("<tr><th>warnings of the run</th><td><ul class=\"warnings\">", fp);
        for (char *l = r.warnings; *l;) {
            char *e = strchr(l, '\n');
            if (e)
                *e = '\0';
            if (*l) {
                fputs("<li>", fp);
                emb_report_esc(fp, l);
                fputs("</li>", fp);
            }
            if (!e)
                break;
            l = e + 1;
        }
        fputs("</ul></td></tr>\n", fp);
    }
    fputs("</table></section>\n<section id=\"provenance\"><h2>Provenance</h2><table>\n", fp);
    fputs("<tr><th>input</th><td>", fp);
    emb_report_esc(fp, r.input);
    fputs("</td></tr>\n", fp);
    if (r.sha256) {
        fputs("<tr><th>input SHA-256</th><td><code class=\"sha256\">", fp);
        emb_report_esc(fp, r.sha256);
        fputs("</code></td></tr>\n", fp);
    }
    fputs("<tr><th>embodied version</th><td>", fp);
    emb_report_esc(fp, r.version);
    fputs("</td></tr>\n<tr><th>solver</th><td>", fp);
    emb_report_esc(fp, r.solver);
    fputs("</td></tr>\n<tr><th>created</th><td>", fp);
    emb_report_esc(fp, r.created);
    fputs("</td></tr>\n", fp);
    if (r.have_res_solve)
        fact(fp, "max residual (solve)", "%.3g", r.res_solve);
    if (r.have_res_mult)
        fact(fp, "max residual (multipliers)", "%.3g", r.res_mult);
    if (r.have_ident)
        fact(fp, "identity error", "%.3g", r.ident);
    fputs("</table></section>\n</body></html>\n", fp);
    st = emb_out_commit(&o);
    emb_out_abort(&o);
done:
    emb_free(pc);
    emb_free(bl);
    emb_free(hr);
    emb_free(hidx);
    emb_free(hu);
    emb_free(ptitle);
    emb_free(pr);
    rep_free(&r);
    emb_series_free(&ser);
    return st;
}
