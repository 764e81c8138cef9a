/* tests/test_cbam.c — CBAM exposure (embodied/cbam.h): a 2 regions x 2
 * sectors system solved by hand, the concordance reader and its errors,
 * mass units, totals and solvers on generated tables (zero-output sectors,
 * negative final demand, groups), the writers, and the shipped
 * concordances (datasets/cbam/) against their classifications' labels.
 *
 * The hand-solved system is the one of tests/test_drilldown.c (regions R1,
 * R2; sectors steel, power; order 1a 1b 2a 2b): A[1a,2b] = 0.5,
 * A[2a,1a] = 0.5, A[1b,1a] = 0.2; x = [5.5 4.1 3.75 7]; Z[1a,2b] = 3.5,
 * Z[2a,1a] = 2.75, Z[1b,1a] = 1.1; Y: R1 = [2 1 0 3], R2 = [0 2 1 4];
 * S = [2 1 4 0.5] kt per unit; M = S L: M_1a = 2 + 1 x 0.2 + 4 x 0.5 = 4.2, M_1b = 1.
 * Importer R2, exporter R1, concordance steel -> iron_steel 0.6 and
 * aluminium 0.4, power -> electricity 0.8:
 *   trade of 1a to R2 = Z[1a,2a] + Z[1a,2b] + Y[1a,R2] = 3.5; of 1b = Y[1b,R2] = 2;
 *   v: iron_steel 2.1, aluminium 1.4, electricity 1.6;
 *   iron_steel: direct 2 x 2.1 = 4.2 kt; + electricity 0.8 x 1 x 0.2 x 2.1 = 0.336 -> 4.536;
 *               supply chain 4.2 x 2.1 = 8.82 kt;
 *   aluminium:  direct 2.8; + 0.8 x 0.2 x 1.4 = 0.224 -> 3.024; supply chain 5.88;
 *   electricity: direct 1.6; A[1b,1b] = 0 -> 1.6; supply chain 1.6.
 * With price 80 and R1 paying 30 at home, cost = t x 50: iron_steel direct
 * 4200 t -> 210,000 EUR; with 1000 EUR per unit of money, cost_share =
 * 210000 / 2100 = 100. */
#include "core/alloc.h" /* emb_alloc_fail_after */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


static char *slurp(const char *path)
{
    size_t len;
    return emb_test_slurp(path, &len);
}

static emb_table *hand_table(const char *unit)
{
    const double Z[16] = {0, 0, 0, 3.5, 1.1, 0, 0, 0, 2.75, 0, 0, 0, 0, 0, 0, 0};
    const double Y[8] = {2, 0, 1, 2, 0, 1, 3, 4};
    const double F[4] = {11, 4.1, 15, 3.5};
    const char *regions[] = {"R1", "R2"}, *sectors[] = {"steel", "power"}, *fd[] = {"hh"};
    const char *stressors[] = {"CO2"}, *units[] = {unit};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z, NULL, Y, F, NULL, regions,
                                           sectors, fd, stressors, units, &t),
                     EMB_OK);
    return t;
}

static char *dir;

static const char *write_file(const char *name, const char *text)
{
    const char *p = emb_test_pathf("%s/%s", dir, name);
    emb_test_spits(p, text);
    return p;
}

static const char *HAND_CONC = "# a comment, then a blank line\n\n"
                               "sector,cbam_group,share\n"
                               "steel,iron_steel,0.6\n"
                               "\"steel\",aluminium,0.4\n"
                               "power,electricity,0.8\n";

static emb_leontief *solver(const emb_table *t, emb_solver_kind kind)
{
    emb_solver_opts so = {.kind = kind};
    emb_leontief *lf = NULL;
    ck_assert_msg(emb_leontief_create(t, &so, &lf) == EMB_OK, "%s", emb_errmsg());
    return lf;
}

/* The row (exporter, group, basis). */
static emb_cbam_row find(const emb_cbam *c, long e, int g, emb_cbam_basis b)
{
    for (size_t i = 0; i < emb_cbam_n_rows(c); i++) {
        emb_cbam_row r;
        ck_assert_int_eq(emb_cbam_row_get(c, i, &r), EMB_OK);
        if (r.exporter == e && r.group == g && r.basis == b)
            return r;
    }
    ck_abort_msg("no row (%ld, %d, %d)", e, g, (int)b);
    emb_cbam_row none = {0};
    return none;
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

START_TEST(hand_solved)
{
    emb_table *t = hand_table("kt");
    emb_cbam_concordance *conc = NULL;
    ck_assert_msg(emb_cbam_concordance_read(write_file("c.csv", HAND_CONC), t, &conc) == EMB_OK,
                  "%s", emb_errmsg());
    ck_assert_uint_eq(emb_cbam_concordance_n_rows(conc), 3);
    emb_leontief *lf = solver(t, KINDS[_i]);
    emb_cbam_price pr[] = {{"R1", 30}};
    emb_cbam_opts o = {.importer = "R2", .price = 80, .exporter_prices = pr,
                       .n_exporter_prices = 1, .currency_per_unit = 1000};
    emb_cbam *c = NULL;
    ck_assert_msg(emb_cbam_compute(t, lf, conc, &o, &c) == EMB_OK, "%s", emb_errmsg());
    /* 1 exporter x 3 groups x 3 bases, its totals (3), the group totals (9), the grand total (3) */
    ck_assert_uint_eq(emb_cbam_n_rows(c), 9 + 3 + 9 + 3);
    const double tol = 1e-12;
    struct {
        int g;
        double v, e[3];
    } want[] = {{EMB_CBAM_IRON_STEEL, 2.1, {4200, 4536, 8820}},
                {EMB_CBAM_ALUMINIUM, 1.4, {2800, 3024, 5880}},
                {EMB_CBAM_ELECTRICITY, 1.6, {1600, 1600, 1600}}};
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 3; b++) {
            emb_cbam_row r = find(c, 0, want[w].g, (emb_cbam_basis)b);
            EMB_ASSERT_CLOSE(r.import_value, want[w].v, tol, 0);
            EMB_ASSERT_CLOSE(r.emissions_t, want[w].e[b], tol, 0);
            EMB_ASSERT_CLOSE(r.cost_eur, 50 * want[w].e[b], tol, 0);
            EMB_ASSERT_CLOSE(r.cost_share, 50 * want[w].e[b] / (1000 * want[w].v), tol, 0);
            EMB_ASSERT_CLOSE(r.price, 80, 0, 0);
            EMB_ASSERT_CLOSE(r.exporter_price, 30, 0, 0);
        }
    emb_cbam_row tot = find(c, 0, -1, EMB_CBAM_SUPPLY_CHAIN);
    EMB_ASSERT_CLOSE(tot.import_value, 5.1, tol, 0);
    EMB_ASSERT_CLOSE(tot.emissions_t, 8820 + 5880 + 1600, tol, 0);
    emb_cbam_row all = find(c, -1, -1, EMB_CBAM_DIRECT);
    EMB_ASSERT_CLOSE(all.cost_eur, 50 * (4200 + 2800 + 1600), tol, 0);
    ck_assert(isnan(all.exporter_price));
    /* no exporter price, no conversion: cost at the full price, no share */
    o.n_exporter_prices = 0, o.currency_per_unit = 0;
    emb_cbam_free(c);
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_OK);
    emb_cbam_row r = find(c, 0, EMB_CBAM_IRON_STEEL, EMB_CBAM_DIRECT);
    EMB_ASSERT_CLOSE(r.cost_eur, 80 * 4200, tol, 0);
    ck_assert(isnan(r.cost_share));
    /* an exporter price above the border price costs nothing (never negative) */
    emb_cbam_price high[] = {{"R1", 120}};
    o.exporter_prices = high, o.n_exporter_prices = 1;
    emb_cbam_free(c);
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_OK);
    EMB_ASSERT_CLOSE(find(c, 0, -1, EMB_CBAM_SUPPLY_CHAIN).cost_eur, 0, 0, 0);
    emb_cbam_free(c);
    /* R1 as importer: R2 exports nothing of steel or power to R1 except Z[2a,1a],
     * which is sector steel of R2: 2.75 + Y[2a,R1] 0 */
    o.importer = "R1", o.n_exporter_prices = 0;
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_OK);
    EMB_ASSERT_CLOSE(find(c, 1, EMB_CBAM_IRON_STEEL, EMB_CBAM_DIRECT).import_value, 0.6 * 2.75, tol,
                     0);
    EMB_ASSERT_CLOSE(find(c, 1, EMB_CBAM_IRON_STEEL, EMB_CBAM_DIRECT).emissions_t,
                     4000 * 0.6 * 2.75, tol, 0);
    emb_cbam_free(c);
    emb_leontief_free(lf);
    emb_cbam_concordance_free(conc);
    emb_table_free(t);
}
END_TEST

/* Mass units convert to tonnes; anything else is refused, naming the unit. */
START_TEST(units)
{
    struct {
        const char *u;
        double f;
    } ok[] = {{"kg", 1e-3}, {"t", 1}, {"kt", 1e3}, {"Gg", 1e3}, {"Mt", 1e6}, {"Tg", 1e6}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        emb_table *t = hand_table(ok[i].u);
        emb_cbam_concordance *conc = NULL;
        ck_assert_int_eq(emb_cbam_concordance_read(write_file("c.csv", HAND_CONC), t, &conc), EMB_OK);
        emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
        emb_cbam_opts o = {.importer = "R2", .price = 80};
        emb_cbam *c = NULL;
        ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_OK);
        EMB_ASSERT_CLOSE(find(c, 0, EMB_CBAM_IRON_STEEL, EMB_CBAM_DIRECT).emissions_t, 4.2 * ok[i].f,
                         1e-12, 0);
        emb_cbam_free(c);
        emb_leontief_free(lf);
        emb_cbam_concordance_free(conc);
        emb_table_free(t);
    }
    emb_table *t = hand_table("kg CO2-eq");
    emb_cbam_concordance *conc = NULL;
    ck_assert_int_eq(emb_cbam_concordance_read(write_file("c.csv", HAND_CONC), t, &conc), EMB_OK);
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_cbam_opts o = {.importer = "R2", .price = 80};
    emb_cbam *c = (emb_cbam *)1;
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_EUSAGE);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "'kg CO2-eq', not a mass unit"));
    /* other usage errors */
    o.importer = "XX";
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_EUSAGE);
    o.importer = "R2", o.stressor = "CH4";
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_EUSAGE);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "no stressor 'CH4'; closest: 'CO2'"));
    o.stressor = NULL, o.price = -1;
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_EUSAGE);
    o.price = 80;
    emb_cbam_price bad[] = {{"ZZ", 3}};
    o.exporter_prices = bad, o.n_exporter_prices = 1;
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_EUSAGE);
    emb_leontief_free(lf);
    emb_cbam_concordance_free(conc);
    emb_table_free(t);
}
END_TEST

/* Every malformed concordance: EMB_EINPUT naming file and line. */
START_TEST(concordance_errors)
{
    emb_table *t = hand_table("kt");
    struct {
        const char *text, *msg;
    } bad[] = {
        {"sector,cbam_group,share\nsteal,iron_steel,1\n", "line 2: sector 'steal' is not a sector"},
        {"sector,cbam_group,share\nsteal,iron_steel,1\n", "closest: 'steel'"},
        {"sector,cbam_group,share\nsteel,iron,1\n", "cbam_group 'iron' is not one of"},
        {"sector,cbam_group,share\nsteel,cement,0\n", "share '0' is not a number in (0, 1]"},
        {"sector,cbam_group,share\nsteel,cement,1.5\n", "share '1.5'"},
        {"sector,cbam_group,share\nsteel,cement,x\n", "share 'x'"},
        {"sector,cbam_group,share\nsteel,cement,nan\n", "share 'nan'"},
        {"sector,cbam_group,share\nsteel,cement,0.7\nsteel,hydrogen,0.4\n",
         "line 3: the shares of sector 'steel' sum to"},
        {"sector,cbam_group,share\nsteel,cement,0.5\nsteel,cement,0.1\n", "mapped to cement twice"},
        {"sector,group,share\nsteel,cement,1\n", "line 1: expected the header"},
        {"# only comments\n", "no header"},
        {"sector,cbam_group,share\n", "no concordance rows"},
        {"sector,cbam_group,share\nsteel,cement\n", "line 2: expected 3 fields"},
        {"sector,cbam_group,share\nsteel,cement,1,2\n", "expected 3 fields"},
        {"sector,cbam_group,share\n\"steel,cement,1\n", "unterminated quoted field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        emb_cbam_concordance *c = (emb_cbam_concordance *)1;
        const char *p = write_file("bad.csv", bad[i].text);
        ck_assert_int_eq(emb_cbam_concordance_read(p, t, &c), EMB_EINPUT);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(emb_errmsg(), bad[i].msg) && strstr(emb_errmsg(), "bad.csv"),
                      "case %zu: '%s' lacks '%s'", i, emb_errmsg(), bad[i].msg);
    }
    emb_cbam_concordance *c = NULL;
    ck_assert_int_eq(emb_cbam_concordance_read(emb_test_pathf("%s/missing.csv", dir), t, &c), EMB_EIO);
    /* quoted labels with commas and doubled quotes, CRLF line ends */
    const char *regions[] = {"A", "B"}, *sectors[] = {"Cement, lime and plaster", "say \"hi\""};
    const char *fd[] = {"hh"}, *st[] = {"CO2"}, *un[] = {"t"};
    const double Z[16] = {0}, Y[8] = {1, 1, 1, 1, 1, 1, 1, 1}, F[4] = {1, 1, 1, 1};
    emb_table *q = NULL;
    ck_assert_int_eq(emb_table_from_arrays(2, 2, 1, 1, EMB_TECH_Z, Z, NULL, Y, F, NULL, regions,
                                           sectors, fd, st, un, &q), EMB_OK);
    const char *p = write_file("q.csv", "sector,cbam_group,share\r\n\"Cement, lime and plaster\",cement,1\r\n"
                                        "\"say \"\"hi\"\"\",hydrogen,0.25\r\n");
    ck_assert_msg(emb_cbam_concordance_read(p, q, &c) == EMB_OK, "%s", emb_errmsg());
    size_t sec;
    emb_cbam_group g;
    double share;
    ck_assert_int_eq(emb_cbam_concordance_row(c, 1, &sec, &g, &share), EMB_OK);
    ck_assert_uint_eq(sec, 1);
    ck_assert_int_eq(g, EMB_CBAM_HYDROGEN);
    EMB_ASSERT_CLOSE(share, 0.25, 0, 0);
    ck_assert_int_eq(emb_cbam_concordance_row(c, 2, &sec, &g, &share), EMB_EUSAGE);
    emb_cbam_concordance_free(c);
    emb_table_free(q);
    emb_table_free(t);
}
END_TEST

/* Generated tables: totals are the sums of their rows, import values match
 * Z and Y summed independently, supply chain >= direct (A, S >= 0 and
 * positive trade), every solver agrees; groups as importer. */
START_TEST(generated)
{
    emb_synth_opts so = emb_synth_defaults(6, 5, 2, 1, 21);
    so.zero_output_frac = 0.1;
    so.zero_output_emits = 1;
    so.negative_inventory = 1;
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_OK);
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "Gg");
    const char *g[] = {"R002", "R004", "R005"};
    ck_assert_int_eq(emb_table_add_group(t, "IMP", 3, g), EMB_OK);
    const char *p = write_file("g.csv", "sector,cbam_group,share\nS001,iron_steel,0.5\n"
                                        "S001,aluminium,0.25\nS003,cement,1\nS004,electricity,0.7\n"
                                        "S004,hydrogen,0.1\nS005,fertilisers,0.3\n");
    emb_cbam_concordance *conc = NULL;
    ck_assert_msg(emb_cbam_concordance_read(p, t, &conc) == EMB_OK, "%s", emb_errmsg());
    emb_cbam *ref = NULL;
    size_t N = t->N, ns = t->n_s;
    for (int k = 0; k < 3; k++) {
        emb_leontief *lf = solver(t, KINDS[k]);
        const double *x = emb_leontief_x(lf);
        emb_cbam_price pr[] = {{"R001", 10}, {"R006", 95}};
        emb_cbam_opts o = {.importer = "IMP", .price = 80, .exporter_prices = pr,
                           .n_exporter_prices = 2, .currency_per_unit = 2.5, .identity_tol = 1e-10};
        emb_cbam *c = NULL;
        ck_assert_msg(emb_cbam_compute(t, lf, conc, &o, &c) == EMB_OK, "%s", emb_errmsg());
        size_t n = emb_cbam_n_rows(c);
        /* 3 exporters x 6 groups x 3 bases + 3 x 3 + 6 x 3 + 3 */
        ck_assert_uint_eq(n, 54 + 9 + 18 + 3);
        const long ex[] = {0, 2, 5};
        for (int b = 0; b < 3; b++) {
            double grand = 0, grand_cost = 0;
            for (int q = 0; q < 3; q++) {
                double sum = 0, cost = 0;
                for (int gg = 0; gg < EMB_CBAM_N_GROUPS; gg++) {
                    emb_cbam_row r = find(c, ex[q], gg, (emb_cbam_basis)b);
                    sum += r.emissions_t, cost += r.cost_eur;
                    if (b == EMB_CBAM_SUPPLY_CHAIN && r.import_value > 0)
                        ck_assert(r.emissions_t >=
                                  find(c, ex[q], gg, EMB_CBAM_DIRECT_ELECTRICITY).emissions_t *
                                      (1 - 1e-12));
                    if (b == EMB_CBAM_DIRECT_ELECTRICITY && r.import_value > 0)
                        ck_assert(r.emissions_t >=
                                  find(c, ex[q], gg, EMB_CBAM_DIRECT).emissions_t * (1 - 1e-12));
                }
                emb_cbam_row tot = find(c, ex[q], -1, (emb_cbam_basis)b);
                EMB_ASSERT_CLOSE(tot.emissions_t, sum, 1e-12, 1e-300);
                EMB_ASSERT_CLOSE(tot.cost_eur, cost, 1e-12, 1e-300);
                grand += sum, grand_cost += cost;
            }
            emb_cbam_row all = find(c, -1, -1, (emb_cbam_basis)b);
            EMB_ASSERT_CLOSE(all.emissions_t, grand, 1e-12, 1e-300);
            EMB_ASSERT_CLOSE(all.cost_eur, grand_cost, 1e-12, 1e-300);
        }
        /* exporter price: R006 pays more at home than the border price, R001 pays 10 */
        EMB_ASSERT_CLOSE(find(c, 5, -1, EMB_CBAM_SUPPLY_CHAIN).cost_eur, 0, 0, 0);
        emb_cbam_row r1 = find(c, 0, EMB_CBAM_CEMENT, EMB_CBAM_DIRECT);
        EMB_ASSERT_CLOSE(r1.cost_eur, 70 * r1.emissions_t, 1e-14, 1e-300);
        /* import value of (R003, S003) to IMP, summed here from Z and Y */
        double v = 0;
        size_t i = 2 * ns + 2;
        for (int q = 0; q < 3; q++) {
            size_t d = (size_t)(g[q][3] - '1');
            for (size_t j = 0; j < ns; j++)
                v += t->T[i * N + d * ns + j];
            for (size_t f = 0; f < t->n_f; f++)
                v += t->Y[i * t->n_y + d * t->n_f + f];
        }
        emb_cbam_row cem = find(c, 2, EMB_CBAM_CEMENT, EMB_CBAM_DIRECT);
        EMB_ASSERT_CLOSE(cem.import_value, v, 1e-14, 1e-300);
        double S = x[i] > 0 ? t->F[i] / x[i] : 0;
        EMB_ASSERT_CLOSE(cem.emissions_t, 1e3 * S * v, 1e-13, 1e-300);
        EMB_ASSERT_CLOSE(cem.cost_share, cem.cost_eur / (2.5 * v), 1e-14, 1e-300);
        if (!ref) {
            ref = c;
        } else {
            for (size_t q = 0; q < n; q++) {
                emb_cbam_row a, b;
                emb_cbam_row_get(ref, q, &a);
                emb_cbam_row_get(c, q, &b);
                ck_assert(a.exporter == b.exporter && a.group == b.group && a.basis == b.basis);
                EMB_ASSERT_CLOSE(b.emissions_t, a.emissions_t, 1e-10, 1e-6);
            }
            emb_cbam_free(c);
        }
        emb_leontief_free(lf);
    }
    emb_cbam_free(ref);
    emb_cbam_concordance_free(conc);
    emb_table_free(t);
}
END_TEST

START_TEST(writers)
{
    emb_table *t = hand_table("kt");
    emb_cbam_concordance *conc = NULL;
    ck_assert_int_eq(emb_cbam_concordance_read(write_file("c.csv", HAND_CONC), t, &conc), EMB_OK);
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_cbam_opts o = {.importer = "R2", .price = 80};
    emb_cbam *c = NULL;
    ck_assert_int_eq(emb_cbam_compute(t, lf, conc, &o, &c), EMB_OK);
    const char *p = emb_test_pathf("%s/out.csv", dir);
    ck_assert_int_eq(emb_cbam_write(c, t, EMB_RESULTS_CSV, p), EMB_OK);
    char *text = slurp(p);
    const char *hdr = "exporter,cbam_group,import_value,money_unit,basis,emissions_t,price,"
                      "exporter_price,cost_eur,cost_share\n";
    ck_assert_int_eq(strncmp(text, hdr, strlen(hdr)), 0);
    ck_assert_ptr_nonnull(strstr(text, "\nR1,iron_steel,"));
    ck_assert_ptr_nonnull(strstr(text, ",direct_electricity,"));
    ck_assert_ptr_nonnull(strstr(text, "\nall,all,"));
    /* no exporter price for 'all', no cost_share without a conversion */
    ck_assert_ptr_nonnull(strstr(text, ",80,,"));
    free(text);
    ck_assert_int_eq(emb_cbam_write_summary(c, t, p), EMB_OK);
    text = slurp(p);
    ck_assert_ptr_nonnull(strstr(text, "ranked by cost on the direct_electricity basis"));
    ck_assert_ptr_nonnull(strstr(text, "   1 R1 "));
    free(text);
    emb_table *other = NULL;
    emb_synth_opts so = emb_synth_defaults(3, 2, 1, 1, 1);
    ck_assert_int_eq(emb_synth_table(&so, &other), EMB_OK);
    ck_assert_int_eq(emb_cbam_write(c, other, EMB_RESULTS_CSV, p), EMB_EUSAGE);
    emb_table_free(other);
    emb_cbam_free(c);
    emb_leontief_free(lf);
    emb_cbam_concordance_free(conc);
    emb_table_free(t);
}
END_TEST

START_TEST(alloc_failures)
{
    emb_table *t = hand_table("kt");
    const char *p = write_file("c.csv", HAND_CONC);
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_cbam_opts o = {.importer = "R2", .price = 80};
    int failures = 0;
    for (long n = 0;; n++) {
        emb_cbam_concordance *conc = NULL;
        emb_cbam *c = NULL;
        emb_alloc_fail_after(n);
        emb_status st = emb_cbam_concordance_read(p, t, &conc);
        if (!st)
            st = emb_cbam_compute(t, lf, conc, &o, &c);
        emb_alloc_fail_after(-1);
        emb_cbam_concordance_free(conc);
        if (st == EMB_OK) {
            EMB_ASSERT_CLOSE(find(c, 0, EMB_CBAM_IRON_STEEL, EMB_CBAM_DIRECT).emissions_t, 4200,
                             1e-12, 0);
            emb_cbam_free(c);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
        ck_assert_ptr_null(c);
        failures++;
        ck_assert_int_lt(n, 10000);
    }
    ck_assert_int_gt(failures, 0);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

/* The shipped concordances parse against tables labelled with their
 * classification's sectors (the label lists below are those of the
 * databases; WIOD's are the codes c1..c35 of the 2013 release as the pymrio
 * layout names them). */
static void check_shipped(const char *file, size_t n_s, const char *const *sectors)
{
    const char *regions[] = {"A", "B"}, *fd[] = {"hh"}, *st[] = {"CO2"}, *un[] = {"t"};
    size_t N = 2 * n_s;
    double *Z = calloc(N * N, sizeof *Z), *Y = calloc(N * 1 * 2, sizeof *Y), *F = calloc(N, sizeof *F);
    for (size_t i = 0; i < 2 * N; i++)
        Y[i] = 1;
    emb_table *t = NULL;
    ck_assert_msg(emb_table_from_arrays(2, n_s, 1, 1, EMB_TECH_Z, Z, NULL, Y, F, NULL, regions,
                                        sectors, fd, st, un, &t) == EMB_OK, "%s", emb_errmsg());
    emb_cbam_concordance *c = NULL;
    emb_status s = emb_cbam_concordance_read(emb_test_src_path(file), t, &c);
    ck_assert_msg(s == EMB_OK, "%s: %s", file, emb_errmsg());
    ck_assert_uint_gt(emb_cbam_concordance_n_rows(c), 0);
    emb_cbam_concordance_free(c);
    emb_table_free(t);
    free(Z), free(Y), free(F);
}

START_TEST(shipped_wiod)
{
    char names[35][8];
    const char *s[35];
    for (int i = 0; i < 35; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i + 1);
        s[i] = names[i];
    }
    check_shipped("datasets/cbam/wiod2013.csv", 35, s);
}
END_TEST

START_TEST(shipped_eora26)
{
    const char *s[] = {"Agriculture", "Fishing", "Mining and Quarrying", "Food & Beverages",
                       "Textiles and Wearing Apparel", "Wood and Paper",
                       "Petroleum, Chemical and Non-Metallic Mineral Products", "Metal Products",
                       "Electrical and Machinery", "Transport Equipment", "Other Manufacturing",
                       "Recycling", "Electricity, Gas and Water", "Construction",
                       "Maintenance and Repair", "Wholesale Trade", "Retail Trade",
                       "Hotels and Restraurants", "Transport", "Post and Telecommunications",
                       "Finacial Intermediation and Business Activities", "Public Administration",
                       "Education, Health and Other Services", "Private Households", "Others",
                       "Re-export & Re-import"};
    check_shipped("datasets/cbam/eora26.csv", 26, s);
}
END_TEST

/* GLORIA release 059: the 120 sector names of the Sectors sheet of
 * GLORIA_ReadMe_059.xlsx (the labels the importer reads). */
START_TEST(shipped_gloria)
{
    static const char *const s[120] = {
        "Growing wheat", "Growing maize", "Growing cereals n.e.c",
        "Growing leguminous crops and oil seeds", "Growing rice",
        "Growing vegetables, roots, tubers", "Growing sugar beet and cane", "Growing tobacco",
        "Growing fibre crops", "Growing crops n.e.c.", "Growing grapes", "Growing fruits and nuts",
        "Growing beverage crops (coffee, tea etc)",
        "Growing spices, aromatic, drug and pharmaceutical crops", "Seeds and plant propagation",
        "Raising of cattle", "Raising of sheep and goats", "Raising of swine/pigs",
        "Raising of poultry", "Raising of animals n.e.c.; services to agriculture",
        "Forestry and logging", "Fishing", "Crustaceans and molluscs", "Hard coal",
        "Lignite and peat", "Petroleum extraction", "Gas extraction", "Iron ores", "Uranium ores",
        "Aluminium ore", "Copper ores", "Gold ores", "Lead/zinc/silver ores", "Nickel ores",
        "Tin ores", "Other non-ferrous ores", "Quarrying of stone, sand and clay",
        "Chemical and fertilizer minerals", "Extraction of salt",
        "Mining and quarrying n.e.c.; services to mining", "Beef meat", "Sheep meat", "Pork",
        "Poultry meat", "Other meat products", "Fish products", "Cereal products",
        "Vegetable products", "Fruit products", "Food products and feeds n.e.c.",
        "Sugar refining; cocoa, chocolate and confectionery", "Animal oils and fats",
        "Vegetable oils and fats", "Dairy products", "Alcoholic and other  beverages",
        "Tobacco products", "Textiles and clothing", "Leather and footwear", "Sawmill products",
        "Pulp and paper", "Printing", "Coke oven products", "Refined petroleum products",
        "Nitrogenous fertilizers", "Non-nitrogenous and mixed fertilizers",
        "Basic petrochemical products", "Basic inorganic chemicals", "Basic organic chemicals",
        "Pharmaceuticals and medicinal products",
        "Dyes, paints, glues, detergents and other chemical products", "Rubber products",
        "Plastic products", "Clay building materials", "Glass and other ceramics n.e.c.",
        "Cement, lime and plaster products", "Other non-metallic mineral products n.e.c.",
        "Basic iron and steel", "Basic aluminium", "Basic Copper", "Basic Gold",
        "Basic lead/zinc/silver", "Basic nickel", "Basic tin", "Basic non-ferrous metals n.e.c.",
        "Fabricated metal products", "Machinery and equipment",
        "Motor vehicles, trailers and semi-trailers", "Other transport equipment",
        "Repair and installation of machinery and equipment (service)",
        "Computers; electronic products; optical and precision instruments", "Electrical equipment",
        "Furniture and other manufacturing n.e.c",
        "Electric power generation, transmission and distribution",
        "Distribution of gaseous fuels through mains",
        "Water collection, treatment and supply; sewerage",
        "Waste collection, treatment, and disposal", "Materials recovery", "Building construction",
        "Civil engineering construction",
        "Wholesale and retail trade; repair of motor vehicles and motorcycles", "Road transport",
        "Rail transport", "Transport via pipeline", "Water transport", "Air transport",
        "Services to transport", "Postal and courier services", "Hospitality", "Publishing",
        "Telecommunications", "Information services", "Finance and insurance",
        "Property and real estate", "Professional, scientific and technical services",
        "Administrative services", "Government; social security; defence; public order",
        "Education", "Human health and social work activities",
        "Arts, entertainment and recreation", "Other services",};
    check_shipped("datasets/cbam/gloria059.csv", 120, s);
}
END_TEST

/* Files whose classification this suite does not list (EXIOBASE's 163
 * industries and 200 products, ICIO's codes): parsed against a table made
 * of their own labels, so that syntax, groups and share sums are checked. */
static void check_self(const char *file)
{
    char *text = slurp(emb_test_src_path(file));
    const char *labels[64];
    size_t n = 0;
    int header = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || !line[0])
            continue;
        if (!header++)
            continue;
        char *end;
        if (line[0] == '"') { /* no doubled quotes in the shipped labels */
            line++;
            end = strchr(line, '"');
        } else {
            end = strchr(line, ',');
        }
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= !strcmp(labels[i], line);
        if (!seen) {
            ck_assert_uint_lt(n, 63);
            labels[n++] = line;
        }
    }
    labels[n++] = "something else";
    check_shipped(file, n, labels);
    free(text);
}

START_TEST(shipped_others)
{
    check_self("datasets/cbam/exiobase3_ixi.csv");
    check_self("datasets/cbam/exiobase3_pxp.csv");
    check_self("datasets/cbam/oecd-icio2018.csv");
}
END_TEST

/* Run the CLI (shell command line, stdout and stderr to files); its exit status. */
static int run(const char *args, char **out, char **err)
{
    const char *exe = emb_test_pathf("%s/embodied", getenv("EMB_BUILD_ROOT"));
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s/o.txt' 2> '%s/e.txt'", exe, args, dir, dir);
    int rc = system(cmd);
    ck_assert(WIFEXITED(rc));
    *out = slurp(emb_test_pathf("%s/o.txt", dir));
    *err = slurp(emb_test_pathf("%s/e.txt", dir));
    return WEXITSTATUS(rc);
}

/* The CLI: flows --by (its own option, never --by-sector), --top, cbam and
 * their usage errors (exit 2), a concordance error (exit 3). */
START_TEST(cli)
{
    emb_table *t = hand_table("kt");
    /* own copies: emb_test_pathf's buffers rotate */
    char h5[1024], conc[1024], csv[1024];
    snprintf(h5, sizeof h5, "%s/hand.h5", dir);
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_OK);
    emb_table_free(t);
    snprintf(conc, sizeof conc, "%s", write_file("c.csv", HAND_CONC));
    snprintf(csv, sizeof csv, "%s/cbam.csv", dir);
    char args[8192], *o, *e;

    snprintf(args, sizeof args, "flows '%s' --from R1 --to R2 --by origin-sector --csv", h5);
    ck_assert_int_eq(run(args, &o, &e), 0);
    ck_assert_msg(strstr(o, "product_region,product_sector,value,share\n"), "%s", o);
    ck_assert_ptr_nonnull(strstr(o, "CO2,kt,R1,R2,R1,steel,,,"));
    free(o), free(e);
    snprintf(args, sizeof args, "flows '%s' --from R1 --to R2 --by both --top 1", h5);
    ck_assert_int_eq(run(args, &o, &e), 0);
    ck_assert_ptr_nonnull(strstr(o, " other "));
    free(o), free(e);
    /* --by-sector still means flows_by_sector */
    snprintf(args, sizeof args, "flows '%s' --from R1 --to R2 --by-sector --csv", h5);
    ck_assert_int_eq(run(args, &o, &e), 0);
    ck_assert_ptr_nonnull(strstr(o, "stressor,unit,origin,sector,destination,value\n"));
    free(o), free(e);
    const char *usage[] = {
        "--from R1 --to R2 --by origin", "--by origin-sector",
        "--from R1 --to R2 --from R2 --to R1 --by both", "--from R1 --to R2 --by both --by-sector",
        "--from R1 --to R2 --top 3", "--from R1 --to R2 --by both --top 0",
        "--from R1 --to XX --by both"};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        snprintf(args, sizeof args, "flows '%s' %s", h5, usage[i]);
        ck_assert_msg(run(args, &o, &e) == 2, "flows %s: %s", usage[i], e);
        ck_assert_msg(!strncmp(e, "embodied", 8) && strchr(e, '\n') == strrchr(e, '\n'), "%s", e);
        free(o), free(e);
    }

    snprintf(args, sizeof args, "cbam '%s' --importer R2 --concordance '%s' --exporter-price R1=30 "
                                "--currency-per-unit 1000", h5, conc);
    ck_assert_int_eq(run(args, &o, &e), 0);
    ck_assert_ptr_nonnull(strstr(o, "ranked by cost on the direct_electricity basis"));
    ck_assert_ptr_nonnull(strstr(o, "R1         iron_steel"));
    free(o), free(e);
    snprintf(args, sizeof args, "cbam '%s' -i R2 -c '%s' -o '%s'", h5, conc, csv);
    ck_assert_int_eq(run(args, &o, &e), 0);
    ck_assert_ptr_nonnull(strstr(o, "   1 R1 "));
    free(o), free(e);
    o = slurp(csv);
    ck_assert_ptr_nonnull(strstr(o, "\nR1,iron_steel,"));
    free(o);
    /* an existing output without --force */
    ck_assert_int_eq(run(args, &o, &e), 2);
    free(o), free(e);
    const char *bad[] = {"--concordance C", "--importer R2", "--importer R2 --concordance C --price -1",
                         "--importer R2 --concordance C --exporter-price R1",
                         "--importer R2 --concordance C --exporter-price XX=3",
                         "--importer XX --concordance C", "--importer R2 --concordance C --csv -o x",
                         "--importer R2 --concordance C --currency-per-unit 0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opts[2048];
        const char *c = strstr(bad[i], " C");
        if (c)
            snprintf(opts, sizeof opts, "%.*s '%s'%s", (int)(c - bad[i]), bad[i], conc, c + 2);
        else
            snprintf(opts, sizeof opts, "%s", bad[i]);
        snprintf(args, sizeof args, "cbam '%s' %s", h5, opts);
        ck_assert_msg(run(args, &o, &e) == 2, "cbam %s: %s", opts, e);
        free(o), free(e);
    }
    const char *badconc = write_file("bad.csv", "sector,cbam_group,share\nsteal,iron_steel,1\n");
    snprintf(args, sizeof args, "cbam '%s' --importer R2 --concordance '%s'", h5, badconc);
    ck_assert_int_eq(run(args, &o, &e), 3);
    ck_assert_ptr_nonnull(strstr(e, "closest: 'steel'"));
    free(o), free(e);
}
END_TEST

int main(void)
{
    dir = emb_test_tmpdir();
    Suite *s = suite_create("cbam");
    TCase *tc = tcase_create("cbam");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, hand_solved, 0, 3);
    tcase_add_test(tc, units);
    tcase_add_test(tc, concordance_errors);
    tcase_add_test(tc, generated);
    tcase_add_test(tc, writers);
    tcase_add_test(tc, alloc_failures);
    tcase_add_test(tc, shipped_wiod);
    tcase_add_test(tc, shipped_eora26);
    tcase_add_test(tc, shipped_gloria);
    tcase_add_test(tc, shipped_others);
    tcase_add_test(tc, cli);
    suite_add_tcase(s, tc);
    int rc = emb_test_run(s);
    emb_test_rmtree(dir);
    free(dir);
    return rc;
}
