/* tests/test_spa.c — structural path analysis (embodied/spa.h, embodied spa):
 * every path above the threshold against a brute-force enumeration on small
 * tables (N <= 20), in the same order up to ties; the nodes visited and the
 * coverage against the enumeration of the bound's tree; every pruned
 * subtree's true mass (a power series of A, independent of the solver)
 * below the cutoff; convergence of the sum over all paths to S L y_D;
 * MARIO's failure mode (no direct emissions, a large upstream path); CSR,
 * dense and mixed agree; errors; allocation failure at every k; the CLI's
 * output format, summary line and exit codes. */
#include "core/alloc.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* ---- a small random system and the test's own arithmetic ---------------- */

typedef struct sys {
    size_t nr, ns, nf, N, ny;
    double *Z, *x, *Y, *F; /* the table's arrays (k = 1) */
    double *A, *S, *y;     /* A = Z / x, S restricted to `from`, y_D */
    double *Mabs, *M;      /* |S| L and S L by power series (long double) */
    double total, mass, cutoff;
    emb_table *t;
} sys;

static uint64_t rng_state;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static const char *RN[] = {"R1", "R2", "R3", "R4", "R5"};
static const char *SN[] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7"};
static const char *CN_[] = {"households", "inventory"};
static const char *KN[] = {"CO2"}, *UN[] = {"kt"};

/* x = (I - A)^-1 b by Gaussian elimination with partial pivoting (long double). */
static void solve_dense(size_t N, const double *A, const double *b, double *x)
{
    long double *m = calloc(N * (N + 1), sizeof *m);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++)
            m[i * (N + 1) + j] = (i == j) - (long double)A[i * N + j];
        m[i * (N + 1) + N] = b[i];
    }
    for (size_t c = 0; c < N; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < N; r++)
            if (fabsl(m[r * (N + 1) + c]) > fabsl(m[p * (N + 1) + c]))
                p = r;
        for (size_t k = 0; k <= N; k++) {
            long double tmp = m[c * (N + 1) + k];
            m[c * (N + 1) + k] = m[p * (N + 1) + k];
            m[p * (N + 1) + k] = tmp;
        }
        for (size_t r = 0; r < N; r++) {
            if (r == c)
                continue;
            long double f = m[r * (N + 1) + c] / m[c * (N + 1) + c];
            for (size_t k = c; k <= N; k++)
                m[r * (N + 1) + k] -= f * m[c * (N + 1) + k];
        }
    }
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(m[i * (N + 1) + N] / m[i * (N + 1) + i]);
    free(m);
}

/* out = s^T (I + A + A^2 + ...) by power series, until the terms vanish:
 * the sum over every path of every order, computed without a solver. */
static void power_series(size_t N, const double *A, const double *s, double *out)
{
    long double *acc = calloc(N, sizeof *acc), *v = calloc(N, sizeof *v), *w = calloc(N, sizeof *w);
    for (size_t j = 0; j < N; j++)
        acc[j] = v[j] = s[j];
    for (int k = 0; k < 4000; k++) {
        long double nv = 0;
        for (size_t j = 0; j < N; j++) {
            long double u = 0;
            for (size_t i = 0; i < N; i++)
                u += v[i] * A[i * N + j];
            w[j] = u;
            nv += fabsl(u);
        }
        for (size_t j = 0; j < N; j++)
            acc[j] += (v[j] = w[j]);
        if (nv < 1e-30L)
            break;
    }
    for (size_t j = 0; j < N; j++)
        out[j] = (double)acc[j];
    free(acc), free(v), free(w);
}

/* A random productive table: A with about `density` of its entries non-zero,
 * column sums in [0.2, 0.6]; final demand with some negative inventory
 * entries; one emitting stressor with some zero (and, with signed_S, one
 * negative) entries.  x = (I - A)^-1 Y 1 and Z = A diag(x), so the library
 * sees a Z table with x. */
static void sys_make(sys *s, size_t nr, size_t ns, double density, uint64_t seed, int signed_S)
{
    memset(s, 0, sizeof *s);
    rng_state = seed;
    s->nr = nr, s->ns = ns, s->nf = 2, s->N = nr * ns, s->ny = nr * 2;
    size_t N = s->N;
    s->A = calloc(N * N, sizeof(double));
    s->Z = calloc(N * N, sizeof(double));
    s->x = calloc(N, sizeof(double));
    s->Y = calloc(N * s->ny, sizeof(double));
    s->F = calloc(N, sizeof(double));
    s->S = calloc(N, sizeof(double));
    s->y = calloc(N, sizeof(double));
    s->Mabs = calloc(N, sizeof(double));
    s->M = calloc(N, sizeof(double));
    double *Aw = calloc(N * N, sizeof(double)), *b = calloc(N, sizeof(double));
    for (size_t j = 0; j < N; j++) {
        double sum = 0;
        for (size_t i = 0; i < N; i++)
            if (urand() < density)
                sum += Aw[i * N + j] = urand();
        double target = 0.2 + 0.4 * urand();
        for (size_t i = 0; i < N && sum > 0; i++)
            Aw[i * N + j] *= target / sum;
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t c = 0; c < s->ny; c++) {
            double v = 10 + 90 * urand();
            if (c % 2 == 1) /* inventory changes: some negative */
                v = urand() < 0.3 ? -5 * urand() : 3 * urand();
            s->Y[i * s->ny + c] = v;
            b[i] += v;
        }
        double u = urand();
        s->F[i] = u < 0.25 ? 0 : 1000 * u * u;
    }
    if (signed_S)
        s->F[1] = -300; /* a sink */
    solve_dense(N, Aw, b, s->x);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            s->Z[i * N + j] = Aw[i * N + j] * s->x[j];
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            s->A[i * N + j] = s->Z[i * N + j] / s->x[j]; /* as the library forms it */
    ck_assert_int_eq(emb_table_from_arrays(nr, ns, 2, 1, EMB_TECH_Z, s->Z, s->x, s->Y, s->F, NULL,
                                           RN, SN, CN_, KN, UN, &s->t),
                     EMB_OK);
    free(Aw), free(b);
}

/* y_D, S restricted to `from` (NULL: all), the test's M, Mabs, total and
 * the cutoff for threshold thr. */
static void sys_target(sys *s, const size_t *dm, size_t dn, const size_t *om, size_t on, double thr)
{
    size_t N = s->N;
    for (size_t j = 0; j < N; j++) {
        double v = 0;
        for (size_t a = 0; a < dn; a++)
            for (size_t f = 0; f < s->nf; f++)
                v += s->Y[j * s->ny + dm[a] * s->nf + f];
        s->y[j] = v;
        int in = om == NULL;
        for (size_t a = 0; a < on; a++)
            in |= j / s->ns == om[a];
        s->S[j] = in ? s->F[j] / s->x[j] : 0;
    }
    double *absS = calloc(N, sizeof(double));
    for (size_t j = 0; j < N; j++)
        absS[j] = fabs(s->S[j]);
    power_series(N, s->A, s->S, s->M);
    power_series(N, s->A, absS, s->Mabs);
    free(absS);
    long double tot = 0, mass = 0;
    for (size_t j = 0; j < N; j++) {
        tot += (long double)s->M[j] * s->y[j];
        mass += (long double)s->Mabs[j] * fabs(s->y[j]);
    }
    s->total = (double)tot;
    s->mass = (double)mass;
    s->cutoff = thr * fabs(s->total);
}

static void sys_free(sys *s)
{
    emb_table_free(s->t);
    free(s->A), free(s->Z), free(s->x), free(s->Y), free(s->F), free(s->S), free(s->y);
    free(s->Mabs), free(s->M);
}

/* ---- brute force: every path up to max_order, no bound ----------------- */

typedef struct bpath {
    double value;
    size_t order;
    uint32_t nodes[16];
} bpath;

typedef struct bf {
    const sys *s;
    size_t max_order;
    uint32_t path[16];
    bpath *out;
    size_t n, cap;
    size_t all; /* every path enumerated */
} bf;

static void bf_walk(bf *b, size_t d, double c)
{
    const sys *s = b->s;
    uint32_t j = b->path[d];
    double v = s->S[j] * c;
    b->all++;
    if (v != 0 && fabs(v) >= s->cutoff) {
        if (b->n == b->cap) {
            b->cap = b->cap ? 2 * b->cap : 1024;
            b->out = realloc(b->out, b->cap * sizeof *b->out);
        }
        bpath *p = &b->out[b->n++];
        p->value = v;
        p->order = d;
        memcpy(p->nodes, b->path, (d + 1) * sizeof *p->nodes);
    }
    if (d == b->max_order)
        return;
    for (uint32_t i = 0; i < s->N; i++) {
        double a = s->A[i * s->N + j];
        if (a != 0) {
            b->path[d + 1] = i;
            bf_walk(b, d + 1, c * a);
        }
    }
}

static int bpath_cmp(const void *pa, const void *pb)
{
    const bpath *a = pa, *b = pb;
    double va = fabs(a->value), vb = fabs(b->value);
    if (va != vb)
        return va > vb ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    return memcmp(a->nodes, b->nodes, (a->order + 1) * sizeof a->nodes[0]);
}

static int bpath_nodes_cmp(const void *pa, const void *pb)
{
    const bpath *a = pa, *b = pb;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    for (size_t k = 0; k <= a->order; k++)
        if (a->nodes[k] != b->nodes[k])
            return a->nodes[k] < b->nodes[k] ? -1 : 1;
    return 0;
}

/* The bound's tree: nodes whose bound |c| Mabs_j is positive and reaches
 * the cutoff, below roots and parents that do; every child left out (a
 * pruned subtree) has its true absolute mass, |c| (|S| A^0 + |S| A + ...)_i
 * from the power series, checked below the cutoff. */
typedef struct tree {
    const sys *s;
    size_t max_order, visited, pruned;
    double coverage;
} tree;

static void tree_walk(tree *w, size_t d, uint32_t j, double c)
{
    const sys *s = w->s;
    w->visited++;
    w->coverage += s->S[j] * c;
    if (d == w->max_order)
        return;
    for (uint32_t i = 0; i < s->N; i++) {
        double a = s->A[i * s->N + j];
        if (a == 0)
            continue;
        double cc = c * a, bound = fabs(cc) * s->Mabs[i];
        if (bound > 0 && bound >= s->cutoff) {
            tree_walk(w, d + 1, i, cc);
        } else {
            /* Mabs from the power series is this subtree's true absolute
             * mass: it carries less than the cutoff in all.  The search
             * visiting exactly this tree (nodes_visited, coverage) is the
             * check that it pruned nothing else. */
            w->pruned++;
        }
    }
}

/* ---- comparing SPA with the brute force ---------------------------------- */

static double path_value(const sys *s, const emb_spa_result *r, size_t p)
{
    const size_t *nd = r->nodes + r->path_start[p];
    double c = s->y[nd[0]];
    for (size_t k = 1; k <= r->order[p]; k++)
        c *= s->A[nd[k] * s->N + nd[k - 1]];
    return s->S[nd[r->order[p]]] * c;
}

static void compare(const sys *s, const emb_spa_result *r, size_t max_order, const char *what)
{
    bf b = {.s = s, .max_order = max_order};
    for (uint32_t j = 0; j < s->N; j++) {
        if (s->y[j] == 0)
            continue;
        b.path[0] = j;
        bf_walk(&b, 0, s->y[j]);
    }
    qsort(b.out, b.n, sizeof *b.out, bpath_cmp);
    double tol = 1e-12 * fabs(s->total);
    EMB_ASSERT_CLOSE(r->total, s->total, 1e-12, 0);
    ck_assert_msg(b.n > 10, "%s: the case is too easy (%zu paths above the cutoff)", what, b.n);
    ck_assert_msg(r->n_above == b.n, "%s: %zu paths above the cutoff, brute force %zu", what,
                  r->n_above, b.n);
    size_t n = b.n < r->top ? b.n : r->top;
    ck_assert_uint_eq(r->n_paths, n);
    /* rank by rank, the same values (ties: within 1e-12 of the total) */
    bpath *mine = calloc(n ? n : 1, sizeof *mine);
    for (size_t p = 0; p < n; p++) {
        ck_assert_msg(fabs(r->value[p] - b.out[p].value) <= tol,
                      "%s: rank %zu: %.17g vs brute force %.17g", what, p + 1, r->value[p],
                      b.out[p].value);
        ck_assert_msg(fabs(path_value(s, r, p) - r->value[p]) <= tol,
                      "%s: rank %zu: the listed value is not its path's", what, p + 1);
        mine[p].value = r->value[p];
        mine[p].order = r->order[p];
        for (size_t k = 0; k <= r->order[p]; k++)
            mine[p].nodes[k] = (uint32_t)r->nodes[r->path_start[p] + k];
    }
    /* the same paths: equal as sets (exactly, where the last ranks are not
     * tied with the next path left out) */
    if (n == b.n || fabs(fabs(b.out[n - 1].value) - fabs(b.out[n].value)) > tol) {
        qsort(mine, n, sizeof *mine, bpath_nodes_cmp);
        qsort(b.out, n, sizeof *b.out, bpath_nodes_cmp);
        for (size_t p = 0; p < n; p++)
            ck_assert_msg(bpath_nodes_cmp(&mine[p], &b.out[p]) == 0, "%s: path sets differ", what);
    }
    /* the visited tree: its size and its sum */
    tree w = {.s = s, .max_order = max_order};
    for (uint32_t j = 0; j < s->N; j++) {
        double bound = fabs(s->y[j]) * s->Mabs[j];
        if (s->y[j] != 0 && bound > 0 && bound >= s->cutoff)
            tree_walk(&w, 0, j, s->y[j]);
    }
    ck_assert_msg(r->nodes_visited == w.visited, "%s: %zu nodes visited, the bound's tree has %zu",
                  what, r->nodes_visited, w.visited);
    ck_assert_msg(fabs(r->coverage - w.coverage) <= 1e-12 * s->mass, "%s: coverage %.17g vs %.17g",
                  what, r->coverage, w.coverage);
    free(mine);
    free(b.out);
}

static emb_spa_result *run_spa(const sys *s, const char *to, const char *from, size_t top,
                               size_t max_order, double thr, emb_solver_kind kind)
{
    emb_spa_opts o = {.to = to, .from = from, .top = top, .max_order = max_order, .threshold = thr};
    o.solver.kind = kind;
    emb_spa_result *r = NULL;
    emb_status st = emb_spa_compute(s->t, &o, &r);
    ck_assert_msg(st == EMB_OK, "emb_spa_compute: %s", emb_errmsg());
    return r;
}

START_TEST(brute_force_small_tables)
{
    static const struct {
        size_t nr, ns, max_order;
        double density, thr;
        int signed_S;
    } cases[] = {
        {2, 3, 7, 0.6, 1e-4, 0}, {2, 4, 6, 0.5, 1e-4, 0}, {3, 4, 5, 0.4, 3e-4, 0},
        {4, 5, 4, 0.3, 1e-3, 0}, {2, 3, 7, 0.6, 1e-4, 1}, {3, 3, 5, 0.7, 1e-4, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sys s;
        sys_make(&s, cases[c].nr, cases[c].ns, cases[c].density, 11 + c, cases[c].signed_S);
        size_t d = 1;
        sys_target(&s, &d, 1, NULL, 0, cases[c].thr);
        char what[64];
        snprintf(what, sizeof what, "case %zu (N = %zu)", c, s.N);
        emb_spa_result *r = run_spa(&s, "R2", NULL, 1000000, cases[c].max_order, cases[c].thr,
                                    EMB_SOLVER_AUTO);
        compare(&s, r, cases[c].max_order, what);
        emb_spa_free(r);
        /* a short list: the first K of the same ranking */
        r = run_spa(&s, "R2", NULL, 7, cases[c].max_order, cases[c].thr, EMB_SOLVER_AUTO);
        compare(&s, r, cases[c].max_order, what);
        emb_spa_free(r);
        sys_free(&s);
    }
}
END_TEST

/* --from O: only emissions in O count; total = the flow B[O][D]. */
START_TEST(brute_force_from_and_group)
{
    sys s;
    sys_make(&s, 3, 4, 0.5, 99, 0);
    size_t d = 2, o = 0;
    sys_target(&s, &d, 1, &o, 1, 1e-4);
    emb_spa_result *r = run_spa(&s, "R3", "R1", 1000000, 5, 1e-4, EMB_SOLVER_AUTO);
    compare(&s, r, 5, "from R1 to R3");
    /* the total is the accounts' flow */
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(s.t, NULL, &a), EMB_OK);
    double flow;
    ck_assert_int_eq(emb_accounts_flow(a, s.t, 0, "R1", "R3", &flow), EMB_OK);
    EMB_ASSERT_CLOSE(r->total, flow, 1e-12, 0);
    emb_spa_free(r);
    /* a group as D: final demand summed over its members */
    const char *mem[] = {"R1", "R3"};
    ck_assert_int_eq(emb_table_add_group(s.t, "G", 2, mem), EMB_OK);
    size_t dm[] = {0, 2};
    sys_target(&s, dm, 2, NULL, 0, 1e-4);
    r = run_spa(&s, "G", NULL, 50, 5, 1e-4, EMB_SOLVER_AUTO);
    compare(&s, r, 5, "to the group G");
    double cba = a->cba[0] + a->cba[2] - a->fy[0] - a->fy[2];
    EMB_ASSERT_CLOSE(r->total, cba, 1e-12, 0);
    emb_spa_free(r);
    emb_accounts_free(a);
    sys_free(&s);
}
END_TEST

/* The sum over every path up to order n (threshold 1e-300: nothing with a
 * non-zero bound is pruned) is S (I + A + ... + A^n) y, and it converges to
 * the total S L y_D. */
START_TEST(convergence_to_total)
{
    sys s;
    sys_make(&s, 2, 3, 0.7, 5, 0);
    size_t d = 0;
    sys_target(&s, &d, 1, NULL, 0, 1e-300);
    double *v = calloc(s.N, sizeof(double)), *w = calloc(s.N, sizeof(double));
    memcpy(v, s.y, s.N * sizeof(double));
    long double partial = 0;
    double prev_gap = INFINITY;
    for (size_t n = 0; n <= 9; n++) {
        long double term = 0;
        for (size_t j = 0; j < s.N; j++)
            term += (long double)s.S[j] * v[j];
        partial += term;
        for (size_t i = 0; i < s.N; i++) {
            w[i] = 0;
            for (size_t j = 0; j < s.N; j++)
                w[i] += s.A[i * s.N + j] * v[j];
        }
        memcpy(v, w, s.N * sizeof(double));
        if (n == 0)
            continue; /* max_order 0 means the default */
        emb_spa_result *r = run_spa(&s, "R1", NULL, 100, n, 1e-300, EMB_SOLVER_DENSE);
        EMB_ASSERT_CLOSE(r->coverage, (double)partial, 1e-12, 0);
        double gap = fabs(r->total - r->coverage);
        ck_assert_msg(gap < prev_gap, "order %zu: the sum does not approach the total", n);
        prev_gap = gap;
        if (n == 9) /* column sums <= 0.6: the rest is below 0.6^10 of the total */
            ck_assert_msg(gap <= 0.0061 * r->total, "gap %.3g at order 9", gap / r->total);
        emb_spa_free(r);
    }
    free(v), free(w);
    sys_free(&s);
}
END_TEST

/* One sector buying 0.9 of its output from itself: one path per order, so
 * --max-order 1000 walks 1001 frames deep (the explicit stack, not the C
 * stack), and the sum is S y (1 - 0.9^1001) / 0.1. */
START_TEST(deep_chain_explicit_stack)
{
    static const double Z[1] = {90}, x[1] = {100}, Y[1] = {10}, F[1] = {50};
    static const char *R[] = {"R"}, *S[] = {"s"}, *C[] = {"fd"};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_from_arrays(1, 1, 1, 1, EMB_TECH_Z, Z, x, Y, F, NULL, R, S, C, KN,
                                           UN, &t),
                     EMB_OK);
    emb_spa_opts o = {.to = "R", .top = 3, .max_order = EMB_SPA_MAX_ORDER, .threshold = 1e-300};
    emb_spa_result *r = NULL;
    ck_assert_int_eq(emb_spa_compute(t, &o, &r), EMB_OK);
    ck_assert_uint_eq(r->nodes_visited, EMB_SPA_MAX_ORDER + 1);
    ck_assert_uint_eq(r->deepest, EMB_SPA_MAX_ORDER);
    EMB_ASSERT_CLOSE(r->total, 50, 1e-12, 0); /* S x = 0.5 x 100 */
    EMB_ASSERT_CLOSE(r->coverage, 5 * (1 - pow(0.9, EMB_SPA_MAX_ORDER + 1)) / 0.1, 1e-12, 0);
    EMB_ASSERT_CLOSE(r->value[0], 5, 1e-12, 0);
    EMB_ASSERT_CLOSE(r->value[2], 5 * 0.81, 1e-12, 0);
    emb_spa_free(r);
    emb_table_free(t);
}
END_TEST

/* MARIO's failure mode: C sells to final demand, buys from B, which emits
 * nothing and buys from A, the emitter.  A cut on direct emissions drops B
 * and its whole subtree; the bound |c| M_B keeps it. */
START_TEST(mario_failure_mode)
{
    /* one region, sectors A, B, C; Z[i][j] = i's sales to j */
    static const double Z[9] = {0, 50, 0, /* A sells to B */
                                0, 0, 80, /* B sells to C */
                                0, 0, 0};
    static const double x[3] = {50, 100, 100};
    static const double Y[3] = {0, 20, 100};
    static const double F[3] = {1000, 0, 1};
    static const char *R[] = {"R"}, *S[] = {"A", "B", "C"}, *C[] = {"fd"};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_from_arrays(1, 3, 1, 1, EMB_TECH_Z, Z, x, Y, F, NULL, R, S, C, KN,
                                           UN, &t),
                     EMB_OK);
    emb_spa_opts o = {.to = "R", .top = 3, .threshold = 0.01};
    emb_spa_result *r = NULL;
    ck_assert_int_eq(emb_spa_compute(t, &o, &r), EMB_OK);
    /* A > B > C > fd: S_A A_AB A_BC y_C = 20 x 0.5 x 0.8 x 100 = 800, the largest path,
     * though C's direct share (0.01 x 100 = 1) is far below the threshold */
    ck_assert_uint_ge(r->n_paths, 1);
    ck_assert_uint_eq(r->order[0], 2);
    const size_t *nd = r->nodes + r->path_start[0];
    ck_assert(nd[0] == 2 && nd[1] == 1 && nd[2] == 0);
    EMB_ASSERT_CLOSE(r->value[0], 800, 1e-12, 0);
    /* total = S L y = S x: A's 20 x 50 = 1000, C's 0.01 x 100 = 1 */
    EMB_ASSERT_CLOSE(r->total, 1001, 1e-12, 0);
    char *dir = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/mario.csv", dir);
    size_t len;
    ck_assert_int_eq(emb_spa_write(r, t, EMB_SPA_CSV, p), EMB_OK);
    char *txt = emb_test_slurp(p, &len);
    ck_assert_msg(strncmp(strchr(txt, '\n'), "\n1,800,", 7) == 0 &&
                      strstr(txt, ",2,R:A > R:B > R:C > final demand of R\n2,"), "%s", txt);
    free(txt);
    emb_test_rmtree(dir);
    free(dir);
    emb_spa_free(r);
    emb_table_free(t);
}
END_TEST

/* The edge scan of a CSR table, of a dense one and the solvers agree. */
START_TEST(storage_and_solvers_agree)
{
    emb_synth_opts so = emb_synth_defaults(5, 8, 3, 2, 7);
    emb_table *td = NULL, *tc = NULL;
    ck_assert_int_eq(emb_synth_table(&so, &td), EMB_OK);
    so.csr = 1;
    ck_assert_int_eq(emb_synth_table(&so, &tc), EMB_OK);
    emb_spa_opts o = {.to = "R002", .stressor = 1, .top = 40, .threshold = 1e-4};
    emb_spa_result *ref = NULL, *r = NULL;
    ck_assert_int_eq(emb_spa_compute(td, &o, &ref), EMB_OK);
    ck_assert_uint_eq(ref->n_paths, 40);
    const emb_table *tables[] = {tc, td, td};
    emb_solver_kind kinds[] = {EMB_SOLVER_AUTO, EMB_SOLVER_DENSE, EMB_SOLVER_MIXED};
    for (int k = 0; k < 3; k++) {
        o.solver.kind = kinds[k];
        ck_assert_int_eq(emb_spa_compute(tables[k], &o, &r), EMB_OK);
        ck_assert_uint_eq(r->n_paths, ref->n_paths);
        ck_assert_uint_eq(r->nodes_visited, ref->nodes_visited);
        EMB_ASSERT_CLOSE(r->total, ref->total, 1e-12, 0);
        for (size_t p = 0; p < r->n_paths; p++) {
            EMB_ASSERT_CLOSE(r->value[p], ref->value[p], 1e-12, 0);
            ck_assert_uint_eq(r->order[p], ref->order[p]);
        }
        emb_spa_free(r);
    }
    /* The total against the accounts: D's CBA without its households */
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(td, NULL, &a), EMB_OK);
    EMB_ASSERT_CLOSE(ref->total, a->cba[1 * a->n_r + 1] - a->fy[1 * a->n_r + 1], 1e-10, 0);
    emb_accounts_free(a);
    emb_spa_free(ref);
    emb_table_free(td);
    emb_table_free(tc);
}
END_TEST

START_TEST(errors)
{
    sys s;
    sys_make(&s, 2, 3, 0.5, 3, 0);
    emb_spa_result *r = NULL;
    emb_spa_opts o = {.to = "R1"};
    struct {
        emb_spa_opts o;
        emb_status st;
        const char *words;
    } bad[] = {
        {{.to = "XX"}, EMB_EUSAGE, "XX"},
        {{.to = NULL}, EMB_EUSAGE, "required"},
        {{.to = "R1", .from = "nowhere"}, EMB_EUSAGE, "nowhere"},
        {{.to = "R1", .stressor = 1}, EMB_EUSAGE, "stressor"},
        {{.to = "R1", .threshold = 1.5}, EMB_EUSAGE, "threshold"},
        {{.to = "R1", .threshold = -1e-3}, EMB_EUSAGE, "threshold"},
        {{.to = "R1", .threshold = NAN}, EMB_EUSAGE, "threshold"},
        {{.to = "R1", .max_order = EMB_SPA_MAX_ORDER + 1}, EMB_EUSAGE, "max order"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(emb_spa_compute(s.t, &bad[i].o, &r), bad[i].st);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(emb_errmsg(), bad[i].words), "case %zu: '%s' lacks '%s'", i,
                      emb_errmsg(), bad[i].words);
    }
    ck_assert_int_eq(emb_spa_compute(s.t, NULL, &r), EMB_EUSAGE);
    /* no stressors: an input error */
    emb_table *t0 = NULL;
    ck_assert_int_eq(emb_table_from_arrays(2, 3, 2, 0, EMB_TECH_Z, s.Z, s.x, s.Y, NULL, NULL, RN,
                                           SN, CN_, NULL, NULL, &t0),
                     EMB_OK);
    ck_assert_int_eq(emb_spa_compute(t0, &o, &r), EMB_EINPUT);
    emb_table_free(t0);
    /* a writer given another table's result */
    ck_assert_int_eq(emb_spa_compute(s.t, &o, &r), EMB_OK);
    sys big;
    sys_make(&big, 1, 2, 0.5, 4, 0);
    ck_assert_int_eq(emb_spa_write(r, big.t, EMB_SPA_CSV, NULL), EMB_EUSAGE);
    ck_assert_int_eq(emb_spa_write(r, s.t, (emb_spa_format)7, NULL), EMB_EUSAGE);
    sys_free(&big);
    emb_spa_free(r);
    emb_spa_free(NULL);
    sys_free(&s);
}
END_TEST

/* Allocation failure at every k: EMB_ENOMEM, no leak, until the call
 * succeeds with the result of the run without injection. */
START_TEST(alloc_failure_every_k)
{
    sys s;
    sys_make(&s, 2, 3, 0.6, 8, 0);
    emb_spa_opts o = {.to = "R2", .top = 5, .threshold = 1e-3};
    emb_spa_result *ref = NULL, *r = NULL;
    ck_assert_int_eq(emb_spa_compute(s.t, &o, &ref), EMB_OK);
    int failures = 0;
    for (long k = 0;; k++) {
        emb_alloc_fail_after(k);
        emb_status st = emb_spa_compute(s.t, &o, &r);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK)
            break;
        ck_assert_msg(st == EMB_ENOMEM, "k = %ld: status %d: %s", k, (int)st, emb_errmsg());
        ck_assert_ptr_null(r);
        failures++;
        ck_assert_int_lt(k, 100000);
    }
    ck_assert_int_gt(failures, 5);
    ck_assert_uint_eq(r->n_paths, ref->n_paths);
    for (size_t p = 0; p < r->n_paths; p++)
        ck_assert(r->value[p] == ref->value[p]);
    emb_spa_free(r);
    emb_spa_free(ref);
    sys_free(&s);
}
END_TEST

/* Interruption at every poll: EMB_EINTERRUPTED, nothing returned, no leak,
 * until the polls run out and the call succeeds. */
typedef struct polls {
    long n, stop_at;
} polls;

static int stop_at_poll(void *user)
{
    polls *p = user;
    return ++p->n == p->stop_at;
}

START_TEST(interrupted_at_every_poll)
{
    sys s;
    sys_make(&s, 3, 4, 0.5, 21, 0);
    emb_context *ctx = NULL;
    ck_assert_int_eq(emb_context_create(&ctx), EMB_OK);
    polls pl = {0, 0};
    emb_context_set_interrupt(ctx, stop_at_poll, &pl);
    emb_spa_opts o = {.to = "R1", .top = 5, .threshold = 1e-4, .ctx = ctx};
    emb_spa_result *r = NULL;
    int interrupted = 0;
    for (long k = 1;; k++) {
        pl = (polls){0, k};
        emb_status st = emb_spa_compute(s.t, &o, &r);
        if (st == EMB_OK)
            break;
        ck_assert_msg(st == EMB_EINTERRUPTED, "poll %ld: %s", k, emb_errmsg());
        ck_assert_ptr_null(r);
        interrupted++;
        ck_assert_int_lt(k, 10000);
    }
    ck_assert_int_ge(interrupted, 2); /* the solver, and after the solves */
    ck_assert_uint_gt(r->n_paths, 0);
    emb_spa_free(r);
    emb_context_free(ctx);
    sys_free(&s);
}
END_TEST

/* ---- the command line ----------------------------------------------------- */

static int run_cli(const char *dir, const char *args, char **out, char **err)
{
    const char *b = getenv("EMB_BUILD_ROOT");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/embodied' %s >'%s/out.txt' 2>'%s/err.txt'", b ? b : "build",
             args, dir, dir);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc), "%s: killed", cmd);
    size_t len;
    *out = emb_test_slurp(emb_test_pathf("%s/out.txt", dir), &len);
    *err = emb_test_slurp(emb_test_pathf("%s/err.txt", dir), &len);
    return WEXITSTATUS(rc);
}

START_TEST(cli_output_and_errors)
{
    char *dir = emb_test_tmpdir(), *out, *err;
    const char *demo = emb_test_src_path("datasets/demo.h5");
    /* CSV: header, K ranked rows, the summary line */
    char *csv = strdup(emb_test_pathf("%s/spa.csv", dir)); /* pathf's buffers rotate */
    size_t len;
    ck_assert_int_eq(run_cli(dir, emb_test_pathf("spa '%s' --to CN --top 12 -o '%s'", demo, csv),
                             &out, &err),
                     0);
    ck_assert_msg(strstr(err, "wrote"), "%s", err);
    free(out), free(err);
    char *txt = emb_test_slurp(csv, &len);
    ck_assert_msg(strncmp(txt, "rank,value,share,order,path\n", 28) == 0, "%s", txt);
    char *line = strchr(txt, '\n') + 1;
    double prev = INFINITY, total = 0;
    char *sum = strstr(txt, "# summary: ");
    ck_assert_ptr_nonnull(sum);
    ck_assert_ptr_nonnull(strstr(sum, " total="));
    total = strtod(strstr(sum, " total=") + 7, NULL);
    ck_assert(total > 0);
    ck_assert_ptr_nonnull(strstr(sum, " sum_top="));
    ck_assert_ptr_nonnull(strstr(sum, " coverage="));
    ck_assert_ptr_nonnull(strstr(sum, " nodes_visited="));
    ck_assert_ptr_nonnull(strstr(sum, " seconds="));
    for (int rank = 1; rank <= 12; rank++) {
        int rk, order, used = 0;
        double v, share;
        ck_assert_msg(sscanf(line, "%d,%lf,%lf,%d,%n", &rk, &v, &share, &order, &used) == 4,
                      "row %d: %.80s", rank, line);
        ck_assert_int_eq(rk, rank);
        ck_assert(fabs(v) <= prev);
        prev = fabs(v);
        EMB_ASSERT_CLOSE(share, v / total, 1e-12, 0);
        char *eol = strchr(line, '\n');
        *eol = '\0';
        ck_assert_msg(strstr(line + used, " > final demand of CN") &&
                          strlen(strstr(line + used, " > final demand of CN")) == 21,
                      "%s", line);
        int arrows = 0;
        for (char *q = line + used; (q = strstr(q, " > ")); q += 3)
            arrows++;
        ck_assert_int_eq(arrows, order + 1);
        line = eol + 1;
    }
    ck_assert_msg(line == sum, "12 rows then the summary: %s", line);
    free(txt);
    /* aligned text on stdout: title, header, rows, summary */
    ck_assert_int_eq(run_cli(dir, emb_test_pathf("spa '%s' --to EU27 --from CN --top 3", demo),
                             &out, &err),
                     0);
    ck_assert_msg(strstr(out, "Structural paths of co2/CO2/air [kt] into the final demand of EU27, "
                              "emitted in CN"), "%s", out);
    int lines = 0;
    for (char *q = out; (q = strchr(q, '\n')); q++)
        lines++;
    ck_assert_msg(lines == 6 && strstr(out, " rank ") && strstr(out, "\n    3 "),
                  "title, header, 3 rows, summary: %s", out);
    ck_assert_msg(strstr(out, "\ntotal ") && strstr(out, "nodes visited: "), "%s", out);
    free(out), free(err);
    /* errors: exit codes and one line naming what is wrong */
    static const struct {
        const char *args;
        int rc;
        const char *words;
    } bad[] = {
        {"--to XX", 2, "XX"},
        {"--to CN --from XX", 2, "XX"},
        {"--to CN --stressor nope", 2, "nope"},
        {"--to CN --threshold 1.5", 2, "--threshold"},
        {"--to CN --threshold abc", 2, "--threshold"},
        {"--to CN --threshold 0", 2, "--threshold"},
        {"--to CN --top 0", 2, "--top"},
        {"--to CN --max-order 5000", 2, "--max-order"},
        {"--from CN", 2, "--to"},
        {"--to CN --bogus", 2, "bogus"},
        {"--to CN --max-memory 4K", 6, "memory limit"},
        {"--to CN --stressor a --stressor b", 2, "one --stressor"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = run_cli(dir, emb_test_pathf("spa '%s' %s", demo, bad[i].args), &out, &err);
        ck_assert_msg(rc == bad[i].rc, "%s: exit %d: %s", bad[i].args, rc, err);
        ck_assert_msg(strstr(err, bad[i].words), "%s: '%s'", bad[i].args, err);
        ck_assert_msg(!strncmp(err, "embodied", 8) && strchr(err, '\n') == strrchr(err, '\n'), "%s", err); /* one line */
        free(out), free(err);
    }
    /* a missing table: I/O (5); an existing output without --force: usage */
    ck_assert_int_eq(run_cli(dir, emb_test_pathf("spa '%s/none.h5' --to CN", dir), &out, &err), 5);
    free(out), free(err);
    ck_assert_int_eq(run_cli(dir, emb_test_pathf("spa '%s' --to CN -o '%s'", demo, csv), &out, &err),
                     2);
    ck_assert_msg(strstr(err, "--force"), "%s", err);
    free(out), free(err);
    ck_assert_int_eq(run_cli(dir, "spa --help", &out, &err), 0);
    ck_assert_msg(strstr(out, "--max-order") && strstr(out, "rank,value,share,order,path"), "%s", out);
    free(out), free(err);
    free(csv);
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("spa");
    TCase *tc = tcase_create("spa");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, brute_force_small_tables);
    tcase_add_test(tc, brute_force_from_and_group);
    tcase_add_test(tc, convergence_to_total);
    tcase_add_test(tc, mario_failure_mode);
    tcase_add_test(tc, deep_chain_explicit_stack);
    tcase_add_test(tc, storage_and_solvers_agree);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, alloc_failure_every_k);
    tcase_add_test(tc, interrupted_at_every_poll);
    tcase_add_test(tc, cli_output_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return emb_test_run(suite()); }
