/* src/analysis/spa.c — structural path analysis (embodied/spa.h): the bound
 * Mabs = |S| L and L |y_D| from the library's solver, the edges of A the
 * search can cross, the depth-first search with an explicit stack, and the
 * heap of the top K paths.  The writer is spa_write.c.
 *
 * Why this shape (README "Structural path analysis"): the bound |c| Mabs_j
 * of a partial path is the exact mass of its subtree when S, y >= 0, so the
 * number of nodes whose bound reaches t |total| is at most (1/t) per order
 * (the bounds of one order sum to the mass of all longer paths).  The
 * coefficient reaching j never exceeds (L |y_D|)_j, which turns the same
 * argument into a filter on the edges: only edges whose flow
 * (L |y_D|)_j A_ij Mabs_i reaches the cutoff are kept (at most about 1/t of them,
 * against 30 % of N^2 for a dense EXIOBASE-sized A), and they are sorted
 * once per column by A_ij Mabs_i, so a node stops at its first child below
 * the cutoff.
 */
#include "embodied/spa.h"

#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/plan.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The bounds come from iterative or LU solves with relative residuals of
 * 1e-13 or less: pruning and the edge filter compare against the cutoff
 * with this much room, so rounding never prunes a subtree the exact bound
 * would keep (it can only keep a few extra nodes at the boundary). */
#define BOUND_SLACK 1e-9
/* The edge filter compares against the bound's bound (L |y|)_j, with more
 * room than the search itself, so an edge the search would cross is never
 * filtered out by rounding in the product of coefficients. */
#define EDGE_SLACK 1e-6
/* Identity tolerance: total from S (L y_D) against (S L) y_D, relative to
 * the absolute mass |S| L |y_D| (both sides are that mass's rounding). */
#define IDENTITY_TOL 1e-9
/* Visits between two interruption polls. */
#define POLL_EVERY 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *tname(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

void emb_spa_free(emb_spa_result *r)
{
    if (!r)
        return;
    emb_free(r->to), emb_free(r->from), emb_free(r->to_name), emb_free(r->from_name);
    emb_free(r->value), emb_free(r->order), emb_free(r->path_start), emb_free(r->nodes);
    emb_free(r);
}

/* ---- edges: the part of A the search can use, by column, sorted -------- */

typedef struct edge {
    uint32_t i, j;
    double a;   /* A_ij */
    double key; /* A_ij Mabs_i: a child's bound per unit of coefficient */
} edge;

typedef struct edges {
    edge *e;
    size_t n, cap;
} edges;

static emb_status edge_push(edges *E, uint32_t i, uint32_t j, double a, double key)
{
    if (E->n == E->cap) {
        size_t cap = E->cap ? E->cap + E->cap / 2 : 4096;
        edge *ne = emb_realloc(E->e, cap, sizeof *ne, "SPA edges");
        if (!ne)
            return EMB_ENOMEM;
        E->e = ne;
        E->cap = cap;
    }
    E->e[E->n++] = (edge){i, j, a, key};
    return EMB_OK;
}

/* Column ascending, then key descending (the order children are tried), then row. */
static int edge_cmp(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Row i of the technology matrix (z[j] for the columns listed, or dense):
 * keep (i, j) when w_j z_ij Mabs_i reaches cut, w_j = (L|y|)_j / x_j for Z
 * tables (A_ij = z_ij / x_j), (L|y|)_j for A tables. */
typedef struct scan {
    const emb_table *t;
    const double *x, *Mabs, *Labs;
    double *w;      /* [N] */
    double cut;     /* cutoff / (1 + EDGE_SLACK) */
    size_t nnz;
    edges E;
} scan;

static emb_status scan_entry(scan *s, size_t i, size_t j, double z)
{
    s->nnz++;
    double wz = s->w[j] * z * s->Mabs[i];
    if (!(wz > 0) || wz < s->cut)
        return EMB_OK;
    double a = s->t->tech_kind == EMB_TECH_Z ? z / s->x[j] : z;
    return edge_push(&s->E, (uint32_t)i, (uint32_t)j, a, a * s->Mabs[i]);
}

static emb_status scan_matrix(scan *s)
{
    const emb_table *t = s->t;
    size_t N = t->N;
    for (size_t j = 0; j < N; j++) {
        double xj = s->x[j];
        if (t->tech_kind == EMB_TECH_Z)
            s->w[j] = xj > 0 ? s->Labs[j] / xj : 0;
        else
            s->w[j] = s->Labs[j];
    }
    emb_status st = EMB_OK;
    if (t->csr) {
        const emb_csr *m = t->csr;
        for (size_t i = 0; i < N && !st; i++) {
            for (size_t p = m->indptr[i]; p < m->indptr[i + 1] && !st; p++)
                if (m->data[p] != 0)
                    st = scan_entry(s, i, m->indices[p], m->data[p]);
            if (!st && (i & 255) == 255)
                st = emb_ctx_poll("spa: reading A");
        }
        return st;
    }
    /* Dense or streamed: row blocks of about 16 MiB. */
    size_t nb = emb_block_bytes((size_t)16 << 20) / (N * sizeof(double) + 1);
    nb = nb < 1 ? 1 : nb > N ? N : nb;
    double *W = emb_alloc(nb * N, sizeof *W, "technology row block");
    if (!W)
        return EMB_ENOMEM;
    for (size_t r0 = 0; r0 < N && !st; r0 += nb) {
        size_t nr = N - r0 < nb ? N - r0 : nb;
        if ((st = emb_table_tech_rows(t, r0, nr, W)))
            break;
        for (size_t r = 0; r < nr && !st; r++) {
            size_t i = r0 + r;
            const double *row = W + r * N;
            double mi = s->Mabs[i];
            for (size_t j = 0; j < N; j++) {
                double z = row[j];
                if (z == 0)
                    continue;
                /* The common case (rejected) inline; scan_entry re-tests. */
                if (mi > 0 && s->w[j] * z * mi >= s->cut) {
                    if ((st = scan_entry(s, i, j, z)))
                        break;
                } else {
                    s->nnz++;
                }
            }
        }
        if (!st)
            st = emb_ctx_poll("spa: reading A");
    }
    emb_free(W);
    return st;
}

/* ---- the top K: a min-heap on rank (the worst kept path at the root) --- */

typedef struct hentry {
    double value;
    size_t order;
    uint32_t *nodes; /* [max_order + 1] slot in the pool */
} hentry;

typedef struct heap {
    hentry *h;
    size_t n, cap, width;
    uint32_t *pool;
} heap;

/* Does a rank before b?  |value| descending, then shorter, then the nodes
 * from the final producer on (a total order, so ties rank the same way in
 * every run). */
static int ranks_before(const hentry *a, const hentry *b)
{
    double va = fabs(a->value), vb = fabs(b->value);
    if (va != vb)
        return va > vb;
    if (a->order != b->order)
        return a->order < b->order;
    for (size_t k = 0; k <= a->order; k++)
        if (a->nodes[k] != b->nodes[k])
            return a->nodes[k] < b->nodes[k];
    return 0;
}

static void sift_down(heap *H, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        /* the root holds the path that ranks last */
        if (l < H->n && ranks_before(&H->h[w], &H->h[l]))
            w = l;
        if (r < H->n && ranks_before(&H->h[w], &H->h[r]))
            w = r;
        if (w == i)
            return;
        hentry tmp = H->h[i];
        H->h[i] = H->h[w];
        H->h[w] = tmp;
        i = w;
    }
}

static void sift_up(heap *H, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ranks_before(&H->h[p], &H->h[i]))
            return;
        hentry tmp = H->h[i];
        H->h[i] = H->h[p];
        H->h[p] = tmp;
        i = p;
    }
}

static void heap_offer(heap *H, double value, size_t order, const uint32_t *path)
{
    hentry cand = {value, order, (uint32_t *)path};
    if (H->n < H->cap) {
        hentry *e = &H->h[H->n];
        e->nodes = H->pool + H->n * H->width;
        memcpy(e->nodes, path, (order + 1) * sizeof *path);
        e->value = value;
        e->order = order;
        H->n++;
        sift_up(H, H->n - 1);
        return;
    }
    if (H->cap == 0 || !ranks_before(&cand, &H->h[0]))
        return;
    hentry *e = &H->h[0];
    memcpy(e->nodes, path, (order + 1) * sizeof *path);
    e->value = value;
    e->order = order;
    sift_down(H, 0);
}

static int hentry_cmp(const void *pa, const void *pb)
{
    const hentry *a = pa, *b = pb;
    return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}

/* ---- the search --------------------------------------------------------- */

typedef struct frame {
    uint32_t j;
    double c;     /* coefficient: y_j0 A_j1j0 ... up to j */
    size_t p, pe; /* next edge of column j to try, end of the column */
} frame;

typedef struct root {
    uint32_t j;
    double c;     /* y_j0,D */
    double bound; /* |y_j0| Mabs_j0 */
} root;

static int root_cmp(const void *pa, const void *pb)
{
    const root *a = pa, *b = pb;
    if (a->bound != b->bound)
        return a->bound > b->bound ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

typedef struct search {
    const double *S, *Mabs;
    const size_t *colptr; /* [N + 1] into the sorted edges */
    const edge *e;
    double cutoff;
    size_t max_order;
    frame *stk;     /* [max_order + 1] */
    uint32_t *path; /* [max_order + 1] the nodes of stk, as the heap copies them */
    heap H;
    double coverage;
    size_t visited, above, deepest;
} search;

static void visit(search *s, size_t d)
{
    uint32_t j = s->stk[d].j;
    double v = s->S[j] * s->stk[d].c;
    s->visited++;
    s->coverage += v;
    if (d > s->deepest)
        s->deepest = d;
    if (v != 0 && fabs(v) >= s->cutoff) {
        s->above++;
        heap_offer(&s->H, v, d, s->path);
    }
}

/* A subtree is searched when its bound is positive and reaches the cutoff
 * (with the solver's rounding room). */
static int searched(double bound, double cutoff)
{
    return bound > 0 && bound * (1 + BOUND_SLACK) >= cutoff;
}

/* Depth first over the roots in decreasing bound; the stack holds one frame
 * per order, so the depth is max_order + 1 frames whatever the table. */
static emb_status run_search(search *s, const root *roots, size_t nroots)
{
    size_t next_poll = POLL_EVERY;
    for (size_t r = 0; r < nroots; r++) {
        if (!searched(roots[r].bound, s->cutoff))
            break; /* sorted: every later root is lower */
        uint32_t j0 = roots[r].j;
        s->stk[0] = (frame){j0, roots[r].c, s->colptr[j0], s->colptr[j0 + 1]};
        s->path[0] = j0;
        visit(s, 0);
        size_t d = 0;
        for (;;) {
            frame *f = &s->stk[d];
            int pushed = 0;
            if (d < s->max_order && f->p < f->pe) {
                const edge *e = &s->e[f->p];
                if (searched(fabs(f->c) * e->key, s->cutoff)) {
                    f->p++;
                    d++;
                    s->stk[d] = (frame){e->i, f->c * e->a, s->colptr[e->i], s->colptr[e->i + 1]};
                    s->path[d] = e->i;
                    visit(s, d);
                    pushed = 1;
                } else {
                    f->p = f->pe; /* sorted: every later child is lower */
                }
            }
            if (!pushed) {
                if (d == 0)
                    break;
                d--;
            }
            if (s->visited >= next_poll) {
                next_poll = s->visited + POLL_EVERY;
                emb_status st = emb_ctx_poll("spa: searching paths");
                if (st)
                    return st;
            }
        }
    }
    return EMB_OK;
}

/* ---- the front end ------------------------------------------------------ */

static emb_status check_opts(const emb_table *t, const emb_spa_opts *o, size_t *top,
                             size_t *max_order, double *thr)
{
    if (t->k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors (/F has 0 rows): no path "
                                     "carries anything", tname(t));
    if (o->stressor >= t->k)
        return emb_raise(EMB_EUSAGE, "spa: stressor index %zu out of range (%zu stressors)",
                         o->stressor, t->k);
    if (!o->to || !*o->to)
        return emb_raise(EMB_EUSAGE, "spa: the consuming region (to) is required");
    *top = o->top ? o->top : EMB_SPA_DEFAULT_TOP;
    *max_order = o->max_order ? o->max_order : EMB_SPA_DEFAULT_MAX_ORDER;
    if (*max_order > EMB_SPA_MAX_ORDER)
        return emb_raise(EMB_EUSAGE, "spa: max order %zu: expected at most %d", *max_order,
                         EMB_SPA_MAX_ORDER);
    *thr = o->threshold == 0 ? EMB_SPA_DEFAULT_THRESHOLD : o->threshold;
    if (!(*thr > 0 && *thr < 1)) /* also NaN */
        return emb_raise(EMB_EUSAGE, "spa: threshold %g: expected a share of the total in (0, 1)",
                         o->threshold);
    if (t->N > UINT32_MAX)
        return emb_raise(EMB_ENOMEM, "%s: N = %zu industries: the search indexes them in 32 bits",
                         tname(t), t->N);
    return EMB_OK;
}

static emb_status copy_members(const size_t *m, size_t n, size_t **out)
{
    if (!(*out = emb_alloc(n, sizeof **out, "SPA region list")))
        return EMB_ENOMEM;
    memcpy(*out, m, n * sizeof **out);
    return EMB_OK;
}

/* Sorted edges by column: colptr [N + 1]. */
static emb_status index_edges(edges *E, size_t N, size_t **colptr)
{
    qsort(E->e, E->n, sizeof *E->e, edge_cmp);
    size_t *cp = emb_calloc(N + 1, sizeof *cp, "SPA edge index");
    if (!cp)
        return EMB_ENOMEM;
    for (size_t q = 0; q < E->n; q++)
        cp[E->e[q].j + 1]++;
    for (size_t j = 0; j < N; j++)
        cp[j + 1] += cp[j];
    *colptr = cp;
    return EMB_OK;
}

/* The heap's paths, ranked, into r. */
static emb_status take_paths(heap *H, emb_spa_result *r)
{
    size_t n = H->n, tot = 0;
    qsort(H->h, n, sizeof *H->h, hentry_cmp);
    for (size_t p = 0; p < n; p++)
        tot += H->h[p].order + 1;
    r->value = emb_alloc(n ? n : 1, sizeof *r->value, "SPA path values");
    r->order = emb_alloc(n ? n : 1, sizeof *r->order, "SPA path orders");
    r->path_start = emb_alloc(n + 1, sizeof *r->path_start, "SPA path index");
    r->nodes = emb_alloc(tot ? tot : 1, sizeof *r->nodes, "SPA path nodes");
    if (!r->value || !r->order || !r->path_start || !r->nodes)
        return EMB_ENOMEM;
    size_t q = 0;
    r->sum_top = 0;
    for (size_t p = 0; p < n; p++) {
        r->value[p] = H->h[p].value;
        r->order[p] = H->h[p].order;
        r->path_start[p] = q;
        for (size_t k = 0; k <= H->h[p].order; k++)
            r->nodes[q++] = H->h[p].nodes[k];
        r->sum_top += H->h[p].value;
    }
    r->path_start[n] = q;
    r->n_paths = n;
    return EMB_OK;
}

emb_status emb_spa_compute(const emb_table *t, const emb_spa_opts *opts, emb_spa_result **out)
{
    *out = NULL;
    double t0 = now();
    emb_spa_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    else
        return emb_raise(EMB_EUSAGE, "spa: options are required (at least the consuming region)");
    size_t top = 0, max_order = 0;
    double thr = 0;
    emb_status st = check_opts(t, &o, &top, &max_order, &thr);
    if (st)
        return st;
    const size_t *dm, *om = NULL;
    size_t dn, on = 0, d1, o1;
    if ((st = emb_table_resolve_unit(t, o.to, &dm, &dn, &d1)))
        return st;
    if (o.from && (st = emb_table_resolve_unit(t, o.from, &om, &on, &o1)))
        return st;

    emb_ctx_frame cf;
    emb_ctx_enter(&cf, o.ctx);
    size_t N = t->N, n_s = t->n_s;
    emb_spa_result *r = NULL;
    emb_leontief *lf = NULL;
    double *vec = NULL;
    root *roots = NULL;
    size_t *colptr = NULL;
    scan sc = {0};
    search se = {0};
    emb_table view;
    emb_csr *own_csr = NULL;

    /* Plan: the O(N) vectors, the roots, the stack and the heap (the edges
     * grow under the single-allocation limit; the solver plans itself). */
    emb_plan plan;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "SPA vectors (S, y, Mabs, M, L|y|, L y, w, mask)", (double)N, 8,
                 sizeof(double));
    emb_plan_add(&plan, "SPA roots", (double)N, 1, sizeof(root));
    emb_plan_add(&plan, "SPA edge index", (double)N + 1, 1, sizeof(size_t));
    emb_plan_add(&plan, "SPA top paths", (double)top, (double)max_order + 1, sizeof(uint32_t));
    emb_plan_add(&plan, "SPA heap", (double)top, 1, sizeof(hentry));
    if ((st = emb_plan_check(&plan, tname(t), "the structural path analysis")))
        goto done;

    st = EMB_ENOMEM;
    if (!(r = emb_calloc(1, sizeof *r, "SPA result")))
        goto done;
    if (!(vec = emb_calloc(N, 8 * sizeof(double), "SPA vectors")))
        goto done;
    double *S = vec, *y = vec + N, *Xt = vec + 2 * N, *Xd = vec + 4 * N, *mask = vec + 7 * N;
    sc.w = vec + 6 * N;
    r->stressor = o.stressor;
    r->n_to = dn;
    r->top = top;
    r->max_order = max_order;
    r->threshold = thr;
    if (copy_members(dm, dn, &r->to) || !(r->to_name = emb_strdup(o.to)))
        goto done;
    if (o.from) {
        r->n_from = on;
        if (copy_members(om, on, &r->from) || !(r->from_name = emb_strdup(o.from)))
            goto done;
        for (size_t a = 0; a < on; a++)
            for (size_t j = 0; j < n_s; j++)
                mask[om[a] * n_s + j] = 1;
    } else {
        r->n_from = t->n_r;
        if (!(r->from = emb_alloc(t->n_r, sizeof *r->from, "SPA region list")))
            goto done;
        for (size_t a = 0; a < t->n_r; a++)
            r->from[a] = a;
        for (size_t j = 0; j < N; j++)
            mask[j] = 1;
    }

    /* The solver: sparse unless asked otherwise (no N x N array; the
     * search needs two right-hand sides, not a factorisation). */
    double ts = now();
    emb_solver_opts so = o.solver;
    if (so.kind == EMB_SOLVER_AUTO)
        so.kind = EMB_SOLVER_SPARSE;
    /* A dense or streamed table goes to the sparse solver and to the edge
     * scan as one CSR copy, read once: otherwise the solver streams T twice
     * (its CSR, the column sums) and the scan a third time (measured at
     * N = 9,800: README "Structural path analysis").  The view shares every
     * other array of t. */
    if (so.kind == EMB_SOLVER_SPARSE && !t->csr) {
        if ((st = emb_table_tech_csr(t, &own_csr)))
            goto done;
        view = *t;
        view.T = NULL;
        view.stream = NULL;
        view.csr = own_csr;
        t = &view;
    }
    if ((st = emb_leontief_create(t, &so, &lf)))
        goto done;
    const double *x = emb_leontief_x(lf);
    double *xs = mask; /* the mask is spent once S is formed: x is kept there */
    int negS = 0, negY = 0;
    const double *F = t->F + o.stressor * N;
    for (size_t j = 0; j < N; j++) {
        S[j] = mask[j] != 0 && x[j] > 0 ? F[j] / x[j] : 0;
        negS |= S[j] < 0;
    }
    for (size_t j = 0; j < N; j++) {
        double v = 0;
        for (size_t a = 0; a < dn; a++)
            for (size_t f = 0; f < t->n_f; f++)
                v += t->Y[j * t->n_y + dm[a] * t->n_f + f];
        y[j] = v;
        negY |= v < 0;
    }
    /* Transposed: Mabs = |S| L (and M = S L when S has signs); direct:
     * L |y| (and L y when y has signs). */
    for (size_t j = 0; j < N; j++) {
        Xt[j] = fabs(S[j]);
        Xt[N + j] = S[j];
        Xd[j] = fabs(y[j]);
        Xd[N + j] = y[j];
    }
    st = emb_leontief_solve_checked(lf, negY ? 2 : 1, Xd, negS ? 2 : 1, Xt, &r->residual_solve,
                                    &r->residual_tsolve);
    if (st)
        goto done;
    emb_leontief_get_stats(lf, &r->solver);
    if (o.solver.kind == EMB_SOLVER_AUTO)
        snprintf(r->solver.explain, sizeof r->solver.explain,
                 "sparse: chosen by spa: two right-hand sides (|S| L and L |y_D|) need no "
                 "factorisation; block-Jacobi GMRES on a CSR copy of A, O(nnz) memory");
    if (!(r->residual_solve <= 1e-8) || !(r->residual_tsolve <= 1e-8)) {
        st = emb_raise(EMB_ENUMERIC, "%s: spa: relative residual %.3g (L y_D) / %.3g (S L) above "
                                     "1e-8", tname(t), r->residual_solve, r->residual_tsolve);
        goto done;
    }
    for (size_t j = 0; j < N; j++) /* rounding only: |S| L >= 0 */
        if (Xt[j] < 0)
            Xt[j] = 0;
    const double *Mabs = Xt, *M = negS ? Xt + N : Xt, *Labs = Xd, *Ly = negY ? Xd + N : Xd;
    double total = 0, check = 0, mass = 0;
    for (size_t j = 0; j < N; j++) {
        total += S[j] * Ly[j];
        check += M[j] * y[j];
        mass += Mabs[j] * fabs(y[j]);
    }
    r->total = total;
    r->total_check = check;
    r->seconds_M = now() - ts;
    if (!(fabs(total - check) <= IDENTITY_TOL * mass)) {
        st = emb_raise(EMB_ENUMERIC, "%s: spa: identity S (L y_D) = (S L) y_D violated for "
                                     "stressor %s, final demand of %s: %.17g vs %.17g (relative "
                                     "to the mass %.3g: %.3g > %.0e)",
                       tname(t), t->stressors[o.stressor], o.to, total, check, mass,
                       fabs(total - check) / mass, IDENTITY_TOL);
        goto done;
    }
    /* Threshold against |total|; where signs cancel the total to rounding,
     * against the mass instead (else a cutoff of 0 would enumerate every
     * path). */
    double ref = fabs(total) > 1e-12 * mass ? fabs(total) : mass;
    r->cutoff = thr * ref;
    if ((st = emb_ctx_poll("spa: after the solves")))
        goto done;

    /* The solver's arrays (A_O and its transpose for sparse) are not needed
     * any more: free them before the scan, keeping x. */
    memcpy(xs, x, N * sizeof *xs);
    x = xs;
    emb_leontief_free(lf);
    lf = NULL;
    /* Edges the search can cross, read in one pass over A. */
    ts = now();
    sc.t = t;
    sc.x = x;
    sc.Mabs = Mabs;
    sc.Labs = Labs;
    sc.cut = r->cutoff / (1 + EDGE_SLACK);
    if (mass > 0) {
        if ((st = scan_matrix(&sc)) || (st = index_edges(&sc.E, N, &colptr)))
            goto done;
    } else if (!(colptr = emb_calloc(N + 1, sizeof *colptr, "SPA edge index"))) {
        st = EMB_ENOMEM; /* nothing reaches D: no edge, no root */
        goto done;
    }
    r->edges_kept = sc.E.n;
    r->nnz_A = sc.nnz;
    r->seconds_edges = now() - ts;

    /* Roots: final products with a bound, largest first. */
    ts = now();
    st = EMB_ENOMEM;
    size_t nroots = 0;
    if (!(roots = emb_alloc(N, sizeof *roots, "SPA roots")))
        goto done;
    for (size_t j = 0; j < N && mass > 0; j++)
        if (y[j] != 0 && Mabs[j] > 0)
            roots[nroots++] = (root){(uint32_t)j, y[j], fabs(y[j]) * Mabs[j]};
    qsort(roots, nroots, sizeof *roots, root_cmp);
    se.S = S;
    se.Mabs = Mabs;
    se.colptr = colptr;
    se.e = sc.E.e;
    se.cutoff = r->cutoff;
    se.max_order = max_order;
    se.H.cap = top;
    se.H.width = max_order + 1;
    if (!(se.stk = emb_alloc(max_order + 1, sizeof *se.stk, "SPA stack")) ||
        !(se.path = emb_alloc(max_order + 1, sizeof *se.path, "SPA stack path")) ||
        !(se.H.h = emb_alloc(top, sizeof *se.H.h, "SPA heap")) ||
        !(se.H.pool = emb_alloc(top * (max_order + 1), sizeof *se.H.pool, "SPA top paths")))
        goto done;
    if ((st = run_search(&se, roots, nroots)))
        goto done;
    r->coverage = se.coverage;
    r->nodes_visited = se.visited;
    r->n_above = se.above;
    r->deepest = se.deepest;
    if ((st = take_paths(&se.H, r)))
        goto done;
    r->seconds_search = now() - ts;

    /* What the search must conserve: with S, y >= 0 every path is >= 0 and
     * the visited ones are part of the total, the listed ones part of them;
     * with signs, the same for the absolute mass. */
    double tol = IDENTITY_TOL * mass;
    if (!negS && !negY && (r->coverage > total + tol || r->sum_top > r->coverage + tol)) {
        st = emb_raise(EMB_ENUMERIC, "%s: spa: identity sum of the top paths (%.17g) <= coverage "
                                     "(%.17g) <= total (%.17g) violated for stressor %s, final "
                                     "demand of %s", tname(t), r->sum_top, r->coverage, total,
                       t->stressors[o.stressor], o.to);
        goto done;
    }
    if (fabs(r->coverage) > mass + tol) {
        st = emb_raise(EMB_ENUMERIC, "%s: spa: identity |coverage| (%.17g) <= |S| L |y_D| "
                                     "(%.17g) violated for stressor %s, final demand of %s",
                       tname(t), r->coverage, mass, t->stressors[o.stressor], o.to);
        goto done;
    }
    r->seconds_total = now() - t0;
    *out = r;
    r = NULL;
    st = EMB_OK;
done:
    emb_free(se.stk), emb_free(se.path), emb_free(se.H.h), emb_free(se.H.pool);
    emb_free(roots), emb_free(colptr), emb_free(sc.E.e), emb_free(vec);
    emb_leontief_free(lf);
    emb_csr_free(own_csr);
    emb_spa_free(r);
    emb_ctx_leave(&cf);
    return st;
}
