/* src/accounts/accounts_impl.h — the staged accounts' state (internal),
 * shared by prepare.c (stage 1), solve.c (stage 2), assemble.c (stage 3) and
 * accounts.c (the one-call composition). */
#ifndef EMB_ACCOUNTS_IMPL_H
#define EMB_ACCOUNTS_IMPL_H

#include "embodied/accounts.h"

#include <math.h>

/* Residual above which a solve is refused: the system is then too badly
 * conditioned (or the data too wild) for the accounts to mean anything. */
#define EMB_RESIDUAL_LIMIT 1e-8
#define EMB_IDENTITY_TOL_DEFAULT 1e-9
/* Right-hand sides per batch for the per-sector solves (memory bound
 * N x batch doubles). */
#define EMB_RHS_BATCH 256

struct emb_accounts_prep {
    const emb_table *t;
    emb_accounts_opts opt;
    double tol;      /* identity tolerance */
    double t0;       /* when prepare started (seconds_total) */
    size_t N, k, R, ns;
    int by_multiplier; /* per-sector D_imp by k n_r masked multipliers (k n_r <= N),
                          else by N direct solves, one per consumed product */
    size_t n_direct, n_trans;
    double *S;     /* [k][N] intensities */
    double *Yreg;  /* N x n_r column-major: final demand by region */
    double *X;     /* N x n_r column-major: L Y_reg, the direct solutions 0 .. n_r-1 */
    unsigned char *done; /* [n_direct + n_trans]: direct columns, then transposed */
    size_t left;   /* columns not yet solved */
    double res_sector; /* largest residual of the per-sector columns */
    int have_stats;
    emb_solver_stats stats; /* of the last solver used by solve_range / solve_all */
    int spent;     /* assembled (the accounts were handed over, or failed their checks) */
    emb_accounts *a; /* the results being filled (M is the transposed solutions 0 .. k-1) */
};

/* Wall clock (CLOCK_MONOTONIC), seconds. */
double emb_accounts_now(void);

/* The identity checks of emb_accounts_check, naming `path` in the message. */
emb_status emb_accounts_identities(const emb_accounts *a, double tol, double *worst,
                                   const char *path);

/* Arguments of the stage-2 functions (named fn in the message): which is a
 * kind, [first, first + count) within its columns, ld >= N, prep not spent. */
emb_status emb_accounts_check_range(const emb_accounts_prep *p, emb_accounts_rhs_kind which,
                                    size_t first, size_t count, size_t ld, const char *fn);

/* The results' memory plan against the limit: what emb_accounts_prepare
 * and the solves will allocate (not the solver's factor: the solver checks
 * its own when it is created). */
emb_status emb_accounts_plan_check(const emb_table *t, const emb_accounts_opts *opt);

/* Per-capita and intensity accounts of assembled accounts a (formulas in
 * embodied/accounts.h; src/accounts/intensity.c), where t has a population
 * or a value-added row; checks per_capita x population = account (relative
 * 1e-12, EMB_ENUMERIC naming the identity, stressor and region).  On failure
 * a has none of them. */
emb_status emb_accounts_intensities(emb_accounts *a, const emb_table *t);

/* The table's name for messages. */
const char *emb_accounts_table_name(const emb_table *t);

/* The worst violation of a set of identities: |lhs - rhs| / scale (NaN counts
 * as infinite), with what was violated, for the stressor s and region r.
 * Shared by the accounts' checks and the analyses' (EEBT). */
typedef struct emb_viol {
    double worst;
    const char *what;
    size_t s, r;
} emb_viol;

static inline void emb_viol_note(emb_viol *v, double lhs, double rhs, double scale,
                                 const char *what, size_t s, size_t r)
{
    double e = fabs(lhs - rhs) / (scale > 0 ? scale : 1.0);
    if (isnan(e))
        e = INFINITY;
    if (e > v->worst)
        *v = (emb_viol){e, what, s, r};
}

#endif
