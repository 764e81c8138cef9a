/* tests/test_synth.c — the MRIO generator (src/synth/synth.c): determinism,
 * the structural promises of embodied/synth.h, option checking and
 * allocation-failure cleanup. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cheap assertion for inner loops: ck_assert marks its line through a pipe
 * to the forking runner on every call (a system call per entry of Z). */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static emb_table *gen(const emb_synth_opts *o)
{
    emb_table *t = NULL;
    emb_status st = emb_synth_table(o, &t);
    ck_assert_msg(st == EMB_OK, "emb_synth_table: %s", emb_errmsg());
    ck_assert_ptr_nonnull(t);
    return t;
}

/* The zero-output count the generator promises (src/synth/synth.c, step 1):
 * round(frac N), at least 1 when frac > 0, at most N - 1. */
static size_t expected_zero(const emb_synth_opts *o)
{
    size_t N = o->n_r * o->n_s, n = 0;
    if (o->zero_output_frac > 0) {
        n = (size_t)(o->zero_output_frac * (double)N + 0.5);
        n = n < 1 ? 1 : n;
    }
    return n > N - 1 ? N - 1 : n;
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof(double)) == 0;
}

START_TEST(same_seed_same_table)
{
    emb_synth_opts o = emb_synth_defaults(5, 7, 3, 2, 12345);
    emb_table *a = gen(&o), *b = gen(&o);
    size_t N = a->N;
    ck_assert(same_doubles(a->T, b->T, N * N));
    ck_assert(same_doubles(a->Y, b->Y, N * a->n_y));
    ck_assert(same_doubles(a->F, b->F, a->k * N));
    ck_assert(same_doubles(a->F_Y, b->F_Y, a->k * a->n_y));
    ck_assert_str_eq(a->source, b->source);
    o.seed = 12346;
    emb_table *c = gen(&o);
    ck_assert(!same_doubles(a->T, c->T, N * N));
    ck_assert(!same_doubles(a->Y, c->Y, N * a->n_y));
    ck_assert(!same_doubles(a->F, c->F, a->k * N));
    ck_assert_str_ne(a->source, c->source);
    emb_table_free(a);
    emb_table_free(b);
    emb_table_free(c);
}
END_TEST

START_TEST(labels_units_and_provenance)
{
    emb_synth_opts o = emb_synth_defaults(3, 12, 2, 3, 7);
    emb_table *t = gen(&o);
    ck_assert_str_eq(t->regions[0], "R001");
    ck_assert_str_eq(t->regions[2], "R003");
    ck_assert_str_eq(t->sectors[11], "S012");
    ck_assert_str_eq(t->fd_categories[1], "FD2");
    ck_assert_str_eq(t->stressors[2], "E3");
    ck_assert_str_eq(t->stressor_units[0], "kt");
    ck_assert_str_eq(t->monetary_unit, "M.USD");
    ck_assert_msg(strncmp(t->source, "embodied synth seed=7 ", 22) == 0, "%s", t->source);
    ck_assert_int_eq(t->tech_kind, EMB_TECH_Z);
    ck_assert_ptr_null(t->x);
    ck_assert_ptr_nonnull(t->T);
    ck_assert_ptr_null(t->stream);
    emb_table_free(t);
}
END_TEST

/* Every structural promise, on one table. */
static void check_structure(const emb_synth_opts *o)
{
    emb_table *t = gen(o);
    size_t N = t->N, n_y = t->n_y;
    ck_assert_uint_eq(N, o->n_r * o->n_s);
    emb_table_facts facts;
    ck_assert_msg(emb_table_validate(t, &facts) == EMB_OK, "%s", emb_errmsg());

    double *x = calloc(N, sizeof *x), *cs = calloc(N, sizeof *cs);
    ck_assert(x && cs);
    size_t n_zero = 0, n_neg_rowtotal = 0;
    for (size_t i = 0; i < N; i++) {
        double z = 0, y = 0;
        for (size_t j = 0; j < N; j++) {
            double v = t->T[i * N + j];
            REQUIRE(v >= 0, "Z[%zu][%zu] = %g < 0", i, j, v);
            z += v;
            cs[j] += v;
        }
        for (size_t c = 0; c < n_y; c++)
            y += t->Y[i * n_y + c];
        x[i] = z + y;
        REQUIRE(x[i] >= 0, "x[%zu] = %g", i, x[i]);
        n_zero += x[i] == 0;
        if (x[i] > 0 && !(y > 0))
            n_neg_rowtotal++;
    }
    /* Row totals of final demand are kept positive by the balancing. */
    ck_assert_uint_eq(n_neg_rowtotal, 0);
    ck_assert_uint_eq(n_zero, expected_zero(o));

    size_t n_zero_emitting = 0;
    for (size_t j = 0; j < N; j++) {
        if (x[j] == 0) {
            /* Zero-output: row, column and final demand exactly zero. */
            for (size_t i = 0; i < N; i++)
                REQUIRE(t->T[j * N + i] == 0.0 && t->T[i * N + j] == 0.0,
                        "zero-output %zu: Z[%zu][%zu] or Z[%zu][%zu] non-zero", j, j, i, i, j);
            for (size_t c = 0; c < n_y; c++)
                REQUIRE(t->Y[j * n_y + c] == 0.0, "zero-output %zu: Y[%zu][%zu] non-zero", j, j, c);
            int emits = 0;
            for (size_t s = 0; s < t->k; s++) {
                REQUIRE(t->F[s * N + j] >= 0, "F[%zu][%zu] < 0", s, j);
                emits |= t->F[s * N + j] > 0;
            }
            n_zero_emitting += emits;
            continue;
        }
        double a = cs[j] / x[j];
        REQUIRE(a >= 0.2 && a <= 0.8, "column sum of A at %zu = %.17g", j, a);
        for (size_t s = 0; s < t->k; s++)
            REQUIRE(t->F[s * N + j] > 0, "producing industry %zu: F[%zu] = 0", j, s);
    }
    if (o->zero_output_emits && n_zero > 0 && t->k > 0)
        ck_assert_uint_eq(n_zero_emitting, (n_zero + 1) / 2);
    else
        ck_assert_uint_eq(n_zero_emitting, 0);

    /* Negative inventory entries exactly when asked (and possible). */
    if (o->negative_inventory && n_y >= 2) {
        ck_assert_uint_gt(facts.n_negative_Y, 0);
        /* ... only in the last category of a region. */
        for (size_t i = 0; i < N; i++)
            for (size_t c = 0; c < n_y; c++)
                REQUIRE(t->Y[i * n_y + c] >= 0 || c % t->n_f == t->n_f - 1,
                        "negative Y[%zu][%zu] outside the last category", i, c);
    } else
        ck_assert_uint_eq(facts.n_negative_Y, 0);

    /* F_Y only on households (category 0), only when asked. */
    for (size_t s = 0; s < t->k; s++)
        for (size_t c = 0; c < n_y; c++) {
            double v = t->F_Y[s * n_y + c];
            if (!o->with_F_Y || c % t->n_f != 0)
                REQUIRE(v == 0.0, "F_Y[%zu][%zu] = %g, expected 0", s, c, v);
            else
                REQUIRE(v >= 0.0, "F_Y[%zu][%zu] = %g < 0", s, c, v);
        }

    /* Emissions concentrated: for n_s > 3, the 3 largest sectors (summed
     * over regions) carry at least 80 % of the producing industries' F. */
    if (o->n_s > 3) {
        double *sec = calloc(o->n_s, sizeof *sec);
        ck_assert_ptr_nonnull(sec);
        for (size_t s = 0; s < t->k; s++) {
            double tot = 0, top = 0;
            memset(sec, 0, o->n_s * sizeof *sec);
            for (size_t i = 0; i < N; i++)
                if (x[i] > 0) {
                    sec[i % o->n_s] += t->F[s * N + i];
                    tot += t->F[s * N + i];
                }
            for (int m = 0; m < 3; m++) {
                size_t best = 0;
                for (size_t q = 1; q < o->n_s; q++)
                    best = sec[q] > sec[best] ? q : best;
                top += sec[best];
                sec[best] = -1;
            }
            ck_assert_msg(top >= 0.8 * tot * (1 - 1e-12), "top-3 share %g", top / tot);
        }
        free(sec);
    }
    free(x);
    free(cs);
    emb_table_free(t);
}

START_TEST(structure_tiny)
{
    for (size_t k = 0; k <= 3; k++) {
        emb_synth_opts o = emb_synth_defaults(1, 1, 1, k, 1 + k);
        check_structure(&o);
        o.n_f = 2; /* room for a negative inventory entry */
        check_structure(&o);
    }
    /* One sector, several regions; one region, several sectors. */
    emb_synth_opts o = emb_synth_defaults(4, 1, 1, 1, 9);
    check_structure(&o);
    o = emb_synth_defaults(1, 6, 3, 2, 10);
    check_structure(&o);
}
END_TEST

START_TEST(structure_sizes_and_seeds)
{
    static const size_t sz[][3] = {{2, 3, 2}, {5, 7, 4}, {12, 20, 6}, {30, 40, 5}};
    for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            emb_synth_opts o = emb_synth_defaults(sz[s][0], sz[s][1], sz[s][2], 1 + seed % 3, seed);
            check_structure(&o);
        }
}
END_TEST

START_TEST(structure_option_variants)
{
    emb_synth_opts o = emb_synth_defaults(6, 9, 3, 2, 77);
    o.zero_output_frac = 0.1;
    check_structure(&o);
    o.zero_output_emits = 0;
    check_structure(&o);
    o.negative_inventory = 0;
    o.with_F_Y = 0;
    check_structure(&o);
    o.zero_output_frac = 0;
    o.foreign_density = 0; /* block-diagonal: no trade in intermediates */
    check_structure(&o);
    o.foreign_density = 1;
    check_structure(&o);
    /* n_f = 1 with several regions: negative entries in foreign regions. */
    o = emb_synth_defaults(3, 4, 1, 1, 5);
    check_structure(&o);
}
END_TEST

START_TEST(foreign_density_is_respected)
{
    emb_synth_opts o = emb_synth_defaults(10, 20, 2, 1, 3);
    o.zero_output_frac = 0;
    o.foreign_density = 0.25;
    emb_table *t = gen(&o);
    size_t N = t->N, nz = 0, cells = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            if (i / o.n_s != j / o.n_s) {
                cells++;
                nz += t->T[i * N + j] != 0;
            }
    double d = (double)nz / (double)cells;
    ck_assert_msg(fabs(d - 0.25) < 0.01, "foreign density %g", d);
    emb_table_free(t);
}
END_TEST

START_TEST(bad_options_are_usage_errors)
{
    emb_table *t = (emb_table *)1;
    emb_synth_opts o = emb_synth_defaults(2, 2, 1, 1, 1);
    o.foreign_density = 1.5;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(emb_errmsg(), "foreign_density"), "%s", emb_errmsg());
    o.foreign_density = NAN;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
    o = emb_synth_defaults(2, 2, 1, 1, 1);
    o.zero_output_frac = 1.0;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
    o.zero_output_frac = -0.1;
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
    o = emb_synth_defaults(0, 2, 1, 1, 1);
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
    ck_assert_int_eq(emb_synth_table(NULL, &t), EMB_EUSAGE);
    ck_assert_int_eq(emb_synth_table(&o, NULL), EMB_EUSAGE);
    /* Too large to index: refused before allocating. */
    o = emb_synth_defaults(SIZE_MAX / 4, 4, 1, 1, 1);
    ck_assert_int_eq(emb_synth_table(&o, &t), EMB_ENOMEM);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(alloc_failure_loop)
{
    /* Every allocation may fail: EMB_ENOMEM, *out NULL, nothing leaked (the
     * leak part is checked under valgrind / ASan with CK_FORK=no). */
    emb_synth_opts o = emb_synth_defaults(2, 3, 2, 2, 4);
    int done = 0;
    for (long k = 0; k < 400 && !done; k++) {
        emb_table *t = (emb_table *)1;
        emb_alloc_fail_after(k);
        emb_status st = emb_synth_table(&o, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            emb_table_free(t);
            done = 1;
        } else {
            ck_assert_int_eq(st, EMB_ENOMEM);
            ck_assert_ptr_null(t);
        }
    }
    ck_assert(done);
}
END_TEST


/* CSR output: the same numbers as dense output, bit for bit, and a valid CSR
 * holding exactly the non-zeros. */
START_TEST(csr_output_equals_dense)
{
    static const size_t sz[][2] = {{1, 1}, {3, 4}, {12, 20}, {7, 1}};
    for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++)
        for (int v = 0; v < 3; v++) {
            emb_synth_opts o = emb_synth_defaults(sz[s][0], sz[s][1], 2, 2, 40 + s);
            o.foreign_density = v == 0 ? 0.3 : v == 1 ? 0.02 : 1.0;
            o.zero_output_frac = v == 1 ? 0.1 : 0.02;
            if (v == 2)
                o.colsum_lo = o.colsum_hi = 0.9;
            emb_table *d = gen(&o);
            o.csr = 1;
            emb_table *c = gen(&o);
            size_t N = d->N, nnz = 0;
            ck_assert_ptr_null(c->T);
            ck_assert_ptr_nonnull(c->csr);
            ck_assert_int_eq(emb_csr_check(c->csr, "", "/Z"), EMB_OK);
            for (size_t i = 0; i < N * N; i++)
                nnz += d->T[i] != 0;
            ck_assert_uint_eq(c->csr->nnz, nnz);
            double *rows = malloc(N * N * sizeof *rows);
            ck_assert_ptr_nonnull(rows);
            ck_assert_int_eq(emb_table_tech_rows(c, 0, N, rows), EMB_OK);
            ck_assert(same_doubles(rows, d->T, N * N));
            ck_assert(same_doubles(c->Y, d->Y, N * d->n_y));
            ck_assert(same_doubles(c->F, d->F, d->k * N));
            ck_assert(same_doubles(c->F_Y, d->F_Y, d->k * d->n_y));
            ck_assert_str_eq(c->source, d->source);
            free(rows);
            emb_table_free(d);
            emb_table_free(c);
        }
}
END_TEST

/* colsum_lo = colsum_hi = c: every producing column of A sums to c (so the
 * spectral radius is c), final demand stays positive in every row even at
 * c = 0.95 and 0.99, and the provenance records the range. */
START_TEST(column_sums_set_the_spectral_radius)
{
    static const double cs[] = {0.6, 0.8, 0.95, 0.99};
    for (size_t q = 0; q < sizeof cs / sizeof cs[0]; q++) {
        emb_synth_opts o = emb_synth_defaults(8, 15, 3, 1, 7 + q);
        o.colsum_lo = o.colsum_hi = cs[q];
        o.foreign_density = 0.05;
        o.csr = 1;
        emb_table *t = gen(&o);
        ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
        size_t N = t->N;
        const emb_csr *m = t->csr;
        double *col = calloc(N, sizeof *col), *x = calloc(N, sizeof *x);
        ck_assert(col && x);
        for (size_t i = 0; i < N; i++) {
            double z = 0, y = 0;
            for (size_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
                z += m->data[p];
                col[m->indices[p]] += m->data[p];
            }
            for (size_t c = 0; c < t->n_y; c++)
                y += t->Y[i * t->n_y + c];
            x[i] = z + y;
            REQUIRE(x[i] == 0 || y > 0, "c = %g: row %zu has final demand %g <= 0", cs[q], i, y);
        }
        for (size_t j = 0; j < N; j++)
            if (x[j] > 0)
                REQUIRE(fabs(col[j] / x[j] - cs[q]) <= 1e-12, "c = %g: column %zu sums to %.17g",
                        cs[q], j, col[j] / x[j]);
        ck_assert_msg(strstr(t->source, "colsum=["), "%s", t->source);
        free(col);
        free(x);
        emb_table_free(t);
    }
    /* A range: every column sum inside it. */
    emb_synth_opts o = emb_synth_defaults(5, 6, 2, 1, 3);
    o.colsum_lo = 0.4, o.colsum_hi = 0.5;
    check_structure(&o);
}
END_TEST

START_TEST(bad_column_sums_are_usage_errors)
{
    emb_table *t = (emb_table *)1;
    static const double bad[][2] = {{0, 0.5}, {0.6, 0.5}, {0.5, 1.0}, {-0.1, 0.5}, {NAN, 0.5}};
    for (size_t q = 0; q < sizeof bad / sizeof bad[0]; q++) {
        emb_synth_opts o = emb_synth_defaults(2, 2, 1, 1, 1);
        o.colsum_lo = bad[q][0], o.colsum_hi = bad[q][1];
        ck_assert_int_eq(emb_synth_table(&o, &t), EMB_EUSAGE);
        ck_assert_ptr_null(t);
        ck_assert_msg(strstr(emb_errmsg(), "column sums"), "%s", emb_errmsg());
    }
}
END_TEST

START_TEST(alloc_failure_loop_csr)
{
    emb_synth_opts o = emb_synth_defaults(2, 3, 2, 2, 4);
    o.csr = 1;
    int done = 0;
    for (long k = 0; k < 400 && !done; k++) {
        emb_table *t = (emb_table *)1;
        emb_alloc_fail_after(k);
        emb_status st = emb_synth_table(&o, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            emb_table_free(t);
            done = 1;
        } else {
            ck_assert_int_eq(st, EMB_ENOMEM);
            ck_assert_ptr_null(t);
        }
    }
    ck_assert(done);
}
END_TEST

/* The brief's scale target: N = 1960 in well under a second or two. */
START_TEST(scales_to_thousands)
{
    emb_synth_opts o = emb_synth_defaults(49, 40, 6, 3, 2024);
    emb_table *t = gen(&o);
    ck_assert_uint_eq(t->N, 1960);
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("synth");
    TCase *tc = tcase_create("synth");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, same_seed_same_table);
    tcase_add_test(tc, labels_units_and_provenance);
    tcase_add_test(tc, structure_tiny);
    tcase_add_test(tc, structure_sizes_and_seeds);
    tcase_add_test(tc, structure_option_variants);
    tcase_add_test(tc, foreign_density_is_respected);
    tcase_add_test(tc, bad_options_are_usage_errors);
    tcase_add_test(tc, alloc_failure_loop);
    tcase_add_test(tc, scales_to_thousands);
    tcase_add_test(tc, csr_output_equals_dense);
    tcase_add_test(tc, column_sums_set_the_spectral_radius);
    tcase_add_test(tc, bad_column_sums_are_usage_errors);
    tcase_add_test(tc, alloc_failure_loop_csr);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
