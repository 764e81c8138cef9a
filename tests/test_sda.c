/* tests/test_sda.c — structural decomposition (emb_sda_compute, emb_sda_write,
 * `embodied sda`) and the groups-file reader (emb_table_add_groups_file).
 *
 * The hand system: 2 regions (R1, R2) x 1 sector, one FD category, one
 * stressor; industry 0 = R1, 1 = R2.  Year 0:
 *   A0 = [[0, .5], [0, 0]] (R2's industry buys .5 of R1's product per unit),
 *   L0 = (I - A0)^-1 = [[1, .5], [0, 1]];  S0 = (1, 0) (only R1 emits);
 *   Y0 (rows = products, columns = consumers R1, R2) = [[4, 0], [0, 10]],
 *   so v0 = (4, 10), w0_R1 = (1, 0), w0_R2 = (0, 1);  S0 L0 = (1, .5);
 *   CBA0 = (4, 5) (industry; F_Y = 0), world 9.
 * One factor changed at a time (each effect known, the others exactly 0):
 *   technology: A1 = [[0, .2], [0, 0]]: S L = (1, .2): CBA1 = (4, 2),
 *               technology = (0, -3);
 *   intensity:  S1 = (2, 0): CBA1 = (8, 10), intensity = (4, 5);
 *   structure:  Y1 = [[4, 5], [0, 5]] (R2 now imports half of what it buys,
 *               v unchanged): CBA1_R2 = 5 + 2.5 = 7.5, fd_structure = (0, 2.5);
 *   level:      Y1 = 2 Y0: fd_level = (4, 5);
 *   household:  F_Y of R2 0 -> 3: household_direct = (0, 3).
 * Two factors, S1 = alpha S0 and v1 = beta v0 (L, w fixed): f = alpha^a
 * beta^e f0, and Shapley gives intensity = (alpha - 1)(1 + beta)/2 f0 and
 * level = (beta - 1)(1 + alpha)/2 f0; alpha = 2, beta = 3: intensity = 2 f0,
 * level = 3 f0 (sum 5 f0 = (6 - 1) f0), i.e. R1 (8, 12), R2 (10, 15).
 * All four at once: compared with the average over the 24 orders computed
 * here from the explicit 2 x 2 inverse (a different algorithm). */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* ------------------------------------------------------------ tables */

/* A table of kind A from A [N][N], Y [N][n_r] (one category), F_Y [k][n_r],
 * and either S [k][N] (F := S x) or F [k][N]; x = (I - A)^-1 Y 1 by the
 * library (emb_table_complete_x). */
static emb_table *build(size_t n_r, size_t n_s, size_t k, const double *A, const double *Y,
                        const double *S, const double *F, const double *FY, int year)
{
    emb_table *t = NULL;
    size_t N = n_r * n_s;
    ck_assert_int_eq(emb_table_create(n_r, n_s, 1, k, EMB_TECH_A, 1, &t), EMB_OK);
    char nm[32];
    for (size_t r = 0; r < n_r; r++) {
        snprintf(nm, sizeof nm, "R%zu", r + 1);
        emb_table_set_label(t, EMB_LABEL_REGION, r, nm);
    }
    for (size_t j = 0; j < n_s; j++) {
        snprintf(nm, sizeof nm, "s%zu", j + 1);
        emb_table_set_label(t, EMB_LABEL_SECTOR, j, nm);
    }
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "households");
    for (size_t s = 0; s < k; s++) {
        snprintf(nm, sizeof nm, s ? "CH4_%zu" : "CO2", s);
        emb_table_set_label(t, EMB_LABEL_STRESSOR, s, nm);
        emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, s, "kt");
    }
    memcpy(t->T, A, N * N * sizeof(double));
    memcpy(t->Y, Y, N * n_r * sizeof(double));
    if (FY)
        memcpy(t->F_Y, FY, k * n_r * sizeof(double));
    ck_assert_msg(emb_table_complete_x(t) == EMB_OK, "%s", emb_errmsg());
    for (size_t s = 0; s < k; s++)
        for (size_t i = 0; i < N; i++)
            t->F[s * N + i] = F ? F[s * N + i] : S[s * N + i] * t->x[i];
    t->year = year;
    ck_assert_msg(emb_table_validate(t, NULL) == EMB_OK, "%s", emb_errmsg());
    return t;
}

static const double A0[4] = {0, .5, 0, 0}, S0[2] = {1, 0}, Y0[4] = {4, 0, 0, 10};

static size_t count_lines(const char *s);
static char *tmp; /* per-test temporary directory (setup) */

static emb_table *hand(const double *A, const double *S, const double *Y, const double *FY, int year)
{
    return build(2, 1, 1, A, Y, S, NULL, FY, year);
}

static emb_sda *sda(const emb_table *t0, const emb_table *t1, double deflate1)
{
    emb_sda_opts o = {.deflate1 = deflate1};
    emb_sda *r = NULL;
    emb_status st = emb_sda_compute(t0, t1, &o, &r);
    ck_assert_msg(st == EMB_OK, "emb_sda_compute: %s", emb_errmsg());
    return r;
}

/* The row of region/group/World `name`. */
static size_t row(const emb_sda *r, const char *name)
{
    for (size_t i = 0; i < emb_sda_n_rows(r); i++)
        if (strcmp(emb_sda_row_name(r, i), name) == 0)
            return i;
    ck_abort_msg("no row '%s'", name);
    return 0;
}

/* Expect the five effects of row i (stressor 0) to be e[0..5), to 1e-12. */
static void expect(const emb_sda *r, size_t i, const double e[5])
{
    static const emb_sda_field F[5] = {EMB_SDA_INTENSITY, EMB_SDA_TECHNOLOGY, EMB_SDA_FD_STRUCTURE,
                                       EMB_SDA_FD_LEVEL, EMB_SDA_HOUSEHOLD_DIRECT};
    static const char *const nm[5] = {"intensity", "technology", "fd_structure", "fd_level",
                                      "household_direct"};
    for (int f = 0; f < 5; f++) {
        double got = emb_sda_value(r, 0, i, F[f]);
        ck_assert_msg(fabs(got - e[f]) <= 1e-12 * (1 + fabs(e[f])), "%s %s: %.17g, expected %.17g",
                      emb_sda_row_name(r, i), nm[f], got, e[f]);
    }
    double res = emb_sda_value(r, 0, i, EMB_SDA_RESIDUAL);
    ck_assert_msg(fabs(res) <= 1e-12, "%s: residual %.3g", emb_sda_row_name(r, i), res);
}

/* cba0 and cba1 of every region equal emb_accounts_compute's CBA of each
 * table (F_Y included), and groups and the world are sums of their members. */
static void check_cba(const emb_sda *r, const emb_table *t0, const emb_table *t1)
{
    const emb_table *t[2] = {t0, t1};
    size_t R = t0->n_r;
    for (int y = 0; y < 2; y++) {
        emb_accounts *a = NULL;
        ck_assert_msg(emb_accounts_compute(t[y], NULL, &a) == EMB_OK, "%s", emb_errmsg());
        for (size_t s = 0; s < t0->k; s++) {
            double world = 0, scale = 0;
            for (size_t d = 0; d < R; d++)
                scale += fabs(a->cba[s * R + d]);
            for (size_t d = 0; d < R; d++) {
                double got = emb_sda_value(r, s, d, y ? EMB_SDA_CBA1 : EMB_SDA_CBA0);
                ck_assert_msg(fabs(got - a->cba[s * R + d]) <= 1e-12 * scale,
                              "year %d stressor %zu region %zu: sda %.17g vs accounts %.17g", y, s,
                              d, got, a->cba[s * R + d]);
                world += got;
            }
            double w = emb_sda_value(r, s, emb_sda_n_rows(r) - 1, y ? EMB_SDA_CBA1 : EMB_SDA_CBA0);
            ck_assert_msg(fabs(w - world) <= 1e-13 * scale, "world %.17g vs sum %.17g", w, world);
        }
        emb_accounts_free(a);
    }
    for (size_t s = 0; s < t0->k; s++)
        for (size_t i = 0; i < emb_sda_n_rows(r); i++) {
            double scale = fabs(emb_sda_value(r, s, i, EMB_SDA_DELTA)) +
                           fabs(emb_sda_value(r, s, i, EMB_SDA_CBA0));
            ck_assert_msg(fabs(emb_sda_value(r, s, i, EMB_SDA_RESIDUAL)) <= 1e-10 * scale,
                          "row %s residual", emb_sda_row_name(r, i));
        }
}

/* ------------------------------------------------------------ hand cases */

START_TEST(hand_one_factor_each)
{
    emb_table *t0 = hand(A0, S0, Y0, NULL, 2009);
    static const double A1[4] = {0, .2, 0, 0}, S1[2] = {2, 0};
    static const double Ys[4] = {4, 5, 0, 5}, Yl[4] = {8, 0, 0, 20}, FY1[2] = {0, 3};
    struct {
        const char *what;
        emb_table *t1;
        double r1[5], r2[5]; /* intensity, technology, fd_structure, fd_level, household */
    } c[] = {
        {"technology", hand(A1, S0, Y0, NULL, 2010), {0, 0, 0, 0, 0}, {0, -3, 0, 0, 0}},
        {"intensity", hand(A0, S1, Y0, NULL, 2010), {4, 0, 0, 0, 0}, {5, 0, 0, 0, 0}},
        {"structure", hand(A0, S0, Ys, NULL, 2010), {0, 0, 0, 0, 0}, {0, 0, 2.5, 0, 0}},
        {"level", hand(A0, S0, Yl, NULL, 2010), {0, 0, 0, 4, 0}, {0, 0, 0, 5, 0}},
        {"household", hand(A0, S0, Y0, FY1, 2010), {0, 0, 0, 0, 0}, {0, 0, 0, 0, 3}},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        emb_sda *r = sda(t0, c[i].t1, 0);
        ck_assert_uint_eq(emb_sda_n_rows(r), 3);
        ck_assert_str_eq(emb_sda_row_name(r, 2), "World");
        ck_assert_int_eq(emb_sda_year(r, 0), 2009);
        ck_assert_int_eq(emb_sda_year(r, 1), 2010);
        EMB_ASSERT_CLOSE(emb_sda_value(r, 0, 0, EMB_SDA_CBA0), 4, 1e-14, 1e-14);
        EMB_ASSERT_CLOSE(emb_sda_value(r, 0, 1, EMB_SDA_CBA0), 5, 1e-14, 1e-14);
        expect(r, 0, c[i].r1);
        expect(r, 1, c[i].r2);
        double w[5];
        for (int f = 0; f < 5; f++)
            w[f] = c[i].r1[f] + c[i].r2[f];
        expect(r, 2, w);
        check_cba(r, t0, c[i].t1);
        emb_sda_free(r);
        emb_table_free(c[i].t1);
    }
    emb_table_free(t0);
}
END_TEST

START_TEST(hand_two_factors_closed_form)
{
    emb_table *t0 = hand(A0, S0, Y0, NULL, 2009);
    static const double S1[2] = {2, 0}, Y1[4] = {12, 0, 0, 30};
    emb_table *t1 = hand(A0, S1, Y1, NULL, 2010);
    emb_sda *r = sda(t0, t1, 0);
    /* f0 = (4, 5); intensity 2 f0, level 3 f0 */
    expect(r, 0, (double[5]){8, 0, 0, 12, 0});
    expect(r, 1, (double[5]){10, 0, 0, 15, 0});
    EMB_ASSERT_CLOSE(emb_sda_value(r, 0, 2, EMB_SDA_DELTA), 45, 1e-14, 1e-14);
    check_cba(r, t0, t1);
    emb_sda_free(r);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* f(S_a, L_b, w_c, v_e) of consumer d from explicit 2 x 2 inverses. */
typedef struct year2 {
    double A[4], S[2], Y[4];
} year2;

static double f2(const year2 *y[2], const int bits[4], int d)
{
    const double *A = y[bits[1]]->A, *S = y[bits[0]]->S, *Yc = y[bits[2]]->Y, *Yv = y[bits[3]]->Y;
    double m11 = 1 - A[0], m12 = -A[1], m21 = -A[2], m22 = 1 - A[3], det = m11 * m22 - m12 * m21;
    double L[4] = {m22 / det, -m12 / det, -m21 / det, m11 / det};
    double vc = Yc[0 * 2 + d] + Yc[1 * 2 + d], ve = Yv[0 * 2 + d] + Yv[1 * 2 + d];
    double w[2] = {Yc[0 * 2 + d] / vc, Yc[1 * 2 + d] / vc};
    double Lw[2] = {L[0] * w[0] + L[1] * w[1], L[2] * w[0] + L[3] * w[1]};
    return (S[0] * Lw[0] + S[1] * Lw[1]) * ve;
}

START_TEST(hand_all_factors_match_the_24_orders)
{
    year2 y0 = {{0, .5, 0, 0}, {1, 0}, {4, 0, 0, 10}};
    year2 y1 = {{0, .2, .1, 0}, {2, .5}, {8, 10, 1, 10}};
    const year2 *yy[2] = {&y0, &y1};
    emb_table *t0 = hand(y0.A, y0.S, y0.Y, NULL, 2009);
    emb_table *t1 = hand(y1.A, y1.S, y1.Y, (double[2]){1, 2}, 2010);
    emb_sda *r = sda(t0, t1, 0);
    for (int d = 0; d < 2; d++) {
        double eff[4] = {0};
        int perm[4] = {0, 1, 2, 3}, n = 0;
        /* every order of the four factors (Heap's algorithm would do; 24 nested picks is plainer) */
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
                for (int c = 0; c < 4; c++)
                    for (int e = 0; e < 4; e++) {
                        if (a == b || a == c || a == e || b == c || b == e || c == e)
                            continue;
                        perm[0] = a, perm[1] = b, perm[2] = c, perm[3] = e;
                        int bits[4] = {0, 0, 0, 0};
                        for (int p = 0; p < 4; p++) {
                            double before = f2(yy, bits, d);
                            bits[perm[p]] = 1;
                            eff[perm[p]] += f2(yy, bits, d) - before;
                        }
                        n++;
                    }
        ck_assert_int_eq(n, 24);
        double e[5] = {eff[0] / 24, eff[1] / 24, eff[2] / 24, eff[3] / 24, d ? 2 : 1};
        expect(r, (size_t)d, e);
    }
    check_cba(r, t0, t1);
    emb_sda_free(r);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* ------------------------------------------------------ generated pairs */

static unsigned long long rng_state;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

enum { GR = 3, GS = 4, GN = GR * GS, GK = 2 };

typedef struct gen {
    double A[GN * GN], S[GK * GN], Y[GN * GR], FY[GK * GR];
} gen;

/* A productive economy: column sums of A below .6; positive intensities;
 * final demand mostly domestic with one inventory drawdown. */
static void generate(gen *g, unsigned long long seed)
{
    rng_state = seed;
    for (size_t j = 0; j < GN; j++)
        for (size_t i = 0; i < GN; i++)
            g->A[i * GN + j] = urand() * (i / GS == j / GS ? 0.09 : 0.03);
    for (size_t i = 0; i < GK * GN; i++)
        g->S[i] = 0.1 + urand();
    for (size_t i = 0; i < GN; i++)
        for (size_t d = 0; d < GR; d++)
            g->Y[i * GR + d] = (i / GS == d ? 50 : 5) * (0.2 + urand());
    g->Y[1 * GR + 2] = -0.5;
    for (size_t i = 0; i < GK * GR; i++)
        g->FY[i] = 10 * urand();
}

static emb_table *gtable(const gen *g, int year)
{
    return build(GR, GS, GK, g->A, g->Y, g->S, NULL, g->FY, year);
}

/* Only effect `which` (0 S, 1 L, 2 w, 3 v) may be non-zero: it equals
 * delta - household_direct, the three others are 0 to 1e-12 of the CBAs. */
static void one_factor(const gen *g0, const gen *g1, int which)
{
    static const emb_sda_field E[4] = {EMB_SDA_INTENSITY, EMB_SDA_TECHNOLOGY,
                                       EMB_SDA_FD_STRUCTURE, EMB_SDA_FD_LEVEL};
    emb_table *t0 = gtable(g0, 2000), *t1 = gtable(g1, 2001);
    emb_sda *r = sda(t0, t1, 0);
    check_cba(r, t0, t1);
    for (size_t s = 0; s < GK; s++)
        for (size_t i = 0; i < emb_sda_n_rows(r); i++) {
            double scale = fabs(emb_sda_value(r, s, i, EMB_SDA_CBA0)) +
                           fabs(emb_sda_value(r, s, i, EMB_SDA_CBA1));
            double moved = emb_sda_value(r, s, i, EMB_SDA_DELTA) -
                           emb_sda_value(r, s, i, EMB_SDA_HOUSEHOLD_DIRECT);
            for (int f = 0; f < 4; f++) {
                double v = emb_sda_value(r, s, i, E[f]);
                if (f == which)
                    ck_assert_msg(fabs(v - moved) <= 1e-12 * scale && fabs(moved) > 1e-3 * scale,
                                  "factor %d row %zu: effect %.17g, delta %.17g", f, i, v, moved);
                else
                    ck_assert_msg(fabs(v) <= 1e-12 * scale, "factor %d changed alone but effect "
                                  "%d of row %zu is %.3g (scale %.3g)", which, f, i, v, scale);
            }
        }
    emb_sda_free(r);
    emb_table_free(t1);
    emb_table_free(t0);
}

START_TEST(generated_one_factor_alone)
{
    gen g0, g1;
    generate(&g0, 42 + (unsigned long long)_i);
    g1 = g0;
    rng_state = 7 + (unsigned long long)_i;
    switch (_i) {
    case 0: /* intensity: every S entry rescaled */
        for (size_t i = 0; i < GK * GN; i++)
            g1.S[i] *= 0.5 + urand();
        break;
    case 1: /* technology: every coefficient rescaled (columns stay below .6) */
        for (size_t i = 0; i < GN * GN; i++)
            g1.A[i] *= 0.7 + 0.6 * urand();
        break;
    case 2: /* structure: each region's basket reshuffled, its total kept */
        for (size_t d = 0; d < GR; d++) {
            double v0 = 0, v1 = 0;
            for (size_t i = 0; i < GN; i++) {
                v0 += g0.Y[i * GR + d];
                g1.Y[i * GR + d] = g0.Y[((i + 5) % GN) * GR + d] * (0.5 + urand());
                v1 += g1.Y[i * GR + d];
            }
            for (size_t i = 0; i < GN; i++)
                g1.Y[i * GR + d] *= v0 / v1;
        }
        break;
    case 3: /* level: each region's basket scaled by its own factor */
        for (size_t d = 0; d < GR; d++) {
            double b = 0.5 + 2 * urand();
            for (size_t i = 0; i < GN; i++)
                g1.Y[i * GR + d] *= b;
        }
        break;
    }
    one_factor(&g0, &g1, _i);
}
END_TEST

START_TEST(generated_everything_changes_groups_are_sums)
{
    gen g0, g1;
    generate(&g0, 1);
    generate(&g1, 2);
    emb_table *t0 = gtable(&g0, 2000), *t1 = gtable(&g1, 2005);
    const char *m[] = {"R1", "R3"};
    ck_assert_int_eq(emb_table_add_group(t0, "G13", 2, m), EMB_OK);
    emb_sda *r = sda(t0, t1, 0);
    ck_assert_uint_eq(emb_sda_n_rows(r), GR + 2);
    check_cba(r, t0, t1);
    size_t g = row(r, "G13");
    for (size_t s = 0; s < GK; s++)
        for (int f = 0; f < EMB_SDA_NFIELDS; f++) {
            if (f == EMB_SDA_RESIDUAL)
                continue;
            double sum = emb_sda_value(r, s, 0, f) + emb_sda_value(r, s, 2, f);
            EMB_ASSERT_CLOSE(emb_sda_value(r, s, g, f), sum, 1e-13, 1e-12);
        }
    ck_assert(emb_sda_worst_residual(r) <= 1e-10);
    emb_sda_free(r);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* Every solver method gives the same decomposition (1e-9 of the CBAs):
 * the factorisations go through emb_leontief_create with opts.solver. */
START_TEST(every_solver_method_agrees)
{
    gen g0, g1;
    generate(&g0, 11);
    generate(&g1, 12);
    emb_table *t0 = gtable(&g0, 2000), *t1 = gtable(&g1, 2001);
    static const emb_solver_kind K[3] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};
    emb_sda *r[3];
    for (int m = 0; m < 3; m++) {
        emb_sda_opts o = {.solver = {.kind = K[m]}};
        r[m] = NULL;
        ck_assert_msg(emb_sda_compute(t0, t1, &o, &r[m]) == EMB_OK, "%s: %s",
                      emb_solver_name(K[m]), emb_errmsg());
        emb_solver_stats ss;
        ck_assert_int_eq(emb_sda_solver_stats(r[m], 0, &ss), EMB_OK);
        ck_assert_int_eq(ss.kind, K[m]);
    }
    for (int m = 1; m < 3; m++)
        for (size_t s = 0; s < GK; s++)
            for (size_t i = 0; i < emb_sda_n_rows(r[0]); i++) {
                double scale = fabs(emb_sda_value(r[0], s, i, EMB_SDA_CBA0)) +
                               fabs(emb_sda_value(r[0], s, i, EMB_SDA_CBA1));
                for (int f = 0; f < EMB_SDA_RESIDUAL; f++)
                    ck_assert_msg(fabs(emb_sda_value(r[m], s, i, f) - emb_sda_value(r[0], s, i, f)) <=
                                  1e-9 * scale, "%s vs dense: row %zu field %d",
                                  emb_solver_name(K[m]), i, f);
            }
    for (int m = 0; m < 3; m++)
        emb_sda_free(r[m]);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* Pure inflation: year 1 = year 0 with every money flow x 1.5 and the same
 * emissions.  Undeflated, S falls by 1/1.5 and v rises by 1.5 (intensity and
 * level cancel); --deflate1 1.5 leaves every effect at 0 and CBA unchanged. */
START_TEST(deflate1_removes_pure_inflation)
{
    gen g0;
    generate(&g0, 9);
    emb_table *t0 = gtable(&g0, 2000);
    gen g1 = g0;
    for (size_t i = 0; i < GN * GR; i++)
        g1.Y[i] *= 1.5;
    emb_table *t1 = build(GR, GS, GK, g1.A, g1.Y, NULL, t0->F, g1.FY, 2001);
    emb_sda *raw = sda(t0, t1, 0), *def = sda(t0, t1, 1.5);
    for (size_t s = 0; s < GK; s++)
        for (size_t i = 0; i < emb_sda_n_rows(raw); i++) {
            double c0 = emb_sda_value(raw, s, i, EMB_SDA_CBA0);
            ck_assert(fabs(emb_sda_value(raw, s, i, EMB_SDA_DELTA)) <= 1e-12 * fabs(c0));
            ck_assert(emb_sda_value(raw, s, i, EMB_SDA_INTENSITY) < -0.1 * fabs(c0));
            ck_assert(emb_sda_value(raw, s, i, EMB_SDA_FD_LEVEL) > 0.1 * fabs(c0));
            EMB_ASSERT_CLOSE(emb_sda_value(def, s, i, EMB_SDA_CBA1),
                             emb_sda_value(raw, s, i, EMB_SDA_CBA1), 1e-13, 0);
            for (int f = EMB_SDA_INTENSITY; f <= EMB_SDA_FD_LEVEL; f++)
                ck_assert_msg(fabs(emb_sda_value(def, s, i, f)) <= 1e-12 * fabs(c0),
                              "deflated effect %d of row %zu = %.3g", f, i,
                              emb_sda_value(def, s, i, f));
        }
    emb_sda_free(raw);
    emb_sda_free(def);
    emb_sda_opts o = {.deflate1 = -1};
    emb_sda *r = NULL;
    ck_assert_int_eq(emb_sda_compute(t0, t1, &o, &r), EMB_EUSAGE);
    ck_assert_ptr_null(r);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(mismatched_tables_name_the_first_difference)
{
    gen g;
    generate(&g, 3);
    emb_table *t0 = gtable(&g, 2000), *t1 = gtable(&g, 2001);
    emb_sda *r = NULL;
    emb_table_set_label(t1, EMB_LABEL_REGION, 1, "XX");
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "regions") && strstr(emb_errmsg(), "number 2 is 'R2'") &&
                  strstr(emb_errmsg(), "'XX'"), "%s", emb_errmsg());
    emb_table_set_label(t1, EMB_LABEL_REGION, 1, "R2");
    emb_table_set_label(t1, EMB_LABEL_SECTOR, 3, "other");
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "sectors") && strstr(emb_errmsg(), "number 4"), "%s",
                  emb_errmsg());
    emb_table_set_label(t1, EMB_LABEL_SECTOR, 3, "s4");
    emb_table_set_label(t1, EMB_LABEL_STRESSOR, 1, "N2O");
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "stressors") && strstr(emb_errmsg(), "'N2O'"), "%s",
                  emb_errmsg());
    emb_table_set_label(t1, EMB_LABEL_STRESSOR, 1, "CH4_1");
    emb_table_set_label(t1, EMB_LABEL_STRESSOR_UNIT, 0, "t");
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "stressor units"), "%s", emb_errmsg());
    emb_table_set_label(t1, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    /* A different number of regions. */
    emb_table *t2 = hand(A0, S0, Y0, NULL, 2001);
    ck_assert_int_eq(emb_sda_compute(t0, t2, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "has 3 regions") && strstr(emb_errmsg(), "has 2"), "%s",
                  emb_errmsg());
    /* Zero final demand: no structure. */
    for (size_t i = 0; i < GN; i++)
        t1->Y[i * GR + 1] = 0;
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, &r), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "region 'R2'") && strstr(emb_errmsg(), "sums to 0"), "%s",
                  emb_errmsg());
    ck_assert_ptr_null(r);
    ck_assert_int_eq(emb_sda_compute(NULL, t1, NULL, &r), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_add_group_spec(t0, "World=R1,R2"), EMB_OK);
    ck_assert_int_eq(emb_sda_compute(t0, t0, NULL, &r), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "'World'"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_sda_compute(t0, t1, NULL, NULL), EMB_EUSAGE);
    emb_table_free(t2);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

START_TEST(years_from_attribute_or_file_name)
{
    emb_table *t = hand(A0, S0, Y0, NULL, 0);
    ck_assert_int_eq(emb_sda_table_year(t), 0);
    emb_table_set_path(t, "/data/2001/wiod2013-2009-co2.h5");
    ck_assert_int_eq(emb_sda_table_year(t), 2009); /* the last one, in the file name only */
    emb_table_set_path(t, "IOT_2011_ixi.zip");
    ck_assert_int_eq(emb_sda_table_year(t), 2011);
    emb_table_set_path(t, "run12345.h5");
    ck_assert_int_eq(emb_sda_table_year(t), 0);
    emb_table_set_path(t, "t0999.h5");
    ck_assert_int_eq(emb_sda_table_year(t), 0);
    t->year = 1995;
    ck_assert_int_eq(emb_sda_table_year(t), 1995);
    ck_assert_int_eq(emb_sda_table_year(NULL), 0);
    emb_table_free(t);
}
END_TEST

START_TEST(accessors_out_of_range)
{
    emb_table *t0 = hand(A0, S0, Y0, NULL, 2009);
    emb_sda *r = sda(t0, t0, 0);
    ck_assert(isnan(emb_sda_value(r, 1, 0, EMB_SDA_CBA0)));
    ck_assert(isnan(emb_sda_value(r, 0, 3, EMB_SDA_CBA0)));
    ck_assert(isnan(emb_sda_value(r, 0, 0, EMB_SDA_NFIELDS)));
    ck_assert(isnan(emb_sda_value(NULL, 0, 0, EMB_SDA_CBA0)));
    ck_assert_ptr_null(emb_sda_row_name(r, 3));
    ck_assert_ptr_null(emb_sda_stressor(r, 1));
    ck_assert_str_eq(emb_sda_stressor(r, 0), "CO2");
    ck_assert_str_eq(emb_sda_stressor_unit(r, 0), "kt");
    ck_assert_int_eq(emb_sda_year(r, 2), 0);
    emb_solver_stats ss;
    ck_assert_int_eq(emb_sda_solver_stats(r, 1, &ss), EMB_OK);
    ck_assert_uint_eq(ss.N, 2);
    ck_assert_uint_ge(ss.n_solves, 4); /* L_1 [w_0 w_1], 2 regions (+ the exact rcond's solve) */
    ck_assert_int_eq(emb_sda_solver_stats(r, 2, &ss), EMB_EUSAGE);
    ck_assert(emb_sda_residual_solve(r) <= 1e-15);
    ck_assert_uint_eq(emb_sda_n_stressors(NULL), 0);
    /* the same table twice: every effect exactly 0 */
    expect(r, 0, (double[5]){0, 0, 0, 0, 0});
    size_t bad = 1;
    ck_assert_int_eq(emb_sda_write(r, &bad, 1, EMB_RESULTS_CSV, NULL), EMB_EUSAGE);
    emb_sda_free(r);
    emb_sda_free(NULL);
    emb_table_free(t0);
}
END_TEST

/* Every allocation of the computation failing in turn: EMB_ENOMEM, no
 * result, no leak (ASan), until the run succeeds. */
START_TEST(allocation_failures)
{
    gen g;
    generate(&g, 5);
    emb_table *t0 = gtable(&g, 2000);
    g.S[0] *= 2;
    emb_table *t1 = gtable(&g, 2001);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    emb_sda_opts o = {.ctx = ctx};
    int ok = 0;
    for (long n = 0; n < 2000 && !ok; n++) {
        emb_context_set_alloc_fail_after(ctx, n);
        emb_sda *r = NULL;
        emb_status st = emb_sda_compute(t0, t1, &o, &r);
        if (st == EMB_OK) {
            ok = 1;
            ck_assert_ptr_nonnull(r);
        } else {
            ck_assert_msg(st == EMB_ENOMEM, "after %ld allocations: %s", n, emb_errmsg());
            ck_assert_ptr_null(r);
        }
        emb_sda_free(r);
    }
    ck_assert(ok);
    emb_context_free(ctx);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

/* Interrupted at every poll in turn: EMB_EINTERRUPTED, no result, no leak;
 * then a run without interruption succeeds. */
static long polls_left;
static int stop_after(void *user)
{
    (void)user;
    return polls_left-- <= 0;
}

START_TEST(interruption_at_every_poll)
{
    gen g;
    generate(&g, 6);
    emb_table *t0 = gtable(&g, 2000);
    g.Y[0] *= 3;
    emb_table *t1 = gtable(&g, 2001);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    emb_context_set_interrupt(ctx, stop_after, NULL);
    emb_sda_opts o = {.ctx = ctx};
    int ok = 0, interrupted = 0;
    for (long n = 0; n < 1000 && !ok; n++) {
        polls_left = n;
        emb_sda *r = NULL;
        emb_status st = emb_sda_compute(t0, t1, &o, &r);
        if (st == EMB_OK) {
            ok = 1;
        } else {
            ck_assert_msg(st == EMB_EINTERRUPTED, "after %ld polls: %s", n, emb_errmsg());
            ck_assert_ptr_null(r);
            interrupted++;
        }
        emb_sda_free(r);
    }
    ck_assert(ok && interrupted >= 3); /* before, between and after the two factorisations */
    emb_context_free(ctx);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

START_TEST(writer_errors_leave_no_file)
{
    emb_table *t0 = hand(A0, S0, Y0, NULL, 2009);
    emb_sda *r = sda(t0, t0, 0);
    const char *bad = emb_test_pathf("%s/no/such/dir/sda.csv", tmp);
    ck_assert_int_eq(emb_sda_write(r, NULL, 0, EMB_RESULTS_CSV, bad), EMB_EIO);
    ck_assert_int_eq(emb_sda_write(r, NULL, 0, (emb_results_format)7, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_sda_write(NULL, NULL, 0, EMB_RESULTS_CSV, NULL), EMB_EUSAGE);
    const char *good = emb_test_pathf("%s/sda.csv", tmp);
    char path[4200];
    snprintf(path, sizeof path, "%s", good);
    size_t sel = 0, len;
    ck_assert_int_eq(emb_sda_write(r, &sel, 1, EMB_RESULTS_CSV, path), EMB_OK);
    char *csv = emb_test_slurp(path, &len);
    ck_assert_uint_eq(count_lines(csv), 1 + 3);
    free(csv);
    emb_sda_free(r);
    emb_table_free(t0);
}
END_TEST

/* ------------------------------------------------------------ groups file */

static void setup(void) { tmp = emb_test_tmpdir(); }
static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

static emb_status groups_from(emb_table *t, const char *text)
{
    const char *p = emb_test_pathf("%s/groups.csv", tmp);
    emb_test_spits(p, text);
    return emb_table_add_groups_file(t, p);
}

START_TEST(groups_file_good)
{
    gen g;
    generate(&g, 3);
    emb_table *t = gtable(&g, 2000);
    ck_assert_int_eq(groups_from(t, "group,member\n# two groups\nG12,R1\nG12,R2\n\n\"G 3\",R3\n"),
                     EMB_OK);
    ck_assert_uint_eq(emb_table_n_groups(t), 2);
    ck_assert_str_eq(emb_table_group_name(t, 0), "G12");
    ck_assert_str_eq(emb_table_group_name(t, 1), "G 3");
    size_t n;
    const size_t *m = emb_table_group_members(t, 0, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(m[0], 0);
    ck_assert_uint_eq(m[1], 1);
    m = emb_table_group_members(t, 1, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(m[0], 2);
    emb_table_free(t);
}
END_TEST

START_TEST(groups_file_errors)
{
    gen g;
    generate(&g, 3);
    emb_table *t = gtable(&g, 2000);
    ck_assert_int_eq(emb_table_add_group_spec(t, "OLD=R1"), EMB_OK);
    struct {
        const char *text, *want1, *want2;
    } c[] = {
        {"group,member\nG,R1\nG,r2\n", "line 3, column 2", "unknown region 'r2' (did you mean 'R2')"},
        {"group,member\nG,R1\nG,Q7\n", "line 3, column 2", "regions are 'R1', 'R2', 'R3'"},
        {"region,group\nG,R1\n", "line 1", "header must be 'group,member'"},
        {"group,member,share\n", "line 1", "header must be 'group,member'"},
        {"group,member\nG,R1\nH,R2\nG,R3\n", "line 4, column 1",
         "group 'G' defined twice (first at line 2, then group 'H' at line 3)"},
        {"group,member\nG,R1\nG,R1\n", "line 3, column 2", "region 'R1' listed twice"},
        {"group,member\nOLD,R2\n", "line 2, column 1", "'OLD' is already defined"},
        {"group,member\nR2,R1\n", "line 2, column 1", "is a region"},
        {"group,member\nG,R1,R2\n", "line 2, column 3", "expected 2 cells"},
        {"group,member\nG,\n", "line 2, column 2", "empty member"},
        {"group,member\n", "groups.csv", "no groups"},
        {"", "groups.csv", "empty file"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        ck_assert_msg(groups_from(t, c[i].text) == EMB_EINPUT, "case %zu accepted", i);
        const char *msg = emb_errmsg();
        ck_assert_msg(strstr(msg, "groups.csv") && strstr(msg, c[i].want1) && strstr(msg, c[i].want2),
                      "case %zu: %s", i, msg);
        ck_assert_uint_eq(emb_table_n_groups(t), 1); /* unchanged */
    }
    ck_assert_int_eq(emb_table_add_groups_file(t, emb_test_pathf("%s/missing.csv", tmp)), EMB_EIO);
    ck_assert_int_eq(emb_table_add_groups_file(t, NULL), EMB_EUSAGE);
    emb_table_free(t);
}
END_TEST

/* ------------------------------------------------------------ the CLI */

static int run_cli(const char *args, char **out, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/embodied' %s >'%s/stdout' 2>'%s/stderr'", b ? b : "build", args,
             tmp, tmp);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed", cmd);
    size_t len;
    *out = emb_test_slurp(emb_test_pathf("%s/stdout", tmp), &len);
    *err = emb_test_slurp(emb_test_pathf("%s/stderr", tmp), &len);
    return WEXITSTATUS(rc);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The line of csv starting with `prefix` holds the nine numbers v (to 1e-12). */
static void csv_row(const char *csv, const char *prefix, const double v[9])
{
    char key[256];
    snprintf(key, sizeof key, "\n%s", prefix);
    const char *p = strstr(csv, key);
    ck_assert_msg(p, "no line '%s' in:\n%s", prefix, csv);
    p += strlen(key);
    for (int f = 0; f < 9; f++) {
        char *end;
        double got = strtod(p, &end);
        ck_assert_msg(end != p && *end == (f < 8 ? ',' : '\n'), "%s: field %d unreadable", prefix, f);
        ck_assert_msg(fabs(got - v[f]) <= 1e-12 * (1 + fabs(v[f])), "%s field %d: %.17g, expected %g",
                      prefix, f, got, v[f]);
        p = end + 1;
    }
}

START_TEST(cli_output_and_exit_codes)
{
    emb_table *t0 = hand(A0, S0, Y0, NULL, 0);
    emb_table *t1 = hand(A0, (double[2]){2, 0}, Y0, NULL, 0);
    const char *p0 = emb_test_pathf("%s/io2009.h5", tmp), *p1 = emb_test_pathf("%s/io2010.h5", tmp);
    char P0[4200], P1[4200];
    snprintf(P0, sizeof P0, "%s", p0);
    snprintf(P1, sizeof P1, "%s", p1);
    ck_assert_int_eq(emb_table_write_h5(t0, P0, NULL), EMB_OK);
    ck_assert_int_eq(emb_table_write_h5(t1, P1, NULL), EMB_OK);
    emb_test_spits(emb_test_pathf("%s/g.csv", tmp), "group,member\nBoth,R1\nBoth,R2\n");
    char *out, *err, args[12000];

    snprintf(args, sizeof args, "sda '%s' '%s' -o '%s/sda.csv' --groups '%s/g.csv'", P0, P1, tmp, tmp);
    ck_assert_msg(run_cli(args, &out, &err) == 0, "%s", err);
    free(out), free(err);
    size_t len;
    char *csv = emb_test_slurp(emb_test_pathf("%s/sda.csv", tmp), &len);
    const char *hdr = "stressor,unit,region,year0,year1,cba0,cba1,delta,intensity,technology,"
                      "fd_structure,fd_level,household_direct,residual\n";
    ck_assert_msg(strncmp(csv, hdr, strlen(hdr)) == 0, "%s", csv);
    ck_assert_uint_eq(count_lines(csv), 1 + 4); /* R1, R2, Both, World */
    /* cba0,cba1,delta,intensity,technology,fd_structure,fd_level,household_direct,residual */
    csv_row(csv, "CO2,kt,R1,2009,2010,", (double[9]){4, 8, 4, 4, 0, 0, 0, 0, 0});
    csv_row(csv, "CO2,kt,R2,2009,2010,", (double[9]){5, 10, 5, 5, 0, 0, 0, 0, 0});
    csv_row(csv, "CO2,kt,Both,2009,2010,", (double[9]){9, 18, 9, 9, 0, 0, 0, 0, 0});
    csv_row(csv, "CO2,kt,World,2009,2010,", (double[9]){9, 18, 9, 9, 0, 0, 0, 0, 0});
    free(csv);

    /* The aligned table on stdout: a header and one line per row. */
    snprintf(args, sizeof args, "sda '%s' '%s' -g Pair=R1,R2 -s CO2", P0, P1);
    ck_assert_int_eq(run_cli(args, &out, &err), 0);
    ck_assert_uint_eq(count_lines(out), 1 + 4);
    ck_assert_msg(strstr(out, "fd_structure") && strstr(out, "Pair") && strstr(out, "2010"), "%s", out);
    free(out), free(err);

    struct {
        const char *args;
        int rc;
        const char *want;
    } c[] = {
        {"sda '%s'", 2, "expected two tables"},
        {"sda '%s' '%s' --deflate1 0", 2, "--deflate1 '0'"},
        {"sda '%s' '%s' --deflate1 abc", 2, "--deflate1 'abc'"},
        {"sda '%s' '%s' --nonsense", 2, "try 'embodied sda --help'"},
        {"sda '%s' '%s' -s N2O", 2, "N2O"},
        {"sda '%s' '%s' -o '%s/sda.csv'", 2, "exists"},
        {"sda '%s' '%s' --groups '%s/bad.csv'", 3, "line 2, column 2"},
        {"sda '%s' '%s/missing2011.h5'", 5, "missing2011.h5"},
        {"sda '%s' '%s' --help", 0, ""},
    };
    emb_test_spits(emb_test_pathf("%s/bad.csv", tmp), "group,member\nG,RX\n");
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        switch (i) {
        case 0: snprintf(args, sizeof args, c[i].args, P0); break;
        case 5: case 6: snprintf(args, sizeof args, c[i].args, P0, P1, tmp); break;
        case 7: snprintf(args, sizeof args, c[i].args, P0, tmp); break;
        default: snprintf(args, sizeof args, c[i].args, P0, P1); break;
        }
        int rc = run_cli(args, &out, &err);
        ck_assert_msg(rc == c[i].rc && strstr(err, c[i].want), "%s: exit %d (expected %d): %s",
                      args, rc, c[i].rc, err);
        if (i == 8)
            ck_assert_msg(strstr(out, "--deflate1") && strstr(out, "--groups"), "%s", out);
        free(out), free(err);
    }

    /* Tables that differ: an input error naming the difference. */
    emb_table_set_label(t1, EMB_LABEL_REGION, 0, "ZZ");
    ck_assert_int_eq(emb_table_write_h5(t1, P1, NULL), EMB_OK);
    snprintf(args, sizeof args, "sda '%s' '%s'", P0, P1);
    ck_assert_int_eq(run_cli(args, &out, &err), 3);
    ck_assert_msg(strstr(err, "'R1'") && strstr(err, "'ZZ'"), "%s", err);
    free(out), free(err);
    emb_table_free(t1);
    emb_table_free(t0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sda");
    TCase *tc = tcase_create("sda");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hand_one_factor_each);
    tcase_add_test(tc, hand_two_factors_closed_form);
    tcase_add_test(tc, hand_all_factors_match_the_24_orders);
    tcase_add_loop_test(tc, generated_one_factor_alone, 0, 4);
    tcase_add_test(tc, generated_everything_changes_groups_are_sums);
    tcase_add_test(tc, deflate1_removes_pure_inflation);
    tcase_add_test(tc, every_solver_method_agrees);
    tcase_add_test(tc, mismatched_tables_name_the_first_difference);
    tcase_add_test(tc, years_from_attribute_or_file_name);
    tcase_add_test(tc, accessors_out_of_range);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, interruption_at_every_poll);
    tcase_add_test(tc, writer_errors_leave_no_file);
    tcase_add_test(tc, groups_file_good);
    tcase_add_test(tc, groups_file_errors);
    tcase_add_test(tc, cli_output_and_exit_codes);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
