/* src/solver/scalapack.c — the accounts over MPI ranks with ScaLAPACK
 * (embodied/mpi.h): MPI start and end for the CLI, the process grid, and
 * emb_mpi_accounts, which runs in phases, each followed by the ranks'
 * agreement on the status (agree(): the lowest failing rank's error is sent
 * to every rank, so a failure anywhere ends every rank the same way and no
 * rank waits in a collective the others never enter):
 *   1. checks and the per-rank memory plan;
 *   2. this rank's tiles of T read (scalapack_read.c) into its local part of
 *      the block-cyclic matrix, NaN/Inf checked;
 *   3. x (given, or Z 1 + Y 1 from the row sums of every rank's tiles,
 *      screened by output.c's rule) and I - A formed in place, its norms and
 *      column sums reduced;
 *   4. pdgetrf, then (I - A)^-1 1 for the exact condition number and the
 *      productivity check, as the dense solver does (dense.c);
 *   5. rank 0 prepares the staged accounts; the right-hand sides go out in
 *      batches of at most 256 columns (pdgemr2d from rank 0 to the grid),
 *      pdgetrs 'N' (direct) or 'T' (multipliers), back to rank 0, and each
 *      batch's residual against T streamed again in tiles (the solutions
 *      broadcast, every rank multiplies its tiles, the products summed on
 *      rank 0): the formula of emb_leontief_residuals;
 *   6. rank 0 assembles the accounts (identities checked there).
 * Built only with EMB_HAVE_MPI (meson -Dmpi); otherwise the public functions
 * refuse with EMB_EUSAGE. */
#include "embodied/mpi.h"

#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "solver/scalapack_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

emb_status emb_mpi_grid(int p, int *pr, int *pc)
{
    if (p < 1)
        return emb_raise(EMB_EUSAGE, "process grid: %d ranks: expected at least 1", p);
    int r = 1;
    for (int d = 1; (long)d * d <= p; d++)
        if (p % d == 0)
            r = d;
    *pr = r, *pc = p / r;
    return EMB_OK;
}

emb_status emb_mpi_parse_grid(const char *s, int *pr, int *pc)
{
    char *end;
    long a, b;
    if (!s || !*s)
        goto bad;
    a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        goto bad;
    const char *s2 = end + 1;
    b = strtol(s2, &end, 10);
    if (end == s2 || *end || a < 1 || b < 1 || a > INT_MAX / b)
        goto bad;
    *pr = (int)a, *pc = (int)b;
    return EMB_OK;
bad:
    return emb_raise(EMB_EUSAGE, "--grid '%s': expected PRxPC, two whole numbers >= 1 (e.g. 2x4)",
                     s ? s : "");
}

#ifndef EMB_HAVE_MPI

static emb_status not_built(void)
{
    return emb_raise(EMB_EUSAGE, "the scalapack solver needs MPI: this embodied was built without "
                                 "it (meson setup -Dmpi=enabled with libopenmpi-dev and "
                                 "libscalapack-openmpi-dev installed)");
}

int emb_mpi_available(void) { return 0; }

emb_status emb_mpi_init(int *argc, char ***argv, int force, int *initialised)
{
    (void)argc, (void)argv;
    if (initialised)
        *initialised = 0;
    return force ? not_built() : EMB_OK;
}

void emb_mpi_finalize(void) {}
int emb_mpi_rank(void) { return 0; }
int emb_mpi_size(void) { return 1; }

emb_status emb_mpi_agree(const emb_mpi_opts *mo, emb_status st)
{
    (void)mo;
    return st;
}

emb_status emb_mpi_split(int g, void **comm, int *group, int *group_rank)
{
    (void)g;
    *comm = NULL;
    *group = *group_rank = 0;
    return not_built();
}

void emb_mpi_comm_free(void *comm) { (void)comm; }

emb_status emb_mpi_accounts(const emb_table *t, const emb_accounts_opts *opts,
                            const emb_mpi_opts *mo, emb_accounts **out)
{
    (void)t, (void)opts, (void)mo;
    if (out)
        *out = NULL;
    return not_built();
}

#else /* EMB_HAVE_MPI */

#include "accounts/accounts_impl.h"
#include "solver/output.h"

#include <cblas.h>
#include <mpi.h>

/* BLACS (C interface) and ScaLAPACK (Fortran: every argument by address,
 * the hidden lengths of character arguments last). */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
void Cpdgemr2d(int m, int n, double *a, int ia, int ja, int *desca, double *b, int ib, int jb,
               int *descb, int gcontext);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdgetrf_(const int *m, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *ipiv, int *info);
void pdgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, const int *ipiv, double *b, const int *ib,
              const int *jb, const int *descb, int *info, size_t trans_len);

static int we_initialised;

int emb_mpi_available(void) { return 1; }

emb_status emb_mpi_init(int *argc, char ***argv, int force, int *initialised)
{
    int flag = 0;
    MPI_Initialized(&flag);
    if (initialised)
        *initialised = flag;
    if (flag)
        return EMB_OK;
    int launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
    if (!launched && !force)
        return EMB_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return emb_raise(EMB_EINTERNAL, "MPI_Init_thread failed");
    we_initialised = 1;
    if (initialised)
        *initialised = 1;
    return EMB_OK;
}

void emb_mpi_finalize(void)
{
    int fin = 0;
    if (!we_initialised)
        return;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
    we_initialised = 0;
}

static int mpi_on(void)
{
    int a = 0, f = 0;
    MPI_Initialized(&a);
    MPI_Finalized(&f);
    return a && !f;
}

int emb_mpi_rank(void)
{
    int r = 0;
    if (mpi_on())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int emb_mpi_size(void)
{
    int s = 1;
    if (mpi_on())
        MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

/* Right-hand sides per batch (each rank holds a few N x batch arrays). */
#define BATCH 256

/* One distributed run. */
typedef struct dist {
    MPI_Comm comm;
    int rank, size;
    const emb_table *t;
    size_t N;
    int nb, pr, pc, myrow, mycol;
    int handle, ctxt, ctxt0; /* BLACS system handle, the grid, rank 0 alone */
    emb_tiles tl;
    size_t lld;
    double *L;          /* lld x locc: this rank's part of T, then of I - A, then its LU */
    int *ipiv;
    int desc[9];
    double *x, *rinv;   /* [N], identical on every rank */
    double anorm_inf, anorm_one;
    emb_solver_stats st;
    double t_build, t_factor, t_solve, t_res;
} dist;

static double now(void) { return MPI_Wtime(); }

/* Every rank passes its status; all return the first failing rank's (the
 * lowest), with its message "rank R of P: ..." raised on every rank. */
static emb_status agree(MPI_Comm comm, emb_status st)
{
    int rank, size, mine, first;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    mine = st ? rank : INT_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == INT_MAX)
        return EMB_OK;
    struct {
        int st;
        char msg[1024];
    } m;
    memset(&m, 0, sizeof m);
    if (rank == first) {
        m.st = (int)st;
        const char *e = emb_errmsg();
        snprintf(m.msg, sizeof m.msg, "%s", e && *e ? e : emb_strerror(st));
    }
    MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, comm);
    if (size == 1)
        return emb_raise((emb_status)m.st, "%s", m.msg);
    return emb_raise((emb_status)m.st, "rank %d of %d: %s", first, size, m.msg);
}

/* Sum of v[0..n) over the ranks, the same bits on every rank (a reduction
 * to rank 0 broadcast back, not an Allreduce whose order may differ). */
static void sum_everywhere(MPI_Comm comm, int rank, double *v, double *tmp, size_t n)
{
    MPI_Reduce(v, tmp, (int)n, MPI_DOUBLE, MPI_SUM, 0, comm);
    if (rank == 0)
        memcpy(v, tmp, n * sizeof *v);
    MPI_Bcast(v, (int)n, MPI_DOUBLE, 0, comm);
}

static const char *tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

/* Phase 1: the layout and its limits, and this rank's plan. */
static emb_status plan_rank(dist *d, size_t nbat)
{
    const emb_table *t = d->t;
    size_t N = d->N;
    if (N > (size_t)INT_MAX)
        return emb_raise(EMB_ENOMEM, "%s: N = %zu exceeds ScaLAPACK's 32-bit indices", tp(t), N);
    size_t locr = d->tl.locr, locc = d->tl.locc;
    size_t cells;
    if (emb_mul_overflows(d->lld, locc, &cells) || cells > (size_t)INT_MAX)
        return emb_raise(EMB_ENOMEM, "%s: this rank's part of I - A (%zu x %zu on a %dx%d grid, "
                                     "N = %zu) exceeds ScaLAPACK's 32-bit local indices: use more "
                                     "ranks", tp(t), locr, locc, d->pr, d->pc, N);
    emb_plan p;
    emb_plan_init(&p);
    emb_plan_add(&p, "this rank's tiles of I - A", (double)d->lld, (double)locc, sizeof(double));
    emb_plan_add(&p, "pivots", (double)(locr + (size_t)d->nb), 1, sizeof(int));
    emb_plan_add(&p, "tile band buffer", (double)d->nb, (double)locc, sizeof(double));
    emb_plan_add(&p, "vectors x, 1/x, norms", 8, (double)N, sizeof(double));
    /* a batch: local right-hand sides, the broadcast solutions, the products
     * and their sum, scaled solutions and A^T m of this rank's columns */
    emb_plan_add(&p, "right-hand sides, local part", (double)d->lld,
                 (double)emb_bc_count(nbat, (size_t)d->nb, (size_t)d->mycol, (size_t)d->pc),
                 sizeof(double));
    emb_plan_add(&p, "solutions and residual products", 2, (double)N * (double)nbat,
                 sizeof(double));
    emb_plan_add(&p, "residual work of this rank's columns", 2, (double)locc * (double)nbat,
                 sizeof(double));
    emb_plan_add(&p, "residual band products", (double)d->nb, (double)nbat, sizeof(double));
    if (d->rank == 0)
        emb_plan_add(&p, "rank 0: right-hand sides, solutions, sums", 3,
                     (double)N * (double)nbat, sizeof(double));
    char subject[96];
    snprintf(subject, sizeof subject, "rank %d's part of the distributed solver", d->rank);
    return emb_plan_check(&p, tp(t), subject);
}

/* Phase 2: this rank's tiles into L (column-major, ld lld), checked finite;
 * partial row sums of T and column sums of |T| into rs, ca (when x must be
 * computed). */
static emb_status read_tiles(dist *d, double *buf, double *rs, double *ca)
{
    const emb_table *t = d->t;
    size_t locc = d->tl.locc, lld = d->lld, nb = (size_t)d->nb;
    for (size_t b = 0; b < d->tl.nbands; b++) {
        size_t g0, n;
        emb_status st = emb_tiles_read_band(&d->tl, b, buf, &g0, &n);
        if (st)
            return st;
        for (size_t i = 0; i < n; i++) {
            size_t li = b * nb + i, gi = g0 + i;
            for (size_t lc = 0; lc < locc; lc++) {
                double v = buf[i * locc + lc];
                size_t gc = emb_bc_global(lc, nb, (size_t)d->mycol, (size_t)d->pc);
                if (!isfinite(v))
                    return emb_raise(EMB_EINPUT, "%s: dataset %s: %s at row %zu (%s/%s), column "
                                                 "%zu (%s/%s)", tp(t), d->tl.dsname,
                                     isnan(v) ? "NaN" : "infinite value", gi,
                                     t->regions[gi / t->n_s], t->sectors[gi % t->n_s], gc,
                                     t->regions[gc / t->n_s], t->sectors[gc % t->n_s]);
                d->L[li + lc * lld] = v;
                if (rs) {
                    rs[gi] += v;
                    ca[gc] += fabs(v);
                }
            }
        }
    }
    return EMB_OK;
}

/* Phase 3b: T -> I - A in L; partial |I - A| row sums, |I - A| column sums
 * and A column sums into w[0..N), w[N..2N), w[2N..3N); *neg: A has a
 * negative entry here. */
static void form(dist *d, double *w, int *neg)
{
    size_t N = d->N, locc = d->tl.locc, locr = d->tl.locr, lld = d->lld, nb = (size_t)d->nb;
    int scaled = d->t->tech_kind == EMB_TECH_Z;
    for (size_t lc = 0; lc < locc; lc++) {
        size_t gc = emb_bc_global(lc, nb, (size_t)d->mycol, (size_t)d->pc);
        double r = scaled ? d->rinv[gc] : 1.0;
        double *col = d->L + lc * lld;
        for (size_t li = 0; li < locr; li++) {
            size_t gi = emb_bc_global(li, nb, (size_t)d->myrow, (size_t)d->pr);
            double a = col[li] * r;
            double v = (gi == gc ? 1.0 : 0.0) - a;
            col[li] = v;
            w[gi] += fabs(v);
            w[N + gc] += fabs(v);
            w[2 * N + gc] += a;
            *neg |= a < 0;
        }
    }
}

/* B (distributed, N x nrhs, descriptor descb) := (I - A)^-1 B or ^-T B. */
static emb_status solve_local(dist *d, int trans, int nrhs, double *B, int *descb)
{
    int n = (int)d->N, one = 1, info = 0;
    double t0 = now();
    pdgetrs_(trans ? "T" : "N", &n, &nrhs, d->L, &one, &one, d->desc, d->ipiv, B, &one, &one,
             descb, &info, 1);
    d->t_solve += now() - t0;
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "pdgetrs: argument %d invalid", -info);
    return EMB_OK;
}

/* Descriptor of an N x m matrix on the grid (ld lld), and its local columns. */
static emb_status desc_dist(dist *d, int m, int *desc, size_t *loccols)
{
    int n = (int)d->N, nb = d->nb, zero = 0, lld = (int)d->lld, info = 0;
    descinit_(desc, &n, &m, &nb, &nb, &zero, &zero, &d->ctxt, &lld, &info);
    *loccols = emb_bc_count((size_t)m, (size_t)nb, (size_t)d->mycol, (size_t)d->pc);
    if (info != 0)
        return emb_raise(EMB_EINTERNAL, "descinit: argument %d invalid", -info);
    return EMB_OK;
}

/* Descriptor of the whole N x m matrix on rank 0 alone (context -1 elsewhere). */
static void desc_root(dist *d, int m, int *desc)
{
    int v[9] = {1, d->rank == 0 ? d->ctxt0 : -1, (int)d->N, m, d->nb, d->nb, 0, 0, (int)d->N};
    memcpy(desc, v, sizeof v);
}

/* Phase 4b: v = (I - A)^-1 1 on the grid: its smallest and largest entries
 * on every rank (NaN/Inf as -Inf and Inf). */
static emb_status ones_solve(dist *d, double *vmin, double *vmax)
{
    int desc[9];
    size_t lc;
    emb_status st = desc_dist(d, 1, desc, &lc);
    double *v = st ? NULL : emb_alloc(d->lld, sizeof(double), "(I - A)^-1 1, local part");
    if (!st && !v)
        st = EMB_ENOMEM;
    if ((st = agree(d->comm, st)))
        goto done;
    for (size_t i = 0; i < d->lld; i++)
        v[i] = 1.0;
    st = solve_local(d, 0, 1, v, desc);
    double mm[2] = {0, 0}, g[2];
    for (size_t i = 0; i < d->tl.locr && lc; i++) {
        mm[1] = isfinite(v[i]) ? fmax(mm[1], fabs(v[i])) : INFINITY;
        mm[0] = isfinite(v[i]) ? fmax(mm[0], -v[i]) : INFINITY; /* -min */
    }
    MPI_Allreduce(mm, g, 2, MPI_DOUBLE, MPI_MAX, d->comm);
    *vmin = -g[0], *vmax = g[1];
    st = agree(d->comm, st);
done:
    emb_free(v);
    return st;
}

/* The error of the dense solver (build.c), naming the columns of A with the
 * largest sums. */
static emb_status not_productive(dist *d, const double *colA)
{
    const emb_table *t = d->t;
    size_t N = d->N, w[3] = {N, N, N};
    for (size_t c = 0; c < N; c++)
        for (int q = 0; q < 3; q++)
            if (w[q] == N || colA[c] > colA[w[q]]) {
                for (int r = 2; r > q; r--)
                    w[r] = w[r - 1];
                w[q] = c;
                break;
            }
    char cols[512] = "";
    size_t len = 0;
    for (int q = 0; q < 3 && w[q] < N && len < sizeof cols; q++)
        len += (size_t)snprintf(cols + len, sizeof cols - len, "%s%s/%s %.6g", q ? ", " : "",
                                t->regions[w[q] / t->n_s], t->sectors[w[q] % t->n_s], colA[w[q]]);
    return emb_raise(EMB_ENUMERIC, "%s: the economy is not productive: (I - A)^-1 has negative "
                                   "entries (spectral radius of A >= 1); %zu column(s) of A sum to "
                                   ">= 1, the largest: %s", tp(t), d->st.n_colsum_ge1, cols);
}

/* Phases 2-4: I - A on the grid and its LU, x, the norms and rcond. */
static emb_status factorise(dist *d)
{
    const emb_table *t = d->t;
    size_t N = d->N, locc = d->tl.locc;
    int need_x = !t->x; /* a Z table without x (A tables without x were refused) */
    double t0 = now();
    emb_status st = EMB_OK;
    double *buf = emb_alloc((size_t)d->nb * (locc ? locc : 1), sizeof(double), "tile band");
    double *w = emb_calloc(3 * N, sizeof(double), "partial sums");
    double *tmp = emb_alloc(3 * N, sizeof(double), "reduced sums");
    d->L = emb_alloc_big(d->lld * (locc ? locc : 1), sizeof(double), "this rank's tiles of I - A");
    d->ipiv = emb_alloc(d->tl.locr + (size_t)d->nb, sizeof(int), "pivots");
    d->x = emb_alloc(N, sizeof(double), "x");
    d->rinv = emb_alloc(N, sizeof(double), "1/x");
    if (!buf || !w || !tmp || !d->L || !d->ipiv || !d->x || !d->rinv)
        st = EMB_ENOMEM;
    if (!st)
        st = read_tiles(d, buf, need_x ? w : NULL, need_x ? w + N : NULL);
    if (!st) /* a caller's interruption (embodied/context.h), agreed like any failure */
        st = emb_ctx_poll("the distributed solver, before the factorisation");
    if ((st = agree(d->comm, st)))
        goto done;
    if (need_x) {
        sum_everywhere(d->comm, d->rank, w, tmp, 2 * N);
        for (size_t i = 0; i < N; i++)
            d->x[i] = w[i] + emb_output_fd_total(t, i);
        st = emb_output_screen(t, d->x, w + N, &d->st.n_negative_x);
    } else {
        memcpy(d->x, t->x, N * sizeof(double));
        st = emb_output_check_given(t, d->x);
    }
    if ((st = agree(d->comm, st)))
        goto done;
    emb_output_rinv(d->x, N, 1, d->rinv);
    memset(w, 0, 3 * N * sizeof *w);
    int neg = 0, gneg = 0;
    form(d, w, &neg);
    sum_everywhere(d->comm, d->rank, w, tmp, 3 * N);
    MPI_Allreduce(&neg, &gneg, 1, MPI_INT, MPI_MAX, d->comm);
    const double *colA = w + 2 * N;
    d->anorm_inf = d->anorm_one = 0;
    d->st.max_colsum_A = 0, d->st.n_colsum_ge1 = 0, d->st.worst_column = 0;
    for (size_t i = 0; i < N; i++) {
        if (!isfinite(w[i]) && !st)
            st = emb_raise(EMB_EINPUT, "%s: row %zu (%s/%s) of I - A is not finite (the entries "
                                       "of T are, their scaled sum overflows)", tp(t), i,
                           t->regions[i / t->n_s], t->sectors[i % t->n_s]);
        d->anorm_inf = fmax(d->anorm_inf, w[i]);
        d->anorm_one = fmax(d->anorm_one, w[N + i]);
        if (i == 0 || colA[i] > d->st.max_colsum_A)
            d->st.max_colsum_A = colA[i], d->st.worst_column = i;
        d->st.n_colsum_ge1 += colA[i] >= 1.0;
    }
    d->st.anorm1 = d->anorm_one;
    if ((st = agree(d->comm, st)))
        goto done;
    double t1 = now();
    d->t_build = t1 - t0;
    int n = (int)N, one = 1, info = 0, pinfo, first;
    pdgetrf_(&n, &n, d->L, &one, &one, d->desc, d->ipiv, &info);
    pinfo = info > 0 ? info : INT_MAX;
    MPI_Allreduce(&pinfo, &first, 1, MPI_INT, MPI_MIN, d->comm);
    d->t_factor = now() - t1;
    if (info < 0)
        st = emb_raise(EMB_EINTERNAL, "pdgetrf: argument %d invalid", -info);
    else if (first != INT_MAX) {
        size_t p = (size_t)first - 1;
        st = emb_raise(EMB_ENUMERIC, "%s: I - A is singular (zero pivot %zu, near region %s, "
                                     "sector %s): the economy is not productive (some column sums "
                                     "of A reach 1)", tp(t), p, t->regions[p / t->n_s],
                       t->sectors[p % t->n_s]);
    }
    if ((st = agree(d->comm, st)))
        goto done;
    /* The condition number exactly from (I - A)^-1 1 when A >= 0, which also
     * decides productivity (dense.c); with negative entries only the
     * productivity check when a column sum reaches 1 (no estimate: NaN). */
    d->st.rcond = NAN;
    d->st.rcond_exact = 0;
    if (!gneg || d->st.n_colsum_ge1) {
        double vmin, vmax;
        if ((st = ones_solve(d, &vmin, &vmax)))
            goto done;
        if (!gneg) {
            d->st.rcond = vmax > 0 && isfinite(vmax) ? 1.0 / (d->anorm_inf * vmax) : 0.0;
            d->st.rcond_exact = 1;
        }
        if (vmin < -1e-9 * vmax)
            st = not_productive(d, colA);
    }
    st = agree(d->comm, st);
done:
    emb_free(buf), emb_free(w), emb_free(tmp);
    return st;
}

/* max |v_i| (NaN counts as infinite) and the relative residual of
 * emb_leontief_residuals. */
static double vmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return INFINITY;
        m = fmax(m, fabs(v[i]));
    }
    return m;
}

static double relative(double r, double anorm, const double *x, const double *b, size_t N)
{
    double den = anorm * vmax(x, N) + vmax(b, N);
    double rel = den > 0 ? r / den : r;
    return isnan(rel) ? INFINITY : rel;
}

/* Work arrays of the solve phase. */
typedef struct batch_ws {
    double *Bl;      /* lld x local columns: the batch on the grid */
    double *X;       /* N x nbat: the solutions, on every rank (broadcast) */
    double *P;       /* N x nbat: this rank's products, then (rank 0) their sum */
    double *Xs;      /* locc x nbat: solutions scaled, rows of this rank's columns */
    double *Acc;     /* locc x nbat: T^T m for this rank's columns */
    double *Pb;      /* nb x nbat: one band's T X */
    double *band;    /* nb x locc: one band of tiles */
    double *Bg, *Xg, *S; /* rank 0: right-hand sides, solutions, summed products */
} batch_ws;

/* The residual of batch X (N x cnt, every rank) of kind `which` against T
 * streamed again in tiles: every rank's products summed into ws->S on rank
 * 0, which returns the largest relative residual in *res. */
static emb_status residual(dist *d, batch_ws *ws, int transposed, size_t cnt, double *res)
{
    size_t N = d->N, locc = d->tl.locc, nb = (size_t)d->nb;
    int scaled = d->t->tech_kind == EMB_TECH_Z;
    double t0 = now();
    emb_status st = EMB_OK;
    memset(ws->P, 0, N * cnt * sizeof(double));
    if (transposed)
        memset(ws->Acc, 0, locc * cnt * sizeof(double));
    else
        for (size_t c = 0; c < cnt; c++)
            for (size_t lc = 0; lc < locc; lc++) {
                size_t gc = emb_bc_global(lc, nb, (size_t)d->mycol, (size_t)d->pc);
                ws->Xs[lc + c * locc] = ws->X[gc + c * N] * (scaled ? d->rinv[gc] : 1.0);
            }
    for (size_t b = 0; b < d->tl.nbands && locc && !st; b++) {
        size_t g0, n;
        if ((st = emb_tiles_read_band(&d->tl, b, ws->band, &g0, &n)))
            break;
        if (!transposed) { /* P[g0..] = T_band (diag(rinv) X)[my columns] */
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)cnt, (int)locc, 1.0,
                        ws->band, (int)locc, ws->Xs, (int)locc, 0.0, ws->Pb, (int)n);
            for (size_t c = 0; c < cnt; c++)
                for (size_t i = 0; i < n; i++)
                    ws->P[g0 + i + c * N] = ws->Pb[i + c * n];
        } else { /* Acc += T_band^T m[g0..] */
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)locc, (int)cnt, (int)n,
                        1.0, ws->band, (int)locc, ws->X + g0, (int)N, 1.0, ws->Acc, (int)locc);
        }
    }
    if (transposed)
        for (size_t c = 0; c < cnt; c++)
            for (size_t lc = 0; lc < locc; lc++) {
                size_t gc = emb_bc_global(lc, nb, (size_t)d->mycol, (size_t)d->pc);
                ws->P[gc + c * N] = ws->Acc[lc + c * locc];
            }
    if ((st = agree(d->comm, st)))
        return st;
    MPI_Reduce(ws->P, d->rank == 0 ? ws->S : NULL, (int)(N * cnt), MPI_DOUBLE, MPI_SUM, 0,
               d->comm);
    *res = 0;
    if (d->rank == 0)
        for (size_t c = 0; c < cnt; c++) {
            double *s = ws->S + c * N;
            const double *xc = ws->Xg + c * N, *bc = ws->Bg + c * N;
            for (size_t i = 0; i < N; i++)
                s[i] = bc[i] - (xc[i] - (transposed && scaled ? s[i] * d->rinv[i] : s[i]));
            double r = relative(vmax(s, N), transposed ? d->anorm_one : d->anorm_inf, xc, bc, N);
            *res = fmax(*res, r);
        }
    d->t_res += now() - t0;
    d->st.n_passes++;
    return EMB_OK;
}

/* Phase 5: every right-hand side of the prep (rank 0) solved on the grid. */
static emb_status solve_all(dist *d, emb_accounts_prep *prep, size_t nbat)
{
    size_t N = d->N, locc = d->tl.locc, nb = (size_t)d->nb;
    unsigned long long counts[2] = {0, 0};
    if (d->rank == 0) {
        counts[0] = emb_accounts_n_rhs(prep, EMB_ACCOUNTS_DIRECT);
        counts[1] = emb_accounts_n_rhs(prep, EMB_ACCOUNTS_TRANSPOSED);
    }
    MPI_Bcast(counts, 2, MPI_UNSIGNED_LONG_LONG, 0, d->comm);
    batch_ws ws = {0};
    size_t lcb = emb_bc_count(nbat, nb, (size_t)d->mycol, (size_t)d->pc);
    emb_status st = EMB_OK;
    ws.Bl = emb_alloc(d->lld * (lcb ? lcb : 1), sizeof(double), "right-hand sides, local part");
    ws.X = emb_alloc(N * nbat, sizeof(double), "solutions");
    ws.P = emb_alloc(N * nbat, sizeof(double), "residual products");
    ws.Xs = emb_alloc((locc ? locc : 1) * nbat, sizeof(double), "scaled solutions");
    ws.Acc = emb_alloc((locc ? locc : 1) * nbat, sizeof(double), "A^T m");
    ws.Pb = emb_alloc(nb * nbat, sizeof(double), "band products");
    ws.band = emb_alloc(nb * (locc ? locc : 1), sizeof(double), "tile band");
    if (!ws.Bl || !ws.X || !ws.P || !ws.Xs || !ws.Acc || !ws.Pb || !ws.band)
        st = EMB_ENOMEM;
    if (d->rank == 0 && !st) {
        ws.Bg = emb_alloc(N * nbat, sizeof(double), "right-hand sides");
        ws.Xg = emb_alloc(N * nbat, sizeof(double), "solutions");
        ws.S = emb_alloc(N * nbat, sizeof(double), "residuals");
        if (!ws.Bg || !ws.Xg || !ws.S)
            st = EMB_ENOMEM;
    }
    if ((st = agree(d->comm, st)))
        goto done;
    double res_max[2] = {0, 0};
    for (int kind = 0; kind < 2; kind++) {
        emb_accounts_rhs_kind which = kind ? EMB_ACCOUNTS_TRANSPOSED : EMB_ACCOUNTS_DIRECT;
        for (size_t first = 0; first < counts[kind]; first += nbat) {
            size_t cnt = counts[kind] - first < nbat ? counts[kind] - first : nbat;
            st = emb_ctx_poll("the distributed solves");
            if (d->rank == 0 && !st)
                st = emb_accounts_rhs(prep, which, first, cnt, ws.Bg, N);
            if ((st = agree(d->comm, st)))
                goto done;
            int desc[9], desc0[9];
            size_t lc;
            if ((st = agree(d->comm, desc_dist(d, (int)cnt, desc, &lc))))
                goto done;
            desc_root(d, (int)cnt, desc0);
            double t0 = now();
            Cpdgemr2d((int)N, (int)cnt, ws.Bg, 1, 1, desc0, ws.Bl, 1, 1, desc, d->ctxt);
            d->t_solve += now() - t0;
            st = solve_local(d, kind, (int)cnt, ws.Bl, desc);
            if ((st = agree(d->comm, st)))
                goto done;
            t0 = now();
            Cpdgemr2d((int)N, (int)cnt, ws.Bl, 1, 1, desc, ws.Xg, 1, 1, desc0, d->ctxt);
            if (d->rank == 0)
                memcpy(ws.X, ws.Xg, N * cnt * sizeof(double));
            MPI_Bcast(ws.X, (int)(N * cnt), MPI_DOUBLE, 0, d->comm);
            d->t_solve += now() - t0;
            d->st.n_solves += cnt;
            double res = 0;
            if ((st = residual(d, &ws, kind, cnt, &res)))
                goto done;
            if (d->rank == 0) {
                res_max[kind] = fmax(res_max[kind], res);
                st = emb_accounts_set_solution(prep, which, first, cnt, ws.Xg, N, res);
            }
            if ((st = agree(d->comm, st)))
                goto done;
        }
    }
done:
    emb_free(ws.Bl), emb_free(ws.X), emb_free(ws.P), emb_free(ws.Xs), emb_free(ws.Acc);
    emb_free(ws.Pb), emb_free(ws.band), emb_free(ws.Bg), emb_free(ws.Xg), emb_free(ws.S);
    return st;
}

/* "grid 2x2, block 128, 4 ranks on hosts a, b" into the stats' explanation
 * (the provenance of the results file). */
static emb_status describe(dist *d, emb_solver_kind requested)
{
    char name[MPI_MAX_PROCESSOR_NAME + 1] = {0};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    char *all = d->rank == 0 ? emb_calloc((size_t)d->size, sizeof name, "host names") : NULL;
    emb_status st = agree(d->comm, d->rank == 0 && !all ? EMB_ENOMEM : EMB_OK);
    if (st)
        return st;
    MPI_Gather(name, (int)sizeof name, MPI_CHAR, all, (int)sizeof name, MPI_CHAR, 0, d->comm);
    if (d->rank != 0)
        return EMB_OK;
    char *ex = d->st.explain;
    size_t cap = sizeof d->st.explain;
    int n = snprintf(ex, cap, "scalapack: %s; %d rank%s on a %dx%d grid, block %d, hosts ",
                     requested == EMB_SOLVER_SCALAPACK ? "requested" : "distributed", d->size,
                     d->size == 1 ? "" : "s", d->pr, d->pc, d->nb);
    size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap - 1;
    int listed = 0;
    for (int r = 0; all && r < d->size; r++) {
        const char *h = all + (size_t)r * sizeof name;
        int seen = 0;
        for (int q = 0; q < r && !seen; q++)
            seen = !strcmp(h, all + (size_t)q * sizeof name);
        if (seen)
            continue;
        int m = snprintf(ex + used, cap - used, "%s%s", listed++ ? "," : "", h);
        if (m < 0 || (size_t)m >= cap - used) { /* full: say so rather than cut a name */
            if (cap - used > 4 || used > 4)
                snprintf(ex + (used < cap - 4 ? used : cap - 4), 4, "...");
            break;
        }
        used += (size_t)m;
    }
    emb_free(all);
    return EMB_OK;
}

static emb_status run(dist *d, const emb_accounts_opts *opts, const emb_mpi_opts *mo,
                      emb_accounts **out)
{
    const emb_table *t = d->t;
    emb_accounts_prep *prep = NULL;
    emb_status st = EMB_OK;
    double t_start = now();
    /* Phase 1 (the same answer on every rank for the same arguments). */
    d->pr = mo ? mo->grid_rows : 0, d->pc = mo ? mo->grid_cols : 0;
    d->nb = mo && mo->block ? mo->block : EMB_MPI_BLOCK;
    if (d->pr == 0 && d->pc == 0)
        st = emb_mpi_grid(d->size, &d->pr, &d->pc);
    else if (d->pr < 1 || d->pc < 1 || (long)d->pr * d->pc != d->size)
        st = emb_raise(EMB_EUSAGE, "--grid %dx%d: the grid must have exactly as many places as "
                                   "there are ranks (%d)", d->pr, d->pc, d->size);
    if (!st && d->nb < 1)
        st = emb_raise(EMB_EUSAGE, "--block %d: expected a block size >= 1", d->nb);
    if (!st && t->tech_kind == EMB_TECH_A && !t->x)
        st = emb_raise(EMB_EUSAGE, "%s: an A table without x: complete it first "
                                   "(emb_table_complete_x, or `embodied import`)", tp(t));
    if ((st = agree(d->comm, st)))
        return st;
    if ((size_t)d->nb > d->N)
        d->nb = (int)d->N; /* one block holds everything: the same layout, less padding */
    d->handle = Csys2blacs_handle(d->comm);
    d->ctxt = d->ctxt0 = d->handle;
    Cblacs_gridinit(&d->ctxt, "Row", d->pr, d->pc);
    Cblacs_gridinit(&d->ctxt0, "Row", 1, 1);
    int npr, npc;
    Cblacs_gridinfo(d->ctxt, &npr, &npc, &d->myrow, &d->mycol);
    size_t nbat = BATCH;
    if (nbat > (size_t)INT_MAX / (d->N ? d->N : 1))
        nbat = (size_t)INT_MAX / d->N; /* N x batch counts in MPI's int */
    if (nbat < 1)
        nbat = 1;
    st = emb_tiles_open(&d->tl, t, (size_t)d->nb, (size_t)d->pr, (size_t)d->pc,
                        (size_t)d->myrow, (size_t)d->mycol);
    d->lld = d->tl.locr ? d->tl.locr : 1;
    if (!st)
        st = plan_rank(d, nbat);
    if (!st) {
        int n = (int)d->N, lld = (int)d->lld, zero = 0, info = 0;
        descinit_(d->desc, &n, &n, &d->nb, &d->nb, &zero, &zero, &d->ctxt, &lld, &info);
        if (info != 0)
            st = emb_raise(EMB_EINTERNAL, "descinit: argument %d invalid", -info);
    }
    if ((st = agree(d->comm, st)))
        goto done;
    /* Phases 2-4. */
    d->st.N = d->N;
    if ((st = factorise(d)))
        goto done;
    /* Phase 5: rank 0 prepares, every rank solves. */
    if (d->rank == 0)
        st = emb_accounts_prepare(t, d->x, opts, &prep);
    if ((st = agree(d->comm, st)))
        goto done;
    if ((st = solve_all(d, prep, nbat)))
        goto done;
    if ((st = describe(d, opts ? opts->solver.kind : EMB_SOLVER_SCALAPACK)))
        goto done;
    /* Phase 6: rank 0 assembles. */
    if (d->rank == 0) {
        d->st.requested = opts ? opts->solver.kind : EMB_SOLVER_SCALAPACK;
        d->st.kind = EMB_SOLVER_SCALAPACK;
        d->st.seconds_build = d->t_build;
        d->st.seconds_factor = d->t_factor;
        d->st.seconds_solve = d->t_solve;
        d->st.seconds_residual = d->t_res;
        prep->stats = d->st;
        prep->have_stats = 1;
        st = emb_accounts_assemble(prep, out);
        if (!st) /* the whole run, not only rank 0's part since prepare */
            (*out)->seconds_total = now() - t_start;
    }
    st = agree(d->comm, st);
    if (st && *out) {
        emb_accounts_free(*out);
        *out = NULL;
    }
done:
    emb_accounts_prep_free(prep);
    emb_tiles_close(&d->tl);
    emb_free(d->L), emb_free(d->ipiv), emb_free(d->x), emb_free(d->rinv);
    if (d->ctxt >= 0)
        Cblacs_gridexit(d->ctxt);
    if (d->ctxt0 >= 0)
        Cblacs_gridexit(d->ctxt0);
    Cfree_blacs_system_handle(d->handle);
    return st;
}

emb_status emb_mpi_agree(const emb_mpi_opts *mo, emb_status st)
{
    if (!mpi_on())
        return st;
    return agree(mo && mo->comm ? *(const MPI_Comm *)mo->comm : MPI_COMM_WORLD, st);
}

emb_status emb_mpi_split(int g, void **comm, int *group, int *group_rank)
{
    *comm = NULL;
    *group = *group_rank = 0;
    if (!mpi_on())
        return emb_raise(EMB_EUSAGE, "groups of ranks need MPI initialised (start the program "
                                     "with mpirun)");
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (g < 1 || size % g)
        return emb_raise(EMB_EUSAGE, "--ranks-per-table %d: expected a divisor of the %d ranks",
                         g, size);
    MPI_Comm *c = emb_alloc(1, sizeof *c, "MPI communicator");
    /* every rank reaches the split (collective), even one whose allocation failed */
    int color = rank / g, ok = c != NULL, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        emb_free(c);
        return emb_raise(EMB_ENOMEM, "out of memory for a communicator");
    }
    if (MPI_Comm_split(MPI_COMM_WORLD, color, rank, c) != MPI_SUCCESS) {
        emb_free(c);
        return emb_raise(EMB_EINTERNAL, "MPI_Comm_split failed");
    }
    *comm = c;
    *group = color;
    *group_rank = rank % g;
    return EMB_OK;
}

void emb_mpi_comm_free(void *comm)
{
    if (!comm)
        return;
    if (mpi_on())
        MPI_Comm_free((MPI_Comm *)comm);
    emb_free(comm);
}

emb_status emb_mpi_accounts(const emb_table *t, const emb_accounts_opts *opts,
                            const emb_mpi_opts *mo, emb_accounts **out)
{
    if (!out)
        return emb_raise(EMB_EUSAGE, "emb_mpi_accounts: out is NULL");
    *out = NULL;
    if (!t)
        return emb_raise(EMB_EUSAGE, "emb_mpi_accounts: the table is NULL");
    if (!mpi_on())
        return emb_raise(EMB_EUSAGE, "the scalapack solver needs MPI initialised (emb_mpi_init, "
                                     "or start the program with mpirun)");
    dist d;
    memset(&d, 0, sizeof d);
    d.comm = mo && mo->comm ? *(const MPI_Comm *)mo->comm : MPI_COMM_WORLD;
    d.handle = d.ctxt = d.ctxt0 = -1;
    d.tl.file = d.tl.dset = -1;
    MPI_Comm_rank(d.comm, &d.rank);
    MPI_Comm_size(d.comm, &d.size);
    d.t = t;
    d.N = t->N;
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = run(&d, opts, mo, out);
    emb_ctx_leave(&f);
    return st;
}

#endif /* EMB_HAVE_MPI */
