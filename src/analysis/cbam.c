/* src/analysis/cbam.c — CBAM exposure of exporters (include/embodied/cbam.h;
 * README "CBAM exposure"): the concordance reader, import values from the
 * rows of Z (or A x) and Y, emissions on three bases (direct, direct plus
 * the electricity consumed, supply chain through M), their cost at the
 * border, the world allocation check, and the writers. */
#include "embodied/cbam.h"

#include "accounts/accounts_impl.h" /* EMB_RESIDUAL_LIMIT, EMB_IDENTITY_TOL_DEFAULT */
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/names.h"
#include "io/input.h"
#include "embodied/accounts.h"
#include "results/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const GROUPS[EMB_CBAM_N_GROUPS] = {"iron_steel", "aluminium", "cement",
                                                      "fertilisers", "hydrogen", "electricity"};
static const char *const BASES[EMB_CBAM_N_BASES] = {"direct", "direct_electricity",
                                                    "supply_chain"};

const char *emb_cbam_group_name(emb_cbam_group g)
{
    return (unsigned)g < EMB_CBAM_N_GROUPS ? GROUPS[g] : NULL;
}

const char *emb_cbam_basis_name(emb_cbam_basis b)
{
    return (unsigned)b < EMB_CBAM_N_BASES ? BASES[b] : NULL;
}

/* ---- concordance ---- */

typedef struct conc_row {
    size_t sector;
    emb_cbam_group group;
    double share;
} conc_row;

struct emb_cbam_concordance {
    size_t n, cap, n_s;
    conc_row *row;
};

void emb_cbam_concordance_free(emb_cbam_concordance *c)
{
    if (!c)
        return;
    emb_free(c->row);
    emb_free(c);
}

size_t emb_cbam_concordance_n_rows(const emb_cbam_concordance *c) { return c ? c->n : 0; }

emb_status emb_cbam_concordance_row(const emb_cbam_concordance *c, size_t i, size_t *sector,
                                    emb_cbam_group *group, double *share)
{
    if (!c || i >= c->n)
        return emb_raise(EMB_EUSAGE, "emb_cbam_concordance_row: row %zu out of range", i);
    if (sector)
        *sector = c->row[i].sector;
    if (group)
        *group = c->row[i].group;
    if (share)
        *share = c->row[i].share;
    return EMB_OK;
}

/* Longest line accepted: concordances are a few hundred short lines. */
#define CONC_LINE_MAX 65536

/* Split one CSV line in place into at most `max` fields (RFC 4180 quotes,
 * "" inside quotes); returns the count, or -1 on an unterminated quote. */
static int split_csv(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            return max + 1;
        char *w = s;
        f[n++] = w;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s)
                    return -1;
                if (*s == '"') {
                    if (s[1] == '"') {
                        *w++ = '"', s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                *w++ = *s++;
            }
            /* only the separator or the end may follow a closing quote */
            if (*s && *s != ',')
                return -1;
        } else {
            while (*s && *s != ',')
                *w++ = *s++;
        }
        int more = *s == ',';
        *w = '\0';
        if (!more)
            return n;
        s++;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static emb_status conc_parse(FILE *fp, const char *path, const emb_table *t,
                             emb_cbam_concordance *c)
{
    char *line = emb_alloc(CONC_LINE_MAX + 2, 1, "concordance line");
    if (!line)
        return EMB_ENOMEM;
    double *sum = emb_calloc(t->n_s, sizeof(double), "concordance shares by sector");
    emb_status st = EMB_OK;
    int header = 0;
    size_t lineno = 0;
    if (!sum) {
        st = EMB_ENOMEM;
        goto done;
    }
    while (fgets(line, CONC_LINE_MAX + 2, fp)) {
        lineno++;
        size_t len = strlen(line);
        if (len > CONC_LINE_MAX) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: longer than %d bytes", path, lineno,
                           CONC_LINE_MAX);
            goto done;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *f[4];
        int nf = split_csv(s, f, 3);
        if (nf < 0) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: unterminated quoted field", path, lineno);
            goto done;
        }
        if (nf != 3) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: expected 3 fields (sector,cbam_group,share), "
                                       "found %s", path, lineno, nf > 3 ? "more" : "fewer");
            goto done;
        }
        for (int i = 0; i < 3; i++)
            f[i] = trim(f[i]);
        if (!header) {
            if (strcmp(f[0], "sector") || strcmp(f[1], "cbam_group") || strcmp(f[2], "share")) {
                st = emb_raise(EMB_EINPUT, "%s: line %zu: expected the header "
                                           "'sector,cbam_group,share'", path, lineno);
                goto done;
            }
            header = 1;
            continue;
        }
        size_t j = 0;
        while (j < t->n_s && strcmp(t->sectors[j], f[0]))
            j++;
        if (j == t->n_s) {
            char near[512];
            emb_nearest_names(f[0], (const char *const *)t->sectors, t->n_s, 3, near, sizeof near);
            st = emb_raise(EMB_EINPUT, "%s: line %zu: sector '%s' is not a sector of %s; closest: %s",
                           path, lineno, f[0], emb_accounts_table_name(t), near);
            goto done;
        }
        int g = 0;
        while (g < EMB_CBAM_N_GROUPS && strcmp(GROUPS[g], f[1]))
            g++;
        if (g == EMB_CBAM_N_GROUPS) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: cbam_group '%s' is not one of iron_steel, "
                                       "aluminium, cement, fertilisers, hydrogen, electricity",
                           path, lineno, f[1]);
            goto done;
        }
        char *end;
        errno = 0;
        double share = strtod(f[2], &end);
        if (end == f[2] || *end || errno == ERANGE || !(share > 0 && share <= 1)) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: share '%s' is not a number in (0, 1]", path,
                           lineno, f[2]);
            goto done;
        }
        for (size_t r = 0; r < c->n; r++)
            if (c->row[r].sector == j && c->row[r].group == (emb_cbam_group)g) {
                st = emb_raise(EMB_EINPUT, "%s: line %zu: sector '%s' is mapped to %s twice", path,
                               lineno, f[0], f[1]);
                goto done;
            }
        /* shares of one sector's trade: together at most the whole (rounding allowed) */
        if (sum[j] + share > 1 + 1e-12) {
            st = emb_raise(EMB_EINPUT, "%s: line %zu: the shares of sector '%s' sum to %.17g > 1",
                           path, lineno, f[0], sum[j] + share);
            goto done;
        }
        sum[j] += share;
        if (c->n == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 16;
            conc_row *v = emb_realloc(c->row, cap, sizeof *v, "concordance rows");
            if (!v) {
                st = EMB_ENOMEM;
                goto done;
            }
            c->row = v, c->cap = cap;
        }
        c->row[c->n++] = (conc_row){j, (emb_cbam_group)g, share};
    }
    if (ferror(fp))
        st = emb_raise(EMB_EIO, "%s: read error: %s", path, strerror(errno));
    else if (!header)
        st = emb_raise(EMB_EINPUT, "%s: no header 'sector,cbam_group,share' (only comments or "
                                   "nothing)", path);
    else if (c->n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no concordance rows after the header", path);
done:
    emb_free(sum);
    emb_free(line);
    return st;
}

emb_status emb_cbam_concordance_read(const char *path, const emb_table *t,
                                     emb_cbam_concordance **out)
{
    if (out)
        *out = NULL;
    if (!path || !t || !out)
        return emb_raise(EMB_EUSAGE, "emb_cbam_concordance_read: %s is NULL",
                         !path ? "path" : !t ? "t" : "out");
    emb_status tst = emb_input_check_type(path, "a concordance");
    if (tst)
        return tst;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return emb_raise(EMB_EIO, "%s: cannot open: %s", path, strerror(errno));
    emb_cbam_concordance *c = emb_calloc(1, sizeof *c, "concordance");
    emb_status st = c ? conc_parse(fp, path, t, c) : EMB_ENOMEM;
    fclose(fp);
    if (st) {
        emb_cbam_concordance_free(c);
        return st;
    }
    c->n_s = t->n_s;
    *out = c;
    return EMB_OK;
}

/* ---- exposure ---- */

struct emb_cbam {
    size_t n_r, n_s, n;
    char *money_unit;
    emb_cbam_row *row;
};

void emb_cbam_free(emb_cbam *c)
{
    if (!c)
        return;
    emb_free(c->money_unit);
    emb_free(c->row);
    emb_free(c);
}

size_t emb_cbam_n_rows(const emb_cbam *c) { return c ? c->n : 0; }

emb_status emb_cbam_row_get(const emb_cbam *c, size_t i, emb_cbam_row *row)
{
    if (!c || !row || i >= c->n)
        return emb_raise(EMB_EUSAGE, "emb_cbam_row_get: row %zu out of range", i);
    *row = c->row[i];
    return EMB_OK;
}

/* Tonnes per unit of a mass unit, or 0 when `u` is not one. */
static double tonnes_per(const char *u)
{
    static const struct {
        const char *name;
        double t;
    } units[] = {{"kg", 1e-3}, {"t", 1}, {"kt", 1e3}, {"Gg", 1e3}, {"Mt", 1e6}, {"Tg", 1e6}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(u, units[i].name))
            return units[i].t;
    return 0;
}

/* Accumulators: [exporter][group][basis] emissions and [exporter][group] value. */
typedef struct acc {
    double *em;  /* [n_r][G][3] tonnes */
    double *val; /* [n_r][G] */
} acc;

static emb_status fill_rows(emb_cbam *c, const emb_table *t, const unsigned char *in_importer,
                            const unsigned char *has_group, const double *pe, const acc *a,
                            const emb_cbam_opts *o)
{
    size_t R = t->n_r, G = EMB_CBAM_N_GROUPS, ng = 0, nx = 0;
    for (size_t g = 0; g < G; g++)
        ng += has_group[g];
    for (size_t r = 0; r < R; r++)
        nx += !in_importer[r];
    size_t n = 3 * (nx * ng + nx + ng + 1);
    if (!(c->row = emb_calloc(n, sizeof *c->row, "CBAM rows")))
        return EMB_ENOMEM;
    double cpu = o->currency_per_unit;
    /* One row; the cost follows from the emissions and the prices. */
#define ROW(EXP, GRP, B, VAL, EM, PE)                                                              \
    do {                                                                                           \
        emb_cbam_row *w = &c->row[c->n++];                                                         \
        w->exporter = (EXP), w->group = (GRP), w->basis = (emb_cbam_basis)(B);                     \
        w->import_value = (VAL), w->emissions_t = (EM), w->price = o->price;                       \
        w->exporter_price = (PE);                                                                  \
        w->cost_eur = (EM) * fmax(0.0, o->price - ((PE) == (PE) ? (PE) : 0.0));                    \
        w->cost_share = NAN;                                                                       \
        if (cpu > 0 && (VAL) != 0)                                                                 \
            w->cost_share = w->cost_eur / ((VAL) * cpu);                                           \
    } while (0)
    for (size_t r = 0; r < R; r++) {
        if (in_importer[r])
            continue;
        for (size_t g = 0; g < G; g++)
            if (has_group[g])
                for (int b = 0; b < 3; b++)
                    ROW((long)r, (int)g, b, a->val[r * G + g], a->em[(r * G + g) * 3 + b], pe[r]);
    }
    for (size_t r = 0; r < R; r++) {
        if (in_importer[r])
            continue;
        for (int b = 0; b < 3; b++) {
            double v = 0, e = 0;
            for (size_t g = 0; g < G; g++)
                v += a->val[r * G + g], e += a->em[(r * G + g) * 3 + b];
            ROW((long)r, -1, b, v, e, pe[r]);
        }
    }
    /* Totals over exporters: costs are summed (each exporter has its own price). */
    for (size_t g = 0; g <= G; g++) {
        if (g < G && !has_group[g])
            continue;
        for (int b = 0; b < 3; b++) {
            double v = 0, e = 0, cost = 0;
            for (size_t r = 0; r < R; r++) {
                if (in_importer[r])
                    continue;
                for (size_t h = 0; h < G; h++) {
                    if (g < G && h != g)
                        continue;
                    double eh = a->em[(r * G + h) * 3 + b];
                    v += a->val[r * G + h], e += eh;
                    cost += eh * fmax(0.0, o->price - pe[r]);
                }
            }
            ROW(-1L, g < G ? (int)g : -1, b, v, e, NAN);
            emb_cbam_row *w = &c->row[c->n - 1];
            w->cost_eur = cost;
            w->cost_share = cpu > 0 && v != 0 ? cost / (v * cpu) : NAN;
        }
    }
#undef ROW
    return EMB_OK;
}

static emb_status compute(const emb_table *t, emb_leontief *lf, const emb_cbam_concordance *conc,
                          const emb_cbam_opts *o, emb_cbam **out)
{
    const char *tn = emb_accounts_table_name(t);
    size_t N = t->N, R = t->n_r, ns = t->n_s, G = EMB_CBAM_N_GROUPS;
    if (conc->n_s != ns)
        return emb_raise(EMB_EUSAGE, "emb_cbam_compute: the concordance was read for a table with "
                                     "%zu sectors, this one has %zu", conc->n_s, ns);
    if (!(o->price >= 0 && isfinite(o->price)))
        return emb_raise(EMB_EUSAGE, "cbam: --price %g: expected a finite price >= 0 (EUR per tonne)",
                         o->price);
    if (!(o->currency_per_unit >= 0 && isfinite(o->currency_per_unit)))
        return emb_raise(EMB_EUSAGE, "cbam: --currency-per-unit %g: expected a finite number >= 0",
                         o->currency_per_unit);
    long s;
    if (o->stressor) {
        if ((s = emb_table_stressor_index(t, o->stressor)) < 0) {
            char near[512];
            emb_nearest_names(o->stressor, (const char *const *)t->stressors, t->k, 4, near,
                              sizeof near);
            return emb_raise(EMB_EUSAGE, "%s: no stressor '%s'; closest: %s", tn, o->stressor, near);
        }
    } else if (t->k == 1) {
        s = 0;
    } else {
        return emb_raise(EMB_EUSAGE, "%s: the table has %zu stressors: choose one with --stressor",
                         tn, t->k);
    }
    const char *unit = t->stressor_units[s];
    double tpu = tonnes_per(unit);
    if (tpu == 0)
        return emb_raise(EMB_EUSAGE, "%s: stressor '%s' is in '%s', not a mass unit (kg, t, kt, Gg, "
                                     "Mt, Tg): CBAM prices tonnes of CO2 (use a CO2 or CO2-eq "
                                     "stressor)", tn, t->stressors[s], unit);
    const size_t *im;
    size_t in, one;
    emb_status st = emb_table_resolve_unit(t, o->importer, &im, &in, &one);
    if (st)
        return st;

    emb_cbam *c = NULL;
    emb_accounts_prep *prep = NULL;
    unsigned char *in_imp = NULL, has_group[EMB_CBAM_N_GROUPS] = {0};
    double *Srow = NULL, *m = NULL, *y = NULL, *rows = NULL, *pe = NULL, *trade = NULL;
    acc a = {0};
    const double *x = emb_leontief_x(lf);
    st = EMB_ENOMEM;
    /* rows: the technology rows of one exporter's CBAM sectors (at most n_s of N). */
    size_t nsec = 0;
    size_t *secs = emb_calloc(ns, sizeof *secs, "CBAM sectors");
    unsigned char *is_sec = emb_calloc(ns, 1, "CBAM sectors");
    if (!secs || !is_sec)
        goto done;
    for (size_t q = 0; q < conc->n; q++) {
        has_group[conc->row[q].group] = 1;
        if (!is_sec[conc->row[q].sector]) {
            is_sec[conc->row[q].sector] = 1;
            secs[nsec++] = conc->row[q].sector;
        }
    }
    if (!(in_imp = emb_calloc(R, 1, "importer regions")) ||
        !(Srow = emb_alloc(N, sizeof(double), "S row")) || !(m = emb_alloc(N, sizeof(double), "M row")) ||
        !(y = emb_calloc(N, sizeof(double), "Y 1")) ||
        !(rows = emb_alloc(nsec * N, sizeof(double), "technology rows of an exporter")) ||
        !(trade = emb_alloc(nsec, sizeof(double), "exports to the importer")) ||
        !(pe = emb_calloc(R, sizeof(double), "exporter prices")) ||
        !(a.em = emb_calloc(R * G * 3, sizeof(double), "CBAM emissions")) ||
        !(a.val = emb_calloc(R * G, sizeof(double), "CBAM import values")))
        goto done;
    for (size_t q = 0; q < in; q++)
        in_imp[im[q]] = 1;
    for (size_t q = 0; q < o->n_exporter_prices; q++) {
        const size_t *pm;
        size_t pn, p1;
        const emb_cbam_price *p = &o->exporter_prices[q];
        if (!p->region) {
            st = emb_raise(EMB_EUSAGE, "emb_cbam_compute: exporter price %zu has no region", q);
            goto done;
        }
        if ((st = emb_table_resolve_unit(t, p->region, &pm, &pn, &p1)))
            goto done;
        if (!(p->eur_per_t >= 0 && isfinite(p->eur_per_t))) {
            st = emb_raise(EMB_EUSAGE, "cbam: --exporter-price %s=%g: expected a finite price >= 0",
                           p->region, p->eur_per_t);
            goto done;
        }
        for (size_t j = 0; j < pn; j++)
            pe[pm[j]] = p->eur_per_t;
    }

    /* S of the stressor and Y 1 from the staged accounts; M's row by one
     * transposed solve. */
    emb_accounts_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.ctx = o->ctx;
    if ((st = emb_accounts_prepare(t, x, &ao, &prep)) ||
        (st = emb_accounts_rhs(prep, EMB_ACCOUNTS_TRANSPOSED, (size_t)s, 1, Srow, N)))
        goto done;
    for (size_t d = 0; d < R; d++) {
        if ((st = emb_accounts_rhs(prep, EMB_ACCOUNTS_DIRECT, d, 1, m, N)))
            goto done;
        for (size_t i = 0; i < N; i++)
            y[i] += m[i];
    }
    memcpy(m, Srow, N * sizeof(double));
    double rd, rt;
    if ((st = emb_leontief_solve_checked(lf, 0, NULL, 1, m, &rd, &rt)))
        goto done;
    if (!(rt <= EMB_RESIDUAL_LIMIT)) {
        st = emb_raise(EMB_ENUMERIC, "%s: cbam: the multiplier solve has relative residual %.3g > "
                                     "%.0e", tn, rt, EMB_RESIDUAL_LIMIT);
        goto done;
    }
    /* World check: M (Y 1) = S L (Y 1) = S x, every emission allocated once. */
    {
        double lhs = 0, rhs = 0, mag = 0;
        for (size_t i = 0; i < N; i++) {
            lhs += m[i] * y[i];
            rhs += Srow[i] * x[i];
            mag += fabs(Srow[i] * x[i]) + fabs(m[i] * y[i]);
        }
        double tol = o->identity_tol > 0 ? o->identity_tol : EMB_IDENTITY_TOL_DEFAULT;
        double err = mag > 0 ? fabs(lhs - rhs) / mag : 0;
        if (!(err <= tol)) {
            st = emb_raise(EMB_ENUMERIC, "%s: cbam: stressor %s: identity M (Y 1) = S x violated: "
                                         "%.17g vs %.17g (relative %.3g > %.3g)", tn,
                           t->stressors[s], lhs, rhs, err, tol);
            goto done;
        }
    }

    size_t nf = t->n_f, ny = t->n_y;
    for (size_t r = 0; r < R; r++) {
        if (in_imp[r])
            continue;
        if ((st = emb_ctx_poll("cbam: exporters")))
            goto done;
        for (size_t q = 0; q < nsec; q++) {
            size_t i = r * ns + secs[q];
            if ((st = emb_table_tech_rows(t, i, 1, rows + q * N)))
                goto done;
            /* Z row: A tables hold A = Z diag(1/x), so Z = A x columnwise. */
            if (t->tech_kind == EMB_TECH_A)
                for (size_t j = 0; j < N; j++)
                    rows[q * N + j] *= x[j];
            double v = 0;
            for (size_t u = 0; u < in; u++) {
                size_t d = im[u];
                for (size_t j = 0; j < ns; j++)
                    v += rows[q * N + d * ns + j];
                for (size_t f = 0; f < nf; f++)
                    v += t->Y[i * ny + d * nf + f];
            }
            trade[q] = v;
        }
        for (size_t cr = 0; cr < conc->n; cr++) {
            const conc_row *k = &conc->row[cr];
            size_t i = r * ns + k->sector;
            size_t qk = 0;
            while (secs[qk] != k->sector)
                qk++;
            double v = k->share * trade[qk];
            double direct = Srow[i] * v;
            /* Electricity consumed: sigma_e S_e A_{e,i} v over o's electricity sectors. */
            double el = 0;
            for (size_t ce = 0; ce < conc->n; ce++) {
                const conc_row *e = &conc->row[ce];
                if (e->group != EMB_CBAM_ELECTRICITY)
                    continue;
                size_t q = 0;
                while (secs[q] != e->sector)
                    q++;
                double z = rows[q * N + i]; /* Z_{(o,e),(o,i)} */
                double A = x[i] > 0 ? z / x[i] : 0;
                el += e->share * Srow[r * ns + e->sector] * A * v;
            }
            size_t at = r * G + k->group;
            a.val[at] += v;
            a.em[at * 3 + 0] += tpu * direct;
            a.em[at * 3 + 1] += tpu * (direct + el);
            a.em[at * 3 + 2] += tpu * m[i] * v;
        }
    }
    if (!(c = emb_calloc(1, sizeof *c, "CBAM result")) ||
        !(c->money_unit = emb_strdup(t->monetary_unit ? t->monetary_unit : "")))
        goto nomem;
    c->n_r = R, c->n_s = ns;
    if ((st = fill_rows(c, t, in_imp, has_group, pe, &a, o)))
        goto done;
    *out = c;
    c = NULL;
    st = EMB_OK;
    goto done;
nomem:
    st = EMB_ENOMEM;
done:
    emb_cbam_free(c);
    emb_accounts_prep_free(prep);
    emb_free(secs), emb_free(is_sec), emb_free(in_imp), emb_free(Srow), emb_free(m), emb_free(y);
    emb_free(rows), emb_free(trade), emb_free(pe), emb_free(a.em), emb_free(a.val);
    return st;
}

emb_status emb_cbam_compute(const emb_table *t, emb_leontief *lf, const emb_cbam_concordance *conc,
                            const emb_cbam_opts *opts, emb_cbam **out)
{
    if (out)
        *out = NULL;
    if (!t || !lf || !conc || !opts || !out || !opts->importer)
        return emb_raise(EMB_EUSAGE, "emb_cbam_compute: %s is NULL",
                         !t ? "t" : !lf ? "lf" : !conc ? "conc" : !opts ? "opts" : !out ? "out"
                                                                           : "opts->importer");
    if (t->k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors", emb_accounts_table_name(t));
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts->ctx);
    emb_status st = compute(t, lf, conc, opts, out);
    emb_ctx_leave(&f);
    return st;
}

/* ---- writers ---- */

static const char *exporter_name(const emb_table *t, long r) { return r < 0 ? "all" : t->regions[r]; }
static const char *group_name(int g) { return g < 0 ? "all" : GROUPS[g]; }

static emb_status check_table(const emb_cbam *c, const emb_table *t, const char *fn)
{
    if (!c || !t)
        return emb_raise(EMB_EUSAGE, "%s: %s is NULL", fn, !c ? "c" : "t");
    if (c->n_r != t->n_r || c->n_s != t->n_s)
        return emb_raise(EMB_EUSAGE, "%s: the result (%zu x %zu) is not of this table (%zu x %zu)",
                         fn, c->n_r, c->n_s, t->n_r, t->n_s);
    return EMB_OK;
}

emb_status emb_cbam_write(const emb_cbam *c, const emb_table *t, emb_results_format fmt,
                          const char *path)
{
    emb_status st = check_table(c, t, "emb_cbam_write");
    if (st)
        return st;
    if (fmt != EMB_RESULTS_TEXT && fmt != EMB_RESULTS_CSV)
        return emb_raise(EMB_EUSAGE, "emb_cbam_write: unknown format %d", (int)fmt);
    emb_out o;
    if ((st = emb_out_open(&o, path))) {
        emb_out_abort(&o);
        return st;
    }
    FILE *fp = o.fp;
    if (fmt == EMB_RESULTS_CSV)
        fputs("exporter,cbam_group,import_value,money_unit,basis,emissions_t,price,exporter_price,"
              "cost_eur,cost_share\n", fp);
    else
        fprintf(fp, "%-10s %-12s %16s %-8s %-18s %16s %7s %8s %16s %10s\n", "exporter", "cbam_group",
                "import_value", "money", "basis", "emissions_t", "price", "exp.price", "cost_eur",
                "cost_share");
    for (size_t i = 0; i < c->n; i++) {
        const emb_cbam_row *r = &c->row[i];
        if (fmt == EMB_RESULTS_CSV) {
            emb_csv_field(fp, exporter_name(t, r->exporter));
            fputc(',', fp);
            fputs(group_name(r->group), fp);
            fputc(',', fp);
            emb_csv_number(fp, r->import_value);
            fputc(',', fp);
            emb_csv_field(fp, c->money_unit);
            fprintf(fp, ",%s,", BASES[r->basis]);
            emb_csv_number(fp, r->emissions_t);
            fputc(',', fp);
            emb_csv_number(fp, r->price);
            fputc(',', fp);
            if (r->exporter_price == r->exporter_price)
                emb_csv_number(fp, r->exporter_price);
            fputc(',', fp);
            emb_csv_number(fp, r->cost_eur);
            fputc(',', fp);
            if (r->cost_share == r->cost_share)
                emb_csv_number(fp, r->cost_share);
            fputc('\n', fp);
        } else {
            fprintf(fp, "%-10s %-12s %16.3f %-8s %-18s %16.1f %7.2f ", exporter_name(t, r->exporter),
                    group_name(r->group), r->import_value, c->money_unit, BASES[r->basis],
                    r->emissions_t, r->price);
            if (r->exporter_price == r->exporter_price)
                fprintf(fp, "%8.2f ", r->exporter_price);
            else
                fprintf(fp, "%8s ", "-");
            fprintf(fp, "%16.0f ", r->cost_eur);
            if (r->cost_share == r->cost_share)
                fprintf(fp, "%9.4f%%\n", 100 * r->cost_share);
            else
                fprintf(fp, "%10s\n", "-");
        }
    }
    st = emb_out_commit(&o);
    emb_out_abort(&o);
    return st;
}

/* Exporter totals (group -1) of one basis, by exporter index. */
static const emb_cbam_row *total_of(const emb_cbam *c, long r, emb_cbam_basis b)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->row[i].exporter == r && c->row[i].group == -1 && c->row[i].basis == b)
            return &c->row[i];
    return NULL;
}

/* a ranks before b: larger cost on direct_electricity, then on supply_chain,
 * then table order. */
static int ranks_before(const emb_cbam *c, long a, long b)
{
    for (int k = 0; k < 2; k++) {
        emb_cbam_basis bs = k == 0 ? EMB_CBAM_DIRECT_ELECTRICITY : EMB_CBAM_SUPPLY_CHAIN;
        double x = total_of(c, a, bs)->cost_eur, y = total_of(c, b, bs)->cost_eur;
        if (x != y)
            return x > y;
    }
    return a < b;
}

emb_status emb_cbam_write_summary(const emb_cbam *c, const emb_table *t, const char *path)
{
    emb_status st = check_table(c, t, "emb_cbam_write_summary");
    if (st)
        return st;
    long *ex = emb_alloc(c->n_r ? c->n_r : 1, sizeof *ex, "exporter ranking");
    if (!ex)
        return EMB_ENOMEM;
    size_t n = 0;
    for (size_t r = 0; r < c->n_r; r++)
        if (total_of(c, (long)r, EMB_CBAM_DIRECT))
            ex[n++] = (long)r;
    for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred exporters at most */
        for (size_t j = i; j > 0 && ranks_before(c, ex[j], ex[j - 1]); j--) {
            long tmp = ex[j];
            ex[j] = ex[j - 1], ex[j - 1] = tmp;
        }
    emb_out o;
    if ((st = emb_out_open(&o, path))) {
        emb_out_abort(&o);
        emb_free(ex);
        return st;
    }
    FILE *fp = o.fp;
    const emb_cbam_row *all = total_of(c, -1, EMB_CBAM_DIRECT);
    fprintf(fp, "CBAM exposure by exporter, ranked by cost on the direct_electricity basis "
                "(price %.2f EUR/t; import value in %s, emissions in t, cost in EUR)\n",
            all ? all->price : 0.0, c->money_unit[0] ? c->money_unit : "the table's money");
    fprintf(fp, "%4s %-10s %16s %14s %14s %14s %16s %16s %10s\n", "rank", "exporter",
            "import value", "direct", "direct+elec", "supply chain", "cost direct+elec",
            "cost supply ch.", "share");
    for (size_t q = 0; q <= n; q++) {
        long r = q < n ? ex[q] : -1;
        const emb_cbam_row *d = total_of(c, r, EMB_CBAM_DIRECT),
                           *de = total_of(c, r, EMB_CBAM_DIRECT_ELECTRICITY),
                           *sc = total_of(c, r, EMB_CBAM_SUPPLY_CHAIN);
        if (!d || !de || !sc)
            continue;
        if (q < n)
            fprintf(fp, "%4zu ", q + 1);
        else
            fprintf(fp, "%4s ", "");
        fprintf(fp, "%-10s %16.1f %14.0f %14.0f %14.0f %16.0f %16.0f ", exporter_name(t, r),
                d->import_value, d->emissions_t, de->emissions_t, sc->emissions_t, de->cost_eur,
                sc->cost_eur);
        if (de->cost_share == de->cost_share)
            fprintf(fp, "%9.4f%%\n", 100 * de->cost_share);
        else
            fprintf(fp, "%10s\n", "-");
    }
    st = emb_out_commit(&o);
    emb_out_abort(&o);
    emb_free(ex);
    return st;
}
