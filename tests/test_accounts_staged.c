/* tests/test_accounts_staged.c — the staged accounts (embodied/accounts.h:
 * prepare, solve in pieces, assemble) against the one-call
 * emb_accounts_compute: the right-hand sides solved in several separate
 * pieces, out of order, by different solver objects (dense, a second dense,
 * mixed, sparse) or by the caller's own solves, assemble to the same
 * results; a missing piece is refused; argument errors are named. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static emb_table *gen(size_t n_r, size_t n_s, size_t k, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, 2, k, seed);
    o.zero_output_frac = 0.05;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&o, &t) == EMB_OK, "synth: %s", emb_errmsg());
    const char *m[] = {t->regions[0], t->regions[1]};
    ck_assert_int_eq(emb_table_add_group(t, "G01", 2, m), EMB_OK);
    return t;
}

static const emb_accounts_opts all_opts = {.per_sector = 1, .flows_by_sector = 1};

static emb_leontief *solver(const emb_table *t, emb_solver_kind kind)
{
    emb_solver_opts so = {.kind = kind};
    emb_leontief *lf = NULL;
    ck_assert_msg(emb_leontief_create(t, &so, &lf) == EMB_OK, "solver: %s", emb_errmsg());
    return lf;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        emb_status st_ = (call);                                                                   \
        ck_assert_msg(st_ == EMB_OK, "%s: %s (%s)", #call, emb_strerror(st_), emb_errmsg());     \
    } while (0)

/* Every array of b against a: bit for bit when rtol is 0, else each entry
 * within rtol of the array's largest magnitude. */
static void same(const char *what, const double *a, const double *b, size_t n, double rtol)
{
    if (rtol == 0) {
        for (size_t i = 0; i < n; i++)
            if (memcmp(&a[i], &b[i], sizeof(double)) != 0)
                ck_abort_msg("%s[%zu]: %.17g vs %.17g (not bit-identical)", what, i, a[i], b[i]);
        return;
    }
    double big = 0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(a[i]));
    for (size_t i = 0; i < n; i++)
        if (!(fabs(a[i] - b[i]) <= rtol * big))
            ck_abort_msg("%s[%zu]: %.17g vs %.17g (diff %.3g of the largest, > %.0e)", what, i, a[i],
                         b[i], fabs(a[i] - b[i]) / big, rtol);
}

static void same_accounts(const emb_accounts *a, const emb_accounts *b, double rtol)
{
    size_t k = a->k, R = a->n_r, N = a->N, G = a->n_groups;
    ck_assert(b->k == k && b->n_r == R && b->N == N && b->n_groups == G);
    same("x", a->x, b->x, N, 0);
    same("M", a->M, b->M, k * N, rtol);
    same("pba", a->pba, b->pba, k * R, 0);
    same("unallocated", a->unallocated, b->unallocated, k * R, 0);
    same("fy", a->fy, b->fy, k * R, 0);
    same("cba", a->cba, b->cba, k * R, rtol);
    same("imports", a->imports, b->imports, k * R, rtol);
    same("exports", a->exports, b->exports, k * R, rtol);
    same("flows", a->flows, b->flows, k * R * R, rtol);
    ck_assert((a->D_cba == NULL) == (b->D_cba == NULL));
    if (a->D_cba) {
        same("D_pba", a->D_pba, b->D_pba, k * N, 0);
        same("D_cba", a->D_cba, b->D_cba, k * N, rtol);
        same("D_imp", a->D_imp, b->D_imp, k * N, rtol);
        same("D_exp", a->D_exp, b->D_exp, k * N, rtol);
    }
    ck_assert((a->flows_by_sector == NULL) == (b->flows_by_sector == NULL));
    if (a->flows_by_sector)
        same("flows_by_sector", a->flows_by_sector, b->flows_by_sector, k * N * R, rtol);
    same("group pba", a->g_pba, b->g_pba, k * G, 0);
    same("group cba", a->g_cba, b->g_cba, k * G, rtol);
    same("group imports", a->g_imports, b->g_imports, k * G, rtol);
    same("group exports", a->g_exports, b->g_exports, k * G, rtol);
    same("group unallocated", a->g_unallocated, b->g_unallocated, k * G, 0);
}

static emb_accounts *one_call(const emb_table *t, emb_solver_kind kind)
{
    emb_accounts_opts o = all_opts;
    o.solver.kind = kind;
    emb_accounts *a = NULL;
    OK(emb_accounts_compute(t, &o, &a));
    return a;
}

/* Solve [first, first + count) of `which` in pieces of `piece` columns,
 * last piece first. */
static void solve_backwards(emb_accounts_prep *p, emb_leontief *lf, emb_accounts_rhs_kind which,
                            size_t first, size_t count, size_t piece)
{
    size_t np = (count + piece - 1) / piece;
    for (size_t q = np; q-- > 0;) {
        size_t c0 = first + q * piece, nc = c0 + piece > first + count ? first + count - c0 : piece;
        OK(emb_accounts_solve_range(p, lf, which, c0, nc));
    }
}

/* Sizes with k n_r <= N (per-sector imports by masked multipliers: extra
 * transposed right-hand sides) and k n_r > N (by direct solves). */
static const size_t sizes[][3] = {{4, 5, 2}, {3, 2, 5}};

/* The same dense solver, each set of right-hand sides solved in the same
 * columns as the one call (so the same BLAS calls) but in another order:
 * bit-identical to the one-call path.  In arbitrary pieces (here 3 and 2
 * columns, last piece first): within 1e-13, not bit for bit, because
 * OpenBLAS's triangular solves take other kernel paths for other column
 * counts (an ulp here and there). */
START_TEST(same_solver_bit_identical)
{
    for (size_t c = 0; c < 2; c++) {
        emb_table *t = gen(sizes[c][0], sizes[c][1], sizes[c][2], 700 + c);
        emb_accounts *ref = one_call(t, EMB_SOLVER_DENSE), *a = NULL;
        emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
        emb_accounts_prep *p = NULL;
        OK(emb_accounts_prepare(t, emb_leontief_x(lf), &all_opts, &p));
        size_t nd = emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT),
               nt = emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED), R = t->n_r, k = t->k;
        ck_assert_uint_eq(nd, c == 0 ? R : R + t->N);
        ck_assert_uint_eq(nt, c == 0 ? k + k * R : k);
        if (nt > k)
            OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, k, nt - k));
        if (nd > R)
            OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, R, nd - R));
        OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, 0, k));
        OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, 0, R));
        OK(emb_accounts_assemble(p, &a));
        same_accounts(ref, a, 0);
        ck_assert_str_eq(emb_solver_name(a->solver.kind), "dense");
        emb_accounts_free(a);
        emb_accounts_prep_free(p);
        /* arbitrary pieces, last first */
        OK(emb_accounts_prepare(t, emb_leontief_x(lf), &all_opts, &p));
        solve_backwards(p, lf, EMB_ACCOUNTS_TRANSPOSED, 0, nt, 3);
        solve_backwards(p, lf, EMB_ACCOUNTS_DIRECT, 0, nd, 2);
        OK(emb_accounts_assemble(p, &a));
        same_accounts(ref, a, 1e-13);
        ck_assert(a->residual_solve <= 1e-14 && a->residual_tsolve <= 1e-14);
        emb_accounts_free(a);
        emb_accounts_prep_free(p);
        /* solve_all is exactly what the one call does */
        OK(emb_accounts_prepare(t, emb_leontief_x(lf), &all_opts, &p));
        OK(emb_accounts_solve_all(p, lf));
        OK(emb_accounts_assemble(p, &a));
        same_accounts(ref, a, 0);
        ck_assert(a->residual_solve == ref->residual_solve &&
                  a->residual_tsolve == ref->residual_tsolve);
        emb_accounts_free(a);
        emb_accounts_prep_free(p);
        emb_leontief_free(lf);
        emb_accounts_free(ref);
        emb_table_free(t);
    }
}
END_TEST

/* Dense for the first direct columns, a second dense solver for the rest,
 * sparse for the multipliers, mixed for the per-sector transposed ones. */
START_TEST(different_solvers)
{
    for (size_t c = 0; c < 2; c++) {
        emb_table *t = gen(sizes[c][0], sizes[c][1], sizes[c][2], 710 + c);
        emb_accounts *ref = one_call(t, EMB_SOLVER_DENSE), *a = NULL;
        emb_leontief *d1 = solver(t, EMB_SOLVER_DENSE), *d2 = solver(t, EMB_SOLVER_DENSE),
                     *mx = solver(t, EMB_SOLVER_MIXED), *sp = solver(t, EMB_SOLVER_SPARSE);
        emb_accounts_prep *p = NULL;
        OK(emb_accounts_prepare(t, emb_leontief_x(d2), &all_opts, &p));
        size_t nd = emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT),
               nt = emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED), k = t->k;
        OK(emb_accounts_solve_range(p, d2, EMB_ACCOUNTS_DIRECT, 2, nd - 2));
        OK(emb_accounts_solve_range(p, sp, EMB_ACCOUNTS_TRANSPOSED, 0, k));
        if (nt > k)
            solve_backwards(p, mx, EMB_ACCOUNTS_TRANSPOSED, k, nt - k, 4);
        OK(emb_accounts_solve_range(p, d1, EMB_ACCOUNTS_DIRECT, 0, 2));
        OK(emb_accounts_assemble(p, &a));
        same_accounts(ref, a, 1e-13);
        ck_assert_str_eq(emb_solver_name(a->solver.kind), "dense"); /* the last one used */
        emb_accounts_free(a);
        emb_accounts_prep_free(p);
        emb_leontief_free(d1), emb_leontief_free(d2), emb_leontief_free(mx), emb_leontief_free(sp);
        emb_accounts_free(ref);
        emb_table_free(t);
    }
}
END_TEST

/* The caller's own machinery: rhs, emb_leontief_solve / tsolve with a
 * leading dimension larger than N, residuals, set_solution. */
START_TEST(own_solves)
{
    for (size_t c = 0; c < 2; c++) {
        emb_table *t = gen(sizes[c][0], sizes[c][1], sizes[c][2], 720 + c);
        emb_accounts *ref = one_call(t, EMB_SOLVER_DENSE), *a = NULL;
        emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
        emb_accounts_prep *p = NULL;
        OK(emb_accounts_prepare(t, emb_leontief_x(lf), &all_opts, &p));
        size_t N = t->N, ld = N + 3;
        for (int w = 0; w < 2; w++) {
            emb_accounts_rhs_kind which = w ? EMB_ACCOUNTS_TRANSPOSED : EMB_ACCOUNTS_DIRECT;
            size_t n = emb_accounts_n_rhs(p, which);
            double *B = calloc(ld * n, sizeof *B), *X = calloc(ld * n, sizeof *X);
            double *Bt = calloc(N * n, sizeof *Bt), *Xt = calloc(N * n, sizeof *Xt);
            ck_assert(B && X && Bt && Xt);
            OK(emb_accounts_rhs(p, which, 0, n, B, ld));
            memcpy(X, B, ld * n * sizeof *X);
            OK(w ? emb_leontief_tsolve(lf, n, X, ld) : emb_leontief_solve(lf, n, X, ld));
            for (size_t j = 0; j < n; j++) { /* residuals want leading dimension N */
                memcpy(Bt + j * N, B + j * ld, N * sizeof *B);
                memcpy(Xt + j * N, X + j * ld, N * sizeof *X);
            }
            double rd = 0, rt = 0;
            OK(emb_leontief_residuals(lf, t, w ? 0 : n, Xt, Bt, w ? n : 0, Xt, Bt, &rd, &rt));
            /* in two pieces, the second first */
            double res = w ? rt : rd;
            OK(emb_accounts_set_solution(p, which, n / 2, n - n / 2, X + (n / 2) * ld, ld, res));
            OK(emb_accounts_set_solution(p, which, 0, n / 2, X, ld, res));
            free(B), free(X), free(Bt), free(Xt);
        }
        OK(emb_accounts_assemble(p, &a));
        same_accounts(ref, a, 1e-13);
        ck_assert(isnan(a->rcond)); /* no solver seen by the prep */
        emb_accounts_free(a);
        emb_accounts_prep_free(p);
        emb_leontief_free(lf);
        emb_accounts_free(ref);
        emb_table_free(t);
    }
}
END_TEST

START_TEST(missing_piece_refused)
{
    emb_table *t = gen(4, 5, 2, 730);
    emb_accounts *ref = one_call(t, EMB_SOLVER_DENSE), *a = NULL;
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    emb_accounts_prep *p = NULL;
    OK(emb_accounts_prepare(t, emb_leontief_x(lf), &all_opts, &p));
    size_t nd = emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT),
           nt = emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED);
    /* nothing solved */
    ck_assert_int_eq(emb_accounts_assemble(p, &a), EMB_EUSAGE);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(emb_errmsg(), "never solved") && strstr(emb_errmsg(), "direct 0 .. 3"),
                  "%s", emb_errmsg());
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, 0, nd));
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, 0, 5));
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, 7, nt - 7));
    /* transposed 5 and 6 missing */
    ck_assert_int_eq(emb_accounts_assemble(p, &a), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "2 right-hand side(s) never solved") &&
                      strstr(emb_errmsg(), "transposed 5 .. 6"),
                  "%s", emb_errmsg());
    /* the refusal leaves the prep usable */
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, 5, 2));
    OK(emb_accounts_assemble(p, &a));
    same_accounts(ref, a, 0);
    /* spent */
    emb_accounts *b = NULL;
    ck_assert_int_eq(emb_accounts_assemble(p, &b), EMB_EUSAGE);
    ck_assert_int_eq(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, 0, 1), EMB_EUSAGE);
    emb_accounts_free(a);
    emb_accounts_prep_free(p);
    emb_leontief_free(lf);
    emb_accounts_free(ref);
    emb_table_free(t);
}
END_TEST

START_TEST(argument_errors)
{
    emb_table *t = gen(3, 4, 2, 740);
    emb_accounts_prep *p = NULL;
    /* a Z table without x: the solver's x is needed */
    ck_assert_int_eq(emb_accounts_prepare(t, NULL, &all_opts, &p), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "emb_leontief_x"), "%s", emb_errmsg());
    ck_assert_ptr_null(p);
    emb_leontief *lf = solver(t, EMB_SOLVER_DENSE);
    OK(emb_accounts_prepare(t, emb_leontief_x(lf), NULL, &p));
    size_t N = t->N, nd = emb_accounts_n_rhs(p, EMB_ACCOUNTS_DIRECT);
    ck_assert_uint_eq(nd, t->n_r); /* no per-sector columns without the option */
    ck_assert_uint_eq(emb_accounts_n_rhs(p, EMB_ACCOUNTS_TRANSPOSED), t->k);
    double *B = calloc(N * (nd + 1), sizeof *B);
    ck_assert_ptr_nonnull(B);
    ck_assert_int_eq(emb_accounts_rhs(p, EMB_ACCOUNTS_DIRECT, 1, nd, B, N), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "out of range"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_accounts_rhs(p, EMB_ACCOUNTS_DIRECT, 0, 1, B, N - 1), EMB_EUSAGE);
    ck_assert_int_eq(emb_accounts_rhs(p, (emb_accounts_rhs_kind)3, 0, 1, B, N), EMB_EUSAGE);
    ck_assert_int_eq(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, SIZE_MAX, 2),
                     EMB_EUSAGE);
    /* a residual above the limit is refused and nothing recorded */
    OK(emb_accounts_rhs(p, EMB_ACCOUNTS_DIRECT, 0, nd, B, N));
    ck_assert_int_eq(emb_accounts_set_solution(p, EMB_ACCOUNTS_DIRECT, 0, nd, B, N, 1e-6),
                     EMB_ENUMERIC);
    ck_assert_msg(strstr(emb_errmsg(), "residual"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_accounts_set_solution(p, EMB_ACCOUNTS_DIRECT, 0, nd, B, N, NAN),
                     EMB_ENUMERIC);
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_TRANSPOSED, 0, t->k));
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_assemble(p, &a), EMB_EUSAGE);
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, 0, nd));
    OK(emb_accounts_solve_range(p, lf, EMB_ACCOUNTS_DIRECT, 0, 0)); /* empty: nothing to do */
    OK(emb_accounts_assemble(p, &a));
    ck_assert_ptr_null(a->D_cba);
    emb_accounts_free(a);
    emb_accounts_prep_free(p);
    /* a table that carries x needs no solver to prepare */
    OK(emb_table_alloc_x(t));
    memcpy(t->x, emb_leontief_x(lf), N * sizeof(double));
    OK(emb_accounts_prepare(t, NULL, NULL, &p));
    emb_accounts_prep_free(p);
    emb_accounts_prep_free(NULL);
    free(B);
    emb_leontief_free(lf);
    emb_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounts_staged");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, same_solver_bit_identical);
    tcase_add_test(tc, different_solvers);
    tcase_add_test(tc, own_solves);
    tcase_add_test(tc, missing_piece_refused);
    tcase_add_test(tc, argument_errors);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
