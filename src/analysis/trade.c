/* src/analysis/trade.c — bilateral gross exports and the domestic blocks of
 * A, in one pass over the technology matrix (whatever its storage: dense,
 * CSR or streamed from the file, through emb_table_tech_rows), for the trade
 * analyses beside the accounts (EEBT, TCBA); and the entry point that runs
 * what the accounts' options ask with that one pass. */
#include "accounts/accounts_impl.h"
#include "analysis/analysis_impl.h"
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/parallel.h"

#include <string.h>

/* Rows per block read: at most 16 MiB of T (less under a small memory
 * limit), as the solver's passes. */
static size_t block_rows(size_t N)
{
    size_t nb = emb_block_bytes((size_t)16 << 20) / (N * sizeof(double) + 1);
    return nb < 1 ? 1 : nb > N ? N : nb;
}

void emb_trade_plan(emb_plan *p, const emb_table *t, int with_blocks)
{
    double dN = (double)t->N, dR = (double)t->n_r, ds = (double)t->n_s;
    emb_plan_add(p, "gross exports by destination", dN, dR, sizeof(double));
    if (with_blocks)
        emb_plan_add(p, "domestic blocks I - A_rr and their LU", 2 * dN, ds, sizeof(double));
    emb_plan_add(p, "row block of T", (double)block_rows(t->N), dN, sizeof(double));
}

void emb_trade_free(emb_trade *tr)
{
    emb_free(tr->E);
    emb_free(tr->D);
    tr->E = tr->D = NULL;
}

typedef struct pass_job {
    const emb_table *t;
    const double *W; /* rows r0 .. r0 + n of T, ld N */
    size_t r0;
    const double *x;
    emb_trade *tr;
} pass_job;

/* Rows [begin, end) of the block: each row's purchases summed by buying
 * region (Z' = A diag(x): a zero-output buyer's column counts 0, as in A),
 * plus final demand by region; the domestic part goes into D instead. */
static void pass_range(void *ctx, size_t begin, size_t end, unsigned tid)
{
    (void)tid;
    const pass_job *j = ctx;
    const emb_table *t = j->t;
    const double *x = j->x;
    size_t N = t->N, R = t->n_r, ns = t->n_s, nf = t->n_f;
    int is_A = t->tech_kind == EMB_TECH_A;
    for (size_t b = begin; b < end; b++) {
        size_t i = j->r0 + b, r = i / ns;
        const double *row = j->W + b * N, *y = t->Y + i * t->n_y;
        double *E = j->tr->E + i * R;
        for (size_t d = 0; d < R; d++) {
            double fd = 0;
            for (size_t c = 0; c < nf; c++) /* the order prepare.c sums Y_reg in */
                fd += y[d * nf + c];
            if (d == r) {
                E[d] = fd;
                if (j->tr->D) {
                    double *Drow = j->tr->D + (r * ns + (i - r * ns)) * ns;
                    for (size_t q = 0; q < ns; q++) {
                        size_t c = r * ns + q;
                        double a = is_A ? row[c] : x[c] > 0 ? row[c] / x[c] : 0.0;
                        Drow[q] = (c == i) - a;
                    }
                }
                continue;
            }
            double z = 0;
            for (size_t c = d * ns; c < (d + 1) * ns; c++)
                if (x[c] > 0)
                    z += is_A ? row[c] * x[c] : row[c];
            E[d] = z + fd;
        }
    }
}

emb_status emb_trade_read(const emb_table *t, const double *x, int with_blocks, emb_trade *tr)
{
    memset(tr, 0, sizeof *tr);
    size_t N = t->N, R = t->n_r, ns = t->n_s, nb = block_rows(N);
    tr->N = N, tr->R = R, tr->ns = ns;
    double *W = NULL;
    emb_status st = EMB_ENOMEM;
    if (!(tr->E = emb_alloc(N, R * sizeof(double), "gross exports by destination")) ||
        (with_blocks && !(tr->D = emb_alloc(N, ns * sizeof(double), "domestic blocks I - A_rr"))) ||
        !(W = emb_alloc(nb, N * sizeof(double), "row block of T")))
        goto fail;
    unsigned nt = emb_parallel_threads();
    for (size_t r0 = 0; r0 < N; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if ((st = emb_ctx_poll("reading the technology matrix for the trade analyses")) ||
            (st = emb_table_tech_rows(t, r0, n, W)))
            goto fail;
        pass_job j = {t, W, r0, x, tr};
        emb_parallel_for(n, 4, nt, pass_range, &j);
    }
    emb_free(W);
    return EMB_OK;
fail:
    emb_free(W);
    emb_trade_free(tr);
    return st;
}

double emb_analysis_tol(const emb_accounts_opts *o)
{
    return o && o->identity_tol > 0 ? o->identity_tol : 1e-9;
}

emb_status emb_analysis_check_args(const emb_accounts *a, const emb_table *t, const char *fn)
{
    if (!a || !t)
        return emb_raise(EMB_EUSAGE, "%s: %s is NULL", fn, !a ? "the accounts" : "the table");
    /* The accounts may hold a subset of the table's stressors (opts.stressors). */
    if ((a->stressor ? a->k > t->k : a->k != t->k) || a->n_r != t->n_r || a->n_s != t->n_s || a->N != t->N ||
        a->n_groups != t->n_groups)
        return emb_raise(EMB_EUSAGE, "%s: the accounts (%zu stressors, %zu regions x %zu sectors, "
                                     "%zu groups) are not of this table (%zu, %zu x %zu, %zu)",
                         fn, a->k, a->n_r, a->n_s, a->n_groups, t->k, t->n_r, t->n_s, t->n_groups);
    return EMB_OK;
}

void emb_analysis_plan(emb_plan *p, const emb_table *t, const emb_accounts_opts *o)
{
    int eebt = o->eebt || o->eebt_by_sector;
    if (!eebt && !o->tcba)
        return;
    double dk = (double)(o->n_stressors ? o->n_stressors : t->k), dN = (double)t->N,
           dR = (double)t->n_r, dG = (double)t->n_groups;
    emb_trade_plan(p, t, eebt);
    if (eebt) {
        emb_plan_add(p, "domestic multipliers", dk, dN, sizeof(double));
        emb_plan_add(p, "EEBT flows and accounts", dk * dR, dR + 3, sizeof(double));
        emb_plan_add(p, "EEBT accounts of groups", dk * dG, 3, sizeof(double));
    }
    if (o->eebt_by_sector)
        emb_plan_add(p, "EEBT flows by sector", dk * dN, dR, sizeof(double));
    if (o->tcba)
        emb_plan_add(p, "TCBA (exports, world averages)", dk + 2, dN, sizeof(double));
}

emb_status emb_analysis_run(emb_accounts *a, const emb_table *t, const emb_accounts_opts *o)
{
    int eebt = o->eebt || o->eebt_by_sector;
    if (!eebt && !o->tcba)
        return EMB_OK;
    double t0 = emb_accounts_now();
    emb_trade tr;
    emb_status st = emb_trade_read(t, a->x, eebt, &tr);
    if (st)
        return st;
    if (eebt)
        st = emb_eebt_from_trade(a, t, &tr, o->eebt_by_sector, emb_analysis_tol(o));
    if (!st && o->tcba)
        st = emb_tcba_from_trade(a, t, &tr, emb_analysis_tol(o));
    emb_trade_free(&tr);
    a->seconds_analyses = emb_accounts_now() - t0;
    return st;
}
