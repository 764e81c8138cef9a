/* tests/test_eebt.c — emissions embodied in bilateral trade (EEBT) beside
 * the MRIO accounts (src/analysis/eebt.c, trade.c), net transfers
 * (balance, emb_results_write_net_flows) and their outputs.
 *
 * The hand system is test_accounts.c's: 2 regions (R1, R2) x 2 sectors,
 * industries 0 = R1/s1, 1 = R1/s2, 2 = R2/s1, 3 = R2/s2, x = (100, 200, 400,
 * 100), Z[0][1] = 20, Z[2][1] = 40, Z[0][3] = 30, Z[2][3] = 10, Y (columns R1,
 * R2) = (40, 10), (150, 50), (50, 300), (-10, 110), F = (10, 40, 80, 5), F_Y =
 * (7, 3), S = (.1, .2, .2, .05); MRIO: PBA (57, 88), CBA (57.5, 87.5), B =
 * [[35.2, 14.8], [15.3, 69.7]].
 * Domestic blocks: A_11 = [[0, .1], [0, 0]] (Z[0][1] / x_1), A_22 = [[0, .1],
 * [0, 0]] (Z[2][3] / x_3); both nilpotent, so (I - A_rr)^-1 = I + A_rr:
 *   m_1 = S_1 (I + A_11) = (.1, .2 + .1 * .1) = (.1, .21)
 *   m_2 = S_2 (I + A_22) = (.2, .05 + .2 * .1) = (.2, .07)
 * Bilateral gross exports (Z to the partner's industries + Y of the partner):
 *   e_12 = (Z[0][3], 0) + (10, 50) = (40, 50);  e_21 = (Z[2][1], 0) + (50, -10) = (90, -10)
 *   diagonal: y_11 = (40, 150), y_22 = (300, 110)
 * T[r][d] = m_r . e_rd:
 *   T[1][1] = 4 + 31.5 = 35.5   T[1][2] = 4 + 10.5 = 14.5
 *   T[2][1] = 18 - .7 = 17.3    T[2][2] = 60 + 7.7 = 67.7
 * Row sums 50 = PBA_1 - F_Y_1 and 85 = PBA_2 - F_Y_2 (the identity).
 * EEBT exports (14.5, 17.3), imports (17.3, 14.5),
 * CBA^EEBT = PBA - exports + imports = (57 - 14.5 + 17.3, 88 - 17.3 + 14.5) = (59.8, 85.2),
 * world 145 = world PBA.  MRIO CBA is (57.5, 87.5): R2 ships R1 intermediate
 * s1 that R1 re-exports inside its s2 to R2; EEBT charges it to R1, MRIO
 * follows it back to R2's final demand.
 * Balance (exports - imports): MRIO (14.8 - 15.3, 15.3 - 14.8) = (-.5, .5);
 * EEBT (-2.8, 2.8).  Net transfer R1 -> R2: 14.8 - 15.3 = -.5.
 * By exporting sector: m_r[i] e_rd[i]: R1 -> R2 (4, 10.5), R2 -> R1 (18, -.7),
 * diagonal R1 (4, 31.5), R2 (60, 7.7).
 *
 * Generated tables (embodied/synth.h, zero-output sectors, emitting ones,
 * negative inventories, groups) are checked against an independent long
 * double reference computed here (Gaussian elimination per domestic block,
 * E straight from Z and Y), for every solver and every storage of T
 * (dense, CSR, streamed from the file), to 1e-10 of the stressor's world
 * total, and the identities to the same. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-13
#define RTOL 1e-10

static void check_hand(const emb_accounts *a, int by_sector)
{
    const double m[4] = {.1, .21, .2, .07}, T[4] = {35.5, 14.5, 17.3, 67.7},
                 ex[2] = {14.5, 17.3}, im[2] = {17.3, 14.5}, cba[2] = {59.8, 85.2};
    for (int i = 0; i < 4; i++) {
        EMB_ASSERT_CLOSE(a->m_dom[i], m[i], TOL, 1);
        EMB_ASSERT_CLOSE(a->eebt_flows[i], T[i], TOL, 1);
    }
    for (int r = 0; r < 2; r++) {
        EMB_ASSERT_CLOSE(a->eebt_exports[r], ex[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->eebt_imports[r], im[r], TOL, 1);
        EMB_ASSERT_CLOSE(a->eebt_cba[r], cba[r], TOL, 1);
    }
    ck_assert(a->residual_domestic < 1e-15);
    ck_assert(a->eebt_identity_error < 1e-15);
    if (!by_sector) {
        ck_assert_ptr_null(a->eebt_flows_by_sector);
        return;
    }
    /* [i][d]: industry i's exports to d (its own final demand on the diagonal) */
    const double fbs[4][2] = {{4, 4}, {31.5, 10.5}, {18, 60}, {-.7, 7.7}};
    for (int i = 0; i < 4; i++)
        for (int d = 0; d < 2; d++)
            EMB_ASSERT_CLOSE(a->eebt_flows_by_sector[i * 2 + d], fbs[i][d], TOL, 1);
}

START_TEST(hand_system)
{
    /* Z without x (x = Z 1 + Y 1 by the solver), Z with x, A with x. */
    const struct {
        emb_tech_kind kind;
        int with_x;
    } cases[] = {{EMB_TECH_Z, 0}, {EMB_TECH_Z, 1}, {EMB_TECH_A, 1}};
    for (size_t c = 0; c < 3; c++) {
        emb_table *t = emb_test_hand_table(cases[c].kind, cases[c].with_x);
        emb_accounts *a = NULL;
        emb_accounts_opts o = {.eebt_by_sector = 1};
        ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
        check_hand(a, 1);
        /* the MRIO accounts are those of test_accounts.c, untouched */
        EMB_ASSERT_CLOSE(a->cba[0], 57.5, TOL, 1);
        EMB_ASSERT_CLOSE(a->flows[1], 14.8, TOL, 1);
        ck_assert_ptr_null(a->tcba);
        emb_accounts_free(a);
        emb_table_free(t);
    }
}
END_TEST

/* Groups: sums of members; the accessors; emb_accounts_add_eebt on accounts
 * computed without it equals the one call; without the options nothing is
 * allocated and the MRIO arrays are bit-identical. */
START_TEST(groups_accessors_and_add)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "ONE=R2"), EMB_OK);
    emb_accounts *a = NULL, *b = NULL;
    emb_accounts_opts o = {.eebt = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    check_hand(a, 0);
    EMB_ASSERT_CLOSE(a->g_eebt_cba[0], 145, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_eebt_imports[0], 31.8, TOL, 1); /* sum of members, as the MRIO groups */
    EMB_ASSERT_CLOSE(a->g_eebt_exports[0], 31.8, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_eebt_cba[1], 85.2, TOL, 1);
    EMB_ASSERT_CLOSE(a->g_eebt_exports[1], 17.3, TOL, 1);
    size_t n;
    ck_assert(emb_accounts_array(a, EMB_ACC_M_DOM, &n) == a->m_dom && n == 4);
    ck_assert(emb_accounts_array(a, EMB_ACC_EEBT_FLOWS, &n) == a->eebt_flows && n == 4);
    ck_assert(emb_accounts_array(a, EMB_ACC_EEBT_CBA, &n) == a->eebt_cba && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_EEBT_IMPORTS, &n) == a->eebt_imports && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_EEBT_EXPORTS, &n) == a->eebt_exports && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_G_EEBT_CBA, &n) == a->g_eebt_cba && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_G_EEBT_IMPORTS, &n) == a->g_eebt_imports && n == 2);
    ck_assert(emb_accounts_array(a, EMB_ACC_G_EEBT_EXPORTS, &n) == a->g_eebt_exports && n == 2);
    ck_assert_ptr_null(emb_accounts_array(a, EMB_ACC_EEBT_FLOWS_BY_SECTOR, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(emb_accounts_array(a, EMB_ACC_TCBA, &n));

    /* Without the options: nothing of EEBT, the MRIO arrays bit-identical. */
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &b), EMB_OK);
    ck_assert_ptr_null(b->m_dom);
    ck_assert_ptr_null(b->eebt_flows);
    ck_assert_ptr_null(b->eebt_cba);
    ck_assert_ptr_null(b->g_eebt_cba);
    ck_assert_ptr_null(emb_accounts_array(b, EMB_ACC_M_DOM, NULL));
    ck_assert(memcmp(a->flows, b->flows, 4 * sizeof(double)) == 0);
    ck_assert(memcmp(a->cba, b->cba, 2 * sizeof(double)) == 0);
    ck_assert(memcmp(a->M, b->M, 4 * sizeof(double)) == 0);
    ck_assert(memcmp(a->g_cba, b->g_cba, 2 * sizeof(double)) == 0);
    /* Added afterwards (and again, by sector: replaced): the same numbers. */
    ck_assert_int_eq(emb_accounts_add_eebt(b, t, NULL), EMB_OK);
    ck_assert(memcmp(a->eebt_flows, b->eebt_flows, 4 * sizeof(double)) == 0);
    ck_assert(memcmp(a->g_eebt_cba, b->g_eebt_cba, 2 * sizeof(double)) == 0);
    emb_accounts_opts bs = {.eebt_by_sector = 1};
    ck_assert_int_eq(emb_accounts_add_eebt(b, t, &bs), EMB_OK);
    check_hand(b, 1);
    ck_assert(emb_accounts_array(b, EMB_ACC_EEBT_FLOWS_BY_SECTOR, &n) == b->eebt_flows_by_sector &&
              n == 8);
    /* Bad arguments: usage errors naming the function. */
    ck_assert_int_eq(emb_accounts_add_eebt(NULL, t, NULL), EMB_EUSAGE);
    emb_table *other = emb_test_hand_table(EMB_TECH_Z, 0); /* no groups: not the accounts' table */
    ck_assert_int_eq(emb_accounts_add_eebt(b, other, NULL), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "emb_accounts_add_eebt"), "%s", emb_errmsg());
    emb_table_free(other);
    emb_accounts_free(a);
    emb_accounts_free(b);
    emb_table_free(t);
}
END_TEST

/* Numerical errors are raised, named, and leave the accounts unchanged: a
 * singular domestic block (A_11 = [[1, 0], [0, 0]] after the accounts were
 * computed) and a broken identity (final demand changed afterwards). */
START_TEST(errors_leave_accounts_unchanged)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_A, 1);
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.eebt = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    double *keep = a->eebt_flows;
    t->T[0] = 1.0; /* A_11[0][0] = 1: I - A_11 has a zero column */
    ck_assert_int_eq(emb_accounts_add_eebt(a, t, NULL), EMB_ENUMERIC);
    ck_assert_msg(strstr(emb_errmsg(), "singular") && strstr(emb_errmsg(), "region R1"), "%s",
                  emb_errmsg());
    ck_assert_ptr_eq(a->eebt_flows, keep);
    check_hand(a, 0);
    t->T[0] = 0.0;
    t->Y[0] += 1.0; /* x is no longer Z 1 + Y 1: the row sums of T miss PBA - F_Y */
    ck_assert_int_eq(emb_accounts_add_eebt(a, t, NULL), EMB_ENUMERIC);
    /* (the row and the column identity are off by the same 0.1 = m_1[s1] x 1) */
    ck_assert_msg(strstr(emb_errmsg(), "EEBT identity violated: EEBT flows") &&
                      strstr(emb_errmsg(), "stressor CO2") && strstr(emb_errmsg(), "region R1"),
                  "%s", emb_errmsg());
    ck_assert_ptr_eq(a->eebt_flows, keep);
    check_hand(a, 0);
    /* A looser tolerance accepts it (the identity is what was refused). */
    emb_accounts_opts loose = {.identity_tol = 1e-1};
    ck_assert_int_eq(emb_accounts_add_eebt(a, t, &loose), EMB_OK);
    ck_assert(a->eebt_identity_error > 1e-4); /* 0.1 / 145 */
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* ---- Generated tables against an independent long double reference ---- */

/* (I - A_rr)^T m = s by Gaussian elimination with partial pivoting in long
 * double, n x n, M row-major (the system matrix itself). */
static void ld_solve(size_t n, long double *M, long double *b)
{
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabsl(M[r * n + c]) > fabsl(M[p * n + c]))
                p = r;
        ck_assert_msg(M[p * n + c] != 0, "reference: singular block");
        if (p != c) {
            for (size_t j = 0; j < n; j++) {
                long double tmp = M[c * n + j];
                M[c * n + j] = M[p * n + j];
                M[p * n + j] = tmp;
            }
            long double tmp = b[c];
            b[c] = b[p];
            b[p] = tmp;
        }
        for (size_t r = c + 1; r < n; r++) {
            long double f = M[r * n + c] / M[c * n + c];
            for (size_t j = c; j < n; j++)
                M[r * n + j] -= f * M[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        long double v = b[c];
        for (size_t j = c + 1; j < n; j++)
            v -= M[c * n + j] * b[j];
        b[c] = v / M[c * n + c];
    }
}

typedef struct ref {
    long double *m;    /* [k][N] */
    long double *T;    /* [k][R][R] */
    long double *fbs;  /* [k][N][R] */
} ref;

/* The reference from a dense Z table (T in memory) and x. */
static ref reference(const emb_table *t, const double *x)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = t->k, nf = t->n_f;
    ref q = {calloc(k * N, sizeof(long double)), calloc(k * R * R, sizeof(long double)),
             calloc(k * N * R, sizeof(long double))};
    long double *E = calloc(N * R, sizeof *E), *Mb = malloc(ns * ns * sizeof *Mb),
                *b = malloc(ns * sizeof *b);
    ck_assert(q.m && q.T && q.fbs && E && Mb && b);
    for (size_t i = 0; i < N; i++)
        for (size_t d = 0; d < R; d++) {
            long double v = 0;
            for (size_t c = 0; c < nf; c++)
                v += t->Y[i * t->n_y + d * nf + c];
            if (d != i / ns)
                for (size_t j = d * ns; j < (d + 1) * ns; j++)
                    if (x[j] > 0)
                        v += t->T[i * N + j];
            E[i * R + d] = v;
        }
    for (size_t r = 0; r < R; r++)
        for (size_t s = 0; s < k; s++) {
            /* system matrix (I - A_rr)^T: row q, column i = delta - A[i][q] */
            for (size_t qq = 0; qq < ns; qq++) {
                size_t jq = r * ns + qq;
                for (size_t ii = 0; ii < ns; ii++) {
                    size_t ji = r * ns + ii;
                    long double a = x[jq] > 0 ? (long double)t->T[ji * N + jq] / x[jq] : 0;
                    Mb[qq * ns + ii] = (qq == ii) - a;
                }
                b[qq] = x[jq] > 0 ? (long double)t->F[s * N + jq] / x[jq] : 0;
            }
            ld_solve(ns, Mb, b);
            for (size_t ii = 0; ii < ns; ii++)
                q.m[s * N + r * ns + ii] = b[ii];
        }
    for (size_t s = 0; s < k; s++)
        for (size_t i = 0; i < N; i++)
            for (size_t d = 0; d < R; d++) {
                long double v = q.m[s * N + i] * E[i * R + d];
                q.fbs[(s * N + i) * R + d] = v;
                q.T[(s * R + i / ns) * R + d] += v;
            }
    free(E);
    free(Mb);
    free(b);
    return q;
}

static void ref_free(ref *q)
{
    free(q->m);
    free(q->T);
    free(q->fbs);
}

#define CLOSE_W(a, b, W, ...)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b), w_ = (W);                                                       \
        if (!(fabs(a_ - b_) <= RTOL * w_)) {                                                       \
            char what_[256];                                                                       \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                            \
            ck_abort_msg("%s: %.17g vs %.17g (diff %.3g = %.3g x scale)", what_, a_, b_,           \
                         fabs(a_ - b_), fabs(a_ - b_) / w_);                                       \
        }                                                                                          \
    } while (0)

/* Every EEBT result of a against the reference and the identities. */
static void check_generated(const emb_table *t, const emb_accounts *a, const ref *q, int by_sector)
{
    size_t N = t->N, R = t->n_r, ns = t->n_s, k = t->k, G = t->n_groups;
    ck_assert_msg(a->residual_domestic <= 1e-13, "residual %g", a->residual_domestic);
    ck_assert_msg(a->eebt_identity_error <= RTOL, "identity error %g", a->eebt_identity_error);
    for (size_t s = 0; s < k; s++) {
        double W = 0, mmax = 0, wp = 0, we = 0;
        for (size_t r = 0; r < R; r++) {
            W += fabs(a->pba[s * R + r]) + fabs(a->unallocated[s * R + r]);
            wp += a->pba[s * R + r];
            we += a->eebt_cba[s * R + r];
        }
        for (size_t i = 0; i < N; i++)
            mmax = fmax(mmax, fabsl(q->m[s * N + i]));
        CLOSE_W(we, wp, W, "world EEBT CBA vs world PBA, stressor %zu", s);
        for (size_t i = 0; i < N; i++)
            CLOSE_W(a->m_dom[s * N + i], (double)q->m[s * N + i], mmax, "m_dom[%zu][%zu]", s, i);
        for (size_t r = 0; r < R; r++) {
            double rs = 0, cs = 0, ex = 0, im = 0;
            for (size_t d = 0; d < R; d++) {
                size_t io = (s * R + r) * R + d;
                CLOSE_W(a->eebt_flows[io], (double)q->T[io], W, "T[%zu][%zu][%zu]", s, r, d);
                rs += a->eebt_flows[io];
                cs += a->eebt_flows[(s * R + d) * R + r];
                if (d != r) {
                    ex += (double)q->T[io];
                    im += (double)q->T[(s * R + d) * R + r];
                }
            }
            size_t ir = s * R + r;
            CLOSE_W(rs, a->pba[ir] - a->fy[ir], W, "row sum of T = PBA - F_Y, %zu %zu", s, r);
            CLOSE_W(cs + a->fy[ir], a->eebt_cba[ir], W, "column sum + F_Y = EEBT CBA, %zu %zu", s, r);
            CLOSE_W(a->eebt_exports[ir], ex, W, "EEBT exports %zu %zu", s, r);
            CLOSE_W(a->eebt_imports[ir], im, W, "EEBT imports %zu %zu", s, r);
            CLOSE_W(a->eebt_cba[ir], a->pba[ir] - ex + im, W, "EEBT CBA %zu %zu", s, r);
        }
        for (size_t g = 0; g < G; g++) {
            double c = 0, e = 0, i2 = 0;
            for (size_t m = 0; m < t->groups[g].n; m++) {
                size_t r = t->groups[g].members[m];
                c += a->eebt_cba[s * R + r];
                e += a->eebt_exports[s * R + r];
                i2 += a->eebt_imports[s * R + r];
            }
            CLOSE_W(a->g_eebt_cba[s * G + g], c, W, "group EEBT CBA %zu %zu", s, g);
            CLOSE_W(a->g_eebt_exports[s * G + g], e, W, "group EEBT exports %zu %zu", s, g);
            CLOSE_W(a->g_eebt_imports[s * G + g], i2, W, "group EEBT imports %zu %zu", s, g);
        }
        if (by_sector) {
            for (size_t i = 0; i < N; i++)
                for (size_t d = 0; d < R; d++) {
                    size_t ib = (s * N + i) * R + d;
                    CLOSE_W(a->eebt_flows_by_sector[ib], (double)q->fbs[ib], W,
                            "by sector [%zu][%zu][%zu]", s, i, d);
                }
            /* ... and they add up to the flows */
            for (size_t r = 0; r < R; r++)
                for (size_t d = 0; d < R; d++) {
                    double v = 0;
                    for (size_t j = 0; j < ns; j++)
                        v += a->eebt_flows_by_sector[(s * N + r * ns + j) * R + d];
                    CLOSE_W(v, a->eebt_flows[(s * R + r) * R + d], W, "sum by sector %zu %zu %zu",
                            s, r, d);
                }
        }
    }
}

static emb_table *generated(size_t n_r, size_t n_s, uint64_t seed, int csr)
{
    emb_synth_opts so = emb_synth_defaults(n_r, n_s, 3, 2, seed);
    so.zero_output_frac = 0.08;
    so.zero_output_emits = 1;
    so.negative_inventory = 1;
    so.with_F_Y = 1;
    so.csr = csr;
    emb_table *t = NULL;
    ck_assert_msg(emb_synth_table(&so, &t) == EMB_OK, "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_add_group_spec(t, "G1=R001,R002"), EMB_OK);
    const char *all[16];
    ck_assert_uint_le(n_r, 16);
    for (size_t r = 0; r < n_r; r++)
        all[r] = t->regions[r];
    ck_assert_int_eq(emb_table_add_group(t, "ALL", n_r, all), EMB_OK);
    return t;
}

static const emb_solver_kind KINDS[] = {EMB_SOLVER_DENSE, EMB_SOLVER_MIXED, EMB_SOLVER_SPARSE};

/* Every solver on a dense table in memory: the same EEBT against the
 * reference (EEBT depends on x only, which the solvers agree on). */
START_TEST(generated_every_solver)
{
    emb_table *t = generated(4, 7, 11 + (uint64_t)_i, 0);
    size_t n_zero = 0;
    for (size_t i = 0; i < t->N; i++) {
        double v = 0;
        for (size_t j = 0; j < t->N; j++)
            v += t->T[i * t->N + j];
        for (size_t c = 0; c < t->n_y; c++)
            v += t->Y[i * t->n_y + c];
        n_zero += v == 0;
    }
    ck_assert_msg(n_zero > 0, "the generated table has no zero-output sector");
    for (size_t kk = 0; kk < 3; kk++) {
        emb_accounts_opts o = {.eebt_by_sector = 1, .identity_tol = RTOL};
        o.solver.kind = KINDS[kk];
        emb_accounts *a = NULL;
        ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s: %s",
                      emb_solver_name(KINDS[kk]), emb_errmsg());
        ck_assert_uint_gt(a->n_zero_output, 0);
        ck_assert_uint_gt(a->n_negative_Y, 0);
        ref q = reference(t, a->x);
        check_generated(t, a, &q, 1);
        ref_free(&q);
        emb_accounts_free(a);
    }
    emb_table_free(t);
}
END_TEST

/* Blocks of 100 sectors and more are factorised one region at a time (with
 * OpenBLAS's threads): the same results against the reference. */
START_TEST(large_blocks)
{
    emb_table *t = generated(2, 110, 61, 0);
    emb_accounts_opts o = {.eebt_by_sector = 1, .identity_tol = RTOL};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *a = NULL;
    ck_assert_msg(emb_accounts_compute(t, &o, &a) == EMB_OK, "%s", emb_errmsg());
    ref q = reference(t, a->x);
    check_generated(t, a, &q, 1);
    ref_free(&q);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* Storage of T: CSR in memory and streamed from an HDF5 file give what the
 * dense table gives, bit for bit (same x, same rows read). */
START_TEST(every_storage)
{
    emb_table *d = generated(4, 6, 21, 0), *c = generated(4, 6, 21, 1);
    char *tmp = emb_test_tmpdir();
    const char *path = emb_test_pathf("%s/t.h5", tmp);
    ck_assert_int_eq(emb_table_write_h5(d, path, NULL), EMB_OK);
    emb_table *f = NULL;
    ck_assert_int_eq(emb_table_read_h5(path, EMB_READ_DEFAULT, &f), EMB_OK);
    ck_assert_ptr_null(f->T);
    ck_assert_uint_eq(f->n_groups, 2); /* written with the table */
    emb_accounts_opts o = {.eebt_by_sector = 1, .identity_tol = RTOL};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *ad = NULL, *ac = NULL, *af = NULL;
    ck_assert_int_eq(emb_accounts_compute(d, &o, &ad), EMB_OK);
    ck_assert_int_eq(emb_accounts_compute(c, &o, &ac), EMB_OK);
    ck_assert_int_eq(emb_accounts_compute(f, &o, &af), EMB_OK);
    ref q = reference(d, ad->x);
    check_generated(d, ad, &q, 1);
    ref_free(&q);
    size_t k = d->k, N = d->N, R = d->n_r;
    const emb_accounts *other[2] = {ac, af};
    for (int w = 0; w < 2; w++) {
        ck_assert(memcmp(ad->m_dom, other[w]->m_dom, k * N * sizeof(double)) == 0);
        ck_assert(memcmp(ad->eebt_flows, other[w]->eebt_flows, k * R * R * sizeof(double)) == 0);
        ck_assert(memcmp(ad->eebt_flows_by_sector, other[w]->eebt_flows_by_sector,
                         k * N * R * sizeof(double)) == 0);
        ck_assert(memcmp(ad->g_eebt_cba, other[w]->g_eebt_cba, k * 2 * sizeof(double)) == 0);
    }
    emb_accounts_free(ad);
    emb_accounts_free(ac);
    emb_accounts_free(af);
    emb_table_free(d);
    emb_table_free(c);
    emb_table_free(f);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The staged accounts (prepare, solve, assemble) run the analyses at
 * assembly: the same numbers as the one call. */
START_TEST(staged_equals_one_call)
{
    emb_table *t = generated(3, 5, 5, 0);
    emb_accounts_opts o = {.eebt = 1, .tcba = 1};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *a = NULL, *b = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    emb_leontief *lf = NULL;
    emb_accounts_prep *p = NULL;
    ck_assert_int_eq(emb_leontief_create(t, &o.solver, &lf), EMB_OK);
    ck_assert_int_eq(emb_accounts_prepare(t, emb_leontief_x(lf), &o, &p), EMB_OK);
    ck_assert_int_eq(emb_accounts_solve_all(p, lf), EMB_OK);
    ck_assert_int_eq(emb_accounts_assemble(p, &b), EMB_OK);
    size_t k = t->k, R = t->n_r;
    ck_assert(memcmp(a->eebt_flows, b->eebt_flows, k * R * R * sizeof(double)) == 0);
    ck_assert(memcmp(a->eebt_cba, b->eebt_cba, k * R * sizeof(double)) == 0);
    ck_assert(memcmp(a->tcba, b->tcba, k * R * sizeof(double)) == 0);
    emb_accounts_prep_free(p);
    emb_leontief_free(lf);
    emb_accounts_free(a);
    emb_accounts_free(b);
    emb_table_free(t);
}
END_TEST

/* Allocation failure at every k of emb_accounts_compute with EEBT (by
 * sector) and TCBA, and of emb_accounts_add_eebt: each failure is
 * EMB_ENOMEM with no result (add: the accounts unchanged), until success
 * equal to the run without injection. */
START_TEST(allocation_failures)
{
    emb_table *t = generated(3, 4, 8, 0);
    emb_accounts_opts o = {.eebt_by_sector = 1, .tcba = 1};
    o.solver.kind = EMB_SOLVER_DENSE;
    emb_accounts *ref_ = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, &o, &ref_), EMB_OK);
    size_t k = t->k, R = t->n_r, N = t->N;
    long kk;
    for (kk = 0;; kk++) {
        ck_assert_msg(kk < 5000, "no success");
        emb_accounts *a = NULL;
        emb_alloc_fail_after(kk);
        emb_status st = emb_accounts_compute(t, &o, &a);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            ck_assert(memcmp(a->eebt_flows_by_sector, ref_->eebt_flows_by_sector,
                             k * N * R * sizeof(double)) == 0);
            ck_assert(memcmp(a->tcba, ref_->tcba, k * R * sizeof(double)) == 0);
            emb_accounts_free(a);
            break;
        }
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s", kk, emb_errmsg());
        ck_assert_ptr_null(a);
    }
    ck_assert_msg(kk > 10, "only %ld allocations", kk);
    emb_accounts *b = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &b), EMB_OK);
    emb_accounts_opts bs = {.eebt_by_sector = 1};
    for (kk = 0;; kk++) {
        ck_assert_msg(kk < 1000, "no success");
        emb_alloc_fail_after(kk);
        emb_status st = emb_accounts_add_eebt(b, t, &bs);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK)
            break;
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s", kk, emb_errmsg());
        ck_assert_ptr_null(b->eebt_flows);
        ck_assert_ptr_null(b->m_dom);
    }
    ck_assert_msg(kk > 3, "only %ld allocations", kk);
    ck_assert(memcmp(b->eebt_flows_by_sector, ref_->eebt_flows_by_sector,
                     k * N * R * sizeof(double)) == 0);
    emb_accounts_free(b);
    emb_accounts_free(ref_);
    emb_table_free(t);
}
END_TEST

/* The analyses' plans: under a 64 KiB limit (a context), EEBT on N = 160
 * with 40 sectors a region needs the domestic blocks and their LU, 2 N n_s
 * doubles = 100 KiB, and is refused before any work, naming them; TCBA
 * (gross exports 5 KiB, a row block of at most 4 KiB, 5 KiB of averages)
 * fits and runs.  The one call counts them in the accounts' plan too. */
START_TEST(memory_plan)
{
    emb_table *t = generated(4, 40, 3, 0);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    emb_context_set_memory_limit(ctx, 64 << 10);
    emb_accounts_opts o = {.ctx = ctx};
    emb_alloc_peak_reset();
    ck_assert_int_eq(emb_accounts_add_eebt(a, t, &o), EMB_ENOMEM);
    ck_assert_msg(strstr(emb_errmsg(), "domestic blocks") && strstr(emb_errmsg(), "EEBT"), "%s",
                  emb_errmsg());
    ck_assert_uint_lt(emb_alloc_peak_request(), 4096); /* refused before anything large */
    ck_assert_ptr_null(a->m_dom);
    ck_assert_int_eq(emb_accounts_add_tcba(a, t, &o), EMB_OK);
    ck_assert_ptr_nonnull(a->tcba);
    emb_accounts_free(a);
    a = NULL;
    /* the one call: refused by the accounts' plan (before the solver) */
    emb_context_set_memory_limit(ctx, 0);
    emb_accounts_opts big = {.eebt = 1, .ctx = ctx};
    ck_assert_int_eq(emb_accounts_compute(t, &big, &a), EMB_OK); /* fits the machine */
    emb_accounts_free(a);
    a = NULL;
    emb_context_set_memory_limit(ctx, 100 << 10);
    ck_assert_int_eq(emb_accounts_compute(t, &big, &a), EMB_ENOMEM);
    ck_assert_msg(strstr(emb_errmsg(), "domestic blocks") && strstr(emb_errmsg(), "accounts"), "%s",
                  emb_errmsg());
    ck_assert_ptr_null(a);
    emb_context_free(ctx);
    emb_table_free(t);
}
END_TEST

/* Interruption between row blocks of the trade pass: EMB_EINTERRUPTED, the
 * accounts unchanged. */
static int stop_now(void *user)
{
    (void)user;
    return 1;
}

START_TEST(interrupted)
{
    emb_table *t = generated(3, 4, 9, 0);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    emb_context_set_interrupt(ctx, stop_now, NULL);
    emb_accounts_opts o = {.ctx = ctx};
    ck_assert_int_eq(emb_accounts_add_eebt(a, t, &o), EMB_EINTERRUPTED);
    ck_assert_int_eq(emb_accounts_add_tcba(a, t, &o), EMB_EINTERRUPTED);
    ck_assert_ptr_null(a->eebt_flows);
    ck_assert_ptr_null(a->tcba);
    emb_context_free(ctx);
    emb_accounts_free(a);
    emb_table_free(t);
}
END_TEST

/* ---- Outputs ---- */

static char *slurp(const char *path)
{
    size_t n;
    return emb_test_slurp(path, &n);
}

START_TEST(outputs_csv_h5_summary)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.eebt_by_sector = 1, .tcba = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    char *tmp = emb_test_tmpdir();
    const char *dir = emb_test_pathf("%s/csv", tmp);
    ck_assert_int_eq(emb_results_write_csv(a, t, dir), EMB_OK);
    char *s = slurp(emb_test_pathf("%s/accounts.csv", dir));
    const char *hdr = "stressor,unit,region,pba,cba,imports,exports,unallocated,balance,tcba,kind\n";
    ck_assert_msg(strncmp(s, hdr, strlen(hdr)) == 0, "%s", s);
    /* balance = exports - imports: R1 14.8 - 15.3 = -0.5; tcba 55.625 - 36/13 (test_tcba.c) */
    ck_assert_msg(strstr(s, "\nCO2,kt,R1,57,57.5,15.3") && strstr(s, ",0,-0.5,52.85576923076923,region\n"),
                  "%s", s);
    /* the group row is marked (issue 11: groups not mixed into the regions unmarked) */
    ck_assert_msg(strstr(s, "\nCO2,kt,WORLD,145,145,") && strstr(s, ",group\n"), "%s", s);
    free(s);
    s = slurp(emb_test_pathf("%s/eebt_accounts.csv", dir));
    ck_assert_msg(strncmp(s, "stressor,unit,region,pba,cba,imports,exports,balance,kind\n", 58) == 0,
                  "%s", s);
    ck_assert_msg(strstr(s, "\nCO2,kt,R1,57,59.") && strstr(s, ",region\n") &&
                      strstr(s, "\nCO2,kt,WORLD,145,145,31.") && strstr(s, ",group\n"), "%s", s);
    free(s);
    s = slurp(emb_test_pathf("%s/eebt_flows.csv", dir));
    ck_assert_msg(strstr(s, "stressor,unit,origin,destination,value\n") &&
                      strstr(s, "\nCO2,kt,R1,R1,35.5") && strstr(s, "\nCO2,kt,R1,R2,14.5") &&
                      strstr(s, "\nCO2,kt,R2,R2,67.7"), "%s", s);
    free(s);
    s = slurp(emb_test_pathf("%s/eebt_flows_by_sector.csv", dir));
    ck_assert_msg(strstr(s, "stressor,unit,origin,origin_sector,destination,value\n") &&
                      strstr(s, "\nCO2,kt,R1,s2,R2,10.5") && strstr(s, "\nCO2,kt,R2,s1,R1,18\n"),
                  "%s", s);
    free(s);

    /* HDF5: /balance, /tcba, /eebt/... read back */
    const char *h5 = emb_test_pathf("%s/r.h5", tmp);
    ck_assert_int_eq(emb_results_write_h5(a, t, h5), EMB_OK);
    hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    double v[8];
    ck_assert(H5LTread_dataset_double(f, "/balance", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], -0.5, TOL, 1);
    EMB_ASSERT_CLOSE(v[1], 0.5, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/group_balance", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], 0, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/tcba", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], a->tcba[0], 0, 0);
    ck_assert(H5LTread_dataset_double(f, "/eebt/cba", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], 59.8, TOL, 1);
    EMB_ASSERT_CLOSE(v[1], 85.2, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/flows", v) >= 0);
    EMB_ASSERT_CLOSE(v[2], 17.3, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/balance", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], -2.8, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/pba", v) >= 0);
    EMB_ASSERT_CLOSE(v[1], 88, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/imports", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], 17.3, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/exports", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], 14.5, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/m_dom", v) >= 0);
    EMB_ASSERT_CLOSE(v[1], 0.21, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/flows_by_sector", v) >= 0);
    EMB_ASSERT_CLOSE(v[3], 10.5, TOL, 1);
    ck_assert(H5LTread_dataset_double(f, "/eebt/group_cba", v) >= 0);
    EMB_ASSERT_CLOSE(v[0], 145, TOL, 1);
    H5Fclose(f);

    /* The summary: CBA EEBT and TCBA beside CBA. */
    const char *sum = emb_test_pathf("%s/summary.txt", tmp);
    ck_assert_int_eq(emb_results_write_summary(a, t, NULL, 0, sum), EMB_OK);
    s = slurp(sum);
    ck_assert_msg(strstr(s, "CBA EEBT") && strstr(s, "TCBA") && strstr(s, "59.8") &&
                      strstr(s, "85.2"), "%s", s);
    free(s);
    emb_accounts_free(a);
    /* Without the options, the summary has neither column. */
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    ck_assert_int_eq(emb_results_write_summary(a, t, NULL, 0, sum), EMB_OK);
    s = slurp(sum);
    ck_assert_msg(!strstr(s, "EEBT") && !strstr(s, "TCBA"), "%s", s);
    free(s);
    emb_accounts_free(a);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Allocation failure at every k of the writers with EEBT (by sector), TCBA
 * and groups: EMB_ENOMEM and no file, then the same files as without. */
START_TEST(writer_allocation_failures)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    emb_accounts *a = NULL;
    emb_accounts_opts o = {.eebt_by_sector = 1, .tcba = 1};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &a), EMB_OK);
    char *tmp = emb_test_tmpdir();
    for (int w = 0; w < 2; w++) {
        char out[4200]; /* emb_test_pathf's buffers rotate: keep our own */
        snprintf(out, sizeof out, "%s/%s", tmp, w ? "r.h5" : "csv");
        long kk;
        for (kk = 0;; kk++) {
            ck_assert_msg(kk < 1000, "no success");
            emb_alloc_fail_after(kk);
            emb_status st = w ? emb_results_write_h5(a, t, out) : emb_results_write_csv(a, t, out);
            emb_alloc_fail_after(-1);
            if (st == EMB_OK)
                break;
            ck_assert_msg(st == EMB_ENOMEM, "k = %ld: %s", kk, emb_errmsg());
            if (w)
                ck_assert_int_ne(access(out, F_OK), 0);
            else
                ck_assert_int_ne(access(emb_test_pathf("%s/eebt_accounts.csv", out), F_OK), 0);
        }
        ck_assert_int_eq(access(w ? out : emb_test_pathf("%s/eebt_flows_by_sector.csv", out), F_OK), 0);
    }
    emb_accounts_free(a);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* flows --net: B[o][d], B[d][o], net, for pairs, groups and every region
 * pair; names checked before anything is written. */
START_TEST(net_flows)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_add_group_spec(t, "WORLD=R1,R2"), EMB_OK);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    char *tmp = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/net.csv", tmp);
    ck_assert_int_eq(emb_results_write_net_flows(a, t, NULL, 0, NULL, 0, EMB_RESULTS_CSV, p), EMB_OK);
    char *s = slurp(p);
    /* one pair (R1, R2): 14.8 out, 15.3 back, net -0.5 */
    ck_assert_msg(strncmp(s, "stressor,unit,origin,destination,flow,reverse,net\nCO2,kt,R1,R2,14.8",
                          66) == 0, "%s", s);
    ck_assert_msg(strstr(s, ",-0.5") && strchr(strchr(s, '\n') + 1, '\n')[1] == '\0', "%s", s);
    free(s);
    emb_flow_pair pairs[] = {{"R2", "R1"}, {"WORLD", "R1"}, {"R1", "R1"}};
    ck_assert_int_eq(emb_results_write_net_flows(a, t, NULL, 0, pairs, 3, EMB_RESULTS_CSV, p), EMB_OK);
    s = slurp(p);
    /* WORLD -> R1: 35.2 + 15.3 = 50.5; R1 -> WORLD: 35.2 + 14.8 = 50; net .5 */
    ck_assert_msg(strstr(s, "\nCO2,kt,R2,R1,15.3") && strstr(s, "\nCO2,kt,WORLD,R1,50.5,50,0.5") &&
                      strstr(s, "\nCO2,kt,R1,R1,35.2") && strstr(s, ",0\n"), "%s", s);
    free(s);
    const char *txt = emb_test_pathf("%s/net.txt", tmp);
    ck_assert_int_eq(emb_results_write_net_flows(a, t, NULL, 0, pairs, 1, EMB_RESULTS_TEXT, txt),
                     EMB_OK);
    s = slurp(txt);
    ck_assert_msg(strstr(s, "reverse") && strstr(s, "15.300000") && strstr(s, "0.500000"), "%s", s);
    free(s);
    /* unknown unit, bad stressor: usage errors, no file */
    const char *bad = emb_test_pathf("%s/bad.csv", tmp);
    emb_flow_pair nope[] = {{"R1", "MN"}};
    ck_assert_int_eq(emb_results_write_net_flows(a, t, NULL, 0, nope, 1, EMB_RESULTS_CSV, bad),
                     EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "'MN'"), "%s", emb_errmsg());
    size_t sel = 3;
    ck_assert_int_eq(emb_results_write_net_flows(a, t, &sel, 1, NULL, 0, EMB_RESULTS_CSV, bad),
                     EMB_EUSAGE);
    ck_assert_int_ne(access(bad, F_OK), 0);
    emb_accounts_free(a);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The CLI: accounts --eebt-by-sector --tcba --csv, flows --net, and --net
 * with --by-sector refused (exit 2). */
static int run(const char *args, const char *tmp)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s/embodied' %s >'%s/out' 2>'%s/err'", b ? b : "build", args, tmp,
             tmp);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

START_TEST(cli)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    char *tmp = emb_test_tmpdir();
    char h5[4200], args[8192];
    snprintf(h5, sizeof h5, "%s/t.h5", tmp);
    ck_assert_int_eq(emb_table_write_h5(t, h5, NULL), EMB_OK);
    snprintf(args, sizeof args, "accounts '%s' --eebt-by-sector --tcba -g BOTH=R1,R2 --csv '%s/csv'",
             h5, tmp);
    ck_assert_int_eq(run(args, tmp), 0);
    char *s = slurp(emb_test_pathf("%s/out", tmp));
    ck_assert_msg(strstr(s, "CBA EEBT") && strstr(s, "59.8") && strstr(s, "BOTH"), "%s", s);
    free(s);
    s = slurp(emb_test_pathf("%s/err", tmp));
    ck_assert_msg(strstr(s, "EEBT: 2 domestic blocks of 2 sectors") && strstr(s, "TCBA"), "%s", s);
    free(s);
    s = slurp(emb_test_pathf("%s/csv/eebt_flows_by_sector.csv", tmp));
    ck_assert_msg(strstr(s, "\nCO2,kt,R1,s2,R2,10.5"), "%s", s);
    free(s);
    /* existing outputs refused without --force (exit 2), before any work */
    ck_assert_int_eq(run(args, tmp), 2);
    snprintf(args, sizeof args, "flows '%s' --net --csv", h5);
    ck_assert_int_eq(run(args, tmp), 0);
    s = slurp(emb_test_pathf("%s/out", tmp));
    ck_assert_msg(strstr(s, "flow,reverse,net\nCO2,kt,R1,R2,14.8"), "%s", s);
    free(s);
    snprintf(args, sizeof args, "flows '%s' --net --by-sector", h5);
    ck_assert_int_eq(run(args, tmp), 2);
    s = slurp(emb_test_pathf("%s/err", tmp));
    ck_assert_msg(strstr(s, "--net and --by-sector"), "%s", s);
    free(s);
    snprintf(args, sizeof args, "flows '%s' --net --by origin-sector --from R1 --to R2", h5);
    ck_assert_int_eq(run(args, tmp), 2);
    s = slurp(emb_test_pathf("%s/err", tmp));
    ck_assert_msg(strstr(s, "--net and --by do not combine"), "%s", s);
    free(s);
    snprintf(args, sizeof args, "accounts --help");
    ck_assert_int_eq(run(args, tmp), 0);
    s = slurp(emb_test_pathf("%s/out", tmp));
    ck_assert_msg(strstr(s, "--eebt-by-sector") && strstr(s, "--tcba"), "%s", s);
    free(s);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("eebt");
    TCase *tc = tcase_create("eebt");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hand_system);
    tcase_add_test(tc, groups_accessors_and_add);
    tcase_add_test(tc, errors_leave_accounts_unchanged);
    tcase_add_loop_test(tc, generated_every_solver, 0, 3);
    tcase_add_test(tc, large_blocks);
    tcase_add_test(tc, every_storage);
    tcase_add_test(tc, staged_equals_one_call);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, memory_plan);
    tcase_add_test(tc, interrupted);
    tcase_add_test(tc, outputs_csv_h5_summary);
    tcase_add_test(tc, writer_allocation_failures);
    tcase_add_test(tc, net_flows);
    tcase_add_test(tc, cli);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
